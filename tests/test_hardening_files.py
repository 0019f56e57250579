"""Files that are not what they claim: a folder, a device, a pipe, binary, latin-1, UTF-16, an
unreadable file, a symlink loop. Each is refused before any work: exit code 2, one line naming
the file and what is wrong, no traceback, nothing written."""

from __future__ import annotations

import os
import shutil
import sys

import pytest
from hardening_helpers import TINY, assert_refused, run_cases, tree


def test_scenario_files_that_are_not_text_files(tmp_path):
    (tmp_path / "folder.yaml").mkdir()
    (tmp_path / "binary.yaml").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200))
    (tmp_path / "latin1.yaml").write_bytes("name: caf\xe9\n".encode("latin-1"))
    (tmp_path / "utf16.yaml").write_bytes(TINY.read_text().encode("utf-16"))
    (tmp_path / "utf16le.yaml").write_bytes(TINY.read_text().encode("utf-16-le"))
    (tmp_path / "huge.yaml").write_bytes(b"# " + b"x" * (5 << 20) + b"\n")
    os.mkfifo(tmp_path / "pipe.yaml")
    (tmp_path / "loop.yaml").symlink_to(tmp_path / "loop.yaml")
    cases = {
        "folder.yaml": "is a folder",
        "binary.yaml": "binary file",
        "latin1.yaml": "not UTF-8 text (byte 0xe9 at line 1",
        "utf16.yaml": "UTF-16",
        "utf16le.yaml": "UTF-16",
        "huge.yaml": "the limit is 4 MB",
        "pipe.yaml": "named pipe",
        "loop.yaml": "cannot be read",
        "/dev/zero": "character device",
        "missing.yaml": "file not found",
    }
    before = tree(tmp_path)
    argvs = [["validate", name] for name in cases]
    argvs += [["run", name, "--out", "out"] for name in ("binary.yaml", "pipe.yaml", "/dev/zero")]
    results = run_cases(argvs, tmp_path)
    for result, (name, needle) in zip(results, [*cases.items(), *[
            (n, cases[n]) for n in ("binary.yaml", "pipe.yaml", "/dev/zero")]], strict=True):
        assert_refused(result, name.lstrip("/"), needle)
    assert tree(tmp_path) == before  # no output folder, nothing else


def test_extends_pointing_at_what_is_not_a_scenario_names_the_extending_file(tmp_path):
    (tmp_path / "somewhere").mkdir()
    for name, target in {"dev.yaml": "/dev/zero", "dir.yaml": "somewhere",
                         "gone.yaml": "nowhere.yaml", "urandom.yaml": "/dev/urandom"}.items():
        (tmp_path / name).write_text(f"extends: {target}\nname: x\n")
    (tmp_path / "bin.yaml").write_bytes(bytes(range(256)))
    (tmp_path / "tobin.yaml").write_text("extends: bin.yaml\n")
    results = run_cases([["validate", n] for n in (
        "dev.yaml", "dir.yaml", "gone.yaml", "urandom.yaml", "tobin.yaml")], tmp_path)
    expected = [("dev.yaml", "extends", "/dev/zero", "character device"),
                ("dir.yaml", "extends", "somewhere", "is a folder"),
                ("gone.yaml", "extends", "nowhere.yaml", "file not found"),
                ("urandom.yaml", "extends", "/dev/urandom", "character device"),
                ("tobin.yaml", "extends", "bin.yaml", "binary file")]
    for result, needles in zip(results, expected, strict=True):
        assert_refused(result, *needles)


def test_sweep_and_targets_files_that_are_not_text(tmp_path):
    (tmp_path / "sweep.yaml").write_bytes("name: t\ndescription: \xff\n".encode("latin-1"))
    (tmp_path / "targets.csv").write_bytes("kpi,scope\n\xe9,x\n".encode("latin-1"))
    (tmp_path / "folder.csv").mkdir()
    shutil.copy(TINY, tmp_path / "tiny.yaml")
    results = run_cases([
        ["sweep", "sweep.yaml", "--out", "o"],
        ["sweep", "/dev/null", "--out", "o"],
        ["calibrate", "tiny.yaml", "--targets", "targets.csv", "--out", "o"],
        ["calibrate", "tiny.yaml", "--targets", "folder.csv", "--out", "o"],
        ["calibrate", "tiny.yaml", "--targets", "/dev/zero", "--out", "o"],
    ], tmp_path)
    assert_refused(results[0], "sweep.yaml", "not UTF-8")
    assert_refused(results[1], "/dev/null", "character device")
    assert_refused(results[2], "targets.csv", "not UTF-8")
    assert_refused(results[3], "folder.csv", "is a folder")
    assert_refused(results[4], "/dev/zero", "character device")
    assert not (tmp_path / "o").exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="POSIX permissions")
def test_unreadable_files_and_folders(tmp_path):
    shutil.copy(TINY, tmp_path / "tiny.yaml")
    (tmp_path / "secret.yaml").write_text(TINY.read_text())
    (tmp_path / "child.yaml").write_text("extends: secret.yaml\nname: child\n")
    (tmp_path / "closed").mkdir()
    (tmp_path / "closed" / "s.yaml").write_text(TINY.read_text())
    (tmp_path / "targets.csv").write_text("kpi,scope,key,observed,tolerance,unit,source\n")
    for path in (tmp_path / "secret.yaml", tmp_path / "closed", tmp_path / "targets.csv"):
        path.chmod(0)
    try:
        results = run_cases([["validate", "secret.yaml"], ["validate", "child.yaml"],
                             ["validate", "closed/s.yaml"],
                             ["calibrate", "tiny.yaml", "--targets", "targets.csv",
                              "--out", "o"]], tmp_path, obey_permissions=True)
    finally:
        for path in (tmp_path / "secret.yaml", tmp_path / "closed", tmp_path / "targets.csv"):
            path.chmod(0o755)
    assert_refused(results[0], "secret.yaml", "permission denied")
    assert_refused(results[1], "child.yaml", "extends", "permission denied")
    assert_refused(results[2], "s.yaml", "cannot be read")
    assert_refused(results[3], "targets.csv", "permission denied")
    assert not (tmp_path / "o").exists()
