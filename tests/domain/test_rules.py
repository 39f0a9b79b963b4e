"""Detection rules as scenarios: given these facts, exactly these alerts."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from rareledger.domain.rules import DetectionSettings, Exported, Facts, Shipped, run_rules

CST = timezone(timedelta(hours=8))
AS_OF = datetime(2025, 12, 31, 23, 0, tzinfo=CST)


def _at(day: int) -> datetime:
    return datetime(2025, 6, 1, tzinfo=CST) + timedelta(days=day)


def _codes(facts: Facts, only: str | None = None) -> list[str]:
    return [a.code for a in run_rules(facts, DetectionSettings(), only)]


def test_quota_exceeded_and_approaching() -> None:
    facts = Facts(as_of=AS_OF)
    facts.quotas_t = {("M1", 2025, "mining"): Decimal(100), ("M2", 2025, "mining"): Decimal(100)}
    facts.mined_reo_t = {
        ("M1", 2025): Decimal("100.5"),
        ("M2", 2025): Decimal("96"),
        ("M3", 2025): Decimal("500"),
    }  # no quota: not this rule's business
    alerts = run_rules(facts, only="quota_exceeded")
    assert {(a.code, a.enterprise_ids) for a in alerts} == {
        ("quota_exceeded", ("M1",)),
        ("quota_approaching", ("M2",)),
    }
    assert all(a.evidence["quota_reo_t"] == "100" for a in alerts)


def test_shipment_not_received_after_the_grace_period() -> None:
    facts = Facts(as_of=_at(40))
    facts.shipments = [
        Shipped("s-old", "A", "B", _at(0), 1000, False),
        Shipped("s-new", "A", "B", _at(20), 1000, False),
        Shipped("s-got", "A", "B", _at(0), 1000, True),
    ]
    alerts = run_rules(facts, only="shipment_not_received")
    assert [a.event_ids for a in alerts] == [("s-old",)]


def test_split_consignments_of_unlicensed_small_exports() -> None:
    facts = Facts(as_of=AS_OF)
    small = [
        Exported(f"e{i}", "X", "Buyer B.V.", "NL", _at(i * 3), 200_000, None, True)
        for i in range(6)
    ]
    licensed = [
        Exported(f"l{i}", "X", "Buyer B.V.", "NL", _at(i), 200_000, "LIC", False) for i in range(6)
    ]
    facts.exports = small + licensed
    alerts = run_rules(facts, only="split_consignments")
    assert len(alerts) == 1 and set(alerts[0].event_ids) <= {f"e{i}" for i in range(6)}
    assert len(alerts[0].event_ids) >= DetectionSettings().split_min_count


def test_circular_trading_back_to_the_seller() -> None:
    facts = Facts(as_of=AS_OF)
    facts.shipments = [
        Shipped("s1", "A", "B", _at(0), 10, True, ("L1",)),
        Shipped("s2", "B", "C", _at(3), 10, True, ("L1",)),
        Shipped("s3", "C", "A", _at(6), 10, True, ("L1",)),
        Shipped("s4", "D", "E", _at(0), 10, True, ("L2",)),
        Shipped("s5", "E", "F", _at(3), 10, True, ("L2",)),
    ]
    alerts = run_rules(facts, only="circular_trading")
    assert [(a.event_ids, a.enterprise_ids) for a in alerts] == [
        (("s1", "s2", "s3"), ("A", "B", "C"))
    ]


def test_exporter_without_source() -> None:
    facts = Facts(as_of=AS_OF)
    facts.exports = [
        Exported("e1", "X", "B", "US", _at(1), 1_000_000, "L", False),
        Exported("e2", "Y", "B", "US", _at(1), 1_000_000, "L", False),
    ]
    facts.acquired_g = {"X": 100_000, "Y": 1_000_000}
    assert [a.enterprise_ids for a in run_rules(facts, only="exporter_without_source")] == [("X",)]


def test_findings_become_alerts_and_alert_ids_are_stable() -> None:
    facts = Facts(as_of=AS_OF)
    facts.findings = [
        ("unlicensed_export", "X", "e1", "2025-06"),
        ("unlicensed_export", "X", "e1", "2025-06"),
    ]
    first, second = run_rules(facts), run_rules(facts)
    assert [a.code for a in first] == ["unlicensed_export"]  # deduplicated
    assert first[0].alert_id == second[0].alert_id and first[0].severity == "high"
