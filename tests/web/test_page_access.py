"""Every page, twin and form has an access rule, and every role is admitted or turned away by
it: anonymous people are sent to sign in (pages) or answered 401 (twins), other roles 403.

Adding a page route without a sample here fails ``test_every_page_route_has_a_rule_and_a_sample``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rareledger.web.app import access_rule, page_routes
from tests.web.site import Site, csrf

WHO = {
    "anonymous": None,
    "regulator": "regulator",
    "auditor": "auditor",
    "customs": "customs",
    "enterprise": "exporter",
}
PATHS = {
    "{alert_id}": lambda s: s.alert_ids[0],
    "{enterprise_id}": lambda s: s.exporter,
    "{application_id}": lambda s: s.application_id,
    "{lot_id}": lambda s: s.lot,
    "{passport_id}": lambda s: s.passport_id,
    "{event_type}": lambda s: "shipment",
}
QUERIES = {
    "/reports/monthly.xlsx": {"month": "2025-03"},
    "/reports/annual.xlsx": {"year": "2025"},
}
FORMS: dict[str, dict[str, Any]] = {  # harmless posts: each is refused by its own rules
    "/login": {"username": "nobody", "password": "wrong password"},
    "/logout": {},
    "/language": {"language": "en", "next": "/"},
    "/alerts/{alert_id}/assignment": {"assignee": ""},
    "/alerts/{alert_id}/notes": {"note": ""},
    "/alerts/{alert_id}/closing": {"outcome": "maybe", "note": "n"},
    "/licence-applications/{application_id}/decision": {"decision": "perhaps"},
    "/licence-applications": {"application_id": "", "elements": ""},
    "/report/{event_type}": {"action": "dry_run"},
    "/upload": {},
    "/customs": {},
    "/customs/upload": {},
    "/passports": {"lot_id": ""},
    "/passports/verify": {"document": "not json"},
}
ROUTES = sorted(
    {(method, route.path): route for route in page_routes() for method in route.methods}.items()
)


def test_every_page_route_has_a_rule_and_a_sample() -> None:
    for (method, path), route in ROUTES:
        assert access_rule(route), path
        if method == "POST":
            assert path in FORMS, f"no access sample for POST {path}"


def _url(site: Site, path: str) -> str:
    for name, value in PATHS.items():
        path = path.replace(name, value(site))
    return path


@pytest.fixture(scope="module")
def clients(site: Site) -> Iterator[dict[str, TestClient]]:
    made = {role: site.client(who) for role, who in WHO.items()}
    yield made
    for client in made.values():
        client.close()


_TOKENS: dict[int, str] = {}


def _call(site: Site, client: TestClient, method: str, path: str) -> Any:
    url = _url(site, path)
    if method == "GET":
        return client.get(url, params=QUERIES.get(path), follow_redirects=False)
    token = _TOKENS.get(id(client)) if path not in ("/login", "/logout") else None
    token = token or _TOKENS.setdefault(id(client), csrf(client, "/login"))
    return client.post(url, data={"csrf_token": token, **FORMS[path]}, follow_redirects=False)


@pytest.mark.parametrize("role", list(WHO))
@pytest.mark.parametrize(("method", "path"), [key for key, _ in ROUTES])
def test_page_access_matrix(
    site: Site, clients: dict[str, TestClient], method: str, path: str, role: str
) -> None:
    rule = access_rule(dict(ROUTES)[(method, path)])
    assert rule is not None
    client = site.client(WHO[role]) if path == "/logout" else clients[role]
    answer = _call(site, client, method, path)
    location = answer.headers.get("location", "")
    if "anonymous" in rule or role in rule:
        assert answer.status_code not in (401, 403) or path == "/login", (role, answer.text[:300])
        assert not location.startswith("/login?next="), (role, location)
        assert answer.status_code < 500, answer.text[:500]
    elif role == "anonymous":
        machine = path.endswith((".json", ".csv", ".xlsx"))
        assert answer.status_code == (401 if machine else 303), answer.text[:300]
        assert machine or location.startswith("/login?next=")
    else:
        assert answer.status_code == 403, (role, answer.status_code, answer.text[:300])
