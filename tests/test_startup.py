"""Start-up: what each command path imports (behaviour, not timing).

`specsim --help` and `specsim validate` must not load pandas, scipy or matplotlib (together
well over a second to import on the benchmark machine), and the run path must not load
matplotlib or scipy.stats (a run draws nothing; its quantiles come from scipy.special).
Each check runs in a fresh interpreter, since this test process has imported everything.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("matplotlib", "scipy", "scipy.stats", "scipy.optimize", "pandas", "openpyxl", "simpy")


def _loaded_after(code: str) -> list[str]:
    """The heavy modules in `sys.modules` after running `code` in a fresh interpreter."""
    probe = (f"import sys\n{code}\nimport json\n"
             f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         env=env, cwd=ROOT, check=True, timeout=120)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_cli_module_imports_no_heavy_library() -> None:
    assert _loaded_after("import sim.presentation.cli") == []


@pytest.mark.parametrize("argv", [["--help"], ["run", "--help"], ["compare", "--help"],
                                  ["validate", "scenarios/centralised.yaml"]])
def test_help_and_validate_load_no_heavy_library(argv: list[str]) -> None:
    code = ("from sim.presentation.cli import main\n"
            f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass")
    assert _loaded_after(code) == []


def test_run_path_loads_neither_matplotlib_nor_scipy_stats() -> None:
    loaded = _loaded_after("import sim.presentation.commands, sim.presentation.boundary, "
                           "sim.model.simulation, sim.model.kpis")
    assert "pandas" in loaded and "simpy" in loaded  # the probe does see what is imported
    assert "matplotlib" not in loaded
    assert "scipy.stats" not in loaded


def test_bad_input_still_exits_2_with_lazy_error_classes(tmp_path: Path) -> None:
    """The input-error classes are imported only while an error is handled: a bad output
    folder (OutputError from sim.experiment.outputs) still exits 2 with one line."""
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-m", "sim.presentation.cli", "run", "tests/tiny.yaml",
                          "--out", str(blocker / "sub")], capture_output=True, text=True,
                         env=env, cwd=ROOT, timeout=120)
    assert out.returncode == 2, out.stderr
    assert out.stderr.startswith("error:") and len(out.stderr.strip().splitlines()) == 1
