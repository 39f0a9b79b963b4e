"""Reading the fields of an EPCIS event in rareledger's vocabulary, collecting problems.

The helpers of :mod:`rareledger.formats.epcis.intake`.

An event belongs to the vocabulary when it uses rareledger's namespace; it must then be
exactly one of the mapped events (docs/epcis.md), with no field the mapping does not know, so
that nothing sent is silently dropped. Problems name the EPCIS field (a JSON path) and the
rule; ``origins`` lets the contract's own rejections be named in EPCIS terms too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from rareledger.formats.epcis.hashing import EpcisEvent
from rareledger.formats.epcis.profile import (
    KILOGRAM,
    LOT,
    RL_NS,
)


class Untranslatable(ValueError):
    """An event in rareledger's namespace that is not a valid rareledger event."""

    def __init__(self, problems: list[dict[str, Any]]) -> None:
        super().__init__("; ".join(f"{p['field']}: {p['message']}" for p in problems))
        self.problems = problems


@dataclass
class Translation:
    """A contract record made from an EPCIS event; ``origins`` maps the record's JSON paths
    to the EPCIS paths they came from."""

    record: dict[str, Any]
    origins: dict[str, str] = field(default_factory=dict)

    def epcis_path(self, native: str) -> str:
        """The EPCIS field a contract path came from (the longest known prefix)."""
        best = ""
        for known in self.origins:
            if (native == known or native.startswith((known + ".", known + "["))) and len(
                known
            ) > len(best):
                best = known
        return self.origins[best] + native[len(best) :] if best else native


def rename_rl(value: Any, prefixes: frozenset[str]) -> Any:
    """Keys in rareledger's namespace spelled ``rl:…`` whatever prefix the sender chose."""
    if isinstance(value, list):
        return [rename_rl(v, prefixes) for v in value]
    if not isinstance(value, dict):
        return value
    renamed = {}
    for key, inner in value.items():
        prefix, sep, local = key.partition(":")
        renamed[f"rl:{local}" if sep and prefix in prefixes else key] = rename_rl(inner, prefixes)
    return renamed


def rl_prefixes(event: EpcisEvent) -> frozenset[str]:
    return frozenset(p for p, iri in event.namespaces.items() if iri == RL_NS)


def in_vocabulary(event: EpcisEvent) -> bool:
    """Whether an event uses rareledger's namespace (at its top or in its declaration)."""
    prefixes = rl_prefixes(event)
    declared = event.data.get("errorDeclaration")
    keys = [*event.data, *(declared if isinstance(declared, dict) else ())]
    return bool(prefixes) and any(k.partition(":")[0] in prefixes for k in keys)


class Reader:
    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.problems: list[dict[str, Any]] = []
        self.translation = Translation({})

    def fail(self, code: str, path: str, message: str, value: Any = None) -> None:
        self.problems.append({"code": code, "field": path, "message": message, "value": value})

    def put(self, name: str, value: Any, origin: str) -> None:
        if value is not None:
            self.translation.record[name] = value
            self.translation.origins[name] = origin

    def text(self, key: str, *, within: dict[str, Any] | None = None, path: str = "") -> str | None:
        source = self.data if within is None else within
        value = source.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            self.fail("type", f"{path}{key}", "must be a string", value)
            return None
        return value

    def identifier(self, key: str, prefix: str, value: Any, path: str) -> str | None:
        if not isinstance(value, str) or not value.startswith(prefix):
            self.fail("unknown_identifier", path, f"must be a URI {prefix}<id>", value)
            return None
        return value[len(prefix) :]


def read_occurred_at(reader: Reader) -> str | None:
    time, offset = reader.data.get("eventTime"), reader.data.get("eventTimeZoneOffset")
    if not isinstance(time, str) or not isinstance(offset, str) or len(offset) != 6:
        reader.fail("required", "eventTime", "eventTime and eventTimeZoneOffset are required", time)
        return None
    try:
        moment = datetime.fromisoformat(time.upper().replace("Z", "+00:00"))
        sign = -1 if offset[0] == "-" else 1
        zone = timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])))
    except ValueError:
        reader.fail("invalid_time", "eventTime", "must be an RFC 3339 time with an offset", time)
        return None
    if moment.tzinfo is None:
        reader.fail("invalid_time", "eventTime", "must have an offset", time)
        return None
    if moment.utcoffset() == zone.utcoffset(None):
        return time
    return moment.astimezone(zone).isoformat()


def read_items(
    reader: Reader, key: str, native: str, *, with_mass: bool = True
) -> list[Any] | None:
    raw = reader.data.get(key)
    if not isinstance(raw, list) or not raw:
        reader.fail("required", key, "must be a non-empty list of quantity elements", raw)
        return None
    items = []
    for index, element in enumerate(raw):
        path = f"{key}[{index}]"
        if not isinstance(element, dict):
            reader.fail("type", path, "must be a quantity element", element)
            continue
        lot_id = reader.identifier("epcClass", LOT, element.get("epcClass"), f"{path}.epcClass")
        item: dict[str, Any] = {"lot_id": lot_id}
        reader.translation.origins[f"{native}[{index}].lot_id"] = f"{path}.epcClass"
        if with_mass:
            if element.get("uom") != KILOGRAM:
                reader.fail(
                    "unit",
                    f"{path}.uom",
                    "rareledger masses are in KGM (kilograms)",
                    element.get("uom"),
                )
            item["mass_kg"] = element.get("quantity")
            reader.translation.origins[f"{native}[{index}].mass_kg"] = f"{path}.quantity"
        reader.translation.origins[f"{native}[{index}]"] = path
        items.append(item)
    return items


def read_new_lots(reader: Reader, key: str, native: str) -> list[Any] | None:
    items = read_items(reader, key, native)
    described = (
        reader.data.get("ilmd", {}).get("rl:lot")
        if isinstance(reader.data.get("ilmd"), dict)
        else None
    )
    if not isinstance(described, list):
        reader.fail(
            "required", "ilmd.rl:lot", "new lots need their form and composition", described
        )
        return None
    if set(reader.data["ilmd"]) != {"rl:lot"}:
        reader.fail(
            "unknown_field",
            "ilmd",
            "only rl:lot is part of rareledger's ILMD",
            sorted(reader.data["ilmd"]),
        )
    by_id = {}
    for index, lot in enumerate(described):
        lot_path = f"ilmd.rl:lot[{index}]"
        if not isinstance(lot, dict) or set(lot) - {"rl:lotID", "rl:form", "rl:composition"}:
            reader.fail(
                "unknown_field", lot_path, "a lot has rl:lotID, rl:form and rl:composition", lot
            )
            continue
        by_id[lot.get("rl:lotID")] = (index, lot)
    if items is None:
        return None
    for position, item in enumerate(items):
        uri = LOT + str(item["lot_id"])
        if uri not in by_id:
            reader.fail(
                "required", "ilmd.rl:lot", "every new lot needs its form and composition", uri
            )
            continue
        index, lot = by_id.pop(uri)
        composition = lot.get("rl:composition")
        if isinstance(composition, dict):
            _namespaced(reader, composition, f"ilmd.rl:lot[{index}].rl:composition")
            composition = {k.removeprefix("rl:"): v for k, v in composition.items()}
        item.update(form=lot.get("rl:form"), composition=composition)
        origins = reader.translation.origins
        origins[f"{native}[{position}].form"] = f"ilmd.rl:lot[{index}].rl:form"
        origins[f"{native}[{position}].composition"] = f"ilmd.rl:lot[{index}].rl:composition"
    for leftover, (index, _lot) in by_id.items():
        reader.fail(
            "not_an_output",
            f"ilmd.rl:lot[{index}].rl:lotID",
            "describes no new lot of the event",
            leftover,
        )
    return items


def read_money(reader: Reader, key: str) -> dict[str, Any] | None:
    raw = reader.data.get(key)
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) - {"rl:amount", "rl:currency"}:
        reader.fail("type", key, "must be {rl:amount, rl:currency}", raw)
        return None
    return {"amount": raw.get("rl:amount"), "currency": raw.get("rl:currency")}


def read_party(reader: Reader, key: str) -> dict[str, Any] | None:
    raw = reader.data.get(key)
    if raw is None:
        return None
    if not isinstance(raw, dict):
        reader.fail("type", key, "must be an object of rl:name, rl:country (and rl:address)", raw)
        return None
    _namespaced(reader, raw, key)
    return {k.removeprefix("rl:"): v for k, v in raw.items()}


def _namespaced(reader: Reader, raw: dict[str, Any], path: str) -> None:
    for name in raw:
        if not name.startswith("rl:"):
            reader.fail("unknown_field", f"{path}.{name}", "keys here are rl:<name>", raw[name])
