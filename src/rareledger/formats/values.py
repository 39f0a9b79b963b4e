"""Values that people type at the edges (a command's option, a query parameter), read once.

A day is ``YYYY-MM-DD``. A composition is element mass fractions, written as JSON
(``{"Nd": 0.3, "Dy": 0.05}``) or as pairs (``Nd=0.3,Dy=0.05``). Both are checked by the same
rules as the fields of a contract record (:mod:`rareledger.domain.fields`), and a value that
breaks one raises :class:`~rareledger.errors.Invalid` naming the parameter and the rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import TypeVar

from rareledger.domain.fields import Fields, read_composition
from rareledger.domain.problems import Problem
from rareledger.errors import Invalid
from rareledger.formats.jsonlines import MalformedJson, parse_json

Value = TypeVar("Value")
_PAIR = re.compile(r"^\s*([A-Za-z]{1,2})\s*=\s*(\S+)\s*$")
COMPOSITION_FORMS = 'JSON such as {"Nd": 0.3, "Dy": 0.05}, or pairs such as Nd=0.3,Dy=0.05'


def _read(name: str, value: object, reader: Callable[[Fields], Value | None]) -> Value:
    """Read one value with a record-field reader; :class:`Invalid` with its problems."""
    problems: list[Problem] = []
    found = reader(Fields({name: value}, "", problems, (name,)))
    if found is None or problems:
        first = problems[0]
        raise Invalid(
            f"{first.field}: {first.message}",
            code=first.code,
            details=[p.as_dict() for p in problems],
        )
    return found


def parse_day(text: str, name: str = "date") -> date:
    """A ``YYYY-MM-DD`` day; the error names ``name`` (an option or a parameter)."""
    return _read(name, text, lambda fields: fields.day(name))


def parse_composition(text: str) -> dict[str, Decimal]:
    """Element mass fractions from JSON or ``Sym=fraction`` pairs: known element symbols,
    each fraction in [0, 1], summing to at most 1. An empty text is no elements."""
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            value = parse_json(stripped, what="composition")
        except MalformedJson as error:
            raise Invalid(f"{error.message}; write {COMPOSITION_FORMS}") from None
    elif stripped:
        value = _pairs(stripped)
    else:
        value = {}
    return _read("composition", value, read_composition)


def _pairs(text: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for part in text.split(","):
        match = _PAIR.match(part)
        if match is None:
            raise Invalid(
                f"composition: {part.strip()!r} is not Sym=fraction; write {COMPOSITION_FORMS}"
            )
        pairs[match.group(1)] = match.group(2)
    return pairs
