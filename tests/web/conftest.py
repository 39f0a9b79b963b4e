"""An app on a fresh database, with one API key per role."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rareledger.config import Settings
from rareledger.services import accounts
from rareledger.store.database import Database
from rareledger.web.app import create_app
from tests import factories as f
from tests.web.site import Site
from tests.web.site import build as build_site

SECRET = "tst-9Qm2vLx7Rk4Wp1Zc8Hf5Jd3Ns6Bt0Yg-Ua2Ee7Oi4"  # random characters, as serve wants


@dataclass
class Api:
    client: TestClient
    database: Database
    keys: dict[str, str] = field(default_factory=dict)

    def headers(self, who: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[who]}"} if who else {}

    def get(self, path: str, who: str | None = "regulator", **kw: Any) -> Any:
        headers = {**self.headers(who), **kw.pop("headers", {})}
        return self.client.get(path, headers=headers, **kw)

    def post(self, path: str, who: str | None = "regulator", **kw: Any) -> Any:
        headers = {**self.headers(who), **kw.pop("headers", {})}
        return self.client.post(path, headers=headers, **kw)

    def put(self, path: str, who: str | None = "regulator", **kw: Any) -> Any:
        headers = {**self.headers(who), **kw.pop("headers", {})}
        return self.client.put(path, headers=headers, **kw)

    def delete(self, path: str, who: str | None = "regulator", **kw: Any) -> Any:
        headers = {**self.headers(who), **kw.pop("headers", {})}
        return self.client.delete(path, headers=headers, **kw)

    def events(self, who: str, *events: dict[str, Any]) -> list[dict[str, Any]]:
        response = self.post("/api/v1/events", who, json={"events": list(events)})
        assert response.status_code == 200, response.text
        receipts: list[dict[str, Any]] = response.json()["receipts"]
        return receipts


def make_api(database: Database, **overrides: Any) -> Api:
    settings = Settings(database_url=database.url, secret_key=SECRET, **overrides)
    api = Api(TestClient(create_app(settings, database)), database)
    for name, role, enterprise in (
        ("regulator", "regulator", None),
        ("auditor", "auditor", None),
        ("customs", "customs", None),
        ("miner", "enterprise", f.MINER),
        ("separator", "enterprise", f.SEPARATOR),
        ("trader", "enterprise", f.TRADER),
    ):
        _info, key = accounts.create_api_key(database, name, role, enterprise)
        api.keys[name] = key
    return api


@pytest.fixture
def api(database: Database) -> Iterator[Api]:
    made = make_api(database)
    response = made.post("/api/v1/master-data", json={"records": f.world()})
    assert response.status_code == 200, response.text
    yield made
    made.client.close()


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A loaded ledger shared by the page tests (each test changes only what it made)."""
    built = build_site(tmp_path_factory.mktemp("site"))
    yield built
    built.database.dispose()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Keep each phase's report on the test item (the browser tests screenshot failures)."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    setattr(item, f"report_{report.when}", report)
