"""Rules that know what normal is: each subtle violation against its honest look-alike.

Every scenario builds honest peers first (the baseline the rule learns), then the subtle form
of a violation, which must be found, and the honest behaviour closest to it, which must not.
"""

from __future__ import annotations

from decimal import Decimal

from rareledger.domain.detection import PartnerImport, Reference, settings_with
from tests.domain.test_rules import ND, Ledger

PRICES = Reference(
    prices_usd_per_kg_reo={("Nd", "oxide"): Decimal("60"), ("Nd", "metal"): Decimal("65")},
    usd_per_unit={"USD": Decimal(1), "CNY": Decimal("0.14")},
)
# 100 kg of the lot hold 60 kg of Nd, 69.98 kg of Nd2O3: 4,198.96 USD at 60 USD/kg REO,
# 29,992.59 CNY at the table's rate. Honest sales are invoiced at 30,000 CNY, give or take.
WORTH_CNY = 29_992.59


def _honest_market(ledger: Ledger, days: range, price: float = 1.0) -> None:
    """Twelve sellers' sales of Nd oxide, 3 % either side of ``price`` x the worth."""
    for day in days:
        for seller in range(12):
            share = price * (0.97 + 0.005 * seller)
            ledger.ship(
                f"S{seller}", f"B{seller}", "L", "100", day, (f"{WORTH_CNY * share:.2f}", "CNY")
            )


def test_domestic_under_invoicing_by_a_fifth_against_peers_of_the_same_weeks() -> None:
    ledger = Ledger()
    ledger.lot("M", "L", "100000")
    _honest_market(ledger, range(0, 60, 5))
    _honest_market(ledger, range(90, 150, 5), price=1.3)  # prices rose by 30 %
    cheap = ledger.ship("T", "U", "L", "100", 120, (f"{WORTH_CNY * 1.3 * 0.8:.2f}", "CNY"))
    # The honest look-alike: a transfer within a group, 3 % under the month, in the new market;
    # and a sale at the old price level, which was the market then.
    ledger.ship("G1", "G2", "L", "100", 120, (f"{WORTH_CNY * 1.3 * 0.95:.2f}", "CNY"))
    ledger.ship("V", "W", "L", "100", 30, (f"{WORTH_CNY * 1.0:.2f}", "CNY"))
    found = ledger.alerts("under_invoicing", reference=PRICES)
    assert [a.event_ids for a in found] == [(cheap,)]
    evidence = found[0].evidence
    assert evidence["channel"] == "domestic" and evidence["baseline_scope"] == "weeks"
    assert abs(float(evidence["baseline_ratio"]) - 1.3 * 0.9975) < 0.02
    assert float(evidence["ratio"]) < float(evidence["alert_below_ratio"])


def test_a_return_is_credited_at_the_price_of_the_sale_it_returns() -> None:
    ledger = Ledger()
    ledger.lot("M", "L", "100000")
    _honest_market(ledger, range(0, 60, 5))
    _honest_market(ledger, range(60, 120, 5), price=1.3)  # prices rose by 30 %
    ledger.ship("A", "B", "L", "100", 55, (f"{WORTH_CNY:.2f}", "CNY"))
    back = ledger.ship("B", "A", "L", "100", 70, (f"{WORTH_CNY:.2f}", "CNY"))  # at the old price
    cheap_back = ledger.ship("B", "A", "L", "100", 75, (f"{WORTH_CNY * 0.6:.2f}", "CNY"))
    found = ledger.alerts("under_invoicing", reference=PRICES)
    assert [a.event_ids for a in found] == [(cheap_back,)]
    assert back not in found[0].event_ids
    assert found[0].evidence["baseline_scope"].startswith("the sale it returns")


def test_an_export_with_few_export_peers_is_judged_against_domestic_sales_and_the_premium() -> None:
    ledger = Ledger()
    ledger.lot("M", "L", "100000")
    _honest_market(ledger, range(0, 150, 5))
    for day in range(0, 150, 5):  # exports: 10 % over the domestic price, one every five days
        ledger.export("E", "L", "100", day, value=(f"{4198.96 * 1.1:.2f}", "USD"))
    # A spell with no exports for weeks, then one at the domestic price: 10 % under exports.
    honestish = ledger.export("E", "L", "100", 200, value=(f"{4198.96 * 1.0:.2f}", "USD"))
    under = ledger.export("E", "L", "100", 201, value=(f"{4198.96 * 1.1 * 0.8:.2f}", "USD"))
    _honest_market(ledger, range(195, 210, 5))
    found = ledger.alerts("under_invoicing", reference=PRICES)
    assert [a.event_ids for a in found] == [(under,)]
    assert found[0].evidence["baseline_scope"] == "other channel"
    assert honestish not in {e for a in found for e in a.event_ids}


def _plant_months(ledger: Ledger, plant: str, recoveries: list[float], start: int = 0) -> list[str]:
    """One separation a month at ``plant``, 1,000 kg in, with the given recoveries."""
    events = []
    for month, recovery in enumerate(recoveries):
        out = f"{1000 * recovery:.3f}"
        events.append(
            ledger.process(plant, {"IN": "1000"}, {f"{plant}-{start + month}": out}, 31 * month)
        )
    return events


def test_laundering_a_few_percent_for_months_stands_out_from_the_plants_own_history() -> None:
    ledger = Ledger()
    ledger.lot("M", "IN", "100000")
    usual = [0.950, 0.953, 0.948, 0.951, 0.949, 0.952, 0.950, 0.948]
    laundered = _plant_months(ledger, "P", [*usual[:4], 0.990, 0.988, 0.991, *usual[4:]])[4:7]
    # Look-alikes: a plant with a high recovery of its own, all year; a plant improving slowly.
    _plant_months(ledger, "HIGH", [0.968, 0.970, 0.967, 0.969, 0.968, 0.971, 0.969, 0.970])
    _plant_months(ledger, "BETTER", [0.940 + 0.001 * m for m in range(11)])
    found = ledger.alerts("yield_anomaly")
    assert [a.event_ids for a in found] == [(e,) for e in laundered]
    evidence = found[0].evidence
    assert evidence["baseline_from"] == "own history"
    assert abs(float(evidence["baseline_recovery"]) - 0.950) < 0.002
    assert not ledger.alerts("unexplained_output")  # no month holds more than its inputs


def test_a_plant_without_history_is_judged_against_its_peers_in_the_month() -> None:
    ledger = Ledger()
    ledger.lot("M", "IN", "100000")
    for plant in ("A", "B", "C", "D"):
        _plant_months(ledger, plant, [0.95, 0.951, 0.949])
    new = _plant_months(ledger, "NEW", [1.005])
    found = ledger.alerts("yield_anomaly", settings_with({"yield_min_months": "3"}))
    assert [a.event_ids for a in found] == [tuple(new)]
    assert found[0].evidence["baseline_from"] == "peers"


def test_a_licensed_split_against_the_exporters_usual_parcel_and_frequency() -> None:
    ledger = Ledger()
    ledger.lot("M", "L", "100000")
    for week in range(20):  # X ships 800 kg a week to its buyer, under its licence
        ledger.export("X", "L", "800", week * 7)
    split = [ledger.export("X", "L", "200", 150 + day * 2) for day in range(6)]
    # Look-alikes: samples of 10 kg to several buyers; small top-up orders now and then;
    # a buyer whose orders are small, every week of the year.
    for day in range(0, 140, 20):
        ledger.export("X", "L", "10", day + 1, consignee=f"Sample {day} Ltd")
    for day in (30, 75, 120):
        ledger.export("X", "L", "150", day + 3)
    for week in range(20):
        ledger.export("X", "L", "150", week * 7 + 2, consignee="Small Orders S.A.")
    found = ledger.alerts("split_consignments")
    assert [a.event_ids for a in found] == [tuple(split)]
    assert found[0].evidence["licensed"] == "6"
    assert found[0].evidence["usual_parcel_kg"] == "800.000"


def test_the_consignee_is_the_same_however_the_declaration_spells_it() -> None:
    ledger = Ledger()
    ledger.lot("M", "L", "100000")
    for week in range(10):
        ledger.export("X", "L", "800", week * 7, consignee="Vecta Motors 2 GmbH")
    names = [
        "Vecta Motors 2 GmbH",
        "VECTA MOTORS 2 GMBH",
        "Vecta Motors 2 GmbH.",
        "Vecta Motors 2, GmbH",
    ]
    split = [ledger.export("X", "L", "100", 80 + day, consignee=names[day % 4]) for day in range(5)]
    assert [a.event_ids for a in ledger.alerts("split_consignments")] == [tuple(split)]


def test_systematic_skimming_against_the_drying_of_concentrate() -> None:
    ledger = Ledger()
    ledger.lot("M", "C", "500000", form="concentrate")
    ledger.lot("M", "O", "500000")
    for buyer in "DEFGH":  # concentrate dries in transit: every receipt 0.15-0.25 % light
        for week in range(8):
            s = ledger.ship("M", buyer, "C", "10000", week * 7)
            ledger.receive(buyer, s, "C", f"{10000 * (0.9985 - 0.0002 * (week % 6)):.3f}", 1)
    for buyer in "PQRS":  # oxide does not
        for week in range(8):
            s = ledger.ship("M", buyer, "O", "1000", week * 7)
            ledger.receive(buyer, s, "O", f"{1000 + (week % 3 - 1) * 0.5:.3f}", week * 7 + 1)
    skimmed = []
    for week in range(8):  # a buyer of oxide reporting 0.3 % less, delivery after delivery
        s = ledger.ship("M", "K", "O", "1000", week * 7)
        skimmed += [s, ledger.receive("K", s, "O", "997", week * 7 + 1)]
    found = ledger.alerts("quantity_mismatch")
    assert [(a.enterprise_ids, a.evidence["form"]) for a in found] == [(("M", "K"), "oxide")]
    assert set(found[0].event_ids) == set(skimmed)


def test_a_shell_buyer_that_takes_delivery_and_never_moves_anything() -> None:
    ledger = Ledger()
    ledger.lot("P", "L", "100000")
    into_shell = []
    for day in (10, 40):
        s = ledger.ship("P", "SHELL", "L", "500", day)
        into_shell += [s, ledger.receive("SHELL", s, "L", "500", day + 1)]
    trader = ledger.ship("P", "TRADER", "L", "500", 10)  # a trader that sells on
    ledger.receive("TRADER", trader, "L", "500", 11)
    ledger.ship("TRADER", "X", "L", "500", 60)
    newcomer = ledger.ship("P", "NEW", "L", "500", 205)  # too recent to say (as of day 212)
    ledger.receive("NEW", newcomer, "L", "500", 206)
    found = ledger.alerts("dormant_buyer")
    assert [(a.enterprise_ids, a.event_ids) for a in found] == [(("SHELL", "P"), tuple(into_shell))]
    assert found[0].evidence["receipts"] == "2"


def test_a_circle_through_relabelling_and_its_honest_look_alikes() -> None:
    ledger = Ledger()
    ledger.lot("P", "L1", "1000")
    ledger.lot("P", "L2", "1000")
    first = ledger.ship("A", "B", "L1", "50", 0)
    second = ledger.ship("B", "S", "L1", "50", 5)
    relabel = ledger.process("S", {"L1": "50"}, {"L1-NEW": "50"}, 7, process="other")
    third = ledger.ship("S", "C", "L1-NEW", "50", 9)
    back = ledger.ship("C", "A", "L1-NEW", "50", 15)
    # Look-alikes: rework of a lot and its sale onwards, then a return to the seller; a lot
    # returned by a trader, sold again by the plant to another trader, who sells it on to the
    # first trader.
    ledger.process("P", {"L2": "100"}, {"L2-R": "99"}, 1, process="other")
    ledger.ship("P", "T", "L2-R", "99", 2)
    ledger.ship("T", "E", "L2-R", "99", 4)
    ledger.ship("E", "T", "L2-R", "99", 8)
    ledger.lot("P", "L3", "1000")
    ledger.ship("P", "T1", "L3", "500", 20)
    ledger.ship("T1", "P", "L3", "500", 30)  # returned
    ledger.ship("P", "T2", "L3", "500", 50)
    ledger.ship("T2", "T1", "L3", "500", 55)
    found = ledger.alerts("circular_trading")
    assert [a.event_ids for a in found] == [(first, second, third, back, relabel)]
    assert found[0].evidence["relabelled_as"] == ["L1-NEW"]


def test_goods_of_another_heading_riding_in_a_load() -> None:
    ledger = Ledger()
    ledger.lot("P", "OX", "10000")
    ledger.lot("P", "MET", "1000", form="metal", composition={"Tb": "0.995"})
    mixed = ledger.export("P", "OX", "900", 1, hs_code="284690", extra={"MET": "50"})
    ledger.export("P", "OX", "900", 2, hs_code="284690")  # one heading, one form: fine
    ledger.export("P", "MET", "50", 3, hs_code="280530")
    found = ledger.alerts("heading_mismatch")
    assert [a.event_ids for a in found] == [(mixed,)]
    assert found[0].evidence["lots"] == [
        {"lot_id": "MET", "form": "metal", "kg": "50.000", "headings": "2805"}
    ]


def test_mirror_gaps_against_what_partners_usually_record() -> None:
    ledger = Ledger()
    ledger.lot("P", "L", "1000000")
    countries = ("DE", "KR", "US", "JP", "NL", "FR", "IT", "VN")
    for country in countries:
        ledger.export("P", "L", "10000", 1, country=country)
    usual = Decimal("1.05")  # partners record 5 % more: freight, their own recording
    partner = Reference(
        partner_imports=(
            *(PartnerImport(c, "2025", 10000 * usual) for c in ("DE", "FR", "IT", "VN")),
            PartnerImport("KR", "2025", 10000 * usual + 500),
            PartnerImport("US", "2025", 10000 * usual - 300),
            PartnerImport("JP", "2025", Decimal("11600")),  # 16 %: 11 % over the usual
            PartnerImport("NL", "2025", Decimal("11400")),  # 14 %: 9 % over the usual
        )
    )
    found = ledger.alerts("mirror_gap", reference=partner)
    assert [a.evidence["country"] for a in found] == ["JP"]
    assert found[0].evidence["baseline_ratio"] == "1.0500"


def test_the_evidence_names_the_statistic_and_the_baseline() -> None:
    ledger = Ledger()
    ledger.lot("M", "IN", "100000", composition=ND)
    _plant_months(ledger, "P", [0.95, 0.95, 0.95, 0.95, 1.0])
    [alert] = ledger.alerts("yield_anomaly")
    for name in ("recovery", "baseline_recovery", "baseline_spread", "z", "alert_from_rise"):
        assert alert.evidence[name], name
