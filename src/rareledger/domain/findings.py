"""The per-event findings of spec section 4: accepted, stored, and flagged.

Each function judges one aspect of one event and returns the findings it raises; the codes
are stable and catalogued in ``docs/events.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from rareledger.domain.problems import Finding
from rareledger.domain.quantities import format_kg

FINDING_CODES = (
    "negative_balance",
    "mass_balance_excess",
    "receipt_mismatch",
    "late_report",
    "unlicensed_export",
    "licence_exceeded",
    "licence_scope_mismatch",
    "licence_expired",
    "misdeclared_goods",
    "watchlist_match",
    "duplicate_invoice",
    "tainted_export",
    "insufficient_holding",
    "provenance_gap",
)
REPORTING_DAY = 10


@dataclass(frozen=True, slots=True)
class RuleSettings:
    """Tolerances of the per-event rules (fractions, not percentages)."""

    mass_balance_tolerance: Decimal = Decimal("0.02")
    receipt_tolerance: Decimal = Decimal("0.005")
    regulator_utc_offset_minutes: int = 8 * 60  # dates are the regulator's (China: UTC+8)
    screening_threshold: float = 90.0  # watch-list match score (0-100) that makes a finding
    reservation_days: int = 30  # a released check's reservation lapses this long after it


def regulator_zone(settings: RuleSettings | None = None) -> timezone:
    """The regulator's time zone, in which dates are counted."""
    minutes = (settings or RuleSettings()).regulator_utc_offset_minutes
    return timezone(timedelta(minutes=minutes))


def negative_balance(lot_id: str, holder: str, taken_g: int, held_g: int) -> Finding:
    return Finding(
        "negative_balance",
        f"takes {format_kg(taken_g)} kg of lot {lot_id} but {holder} holds {format_kg(held_g)} kg",
        holder,
        lot_id,
        {"taken_kg": format_kg(taken_g), "held_kg": format_kg(held_g)},
    )


def element_masses(parts: list[tuple[Mapping[str, Decimal], int]]) -> dict[str, Decimal]:
    """Grams of each element in a list of (composition, mass in grams)."""
    totals: dict[str, Decimal] = {}
    for composition, mass_g in parts:
        for symbol, fraction in composition.items():
            totals[symbol] = totals.get(symbol, Decimal(0)) + fraction * mass_g
    return totals


def mass_balance_excess(
    inputs: list[tuple[Mapping[str, Decimal], int]],
    outputs: list[tuple[Mapping[str, Decimal], int]],
    tolerance: Decimal,
    reporter: str,
) -> list[Finding]:
    """One finding per element whose outputs exceed its inputs beyond the tolerance."""
    had, made = element_masses(inputs), element_masses(outputs)
    findings = []
    for symbol, out_g in sorted(made.items()):
        in_g = had.get(symbol, Decimal(0))
        if out_g > in_g * (1 + tolerance):
            findings.append(
                Finding(
                    "mass_balance_excess",
                    f"outputs hold {_kg(out_g)} kg {symbol}, inputs {_kg(in_g)} kg "
                    f"(tolerance {_percent(tolerance)} %)",
                    reporter,
                    None,
                    {"element": symbol, "output_kg": _kg(out_g), "input_kg": _kg(in_g)},
                )
            )
    return findings


def receipt_mismatch(
    shipped: Mapping[str, int], received: Mapping[str, int], tolerance: Decimal, buyer: str
) -> list[Finding]:
    """One finding per lot whose received mass differs from the shipped mass."""
    findings = []
    for lot_id, sent_g in shipped.items():
        got_g = received.get(lot_id, 0)
        if abs(got_g - sent_g) > sent_g * tolerance:
            findings.append(
                Finding(
                    "receipt_mismatch",
                    f"lot {lot_id}: shipped {format_kg(sent_g)} kg, received {format_kg(got_g)} kg",
                    buyer,
                    lot_id,
                    {"shipped_kg": format_kg(sent_g), "received_kg": format_kg(got_g)},
                )
            )
    return findings


def reporting_deadline(occurred_at: datetime) -> datetime:
    """The end of the 10th of the month after ``occurred_at``, in its own time zone."""
    year, month = occurred_at.year, occurred_at.month + 1
    if month == 13:
        year, month = year + 1, 1
    start = occurred_at.replace(
        year=year, month=month, day=REPORTING_DAY, hour=0, minute=0, second=0, microsecond=0
    )
    return start + timedelta(days=1)


def late_report(occurred_at: datetime, recorded_at: datetime, reporter: str) -> Finding | None:
    deadline = reporting_deadline(occurred_at)
    if recorded_at < deadline:
        return None
    return Finding(
        "late_report",
        f"recorded {recorded_at.isoformat()}, after the deadline {deadline.isoformat()}",
        reporter,
        None,
        {"deadline": deadline.isoformat()},
    )


def _kg(grams: Decimal) -> str:
    return f"{(grams / 1000).quantize(Decimal('0.001'))}"


def _percent(fraction: Decimal) -> str:
    return format((fraction * 100).normalize(), "f")
