"""Two customs checks racing for the last kilograms of a licence cannot both be released."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from rareledger.services import export_control as ec
from rareledger.store.database import Database
from tests import factories as f
from tests.services.test_export_control import application, decision


def _world(database: Database, lot_kg: str, licence_kg: str) -> None:
    ec.seed_regimes(database)
    reporter = f.Reporter(database)
    reporter.accept(*f.world(), f.enterprise(f.EXPORTER, ["exporter", "importer"]))
    reporter.accept(f.import_("LOT-MX", lot_kg, reporter=f.EXPORTER))
    general = application("G", licence_type="general", quantity=licence_kg)
    approval = decision("G")
    approval["items"][0]["quantity_kg"] = licence_kg
    reporter.accept(general, approval)


def _race(database_url: str, tmp_path: Path, masses: list[str]) -> list[dict[str, Any]]:
    """Customs checks of the same lot, each in its own process, all at once."""
    env = {**os.environ, "RARELEDGER_DATABASE_URL": database_url}
    processes = []
    for n, mass in enumerate(masses):
        proposed = f.export(
            f.EXPORTER,
            [("LOT-MX", mass)],
            licence_no="LIC-G",
            hs_code="2846901993",
            customs_declaration_no=f"CD-RACE-{n}",
            event_id=f"chk-{n}",
        )
        path = tmp_path / f"export-{n}.json"
        path.write_text(json.dumps(proposed))
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "rareledger", "customs", "check", "--json", str(path)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        )
    answers = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode in (0, 1), err.decode()
        answers.append(json.loads(out))
    return answers


def test_racing_checks_release_only_what_the_licence_holds(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    _world(database, "2000", "100")
    answers = _race(database_url, tmp_path, ["60", "60"])
    assert sorted(a["decision"] for a in answers) == ["hold", "release"]
    held = next(a for a in answers if a["decision"] == "hold")
    assert any(r["code"] == "licence_exceeded" for r in held["reasons"])
    released = next(a for a in answers if a["decision"] == "release")
    assert released["remaining_kg"] == "40.000"
    licence = next(x for x in ec.licences(database) if x["licence_no"] == "LIC-G")
    assert licence["used_kg"] == "60.000"


def test_racing_checks_release_only_what_the_exporter_holds(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    _world(database, "100", "1000")
    answers = _race(database_url, tmp_path, ["40"] * 4)
    decisions = sorted(a["decision"] for a in answers)
    assert decisions == ["hold", "hold", "release", "release"]
    for held in (a for a in answers if a["decision"] == "hold"):
        (reason,) = [r for r in held["reasons"] if r["code"] == "insufficient_holding"]
        assert reason["evidence"]["reserved_kg"] == "80.000"
    licence = next(x for x in ec.licences(database) if x["licence_no"] == "LIC-G")
    assert licence["used_kg"] == "80.000"
