"""Problems found in a submitted record, and findings on an accepted one.

A :class:`Problem` rejects the record: it names the field (a JSON path such as
``outputs[0].composition.Dy``), a stable rule code, a message and the offending value.
A :class:`Finding` flags an accepted record with one of the spec's finding codes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from rareledger.errors import Invalid


def _plain(value: object) -> Any:
    """The offending value in a JSON-friendly shape (decimals as strings, no huge blobs)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, str) and len(value) > 200:
        return value[:200] + "…"
    if isinstance(value, dict | list):
        text = json.dumps(value, default=str, ensure_ascii=False)
        return json.loads(text) if len(text) <= 200 else text[:200] + "…"
    return value


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a record was rejected."""

    code: str
    field: str
    message: str
    value: Any = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "field": self.field,
            "message": self.message,
            "value": _plain(self.value),
        }


@dataclass(frozen=True, slots=True)
class Finding:
    """A flag on an accepted record (spec section 4)."""

    code: str
    message: str
    enterprise_id: str
    lot_id: str | None = None
    details: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


class Rejected(Invalid):
    """Raised inside the ledger rules to reject the record being applied."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))
        self.problems = problems


def reject(code: str, field_path: str, message: str, value: object = None) -> Rejected:
    """Build a :class:`Rejected` for a single problem."""
    return Rejected([Problem(code, field_path, message, value)])
