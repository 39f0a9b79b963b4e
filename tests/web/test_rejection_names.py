"""A refused report shows the broken rule's name in the clerk's language, then the rule's
English detail (marked ``lang="en"``), then its code: on the form and in an upload's report."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from markupsafe import Markup

from rareledger.services import accounts
from rareledger.web import i18n
from rareledger.web.forms import RuleError
from rareledger.web.rejections import shown
from tests.web.site import PASSWORD, Site, csrf

NAMES = {  # what the catalogues say the rule is called
    "zh": {"mass_not_positive": "质量必须大于零", "unknown_enterprise": "未登记的企业"},
    "en": {
        "mass_not_positive": "mass must be above zero",
        "unknown_enterprise": "unregistered enterprise",
    },
}


@pytest.fixture(scope="module")
def clerk(site: Site) -> Iterator[TestClient]:
    """An enterprise clerk of the exporter, with a language of their own (Chinese at first)."""
    accounts.create_user(site.database, "bilingual-clerk", PASSWORD, "enterprise", site.exporter)
    yield site.client("bilingual-clerk")


def _speak(client: TestClient, language: str) -> None:
    token = csrf(client, "/report/shipment")
    client.post("/language", data={"csrf_token": token, "language": language, "next": "/"})


def _shipment(site: Site, client: TestClient, event_id: str, mass_kg: str) -> str:
    form = {
        "csrf_token": csrf(client, "/report/shipment"),
        "event_id": event_id,
        "occurred_at": "2025-12-20T10:00",
        "buyer": site.buyer,
        "value.amount": "1000",
        "value.currency": "CNY",
        "invoice_no": f"INV-{event_id}",
        "items.0.lot_id": site.lot,
        "items.0.mass_kg": mass_kg,
        "action": "dry_run",
    }
    answer = client.post("/report/shipment", data=form)
    assert answer.status_code == 422, answer.text[:500]
    return answer.text


def _upload(site: Site, client: TestClient, event_id: str) -> str:
    text = (
        "event_id,reporter,occurred_at,buyer,value_amount,value_currency,invoice_no,lot_id,mass_kg\n"
        f"{event_id},{site.exporter},2025-12-21T09:30:00+08:00,{site.buyer},500,CNY,"
        f"INV-{event_id},{site.lot},-2\n"
    )
    token = csrf(client, "/upload")
    answer = client.post(
        "/upload", data={"csrf_token": token}, files={"file": ("shipment.csv", text.encode())}
    )
    assert answer.status_code == 200, answer.text[:500]
    return answer.text


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_refused_form_names_the_rule_in_the_clerks_language(
    site: Site, clerk: TestClient, language: str
) -> None:
    _speak(clerk, language)
    page = _shipment(site, clerk, f"names-form-{language}", "0")
    name = NAMES[language]["mass_not_positive"]
    other = NAMES["en" if language == "zh" else "zh"]["mass_not_positive"]
    inline = f'<span class="error" id="e-f-items-0-mass_kg"><span class="rule">{name}</span>'
    assert inline in page and other not in page
    assert '<span class="detail" lang="en">' in page and "(mass_not_positive)" in page


@pytest.mark.parametrize("language", ["zh", "en"])
def test_an_uploads_row_report_names_the_rule_in_the_clerks_language(
    site: Site, clerk: TestClient, language: str
) -> None:
    _speak(clerk, language)
    page = _upload(site, clerk, f"names-upload-{language}")
    name = NAMES[language]["mass_not_positive"]
    assert f'<span class="rule">{name}</span> <span class="detail" lang="en">' in page
    assert "(mass_not_positive: -2)" in page and 'class="bad"' in page


def test_a_rule_is_shown_escaped_and_plain_problems_stay_as_they_are() -> None:
    with i18n.speaking("zh"):
        html = shown(RuleError("unknown_enterprise", "no enterprise <b>X</b>"))
        assert html.startswith('<span class="rule">未登记的企业</span>')
        assert "&lt;b&gt;X&lt;/b&gt;" in html and html.endswith("(unknown_enterprise)</span>")
        unknown = shown({"code": "nul_character", "message": "a NUL character"})
        assert 'class="rule"' not in unknown and "(nul_character)" in unknown
        assert shown("write 'Nd 0.2' <pairs>") == Markup("write &#39;Nd 0.2&#39; &lt;pairs&gt;")


def test_a_refused_licence_application_names_the_rules_on_its_fields(
    site: Site, clerk: TestClient
) -> None:
    _speak(clerk, "zh")
    form = {
        "csrf_token": csrf(clerk, "/licence-applications/new"),
        "application_id": "names-apply-1",
        "licence_type": "single",
        "form": "oxide",
        "elements": "Dy",
        "description": "dysprosium oxide",
        "hs_code": "28469019",
        "quantity_kg": "0",
        "destination_country": "XX",
        "consignee.name": "Consignee",
        "consignee.country": "DE",
        "consignee.address": "Somewhere 1",
        "end_user.name": "End user",
        "end_user.country": "DE",
        "end_use": "magnets",
        "contract_no": "C-1",
    }
    page = clerk.post("/licence-applications", data=form)
    assert page.status_code == 422, page.text[:500]
    for field, code, name in (
        ("destination_country", "unknown_country", "未知的国家（地区）代码"),
        ("quantity_kg", "mass_not_positive", NAMES["zh"]["mass_not_positive"]),
    ):
        shown_at = f'<span class="error" id="err-{field}"><span class="rule">{name}</span>'
        assert shown_at in page.text and f"({code})" in page.text, field
