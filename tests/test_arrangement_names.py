"""Arrangement names are compared as strings in one module only (`sim/config/arrangements.py`):
everywhere else behaviour reads the arrangement's row of properties, so a new arrangement is
a table row, not a hunt through `if arrangement == ...` branches."""

from __future__ import annotations

import ast
from pathlib import Path

from sim.config.arrangements import ARRANGEMENTS

SIM = Path(__file__).resolve().parents[1] / "sim"
NAMES = set(ARRANGEMENTS)
# "ics" is also the name of a KPI scope; it counts only where an arrangement is in play
AMBIGUOUS = {"ics"}


def _constants(node: ast.AST) -> set[str]:
    return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant)
            and isinstance(n.value, str)}


def arrangement_comparisons(source: str) -> list[int]:
    """Line numbers of comparisons between something and an arrangement name."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Compare):
            continue
        names = _constants(node) & NAMES
        if not names:
            continue
        text = ast.unparse(node).lower()
        if names - AMBIGUOUS or "arrang" in text or "default" in text:
            lines.append(node.lineno)
    return lines


def test_the_scan_finds_string_branches():
    code = ("if arrangement == 'national':\n    pass\n"
            "x = kind in ('ics', 'collaborative')\n"
            "y = scope == 'ics'\n")
    assert arrangement_comparisons(code) == [1, 3]


def test_arrangement_names_are_compared_in_at_most_one_module():
    found = {}
    for path in sorted(SIM.rglob("*.py")):
        lines = arrangement_comparisons(path.read_text())
        if lines:
            found[str(path.relative_to(SIM))] = lines
    assert set(found) <= {"config/arrangements.py"}, found
