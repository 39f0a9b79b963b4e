"""The closed vocabularies of the reporting contract (spec sections 1-3).

Every enumeration a reporter may use is listed here once; validation, documentation and
tests all read these tuples.
"""

from __future__ import annotations

FORMS = (
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
)
EXTRACTION_FORMS = ("ore", "concentrate")

PROCESSES = (
    "beneficiation",
    "separation",
    "metal_smelting",
    "alloying",
    "magnet_making",
    "recycling",
    "other",
)

ROLES = (
    "miner",
    "separator",
    "metal_smelter",
    "magnet_maker",
    "recycler",
    "trader",
    "exporter",
    "importer",
)

ENTERPRISE_STATUSES = ("active", "suspended")
FACILITY_KINDS = ("mine", "plant", "warehouse")
QUOTA_KINDS = ("mining", "separation")
ADJUSTMENT_REASONS = ("stocktake", "loss", "sample", "scrap_out", "other")

EVENT_TYPES = (
    "extraction",
    "processing",
    "shipment",
    "receipt",
    "export",
    "import",
    "adjustment",
    "correction",
    "customs_check",  # extension: customs checks a proposed export (export control)
)
MASTER_TYPES = (
    "enterprise",
    "facility",
    "quota",
    # export control (spec section 5, and extensions)
    "control_regime",
    "licence_application",
    "licence_decision",
    "watchlist_entry",
    "epcis_event",  # extension: an EPCIS event outside rareledger's vocabulary (docs/epcis.md)
)

# Which roles may report which event type. ``None`` means any registered enterprise
# (subject to the event's own rule: a shipment by a holder, a receipt by the buyer,
# a correction by the corrected event's reporter).
REPORTING_ROLES: dict[str, frozenset[str] | None] = {
    "extraction": frozenset({"miner"}),
    "processing": frozenset({"separator", "metal_smelter", "magnet_maker", "recycler"}),
    "shipment": None,
    "receipt": None,
    "export": frozenset({"exporter"}),
    "import": frozenset({"importer"}),
    "adjustment": None,
    "correction": None,
    "customs_check": frozenset({"exporter"}),
}
