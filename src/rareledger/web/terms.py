"""The names shown for the system's codes, in English (marked for translation).

Every code a page shows (forms, processes, event types, roles, finding and alert codes,
statuses, decisions, rejection rules...) has a name here; its Chinese name is in the Chinese
catalogue and listed in ``docs/glossary.md``. A test checks that every code of the
vocabularies has one.
"""

from __future__ import annotations

from rareledger.web.i18n import N_, gettext
from rareledger.web.rejections import REJECTION_NAMES

TERMS: dict[str, dict[str, str]] = {
    "form": {
        "ore": N_("ore"),
        "concentrate": N_("concentrate"),
        "mixed_compound": N_("mixed rare earth compound"),
        "oxide": N_("separated oxide"),
        "compound": N_("separated compound"),
        "metal": N_("rare earth metal"),
        "alloy": N_("rare earth alloy"),
        "target": N_("sputtering target"),
        "magnet": N_("permanent magnet"),
        "scrap": N_("scrap and secondary material"),
    },
    "process": {
        "beneficiation": N_("beneficiation"),
        "separation": N_("smelting and separation"),
        "metal_smelting": N_("metal smelting"),
        "alloying": N_("alloying"),
        "magnet_making": N_("magnet making"),
        "recycling": N_("recycling"),
        "other": N_("other process"),
    },
    "event": {
        "extraction": N_("extraction"),
        "processing": N_("processing"),
        "shipment": N_("sale and dispatch"),
        "receipt": N_("goods receipt"),
        "export": N_("export"),
        "import": N_("import"),
        "adjustment": N_("stocktake adjustment"),
        "correction": N_("correction"),
        "customs_check": N_("customs check"),
    },
    "enterprise_role": {
        "miner": N_("miner"),
        "separator": N_("separator"),
        "metal_smelter": N_("metal smelter"),
        "magnet_maker": N_("magnet maker"),
        "recycler": N_("recycler"),
        "trader": N_("trader"),
        "exporter": N_("exporter"),
        "importer": N_("importer"),
    },
    "account_role": {
        "regulator": N_("regulator"),
        "auditor": N_("auditor"),
        "customs": N_("customs"),
        "enterprise": N_("enterprise"),
        "anonymous": N_("public"),
    },
    "finding": {
        "negative_balance": N_("negative balance"),
        "mass_balance_excess": N_("mass balance excess"),
        "receipt_mismatch": N_("receipt mismatch"),
        "late_report": N_("late report"),
        "unlicensed_export": N_("unlicensed export"),
        "licence_exceeded": N_("licence exceeded"),
        "licence_scope_mismatch": N_("outside the licence's scope"),
        "licence_expired": N_("licence expired"),
        "misdeclared_goods": N_("misdeclared goods"),
        "watchlist_match": N_("watch-list match"),
        "duplicate_invoice": N_("duplicate invoice"),
        "tainted_export": N_("export of a lot with an open provenance problem"),
        "insufficient_holding": N_("exporter does not hold enough"),
        "provenance_gap": N_("gap in provenance"),
    },
    "alert": {
        "circular_trading": N_("circular trading"),
        "dormant_buyer": N_("buyer that never passes goods on"),
        "exporter_without_source": N_("exporter without a source"),
        "findings": N_("findings on reports"),
        "heading_mismatch": N_("tariff heading does not fit the goods"),
        "implausible_yield": N_("implausible yield"),
        "mirror_gap": N_("gap in partner statistics"),
        "quantity_mismatch": N_("quantity mismatch"),
        "quota_approaching": N_("quota nearly used"),
        "quota_exceeded": N_("quota exceeded"),
        "shipment_not_received": N_("shipment not received"),
        "split_consignments": N_("split consignments"),
        "under_invoicing": N_("under-invoicing"),
        "yield_anomaly": N_("recovery above the plant's normal"),
        "unexplained_output": N_("unexplained output"),
    },
    "case_status": {
        "open": N_("open"),
        "under_review": N_("under review"),
        "confirmed": N_("confirmed"),
        "dismissed": N_("dismissed"),
        "resolved": N_("resolved"),
    },
    "severity": {
        "high": N_("high"),
        "medium": N_("medium"),
        "low": N_("low"),
        "none": N_("none"),
    },
    "application_status": {
        "submitted": N_("submitted"),
        "approved": N_("approved"),
        "denied": N_("denied"),
        "info_requested": N_("information requested"),
        "revoked": N_("revoked"),
    },
    "decision": {
        "approved": N_("approve"),
        "denied": N_("deny"),
        "info_requested": N_("request information"),
        "revoked": N_("revoke"),
    },
    "licence_status": {
        "valid": N_("valid"),
        "revoked": N_("revoked"),
        "lapsed": N_("lapsed (used)"),
        "exhausted": N_("quantity used up"),
        "not_yet_valid": N_("not yet valid"),
        "expired": N_("expired"),
    },
    "licence_type": {"single": N_("single licence"), "general": N_("general licence")},
    "customs_decision": {
        "release": N_("release"),
        "hold": N_("hold"),
        "refer": N_("refer for inspection"),
    },
    "receipt_status": {
        "accepted": N_("accepted"),
        "duplicate": N_("duplicate (already recorded)"),
        "rejected": N_("rejected"),
    },
    "facility_kind": {"mine": N_("mine"), "plant": N_("plant"), "warehouse": N_("warehouse")},
    "quota_kind": {"mining": N_("mining"), "separation": N_("separation")},
    "adjustment_reason": {
        "stocktake": N_("stocktake"),
        "loss": N_("loss"),
        "sample": N_("sample"),
        "scrap_out": N_("scrapped"),
        "other": N_("other reason"),
    },
    "enterprise_status": {"active": N_("active"), "suspended": N_("suspended")},
    "element_group": {
        "light": N_("light rare earths (La–Pm)"),
        "medium": N_("medium rare earths (Sm–Gd)"),
        "heavy": N_("heavy rare earths (Tb–Lu, Y, Sc)"),
    },
    "stage": {
        "mine": N_("mines"),
        "import": N_("imports"),
        "separation": N_("separation"),
        "metal": N_("metals and alloys"),
        "magnet": N_("magnets"),
        "recycling": N_("recycling"),
        "export": N_("exports"),
        "~transit": N_("in transit"),
    },
}


def term(kind: str, code: object) -> str:
    """The name of a code in the current language (the code itself when it has none)."""
    text = str(code) if code is not None else ""
    label = TERMS.get(kind, {}).get(text)
    return gettext(label) if label else text


TERMS["holder_role"] = {
    **TERMS["enterprise_role"],
    "~transit": N_("in transit"),
    "unknown": N_("unregistered holder"),
}
TERMS["alert_or_finding"] = {**TERMS["finding"], **TERMS["alert"]}
TERMS["customs_note"] = {
    "not_controlled": N_("goods not controlled on the day"),
    "licence_covers": N_("covered by the licence"),
}
TERMS["customs_reason"] = {**TERMS["finding"], **TERMS["customs_note"]}  # hold, refer, release
TERMS["case_action"] = {
    "assign": N_("assigned"),
    "note": N_("note"),
    "status": N_("status changed"),
}
TERMS["trade_direction"] = {"sold_to": N_("sold to"), "bought_from": N_("bought from")}
TERMS["report_kind"] = {"annual": N_("annual report"), "monthly": N_("monthly report")}
TERMS["rejection"] = REJECTION_NAMES  # the rules a refused record broke (web/rejections.py)
