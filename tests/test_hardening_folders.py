"""Folders that cannot lie: a run killed at any moment leaves the previous complete results or a
folder marked INCOMPLETE, never a complete-looking mixture; `report` refuses mixtures and names
the file; a second command writing into a locked folder is refused at once."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from hardening_helpers import ROOT, TINY, assert_refused, run_cases

from sim.experiment.outputs import INCOMPLETE, MANIFEST, OutputFolder
from sim.presentation.cli import main

FAST = ["--replications", "1", "--workers", "1", "--years", "0.2", "--warmup-days", "10"]

CRASH_DRIVER = textwrap.dedent("""
    import json, os, pathlib, shutil, sys
    from sim.presentation.cli import main
    import sim.experiment.outputs as outputs
    from sim.experiment.outputs import INCOMPLETE, OutputError, verify_results

    old, new, base, argv = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    NAMES = ["kpis.csv", "kpis.parquet", "waits.csv", "summary.csv", "units.parquet",
             "timeseries.csv"]
    A = {n: open(os.path.join(old, n), "rb").read() for n in NAMES}
    B = {n: open(os.path.join(new, n), "rb").read() for n in NAMES}
    steps = {"n": 0, "crash_at": None, "active": False}

    def counted(fn):  # every file-system step of a commit is a place to be killed
        def wrapper(*args, **kwargs):
            if steps["active"]:
                steps["n"] += 1
                if steps["n"] == steps["crash_at"]:
                    os._exit(137)  # like kill -9: no cleanup, no finally, no atexit
            return fn(*args, **kwargs)
        return wrapper

    os.replace = counted(os.replace)
    os.fsync = counted(os.fsync)
    pathlib.Path.unlink = counted(pathlib.Path.unlink)
    shutil.rmtree = counted(shutil.rmtree)
    commit = outputs.OutputFolder.commit
    def counted_commit(self, *args, **kwargs):
        steps["active"] = True
        return commit(self, *args, **kwargs)
    outputs.OutputFolder.commit = counted_commit

    def state(folder):
        try:
            verify_results(folder, ["kpis.parquet", "waits.parquet", "run.json"], "results")
        except OutputError as exc:
            return "incomplete" if os.path.exists(os.path.join(folder, INCOMPLETE)) \\
                else "refused without mark: " + str(exc)
        files = {n: open(os.path.join(folder, n), "rb").read() for n in NAMES}
        return "old" if files == A else "new" if files == B else "MIXED"

    seen = []
    for n in range(1, 400):
        folder = os.path.join(base, f"crash{n}")
        shutil.copytree(old, folder)
        pid = os.fork()
        if pid == 0:
            steps["crash_at"] = n
            devnull = open(os.devnull, "w")
            sys.stdout = sys.stderr = devnull
            os._exit(100 + main([*argv, "--out", folder]))
        code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
        found = state(folder)
        report = None
        if found == "incomplete":
            sys.stdout = sys.stderr = open(os.devnull, "w")
            report = main(["report", folder])
            sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
        seen.append({"n": n, "exit": code, "state": found, "report": report})
        shutil.rmtree(folder)
        if code == 100:  # finished without reaching step n: every step has been tried
            break
    print("@@" + json.dumps(seen))
""")


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """Complete results of one run (seed 1) and of another (seed 2)."""
    folder = tmp_path_factory.mktemp("runs")
    for seed in ("1", "2"):
        assert main(["run", str(TINY), *FAST, "--seed", seed,
                     "--out", str(folder / f"seed{seed}")]) == 0
    return folder


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_run_killed_at_every_step_of_writing_never_leaves_a_mixture(two_runs, tmp_path):
    proc = subprocess.run(
        [sys.executable, "-c", CRASH_DRIVER, str(two_runs / "seed1"), str(two_runs / "seed2"),
         str(tmp_path), "run", str(TINY), *FAST, "--seed", "2"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert "@@" in proc.stdout, proc.stderr[-2000:]
    seen = json.loads(proc.stdout.split("@@")[-1])
    states = [s["state"] for s in seen]
    assert seen[-1]["exit"] == 100 and states[-1] == "new"  # uninterrupted: the new results
    assert all(s["exit"] == 137 for s in seen[:-1])
    assert set(states) <= {"old", "incomplete", "new"}, seen  # never a mixture, never unmarked
    assert "old" in states and "incomplete" in states and len(seen) > 15
    assert all(s["report"] == 2 for s in seen if s["state"] == "incomplete")


def _wait_for(condition, seconds: float = 60.0) -> None:
    end = time.time() + seconds
    while not condition():
        assert time.time() < end, "timed out"
        time.sleep(0.05)


def _specsim(*argv: str, cwd) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "import sys; from sim.presentation.cli "
                             "import main; sys.exit(main())", *argv], cwd=cwd,
                            env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


SWEEP = """name: slow
scenarios: [tiny.yaml]
parameters:
  services.cardiac.annual_growth: {values: [0.0, 0.01, 0.02, 0.03, 0.04, 0.05]}
design: {kind: grid}
replications: 2
years: 1.5
warmup_days: 30
"""


def test_a_sweep_killed_with_sigkill_is_marked_and_resumes(tmp_path):
    shutil.copy(TINY, tmp_path / "tiny.yaml")
    (tmp_path / "sweep.yaml").write_text(SWEEP)
    out = tmp_path / "out"
    proc = _specsim("sweep", "sweep.yaml", "--workers", "2", "--out", str(out), cwd=tmp_path)
    _wait_for(lambda: len(list((out / "runs").glob("*.parquet"))) >= 2
              or proc.poll() is not None)
    workers = _children(proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert (out / INCOMPLETE).is_file() and not (out / MANIFEST).exists()
    _wait_for(lambda: not any(_alive(pid) for pid in workers), seconds=10)
    results = run_cases([["report", "out"], ["sweep", "sweep.yaml", "--out", "out"],
                         ["sweep", "sweep.yaml", "--out", "out", "--resume", "--workers", "1"],
                         ["report", "out"]], tmp_path)
    assert_refused(results[0], "out", "incomplete", "INCOMPLETE")
    assert_refused(results[1], "already holds a sweep", "--resume")
    assert results[2].rc == 0, results[2].err  # the lock died with the killed sweep
    assert "already done" in results[2].out
    assert results[3].rc == 0, results[3].err
    assert not (out / INCOMPLETE).exists() and (out / "report.html").is_file()


def test_a_run_killed_with_sigkill_keeps_the_previous_results(tmp_path):
    out = tmp_path / "out"
    assert main(["run", str(TINY), *FAST, "--out", str(out)]) == 0
    before = (out / "kpis.csv").read_bytes()
    proc = _specsim("run", str(TINY), "--replications", "40", "--workers", "2", "--years", "3",
                    "--out", str(out), cwd=tmp_path)
    _wait_for(lambda: (out / ".specsim.lock").read_text().startswith(f"pid {proc.pid}")
              or proc.poll() is not None)
    time.sleep(1.0)
    workers = _children(proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert (out / "kpis.csv").read_bytes() == before and not (out / INCOMPLETE).exists()
    # the lock died with the command (its pool workers never held it)
    assert main(["run", str(TINY), *FAST, "--seed", "5", "--out", str(out)]) == 0
    assert main(["report", str(out)]) == 0
    if sys.platform.startswith("linux"):  # and the workers died with it, not orphaned
        assert workers
        _wait_for(lambda: not any(_alive(pid) for pid in workers), seconds=10)


def _children(pid: int) -> list[int]:
    """Child process ids of `pid` (Linux /proc), once it has started some."""
    path = f"/proc/{pid}/task/{pid}/children"
    if not os.path.exists(path):
        return []
    _wait_for(lambda: open(path).read().split() != [], seconds=30)
    return [int(c) for c in open(path).read().split()]


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(") ")[-1][:1] not in ("Z", "X")
    except OSError:
        return False


def test_report_refuses_mixtures_and_damaged_files(two_runs, tmp_path, capsys):
    cases = {}

    def case(name, damage):
        folder = tmp_path / name
        shutil.copytree(two_runs / "seed1", folder)
        damage(folder)
        cases[name] = folder

    other = two_runs / "seed2"
    case("mixed", lambda f: shutil.copy(other / "kpis.parquet", f / "kpis.parquet"))
    case("mixed_csv", lambda f: shutil.copy(other / "summary.csv", f / "summary.csv"))
    case("truncated", lambda f: (f / "waits.parquet").write_bytes(
        (f / "waits.parquet").read_bytes()[:100]))
    case("marked", lambda f: (f / INCOMPLETE).write_text("interrupted\n"))
    case("no_manifest", lambda f: (f / MANIFEST).unlink())
    case("bad_manifest", lambda f: (f / MANIFEST).write_text("{not json"))
    case("evil_manifest", lambda f: (f / MANIFEST).write_text(json.dumps(
        {"files": {"../../etc/passwd": {}}})))
    case("file_gone", lambda f: (f / "units.csv").unlink())
    expected = {"mixed": ("kpis.parquet", "does not match"),
                "mixed_csv": ("summary.csv", "does not match"),
                "truncated": ("waits.parquet", "truncated"),
                "marked": ("incomplete", INCOMPLETE),
                "no_manifest": ("no manifest.json",),
                "bad_manifest": ("manifest.json", "not a valid manifest"),
                "evil_manifest": ("not a valid manifest",),
                "file_gone": ("units.csv", "missing")}
    for name, folder in cases.items():
        for argv in (["report", str(folder)], ["compare", "--from", str(folder),
                                               "--out", str(tmp_path / f"{name}_copy")]):
            assert main(argv) == 2, (name, argv)
            err = capsys.readouterr().err.strip().splitlines()
            assert len(err) == 1 and "Traceback" not in err[0], err
            for needle in expected[name]:
                assert needle in err[0], (name, err)
            assert not (folder / "report.html").exists()
            assert not (tmp_path / f"{name}_copy").exists()


def test_a_corrupt_run_file_of_a_sweep_is_named(tmp_path, capsys):
    shutil.copy(TINY, tmp_path / "tiny.yaml")
    (tmp_path / "sweep.yaml").write_text(SWEEP.replace("0.0, 0.01, 0.02, 0.03, 0.04, 0.05",
                                                       "0.0").replace("1.5", "0.2"))
    out = tmp_path / "out"
    assert main(["sweep", str(tmp_path / "sweep.yaml"), "--workers", "1", "--out", str(out)]) == 0
    run_file = sorted((out / "runs").glob("*.parquet"))[0]
    run_file.write_bytes(b"PAR1 not really")
    capsys.readouterr()
    assert main(["sweep", str(tmp_path / "sweep.yaml"), "--resume", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and run_file.name in err[0] and "not a readable Parquet" in err[0]
    assert main(["report", str(out)]) == 2  # marked incomplete until a good --resume
    assert INCOMPLETE in capsys.readouterr().err


def test_a_second_command_into_a_locked_folder_is_refused(two_runs, tmp_path, capsys):
    out = tmp_path / "busy"
    shutil.copytree(two_runs / "seed1", out)
    shutil.copy(TINY, tmp_path / "tiny.yaml")
    (tmp_path / "sweep.yaml").write_text(SWEEP)
    (tmp_path / "t.csv").write_text("kpi,scope,key,observed,tolerance,unit,source\n"
                                    "waiting_list_end,service,cardiac,10,1,patients,x\n")
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and p.name[0] != "."}
    tiny = str(tmp_path / "tiny.yaml")
    with OutputFolder(out, "test holder"):
        for argv in (["run", tiny, *FAST], ["compare", tiny, *FAST],
                     ["sweep", str(tmp_path / "sweep.yaml")], ["warmup", tiny],
                     ["calibrate", tiny, "--targets", str(tmp_path / "t.csv")],
                     ["compare", "--from", str(two_runs / "seed2")]):
            assert main([*argv, "--out", str(out)]) == 2, argv
            err = capsys.readouterr().err.strip().splitlines()
            assert len(err) == 1 and "in use by another specsim command" in err[0], err
            assert f"pid {os.getpid()}, specsim test holder" in err[0]
        assert main(["report", str(out)]) == 2
        assert "in use" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in out.iterdir()
            if p.is_file() and p.name[0] != "."} == before
    assert main(["report", str(out)]) == 0  # free again


def test_two_processes_into_one_folder(tmp_path):
    shutil.copy(TINY, tmp_path / "tiny.yaml")
    # slow enough to overlap the three refused commands with room to spare (it is interrupted
    # long before it ends: 20 years took 8 s once the model got faster, and lost the race)
    (tmp_path / "sweep.yaml").write_text(SWEEP.replace("1.5", "50"))
    out = tmp_path / "out"
    first = _specsim("sweep", "sweep.yaml", "--workers", "1", "--out", "out", cwd=tmp_path)
    _wait_for(lambda: (out / ".specsim.lock").is_file()
              and (out / ".specsim.lock").read_text().startswith(f"pid {first.pid}")
              or first.poll() is not None)
    results = run_cases([["run", "tiny.yaml", *FAST, "--out", "out"],
                         ["sweep", "sweep.yaml", "--resume", "--out", "out"],
                         ["report", "out"]], tmp_path)
    assert first.poll() is None, "the first sweep ended too soon for this test"
    for result in results:
        assert_refused(result, "in use by another specsim command", f"pid {first.pid}")
    first.send_signal(signal.SIGINT)  # Ctrl-C: finished runs are kept, the folder is marked
    _, err = first.communicate(timeout=60)
    assert first.returncode == 130 and "--resume" in err
    assert (out / INCOMPLETE).is_file()
    assert main(["report", str(out)]) == 2  # refused as incomplete, no longer as in use


def test_an_overloaded_unit_is_named_once(tmp_path, capsys):
    (tmp_path / "busy.yaml").write_text(
        f"extends: {TINY}\nname: busy\nservices: {{cardiac: {{incidence_per_100k: 400, "
        "units: [{provider: P1, slots: 2}, {provider: P2, slots: 200}]}}\n"
        "commissioning: {national: {w_wait: 0, w_distance: 1}}\n")
    assert main(["run", str(tmp_path / "busy.yaml"), "--replications", "3", "--workers", "1",
                 "--years", "1", "--out", str(tmp_path / "o")]) == 0
    warnings = [line for line in capsys.readouterr().err.splitlines()
                if line.startswith("warning:")]
    assert len(warnings) == 1, warnings
    assert "cardiac/P1 (North Trust) at 100%" in warnings[0] and "P2" not in warnings[0]
    assert "grows without bound" in warnings[0] and "'busy'" in warnings[0]
    assert main(["run", str(TINY), *FAST, "--out", str(tmp_path / "calm")]) == 0
    assert "warning:" not in capsys.readouterr().err


def test_a_folder_of_someone_elses_keeps_its_files(tmp_path, capsys):
    out = tmp_path / "mine"
    (out / "figures").mkdir(parents=True)
    own = {"report.html": b"my notes", ".draft.tmp": b"x", "figures/plan.png": b"png",
           "comparison.csv": b"a,b\n"}
    for name, data in own.items():
        (out / name).write_bytes(data)
    assert main(["run", str(TINY), *FAST, "--out", str(out)]) == 0
    assert {n: (out / n).read_bytes() for n in own} == own  # not specsim's: left alone
    assert main(["report", str(out)]) == 0  # now a results folder: the report replaces them
    assert main(["run", str(TINY), *FAST, "--seed", "3", "--out", str(out)]) == 0
    assert not (out / "report.html").exists() and not (out / "comparison.csv").exists()
    assert not (out / "figures").exists() or not list((out / "figures").glob("*.svg"))
