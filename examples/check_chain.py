#!/usr/bin/env python3
"""Check examples/chain.jsonl against the reporting contract (reporting-v1), without rareledger.

Standard library only. Usage::

    python3 examples/check_chain.py [path/to/chain.jsonl]

It replays the file in order, the way the loader does, and stops nothing on the first problem: every
problem is listed, and the exit status is 1 if there was any. What it checks:

* every record has exactly the fields the contract knows, with the right shapes (identifiers,
  RFC 3339 times with an offset, masses > 0 with at most 3 decimals, compositions of known
  elements in [0, 1] summing to at most 1, ISO codes for countries and currencies);
* ids are unique: master-data ids, event ids, lot ids, licence application ids;
* references resolve: reporters, buyers, facilities (and that a facility is the reporter's), lots,
  shipments; roles may report the event type; extraction happens at one of the reporter's mines;
* no (lot, holder) balance ever goes negative; each shipment is received once, by its buyer, with
  exactly the shipped lots and masses, and nothing is left in transit at the end;
* every processing event holds, for every element, no more in its outputs than in its inputs
  (no tolerance here; the loader allows 2 %);
* events are in time order, ``occurred_at <= recorded_at``, and ``recorded_at`` is no later than the
  10th of the month after ``occurred_at`` (otherwise the loader flags ``late_report``);
* exports of controlled items name an approved licence that covers them (validity, destination,
  consignee, end user, end use, elements, HS code, remaining quantity); licence review <= 45
  working days; extraction and separation stay within the 2025 quotas (in t REO).

For every event it prints what moved, with element masses (kg of metal) and, for processing, an
element-by-element input/output table with the recovery.
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

Rec = dict[str, Any]

# fmt: off
ELEMENTS = [
    "La", "Ce", "Pr", "Nd", "Pm", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu",
    "Sc", "Y",
]
# fmt: on
# Standard atomic weights (IUPAC, abridged); oxide = customary oxide of the contract, section 1.
ATOMIC_WEIGHT = {
    "La": "138.905",
    "Ce": "140.116",
    "Pr": "140.908",
    "Nd": "144.242",
    "Pm": "145",
    "Sm": "150.36",
    "Eu": "151.964",
    "Gd": "157.25",
    "Tb": "158.925",
    "Dy": "162.500",
    "Ho": "164.930",
    "Er": "167.259",
    "Tm": "168.934",
    "Yb": "173.045",
    "Lu": "174.967",
    "Sc": "44.956",
    "Y": "88.906",
}
OXIDE_ATOMS = {"Ce": (1, 2), "Pr": (6, 11), "Tb": (4, 7)}  # all others are M2O3
OXYGEN = Decimal("15.999")


def oxide_factor(el: str) -> Decimal:
    m, o = OXIDE_ATOMS.get(el, (2, 3))
    metal = m * Decimal(ATOMIC_WEIGHT[el])
    return (metal + o * OXYGEN) / metal


FORMS = {
    "ore",
    "concentrate",
    "mixed_compound",
    "oxide",
    "compound",
    "metal",
    "alloy",
    "target",
    "magnet",
    "scrap",
}
PROCESSES = {
    "beneficiation",
    "separation",
    "metal_smelting",
    "alloying",
    "magnet_making",
    "recycling",
    "other",
}
ROLES = {
    "miner",
    "separator",
    "metal_smelter",
    "magnet_maker",
    "recycler",
    "trader",
    "exporter",
    "importer",
}
COUNTRIES = {"CN", "DE", "US", "JP", "KR", "VN", "MY", "TH", "MM", "AU", "FR", "IT", "NL", "GB"}
CURRENCIES = {"CNY", "USD", "EUR", "JPY", "KRW", "GBP"}
ADJUST_REASONS = {"stocktake", "loss", "sample", "scrap_out", "other"}
MAY_REPORT = {  # None: any registered enterprise that holds the lot
    "extraction": {"miner"},
    "processing": {"separator", "metal_smelter", "magnet_maker", "recycler"},
    "shipment": None,
    "receipt": None,
    "adjustment": None,
    "export": {"exporter"},
    "import": {"importer"},
}
# Control regimes in force in 2025 (domain sheet, section 3): Announcement No. 18 (4 Apr 2025).
# The October 2025 package (Ho Er Tm Eu Yb from 8 Nov 2025) was suspended on 7 Nov 2025, so it
# never took effect in 2025.
CONTROLLED_FROM = (date(2025, 4, 4), {"Sm", "Gd", "Tb", "Dy", "Lu", "Sc", "Y"})
REGULATOR_TZ = timezone(timedelta(hours=8))
MAX_REVIEW_WORKING_DAYS = 45

ID_RE = re.compile(r"^[A-Za-z0-9._:/-]{1,128}$")
MASS_RE = re.compile(r"^\d+(\.\d{1,3})?$")
DELTA_RE = re.compile(r"^-?\d+(\.\d{1,3})?$")
MONEY_RE = re.compile(r"^\d+(\.\d{1,2})?$")
TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
DATE_RE = re.compile(r"^\d{4}-\d\d-\d\d$")

EVENT_COMMON = {"type", "event_id", "reporter", "occurred_at"}
EVENT_OPTIONAL = {"facility_id", "note", "recorded_at"}
# type -> (required fields, optional fields), contract sections 2, 3 and 5
FIELDS: dict[str, tuple[set[str], set[str]]] = {
    "enterprise": ({"type", "id", "name", "country", "roles", "status"}, {"name_local"}),
    "facility": ({"type", "id", "enterprise_id", "kind", "name", "region"}, {"lat", "lon"}),
    "quota": ({"type", "id", "enterprise_id", "year", "kind", "reo_t"}, set()),
    "licence_application": (
        {
            "type",
            "application_id",
            "applicant",
            "licence_type",
            "items",
            "consignee",
            "end_user",
            "end_use",
            "destination_country",
            "contract_no",
            "submitted_at",
        },
        set(),
    ),
    "licence_decision": (
        {"type", "application_id", "decision", "decided_at"},
        {"licence_no", "valid_from", "valid_to", "items", "reason"},
    ),
    "extraction": (EVENT_COMMON | {"outputs"}, EVENT_OPTIONAL),
    "processing": (EVENT_COMMON | {"process", "inputs", "outputs"}, EVENT_OPTIONAL),
    "shipment": (
        EVENT_COMMON | {"buyer", "items", "value", "invoice_no"},
        EVENT_OPTIONAL | {"contract_no"},
    ),
    "receipt": (EVENT_COMMON | {"shipment_event_id", "items"}, EVENT_OPTIONAL),
    "export": (
        EVENT_COMMON
        | {
            "items",
            "destination_country",
            "consignee",
            "end_user",
            "end_use",
            "hs_code",
            "customs_declaration_no",
            "value",
        },
        EVENT_OPTIONAL | {"licence_no"},
    ),
    "import": (
        EVENT_COMMON | {"origin_country", "supplier", "outputs", "customs_declaration_no", "value"},
        EVENT_OPTIONAL,
    ),
    "adjustment": (EVENT_COMMON | {"lot_id", "delta_kg", "reason"}, EVENT_OPTIONAL),
}
LOT_OUT_FIELDS = {"lot_id", "form", "mass_kg", "composition"}
ITEM_FIELDS = {"lot_id", "mass_kg"}
MASTER = {"enterprise", "facility", "quota", "licence_application", "licence_decision"}


# --------------------------------------------------------------------------- helpers


def kg(x: Decimal) -> str:
    return f"{x:,.3f}"


def parse_time(s: str) -> datetime:
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


def working_days(start: date, end: date) -> int:
    """Monday-Friday days after start up to and including end (public holidays ignored)."""
    n, d = 0, start
    while d < end:
        d += timedelta(days=1)
        n += d.weekday() < 5
    return n


def report_deadline(occurred: datetime) -> datetime:
    """End of the 10th of the month after occurred_at, in occurred_at's own offset."""
    y, m = (occurred.year + 1, 1) if occurred.month == 12 else (occurred.year, occurred.month + 1)
    return datetime(y, m, 11, tzinfo=occurred.tzinfo)


@dataclass
class Lot:
    lot_id: str
    form: str
    composition: dict[str, Decimal]
    created_by: str


@dataclass
class State:
    problems: list[str] = field(default_factory=list)
    enterprises: dict[str, Rec] = field(default_factory=dict)
    facilities: dict[str, Rec] = field(default_factory=dict)
    quotas: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    lots: dict[str, Lot] = field(default_factory=dict)
    balance: dict[tuple[str, str], Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    shipments: dict[str, Rec] = field(default_factory=dict)
    in_transit: dict[str, list[Rec]] = field(default_factory=dict)
    event_ids: set[str] = field(default_factory=set)
    master_ids: set[tuple[str, str]] = field(default_factory=set)
    applications: dict[str, Rec] = field(default_factory=dict)
    licences: dict[str, dict[str, Any]] = field(default_factory=dict)
    reo_used: dict[tuple[str, str], Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    last_occurred: datetime | None = None
    context: str = ""

    def fail(self, msg: str) -> None:
        self.problems.append(f"{self.context}: {msg}")
        print(f"    !! {msg}")


def element_masses(st: State, items: Iterable[Rec]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = defaultdict(Decimal)
    for it in items:
        lot = st.lots.get(it["lot_id"])
        comp = lot.composition if lot else it.get("composition", {})
        for el, frac in comp.items():
            out[el] += Decimal(it["mass_kg"]) * Decimal(frac)
    return out


def fmt_elements(masses: dict[str, Decimal]) -> str:
    keys = [el for el in ELEMENTS if masses.get(el)]
    return ", ".join(f"{el} {kg(masses[el])}" for el in keys) or "-"


def reo(masses: dict[str, Decimal]) -> Decimal:
    return sum((m * oxide_factor(el) for el, m in masses.items()), Decimal(0))


# --------------------------------------------------------------------------- shape checks


def check_fields(st: State, rec: Rec) -> bool:
    typ = rec.get("type")
    if typ not in FIELDS:
        st.fail(f"unknown record type {typ!r}")
        return False
    required, optional = FIELDS[typ]
    missing = required - rec.keys()
    unknown = rec.keys() - required - optional
    if missing:
        st.fail(f"missing fields {sorted(missing)}")
    if unknown:
        st.fail(f"fields the contract does not know {sorted(unknown)}")
    return not missing


def check_id(st: State, what: str, value: Any) -> None:
    if not isinstance(value, str) or not ID_RE.match(value):
        st.fail(f"{what} {value!r} is not a valid identifier")


def check_time(st: State, what: str, value: Any) -> datetime | None:
    if not isinstance(value, str) or not TIME_RE.match(value):
        st.fail(f"{what} {value!r} is not RFC 3339 with an offset")
        return None
    return parse_time(value)


def check_mass(st: State, what: str, value: Any) -> Decimal:
    if not isinstance(value, str) or not MASS_RE.match(value) or Decimal(value) <= 0:
        st.fail(f"{what} {value!r} must be a decimal string > 0 with at most 3 decimals")
        return Decimal(0)
    return Decimal(value)


def check_composition(st: State, what: str, comp: Any) -> dict[str, Decimal]:
    if not isinstance(comp, dict):
        st.fail(f"{what} must be an object")
        return {}
    out: dict[str, Decimal] = {}
    for el, frac in comp.items():
        if el not in ELEMENTS:
            st.fail(f"{what}.{el}: unknown element")
        elif not isinstance(frac, Decimal) or not 0 <= frac <= 1:
            st.fail(f"{what}.{el}: {frac!r} is not a number in [0, 1]")
        else:
            out[el] = frac
    if sum(out.values(), Decimal(0)) > 1:
        st.fail(f"{what} sums to more than 1")
    return out


def check_money(st: State, what: str, value: Any) -> None:
    ok = (
        isinstance(value, dict)
        and set(value) == {"amount", "currency"}
        and isinstance(value["amount"], str)
        and MONEY_RE.match(value["amount"])
        and value["currency"] in CURRENCIES
    )
    if not ok:
        st.fail(f"{what} {value!r} is not money")


def check_party(st: State, what: str, value: Any, need_address: bool = False) -> None:
    allowed = {"name", "country", "address"} if need_address else {"name", "country"}
    if not isinstance(value, dict) or not {"name", "country"} <= value.keys() <= allowed:
        st.fail(f"{what} must have name, country" + (" (address optional)" if need_address else ""))
    elif value["country"] not in COUNTRIES:
        st.fail(f"{what}.country {value['country']!r} unknown")


def check_items(st: State, items: Any, holder: str | None) -> list[Rec]:
    """Items exist, masses are valid; with a holder, the holder must hold that much now."""
    if not isinstance(items, list) or not items:
        st.fail("items/inputs must be a non-empty list")
        return []
    for i, it in enumerate(items):
        if set(it) != ITEM_FIELDS:
            st.fail(f"items[{i}] must have exactly lot_id, mass_kg")
            continue
        check_mass(st, f"items[{i}].mass_kg", it["mass_kg"])
        if it["lot_id"] not in st.lots:
            st.fail(f"items[{i}]: unknown lot {it['lot_id']}")
        elif holder is not None:
            held = st.balance[(it["lot_id"], holder)]
            if Decimal(it["mass_kg"]) > held:
                st.fail(f"{holder} takes {it['mass_kg']} kg of {it['lot_id']} but holds {kg(held)}")
    return items


def take(st: State, items: list[Rec], holder: str) -> None:
    for it in items:
        st.balance[(it["lot_id"], holder)] -= Decimal(it["mass_kg"])
        if st.balance[(it["lot_id"], holder)] < 0:
            st.fail(f"negative balance of {it['lot_id']} at {holder}")


def give(st: State, items: list[Rec], holder: str) -> None:
    for it in items:
        st.balance[(it["lot_id"], holder)] += Decimal(it["mass_kg"])


def create_lots(st: State, outputs: Any, reporter: str, forms: set[str]) -> list[Rec]:
    if not isinstance(outputs, list) or not outputs:
        st.fail("outputs must be a non-empty list")
        return []
    for i, out in enumerate(outputs):
        if set(out) != LOT_OUT_FIELDS:
            st.fail(f"outputs[{i}] must have exactly {sorted(LOT_OUT_FIELDS)}")
            continue
        check_id(st, f"outputs[{i}].lot_id", out["lot_id"])
        if out["lot_id"] in st.lots:
            st.fail(f"outputs[{i}]: lot {out['lot_id']} already exists")
            continue
        if out["form"] not in forms:
            st.fail(f"outputs[{i}].form {out['form']!r} not allowed here")
        check_mass(st, f"outputs[{i}].mass_kg", out["mass_kg"])
        comp = check_composition(st, f"outputs[{i}].composition", out["composition"])
        st.lots[out["lot_id"]] = Lot(out["lot_id"], out["form"], comp, st.context)
        st.balance[(out["lot_id"], reporter)] += Decimal(out["mass_kg"])
    return outputs


# --------------------------------------------------------------------------- master data


def on_enterprise(st: State, rec: Rec) -> None:
    check_id(st, "id", rec["id"])
    if rec["country"] not in COUNTRIES:
        st.fail(f"country {rec['country']!r} unknown")
    if not rec["roles"] or not set(rec["roles"]) <= ROLES:
        st.fail(f"roles {rec['roles']!r} invalid")
    if rec["status"] not in {"active", "suspended"}:
        st.fail(f"status {rec['status']!r} invalid")
    if rec["country"] == "CN" and len(rec["id"]) != 18:
        st.fail("a Chinese enterprise id should be an 18-character unified social credit code")
    st.enterprises[rec["id"]] = rec
    print(f"  enterprise {rec['id']}  {rec['name']}  {rec['country']} {rec['roles']}")


def on_facility(st: State, rec: Rec) -> None:
    check_id(st, "id", rec["id"])
    if rec["enterprise_id"] not in st.enterprises:
        st.fail(f"unknown enterprise {rec['enterprise_id']}")
    if rec["kind"] not in {"mine", "plant", "warehouse"}:
        st.fail(f"kind {rec['kind']!r} invalid")
    st.facilities[rec["id"]] = rec
    print(f"  facility   {rec['id']}  {rec['kind']:<9} of {rec['enterprise_id']}  {rec['region']}")


def on_quota(st: State, rec: Rec) -> None:
    if rec["enterprise_id"] not in st.enterprises:
        st.fail(f"unknown enterprise {rec['enterprise_id']}")
    if rec["kind"] not in {"mining", "separation"}:
        st.fail(f"kind {rec['kind']!r} invalid")
    st.quotas[(rec["enterprise_id"], rec["kind"])] = Decimal(str(rec["reo_t"]))
    print(f"  quota      {rec['id']}  {rec['kind']} {rec['reo_t']} t REO for {rec['year']}")


def check_licence_items(st: State, items: Any) -> None:
    keys = {"form", "elements", "description", "hs_code", "quantity_kg"}
    if not isinstance(items, list) or not items:
        st.fail("licence items must be a non-empty list")
        return
    for i, it in enumerate(items):
        if set(it) != keys:
            st.fail(f"items[{i}] must have exactly {sorted(keys)}")
            continue
        if it["form"] not in FORMS or not set(it["elements"]) <= set(ELEMENTS):
            st.fail(f"items[{i}]: bad form or elements")
        check_mass(st, f"items[{i}].quantity_kg", it["quantity_kg"])


def on_application(st: State, rec: Rec) -> None:
    check_id(st, "application_id", rec["application_id"])
    applicant = st.enterprises.get(rec["applicant"])
    if not applicant or "exporter" not in applicant["roles"]:
        st.fail(f"applicant {rec['applicant']} is not a registered exporter")
    if rec["licence_type"] not in {"single", "general"}:
        st.fail(f"licence_type {rec['licence_type']!r} invalid")
    check_licence_items(st, rec["items"])
    check_party(st, "consignee", rec["consignee"], need_address=True)
    check_party(st, "end_user", rec["end_user"])
    check_time(st, "submitted_at", rec["submitted_at"])
    st.applications[rec["application_id"]] = rec
    print(
        f"  licence application {rec['application_id']} by {rec['applicant']}: "
        f"{rec['licence_type']}, {rec['items'][0]['quantity_kg']} kg to "
        f"{rec['destination_country']}"
    )


def on_decision(st: State, rec: Rec) -> None:
    app = st.applications.get(rec["application_id"])
    decided = check_time(st, "decided_at", rec["decided_at"])
    if app is None or decided is None:
        st.fail(f"decision for unknown application {rec['application_id']}")
        return
    wd = working_days(
        parse_time(app["submitted_at"]).astimezone(REGULATOR_TZ).date(),
        decided.astimezone(REGULATOR_TZ).date(),
    )
    if wd > MAX_REVIEW_WORKING_DAYS:
        st.fail(f"review took {wd} working days (> {MAX_REVIEW_WORKING_DAYS})")
    if rec["decision"] != "approved":
        print(f"  licence decision {rec['application_id']}: {rec['decision']}")
        return
    check_licence_items(st, rec.get("items"))
    frm, to = date.fromisoformat(rec["valid_from"]), date.fromisoformat(rec["valid_to"])
    limit_days = 366 if app["licence_type"] == "single" else 3 * 366
    if not frm <= to or (to - frm).days >= limit_days:
        st.fail(f"validity {frm}..{to} too long for a {app['licence_type']} licence")
    st.licences[rec["licence_no"]] = {
        "app": app,
        "from": frm,
        "to": to,
        "lapsed": False,
        "left": sum(Decimal(i["quantity_kg"]) for i in rec["items"]),
        "elements": {e for i in rec["items"] for e in i["elements"]},
        "hs": {i["hs_code"] for i in rec["items"]},
    }
    print(
        f"  licence decision {rec['application_id']}: approved as {rec['licence_no']}, "
        f"valid {frm}..{to}, {wd} working days of review"
    )


# --------------------------------------------------------------------------- events


def on_extraction(st: State, ev: Rec) -> None:
    fac = st.facilities.get(ev.get("facility_id", ""))
    if not fac or fac["kind"] != "mine":
        st.fail("extraction must happen at one of the reporter's mines")
    outs = create_lots(st, ev["outputs"], ev["reporter"], {"ore", "concentrate"})
    masses = element_masses(st, outs)
    st.reo_used[(ev["reporter"], "mining")] += reo(masses) / 1000
    for o in outs:
        lot_reo = reo(element_masses(st, [o])) / Decimal(o["mass_kg"]) * 100
        print(
            f"    + {o['lot_id']} {o['form']} {kg(Decimal(o['mass_kg']))} kg "
            f"({lot_reo:.1f} % REO) -> held by miner"
        )
    print(f"    elements mined (kg): {fmt_elements(masses)}")
    print(f"    REO equivalent: {reo(masses) / 1000:.3f} t")


def on_processing(st: State, ev: Rec) -> None:
    if ev["process"] not in PROCESSES:
        st.fail(f"process {ev['process']!r} unknown")
    inputs = check_items(st, ev["inputs"], ev["reporter"])
    masses_in = element_masses(st, inputs)
    take(st, inputs, ev["reporter"])
    outs = create_lots(st, ev["outputs"], ev["reporter"], FORMS)
    masses_out = element_masses(st, outs)
    if ev["process"] == "separation":
        st.reo_used[(ev["reporter"], "separation")] += reo(masses_in) / 1000
    in_kg = sum((Decimal(i["mass_kg"]) for i in inputs), Decimal(0))
    out_kg = sum((Decimal(o["mass_kg"]) for o in outs), Decimal(0))
    print(
        f"    {ev['process']}: {len(inputs)} input lot(s) {kg(in_kg)} kg -> "
        f"{len(outs)} output lot(s) {kg(out_kg)} kg"
    )
    for out in outs:
        print(
            f"    + {out['lot_id']:<26} {out['form']:<14} {kg(Decimal(out['mass_kg'])):>12} kg  "
            f"{ {k: float(v) for k, v in out['composition'].items()} }"
        )
    print(f"    {'element':<8}{'in (kg)':>14}{'out (kg)':>14}{'recovery':>10}")
    for el in ELEMENTS:
        i, o = masses_in.get(el, Decimal(0)), masses_out.get(el, Decimal(0))
        if not i and not o:
            continue
        rec = f"{o / i * 100:.2f} %" if i else "n/a"
        flag = "" if o <= i else "   <-- OUTPUT EXCEEDS INPUT"
        print(f"    {el:<8}{kg(i):>14}{kg(o):>14}{rec:>10}{flag}")
        if o > i:
            st.fail(f"element {el}: outputs {kg(o)} kg > inputs {kg(i)} kg")
    total_in = sum(masses_in.values(), Decimal(0))
    total_out = sum(masses_out.values(), Decimal(0))
    print(f"    {'total RE':<8}{kg(total_in):>14}{kg(total_out):>14}")


def on_shipment(st: State, ev: Rec) -> None:
    buyer = st.enterprises.get(ev["buyer"])
    if buyer is None:
        st.fail(f"unknown buyer {ev['buyer']}")
    check_money(st, "value", ev["value"])
    items = check_items(st, ev["items"], ev["reporter"])
    take(st, items, ev["reporter"])
    st.shipments[ev["event_id"]] = ev
    st.in_transit[ev["event_id"]] = items
    for it in items:
        print(f"    {it['lot_id']} {kg(Decimal(it['mass_kg']))} kg -> in transit to {ev['buyer']}")
    print(f"    elements shipped (kg): {fmt_elements(element_masses(st, items))}")
    value = ev["value"]
    print(f"    value {value['amount']} {value['currency']}, invoice {ev['invoice_no']}")


def on_receipt(st: State, ev: Rec) -> None:
    ship = st.shipments.get(ev["shipment_event_id"])
    if ship is None:
        st.fail(f"unknown shipment {ev['shipment_event_id']}")
        return
    if ship["buyer"] != ev["reporter"]:
        st.fail(f"receipt by {ev['reporter']}, but the buyer is {ship['buyer']}")
    transit = st.in_transit.pop(ev["shipment_event_id"], None)
    if transit is None:
        st.fail("shipment already received")
        return
    items = check_items(st, ev["items"], None)
    got = sorted((i["lot_id"], Decimal(i["mass_kg"])) for i in items)
    sent = sorted((i["lot_id"], Decimal(i["mass_kg"])) for i in transit)
    if got != sent:
        st.fail(f"received {got} but shipped {sent}")
    give(st, items, ev["reporter"])
    for it in items:
        print(
            f"    {it['lot_id']} {kg(Decimal(it['mass_kg']))} kg received "
            f"(shipped {kg(dict(sent).get(it['lot_id'], Decimal(0)))} kg)"
        )


def controlled_elements(st: State, items: list[Rec], day: date) -> set[str]:
    start, elements = CONTROLLED_FROM
    if day < start:
        return set()
    return {el for it in items for el in st.lots[it["lot_id"]].composition} & elements


def check_licence(st: State, ev: Rec, controlled: set[str], mass: Decimal, day: date) -> None:
    lic = st.licences.get(ev.get("licence_no", ""))
    if lic is None:
        st.fail(
            f"controlled elements {sorted(controlled)} but no approved licence "
            f"{ev.get('licence_no')!r}"
        )
        return
    app = lic["app"]
    checks = {
        "not lapsed": not lic["lapsed"],
        "validity": lic["from"] <= day <= lic["to"],
        "destination": app["destination_country"] == ev["destination_country"],
        "consignee": app["consignee"] == ev["consignee"],
        "end user": app["end_user"] == ev["end_user"],
        "end use": app["end_use"] == ev["end_use"],
        "elements": controlled == lic["elements"],
        "hs code": ev["hs_code"] in lic["hs"],
        "quantity": mass <= lic["left"],
    }
    for name, ok in checks.items():
        if not ok:
            st.fail(f"licence {ev['licence_no']}: {name} does not match")
    lic["left"] -= mass
    lic["lapsed"] = app["licence_type"] == "single"
    print(
        f"    licence {ev['licence_no']} covers it: "
        + ", ".join(f"{k} ok" for k, ok in checks.items() if ok)
        + f"; {kg(lic['left'])} kg left"
        + (", now lapsed (single)" if lic["lapsed"] else "")
    )


def on_export(st: State, ev: Rec) -> None:
    check_money(st, "value", ev["value"])
    check_party(st, "consignee", ev["consignee"], need_address=True)
    check_party(st, "end_user", ev["end_user"])
    if ev["destination_country"] not in COUNTRIES:
        st.fail(f"destination_country {ev['destination_country']!r} unknown")
    items = check_items(st, ev["items"], ev["reporter"])
    take(st, items, ev["reporter"])
    mass = sum((Decimal(i["mass_kg"]) for i in items), Decimal(0))
    day = parse_time(ev["occurred_at"]).astimezone(REGULATOR_TZ).date()
    for it in items:
        print(
            f"    {it['lot_id']} {kg(Decimal(it['mass_kg']))} kg exported to "
            f"{ev['destination_country']} ({ev['consignee']['name']})"
        )
    print(f"    elements exported (kg): {fmt_elements(element_masses(st, items))}")
    controlled = controlled_elements(st, items, day)
    print(
        f"    controlled on {day}: {sorted(controlled) or 'nothing'}; value "
        f"{ev['value']['amount']} {ev['value']['currency']}"
    )
    if controlled:
        check_licence(st, ev, controlled, mass, day)


def on_adjustment(st: State, ev: Rec) -> None:
    if ev["reason"] not in ADJUST_REASONS:
        st.fail(f"reason {ev['reason']!r} invalid")
    delta = ev["delta_kg"]
    if not isinstance(delta, str) or not DELTA_RE.match(delta) or Decimal(delta) == 0:
        st.fail(f"delta_kg {delta!r} must be a non-zero signed decimal with at most 3 decimals")
        return
    key = (ev["lot_id"], ev["reporter"])
    if ev["lot_id"] not in st.lots:
        st.fail(f"unknown lot {ev['lot_id']}")
        return
    before = st.balance[key]
    st.balance[key] += Decimal(delta)
    if st.balance[key] < 0:
        st.fail(f"adjustment takes {ev['lot_id']} below zero ({kg(st.balance[key])} kg)")
    after = st.balance[key]
    print(f"    {ev['lot_id']}: {kg(before)} kg {delta} kg ({ev['reason']}) = {kg(after)} kg")
    print(
        f"    elements (kg): "
        f"{fmt_elements(element_masses(st, [{'lot_id': ev['lot_id'], 'mass_kg': delta}]))}"
    )


HANDLERS: dict[str, Callable[[State, Rec], None]] = {
    "enterprise": on_enterprise,
    "facility": on_facility,
    "quota": on_quota,
    "licence_application": on_application,
    "licence_decision": on_decision,
    "extraction": on_extraction,
    "processing": on_processing,
    "shipment": on_shipment,
    "receipt": on_receipt,
    "export": on_export,
    "adjustment": on_adjustment,
}


def check_event_header(st: State, ev: Rec) -> None:
    if ev["event_id"] in st.event_ids:
        st.fail(f"event_id {ev['event_id']} used twice")
    st.event_ids.add(ev["event_id"])
    check_id(st, "event_id", ev["event_id"])
    reporter = st.enterprises.get(ev["reporter"])
    allowed = MAY_REPORT.get(ev["type"])
    if reporter is None:
        st.fail(f"unknown reporter {ev['reporter']}")
    elif allowed is not None and not allowed & set(reporter["roles"]):
        st.fail(f"roles {reporter['roles']} may not report {ev['type']}")
    fac = ev.get("facility_id")
    if fac is not None and st.facilities.get(fac, {}).get("enterprise_id") != ev["reporter"]:
        st.fail(f"facility {fac} is not the reporter's")
    check_timing(st, ev)


def check_timing(st: State, ev: Rec) -> None:
    occurred = check_time(st, "occurred_at", ev["occurred_at"])
    recorded = check_time(st, "recorded_at", ev.get("recorded_at"))
    if occurred is None or recorded is None:
        return
    if st.last_occurred and occurred < st.last_occurred:
        st.fail("events are not in time order")
    st.last_occurred = occurred
    deadline = report_deadline(occurred)
    if occurred > recorded:
        st.fail("occurred_at is after recorded_at")
    if recorded >= deadline:
        last_day = deadline - timedelta(days=1)
        st.fail(f"recorded {recorded} is after {last_day:%Y-%m-%d} (late_report)")
    print(
        f"    occurred {occurred:%Y-%m-%d %H:%M%z}, recorded {recorded:%Y-%m-%d %H:%M%z}, "
        f"deadline {deadline - timedelta(days=1):%Y-%m-%d}: on time"
    )


def check_master_id(st: State, rec: Rec) -> None:
    key = (
        rec["type"],
        rec.get("id")
        or rec["application_id"]
        + (":" + rec["decided_at"] if rec["type"] == "licence_decision" else ""),
    )
    if key in st.master_ids:
        st.fail(f"{key[0]} id {key[1]} used twice")
    st.master_ids.add(key)


def process(st: State, lineno: int, rec: Rec) -> None:
    typ = rec.get("type")
    rid = rec.get("event_id") or rec.get("id") or rec.get("application_id")
    st.context = f"line {lineno} ({typ} {rid})"
    if typ not in MASTER:
        print(f"\n[{lineno:>2}] {typ} {rec.get('event_id')} by {rec.get('reporter')}")
    elif st.event_ids:
        print(f"\n[{lineno:>2}] {typ} (master data)")
    if not check_fields(st, rec):
        return
    if typ in MASTER:
        check_master_id(st, rec)
    else:
        check_event_header(st, rec)
    HANDLERS[str(typ)](st, rec)


# --------------------------------------------------------------------------- summary


def final_checks(st: State) -> None:
    st.context = "end of file"
    for sid in st.in_transit:
        st.fail(f"shipment {sid} was never received")
    holders: set[str] = {h for (_, h) in st.balance}
    lot_ids = {lot for (lot, _) in st.balance}
    if len(lot_ids) != len(st.lots):
        st.fail("lot bookkeeping inconsistent")
    print("\nClosing balances per holder (kg of lot, and kg of rare earth element):")
    for holder in sorted(holders, key=lambda h: list(st.enterprises).index(h)):
        rows = [(lot, m) for (lot, h), m in st.balance.items() if h == holder and m]
        if not rows:
            continue
        print(f"  {holder}  {st.enterprises[holder]['name']}")
        for lot, m in sorted(rows):
            if m < 0:
                st.fail(f"negative closing balance {lot} at {holder}")
            els = element_masses(st, [{"lot_id": lot, "mass_kg": str(m)}])
            print(f"    {lot:<26} {kg(m):>12} kg   {fmt_elements(els)}")
    print("\nQuotas (t REO, 2025):")
    for (ent, kind), used in sorted(st.reo_used.items()):
        quota = st.quotas.get((ent, kind))
        if quota is None or used > quota:
            st.context = f"quota {ent} {kind}"
            st.fail(f"{used:.3f} t REO used, quota {quota}")
        print(f"  {ent} {kind:<10} used {used:9.3f} of {quota} t REO")


def load(path: Path, st: State) -> int:
    n = 0
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        st.context = f"line {lineno}"
        try:
            rec = json.loads(line, parse_float=Decimal)
        except json.JSONDecodeError as exc:
            st.fail(f"malformed JSON: {exc}")
            continue
        if not isinstance(rec, dict):
            st.fail("a line must hold one JSON object")
            continue
        process(st, lineno, rec)
        n += 1
    return n


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else Path(__file__).with_name("chain.jsonl")
    st = State()
    print(f"Checking {path}\n\nMaster data:")
    n = load(path, st)
    final_checks(st)
    events = len(st.event_ids)
    print(f"\n{n} records: {n - events} master data, {events} events, {len(st.lots)} lots created.")
    if st.problems:
        print(f"FAIL: {len(st.problems)} problem(s):")
        for p in st.problems:
            print(f"  - {p}")
        return 1
    print("PASS: no problems; the chain should load with no rejections and no findings.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
