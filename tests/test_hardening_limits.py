"""Inputs that would exhaust memory or time: alias bombs, deep nesting, huge numbers, long
`extends` chains, and run counts in the billions. Each is refused by a stated limit before it
is built, within 2 GB and 60 s (enforced by `hardening_helpers.run_cases`)."""

from __future__ import annotations

import shutil

from hardening_helpers import TINY, assert_refused, run_cases, tree


def _bomb(levels: int = 9, width: int = 9) -> str:
    text = "a0: &a0 [" + ", ".join(['"lol"'] * width) + "]\n"
    for i in range(1, levels):
        text += f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]\n"
    return text


def test_yaml_that_expands_without_bound(tmp_path):
    files = {
        "bomb.yaml": _bomb() + "name: x\n",  # 9**9 = 387 million strings once expanded
        "bomb_in_value.yaml": "extends: " + str(TINY) + "\n" + _bomb().replace(
            "a", "anchor") + "description: *anchor8\n",
        "flow_deep.yaml": "name: " + "[" * 100_000 + "]" * 100_000 + "\n",
        "block_deep.yaml": "".join(f"{' ' * i}k{i}:\n" for i in range(2000)) + " " * 2000 + "v\n",
        "recursive.yaml": "services: &s {x: *s}\n",
        "merge_bomb.yaml": "a: &a {k0: 1, k1: 1}\n" + "".join(
            f"b{i}: &b{i} {{<<: *{'a' if i == 0 else f'b{i - 1}'}, x{i}: [*a, *a, *a]}}\n"
            for i in range(40)),
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    results = run_cases([["validate", name] for name in files], tmp_path)
    assert_refused(results[0], "bomb.yaml", "200,000 values", "aliases")
    assert_refused(results[1], "bomb_in_value.yaml", "aliases")
    assert_refused(results[2], "flow_deep.yaml", "nesting deeper than 32")
    assert_refused(results[3], "block_deep.yaml", "nesting deeper than 32")
    assert_refused(results[4], "recursive.yaml", "recursive alias")
    assert results[5].rc == 2 and "Traceback" not in results[5].err  # refused or invalid
    assert all(r.seconds < 20 for r in results)


def test_numbers_too_large_to_hold(tmp_path):
    base = f"extends: {TINY}\n"
    files = {
        "digits.yaml": base + "run: {replications: " + "9" * 5000 + "}\n",
        "power.yaml": base + "run: {years: 1.0e+400}\n",
        "text_power.yaml": base + "run: {years: 1e400}\n",  # YAML reads this as text
        "quoted.yaml": base + "services: {cardiac: {incidence_per_100k: '1e999'}}\n",
        "inf.yaml": base + "run: {years: .inf}\n",
        "nan.yaml": base + "services: {cardiac: {tariff_gbp: .nan}}\n",
        "hex.yaml": base + "run: {seed: 0x" + "f" * 40 + "}\n",
        "big_int.yaml": base + "services: {cardiac: {units: [{provider: P1, slots: "
                               "10000000000000000000}]}}\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    results = run_cases([["validate", name] for name in files], tmp_path)
    expected = [("digits.yaml", "run.replications", "5000 digits"),
                ("power.yaml", "run.years", "1.0e+400", "finite"),
                ("text_power.yaml", "run.years", "finite"),
                ("quoted.yaml", "incidence_per_100k", "finite"),
                ("inf.yaml", "run.years", ".inf", "finite"),
                ("nan.yaml", "tariff_gbp", ".nan"),
                ("hex.yaml", "run.seed", "digits"),
                ("big_int.yaml", "slots", "1e+15")]
    for result, needles in zip(results, expected, strict=True):
        assert_refused(result, *needles)


def test_extends_chains_and_cycles(tmp_path):
    shutil.copy(TINY, tmp_path / "f0.yaml")
    for i in range(1, 25):
        (tmp_path / f"f{i}.yaml").write_text(f"extends: f{i - 1}.yaml\nname: f{i}\n")
    (tmp_path / "a.yaml").write_text("extends: b.yaml\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\n")
    (tmp_path / "self.yaml").write_text("extends: self.yaml\n")
    results = run_cases([["validate", "f24.yaml"], ["validate", "f10.yaml"],
                         ["validate", "a.yaml"], ["validate", "self.yaml"]], tmp_path)
    assert_refused(results[0], "extends", "at most 16 files")
    assert results[1].rc == 0, results[1].err  # a chain within the limit is fine
    assert_refused(results[2], "a.yaml", "extends cycle")
    assert_refused(results[3], "self.yaml", "extends cycle")


def test_run_counts_in_the_billions(tmp_path):
    shutil.copy(TINY, tmp_path / "tiny.yaml")
    (tmp_path / "reps.yaml").write_text(f"extends: {TINY}\nname: reps\n"
                                        "run: {replications: 1000000000}\n")
    (tmp_path / "flood.yaml").write_text(f"extends: {TINY}\nname: flood\n"
                                         "services: {cardiac: {incidence_per_100k: 100000000}}\n")
    (tmp_path / "backlog.yaml").write_text(
        f"extends: {TINY}\nname: backlog\nservices: {{cardiac: {{initial_waiting_list: "
        "{size: 1000000000000, median_weeks: 10, p92_weeks: 30}}}\n")
    (tmp_path / "growth.yaml").write_text(f"extends: {TINY}\nname: growth\n"
                                          "services: {cardiac: {annual_growth: 1.0}}\n")
    (tmp_path / "groups.yaml").write_text(
        f"extends: {TINY}\nname: groups\nservice_groups: {{g: {{name: G, annual_episodes: 1e14, "
        "cost_per_episode_gbp: 1, annual_growth: 1.0}}\n")
    many = ["tiny.yaml"] * 101
    services = "".join(f"  s{i}: {{name: S, incidence_per_100k: 1, treatment_days: {{kind: fixed, "
                       f"mean: 1}}, units: [{{provider: P1}}]}}\n" for i in range(501))
    (tmp_path / "wide.yaml").write_text(f"extends: {TINY}\nname: wide\nservices:\n{services}")
    eleven = []
    for i in range(11):
        (tmp_path / f"s{i}.yaml").write_text(f"extends: {TINY}\nname: s{i}\n")
        eleven.append(f"s{i}.yaml")
    before = tree(tmp_path)
    results = run_cases([
        ["run", "tiny.yaml", "--replications", "1000000000", "--out", "o"],
        ["run", "tiny.yaml", "--replications", "9" * 5000, "--out", "o"],
        ["run", "tiny.yaml", "--precision", "0.01", "--max-replications", "1000000000",
         "--out", "o"],
        ["run", "reps.yaml", "--out", "o"],
        ["run", "flood.yaml", "--out", "o"],
        ["run", "backlog.yaml", "--out", "o"],
        ["run", "growth.yaml", "--years", "90", "--out", "o"],
        ["run", "groups.yaml", "--years", "90", "--out", "o"],
        ["run", *many, "--out", "o"],
        ["run", "tiny.yaml", "--workers", "1000000", "--out", "o"],
        ["warmup", "tiny.yaml", "--replications", "1000000000", "--out", "o"],
        ["warmup", "tiny.yaml", "--window", "100000000", "--out", "o"],
        ["compare", *eleven, "--replications", "10000", "--out", "o"],
        ["run", "wide.yaml", "--out", "o"],
        ["run", "tiny.yaml", "--seed", str(10**16), "--out", "o"],
    ], tmp_path)
    assert_refused(results[0], "--replications", "1000000000", "at most 10,000")
    assert_refused(results[1], "--replications", "at most 19 digits")
    assert_refused(results[2], "--max-replications", "at most 10,000")
    assert_refused(results[3], "reps.yaml", "run.replications", "at most 10,000")
    assert_refused(results[4], "flood.yaml", "patients", "2,000,000")
    assert_refused(results[5], "backlog.yaml", "patients")
    assert_refused(results[6], "growth", "patients")
    assert_refused(results[7], "groups.yaml", "annual_episodes", "episodes a year")
    assert_refused(results[8], "at most 100 scenarios")
    assert_refused(results[9], "--workers", "at most 512")
    assert_refused(results[10], "--replications", "at most 10,000")
    assert_refused(results[11], "--window", "at most 520")
    assert_refused(results[12], "--replications", "11 scenario(s) x 10,000 = 110,000 runs",
                   "100,000")
    assert_refused(results[13], "wide.yaml", "at most 500 services", "502")
    assert_refused(results[14], "--seed", "at most 1,000,000,000,000,000")
    assert tree(tmp_path) == before


def test_sweeps_in_the_billions(tmp_path):
    shutil.copy(TINY, tmp_path / "tiny.yaml")
    head = "scenarios: [tiny.yaml]\nreplications: 1\n"
    values = "{values: [" + ", ".join(str(v) for v in range(10)) + "]}"
    grid = "".join(f"  services.cardiac.units.0.slots{'' if i == 0 else ''}: {values}\n"
                   for i in range(1))
    grid10 = "parameters:\n" + "".join(
        f"  {path}: {values}\n" for path in [
            "services.cardiac.units.0.slots", "services.cardiac.units.1.slots",
            "services.cardiac.incidence_per_100k", "services.cardiac.urgent_share",
            "services.cardiac.min_unit_volume", "services.cardiac.tariff_gbp",
            "services.cardiac.variable_cost_gbp", "pathway.handover_delay_days",
            "commissioning.national.w_wait", "commissioning.national.w_distance"])
    files = {
        "grid.yaml": "name: grid\n" + head + grid10 + "design: {kind: grid}\n",
        "lhs.yaml": "name: lhs\n" + head + "parameters:\n  services.cardiac.annual_growth: "
                    "{low: 0, high: 0.1}\ndesign: {kind: lhs, n: 1000000000}\n",
        "reps.yaml": "name: reps\nscenarios: [tiny.yaml]\nreplications: 1000000000\n"
                     "parameters:\n" + grid + "design: {kind: grid}\n",
        "many.yaml": "name: many\nscenarios: [" + ", ".join(["tiny.yaml"] * 1000) + "]\n"
                     "parameters:\n" + grid + "design: {kind: grid}\n",
        "years.yaml": "name: years\n" + head + "years: 1.0e+300\nparameters:\n" + grid
                      + "design: {kind: grid}\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    before = tree(tmp_path)
    results = run_cases([["sweep", name, "--out", "o"] for name in files], tmp_path)
    assert_refused(results[0], "grid.yaml", "parameters", "10,000,000,000 points", "10,000")
    assert_refused(results[1], "lhs.yaml", "design.n", "1,000,000,000 points")
    assert_refused(results[2], "reps.yaml", "replications")
    assert_refused(results[3], "many.yaml", "scenarios", "at most 100")
    assert_refused(results[4], "years.yaml", "years")
    assert tree(tmp_path) == before
