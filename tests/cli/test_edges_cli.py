"""The command line answers the error tree in one place, and writes CSV that never runs."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from rareledger.cli.context import EXIT_ERROR, LedgerGroup
from rareledger.errors import Conflict, Invalid, LedgerError, NotFound
from tests import factories as f
from tests.cli.test_cli import run, url, write

__all__ = ["url"]  # the fixture, shared


@pytest.mark.parametrize("error", [NotFound("no lot 'X'"), Conflict("taken"), Invalid("bad")])
def test_every_error_of_the_tree_is_one_line_on_stderr_and_exit_2(error: LedgerError) -> None:
    @click.group(cls=LedgerGroup)
    def group() -> None:
        pass

    @group.command()
    def act() -> None:
        raise error

    result = CliRunner().invoke(group, ["act"])
    assert result.exit_code == EXIT_ERROR == 2
    assert result.stderr == f"error: {error.message}\n" and result.stdout == ""


def test_other_exceptions_are_not_swallowed() -> None:
    @click.group(cls=LedgerGroup)
    def group() -> None:
        pass

    @group.command()
    def act() -> None:
        raise RuntimeError("a bug")

    result = CliRunner().invoke(group, ["act"])
    assert isinstance(result.exception, RuntimeError)


def test_errors_from_services_reach_the_user(url: str, tmp_path: Path) -> None:
    missing = run(url, "trace", "LOT-NONE")
    assert missing.exit_code == 2 and missing.stderr == "error: no lot 'LOT-NONE'\n"
    keys = tmp_path / "keys.json"
    keys.write_text('{"not": "a list"}')
    passport = tmp_path / "passport.json"
    passport.write_text("{}")
    refused = run(url, "passport", "verify", str(passport), "--keys", str(keys))
    assert refused.exit_code == 2 and "keys: must be a list" in refused.stderr
    keys.write_text("[NaN]")
    unreadable = run(url, "passport", "verify", str(passport), "--keys", str(keys))
    assert unreadable.exit_code == 2 and "NaN is not a number" in unreadable.stderr


def test_compositions_and_days_are_read_like_the_api(url: str) -> None:
    pairs = run(url, "classify", "--form", "oxide", "--composition", "Dy=0.04,La=0.5", "--json")
    as_json = run(
        url, "classify", "--form", "oxide", "--composition", '{"Dy": 0.04, "La": 0.5}', "--json"
    )
    assert pairs.exit_code == 0 and json.loads(pairs.output) == json.loads(as_json.output)
    too_much = run(url, "classify", "--form", "oxide", "--composition", "Dy=1.5")
    assert too_much.exit_code == 2
    assert "Invalid value for '--composition': Dy: must be between 0 and 1" in too_much.output
    bad_day = run(url, "classify", "--form", "oxide", "--composition", "Dy=0.1", "--on", "2025-6-1")
    assert bad_day.exit_code == 2
    assert "Invalid value for '--on': must be a date YYYY-MM-DD" in bad_day.output


def test_csv_output_quotes_formulas(url: str, tmp_path: Path) -> None:
    records = [
        *f.world(),
        f.extraction("LOT-D", "100", {"Nd": "0.2"}),
        f.shipment(f.MINER, f.SEPARATOR, [("LOT-D", "40")]),
    ]
    assert run(url, "load", str(write(tmp_path / "chain.jsonl", records))).exit_code == 0
    assert run(url, "detect", "--rule", "shipment_not_received").exit_code == 0
    [alert] = json.loads(run(url, "alerts", "list", "--json").output)
    formula = '=HYPERLINK("http://evil.example","open me")'
    assert run(url, "alerts", "assign", alert["alert_id"], formula).exit_code == 0
    [row] = csv.DictReader(io.StringIO(run(url, "alerts", "list", "--csv").output))
    assert row["assignee"] == "'" + formula
    assert json.loads(row["enterprise_ids"]) == alert["enterprise_ids"]
