"""`compare` refuses to replace earlier results without `--force` (exit 2, nothing touched)."""

from __future__ import annotations

import json
from pathlib import Path

from sim.presentation.cli import main

TINY = str(Path(__file__).resolve().parent / "tiny.yaml")
FAST = ["--replications", "1", "--workers", "1", "--years", "0.2", "--warmup-days", "10"]


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file() and p.name[0] != "."}


def test_compare_into_existing_results_needs_force(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["compare", TINY, *FAST, "--out", str(out)]) == 0
    before = _files(out)
    capsys.readouterr()
    assert main(["compare", TINY, *FAST, "--seed", "8", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "already holds results" in err[0] and "--force" in err[0]
    assert _files(out) == before
    copy = tmp_path / "copy"
    assert main(["compare", "--from", str(out), "--out", str(copy)]) == 0
    assert main(["compare", "--from", str(out), "--out", str(copy)]) == 2
    assert "already holds results" in capsys.readouterr().err
    assert main(["compare", "--from", str(out)]) == 0  # a report in place is not a replacement
    assert main(["compare", TINY, *FAST, "--seed", "8", "--out", str(out), "--force"]) == 0
    assert json.loads(_files(out)["run.json"])["seed"] == 8
    assert json.loads(before["run.json"])["seed"] != 8


def test_an_empty_or_unrelated_folder_is_not_refused(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("my notes")
    assert main(["compare", TINY, *FAST, "--out", str(out)]) == 0
    assert (out / "notes.txt").read_text() == "my notes" and (out / "report.html").is_file()
