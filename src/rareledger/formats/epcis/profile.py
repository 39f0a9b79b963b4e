"""rareledger's EPCIS vocabulary: the identifiers, namespace and classification shared by
both directions of the mapping (see docs/epcis.md)."""

from __future__ import annotations

import re

from rareledger.formats.epcis.hashing import HASH_ID, HASH_PREFIX, HASH_SUFFIX

RL_NS = "urn:rareledger:epcis:"
RL = "rl"
LOT = "urn:rareledger:lot:"
ENTERPRISE = "urn:rareledger:enterprise:"
FACILITY = "urn:rareledger:facility:"
EVENT = "urn:rareledger:event:"
KILOGRAM = "KGM"
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_DERIVED = re.compile(r"sha256:([0-9a-f]{64})")

# (EPCIS event type, action, business step) -> rareledger event type
CLASSES: dict[tuple[str, str | None, str], str] = {
    ("ObjectEvent", "ADD", "commissioning"): "extraction",
    ("TransformationEvent", None, "commissioning"): "processing",
    ("ObjectEvent", "OBSERVE", "shipping"): "shipment",
    ("ObjectEvent", "OBSERVE", "receiving"): "receipt",
    ("ObjectEvent", "OBSERVE", "departing"): "export",
    ("ObjectEvent", "ADD", "receiving"): "import",
    ("ObjectEvent", "OBSERVE", "stock_taking"): "adjustment",
    ("ObjectEvent", "OBSERVE", "inspecting"): "customs_check",
}
TYPES = {native: key for key, native in CLASSES.items()}
DISPOSITIONS = {
    "extraction": "active",
    "processing": "active",
    "shipment": "in_transit",
    "receipt": "in_progress",
    "export": "in_transit",
    "import": "active",
    "adjustment": None,
    "customs_check": None,
}


def event_uri(event_id: str) -> str:
    """The EPCIS ``eventID`` of a rareledger event id (a URI as it is, a hash-derived id as
    its hash ID, anything else in the ``urn:rareledger:event:`` namespace)."""
    derived = _DERIVED.fullmatch(event_id)
    if derived:
        return f"{HASH_PREFIX}{derived.group(1)}{HASH_SUFFIX}"
    return event_id if _SCHEME.match(event_id) else EVENT + event_id


def event_id_of(uri: str) -> str:
    """The rareledger event id of an EPCIS ``eventID`` (the inverse of :func:`event_uri`)."""
    if uri.startswith(EVENT):
        return uri[len(EVENT) :]
    found = HASH_ID.fullmatch(uri)
    return f"sha256:{found.group(1)}" if found else uri


def derived_id(hash_id: str) -> str:
    """The event id given to an event captured without an ``eventID``."""
    found = HASH_ID.fullmatch(hash_id)
    assert found is not None
    return f"sha256:{found.group(1)}"
