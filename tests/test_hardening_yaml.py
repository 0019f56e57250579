"""Silent acceptance: duplicate keys, YAML booleans read as numbers, and distribution overrides
in `extends` chains. Each is an error naming the file and both lines, or the key and value, or
it is merged exactly as documented (a `kind` replaces the distribution, no `kind` merges)."""

from __future__ import annotations

import pytest
from hardening_helpers import TINY, assert_refused, run_cases

from sim.config import ConfigError, load_scenario
from sim.config.sweep import load_sweep


def _refused(path, *needles: str) -> str:
    with pytest.raises(ConfigError) as info:
        load_scenario(path)
    text = str(info.value)
    assert len(text.splitlines()) <= 3, text
    for needle in needles:
        assert needle in text, f"{needle!r} not in {text}"
    return text


def test_duplicate_keys_name_both_lines(tmp_path):
    cases = {
        "top.yaml": ("name: a\nname: b\n", "name", "line 2", "first at line 1"),
        "nested.yaml": (f"extends: {TINY}\nservices:\n  cardiac:\n    urgent_share: 0.1\n"
                        "    tariff_gbp: 5\n    urgent_share: 0.3\n",
                        "services.cardiac.urgent_share", "line 6", "first at line 4"),
        "flow.yaml": (f"extends: {TINY}\nrun: {{years: 1, years: 2}}\n", "run.years",
                      "line 2", "first at line 2"),
        "quoted.yaml": (f"extends: {TINY}\n'name': x\n\"name\": y\n", "name", "first at line 2"),
        "in_list.yaml": (f"extends: {TINY}\nservices: {{cardiac: {{units: [{{provider: P1, "
                         "slots: 1, slots: 2}]}}\n", "services.cardiac.units.0.slots"),
    }
    for name, (text, *needles) in cases.items():
        (tmp_path / name).write_text(text)
        _refused(tmp_path / name, name, "duplicate key", *needles)
    (tmp_path / "merge.yaml").write_text(  # a merge key (<<) may be overridden: not a duplicate
        f"extends: {TINY}\nname: merged\nbase: &b {{kind: exponential, mean: 3}}\n"
        "services: {cardiac: {treatment_days: {<<: *b, mean: 4}}}\n")
    _refused(tmp_path / "merge.yaml", "unknown key 'base'")  # only the unknown key is wrong


def test_yaml_booleans_are_not_numbers(tmp_path):
    cases = {
        "yes.yaml": ("services: {cardiac: {incidence_per_100k: yes}}",
                     "services.cardiac.incidence_per_100k"),
        "on.yaml": ("pathway: {handover_delay_days: on}", "pathway.handover_delay_days"),
        "true.yaml": ("run: {replications: true}", "run.replications"),
        "no.yaml": ("services: {cardiac: {units: [{provider: P1, slots: no}]}}",
                    "services.cardiac.units.0.slots"),
        "off.yaml": ("commissioning: {national: {access_rate: off}}",
                     "commissioning.national.access_rate"),
    }
    for name, (body, key) in cases.items():
        (tmp_path / name).write_text(f"extends: {TINY}\nname: b\n{body}\n")
        _refused(tmp_path / name, name, key, "not a boolean")
    (tmp_path / "bool_ok.yaml").write_text(f"extends: {TINY}\nname: ok\npathway: {{prefill: yes}}"
                                           "\n")
    assert load_scenario(tmp_path / "bool_ok.yaml").pathway.prefill is True  # a real boolean


def test_sweep_booleans_are_not_numbers(tmp_path):
    (tmp_path / "tiny.yaml").write_text(TINY.read_text())
    head = "name: t\nscenarios: [tiny.yaml]\ndesign: {kind: grid}\n"
    (tmp_path / "values.yaml").write_text(
        head + "parameters:\n  services.cardiac.annual_growth: {values: [yes, no]}\n")
    (tmp_path / "reps.yaml").write_text(
        head + "replications: yes\nparameters:\n  services.cardiac.annual_growth: "
               "{values: [0.1]}\n")
    for name, key in (("values.yaml", "parameters.services.cardiac.annual_growth.values"),
                      ("reps.yaml", "replications")):
        with pytest.raises(ConfigError, match="boolean") as info:
            load_sweep(tmp_path / name)
        assert key in str(info.value) and name in str(info.value)


def test_distribution_overrides_replace_with_a_kind_and_merge_without(tmp_path):
    (tmp_path / "parent.yaml").write_text(
        f"extends: {TINY}\nname: parent\nservices: {{cardiac: {{treatment_days: "
        "{kind: lognormal, mean: 8, cv: 0.5}}}\n")
    (tmp_path / "new_kind.yaml").write_text(  # a kind: the whole distribution is replaced
        "extends: parent.yaml\nname: new_kind\nservices: {cardiac: {treatment_days: "
        "{kind: exponential, mean: 3}}}\n")
    (tmp_path / "new_mean.yaml").write_text(  # no kind: merged into the parent's
        "extends: parent.yaml\nname: new_mean\nservices: {cardiac: {treatment_days: "
        "{mean: 6}}}\n")
    (tmp_path / "bad_cv.yaml").write_text(  # cv on an exponential: named with both files
        "extends: tiny_copy.yaml\nname: bad_cv\nservices: {cardiac: {treatment_days: "
        "{cv: 0.9}}}\n")
    (tmp_path / "tiny_copy.yaml").write_text(TINY.read_text())
    (tmp_path / "gamma_no_cv.yaml").write_text(
        "extends: parent.yaml\nname: g\nservices: {cardiac: {treatment_days: "
        "{kind: gamma, mean: 3}}}\n")
    treat = load_scenario(tmp_path / "new_kind.yaml").services["cardiac"].treatment_days
    assert (treat.kind, treat.mean, treat.cv) == ("exponential", 3.0, None)
    treat = load_scenario(tmp_path / "new_mean.yaml").services["cardiac"].treatment_days
    assert (treat.kind, treat.mean, treat.cv) == ("lognormal", 6.0, 0.5)
    text = _refused(tmp_path / "bad_cv.yaml", "bad_cv.yaml",
                    "services.cardiac.treatment_days", "takes no cv",
                    "kind, mean in tiny_copy.yaml", "cv in bad_cv.yaml")
    assert "(got 'dict')" not in text
    _refused(tmp_path / "gamma_no_cv.yaml", "gamma_no_cv.yaml", "needs cv > 0")


def test_names_that_become_paths_are_safe(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    names = {"up.yaml": "../../x", "abs.yaml": "/tmp/x", "slash.yaml": "a/b",
             "dot.yaml": "..", "space.yaml": "'my run'", "nul.yaml": "'a\\0b'",
             "long.yaml": "x" * 65, "con.yaml": "CON", "newline.yaml": '"a\\nb"'}
    for file, name in names.items():
        (tmp_path / "a" / "b" / file).write_text(f"extends: {TINY}\nname: {name}\n")
    (tmp_path / "a" / "b" / "service.yaml").write_text(
        f"extends: {TINY}\nname: ok\ncommissioning: {{services: {{}}}}\nservices:\n"
        "  ../evil: {name: E, incidence_per_100k: 1, treatment_days: {kind: fixed, mean: 1}, "
        "units: [{provider: P1}]}\n")
    (tmp_path / "a" / "b" / "sweep.yaml").write_text(
        "name: ../../sweep\nscenarios: [../../../" + TINY.name + "]\nparameters:\n"
        "  services.cardiac.annual_growth: {values: [0.0]}\ndesign: {kind: grid}\n")
    (tmp_path / TINY.name).write_text(TINY.read_text())
    cwd = tmp_path / "a" / "b"
    before = {p for p in tmp_path.rglob("*")}
    results = run_cases([["run", f, "--out", "out"] for f in names]
                        + [["run", "service.yaml", "--out", "out"],
                           ["sweep", "sweep.yaml"], ["warmup", "up.yaml"],
                           ["validate", "up.yaml"]], cwd)
    for result, file in zip(results[:len(names)], names, strict=True):
        assert_refused(result, file, "name", "letters, digits") if file != "con.yaml" else \
            assert_refused(result, file, "reserved file name")
    assert_refused(results[len(names)], "service.yaml", "services.../evil", "an id")
    assert_refused(results[len(names) + 1], "sweep.yaml", "name", "../../sweep")
    assert_refused(results[len(names) + 2], "up.yaml", "../../x")
    assert_refused(results[len(names) + 3], "up.yaml", "../../x")
    assert {p for p in tmp_path.rglob("*")} == before  # nothing written, anywhere


def test_docs_state_every_limit():
    """docs/limits.md lists each limit with the value the code enforces."""
    from hardening_helpers import ROOT

    from sim.config import limits

    doc = (ROOT / "docs" / "limits.md").read_text(encoding="utf-8")
    stated = {
        "MAX_FILE_BYTES": f"{limits.MAX_FILE_BYTES // limits.MIB} MB",
        "MAX_YAML_DEPTH": f"{limits.MAX_YAML_DEPTH} levels",
        "MAX_YAML_NODES": f"{limits.MAX_YAML_NODES:,}",
        "MAX_EXTENDS": f"{limits.MAX_EXTENDS} files",
        "MAX_NUMBER": f"{limits.MAX_NUMBER:g}".replace("+", ""),
        "MAX_INT_DIGITS": f"{limits.MAX_INT_DIGITS} digits",
        "MAX_YEARS": f"| {limits.MAX_YEARS:g} |",
        "MAX_WARMUP_DAYS": f"{limits.MAX_WARMUP_DAYS:,.0f} days",
        "MAX_REPLICATIONS": f"| {limits.MAX_REPLICATIONS:,} |",
        "MAX_RUNS": f"| {limits.MAX_RUNS:,} |",
        "MAX_SCENARIOS": f"| {limits.MAX_SCENARIOS} |",
        "MAX_SWEEP_POINTS": f"| {limits.MAX_SWEEP_POINTS:,} |",
        "MAX_SEED": "0 to 10^15",
        "MAX_SERVICES": f"| {limits.MAX_SERVICES} |",
        "MAX_WORKERS": f"| {limits.MAX_WORKERS} |",
        "MAX_REFERRALS": f"| {limits.MAX_REFERRALS:,} |",
        "MAX_GROUP_EPISODES": f"| {limits.MAX_GROUP_EPISODES:g} |".replace("+", ""),
    }
    constants = {n for n in dir(limits) if n.startswith("MAX_")}
    assert constants == set(stated), "a new limit must be stated in docs/limits.md"
    assert limits.MAX_SEED == 10**15
    for name, text in stated.items():
        assert text in doc, f"docs/limits.md does not state {name} as {text!r}"
    for code in ("| 0 |", "| 1 |", "| 2 |", "| 130 |"):
        assert code in doc
