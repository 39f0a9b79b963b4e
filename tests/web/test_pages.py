"""The pages through a browser-like client: sessions, forms, twins, tenant isolation, and
the main task of each role."""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from openpyxl import load_workbook
from starlette.requests import Request

from rareledger.services import accounts, figures
from rareledger.web import i18n
from rareledger.web.pages.base import Column, Table, View, respond
from rareledger.web.terms import TERMS, term
from tests.web.site import Site, csrf

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_headers_and_the_session_cookie(site: Site) -> None:
    client = site.client()
    answer = client.get("/login")
    policy = answer.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("style-src")[0]
    assert "frame-ancestors 'none'" in policy
    assert answer.headers["referrer-policy"] == "same-origin"
    assert answer.headers["x-content-type-options"] == "nosniff"
    cookie = answer.headers["set-cookie"]
    assert "rareledger_session=" in cookie and "secure" in cookie.lower()
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()


def test_sign_in_lands_each_role_on_its_start_page(site: Site) -> None:
    for who, start in (
        ("regulator", "/overview"),
        ("customs", "/customs"),
        ("exporter", "/portal"),
    ):
        client = site.client()
        token = csrf(client)
        answer = client.post(
            "/login",
            data={"csrf_token": token, "username": who, "password": "a long password!"},
            follow_redirects=False,
        )
        assert answer.headers["location"] == start


def test_forms_without_the_sessions_token_are_refused(site: Site) -> None:
    client = site.client("regulator")
    answer = client.post(
        f"/alerts/{site.alert_ids[1]}/notes", data={"note": "no token"}, follow_redirects=False
    )
    assert answer.status_code == 403
    other = site.client("auditor")
    stolen = csrf(other, "/overview")
    answer = client.post(
        f"/alerts/{site.alert_ids[1]}/notes", data={"csrf_token": stolen, "note": "x"}
    )
    assert answer.status_code == 403


def test_a_tampered_cookie_is_no_session(site: Site) -> None:
    client = site.client("regulator")
    value = client.cookies.get("rareledger_session")
    assert value
    client.cookies.clear()
    client.cookies.set("rareledger_session", value[:-6] + "AAAAAA")
    assert client.get("/overview", follow_redirects=False).status_code == 303


def test_a_disabled_account_is_signed_out_at_once(site: Site) -> None:
    accounts.create_user(site.database, "leaver", "a long password!", "auditor")
    client = site.client("leaver")
    assert client.get("/overview").status_code == 200
    accounts.disable_user(site.database, "leaver")
    assert client.get("/overview", follow_redirects=False).status_code == 303


def test_sign_out(site: Site) -> None:
    client = site.client("auditor")
    client.post("/logout", data={"csrf_token": csrf(client, "/overview")})
    assert client.get("/overview", follow_redirects=False).status_code == 303


def test_the_language_is_remembered_per_person(site: Site) -> None:
    accounts.create_user(site.database, "polyglot", "a long password!", "customs")
    client = site.client("polyglot")
    assert "海关查验" in client.get("/customs").text  # Chinese by default
    client.post(
        "/language",
        data={"csrf_token": csrf(client, "/customs"), "language": "en", "next": "/customs"},
    )
    assert "Customs check" in client.get("/customs").text
    again = site.client("polyglot")  # a new session, same person
    page = again.get("/customs").text
    assert '<html lang="en">' in page and "Customs check" in page


def test_english_for_a_browser_that_asks_for_it(site: Site) -> None:
    client = site.client()
    page = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"}).text
    assert '<html lang="en">' in page and "Sign in" in page
    assert (
        '<html lang="zh-Hans">' in client.get("/login", headers={"Accept-Language": "zh-CN"}).text
    )


def test_national_figures_page_json_twin_is_the_api(site: Site) -> None:
    client = site.client("regulator")
    twin = client.get("/figures/national.json?year=2025").json()
    assert twin == figures.national(site.database, 2025)
    assert twin["mining"]["produced_t_reo"] > 0
    table = list(
        csv.DictReader(
            io.StringIO(client.get("/figures/national.csv?table=exports_kg&year=2025").text)
        )
    )
    assert {row["country"] for row in table} == set(twin["exports_kg"])


def test_overview_as_of_a_date_and_its_twins(site: Site) -> None:
    client = site.client("regulator")
    march = client.get("/overview.json?as_of=2025-03-31").json()
    year = client.get("/overview.json?as_of=2025-12-31").json()
    assert (
        0
        < march["production"]["mining"]["produced_t_reo"]
        < year["production"]["mining"]["produced_t_reo"]
    )
    assert [m["month"] for m in march["by_month"]] == ["2025-01", "2025-02", "2025-03"]
    assert (
        year["production_by_enterprise"] and year["exports_by_element"] and year["stocks_by_role"]
    )
    assert {r["group"] for r in year["production_by_group"]} == {"light", "medium", "heavy"}
    rows = list(
        csv.DictReader(
            io.StringIO(client.get("/overview.csv?as_of=2025-12-31&table=by_month").text)
        )
    )
    assert len(rows) == 12
    assert client.get("/overview?as_of=31/12/2025").status_code == 422


def test_flows_and_map(site: Site) -> None:
    client = site.client("auditor")
    flows = client.get("/flows.json?year=2025").json()
    pairs = {(link["source"], link["target"]) for link in flows["links"]}
    assert ("mine", "separation") in pairs and any(t.startswith("export:") for _, t in pairs)
    assert '<svg class="chart sankey"' in client.get("/flows?year=2025").text
    facilities = client.get("/map.json").json()
    assert facilities["facilities"] and "Natural Earth" in facilities["base_map"]["source"]
    assert '<svg class="chart map"' in client.get("/map").text


def test_alert_to_confirmed(site: Site) -> None:
    client = site.client("regulator")
    alert = site.alert_ids[2]
    page = client.get(f"/alerts/{alert}").text
    token = csrf(client, f"/alerts/{alert}")
    client.post(f"/alerts/{alert}/assignment", data={"csrf_token": token, "assignee": "wang"})
    closed = client.post(
        f"/alerts/{alert}/closing",
        data={"csrf_token": token, "outcome": "confirmed", "note": "seen"},
    )
    assert closed.status_code == 200 and page
    assert client.get(f"/alerts/{alert}.json").json()["status"] == "confirmed"
    history = client.get(f"/alerts/{alert}.json").json()["history"]
    assert [h["action"] for h in history] == ["status", "status"] or len(history) == 2
    names = client.get("/alerts.json").json()["items"][0]["enterprises"]
    assert names and not re.fullmatch(r"[0-9A-Z]{18}", names)  # names, not only codes


def test_the_alert_queue_filters_by_every_status_resolved_too(site: Site) -> None:
    client = site.client("regulator")
    for status in ("open", "under_review", "confirmed", "dismissed", "resolved"):
        listed = client.get(f"/alerts.json?status={status}")
        assert listed.status_code == 200, status
        assert all(item["status"] == status for item in listed.json()["items"]), status
    assert client.get("/alerts.json?status=open").json()["items"]  # the filter has rows to keep
    assert 'value="resolved"' in client.get("/alerts").text
    assert client.get("/alerts.json?status=closed").status_code == 422


def test_the_alert_queue_pages_through_the_whole_list_in_its_order(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rareledger.services import casework
    from rareledger.web.pages import alerts as alert_pages

    monkeypatch.setattr(alert_pages, "PAGE_SIZE", 2)
    whole = casework.list_alerts(site.database)
    assert len(whole) > 2  # more than a page
    client = site.client("regulator")
    listed: list[dict[str, Any]] = []
    for number in range(1, len(whole) + 2):
        page = client.get(f"/alerts.json?page={number}").json()
        assert page["total"] == len(whole) and page["page_size"] == 2
        listed += page["items"]
        if not page["items"]:
            break
    assert [a["alert_id"] for a in listed] == [a["alert_id"] for a in whole]
    assert listed[0]["evidence"] == whole[0]["evidence"]  # read whole, decoded

    enterprise = whole[-1]["enterprise_ids"][0]
    theirs = [a["alert_id"] for a in whole if enterprise in a["enterprise_ids"]]
    page = client.get(f"/alerts.json?enterprise={enterprise}").json()
    assert page["total"] == len(theirs) and [a["alert_id"] for a in page["items"]] == theirs[:2]
    wildcard = client.get(f"/alerts.json?enterprise={enterprise[:-1]}_").json()
    assert wildcard["total"] == 0  # an id is matched exactly, "_" is no LIKE wildcard
    queue = client.get("/alerts").text
    assert all(f'value="{a["code"]}"' in queue for a in whole)  # every code offered as a filter


def test_licence_decided(site: Site) -> None:
    client = site.client("regulator")
    queue = client.get("/licence-applications.json").json()["items"]
    pending = next(a for a in queue if a["application_id"] == site.application_id)
    assert pending["status"] == "submitted" and pending["days_left"] is not None
    token = csrf(client, f"/licence-applications/{site.application_id}")
    refused = client.post(
        f"/licence-applications/{site.application_id}/decision",
        data={
            "csrf_token": token,
            "decision": "approved",
            "licence_no": "",
            "valid_from": "2026-01-01",
            "valid_to": "2026-12-31",
        },
    )
    assert refused.status_code == 422 and 'class="error"' in refused.text
    client.post(
        f"/licence-applications/{site.application_id}/decision",
        data={
            "csrf_token": token,
            "decision": "approved",
            "licence_no": "LIC-TEST-1",
            "valid_from": "2026-01-01",
            "valid_to": "2026-12-31",
        },
    )
    decided = client.get(f"/licence-applications/{site.application_id}.json").json()
    assert decided["status"] == "approved" and decided["licence_no"] == "LIC-TEST-1"
    customs = site.client("customs")
    found = customs.get("/licences.json?number=LIC-TEST").json()["items"]
    assert [lic["licence_no"] for lic in found] == ["LIC-TEST-1"]


def test_an_enterprise_sees_only_its_own(site: Site) -> None:
    client = site.client("exporter")
    assert client.get(f"/lots/{site.other_lot}").status_code == 404
    assert client.get(f"/lots/{site.lot}").status_code == 200
    assert client.get(f"/enterprises/{site.other}").status_code == 403
    assert client.get("/overview").status_code == 403
    findings = client.get("/findings.json").json()["items"]
    assert all(f["enterprise_id"] == site.exporter for f in findings)
    for licence in client.get("/licences.json").json()["items"]:
        assert licence["exporter"] == site.exporter
    for passport in client.get("/passports.json").json()["items"]:
        assert passport["issued_by"] == site.exporter
    other = site.client("other")
    assert other.get(f"/licence-applications/{site.application_id}").status_code == 404
    assert site.application_id not in other.get("/licence-applications").text
    assert other.get("/stock.json").json()["enterprise"] == site.other


def test_a_shipment_through_the_form_with_a_dry_run(site: Site) -> None:
    client = site.client("exporter")
    token = csrf(client, "/report/shipment")
    form = {
        "csrf_token": token,
        "event_id": "form-ship-1",
        "occurred_at": "2025-12-20T10:00",
        "buyer": site.buyer[:-2] + "ZZ",
        "value.amount": "1000",
        "value.currency": "CNY",
        "invoice_no": "INV-F-1",
        "items.0.lot_id": site.lot,
        "items.0.mass_kg": "1.5",
        "action": "dry_run",
    }
    typo = client.post("/report/shipment", data=form)
    assert typo.status_code == 422 and "unknown_enterprise" in typo.text and site.buyer in typo.text
    dry = client.post("/report/shipment", data={**form, "buyer": site.buyer})
    assert dry.status_code == 200 and "form-ship-1" not in client.get("/portal").text
    done = client.post("/report/shipment", data={**form, "buyer": site.buyer, "action": "submit"})
    assert done.status_code == 200 and 'class="notice"' in done.text
    stock = client.get("/stock.json").json()
    assert any(t["shipment_event_id"] == "form-ship-1" for t in stock["in_transit"])
    bad = client.post(
        "/report/shipment",
        data={**form, "buyer": site.buyer, "event_id": "form-ship-2", "items.0.mass_kg": "-1"},
    )
    assert bad.status_code == 422 and 'id="e-f-items-0-mass_kg"' in bad.text


def test_client_look_up_with_suggestions(site: Site) -> None:
    client = site.client("exporter")
    near = client.get(f"/clients.json?q={site.buyer[:-1]}Q").json()
    assert site.buyer in [s["id"] for s in near["suggestions"]] or site.buyer in [
        m["id"] for m in near["matches"]
    ]


def _upload(client: object, name: str, body: bytes) -> object:
    token = csrf(client, "/upload")  # type: ignore[arg-type]
    return client.post("/upload", data={"csrf_token": token}, files={"file": (name, body)})  # type: ignore[attr-defined]


def test_spreadsheet_upload_gbk_semicolons_excel_dates_and_a_bad_row(site: Site) -> None:
    client = site.client("exporter")
    text = (
        "event_id;reporter;occurred_at;buyer;value_amount;value_currency;invoice_no;note;"
        "lot_id;mass_kg\n"
        f"up-1;{site.exporter};2025/12/21 9:30;{site.buyer};500;CNY;INV-U1;样品;{site.lot};0.5\n"
        f"up-2;{site.exporter};2025/12/21 10:30;{site.buyer};500;CNY;INV-U2;坏行;{site.lot};-2\n"
    )
    answer = _upload(client, "shipment.csv", text.encode("gbk"))
    assert answer.status_code == 200, answer.text[:500]
    page = answer.text
    assert (
        "mass_not_positive" in page
        and page.count('class="ok"') == 1
        and page.count('class="bad"') == 1
    )


def test_excel_date_cells_in_occurred_at() -> None:
    from datetime import datetime

    from openpyxl import Workbook

    from rareledger.formats import spreadsheet

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "adjustment"
    sheet.append(["event_id", "reporter", "occurred_at", "lot_id", "delta_kg", "reason"])
    sheet.append(["a-1", "E-1", datetime(2025, 6, 3, 9, 30), "LOT-1", -1, "loss"])
    buffer = io.BytesIO()
    book.save(buffer)
    (record,) = spreadsheet.read_upload("report.xlsx", buffer.getvalue())
    assert record.record["occurred_at"] == "2025-06-03T09:30:00+08:00"


def test_corrections_by_spreadsheet() -> None:
    from rareledger.formats import spreadsheet

    text = (
        "event_id,reporter,occurred_at,lot_id,delta_kg,reason,correction_id,corrects,correction_reason\n"
        "adj-2,E-1,2025-06-04T08:00:00+08:00,LOT-1,-2,loss,corr-1,adj-1,typo\n"
    )
    (found,) = spreadsheet.read_upload("adjustment.csv", text.encode())
    assert found.record["type"] == "correction" and found.record["corrects"] == "adj-1"
    assert (
        found.record["replacement"]["delta_kg"] == -2
        or str(found.record["replacement"]["delta_kg"]) == "-2"
    )
    assert found.locate("replacement.delta_kg") == (2, "delta_kg")
    assert found.locate("event_id") == (2, "correction_id")


def test_customs_check_shows_the_decision_and_reasons(site: Site) -> None:
    client = site.client("customs")
    token = csrf(client, "/customs")
    answer = client.post(
        "/customs",
        data={
            "csrf_token": token,
            "reporter": site.exporter,
            "occurred_at": "2025-12-22T10:00",
            "destination_country": "DE",
            "consignee.name": "Motoren GmbH",
            "consignee.country": "DE",
            "end_user.name": "Motoren GmbH",
            "end_user.country": "DE",
            "end_use": "motors",
            "hs_code": "850511",
            "customs_declaration_no": "DEC-PAGE-1",
            "value.amount": "100",
            "value.currency": "USD",
            "items.0.lot_id": site.lot,
            "items.0.mass_kg": "0.1",
        },
    )
    assert answer.status_code == 200
    decision = re.search(r"<strong>[^<]*: ([^<]*)</strong>", answer.text)
    assert decision and decision.group(1) in (
        "扣留",
        "放行",
        "移交查验",
        "hold",
        "release",
        "refer for inspection",
    )
    reasons = re.findall(r"<li><strong>([^<]+)</strong>: ", answer.text)
    assert reasons  # every decision gives its reasons, each by its name, never its code
    names = set()
    for language in i18n.LANGUAGES:
        with i18n.speaking(language):
            names |= {term("customs_reason", code) for code in TERMS["customs_reason"]}
    assert set(reasons) <= names, reasons


def test_passport_page_verifies_in_both_languages(site: Site) -> None:
    client = site.client()
    page = client.get(f"/passports/{site.passport_id}").text
    assert 'lang="zh-Hans"' in page and 'lang="en"' in page
    assert "本护照真实有效" in page and "This passport is genuine" in page
    assert "<details>" in page  # the hash evidence is folded away
    twin = client.get(f"/passports/{site.passport_id}.json").json()
    assert twin["valid"] and twin["passport"]["verification_url"].endswith(site.passport_id)
    assert client.get("/passports/no-such-passport").status_code == 404


def test_passports_issued_from_the_portal(site: Site) -> None:
    client = site.client("exporter")
    token = csrf(client, "/passports")
    answer = client.post(
        "/passports", data={"csrf_token": token, "lot_id": site.lot}, follow_redirects=False
    )
    assert answer.status_code == 303 and answer.headers["location"].startswith("/passports/")
    refused = client.post("/passports", data={"csrf_token": token, "lot_id": site.other_lot})
    assert refused.status_code == 404


def test_reports_as_xlsx(site: Site) -> None:
    client = site.client("regulator")
    answer = client.get("/reports/monthly.xlsx?month=2025-03")
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(answer.content))
    assert len(book.sheetnames) == 11
    assert client.get("/reports/monthly.xlsx?month=2025-13").status_code == 422
    annual = load_workbook(io.BytesIO(client.get("/reports/annual.xlsx?year=2025").content))
    assert annual.worksheets[0]["B4"].value > 0  # mined t REO on the cover


class _References(HTMLParser):
    """The addresses a page refers to, and its form fields with and without a label."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self.fields: list[str] = []
        self.labelled: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        for name, value in attrs:
            if name in ("src", "href", "action", "data", "poster", "srcset") and value:
                self.found.append(value)
        if tag == "label" and named.get("for"):
            self.labelled.add(str(named["for"]))
        hidden = named.get("type") in ("hidden", "submit", "button")
        if tag in ("input", "select", "textarea") and not hidden:
            self.fields.append(str(named.get("id") or named.get("name")))


PAGES = [
    "/overview",
    "/figures/national",
    "/flows",
    "/map",
    "/alerts",
    "/licences",
    "/enterprises",
    "/findings",
    "/reports",
    "/licence-applications",
    "/api/docs",
    "/api/redoc",
]


def test_no_page_or_asset_refers_to_another_host_and_every_field_has_a_label(
    site: Site,
) -> None:
    client = site.client("regulator")
    pages = [
        *PAGES,
        f"/alerts/{site.alert_ids[3]}",
        f"/enterprises/{site.exporter}",
        f"/lots/{site.lot}",
        f"/passports/{site.passport_id}",
        "/customs",
        "/login",
    ]
    exporter = site.client("exporter")
    seen = []
    for who, path in [(client, p) for p in pages] + [
        (exporter, p)
        for p in ("/portal", "/report/export", "/upload", "/stock", "/clients?q=a", "/passports")
    ]:
        answer = who.get(path)
        assert answer.status_code == 200, path
        parser = _References()
        parser.feed(answer.text)
        for reference in parser.found:
            local = reference.startswith(("/", "#", "?", "data:", "https://testserver"))
            assert local, (path, reference)
        unlabelled = [f for f in parser.fields if f not in parser.labelled]
        assert not unlabelled, (path, unlabelled)  # every field has a label
        seen.extend(r for r in parser.found if r.startswith("/static/"))
    for asset in sorted(set(seen)):
        body = client.get(asset).text
        if asset.endswith((".css", ".svg")) or asset in (
            "/static/app.js",
            "/static/swagger-init.js",
        ):
            assert not re.search(r"url\(\s*['\"]?(https?:)?//", body), asset
            assert not re.search(r"https?://(?!www\.w3\.org)", body), asset
    assert "cdn.redoc.ly" not in client.get("/static/docs/redoc.standalone.js").text


def test_long_tables_come_in_pages(site: Site) -> None:
    client = site.client("regulator")
    first = client.get("/enterprises.json").json()
    assert first["page"] == 1 and first["page_size"] == 100
    assert len(first["items"]) == min(first["total"], 100)
    beyond = client.get(f"/enterprises.json?page={first['total'] // 100 + 2}").json()
    assert beyond["items"] == [] and beyond["total"] == first["total"]
    assert client.get("/licences?page=0").status_code == 422


def _csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_detail_pages_tables_have_csv_twins(site: Site) -> None:
    regulator = site.client("regulator")
    application = f"/licence-applications/{site.application_id}"
    items = _csv_rows(regulator.get(f"{application}.csv?table=items").text)
    stated = regulator.get(f"{application}.json").json()["record"]["items"]
    assert [row["hs_code"] for row in items] == [item["hs_code"] for item in stated]
    assert f'href="{application}.csv?table=items"' in regulator.get(application).text
    public = site.client()
    passport = f"/passports/{site.passport_id}"
    evidence = _csv_rows(public.get(f"{passport}.csv?table=evidence").text)
    hashes = [e["hash"] for e in public.get(f"{passport}.json").json()["passport"]["evidence"]]
    assert evidence and [row["hash"] for row in evidence] == hashes


def test_csv_twins_never_hand_a_spreadsheet_a_formula() -> None:
    request = Request({"type": "http", "query_string": b"", "headers": []})
    rows = [{"name": '=HYPERLINK("http://x")', "mass_kg": "-12.500"}]
    columns = [Column("name", "Name"), Column("mass_kg", "Mass, kg", "kg")]
    answer = respond(request, View("x.html", {}, {"t": Table(columns, rows)}), ".csv")
    (row,) = _csv_rows(bytes(answer.body).decode())
    assert row == {"name": '\'=HYPERLINK("http://x")', "mass_kg": "-12.500"}
