"""The docs stay true: every record type, field, rule code and finding code is catalogued."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rareledger.domain.catalogue import REJECTION_CODES
from rareledger.domain.findings import FINDING_CODES
from rareledger.domain.records import RECORD_FIELDS

ROOT = Path(__file__).resolve().parents[1]
EVENTS_DOC = (ROOT / "docs" / "events.md").read_text() + (
    ROOT / "docs" / "export-control.md"
).read_text()


@pytest.mark.parametrize("record_type", sorted(RECORD_FIELDS))
def test_every_record_type_and_field_is_documented(record_type: str) -> None:
    assert f"`{record_type}`" in EVENTS_DOC
    for field in RECORD_FIELDS[record_type]:
        assert f"`{field}`" in EVENTS_DOC or f"`{field}`, " in EVENTS_DOC, field


@pytest.mark.parametrize("code", sorted(REJECTION_CODES))
def test_every_rejection_code_is_documented(code: str) -> None:
    assert f"| `{code}` |" in EVENTS_DOC


@pytest.mark.parametrize("code", FINDING_CODES)
def test_every_finding_code_is_documented(code: str) -> None:
    assert f"| `{code}` |" in EVENTS_DOC


def test_every_code_the_source_raises_is_in_the_catalogue() -> None:
    source = "\n".join(p.read_text() for p in (ROOT / "src").rglob("*.py"))
    raised = set(re.findall(r'(?:reject|fail|Problem)\(\s*"([a-z_]+)"', source))
    raised |= set(re.findall(r'code = "([a-z_]+)"', source))
    raised |= set(re.findall(r'"(unknown_[a-z]+|invalid_identifier)"', source))
    assert raised - set(REJECTION_CODES) == set()


@pytest.mark.parametrize(
    "name", ["architecture.md", "glossary.md", "events.md", "configuration.md"]
)
def test_docs_pages_exist_and_are_linked_from_the_readme(name: str) -> None:
    assert (ROOT / "docs" / name).is_file()
    assert f"docs/{name}" in (ROOT / "README.md").read_text()


def test_every_setting_is_documented() -> None:
    source = (ROOT / "src" / "rareledger" / "config.py").read_text()
    variables = set(re.findall(r'"(RARELEDGER_[A-Z_]+)"', source))
    assert variables
    doc = (ROOT / "docs" / "configuration.md").read_text()
    assert {v for v in variables if f"`{v}`" not in doc} == set()


def test_glossary_spells_licence_one_way() -> None:
    for path in [*(ROOT / "docs").glob("*.md"), *(ROOT / "src").rglob("*.py")]:
        text = path.read_text().lower()
        # the noun is "licence"; "licensed"/"unlicensed" are the (British) adjectives
        assert not re.search(r"license(?!d)", text), path


def test_every_spreadsheet_column_is_documented() -> None:
    from rareledger.formats.spreadsheet import LAYOUTS

    doc = (ROOT / "docs" / "spreadsheets.md").read_text()
    for name, layout in LAYOUTS.items():
        section = doc.split(f"### `{name}`", 1)[1].split("###", 1)[0]
        for column in layout.columns:
            if column not in LAYOUTS["extraction"].items["outputs"][3:]:
                assert f"`{column}`" in section, (name, column)


def test_every_api_route_is_documented() -> None:
    from rareledger.web.app import api_routes

    doc = (ROOT / "docs" / "api.md").read_text()
    for route in api_routes():
        for method in route.methods:
            path = route.path_format  # without the path convertors
            assert f"`{method} {path}`" in doc, (method, path)


def test_the_cli_reference_is_current() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "cli_reference", ROOT / "scripts" / "cli_reference.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (ROOT / "docs" / "cli.md").read_text() == module.render(), (
        "run: python scripts/cli_reference.py"
    )


def test_every_rule_code_and_parameter_is_in_the_catalogue() -> None:
    from dataclasses import fields

    from rareledger.domain.detection import RULES, DetectionSettings, codes
    from rareledger.domain.detection.model import RECOVERY_NORMS
    from rareledger.services.evaluation import CODES_FOR

    doc = (ROOT / "docs" / "rules.md").read_text()
    for code in [*RULES, *codes()]:
        assert f"`{code}`" in doc, code
    for code in RULES:
        assert f"### `{code}`" in doc, code
    for setting in fields(DetectionSettings):
        assert f"`{setting.name}`" in doc, setting.name
    for process in RECOVERY_NORMS:
        assert f"| {process} |" in doc, process
    for kind in CODES_FOR:
        assert f"| {kind} |" in doc, kind


def test_the_threat_model_names_tests_that_exist() -> None:
    doc = (ROOT / "docs" / "threat-model.md").read_text()
    sources = "\n".join(p.read_text() for p in (ROOT / "tests").rglob("test_*.py"))
    named = set(re.findall(r"::(test_\w+)", doc))
    assert len(named) > 40
    assert {n for n in named if f"def {n}(" not in sources} == set()
    files = set(re.findall(r"`(tests/[\w/]+\.py)", doc))
    assert files and {f for f in files if not (ROOT / f).is_file()} == set()
