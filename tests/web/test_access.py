"""Every endpoint has an access rule, and every role is admitted or refused by it.

Adding a route without a sample request here fails ``test_every_route_has_a_sample``.
"""

from __future__ import annotations

from typing import Any

import pytest

from rareledger.services import accounts
from rareledger.web.app import access_rule, api_routes
from tests import factories as f
from tests.web.conftest import Api

WHO = {
    "anonymous": None,
    "regulator": "regulator",
    "customs": "customs",
    "enterprise": "miner",
    "auditor": "auditor",
}

SAMPLES: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", "/api/v1/health"): {},
    ("POST", "/api/v1/auth/token"): {"json": {"username": "matrix", "password": "a matrix pass"}},
    ("GET", "/api/v1/me"): {},
    ("GET", "/api/v1/ledger/verification"): {},
    ("GET", "/api/v1/lockouts"): {},
    ("DELETE", "/api/v1/lockouts/{kind}/{name}"): {"url": "/api/v1/lockouts/account/nobody"},
    ("POST", "/api/v1/events"): {"json": {"events": []}},
    ("PUT", "/api/v1/events/{event_id}"): {
        "url": "/api/v1/events/ev-m1",
        "json": f.extraction("LOT-M1", event_id="ev-m1"),
    },
    ("POST", "/api/v1/master-data"): {"json": {"records": []}},
    ("POST", "/api/v1/uploads"): {"files": {"file": ("x.csv", b"event_id\n")}},
    ("GET", "/api/v1/uploads/templates/{record_type}.{fmt}"): {
        "url": "/api/v1/uploads/templates/shipment.csv"
    },
    ("GET", "/api/v1/events"): {},
    ("GET", "/api/v1/events/{event_id}"): {"url": "/api/v1/events/ev-a"},
    ("GET", "/api/v1/lots/{lot_id}"): {"url": "/api/v1/lots/LOT-A"},
    ("GET", "/api/v1/enterprises/{enterprise_id}/balance"): {
        "url": f"/api/v1/enterprises/{f.MINER}/balance"
    },
    ("GET", "/api/v1/findings"): {},
    ("GET", "/api/v1/exports"): {},
    ("GET", "/api/v1/enterprises"): {},
    ("GET", "/api/v1/facilities"): {},
    ("GET", "/api/v1/quotas"): {},
    ("GET", "/api/v1/classification"): {"params": {"form": "oxide", "composition": "{}"}},
    ("POST", "/api/v1/customs/checks"): {"json": {"type": "export"}},
    ("GET", "/api/v1/regimes"): {},
    ("POST", "/api/v1/licence-applications"): {"json": {"records": []}},
    ("GET", "/api/v1/licence-applications"): {},
    ("GET", "/api/v1/licences"): {},
    ("GET", "/api/v1/figures/licences"): {},
    ("GET", "/api/v1/figures/licences.csv"): {},
    ("GET", "/api/v1/lots/{lot_id}/trace"): {"url": "/api/v1/lots/LOT-A/trace"},
    ("GET", "/api/v1/keys"): {},
    ("GET", "/api/v1/lots"): {},
    ("POST", "/api/v1/passports/verify"): {"json": {"passport": {}, "signature": {}}},
    ("POST", "/api/v1/detection/runs"): {"json": {"rule": "quota_exceeded"}},
    ("GET", "/api/v1/detection/runs"): {},
    ("GET", "/api/v1/alerts"): {},
    ("GET", "/api/v1/alerts.csv"): {},
    ("GET", "/api/v1/alerts/{alert_id}"): {"url": "/api/v1/alerts/A-0"},
    ("POST", "/api/v1/alerts/{alert_id}/assignment"): {
        "url": "/api/v1/alerts/A-0/assignment",
        "json": {"assignee": "wang"},
    },
    ("POST", "/api/v1/alerts/{alert_id}/notes"): {
        "url": "/api/v1/alerts/A-0/notes",
        "json": {"note": "seen"},
    },
    ("POST", "/api/v1/alerts/{alert_id}/closing"): {
        "url": "/api/v1/alerts/A-0/closing",
        "json": {"outcome": "dismissed", "note": "fine"},
    },
    ("GET", "/api/v1/risk"): {},
    ("GET", "/api/v1/risk.csv"): {},
    ("GET", "/api/v1/figures/national"): {"params": {"year": 2025}},
    ("POST", "/api/v1/passports"): {"json": {"lot_id": "LOT-A"}},
    ("GET", "/api/v1/passports/verify"): {"follow_redirects": False},
    ("POST", "/epcis/capture"): {"json": {"type": "EPCISDocument"}},
    ("GET", "/epcis/capture"): {},
    ("GET", "/epcis/capture/{capture_id}"): {"url": "/epcis/capture/0123456789abcdef"},
    ("POST", "/epcis/events"): {"json": {"type": "ObjectEvent"}},
    ("GET", "/epcis/events"): {},
    ("GET", "/epcis/events/{event_id}"): {"url": "/epcis/events/urn:rareledger:event:ev-a"},
}
ROUTES = [(method, route.path_format, route) for route in api_routes() for method in route.methods]


def test_every_route_has_an_access_rule_and_a_sample() -> None:
    for method, path, route in ROUTES:
        assert access_rule(route), path
        assert (method, path) in SAMPLES, f"no access test for {method} {path}"


@pytest.mark.parametrize("role", list(WHO))
@pytest.mark.parametrize(("method", "path"), [(m, p) for m, p, _ in ROUTES])
def test_access_matrix(api: Api, method: str, path: str, role: str) -> None:
    api.events("miner", f.extraction("LOT-A", event_id="ev-a"))
    if path == "/api/v1/auth/token":
        accounts.create_user(api.database, "matrix", "a matrix pass", "auditor")
    rule = next(access_rule(r) for m, p, r in ROUTES if (m, p) == (method, path))
    assert rule is not None
    sample = dict(SAMPLES[(method, path)])
    url = sample.pop("url", path)
    response = getattr(api, method.lower())(url, WHO[role], **sample)
    if "anonymous" in rule or role in rule:
        assert response.status_code not in (401, 403), (role, response.text)
    else:
        assert response.status_code == (401 if role == "anonymous" else 403), response.text
        assert response.json()["error"]["code"] in ("unauthenticated", "forbidden")
