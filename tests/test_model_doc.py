"""docs/model.md stays complete: every parameter of the default data is listed with its
provenance, the pathway figure exists, and the README links the document."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "model.md"


def _script():
    spec = importlib.util.spec_from_file_location("parameter_table",
                                                  ROOT / "scripts" / "parameter_table.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def _doc_table() -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.index("<!-- parameter-table:start -->") + len("<!-- parameter-table:start -->")
    return text[start:text.index("<!-- parameter-table:end -->")].strip()


def test_parameter_table_in_doc_matches_the_data():
    assert _doc_table() == _script().table().strip(), (
        "docs/model.md is out of date: python scripts/parameter_table.py and paste the table")


def test_every_service_parameter_is_listed_with_a_status():
    services = yaml.safe_load((ROOT / "sim/data/england/services.yaml").read_text("utf-8"))
    table = _doc_table()
    rows = {line.split(" | ")[0].lstrip("| "): line for line in table.splitlines()[2:]}
    for sid, spec in services.items():
        for key, value in spec.items():
            if key in ("sources", "name"):
                continue
            paths = [f"outcome.{k}" for k in value] if key == "outcome" else [key]
            for path in paths:
                row = rows.get(f"services.{sid}.{path}")
                assert row is not None, f"services.{sid}.{path} missing from docs/model.md"
                assert any(f" | {s} | " in row for s in ("cited", "derived", "illustrative"))
                assert "NO SOURCE ENTRY" not in row, f"services.{sid}.{path} has no source"


def test_every_default_parameter_is_listed():
    defaults = yaml.safe_load((ROOT / "sim/data/england/defaults.yaml").read_text("utf-8"))
    table = _doc_table()
    for arrangement in ("national", "regional", "ics", "collaborative"):
        for key in defaults["commissioning"][arrangement]:
            if key == "localise":
                continue
            assert f"| commissioning.{arrangement}.{key} |" in table, (arrangement, key)
    for key in defaults["pathway"]:
        assert f"| pathway.{key} |" in table, key


def test_figure_and_links_exist():
    text = DOC.read_text(encoding="utf-8")
    assert "](figures/pathway.png)" in text
    assert (ROOT / "docs" / "figures" / "pathway.png").stat().st_size > 10_000
    for heading in ("Objectives", "Model logic", "Data", "Experimentation", "Implementation",
                    "Verification and validation", "Assumptions and limitations", "Sensitivity"):
        assert f". {heading}" in text, heading
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for target in ("docs/model.md", "CITATION.cff", "CHANGELOG.md"):
        assert f"]({target})" in readme, target


def test_citation_file_has_the_cff_1_2_0_required_keys():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0"
    assert cff["message"] and cff["title"] and cff["authors"]
    assert all("name" in a or "family-names" in a for a in cff["authors"])
    project = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert f'version = "{cff["version"]}"' in project, "CITATION.cff version != package version"
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## [Unreleased]" in changelog
