"""Field readers: check one JSON object against the contract and collect every problem.

A :class:`Fields` wraps one object at one JSON path. Each reader method returns the typed value
(or ``None`` when it is missing or wrong, after recording a :class:`Problem`) and, for decimal
fields, writes the canonical text back into the object so that the stored record and its
digest do not depend on how a number was spelled.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from rareledger.domain.canonical import canonical_json
from rareledger.domain.checks import (
    EARLIEST_YEAR,
    LATEST_YEAR,
    canonical_decimal,
    decimal_problem,
    is_fraction,
    is_identifier,
    is_text,
    kg_to_g,
    mass_problem,
    parse_time,
    time_in_range,
    to_decimal,
)
from rareledger.domain.codes import COUNTRY_CODES, CURRENCY_CODES
from rareledger.domain.elements import ELEMENTS
from rareledger.domain.events import LotQuantity, Money, NewLot, Party
from rareledger.domain.lots import Composition
from rareledger.domain.problems import Problem
from rareledger.domain.vocabulary import FORMS

_MISSING = object()


def all_read(values: dict[str, Any]) -> dict[str, Any] | None:
    """The values read, or None when one is missing or wrong (its problem is recorded)."""
    return None if None in values.values() else values


def join(path: str, name: str | int) -> str:
    if isinstance(name, int):
        return f"{path}[{name}]"
    return f"{path}.{name}" if path else name


class Fields:
    """Reads the fields of one JSON object, recording problems in a shared list."""

    def __init__(
        self,
        obj: dict[str, Any],
        path: str,
        problems: list[Problem],
        allowed: Collection[str],
        unknown_code: str = "unknown_field",
    ) -> None:
        self.obj = obj
        self.path = path
        self.problems = problems
        self.allow_recorded_at = False  # whether this channel lets a record carry recorded_at
        for name in obj:
            if name not in allowed:
                message = (
                    "is not one of the 17 rare earth element symbols"
                    if unknown_code == "unknown_element"
                    else "field is not part of the contract"
                )
                self.fail(unknown_code, name, message, obj[name])

    def fail(self, code: str, name: str | int, message: str, value: object = None) -> None:
        self.problems.append(Problem(code, join(self.path, name), message, value))

    def raw(self, name: str, required: bool) -> object:
        value = self.obj.get(name, _MISSING)
        if value is _MISSING or (value is None and not required):
            if required:
                self.fail("required", name, "field is required")
            return _MISSING
        return value

    # ------------------------------------------------------------------ scalars

    def text(self, name: str, required: bool = True) -> str | None:
        value = self.raw(name, required)
        if value is _MISSING:
            return None
        if not isinstance(value, str):
            self.fail("type", name, "must be a string", value)
            return None
        if not is_text(value):
            self.fail("empty", name, "must not be empty", value)
            return None
        return value

    def identifier(self, name: str, required: bool = True) -> str | None:
        value = self.text(name, required)
        if value is not None and not is_identifier(value):
            self.fail(
                "invalid_identifier",
                name,
                "must be 1-128 characters of A-Z a-z 0-9 . _ : / -",
                value,
            )
            return None
        return value

    def choice(self, name: str, choices: Collection[str], code: str) -> str | None:
        value = self.text(name)
        if value is not None and value not in choices:
            self.fail(code, name, f"must be one of {', '.join(choices)}", value)
            return None
        return value

    def country(self, name: str) -> str | None:
        value = self.text(name)
        if value is not None and value not in COUNTRY_CODES:
            self.fail("unknown_country", name, "must be an ISO 3166-1 alpha-2 code", value)
            return None
        return value

    def time(self, name: str, required: bool = True) -> datetime | None:
        value = self.raw(name, required)
        if value is _MISSING:
            return None
        moment = parse_time(value)
        if moment is None:
            self.fail("invalid_time", name, "must be an RFC 3339 time with an offset", value)
        elif not time_in_range(moment):
            self.fail(
                "invalid_time",
                name,
                f"must fall between the years {EARLIEST_YEAR} and {LATEST_YEAR} (in UTC)",
                value,
            )
            return None
        return moment

    def day(self, name: str, required: bool = True) -> date | None:
        """A ``YYYY-MM-DD`` date."""
        value = self.raw(name, required)
        if value is _MISSING:
            return None
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        self.fail("invalid_date", name, "must be a date YYYY-MM-DD", value)
        return None

    def strings(
        self,
        name: str,
        choices: Collection[str] | None = None,
        code: str = "invalid",
        required: bool = True,
    ) -> tuple[str, ...] | None:
        """A list of non-empty strings, each from ``choices`` when given."""
        if not required and self.obj.get(name) is None:
            return ()
        values = self.listing(name)
        if values is None:
            return None
        for index, value in enumerate(values):
            if not isinstance(value, str) or not value.strip():
                self.problems.append(
                    Problem(
                        "type",
                        join(join(self.path, name), index),
                        "must be a non-empty string",
                        value,
                    )
                )
                return None
            if choices is not None and value not in choices:
                self.problems.append(
                    Problem(
                        code,
                        join(join(self.path, name), index),
                        f"must be one of {', '.join(choices)}",
                        value,
                    )
                )
                return None
        return tuple(values)

    def integer(self, name: str, low: int, high: int) -> int | None:
        value = self.raw(name, True)
        if value is _MISSING:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail("type", name, "must be an integer", value)
            return None
        if not low <= value <= high:
            self.fail("out_of_range", name, f"must be between {low} and {high}", value)
            return None
        return value

    def decimal(self, name: str, required: bool = True) -> Decimal | None:
        value = self.raw(name, required)
        if value is _MISSING:
            return None
        number = to_decimal(value)
        if number is None:
            self.fail("type", name, "must be a number or a decimal string", value)
            return None
        problem = decimal_problem(number)
        if problem is not None:
            self.fail(problem[0], name, problem[1], str(value)[:40])
            return None
        self.obj[name] = canonical_decimal(number)
        return number

    def mass_g(self, name: str, signed: bool = False) -> int | None:
        number = self.decimal(name)
        if number is None:
            return None
        problem = mass_problem(number, signed)
        if problem is not None:
            self.fail(problem[0], name, problem[1], number)
            return None
        return kg_to_g(number)

    # ------------------------------------------------------------------ structures

    def nested(
        self,
        name: str,
        allowed: Collection[str],
        required: bool = True,
        unknown_code: str = "unknown_field",
    ) -> Fields | None:
        value = self.raw(name, required)
        if value is _MISSING:
            return None
        if not isinstance(value, dict):
            self.fail("type", name, "must be an object", value)
            return None
        return Fields(value, join(self.path, name), self.problems, allowed, unknown_code)

    def listing(self, name: str) -> list[Any] | None:
        value = self.raw(name, True)
        if value is _MISSING:
            return None
        if not isinstance(value, list):
            self.fail("type", name, "must be a list", value)
            return None
        if not value:
            self.fail("empty", name, "must not be empty", value)
            return None
        return value

    def each_object(self, name: str, allowed: Collection[str]) -> list[Fields] | None:
        values = self.listing(name)
        if values is None:
            return None
        path = join(self.path, name)
        readers: list[Fields] = []
        for index, value in enumerate(values):
            if isinstance(value, dict):
                readers.append(Fields(value, join(path, index), self.problems, allowed))
            else:
                self.problems.append(Problem("type", join(path, index), "must be an object", value))
        return readers if len(readers) == len(values) else None

    def money(self, name: str, required: bool = True) -> Money | None:
        reader = self.nested(name, ("amount", "currency"), required)
        if reader is None:
            return None
        amount = reader.decimal("amount")
        if amount is not None and amount < 0:
            reader.fail("amount_negative", "amount", "must not be negative", amount)
            amount = None
        currency = reader.text("currency")
        if currency is not None and currency not in CURRENCY_CODES:
            reader.fail("unknown_currency", "currency", "must be an ISO 4217 code", currency)
            currency = None
        if amount is None or currency is None:
            return None
        return Money(amount, currency)

    def party(self, name: str, with_address: bool = True) -> Party | None:
        allowed = ("name", "country", "address") if with_address else ("name", "country")
        reader = self.nested(name, allowed)
        if reader is None:
            return None
        party_name = reader.text("name")
        country = reader.country("country")
        address = reader.text("address", required=False) if with_address else None
        if party_name is None or country is None:
            return None
        return Party(party_name, country, address)

    def lot_quantities(self, name: str) -> tuple[LotQuantity, ...] | None:
        readers = self.each_object(name, ("lot_id", "mass_kg"))
        if readers is None:
            return None
        items = [(r.identifier("lot_id"), r.mass_g("mass_kg")) for r in readers]
        if any(lot is None or mass is None for lot, mass in items):
            return None
        result = tuple(LotQuantity(lot, mass) for lot, mass in items)  # type: ignore[arg-type]
        return result if self._unique_lots(name, [q.lot_id for q in result]) else None

    def new_lots(self, name: str, forms: Collection[str]) -> tuple[NewLot, ...] | None:
        readers = self.each_object(name, ("lot_id", "form", "mass_kg", "composition"))
        if readers is None:
            return None
        lots = [_new_lot(reader, forms) for reader in readers]
        if any(lot is None for lot in lots):
            return None
        result = tuple(lot for lot in lots if lot is not None)
        return result if self._unique_lots(name, [lot.lot_id for lot in result]) else None

    def _unique_lots(self, name: str, lot_ids: list[str]) -> bool:
        seen: set[str] = set()
        for index, lot_id in enumerate(lot_ids):
            if lot_id in seen:
                field_path = join(join(join(self.path, name), index), "lot_id")
                self.problems.append(
                    Problem("duplicate_lot", field_path, "names the same lot twice", lot_id)
                )
                return False
            seen.add(lot_id)
        return True


def _new_lot(reader: Fields, forms: Collection[str]) -> NewLot | None:
    lot_id = reader.identifier("lot_id")
    form = reader.text("form")
    if form is not None and form not in forms:
        code = "unknown_form" if form not in FORMS else "form_not_allowed"
        reader.fail(code, "form", f"must be one of {', '.join(forms)}", form)
        form = None
    mass = reader.mass_g("mass_kg")
    composition = read_composition(reader)
    if lot_id is None or form is None or mass is None or composition is None:
        return None
    return NewLot(lot_id, form, mass, composition)


def read_composition(reader: Fields) -> Composition | None:
    """Read ``composition``: element -> fraction in [0, 1], summing to at most 1."""
    before = len(reader.problems)
    inner = reader.nested("composition", ELEMENTS, unknown_code="unknown_element")
    if inner is None:
        return None
    fractions: dict[str, Decimal] = {}
    for symbol in inner.obj:
        if symbol not in ELEMENTS:
            continue
        fraction = inner.decimal(symbol)
        if fraction is None:
            continue
        if not is_fraction(fraction):
            inner.fail("composition_range", symbol, "must be between 0 and 1", fraction)
            continue
        fractions[symbol] = fraction
    if len(reader.problems) > before:
        return None
    total = sum(fractions.values(), Decimal(0))
    if total > 1:
        reader.fail(
            "composition_sum",
            "composition",
            "fractions must sum to at most 1",
            canonical_decimal(total),
        )
        return None
    return Composition(fractions, canonical_json(inner.obj))  # fractions now canonical text
