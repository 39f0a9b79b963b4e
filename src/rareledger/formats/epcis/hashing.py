"""The EPCIS Event Hash ID (CBV 2.0, section 8.9): a fingerprint of an event's content.

The pre-hash string walks the event in the canonical order (the what, when, where and why
fields, then ILMD and extensions), writes every value in one canonical spelling (UTC times
with milliseconds, numbers without trailing zeros, CBV values and compact IRIs as Web URIs,
GS1 identifiers as canonical Digital Link URIs), sorts every unordered list and every
group of extension entries by code point, and leaves out what does not describe the event
(``eventID``, ``recordTime``, ``errorDeclaration``, comments). The hash ID is the SHA-256 of
that string as an RFC 6920 ``ni`` URI.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

from rareledger.formats.epcis.identifiers import canonical_identifier
from rareledger.formats.epcis.vocabulary import (
    CBV_URNS,
    CODE_LISTS,
    STANDARD_PREFIXES,
    TYPE_LISTS,
    web_uri,
)

HASH_PREFIX = "ni:///sha-256;"
HASH_SUFFIX = "?ver=CBV2.0"
HASH_ID = re.compile(r"ni:///sha-256;([0-9a-f]{64})\?ver=CBV2\.0")

COMMENTS = frozenset({"rdfs:comment", "comment", "@context"})
NOT_HASHED = COMMENTS | {"type", "eventID", "recordTime", "errorDeclaration"}
ID_LISTS = ("epcList", "inputEPCList", "childEPCs")
QUANTITY_LISTS = ("quantityList", "childQuantityList", "inputQuantityList")
QUANTITY_FIELDS = ("epcClass", "quantity", "uom")
PARTY_LISTS = {
    "bizTransactionList": "bizTransaction",
    "sourceList": "source",
    "destinationList": "destination",
}
METADATA_FIELDS = (
    "time",
    "startTime",
    "endTime",
    "deviceID",
    "deviceMetadata",
    "rawData",
    "dataProcessingMethod",
    "bizRules",
)
REPORT_FIELDS = (
    "type",
    "exception",
    "deviceID",
    "deviceMetadata",
    "rawData",
    "dataProcessingMethod",
    "time",
    "microorganism",
    "chemicalSubstance",
    "value",
    "component",
    "stringValue",
    "booleanValue",
    "hexBinaryValue",
    "uriValue",
    "minValue",
    "maxValue",
    "meanValue",
    "sDev",
    "percRank",
    "percValue",
    "uom",
    "coordinateReferenceSystem",
)
_TIME = re.compile(r"(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|z|[+-]\d\d:\d\d)")


@dataclass(frozen=True, slots=True)
class EpcisEvent:
    """One EPCIS event as JSON-LD (keys compacted with ``namespaces``), whatever the binding
    it arrived in. ``ignored`` names fields the document asked to leave out of the hash."""

    data: dict[str, Any]
    namespaces: Mapping[str, str] = field(default_factory=dict)
    ignored: frozenset[str] = frozenset()
    # The prefixes that compact IRIs in values may use: in JSON-LD the context's, in XML
    # (where a value is plain text) only the GS1 vocabularies' (None: the namespaces).
    value_prefixes: Mapping[str, str] | None = None

    @property
    def type(self) -> str:
        return str(self.data.get("type", ""))


def hash_id(event: EpcisEvent) -> str:
    """The event's hash ID, ``ni:///sha-256;<hex>?ver=CBV2.0``."""
    digest = hashlib.sha256(prehash(event).encode()).hexdigest()
    return f"{HASH_PREFIX}{digest}{HASH_SUFFIX}"


def prehash(event: EpcisEvent) -> str:
    """The canonical pre-hash string of one event."""
    return _Canon(event).event()


def text_of(value: Any) -> str:
    """A JSON scalar as the text the hash sees (booleans in lower case, as in XML)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def canonical_time(text: str) -> str:
    """An RFC 3339 time in UTC with exactly three decimals (rounded half up), e.g.
    ``2023-02-02T11:04:03.142Z``; text that is not a time is returned as it is."""
    match = _TIME.fullmatch(text.strip())
    if match is None:
        return text.strip()
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    if offset in ("Z", "z"):
        zone = UTC
    else:
        sign = -1 if offset[0] == "-" else 1
        zone = timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])))
    try:
        moment = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), tzinfo=zone
        )
    except ValueError:
        return text.strip()
    if fraction is None or len(fraction) <= 3:
        millis = int((fraction or "0").ljust(3, "0"))
    else:
        rounded = Decimal(f"0.{fraction}").quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
        millis = int(rounded * 1000)
    moment = (moment + timedelta(milliseconds=millis)).astimezone(UTC)
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment.hour:02d}:"
        f"{moment.minute:02d}:{moment.second:02d}.{moment.microsecond // 1000:03d}Z"
    )


def canonical_number(text: str) -> str:
    """A numeric text without leading or trailing zeros (as a double, shortest form)."""
    if not text or not (text[0].isdigit() or text[0] in "+-."):
        return text
    try:
        number = float(text)
    except ValueError:
        return text
    if not math.isfinite(number):
        return text
    return str(int(number)) if number.is_integer() else repr(number)


@lru_cache(maxsize=65536)
def _canonical_text(text: str) -> str:
    """CBV URNs as Web URIs, numbers without trailing zeros, GS1 identifiers as canonical
    Digital Links (cached: the same values recur from event to event)."""
    if text.startswith("urn:epcglobal:cbv:"):
        for urn, web in CBV_URNS:
            if text.startswith(urn):
                text = web + text[len(urn) :]
    text = canonical_number(text)
    if text.startswith(("urn:epc:", "http")):
        return canonical_identifier(text) or text
    return text


cached_time = lru_cache(maxsize=65536)(canonical_time)


class _Canon:
    """Writes one event's pre-hash string."""

    def __init__(self, event: EpcisEvent) -> None:
        self.data = event.data
        self.namespaces = {**STANDARD_PREFIXES, **event.namespaces}
        self.value_prefixes = (
            self.namespaces if event.value_prefixes is None else event.value_prefixes
        )
        self.ignored = event.ignored
        self.leftovers: list[str] = []

    # ------------------------------------------------------------------ values

    def name(self, key: str) -> str:
        """An extension key as ``{namespace}local``; a standard key as it is."""
        prefix, sep, local = key.partition(":")
        if sep and prefix in self.namespaces and not local.startswith("//"):
            return "{" + self.namespaces[prefix] + "}" + local
        return key

    def value(self, raw: Any, codes: tuple[frozenset[str], str] | None = None) -> str:
        text = text_of(raw).strip()
        if codes is not None:
            text = web_uri(text, codes)
        prefix, sep, local = text.partition(":")
        if sep and prefix in self.value_prefixes and not local.startswith("//"):
            text = self.value_prefixes[prefix] + local
        return _canonical_text(text)

    def pair(self, key: str, raw: Any, codes: tuple[frozenset[str], str] | None = None) -> str:
        """``key=value``, or "" when the value is empty."""
        if "time" in key.lower() and "offset" not in key.lower():
            text = cached_time(text_of(raw))
        else:
            text = self.value(raw, codes)
        return f"{key}={text}" if text else ""

    # ------------------------------------------------------------------ the event

    def event(self) -> str:
        data = self.data
        parts = [f"eventType={data.get('type', '')}"]
        for key in ("eventTime", "eventTimeZoneOffset"):
            if key in data:
                parts.append(self.pair(key, data[key]))
        parts.append(self.repeated("certificationInfo", data.get("certificationInfo")))
        if "parentID" in data:
            parts.append(self.pair("parentID", data["parentID"]))
        parts.extend(self.ids(name) for name in ID_LISTS)
        parts.extend(self.quantities(name) for name in QUANTITY_LISTS)
        parts.append(self.ids("outputEPCList"))
        parts.append(self.quantities("outputQuantityList"))
        for key in ("action", "transformationID", "bizStep", "disposition"):
            if key in data:
                parts.append(self.pair(key, data[key], CODE_LISTS.get(key)))
        parts.append(self.persistent(data.get("persistentDisposition")))
        parts.extend(self.place(key) for key in ("readPoint", "bizLocation"))
        parts.append(self.sensors(data.get("sensorElementList")))
        parts.append(self.rest(self.leftovers))
        return "".join(parts)

    def repeated(self, key: str, raw: Any) -> str:
        values = raw if isinstance(raw, list) else ([] if raw is None else [raw])
        return "".join(sorted(p for p in (self.pair(key, v) for v in values) if p))

    def ids(self, key: str) -> str:
        values = self.data.get(key) or []
        found = sorted(p for p in (self.pair("epc", v) for v in values) if p)
        return key + "".join(found) if found else ""

    def quantities(self, key: str) -> str:
        found = []
        for element in self.data.get(key) or []:
            if isinstance(element, dict):
                inner = "".join(self.pair(k, element[k]) for k in QUANTITY_FIELDS if k in element)
                if inner:
                    found.append("quantityElement" + inner)
        return key + "".join(sorted(found)) if found else ""

    def persistent(self, raw: Any) -> str:
        if not isinstance(raw, dict):
            return ""
        inner = "".join(
            "".join(sorted(self.pair(key, v, CODE_LISTS[key]) for v in _listed(raw.get(key))))
            for key in ("set", "unset")
        )
        return "persistentDisposition" + inner if inner else ""

    def place(self, key: str) -> str:
        raw = self.data.get(key)
        if not isinstance(raw, dict):
            return ""
        inner = self.pair("id", raw["id"]) if "id" in raw else ""
        extra, left = self.extensions(raw, ("id",))
        if left:
            self.leftovers.append(key + "".join(sorted(left)))
        return key + inner + extra if inner or extra else ""

    def sensors(self, raw: Any) -> str:
        """The sensor elements; fields that are neither standard nor namespaced extensions
        are left over, to the end of the pre-hash string, under their parents' names."""
        elements, left_elements = [], []
        for element in _listed(raw):
            if not isinstance(element, dict):
                continue
            meta, left = self.block(
                "sensorMetadata", element.get("sensorMetadata"), METADATA_FIELDS
            )
            reports = [
                self.block("sensorReport", report, REPORT_FIELDS)
                for report in _listed(element.get("sensorReport"))
            ]
            extra, left_here = self.extensions(element, ("sensorMetadata", "sensorReport"))
            inner = meta + "".join(sorted(r for r, _ in reports)) + extra
            if inner:
                elements.append("sensorElement" + inner)
            left_here += [left, *(r for _, r in reports)]
            if any(left_here):
                left_elements.append("sensorElement" + "".join(sorted(x for x in left_here if x)))
        if left_elements:
            self.leftovers.append("sensorElementList" + "".join(sorted(left_elements)))
        return "sensorElementList" + "".join(sorted(elements)) if elements else ""

    def block(self, key: str, raw: Any, order: Iterable[str]) -> tuple[str, str]:
        """A sensor metadata or report block, and what is left over of it."""
        if not isinstance(raw, dict):
            return "", ""
        codes = {**CODE_LISTS, "type": TYPE_LISTS["sensorReport"]}
        inner = "".join(self.pair(k, raw[k], codes.get(k)) for k in order if k in raw)
        extra, left = self.extensions(raw, tuple(order))
        inner += extra
        return (key + inner if inner else ""), (key + "".join(sorted(left)) if left else "")

    def extensions(self, raw: dict[str, Any], known: tuple[str, ...]) -> tuple[str, list[str]]:
        """The namespaced extensions of a structure (sorted, to go at its end), and the
        entries of other unknown fields."""
        inside: list[str] = []
        left: list[str] = []
        for key, value in raw.items():
            if key in known or key in NOT_HASHED:
                continue
            name = self.name(key)
            target = inside if name.startswith("{") and "/}" in name else left
            target.extend(self.generic(key, value))
        return "".join(sorted(inside)), left

    def rest(self, leftovers: list[str]) -> str:
        """ILMD, the business transaction, source and destination lists and extensions,
        each as sorted entries, all sorted together."""
        handled = {
            *ID_LISTS,
            *QUANTITY_LISTS,
            "eventTime",
            "eventTimeZoneOffset",
            "certificationInfo",
            "parentID",
            "outputEPCList",
            "outputQuantityList",
            "action",
            "transformationID",
            "bizStep",
            "disposition",
            "persistentDisposition",
            "readPoint",
            "bizLocation",
            "sensorElementList",
        }
        entries = list(leftovers)
        for key, value in self.data.items():
            if key in handled or key in NOT_HASHED or key in self.ignored:
                continue
            if key in PARTY_LISTS:
                entries.append(self.parties(key, value))
            else:
                entries.extend(self.generic(key, value))
        return "".join(sorted(e for e in entries if e))

    def parties(self, key: str, raw: Any) -> str:
        item = PARTY_LISTS[key]
        found = []
        for element in _listed(raw):
            if isinstance(element, dict):
                kind = (
                    self.pair("type", element["type"], TYPE_LISTS[item])
                    if "type" in element
                    else ""
                )
                found.append(kind + self.pair(item, element.get(item, "")))
        return key + "".join(sorted(found)) if found else ""

    def generic(self, key: str, raw: Any) -> list[str]:
        """An extension (or ILMD) entry: ``{ns}name=value``, or ``{ns}name`` followed by its
        sorted children; a list gives one entry per element."""
        if isinstance(raw, list):
            return [entry for item in raw for entry in self.generic(key, item)]
        name = self.name(key)
        if isinstance(raw, dict):
            children = [
                entry for k, v in raw.items() if k not in COMMENTS for entry in self.generic(k, v)
            ]
            return [name + "".join(sorted(children))]
        text = self.value(raw)
        return [f"{name}={text}" if text else name]


def _listed(raw: Any) -> list[Any]:
    if raw is None:
        return []
    return raw if isinstance(raw, list) else [raw]
