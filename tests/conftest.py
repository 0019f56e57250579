"""Shared fixtures: the tiny textbook scenario and sweep files written next to it."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).parent
TINY = HERE / "tiny.yaml"


def write_sweep(folder: Path, body: str) -> Path:
    """A sweep file in `folder` whose scenarios may name `tiny.yaml` (copied alongside)."""
    (folder / "tiny.yaml").write_text(TINY.read_text())
    path = folder / "sweep.yaml"
    path.write_text(body)
    return path


@pytest.fixture
def tiny_path() -> Path:
    return TINY
