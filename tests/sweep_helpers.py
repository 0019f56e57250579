"""The tiny two-ICS test scenario and sweep files written next to it (importable as
`sweep_helpers` from test modules, like `scenario_helpers`)."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent
TINY = HERE / "tiny.yaml"


def write_sweep(folder: Path, body: str) -> Path:
    """A sweep file in `folder` whose scenarios may name `tiny.yaml` (copied alongside)."""
    (folder / "tiny.yaml").write_text(TINY.read_text())
    path = folder / "sweep.yaml"
    path.write_text(body)
    return path
