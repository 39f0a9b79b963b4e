"""Each role's main task in a real browser (Debian's Chromium driven by Playwright), in both
languages, with nothing requested from any host but the app's own.

The app is served by uvicorn on 127.0.0.1 over a small loaded ledger. Every request the page
makes to another host is aborted and fails the test, and so does any console error (a
blocked script or style would show there). A screenshot of every failure is kept in
``test-screenshots/`` (git-ignored). Without ``/usr/bin/chromium`` the tests are skipped,
except in CI (``CI`` set), where ``.ci/run`` installs it and they must run.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from rareledger.domain.access import Principal
from rareledger.services import submissions
from rareledger.web.app import create_app
from tests.web.site import PASSWORD, Site
from tests.web.site import build as build_site

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-screenshots"
LANGUAGES = ["zh", "en"]

if not CHROMIUM.exists():
    if os.environ.get("CI"):
        pytest.fail("CI must run the browser tests: /usr/bin/chromium is missing", pytrace=False)
    pytest.skip(
        "Chromium is not installed (apt-get install chromium fonts-noto-cjk)",
        allow_module_level=True,
    )

from playwright.sync_api import Browser, Page, Route, sync_playwright  # noqa: E402


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _pending_application(site: Site, application_id: str) -> None:
    record = {
        "type": "licence_application",
        "application_id": application_id,
        "applicant": site.exporter,
        "licence_type": "general",
        "items": [
            {
                "form": "oxide",
                "elements": ["Dy"],
                "description": "dysprosium oxide",
                "hs_code": "284690",
                "quantity_kg": "200",
            }
        ],
        "consignee": {"name": "Magnetics Co", "country": "JP", "address": "Osaka"},
        "end_user": {"name": "Magnetics Co", "country": "JP"},
        "end_use": "magnets",
        "destination_country": "JP",
        "contract_no": f"C-{application_id}",
        "submitted_at": datetime.now(UTC).isoformat(),
    }
    principal = Principal("user:exporter", "enterprise", site.exporter)
    assert submissions.submit(site.database, principal, [record])[0].status == "accepted"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Site]]:
    site = build_site(tmp_path_factory.mktemp("browser"))
    for language in LANGUAGES:
        _pending_application(site, f"APP-BROWSER-{language.upper()}")
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(site.settings, site.database),
            host="127.0.0.1",
            port=port,
            log_level="warning",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the test server did not start"
    yield f"http://127.0.0.1:{port}", site
    server.should_exit = True
    thread.join(timeout=10)
    site.database.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield launched
        launched.close()


class Watch:
    """What a page asked of other hosts, and what it complained about."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.outside: list[str] = []
        self.errors: list[str] = []

    def route(self, route: Route) -> None:
        url = route.request.url
        if url.startswith((self.base + "/", "data:", "blob:")) or url == self.base:
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()


def _page(
    request: pytest.FixtureRequest, browser: Browser, base: str, language: str, **options: Any
) -> Iterator[tuple[Page, Watch]]:
    context = browser.new_context(locale="zh-CN" if language == "zh" else "en-US", **options)
    watch = Watch(base)
    context.route("**/*", watch.route)
    page = context.new_page()
    page.on("console", lambda m: watch.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: watch.errors.append(str(e)))
    yield page, watch
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        SCREENSHOTS.mkdir(exist_ok=True)
        name = request.node.name.replace("/", "_").replace("[", "-").replace("]", "")
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    context.close()
    assert not watch.outside, f"requests to other hosts: {watch.outside}"
    assert not watch.errors, f"console errors: {watch.errors}"


@pytest.fixture(params=LANGUAGES)
def tab(
    request: pytest.FixtureRequest, browser: Browser, served: tuple[str, Site]
) -> Iterator[tuple[Page, Watch, str, Site]]:
    base, site = served
    for page, watch in _page(request, browser, base, request.param):
        yield page, watch, request.param, site


def _sign_in(page: Page, base: str, username: str) -> None:
    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button.primary")


def _text(language: str, chinese: str, english: str) -> str:
    return chinese if language == "zh" else english


def test_regulator_overview_alert_confirmed_licence_decided(
    tab: tuple[Page, Watch, str, Site],
) -> None:
    page, watch, language, site = tab
    _sign_in(page, watch.base, "regulator")
    page.wait_for_url("**/overview")
    assert page.inner_text("h1") == _text(language, "全国概览", "National overview")
    assert page.locator("svg.chart").count() >= 2 and page.locator("table").count() >= 8
    alert = site.alert_ids[5 if language == "zh" else 6]
    page.goto(f"{watch.base}/alerts/{alert}")
    page.fill("#assignee", "Wang Fang")
    page.click("form[action$='/assignment'] button")
    page.select_option("#outcome", "confirmed")
    page.fill("#close-note", "Checked against the invoices.")
    page.click("form[action$='/closing'] button")
    assert _text(language, "属实", "confirmed") in page.inner_text("dl.facts")
    application = f"APP-BROWSER-{language.upper()}"
    page.goto(f"{watch.base}/licence-applications?status=submitted")
    page.click(f"a[href='/licence-applications/{application}']")
    page.select_option("#decision", "approved")
    page.fill("#f-licence_no", f"LIC-{language.upper()}-1")
    page.fill("#f-valid_from", "2026-01-01")
    page.fill("#f-valid_to", "2028-12-31")
    page.click("form[action$='/decision'] button.primary")
    assert _text(language, "已批准", "approved") in page.inner_text("dl.facts")


def test_enterprise_shipment_through_the_form_and_an_upload_with_a_bad_row(
    tab: tuple[Page, Watch, str, Site], tmp_path: Path
) -> None:
    page, watch, language, site = tab
    _sign_in(page, watch.base, "exporter")
    page.wait_for_url("**/portal")
    page.goto(watch.base + "/report/shipment")
    page.fill("#f-occurred_at", "2025-12-28T09:30")
    page.fill("#f-buyer", site.buyer)
    page.fill("#f-value-amount", "800")
    page.fill("#f-value-currency", "CNY")
    page.fill("#f-invoice_no", f"INV-B-{language}")
    page.fill("#f-items-0-lot_id", site.lot)
    page.fill("#f-items-0-mass_kg", "0.2")
    page.click("button[value=dry_run]")
    assert page.locator(".notice").count() == 1
    page.click("button[value=submit]")
    assert _text(language, "已记入账本", "Recorded in the ledger") in page.inner_text(".notice")
    sheet = tmp_path / "shipment.csv"
    sheet.write_bytes(
        (
            "event_id;reporter;occurred_at;buyer;value_amount;value_currency;invoice_no;lot_id;mass_kg\n"
            f"b-{language}-1;{site.exporter};2025/12/29 9:30;{site.buyer};5;CNY;I1;{site.lot};.1\n"
            f"b-{language}-2;{site.exporter};2025/12/29 9:40;{site.buyer};5;CNY;I2;{site.lot};-4\n"
        ).encode("gbk")
    )
    page.goto(watch.base + "/upload")
    page.set_input_files("#file", str(sheet))
    page.click("button.primary")
    results = page.locator("tbody tr")
    assert results.count() == 2
    assert "mass_not_positive" in results.nth(1).inner_text()
    assert _text(language, "已接收", "accepted") in results.nth(0).inner_text()


def test_customs_check(tab: tuple[Page, Watch, str, Site]) -> None:
    page, watch, language, site = tab
    _sign_in(page, watch.base, "customs")
    page.wait_for_url("**/customs")
    fields = {
        "#f-reporter": site.exporter,
        "#f-occurred_at": "2025-12-30T10:00",
        "#f-destination_country": "DE",
        "#f-consignee-name": "Motoren GmbH",
        "#f-consignee-country": "DE",
        "#f-end_user-name": "Motoren GmbH",
        "#f-end_user-country": "DE",
        "#f-end_use": "motors",
        "#f-hs_code": "850511",
        "#f-customs_declaration_no": f"DEC-B-{language}",
        "#f-value-amount": "100",
        "#f-value-currency": "USD",
        "#f-items-0-lot_id": site.lot,
        "#f-items-0-mass_kg": "0.05",
    }
    for selector, value in fields.items():
        page.fill(selector, value)
    page.click("form[action='/customs'] button.primary")
    verdict = page.locator("[role=status] strong").first.inner_text()
    assert any(word in verdict for word in ("放行", "扣留", "移交查验", "release", "hold", "refer"))


def test_public_passport_verified_from_its_link(tab: tuple[Page, Watch, str, Site]) -> None:
    page, watch, _language, site = tab
    page.goto(f"{watch.base}/passports/{site.passport_id}")
    sections = page.locator(".bilingual section")
    assert sections.count() == 2
    assert "本护照真实有效" in sections.nth(0).inner_text()
    assert "This passport is genuine" in sections.nth(1).inner_text()
    assert not page.locator("details").get_attribute("open")  # evidence folded away


@pytest.mark.parametrize("tab", ["en"], indirect=True)
def test_api_docs_work_offline(tab: tuple[Page, Watch, str, Site]) -> None:
    page, watch, _language, _site = tab
    page.goto(watch.base + "/api/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=20_000)
    page.goto(watch.base + "/api/redoc")
    page.wait_for_selector("[role=menuitem], .menu-content", timeout=20_000)


@pytest.fixture
def phone(
    request: pytest.FixtureRequest, browser: Browser, served: tuple[str, Site]
) -> Iterator[tuple[Page, str]]:
    base, _site = served
    for page, _watch in _page(request, browser, base, "zh", viewport={"width": 375, "height": 740}):
        yield page, base


def test_keyboard_alone_and_a_phone(phone: tuple[Page, str]) -> None:
    page, base = phone
    page.goto(base + "/login")
    page.focus("#username")
    page.keyboard.type("auditor")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/overview")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375 + 1, f"the overview is {width}px wide on a 375px phone"
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.className") == "skip"
