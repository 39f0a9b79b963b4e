"""Detection rules as scenarios: given these reports, exactly these alerts (and no others).

Facts are built by folding records shaped as the reporting contract's, as the service does.
Each rule has honest cases that must not fire, violating ones that must, and the borderline.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from rareledger.domain.detection import (
    RULES,
    DetectionSettings,
    Facts,
    PartnerImport,
    Reference,
    codes,
    run_rules,
    settings_with,
)
from rareledger.domain.detection.fold_rows import KINDS, FoldRow, changed_rows, facts_from_rows

CST = timezone(timedelta(hours=8))
START = datetime(2025, 6, 2, 9, 0, tzinfo=CST)
AS_OF = datetime(2025, 12, 31, 23, 0, tzinfo=CST)
ND = {"Nd": "0.6"}  # 60 % neodymium by mass
PRICES = Reference(
    prices_usd_per_kg_reo={("Nd", "oxide"): Decimal("60")},
    usd_per_unit={"USD": Decimal(1), "CNY": Decimal("0.14")},
)


def at(day: float) -> str:
    return (START + timedelta(days=day)).isoformat()


class Ledger:
    """Writes records into facts, numbering events."""

    def __init__(self, as_of: datetime = AS_OF) -> None:
        self.facts = Facts(as_of=as_of)
        self.count = 0

    def add(self, record: dict[str, Any], findings: list[tuple[str, str]] = ()) -> str:  # type: ignore[assignment]
        self.count += 1
        event_id = record.setdefault("event_id", f"e{self.count}")
        self.facts.apply(record, [(code, firm, event_id) for code, firm in findings])
        return event_id

    def lot(
        self,
        firm: str,
        lot: str,
        kg: str,
        day: float = 0,
        composition: Any = ND,
        form: str = "oxide",
    ) -> str:
        return self.add(
            {
                "type": "extraction",
                "reporter": firm,
                "occurred_at": at(day),
                "outputs": [
                    {"lot_id": lot, "form": form, "mass_kg": kg, "composition": composition}
                ],
            }
        )

    def process(
        self,
        firm: str,
        inputs: dict[str, str],
        outputs: dict[str, str],
        day: float,
        process: str = "separation",
        composition: Any = ND,
        form: str = "oxide",
    ) -> str:
        return self.add(
            {
                "type": "processing",
                "reporter": firm,
                "facility_id": f"F-{firm}",
                "occurred_at": at(day),
                "process": process,
                "inputs": [{"lot_id": lot, "mass_kg": kg} for lot, kg in inputs.items()],
                "outputs": [
                    {"lot_id": lot, "form": form, "mass_kg": kg, "composition": composition}
                    for lot, kg in outputs.items()
                ],
            }
        )

    def ship(
        self,
        seller: str,
        buyer: str,
        lot: str,
        kg: str,
        day: float,
        value: tuple[str, str] | None = None,
    ) -> str:
        record: dict[str, Any] = {
            "type": "shipment",
            "reporter": seller,
            "buyer": buyer,
            "occurred_at": at(day),
            "items": [{"lot_id": lot, "mass_kg": kg}],
        }
        if value:
            record["value"] = {"amount": value[0], "currency": value[1]}
        return self.add(record)

    def receive(self, buyer: str, shipment: str, lot: str, kg: str, day: float) -> str:
        return self.add(
            {
                "type": "receipt",
                "reporter": buyer,
                "shipment_event_id": shipment,
                "occurred_at": at(day),
                "items": [{"lot_id": lot, "mass_kg": kg}],
            }
        )

    def export(
        self,
        firm: str,
        lot: str,
        kg: str,
        day: float,
        *,
        consignee: str = "Buyer B.V.",
        country: str = "NL",
        value: tuple[str, str] = ("0", "USD"),
        licence: str | None = "LIC-1",
        unlicensed: bool = False,
        hs_code: str = "284690",
        extra: dict[str, str] | None = None,
    ) -> str:
        items = {lot: kg, **(extra or {})}
        record = {
            "type": "export",
            "reporter": firm,
            "occurred_at": at(day),
            "items": [{"lot_id": lot_id, "mass_kg": mass} for lot_id, mass in items.items()],
            "hs_code": hs_code,
            "destination_country": country,
            "consignee": {"name": consignee, "country": country},
            "value": {"amount": value[0], "currency": value[1]},
            "licence_no": licence,
        }
        return self.add(record, [("unlicensed_export", firm)] if unlicensed else [])

    def alerts(
        self,
        code: str,
        settings: DetectionSettings | None = None,
        reference: Reference | None = None,
    ) -> list[Any]:
        found = run_rules(self.facts, settings, reference, only=code)
        assert all(a.code in RULES[code].emits for a in found)
        return found


def test_quota_exceeded_approaching_and_within() -> None:
    ledger = Ledger()
    for firm, quota in (("M1", "10"), ("M2", "10"), ("M3", "10")):
        ledger.add(
            {"type": "quota", "enterprise_id": firm, "year": 2025, "kind": "mining", "reo_t": quota}
        )
    # A tonne of the lot holds 0.6 t of Nd, which is 0.7 t of Nd2O3 (REO).
    ledger.lot("M1", "L1", "15000")  # 10.5 t REO: over
    ledger.lot("M2", "L2", "13800")  # 9.66 t REO: 96.6 %, warning
    ledger.lot("M3", "L3", "12000")  # 8.4 t REO: fine
    ledger.lot("M4", "L4", "99000")  # no quota: not this rule's business
    found = {(a.code, a.enterprise_ids) for a in ledger.alerts("quota_exceeded")}
    assert found == {("quota_exceeded", ("M1",)), ("quota_approaching", ("M2",))}


def test_shipment_not_received_counts_days_to_the_as_of_moment() -> None:
    ledger = Ledger(as_of=START + timedelta(days=40))
    lost = ledger.ship("A", "B", "L", "100", day=0)
    ledger.ship("A", "B", "L", "100", day=20)  # only 20 days: still in transit
    late = ledger.ship("A", "B", "L", "100", day=0)
    ledger.receive("B", late, "L", "100", day=35)  # late, but received
    assert [a.event_ids for a in ledger.alerts("shipment_not_received")] == [(lost,)]


def test_a_receipt_recorded_after_the_as_of_moment_does_not_count() -> None:
    ledger = Ledger(as_of=START + timedelta(days=40))
    shipped = ledger.ship("A", "B", "L", "100", day=0)
    assert ledger.alerts("shipment_not_received")
    ledger.receive("B", shipped, "L", "100", day=39)
    assert not ledger.alerts("shipment_not_received")


def test_quantity_mismatch_a_run_of_short_receipts_against_the_usual_difference() -> None:
    ledger = Ledger()
    ledger.lot("M", "L", "100000")
    for buyer in "CDEFGH":  # honest pairs: scales that agree to within 0.1 % either way
        for day in range(6):
            s = ledger.ship("A", buyer, "L", "1000", day * 7)
            ledger.receive(buyer, s, "L", str(1000 + (day % 3 - 1) * 0.8), day * 7 + 1)
    skimmed = []
    for day in range(6):  # each receipt 0.4 % short: under the per-receipt tolerance
        s = ledger.ship("A", "B", "L", "1000", day * 7)
        skimmed += [s, ledger.receive("B", s, "L", "996", day * 7 + 1)]
    once = ledger.ship("A", "K", "L", "1000", 1)  # one receipt short: the finding's business
    ledger.receive("K", once, "L", "996", 2)
    found = ledger.alerts("quantity_mismatch")
    assert [(a.enterprise_ids, a.event_ids) for a in found] == [(("A", "B"), tuple(skimmed))]
    evidence = found[0].evidence
    assert evidence["difference_kg"] == "-24.000"
    assert evidence["baseline_share"] == {"oxide": "0.00000"}
    assert float(evidence["z"]) > 4.5 and evidence["receipts"] == "6"


def test_circular_trading_needs_three_firms_and_the_window() -> None:
    ledger = Ledger()
    circle = [
        ledger.ship("A", "B", "L1", "50", 0),
        ledger.ship("B", "C", "L1", "50", 10),
        ledger.ship("C", "A", "L1", "50", 20),
    ]
    ledger.ship("A", "B", "L2", "50", 0)
    ledger.ship("B", "A", "L2", "50", 5)  # a legitimate return: two firms only
    ledger.ship("A", "B", "L3", "50", 0)
    ledger.ship("B", "C", "L3", "50", 50)
    ledger.ship("C", "A", "L3", "50", 100)  # back, but after 100 days
    found = ledger.alerts("circular_trading")
    assert [a.event_ids for a in found] == [tuple(circle)]


def test_circular_trading_counts_a_lot_listed_twice_in_a_shipment_as_one_move() -> None:
    ledger = Ledger()
    twice = ledger.add(
        {
            "type": "shipment",
            "reporter": "A",
            "buyer": "B",
            "occurred_at": at(0),
            "items": [{"lot_id": "L1", "mass_kg": "20"}, {"lot_id": "L1", "mass_kg": "30"}],
        }
    )
    back = ledger.ship("B", "A", "L1", "50", 10)  # three listings, two moves, two firms
    assert ledger.alerts("circular_trading") == []
    onward = ledger.ship("B", "C", "L1", "50", 5)
    found = ledger.alerts("circular_trading")
    assert found == []  # B sold it to C, not back: A -> B -> C is no circle
    home = ledger.ship("C", "A", "L1", "50", 20)
    found = ledger.alerts("circular_trading")
    assert [a.event_ids for a in found] == [(twice, onward, home)]
    assert back not in found[0].event_ids


def test_split_consignments_small_parcels_against_the_exporters_usual_one() -> None:
    ledger = Ledger()
    for month in range(6):  # X usually ships 1,000 kg a month to its buyer
        ledger.export("X", "L", "1000", month * 30)
    parcels = [  # then five parcels of 200 kg in ten days, no licence
        ledger.export("X", "L", "200", 190 + day * 2, licence=None, unlicensed=True)
        for day in range(5)
    ]
    for day in range(6):  # Y's trade is small parcels, week after week: its normal
        ledger.export("Y", "L", "200", day * 7, consignee="Kleine GmbH")
    for day in range(4):  # four parcels: one fewer than the minimum
        ledger.export("Z", "L", "200", day, licence=None, unlicensed=True)
    for day in range(5):  # five, but spread over 120 days
        ledger.export("W", "L", "200", day * 30, licence=None, unlicensed=True)
    found = ledger.alerts("split_consignments")
    assert [a.event_ids for a in found] == [tuple(parcels)]
    assert found[0].evidence["usual_parcel_kg"] == "1000.000"
    assert found[0].evidence["usual_from"] == "consignee"


def test_split_consignments_just_under_a_licence_size() -> None:
    ledger = Ledger()
    under = [ledger.export("X", "L", "995", day) for day in range(5)]
    for day in range(5):
        ledger.export("Y", "L", "1000", day)  # at the size, not under it
    settings = settings_with({"split_licence_kg": "1000"})
    assert [a.event_ids for a in ledger.alerts("split_consignments", settings)] == [tuple(under)]
    assert not ledger.alerts("split_consignments")  # off by default


def test_exporter_without_source() -> None:
    ledger = Ledger()
    ledger.lot("P", "LP", "1000")
    ledger.export("P", "LP", "1000", 1)  # exports what it produced
    bought = ledger.ship("P", "T", "LP", "500", 2)
    ledger.receive("T", bought, "LP", "500", 3)
    ledger.export("T", "LP", "505", 4)  # 1 % over: within tolerance
    ledger.export("G", "LP", "300", 5)  # a ghost exporter
    found = ledger.alerts("exporter_without_source")
    assert [a.enterprise_ids for a in found] == [("G",)]


def test_unexplained_output_per_plant_and_month() -> None:
    ledger = Ledger()
    ledger.lot("M", "IN", "10000")
    # Three events 1.5 % over their inputs and one 30 % over, in one month.
    launder = [ledger.process("S", {"IN": "1000"}, {f"O{i}": "1015"}, day=i) for i in range(3)]
    big = ledger.process("S", {"IN": "1000"}, {"O9": "1300"}, day=4)
    ledger.process("H", {"IN": "1000"}, {"H1": "950"}, day=1)  # honest 95 %
    for i in range(3):  # 1.5 % over, one event a month: within the 2 % tolerance
        ledger.process("Q", {"IN": "1000"}, {f"Q{i}": "1015"}, day=i * 31)
    found = ledger.alerts("unexplained_output")
    assert [(a.enterprise_ids, a.event_ids) for a in found] == [(("S",), (*launder, big))]
    assert found[0].evidence["unexplained_kg"] == "207.000"  # rare earth content: 60 % of 345


def test_implausible_yield_below_the_norm() -> None:
    ledger = Ledger()
    ledger.lot("M", "IN", "10000")
    ledger.process("LEAK", {"IN": "1000"}, {"O1": "500"}, day=1)  # 50 %: far below 92 %
    ledger.process("LOW", {"IN": "1000"}, {"O2": "700"}, day=1)  # 70 %: above 92 % x 0.75
    ledger.process("MAG", {"IN": "1000"}, {"O3": "650"}, day=1, process="magnet_making")
    ledger.process("TINY", {"IN": "50"}, {"O4": "10"}, day=1)  # too small to judge
    found = ledger.alerts("implausible_yield")
    assert [a.enterprise_ids for a in found] == [("LEAK",)]
    assert found[0].evidence["recovery"] == "0.5000"
    stricter = settings_with({"recovery_norms.separation": "0.99", "implausible_share": "0.8"})
    assert {a.enterprise_ids for a in ledger.alerts("implausible_yield", stricter)} == {
        ("LEAK",),
        ("LOW",),
    }


def test_under_invoicing_against_benchmark_prices() -> None:
    ledger = Ledger()
    ledger.lot("P", "L", "10000")
    # 100 kg at 60 % Nd = 60 kg Nd = 69.98 kg Nd2O3, worth 4,199 USD at 60 USD/kg REO.
    ledger.export("P", "L", "100", 1, value=("4000", "USD"))  # honest
    ledger.export("P", "L", "100", 2, value=("3000", "USD"))  # 71 %: just above the line
    cheap = ledger.export("P", "L", "100", 3, value=("2900", "USD"))  # 69 %
    ledger.export("P", "L", "100", 4, value=("1000", "EUR"))  # no rate: cannot judge
    yuan = ledger.export("P", "L", "100", 5, value=("7000", "CNY"))  # 980 USD
    found = ledger.alerts("under_invoicing", reference=PRICES)
    assert [a.event_ids for a in found] == [(cheap,), (yuan,)]
    assert found[0].evidence["benchmark_usd"] == "4198.96"
    assert not ledger.alerts("under_invoicing")  # no price table, no judgement


def test_mirror_gap_against_partner_statistics() -> None:
    ledger = Ledger()
    ledger.lot("P", "L", "100000")
    ledger.export("P", "L", "10000", 1, country="DE")
    ledger.export("P", "L", "10000", 1, country="KR")
    ledger.export("P", "L", "10000", 1, country="US")
    partner = Reference(
        partner_imports=(
            PartnerImport("DE", "2025", Decimal("10900")),  # 9 %: recording differences
            PartnerImport("KR", "2025", Decimal("16000")),  # 6 t more than reported
            PartnerImport("US", "2025-07", Decimal("5000")),  # nothing reported in July
            PartnerImport("JP", "2025", Decimal("400")),  # under the minimum
        )
    )
    found = ledger.alerts("mirror_gap", reference=partner)
    assert [(a.evidence["country"], a.period, a.enterprise_ids) for a in found] == [
        ("KR", "2025", ("P",)),
        ("US", "2025-07", ()),
    ]
    assert found[0].alert_id != found[1].alert_id


def test_findings_become_alerts_and_corrections_take_them_back() -> None:
    ledger = Ledger()
    ledger.lot("P", "L", "100")
    flagged = ledger.export("P", "L", "10", 1, licence=None, unlicensed=True)
    kept = ledger.export("P", "L", "10", 2, licence=None, unlicensed=True)
    assert {a.event_ids for a in ledger.alerts("findings")} == {(flagged,), (kept,)}
    ledger.add(
        {
            "type": "correction",
            "reporter": "P",
            "corrects": flagged,
            "occurred_at": at(3),
            "reason": "entered twice",
        }
    )
    assert [a.event_ids for a in ledger.alerts("findings")] == [(kept,)]


def test_alert_ids_are_stable_and_deduplicate() -> None:
    def build() -> list[str]:
        ledger = Ledger(as_of=START + timedelta(days=40))
        ledger.ship("A", "B", "L", "100", 0)
        return [a.alert_id for a in run_rules(ledger.facts)]

    assert build() == build() and len(build()) == 1


def test_facts_round_trip_through_their_saved_rows() -> None:
    ledger = Ledger()
    ledger.lot("P", "L", "1000")
    s = ledger.ship("P", "B", "L", "100", 1)
    ledger.receive("B", s, "L", "90", 2)
    ledger.process("B", {"L": "90"}, {"O": "200"}, 3)
    ledger.export("B", "O", "200", 4, value=("10", "USD"), licence=None, unlicensed=True)
    saved = [row for row in changed_rows(ledger.facts) if row[3] is not None]
    saved.sort(key=lambda row: (KINDS.index(row[0]), row[2]))  # as the store reads them
    again = facts_from_rows(ledger.facts.as_of, saved)
    settings, reference = DetectionSettings(), PRICES
    assert run_rules(again, settings, reference) == run_rules(ledger.facts, settings, reference)
    assert run_rules(ledger.facts, settings, reference)


def _saved(rows: dict[tuple[str, str], FoldRow], facts: Facts) -> dict[tuple[str, str], FoldRow]:
    """The saved rows after writing what folding touched since the last save."""
    for row in changed_rows(facts):
        if row[3] is None:
            rows.pop((row[0], row[1]), None)
        else:
            rows[(row[0], row[1])] = row
    facts.settle()
    return rows


def test_a_receipt_keeps_its_items_when_its_shipment_is_taken_out_after_saving() -> None:
    ledger = Ledger()
    ledger.lot("P", "L", "1000")
    shipped = ledger.ship("P", "B", "L", "100", 1)
    ledger.receive("B", shipped, "L", "100", 2)  # weighs what was shipped: shares its items
    rows = _saved({}, ledger.facts)
    ledger.add({"type": "correction", "reporter": "P", "corrects": shipped, "occurred_at": at(3)})
    rows = _saved(rows, ledger.facts)
    in_order = sorted(rows.values(), key=lambda row: (KINDS.index(row[0]), row[2]))
    again = facts_from_rows(ledger.facts.as_of, in_order)
    assert shipped not in again.shipments
    assert (
        again.receipts[shipped].items == ledger.facts.receipts[shipped].items == (("L", 100_000),)
    )


@pytest.mark.parametrize(
    ("mass_kg", "grams"),
    [("604.852", 604_852), ("5000", 5_000_000), ("0.001", 1), ("1.2345", 1234), ("1.", 1000),
     ("00.010", 10), (".5", 500), ("1e3", 1_000_000), ("١٢", 12_000), (2.5, 2500), (7, 7000)],
)  # fmt: skip
def test_masses_are_folded_as_whole_grams_truncated(mass_kg: str | float, grams: int) -> None:
    ledger = Ledger()
    item = {"lot_id": "L", "mass_kg": mass_kg}
    record = {"type": "shipment", "reporter": "P", "buyer": "B", "occurred_at": at(1)}
    shipped = ledger.add({**record, "items": [item]})
    assert ledger.facts.shipments[shipped].mass_g == grams


def test_settings_name_the_parameter_that_is_wrong() -> None:
    assert settings_with({"receipt_days": "45"}).receipt_days == 45
    with pytest.raises(ValueError, match="no detection parameter 'receipt_dayz'"):
        settings_with({"receipt_dayz": "45"})
    with pytest.raises(ValueError, match="price_share must be a number"):
        settings_with({"price_share": "-1"})
    with pytest.raises(ValueError, match="mismatch_min_spread must be above zero"):
        settings_with({"mismatch_min_spread": "0"})  # the floor of the spread z divides by
    assert settings_with({"mismatch_min_spread": "0.0001"}).mismatch_min_spread > 0


def test_every_code_an_alert_can_carry_is_known() -> None:
    assert {"quota_approaching", "unlicensed_export", "mirror_gap"} <= set(codes())
