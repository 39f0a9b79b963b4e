"""The value rules of the contract as plain predicates, shared by both validators.

:mod:`rareledger.domain.fields` (which explains every problem) and
:mod:`rareledger.domain.fastparse` (which only accepts) decide with these same functions, so
the two cannot drift apart on what a valid identifier, time, mass or fraction is.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

from rareledger.domain import vocabulary as vocab
from rareledger.domain.codes import COUNTRY_CODES, CURRENCY_CODES
from rareledger.domain.elements import ELEMENTS
from rareledger.domain.quantities import (
    canonical_decimal,
    decimal_places,
    kg_to_g,
    parse_time,
    to_decimal,
)

MAX_MASS_KG = 10**9  # a million tonnes: more than a year's national output, in one record
# Limits on the size of what is stored (docs/events.md, "Limits"): checked before anything else.
MAX_TEXT = 1000  # characters of any string
MAX_ITEMS = 500  # entries of any list (items, inputs, outputs, roles...)
MAX_DEPTH = 8  # objects and lists within each other
MAX_RECORD_BYTES = 256 * 1024  # the canonical text of one record
MAX_INTEGER_DIGITS = 15  # of any decimal
MAX_DECIMALS = 12  # of any decimal (masses: 3)
EARLIEST_YEAR, LATEST_YEAR = 1900, 2200  # of any time, in UTC
IDENTIFIER = re.compile(r"^[A-Za-z0-9._:/-]{1,128}$")
_PLAIN_NUMBER = re.compile(r"(\d+)(?:\.(\d+))?")

ELEMENT_SET = frozenset(ELEMENTS)
COUNTRIES = frozenset(COUNTRY_CODES)
CURRENCIES = frozenset(CURRENCY_CODES)
FORMS = frozenset(vocab.FORMS)
EXTRACTION_FORMS = frozenset(vocab.EXTRACTION_FORMS)
PROCESSES = frozenset(vocab.PROCESSES)
ADJUSTMENT_REASONS = frozenset(vocab.ADJUSTMENT_REASONS)

__all__ = [
    "canonical_decimal",
    "is_fraction",
    "is_identifier",
    "is_text",
    "kg_to_g",
    "mass_problem",
    "parse_time",
    "to_decimal",
]


def is_text(value: object) -> bool:
    """A string with something in it besides white space."""
    return isinstance(value, str) and bool(value.strip())


def is_identifier(value: object) -> bool:
    """1-128 characters of ``A-Z a-z 0-9 . _ : / -``."""
    return isinstance(value, str) and is_text(value) and IDENTIFIER.match(value) is not None


def is_fraction(value: Decimal) -> bool:
    return Decimal(0) <= value <= Decimal(1)


def mass_problem(kilograms: Decimal, signed: bool = False) -> tuple[str, str] | None:
    """Why a mass in kilograms is not acceptable (code, message), or None when it is."""
    if signed and kilograms == 0:
        return "mass_zero", "must not be zero"
    if not signed and kilograms <= 0:
        return "mass_not_positive", "must be greater than zero"
    if abs(kilograms) > MAX_MASS_KG:
        return "mass_too_large", f"must be at most {MAX_MASS_KG} kg in one record"
    if decimal_places(kilograms) > 3:
        return "mass_precision", "must have at most 3 decimals (gram precision)"
    return None


def plain_decimal(text: str) -> tuple[str, str, str] | None:
    """A plain unsigned number (``0500.250``) as (canonical text, whole digits, decimals).

    The canonical text is the one :func:`canonical_decimal` gives (``500.25``); anything
    else (signs, exponents, spaces) is None, for the general path to judge.
    """
    match = _PLAIN_NUMBER.fullmatch(text)
    if match is None:
        return None
    whole = match.group(1).lstrip("0") or "0"
    decimals = (match.group(2) or "").rstrip("0")
    return (f"{whole}.{decimals}" if decimals else whole), whole, decimals


def plain_mass_g(text: str) -> tuple[str, int] | None:
    """(canonical text, grams) of a plain number that is a valid positive mass, else None."""
    plain = plain_decimal(text)
    if plain is None or len(plain[2]) > 3:
        return None
    canonical, whole, decimals = plain
    grams = int(whole) * 1000 + (int(decimals.ljust(3, "0")) if decimals else 0)
    if grams <= 0 or grams > MAX_MASS_KG * 1000:
        return None
    return canonical, grams


def decimal_problem(number: Decimal) -> tuple[str, str] | None:
    """Why a decimal is not acceptable at all (size, notation), or None."""
    _sign, digits, exponent = number.as_tuple()
    if not isinstance(exponent, int):  # NaN and infinities are no numbers here
        return "decimal_format", "must be a finite number"
    if exponent > 0:
        return "decimal_format", "must be written in plain positional notation (no exponent)"
    integer_digits = len(digits) + exponent
    if integer_digits > MAX_INTEGER_DIGITS:
        return "decimal_digits", f"must have at most {MAX_INTEGER_DIGITS} digits before the point"
    if -exponent > MAX_DECIMALS and decimal_places(number) > MAX_DECIMALS:
        return "decimal_digits", f"must have at most {MAX_DECIMALS} decimals"
    return None


def time_in_range(moment: datetime) -> bool:
    """Whether a time converts to UTC within the years the ledger accepts."""
    try:
        year = moment.astimezone(UTC).year
    except OverflowError:
        return False
    return EARLIEST_YEAR <= year <= LATEST_YEAR


def shape_problem(value: object, path: str = "", depth: int = 0) -> tuple[str, str, str] | None:
    """The first breach of the size limits in a decoded record: (code, field, message)."""
    if not _may_breach(value, depth):  # nearly every record: no field names to build
        return None
    return _first_breach(value, path, depth)


# A breach's field is named by the last part of its path (a key, or a key with list indexes
# after it: at most MAX_DEPTH of them, each at most "[499]"), so a key this long may breach.
_KEY_MAY_BREACH = MAX_TEXT - 6 * MAX_DEPTH


def _may_breach(value: object, depth: int) -> bool:
    """Whether :func:`_first_breach` could find anything: a quick pass that errs towards yes."""
    if depth > MAX_DEPTH:
        return True
    if isinstance(value, str):
        return len(value) > MAX_TEXT or not _encodes(value)
    if isinstance(value, dict):
        return _dict_may_breach(value, depth)
    if isinstance(value, list):
        if len(value) > MAX_ITEMS:
            return True
        for item in value:
            if isinstance(item, str | dict | list) and _may_breach(item, depth + 1):
                return True
    return False


def _dict_may_breach(value: dict[object, object], depth: int) -> bool:
    if len(value) > MAX_ITEMS:
        return True
    for key, item in value.items():
        if not isinstance(key, str) or len(key) > _KEY_MAY_BREACH or not _encodes(key):
            return True
        if isinstance(item, str | dict | list) and _may_breach(item, depth + 1):
            return True
    return False


def _encodes(text: str) -> bool:
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _first_breach(value: object, path: str, depth: int) -> tuple[str, str, str] | None:
    if depth > MAX_DEPTH:
        return "too_deep", path, f"objects and lists nest at most {MAX_DEPTH} deep"
    if isinstance(value, str):
        return _text_problem(value, path)
    if isinstance(value, list | dict) and len(value) > MAX_ITEMS:
        return "too_many_items", path, f"must have at most {MAX_ITEMS} entries"
    if isinstance(value, list):
        inner = ((f"{path}[{index}]", item) for index, item in enumerate(value))
    elif isinstance(value, dict):
        inner = ((f"{path}.{key}" if path else str(key), item) for key, item in value.items())
    else:
        return None
    for where, item in inner:
        key = where.rsplit(".", 1)[-1]
        if found := _text_problem(key, path) or _first_breach(item, where, depth + 1):
            return found
    return None


def _text_problem(text: str, path: str) -> tuple[str, str, str] | None:
    if len(text) > MAX_TEXT:
        return "text_too_long", path, f"must be at most {MAX_TEXT} characters"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "invalid_text", path, "must be valid Unicode text (no lone surrogates)"
    return None
