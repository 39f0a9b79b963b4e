"""The EPCIS 2.0 query interface's parameters (REST binding), read into an index filter."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from rareledger.formats.epcis.hashing import canonical_time
from rareledger.formats.epcis.identifiers import canonical_identifier, epc_to_digital_link
from rareledger.formats.epcis.index import canonical_code, canonical_id, party_type
from rareledger.formats.epcis.vocabulary import CODE_LISTS, EVENT_TYPES
from rareledger.store.epcis import EventFilter

MAX_PER_PAGE = 1000
DEFAULT_PER_PAGE = 100
MATCHES = {
    "MATCH_epc": ["epc"],
    "MATCH_parentID": ["parent"],
    "MATCH_inputEPC": ["input_epc"],
    "MATCH_outputEPC": ["output_epc"],
    "MATCH_anyEPC": ["epc", "parent", "input_epc", "output_epc"],
    "MATCH_epcClass": ["class"],
    "MATCH_inputEPCClass": ["input_class"],
    "MATCH_outputEPCClass": ["output_class"],
    "MATCH_anyEPCClass": ["class", "input_class", "output_class"],
}
RANGES = {
    "GE_eventTime": ("event_time", "GE"),
    "LT_eventTime": ("event_time", "LT"),
    "GE_recordTime": ("record_time", "GE"),
    "LT_recordTime": ("record_time", "LT"),
}
EQUALS = {
    "EQ_action": ("action", None),
    "EQ_bizStep": ("biz_step", CODE_LISTS["bizStep"]),
    "EQ_disposition": ("disposition", CODE_LISTS["disposition"]),
    "EQ_readPoint": ("read_point", None),
    "EQ_bizLocation": ("biz_location", None),
}
PAGING = ("perPage", "nextPageToken")
PARTY_PREFIXES = {
    "EQ_source_": ("source", "source"),
    "EQ_destination_": ("destination", "destination"),
    "EQ_bizTransaction_": ("bizTransaction", "bizTransaction"),
}


class QueryError(ValueError):
    """A query parameter that is not supported or not valid (the field and the rule)."""

    def __init__(self, field: str, message: str, value: Any = None) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message, self.value = field, message, value


def _values(raw: Sequence[str]) -> list[str]:
    """Values of a parameter: repeated, or pipe-delimited as the REST binding says."""
    return [v.strip() for item in raw for v in item.split("|") if v.strip()]


def _pattern(value: str) -> tuple[list[str], list[str]]:
    """(exact values, prefixes) for a MATCH_ value: an EPC pattern matches its class."""
    if value.startswith("urn:epc:idpat:"):
        found = epc_to_digital_link(value)
        if found is None:
            raise QueryError("MATCH_", "not a valid EPC pattern URI", value)
        return [found], [found + "/"]
    return [canonical_id(value)], []


def _time(name: str, value: str) -> str:
    found = canonical_time(value)
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", found):
        raise QueryError(name, "must be a date-time with an offset", value)
    return found


def _one(wanted: EventFilter, name: str, values: list[str]) -> None:
    if name == "eventType":
        unknown = [v for v in values if v not in EVENT_TYPES]
        if unknown:
            raise QueryError(name, f"must be among {', '.join(EVENT_TYPES)}", unknown[0])
        wanted.event_types = values
    elif name in RANGES:
        column, op = RANGES[name]
        wanted.ranges.append((column, op, _time(name, values[-1])))
    elif name in EQUALS:
        column, codes = EQUALS[name]
        if codes is not None:
            wanted.equal[column] = [canonical_code(v, codes) for v in values]
        elif column == "action":
            wanted.equal[column] = values
        else:
            wanted.equal[column] = [canonical_identifier(v) or v for v in values]
    elif name == "EQ_eventID":
        wanted.event_ids = values
    elif name in MATCHES:
        exact, prefixes = [], []
        for value in values:
            found_exact, found_prefixes = _pattern(value)
            exact += found_exact
            prefixes += found_prefixes
        wanted.keys.append((MATCHES[name], exact, prefixes))
    else:
        _party(wanted, name, values)


def _party(wanted: EventFilter, name: str, values: list[str]) -> None:
    for prefix, (kind, item) in PARTY_PREFIXES.items():
        if name.startswith(prefix) and len(name) > len(prefix):
            label = party_type(name[len(prefix) :], item)
            wanted.keys.append(([f"{kind}:{label}"], [canonical_id(v) for v in values], []))
            return
    raise QueryError(name, "is not a query parameter rareledger supports (docs/epcis.md)")


def read_query(params: Mapping[str, Sequence[str]]) -> tuple[EventFilter, int, str | None]:
    """The filter, the page size and the page token of a query's parameters."""
    wanted = EventFilter()
    for name, raw in params.items():
        if name in PAGING:
            continue
        values = _values(raw)
        if not values:
            raise QueryError(name, "needs a value")
        _one(wanted, name, values)
    per_page = DEFAULT_PER_PAGE
    if params.get("perPage"):
        text = params["perPage"][-1]
        if not text.isdigit() or not 1 <= int(text) <= MAX_PER_PAGE:
            raise QueryError("perPage", f"must be an integer from 1 to {MAX_PER_PAGE}", text)
        per_page = int(text)
    token = params["nextPageToken"][-1] if params.get("nextPageToken") else None
    return wanted, per_page, token
