"""Export control on the command line: classify, customs check, regimes, licences, figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from rareledger.cli import cli
from tests import factories as f
from tests.services.test_export_control import application, decision

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run(url: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", url, *args], catch_exceptions=False)


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'control.db'}"
    result = run(url, "init")
    assert "CN-MOFCOM-GAC-2025-18" in result.output
    return url


def test_classify_json(url: str) -> None:
    result = run(
        url,
        "classify",
        "--form",
        "magnet",
        "--composition",
        '{"Nd": 0.29, "Dy": 0.04, "Tb": 0.01}',
        "--on",
        "2025-06-01",
        "--json",
    )
    answer = json.loads(result.output)
    assert answer["controlled"] is True and answer["codes"] == ["1C904", "1C905"]
    assert {r["id"] for r in answer["regimes"]} == {"CN-MOFCOM-GAC-2025-18"}
    assert {r["element"] for r in answer["reasons"]} == {"Dy", "Tb"}
    human = run(url, "classify", "--form", "oxide", "--composition", '{"La": 0.85}')
    assert "not controlled" in human.output
    bad = CliRunner().invoke(
        cli, ["--db", url, "classify", "--form", "oxide", "--composition", "[1]"]
    )
    assert bad.exit_code == 2


def test_regime_suspend_and_list(url: str) -> None:
    result = run(
        url,
        "regime",
        "suspend",
        "CN-MOFCOM-GAC-2025-18",
        "--from",
        "2026-01-01",
        "--until",
        "2026-12-31",
        "--source",
        "a test announcement",
    )
    assert result.exit_code == 0 and "accepted" in result.output
    listed = json.loads(run(url, "regime", "list", "--json").output)
    no18 = next(r for r in listed if r["id"] == "CN-MOFCOM-GAC-2025-18")
    assert no18["suspensions"][0]["until_on"] == "2026-12-31"
    answer = json.loads(
        run(
            url,
            "classify",
            "--form",
            "oxide",
            "--composition",
            '{"Dy": 0.8}',
            "--on",
            "2026-06-01",
            "--json",
        ).output
    )
    assert answer["controlled"] is False
    assert answer["not_in_force"] == [{"regime": "CN-MOFCOM-GAC-2025-18", "status": "suspended"}]


def test_the_example_chain_licence_and_a_customs_check(url: str, tmp_path: Path) -> None:
    assert run(url, "load", str(EXAMPLES / "chain.jsonl")).exit_code == 0
    licences = json.loads(run(url, "licence", "list", "--json").output)
    assert licences[0]["licence_no"] == "LIC-2025-DE-0001"
    assert licences[0]["used_kg"] == "5000.000"
    csv_text = run(url, "licence", "list", "--csv").output
    assert csv_text.splitlines()[0].startswith("licence_no,application_id")
    proposed = json.loads((EXAMPLES / "chain.jsonl").read_text().splitlines()[-1])
    proposed.update(event_id="chk-1", customs_declaration_no="CD-NEW")
    path = tmp_path / "proposed.json"
    path.write_text(json.dumps(proposed))
    result = run(url, "customs", "check", "--json", str(path))
    assert result.exit_code == 1
    answer = json.loads(result.output)
    assert set(answer) == {
        "check_id",
        "position",
        "decision",
        "licence_no",
        "remaining_kg",
        "reasons",
        "classification",
    }
    assert answer["decision"] == "hold"
    assert any("lapsed" in r["message"] for r in answer["reasons"])


def test_applications_and_figures(url: str, tmp_path: Path) -> None:
    world = [*f.world(), f.enterprise(f.EXPORTER, ["exporter"])]
    path = tmp_path / "licences.jsonl"
    path.write_text(
        "".join(
            json.dumps(r) + "\n"
            for r in [*world, application("A"), decision("A"), application("B")]
        )
    )
    assert run(url, "load", str(path)).exit_code == 0
    rows = json.loads(run(url, "licence", "applications", "--json").output)
    assert {r["application_id"]: r["status"] for r in rows} == {"A": "approved", "B": "submitted"}
    overdue = json.loads(run(url, "licence", "applications", "--overdue", "--json").output)
    assert [r["application_id"] for r in overdue] == ["B"]  # submitted in May 2025
    figures = json.loads(run(url, "licence", "figures", "--json").output)
    assert figures["review"]["decided"] == 1 and figures["review"]["overdue"] == 1
    csv_lines = run(url, "licence", "figures", "--csv").output.splitlines()
    assert csv_lines[0].startswith("basis,licence_no,elements,destination_country,licensed_kg")
    assert csv_lines[1].startswith("goods_mass,LIC-A,")
    assert "review:" in run(url, "licence", "figures").output


def test_lot_show_gives_the_classification(url: str) -> None:
    assert run(url, "load", str(EXAMPLES / "chain.jsonl")).exit_code == 0
    lot = json.loads(run(url, "lot", "show", "LOT-HC-2025-MG-45SH-0001", "--json").output)
    assert lot["control"]["controlled"] and lot["control"]["codes"] == ["1C905"]
    lot = json.loads(run(url, "lot", "show", "LOT-JJ-2025-OX-LA-0001", "--json").output)
    assert lot["control"]["controlled"] is False


def test_trace_outputs(url: str) -> None:
    assert run(url, "load", str(EXAMPLES / "chain.jsonl")).exit_code == 0
    up = json.loads(run(url, "trace", "LOT-HC-2025-MG-45SH-0001", "--up", "--json").output)
    assert set(up) >= {"lot_id", "lots", "origins", "custody"}
    assert {o["kind"] for o in up["origins"]} == {"extraction"}
    assert {m["lot_id"] for m in up["custody"]} == {"LOT-HC-2025-MG-45SH-0001"}
    args = ("trace", "LOT-HC-2025-MG-45SH-0001", "--custody", "page", "--json")
    whole = json.loads(run(url, *args).output)
    assert {m["lot_id"] for m in whole["custody"]} == {lot["lot_id"] for lot in whole["lots"]}
    down = json.loads(run(url, "trace", "LOT-QL-2025-CC-0001", "--down", "--json").output)
    assert down["exports"][0]["destination_country"] == "DE"
    assert "origins (share of each element)" in run(url, "trace", "LOT-HC-2025-MG-45SH-0001").output
    assert run(url, "trace", "LOT-QL-2025-CC-0001", "--graphml").output.startswith("<?xml")
    assert run(url, "trace", "NOPE").exit_code == 2
    page = run(url, "trace", "LOT-HC-2025-MG-45SH-0001", "--limit", "1", "--json").output
    first = json.loads(page)
    assert len(first["lots"]) == 2 and first["more"] and first["next_cursor"]
    tree = run(url, "trace", "LOT-HC-2025-MG-45SH-0001", "--limit", "1").output
    assert f"next page: --cursor {first['next_cursor']}" in tree
    cursor = ["--cursor", first["next_cursor"]]
    second = json.loads(
        run(url, "trace", "LOT-HC-2025-MG-45SH-0001", "--limit", "1", *cursor, "--json").output
    )
    assert second["lots"][0] == first["lots"][0] and second["lots"][1] != first["lots"][1]


def test_init_rebuilds_projections_whose_layout_changed(url: str) -> None:
    from sqlalchemy import text

    from rareledger.store.database import Database

    assert run(url, "load", str(EXAMPLES / "chain.jsonl")).exit_code == 0
    database = Database(url)
    with database.write() as connection:  # as an older version would have left it
        connection.execute(text("DROP TABLE lot_movements"))
        connection.execute(text("DELETE FROM projection_meta"))
    database.dispose()
    result = run(url, "init")
    assert "rebuilt them from" in result.output
    up = json.loads(run(url, "trace", "LOT-HC-2025-MG-45SH-0001", "--json").output)
    assert up["custody"]
