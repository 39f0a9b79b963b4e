"""Export control: regimes by date, the licence workflow, customs checks, export findings."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event as sqla_event

from rareledger.domain.actors import Actor
from rareledger.services import export_control as ec
from rareledger.services.reporting import Acknowledgement
from rareledger.store.database import Database
from tests import factories as f

ON = "2025-06-03T09:30:00+08:00"
CUSTOMS = Actor("key:customs", role="customs")


def application(
    app_id: str = "APP-1",
    *,
    licence_type: str = "single",
    quantity: str = "500",
    elements: tuple[str, ...] = ("Dy", "Tb", "Y"),
    **extra: Any,
) -> dict[str, Any]:
    return {
        "type": "licence_application",
        "application_id": app_id,
        "applicant": f.EXPORTER,
        "licence_type": licence_type,
        "items": [
            {
                "form": "mixed_compound",
                "elements": list(elements),
                "description": "mixed heavy rare earth carbonate",
                "hs_code": "284690",
                "quantity_kg": quantity,
            }
        ],
        "consignee": {"name": "Buyer GmbH", "country": "DE", "address": "Hamburg"},
        "end_user": {"name": "Motor AG", "country": "DE"},
        "end_use": "traction motors",
        "destination_country": "DE",
        "contract_no": "C-1",
        "submitted_at": "2025-05-05T10:00:00+08:00",
        **extra,
    }


def decision(app_id: str = "APP-1", choice: str = "approved", **extra: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "type": "licence_decision",
        "application_id": app_id,
        "decision": choice,
        "decided_at": "2025-05-20T10:00:00+08:00",
    }
    if choice == "approved":
        record.update(
            licence_no=f"LIC-{app_id}",
            valid_from="2025-05-20",
            valid_to="2026-05-19",
            items=[
                {
                    "form": "mixed_compound",
                    "elements": ["Dy", "Tb", "Y"],
                    "description": "mixed",
                    "hs_code": "284690",
                    "quantity_kg": "500",
                }
            ],
        )
    else:
        record["reason"] = "see file"
    return {**record, **extra}


@pytest.fixture
def reporter(database: Database) -> f.Reporter:
    ec.seed_regimes(database)
    r = f.Reporter(database)
    r.accept(*f.world(), f.enterprise(f.EXPORTER, ["exporter", "importer"]))
    r.accept(f.import_("LOT-MX", "2000", reporter=f.EXPORTER))  # Dy, Tb, Y: controlled
    return r


def _codes(receipt: Acknowledgement) -> list[str]:
    return sorted(x["code"] for x in receipt.findings)


def _export(**extra: Any) -> dict[str, Any]:
    fields = {"licence_no": "LIC-APP-1", "hs_code": "2846901993", **extra}
    return f.export(f.EXPORTER, [("LOT-MX", fields.pop("mass", "100"))], **fields)


def _licence(database: Database, number: str = "LIC-APP-1") -> dict[str, Any]:
    return next(x for x in ec.licences(database, on=date(2025, 6, 3)) if x["licence_no"] == number)


# ---------------------------------------------------------------- regimes by date


@pytest.mark.parametrize(
    ("form", "composition", "on", "codes"),
    [
        ("magnet", {"Dy": "0.04"}, "2025-04-03", []),  # the day before No. 18
        ("magnet", {"Dy": "0.04"}, "2025-04-04", ["1C905"]),  # effective
        ("magnet", {"Nd": "0.3"}, "2025-06-01", []),  # no controlled element
        ("alloy", {"Gd": "0.5"}, "2025-06-01", ["1C903"]),
        ("magnet", {"Gd": "0.5"}, "2025-06-01", []),  # Gd magnets are not listed
        ("concentrate", {"Dy": "0.04"}, "2025-06-01", []),  # ore and concentrate are not listed
        ("oxide", {"Ho": "0.8"}, "2025-11-07", []),  # No. 57 not yet in force
        ("oxide", {"Ho": "0.8"}, "2025-11-08", []),  # effective, but suspended (No. 70)
        ("oxide", {"Ho": "0.8"}, "2026-11-10", []),  # last day of the suspension
        ("oxide", {"Ho": "0.8"}, "2026-11-11", ["1C909"]),  # restored
    ],
)
def test_classification_on_each_regime_date(
    database: Database, form: str, composition: dict[str, str], on: str, codes: list[str]
) -> None:
    ec.seed_regimes(database)
    found = ec.classify_item(
        database, form, {k: Decimal(v) for k, v in composition.items()}, date.fromisoformat(on)
    )
    assert found.codes == codes
    assert found.controlled == bool(codes)


def test_extending_a_suspension_is_a_new_version_in_the_ledger(database: Database) -> None:
    ec.seed_regimes(database)
    before = {r["id"]: r for r in ec.regimes(database)}["CN-MOFCOM-GAC-2025-57"]
    amended = {k: v for k, v in before.items() if k != "version"}
    amended["suspensions"] = [{**amended["suspensions"][0], "until_on": "2027-11-10"}]
    receipt = f.Reporter(database).one(amended)
    assert receipt.status == "accepted"
    after = {r["id"]: r for r in ec.regimes(database)}["CN-MOFCOM-GAC-2025-57"]
    assert after["version"] == f"ledger:{receipt.position}" != before["version"]
    found = ec.classify_item(database, "oxide", {"Ho": Decimal("0.8")}, date(2026, 11, 11))
    assert not found.controlled and found.not_applied[0]["status"] == "suspended"


def test_a_regime_that_ends(database: Database) -> None:
    ec.seed_regimes(database)
    ended = {k: v for k, v in ec.regimes(database)[0].items() if k != "version"}
    f.Reporter(database).accept({**ended, "ends_on": "2025-12-31"})
    dy = {"Dy": Decimal("0.04")}
    assert ec.classify_item(database, "magnet", dy, date(2025, 12, 31)).controlled
    assert not ec.classify_item(database, "magnet", dy, date(2026, 1, 1)).controlled


def test_seeding_never_overrides_the_ledger(database: Database) -> None:
    assert len(ec.seed_regimes(database)) == 2
    assert ec.seed_regimes(database) == []


# ---------------------------------------------------------------- licence workflow


def test_every_allowed_transition(reporter: f.Reporter, database: Database) -> None:
    reporter.accept(application("A"), decision("A", "info_requested"))
    reporter.accept(application("A", contract_no="C-2"))  # resubmission
    reporter.accept(
        decision("A", "approved"), decision("A", "revoked", decided_at="2025-06-01T00:00:00Z")
    )
    reporter.accept(application("B"), decision("B", "denied"))
    status = {a["application_id"]: a["status"] for a in ec.applications(database)}
    assert status == {"A": "revoked", "B": "denied"}
    assert _licence(database, "LIC-A")["status"] == "revoked"


@pytest.mark.parametrize(
    ("steps", "bad", "code", "field"),
    [
        (
            [application("A"), decision("A", "denied")],
            decision("A", "approved"),
            "invalid_transition",
            "decision",
        ),
        (
            [application("A"), decision("A")],
            decision("A", "info_requested", decided_at="2025-06-01T00:00:00Z"),
            "invalid_transition",
            "decision",
        ),
        ([application("A")], application("A", contract_no="C-9"), "invalid_transition", "decision"),
        ([application("A")], decision("A", valid_to="2026-06-30"), "validity_too_long", "valid_to"),
        (
            [application("A", licence_type="general")],
            decision("A", valid_to="2028-06-30"),
            "validity_too_long",
            "valid_to",
        ),
        ([application("A")], decision("A", items=[]), "empty", "items"),
        (
            [application("A", quantity="100")],
            decision("A"),
            "quantity_exceeds_application",
            "items[0].quantity_kg",
        ),
        (
            [application("A"), application("B"), decision("A")],
            decision("B", licence_no="LIC-A"),
            "licence_exists",
            "licence_no",
        ),
        ([], decision("NONE"), "unknown_application", "application_id"),
        (
            [application("A")],
            decision("A", "denied", licence_no="X"),
            "not_for_decision",
            "licence_no",
        ),
        ([], application("A", licence_type="forever"), "unknown_licence_type", "licence_type"),
        ([], decision("A", "maybe"), "unknown_decision", "decision"),
        ([], decision("A", valid_from="2025-13-01"), "invalid_date", "valid_from"),
        ([], decision("A", valid_to="2025-01-01"), "date_order", "valid_to"),
        ([], {**application("A"), "applicant": f.MINER}, "role_not_permitted", "applicant"),
    ],
)
def test_refused_workflow_steps(
    reporter: f.Reporter, steps: list[dict[str, Any]], bad: dict[str, Any], code: str, field: str
) -> None:
    reporter.accept(*steps)
    receipt = reporter.one(bad)
    assert receipt.status == "rejected", receipt
    assert (receipt.errors[0]["code"], receipt.errors[0]["field"]) == (code, field)


def test_items_must_match_the_application(reporter: f.Reporter) -> None:
    reporter.accept(application("A"))
    two = decision("A")
    two["items"] = two["items"] * 2
    assert reporter.one(two).errors[0]["code"] == "items_mismatch"


def test_who_may_apply_and_decide(reporter: f.Reporter, database: Database) -> None:
    as_exporter = f.Reporter(database, actor=Actor("key:x", f.EXPORTER, "enterprise"))
    assert as_exporter.one(application("A")).status == "accepted"
    as_miner = f.Reporter(database, actor=Actor("key:m", f.MINER, "enterprise"))
    assert as_miner.one(application("B")).errors[0]["code"] == "reporter_mismatch"
    assert as_exporter.one(decision("A")).errors[0]["code"] == "not_permitted"
    other = {**application("A", contract_no="X"), "applicant": f.SEPARATOR}
    reporter.accept(f.enterprise(f.SEPARATOR, ["separator", "exporter"]))
    assert reporter.one(other).errors[0]["code"] == "application_not_applicants"


# ---------------------------------------------------------------- findings on exports


@pytest.fixture
def licensed(reporter: f.Reporter) -> f.Reporter:
    reporter.accept(application(), decision())
    return reporter


def test_a_covered_export_draws_the_licence_down(licensed: f.Reporter, database: Database) -> None:
    receipt = licensed.one(_export(mass="100", event_id="x1"))
    assert _codes(receipt) == []
    assert _licence(database)["used_kg"] == "100.000"
    assert _licence(database)["status"] == "lapsed"  # a single licence lapses once used
    assert _codes(licensed.one(_export(mass="1"))) == ["unlicensed_export"]
    licensed.accept(f.correction(f.EXPORTER, "x1"))  # a correction gives it back
    assert _licence(database)["used_kg"] == "0.000"


@pytest.mark.parametrize(
    ("extra", "codes"),
    [
        ({"licence_no": None}, ["unlicensed_export"]),
        ({"licence_no": "LIC-NONE"}, ["unlicensed_export"]),
        ({"mass": "600"}, ["licence_exceeded"]),
        ({"destination_country": "FR"}, ["licence_scope_mismatch"]),
        ({"end_user": {"name": "Other Motors", "country": "DE"}}, ["licence_scope_mismatch"]),
        ({"occurred_at": "2026-06-01T10:00:00+08:00"}, ["licence_expired", "unlicensed_export"]),
        ({"hs_code": "7202999191"}, ["misdeclared_goods"]),
    ],
)
def test_export_findings(licensed: f.Reporter, extra: dict[str, Any], codes: list[str]) -> None:
    record = _export(**{k: v for k, v in extra.items() if v is not None})
    if extra.get("licence_no", "") is None:
        record.pop("licence_no")
    clock = f.RECORDED if "occurred_at" not in extra else datetime(2026, 6, 2, tzinfo=UTC)
    receipt = f.Reporter(licensed.recorder.database, clock=clock).one(record)
    assert [c for c in _codes(receipt) if c != "late_report"] == sorted(codes)


def test_an_uncontrolled_export_needs_no_licence(licensed: f.Reporter) -> None:
    licensed.accept(
        f.enterprise(f.EXPORTER, ["exporter", "importer", "miner"]), f.facility("F-M3", f.EXPORTER)
    )
    licensed.accept(f.extraction("LOT-C", "10", reporter=f.EXPORTER, facility_id="F-M3"))
    receipt = licensed.one(f.export(f.EXPORTER, [("LOT-C", "5")], hs_code="253090"))
    assert _codes(receipt) == []


def test_watch_list_screening(licensed: f.Reporter) -> None:
    licensed.accept(
        {
            "type": "watchlist_entry",
            "id": "W-1",
            "name": "Motor Aktiengesellschaft",
            "aliases": ["MOTOR AG"],
            "country": "DE",
            "status": "active",
        }
    )
    receipt = licensed.one(_export(mass="10"))
    assert "watchlist_match" in _codes(receipt)
    match = next(x for x in receipt.findings if x["code"] == "watchlist_match")
    assert "W-1" in match["message"] and "score" in match["message"]
    assert "watchlist_match" in _codes(licensed.one(application("B")))


# ---------------------------------------------------------------- customs checks


def _check(database: Database, **extra: Any) -> dict[str, Any]:
    proposed = _export(customs_declaration_no=extra.pop("declaration", "CD-9"), **extra)
    receipt, outcome = ec.customs_check(database, CUSTOMS, proposed, clock=lambda: f.RECORDED)
    assert outcome is not None, receipt.errors
    return outcome


def test_customs_release_draws_down_and_the_export_uses_it(
    licensed: f.Reporter, database: Database
) -> None:
    outcome = _check(database, mass="120")
    assert (outcome["decision"], outcome["licence_no"], outcome["remaining_kg"]) == (
        "release",
        "LIC-APP-1",
        "380.000",
    )
    receipt = licensed.one(_export(mass="120", customs_declaration_no="CD-9"))
    assert _codes(receipt) == []
    assert _licence(database)["used_kg"] == "120.000"  # not drawn a second time


def test_customs_holds_with_reasons(licensed: f.Reporter, database: Database) -> None:
    outcome = _check(database, mass="600", destination_country="US")
    assert outcome["decision"] == "hold"
    assert {r["code"] for r in outcome["reasons"]} == {
        "licence_exceeded",
        "licence_scope_mismatch",
    }
    assert _licence(database)["used_kg"] == "0.000"


def test_customs_releases_what_is_not_controlled(reporter: f.Reporter, database: Database) -> None:
    reporter.accept(f.enterprise(f.EXPORTER, ["exporter", "miner"]), f.facility("F-M3", f.EXPORTER))
    reporter.accept(f.extraction("LOT-C", "10", reporter=f.EXPORTER, facility_id="F-M3"))
    proposed = f.export(f.EXPORTER, [("LOT-C", "5")], customs_declaration_no="CD-C")
    _receipt, outcome = ec.customs_check(database, CUSTOMS, proposed, clock=lambda: f.RECORDED)
    assert outcome is not None and outcome["decision"] == "release"
    assert [(r["code"], r["message"]) for r in outcome["reasons"]] == [
        ("not_controlled", "not controlled on 2025-06-03")
    ]


def test_customs_rules(licensed: f.Reporter, database: Database) -> None:
    first, _ = ec.customs_check(
        database,
        CUSTOMS,
        _export(customs_declaration_no="CD-9", mass="10"),
        clock=lambda: f.RECORDED,
    )
    receipt, _ = ec.customs_check(
        database, CUSTOMS, _export(customs_declaration_no="CD-9"), clock=lambda: f.RECORDED
    )
    assert receipt.errors[0]["code"] == "already_released"
    as_exporter = Actor("key:x", f.EXPORTER, "enterprise")
    receipt, _ = ec.customs_check(
        database, as_exporter, _export(customs_declaration_no="CD-8"), clock=lambda: f.RECORDED
    )
    assert receipt.errors[0]["code"] == "not_permitted"
    error = licensed.one(f.correction(f.EXPORTER, first.id)).errors[0]
    assert error["code"] == "not_correctable"


# ---------------------------------------------------------------- figures


def test_figures_and_overdue_applications(licensed: f.Reporter, database: Database) -> None:
    licensed.accept(application("LATE", submitted_at="2025-01-02T10:00:00+08:00"))
    licensed.accept(_export(mass="100"))
    overdue = ec.applications(database, overdue_only=True, today=date(2025, 6, 30))
    assert [a["application_id"] for a in overdue] == ["LATE"]
    approved = next(a for a in ec.applications(database) if a["application_id"] == "APP-1")
    assert approved["review_working_days"] == 11  # 5 May (a holiday) -> 20 May 2025
    found = ec.figures(database, today=date(2025, 6, 30))
    assert found["review"] == {
        "decided": 1,
        "median_working_days": 11,
        "p90_working_days": 11,
        "overdue": 1,
    }
    assert {m["month"] for m in found["by_month"]} == {"2025-01", "2025-05"}
    goods = [q for q in found["quantities"] if q["basis"] == "goods_mass"]
    assert goods == [
        {
            "basis": "goods_mass",
            "licence_no": "LIC-APP-1",
            "elements": "Dy Tb Y",
            "destination_country": "DE",
            "licensed_kg": "500.000",
            "exported_kg": "100.000",
            "exported_under_licence_kg": None,
        }
    ]
    dy = next(q for q in found["quantities"] if q["elements"] == "Dy")
    assert dy == {
        "basis": "element_mass",
        "licence_no": None,
        "elements": "Dy",
        "destination_country": "DE",
        "licensed_kg": None,
        "exported_kg": "5.000",
        "exported_under_licence_kg": "5.000",
    }


def test_figures_compare_like_with_like(reporter: f.Reporter, database: Database) -> None:
    """Issue 12: a Dy licence of 20,281 kg of goods was set against 88.9 kg of Dy exported.
    Goods mass now stands against goods mass, element mass against element mass."""
    big = {"quantity_kg": "20281"}
    approval = decision()
    approval["items"] = [{**approval["items"][0], **big}]
    reporter.accept(application(quantity="20281"), approval)
    reporter.accept(_export(mass="1778"))  # 1,778 kg of goods at Dy 0.05: 88.9 kg of Dy
    reporter.accept(_export(mass="100", licence_no=None))  # 5 kg of Dy with no licence
    rows = ec.figures(database, today=date(2025, 6, 30))["quantities"]
    [licence] = [r for r in rows if r["basis"] == "goods_mass"]
    assert (licence["licensed_kg"], licence["exported_kg"]) == ("20281.000", "1778.000")
    dy = next(r for r in rows if r["basis"] == "element_mass" and r["elements"] == "Dy")
    assert (dy["licensed_kg"], dy["exported_kg"]) == (None, "93.900")
    assert dy["exported_under_licence_kg"] == "88.900"
    assert {r["basis"] for r in rows} == {"goods_mass", "element_mass"}
    assert not any(r["licensed_kg"] for r in rows if r["basis"] == "element_mass")


def test_rebuild_reproduces_the_export_control_state(
    licensed: f.Reporter, database: Database
) -> None:
    from rareledger.services import integrity
    from rareledger.store import queries

    licensed.accept(
        {
            "type": "watchlist_entry",
            "id": "W-1",
            "name": "Motor AG",
            "country": "DE",
            "status": "active",
        },
        application("B", licence_type="general"),
        decision("B", "info_requested"),
    )
    _check(database, mass="50")
    licensed.accept(
        _export(mass="50", customs_declaration_no="CD-9"),
        _export(mass="20", event_id="x2", licence_no="LIC-NONE"),
        f.correction(f.EXPORTER, "x2"),
    )
    with database.read() as connection:
        before = queries.dump(connection)
    assert before["registry"] and before["findings"]
    integrity.rebuild(database)
    with database.read() as connection:
        assert queries.dump(connection) == before


def test_a_batch_reads_its_export_control_entries_in_a_few_queries(
    reporter: f.Reporter, database: Database
) -> None:
    """Applications, decisions, customs checks and exports in one batch: the licences,
    applications, releases and reservations they read are fetched per kind, not per record."""
    registry_reads: list[str] = []

    def count(*args: Any) -> None:
        if "FROM registry" in str(args[2]):
            registry_reads.append(str(args[2]))

    def batch(n: int) -> list[Any]:
        records: list[Any] = []
        for i in range(n):
            app_id = f"APP-B{n}-{i}"
            records += [application(app_id), decision(app_id)]
        for i in range(n):
            declaration = f"CD-B{n}-{i}"
            check = _export(mass="1", licence_no=f"LIC-APP-B{n}-{i}")
            check.update(type="customs_check", customs_declaration_no=declaration)
            exported = _export(mass="1", licence_no=f"LIC-APP-B{n}-{i}")
            exported["customs_declaration_no"] = declaration
            records += [check, exported]
        return records

    sqla_event.listen(database.engine, "before_cursor_execute", count)
    try:
        reads_by_size: dict[int, int] = {}
        for n in (2, 3, 30):  # the first batch also loads the regimes and the watch list
            registry_reads.clear()
            receipts = reporter.recorder.submit(batch(n))
            assert [r.status for r in receipts] == ["accepted"] * (4 * n)
            reads_by_size[n] = len(registry_reads)
    finally:
        sqla_event.remove(database.engine, "before_cursor_execute", count)
    assert reads_by_size[30] == reads_by_size[3] <= 6
    assert _licence(database, "LIC-APP-B30-29")["used_kg"] == "1.000"
