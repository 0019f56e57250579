"""Values that pass the schema but would crash (or never end) a run are refused up front; values
that are extreme but meaningful (incidence 0, a huge finite slot count) run to the end."""

from __future__ import annotations

import shutil

from hardening_helpers import TINY, assert_refused, run_cases, tree


def _scenario(tmp_path, name: str, body: str) -> str:
    (tmp_path / f"{name}.yaml").write_text(f"extends: {TINY}\nname: {name}\n{body}")
    return f"{name}.yaml"


def test_values_that_would_crash_the_run_are_refused_first(tmp_path):
    files = [
        (_scenario(tmp_path, "years_inf", "run: {years: .inf}\n"), "run.years", ".inf"),
        (_scenario(tmp_path, "years_long", "run: {years: 1.0e+9}\n"), "run.years",
         "at most 100"),
        (_scenario(tmp_path, "warmup_long", "run: {warmup_days: 1.0e+12}\n"),
         "run.warmup_days", "at most 36,500"),
        (_scenario(tmp_path, "late_date", "run: {start_date: 9999-12-31}\n"),
         "run.start_date", "9999-12-31"),
        (_scenario(tmp_path, "steep", "services: {cardiac: {outcome: {p_floor: 0, p_ceiling: "
                                      "0.1, v_half: 0.000001, k: 1000}}}\n"),
         "services.cardiac.outcome.k", "at most 20"),
        (_scenario(tmp_path, "planning", "pathway: {capacity_planning_days: 1.0e+9}\n"),
         "pathway.capacity_planning_days", "36,500"),
        (_scenario(tmp_path, "nobody", "geography: {icss: [{code: I1, name: N, region_code: R1,"
                                       " region_name: R, population: 0, lat: 53, lon: -1}, "
                                       "{code: I2, name: S, region_code: R1, region_name: R, "
                                       "population: 0, lat: 51, lon: 0}]}\nservice_groups: "
                                       "{g: {name: G, annual_episodes: 10, "
                                       "cost_per_episode_gbp: 1}}\n"),
         "geography.icss", "population 0"),
    ]
    before = tree(tmp_path)
    results = run_cases([["run", f, "--out", "o"] for f, *_ in files], tmp_path)
    for result, (file, *needles) in zip(results, files, strict=True):
        assert_refused(result, file, *needles)
    assert tree(tmp_path) == before


def test_bad_options_are_refused_before_anything_runs(tmp_path):
    shutil.copy(TINY, tmp_path / "tiny.yaml")
    cases = [
        (["run", "tiny.yaml", "--years", "inf"], "--years", "'inf'", "finite"),
        (["run", "tiny.yaml", "--years", "nan"], "--years", "finite"),
        (["run", "tiny.yaml", "--years", "1e400"], "--years", "1e400"),
        (["run", "tiny.yaml", "--years", "1000"], "--years", "at most 100"),
        (["run", "tiny.yaml", "--warmup-days", "-1"], "--warmup-days", "at least 0"),
        (["run", "tiny.yaml", "--seed", "-1"], "--seed", "at least 0"),
        (["warmup", "tiny.yaml", "--seed", "-1"], "--seed", "at least 0"),
        (["warmup", "tiny.yaml", "--years=-inf"], "--years", "finite"),
        (["run", "tiny.yaml", "--scheduler", "not an address"], "--scheduler",
         "'not an address'", "tcp://"),
        (["run", "tiny.yaml", "--scheduler", "tcp://host:70000"], "--scheduler", "70000"),
        (["sweep", "tiny.yaml", "--scheduler", "http://x"], "--scheduler", "http://x"),
        (["calibrate", "tiny.yaml", "--targets", "t.csv", "--low", "4", "--high", "1"],
         "--low", "--high"),
        (["calibrate", "tiny.yaml", "--targets", "t.csv", "--high", "inf"], "--high", "finite"),
        (["run", "tiny.yaml", "--precision", "1.5"], "--precision", "fraction below 1"),
        (["run", "tiny.yaml", "--out", ""], "--out", "must name a folder"),
    ]
    (tmp_path / "t.csv").write_text("kpi,scope,key,observed,tolerance,unit,source\n"
                                    "waiting_list_end,overall,all,10,1,patients,x\n")
    before = tree(tmp_path)
    results = run_cases([[*argv, *(["--out", "o"] if "--out" not in argv else [])]
                         for argv, *_ in cases], tmp_path)
    for result, (_argv, *needles) in zip(results, cases, strict=True):
        assert_refused(result, *needles)
    assert tree(tmp_path) == before


def test_unreachable_scheduler_is_refused_before_the_output_folder_is_kept(tmp_path):
    shutil.copy(TINY, tmp_path / "tiny.yaml")
    results = run_cases([["run", "tiny.yaml", "--scheduler", "tcp://127.0.0.1:1",
                          "--out", "o"]], tmp_path)
    assert_refused(results[0], "--scheduler tcp://127.0.0.1:1")
    assert not (tmp_path / "o").exists()


def test_extreme_but_meaningful_values_run_to_the_end(tmp_path):
    files = [
        _scenario(tmp_path, "no_demand", "services: {cardiac: {incidence_per_100k: 0}}\n"),
        _scenario(tmp_path, "huge_slots", "services: {cardiac: {units: [{provider: P1, "
                                          "slots: 1000000000}, {provider: P2, slots: 1}]}}\n"),
        _scenario(tmp_path, "long_stay", "services: {cardiac: {treatment_days: "
                                         "{kind: lognormal, mean: 1000000, cv: 1000}}}\n"),
        _scenario(tmp_path, "tiny_scale", "services: {cardiac: {capacity_scale: 1.0e-12}}\n"),
    ]
    results = run_cases([["run", f, "--replications", "2", "--workers", "1", "--out", f"o{i}"]
                         for i, f in enumerate(files)], tmp_path)
    for result, file in zip(results, files, strict=True):
        assert result.rc == 0, (file, result.err)
        assert "Traceback" not in result.err and result.seconds < 60
        assert (tmp_path / f"o{files.index(file)}" / "manifest.json").is_file()
