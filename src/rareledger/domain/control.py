"""Export control regimes as data, and the classification of an item on a date.

A regime (an announcement) lists entries: a control code, an element, the material forms it
covers and the smallest mass fraction of the element that makes an item of that form
controlled. A regime applies from ``effective_on`` (inclusive) unless a suspension covers
the date (``from_on`` .. ``until_on``, both inclusive) or it has ended. Which items are
controlled is therefore data: a new announcement, an amendment or an extended suspension is a
new version of a regime record, never a change of code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any


@dataclass(frozen=True, slots=True)
class Suspension:
    from_on: date
    until_on: date
    source: str = ""

    def covers(self, on: date) -> bool:
        return self.from_on <= on <= self.until_on


@dataclass(frozen=True, slots=True)
class RegimeEntry:
    """One control code: an element in some forms, from a minimum mass fraction."""

    code: str
    element: str
    forms: frozenset[str]
    min_fraction: Decimal = Decimal(0)
    hs_prefixes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Regime:
    id: str
    title: str
    source: str
    effective_on: date
    entries: tuple[RegimeEntry, ...]
    suspensions: tuple[Suspension, ...] = ()
    ends_on: date | None = None
    version: str = ""  # where this version is recorded, e.g. "ledger:12"

    def status_on(self, on: date) -> str:
        """``not_yet``, ``in_force``, ``suspended`` or ``ended`` on a date."""
        if on < self.effective_on:
            return "not_yet"
        if self.ends_on is not None and on > self.ends_on:
            return "ended"
        if any(s.covers(on) for s in self.suspensions):
            return "suspended"
        return "in_force"


@dataclass(frozen=True, slots=True)
class Reason:
    """Why an item is controlled under one entry."""

    regime_id: str
    regime_version: str
    code: str
    element: str
    form: str
    fraction: Decimal
    min_fraction: Decimal

    def as_dict(self) -> dict[str, str]:
        return {
            "regime": self.regime_id,
            "version": self.regime_version,
            "code": self.code,
            "element": self.element,
            "form": self.form,
            "fraction": str(self.fraction),
            "threshold": str(self.min_fraction),
        }


@dataclass(frozen=True, slots=True)
class Classification:
    on: date
    reasons: tuple[Reason, ...] = ()
    not_applied: tuple[dict[str, str], ...] = field(default=())  # regimes not in force

    @property
    def controlled(self) -> bool:
        return bool(self.reasons)

    @property
    def codes(self) -> list[str]:
        return sorted({r.code for r in self.reasons})

    @property
    def elements(self) -> set[str]:
        return {r.element for r in self.reasons}

    def as_dict(self) -> dict[str, Any]:
        regimes = sorted({(r.regime_id, r.regime_version) for r in self.reasons})
        return {
            "controlled": self.controlled,
            "on": self.on.isoformat(),
            "codes": self.codes,
            "regimes": [{"id": i, "version": v} for i, v in regimes],
            "reasons": [r.as_dict() for r in self.reasons],
            "not_in_force": list(self.not_applied),
        }


def classify(
    form: str, composition: Mapping[str, Decimal], on: date, regimes: Iterable[Regime]
) -> Classification:
    """Whether an item of this form and composition is controlled on ``on``, and why."""
    reasons: list[Reason] = []
    idle: list[dict[str, str]] = []
    for regime in regimes:
        status = regime.status_on(on)
        matches = [e for e in regime.entries if _matches(e, form, composition)]
        if status != "in_force":
            if matches:
                idle.append({"regime": regime.id, "status": status})
            continue
        reasons.extend(
            Reason(
                regime.id,
                regime.version,
                e.code,
                e.element,
                form,
                composition[e.element],
                e.min_fraction,
            )
            for e in matches
        )
    return Classification(on, tuple(reasons), tuple(idle))


def _matches(entry: RegimeEntry, form: str, composition: Mapping[str, Decimal]) -> bool:
    fraction = composition.get(entry.element, Decimal(0))
    return form in entry.forms and fraction > 0 and fraction >= entry.min_fraction


def hs_prefixes_for(classification: Classification, regimes: Iterable[Regime]) -> set[str]:
    """The tariff headings the regimes expect for the controlled entries that matched."""
    matched = {(r.regime_id, r.code) for r in classification.reasons}
    return {
        prefix
        for regime in regimes
        for entry in regime.entries
        if (regime.id, entry.code) in matched
        for prefix in entry.hs_prefixes
    }


def regime_from_record(record: Mapping[str, Any], version: str) -> Regime:
    """A regime from its (already validated) record."""
    return Regime(
        id=record["id"],
        title=record["title"],
        source=record["source"],
        effective_on=date.fromisoformat(record["effective_on"]),
        ends_on=date.fromisoformat(record["ends_on"]) if record.get("ends_on") else None,
        entries=tuple(
            RegimeEntry(
                e["code"],
                e["element"],
                frozenset(e["forms"]),
                Decimal(str(e.get("min_fraction", "0"))),
                tuple(e.get("hs_prefixes", ())),
            )
            for e in record["entries"]
        ),
        suspensions=tuple(
            Suspension(
                date.fromisoformat(s["from_on"]),
                date.fromisoformat(s["until_on"]),
                s.get("source", ""),
            )
            for s in record.get("suspensions", ())
        ),
        version=version,
    )
