"""A small loaded ledger to open the pages on: a simulated year, alerts, people, a passport."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from rareledger.config import Settings
from rareledger.domain.access import Principal
from rareledger.domain.actors import Actor
from rareledger.services import (
    accounts,
    casework,
    detection,
    directory,
    export_control,
    figures,
    holdings,
    passports,
    submissions,
)
from rareledger.services.reporting import Recorder
from rareledger.simulation import simulate
from rareledger.store.database import Database
from rareledger.web.app import create_app

PASSWORD = "a long password!"
PASSPHRASE = "a passphrase for the keys"
SECRET = "site-Vq8Lr3Xn6Tb1Wm9Kc4Hz7Pd2Gs5Jf0Ya-Eu3Oi6"  # random characters, as serve wants


@dataclass
class Site:
    """The ledger, and what the tests need to know of it."""

    database: Database
    settings: Settings
    exporter: str
    other: str  # another enterprise, whose data the exporter must not see
    other_lot: str
    lot: str  # a lot the exporter holds
    buyer: str  # a trader the exporter may sell to
    alert_ids: list[str] = field(default_factory=list)
    application_id: str = ""
    passport_id: str = ""

    def client(self, who: str | None = None) -> TestClient:
        """A browser-like client (https, so the secure cookie is kept), signed in as ``who``."""
        client = TestClient(create_app(self.settings, self.database), base_url="https://testserver")
        if who is not None:
            sign_in(client, who)
        return client


def csrf(client: TestClient, path: str = "/login") -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found, f"no form on {path}"
    return found.group(1)


def sign_in(client: TestClient, username: str) -> None:
    token = csrf(client)
    answer = client.post(
        "/login",
        data={"csrf_token": token, "username": username, "password": PASSWORD},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text


def _load(database: Database, out: Path) -> Any:
    result = simulate(out / "year", seed=2025, scale=0.002)
    database.initialise()
    export_control.seed_regimes(database)
    recorder = Recorder(database, Actor("test:operator"), allow_recorded_at=True)
    for path in result.record_files:
        lines = [line for line in path.read_text().splitlines() if line]
        answers = recorder.submit([json.loads(line) for line in lines])
        assert all(a.status != "rejected" for a in answers)
    return result


def _application(database: Database, exporter: str) -> str:
    application_id = "APP-TEST-PENDING"
    record = {
        "type": "licence_application",
        "application_id": application_id,
        "applicant": exporter,
        "licence_type": "single",
        "items": [
            {
                "form": "magnet",
                "elements": ["Dy", "Tb"],
                "description": "sintered NdFeB magnets",
                "hs_code": "850511",
                "quantity_kg": "500",
            }
        ],
        "consignee": {"name": "Motoren GmbH", "country": "DE", "address": "Stuttgart"},
        "end_user": {"name": "Motoren GmbH", "country": "DE"},
        "end_use": "electric motors",
        "destination_country": "DE",
        "contract_no": "C-TEST-1",
        "submitted_at": datetime.now(UTC).isoformat(),
    }
    principal = Principal("user:exporter", "enterprise", exporter)
    answer = submissions.submit(database, principal, [record])[0]
    assert answer.status == "accepted", answer.as_dict()
    return application_id


def build(out: Path) -> Site:
    database = Database(f"sqlite:///{out / 'site.db'}")
    result = _load(database, out)
    detection.detect(database, detection.end_of(result.year_end))
    known = directory.directory(database)
    holders = {e: holdings.enterprise_balance(database, e)["lots"] for e in known.enterprises}
    exporter = next(
        e.id for e in known.enterprises.values() if "exporter" in e.roles and holders[e.id]
    )
    other = next(e.id for e in known.enterprises.values() if e.id != exporter and holders[e.id])
    buyer = next(e.id for e in known.enterprises.values() if "trader" in e.roles)
    settings = Settings(database_url=database.url, secret_key=SECRET, key_passphrase=PASSPHRASE)
    site = Site(
        database,
        settings,
        exporter,
        other,
        holders[other][0]["lot_id"],
        holders[exporter][0]["lot_id"],
        buyer,
    )
    for username, role, enterprise in (
        ("regulator", "regulator", None),
        ("auditor", "auditor", None),
        ("customs", "customs", None),
        ("exporter", "enterprise", exporter),
        ("other", "enterprise", other),
    ):
        accounts.create_user(database, username, PASSWORD, role, enterprise)
    site.alert_ids = [a["alert_id"] for a in casework.list_alerts(database)]
    site.application_id = _application(database, exporter)
    passports.create_key(database, PASSPHRASE)
    document = passports.issue(database, site.lot, passphrase=PASSPHRASE, issued_by=exporter)
    site.passport_id = document["passport"]["passport_id"]
    figures.refresh(database)
    return site
