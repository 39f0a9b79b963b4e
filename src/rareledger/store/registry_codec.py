"""Export-control objects of the state's registry as JSON rows, and back."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import orjson

from rareledger.domain.ledger.model import MasterState
from rareledger.domain.licences import ApplicationState, LicenceState


def encode(value: Any) -> tuple[int, str]:
    """(position, JSON text) of one registry object."""
    data: dict[str, Any]
    if isinstance(value, MasterState):
        data = {
            "_": "master",
            "id": value.id,
            "type": value.type,
            "digest": value.digest,
            "position": value.position,
            "record": value.record,
        }
    elif isinstance(value, ApplicationState):
        data = {"_": "application", **{k: getattr(value, k) for k in value.__slots__}}
        data["decisions"] = list(value.decisions)
    elif isinstance(value, LicenceState):
        data = {"_": "licence", **{k: getattr(value, k) for k in value.__slots__}}
        data.update(
            valid_from=value.valid_from.isoformat(),
            valid_to=value.valid_to.isoformat(),
            elements=sorted(value.elements),
        )
    else:
        data = {"_": "dict", **value}
    return int(data.get("position", 0) or 0), json.dumps(data, sort_keys=True)


# What a list of applications shows; the record (goods, consignee, documents) is most of an
# application's bytes and is read only when one application is opened.
SUMMARY_LEFT_OUT = {"application": ("record", "decisions", "digest")}


def summary(kind: str, data_text: str) -> str | None:
    """The listed fields of a registry object of ``kind`` as JSON (None: the kind has no
    separate summary)."""
    left_out = SUMMARY_LEFT_OUT.get(kind)
    if left_out is None:
        return None
    data = orjson.loads(data_text)
    return orjson.dumps({k: v for k, v in data.items() if k not in left_out and k != "_"}).decode()


def decode(text: str) -> Any:
    data = orjson.loads(text)
    kind = data.pop("_")
    if kind == "master":
        return MasterState(
            data["id"], data["type"], "", "", data["digest"], data["position"], data["record"]
        )
    if kind == "application":
        data["decisions"] = tuple(data["decisions"])
        return ApplicationState(**data)
    if kind == "licence":
        data.update(
            valid_from=date.fromisoformat(data["valid_from"]),
            valid_to=date.fromisoformat(data["valid_to"]),
            elements=frozenset(data["elements"]),
        )
        return LicenceState(**data)
    return data
