"""Exact quantities: kilograms with gram precision, fractions, times.

The contract's masses are kilograms with at most three decimals, so the ledger keeps them as
integer grams. These helpers convert both ways without ever passing through a binary float.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

GRAMS_PER_KG = 1000
_DECIMAL_TEXT = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$")


def to_decimal(value: object) -> Decimal | None:
    """A JSON number or decimal string as a finite ``Decimal``; ``None`` if it is neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if value == value and abs(value) != float("inf") else None
    if isinstance(value, str) and _DECIMAL_TEXT.match(value.strip()):
        try:
            return Decimal(value.strip())
        except InvalidOperation:  # pragma: no cover - the pattern admits only valid text
            return None
    return None


def decimal_places(value: Decimal) -> int:
    """How many significant decimals a value has (``1.500`` has one)."""
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def kg_to_g(kilograms: Decimal) -> int:
    """Kilograms (at most three decimals) as integer grams."""
    return int(kilograms * GRAMS_PER_KG)


def stored_kg_to_g(mass_kg: object) -> int:
    """Whole grams of a mass as the ledger stores it (decimal text, or a JSON number), truncated
    as ``Decimal`` does. Plain text (ASCII digits, an optional sign, at most three decimals: every
    validated mass) is read without ``Decimal``, which takes twice as long; anything else goes
    through it."""
    if type(mass_kg) is str:
        negative = mass_kg.startswith("-")
        whole, point, decimals = (mass_kg[1:] if negative else mass_kg).partition(".")
        plain_decimals = not point or (len(decimals) <= 3 and _plain_digits(decimals))
        if plain_decimals and _plain_digits(whole):
            grams = int(whole) * GRAMS_PER_KG + (int(decimals.ljust(3, "0")) if decimals else 0)
            return -grams if negative else grams
    return int(Decimal(str(mass_kg)) * GRAMS_PER_KG)


def _plain_digits(text: str) -> bool:
    return text.isdigit() and text.isascii()


def g_to_kg(grams: int) -> Decimal:
    """Integer grams as kilograms, exactly."""
    return (Decimal(grams) / GRAMS_PER_KG).quantize(Decimal("0.001"))


def format_kg(grams: int) -> str:
    """Grams as a kilogram decimal string with three decimals (``"1250.500"``)."""
    sign = "-" if grams < 0 else ""
    whole, rest = divmod(abs(grams), GRAMS_PER_KG)
    return f"{sign}{whole}.{rest:03d}"


def canonical_decimal(value: Decimal) -> str:
    """The shortest plain text of a decimal (``12.50`` -> ``"12.5"``, ``1E+2`` -> ``"100"``)."""
    if value == 0:
        return "0"
    text = format(value.normalize(), "f")
    return text


def parse_time(text: object) -> datetime | None:
    """An RFC 3339 timestamp with an offset as an aware ``datetime``; ``None`` if invalid."""
    if not isinstance(text, str) or not _RFC3339.match(text):
        return None
    try:
        return datetime.fromisoformat(text.upper())
    except ValueError:
        return None


def utc_text(moment: datetime) -> str:
    """An aware time as UTC ISO text with microseconds, sortable as a string."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"
