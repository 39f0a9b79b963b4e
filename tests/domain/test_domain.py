"""Pure domain pieces: oxide factors, exact masses, times, the hash chain."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rareledger.domain.elements import ELEMENTS, reo_kg
from rareledger.domain.findings import reporting_deadline
from rareledger.domain.integrity import ChainChecker, Entry
from rareledger.domain.quantities import canonical_decimal, format_kg, kg_to_g, parse_time


@pytest.mark.parametrize(
    ("symbol", "factor"),
    [
        # customary conversion factors, as printed in industry tables (4 decimals)
        ("La", "1.1728"),
        ("Ce", "1.2284"),
        ("Pr", "1.2082"),
        ("Nd", "1.1664"),
        ("Sm", "1.1596"),
        ("Eu", "1.1579"),
        ("Gd", "1.1526"),
        ("Tb", "1.1762"),
        ("Dy", "1.1477"),
        ("Y", "1.2699"),
        ("Sc", "1.5338"),
        ("Lu", "1.1372"),
    ],
)
def test_oxide_factors_from_atomic_weights(symbol: str, factor: str) -> None:
    assert ELEMENTS[symbol].reo_factor.quantize(Decimal("0.0001")) == Decimal(factor)


def test_seventeen_elements_with_customary_oxides() -> None:
    assert list(ELEMENTS) == [
        "La",
        "Ce",
        "Pr",
        "Nd",
        "Pm",
        "Sm",
        "Eu",
        "Gd",
        "Tb",
        "Dy",
        "Ho",
        "Er",
        "Tm",
        "Yb",
        "Lu",
        "Sc",
        "Y",
    ]
    assert ELEMENTS["Tb"].oxide == "Tb4O7" and ELEMENTS["Pr"].oxide == "Pr6O11"
    assert reo_kg("Nd", Decimal("100")) == Decimal("100") * ELEMENTS["Nd"].reo_factor


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_grams_round_trip_through_kilogram_text(grams: int) -> None:
    text = format_kg(grams)
    assert kg_to_g(Decimal(text)) == grams
    assert Decimal(canonical_decimal(Decimal(text))) == Decimal(text)


def test_canonical_decimal_text() -> None:
    assert canonical_decimal(Decimal("12.50")) == "12.5"
    assert canonical_decimal(Decimal("1E+2")) == "100"
    assert canonical_decimal(Decimal("-0.000")) == "0"


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("2025-06-03T09:30:00+08:00", True),
        ("2025-06-03T01:30:00Z", True),
        ("2025-06-03T09:30:00.123456-05:00", True),
        ("2025-06-03T09:30:00", False),
        ("2025-06-03", False),
        ("yesterday", False),
        ("2025-13-03T09:30:00Z", False),
    ],
)
def test_rfc3339_with_offset_only(text: str, ok: bool) -> None:
    assert (parse_time(text) is not None) == ok


def test_deadline_keeps_the_event_time_zone() -> None:
    occurred = datetime.fromisoformat("2025-12-31T23:59:00+08:00")
    assert reporting_deadline(occurred) == datetime.fromisoformat("2026-01-11T00:00:00+08:00")


def _entry(position: int, prev_hash: str, record: str = "{}") -> Entry:
    return Entry(
        position,
        prev_hash,
        "event",
        "adjustment",
        f"ev-{position}",
        f"ev-{position}",
        "E",
        "2025-01-01T00:00:00.000000Z",
        datetime.now(UTC).isoformat(),
        False,
        "test",
        "d" * 64,
        record,
    )


def test_chain_checker_finds_a_changed_entry() -> None:
    first = _entry(1, "0" * 64)
    second = _entry(2, first.compute_hash())
    checker = ChainChecker()
    checker.check(first, first.compute_hash())
    checker.check(_entry(2, first.compute_hash(), '{"x":1}'), second.compute_hash())
    assert checker.first_break is not None and checker.first_break.position == 2
