"""Export licences (spec section 5): applications, decisions, the state machine, coverage.

The workflow is a table of transitions; anything else is refused with ``invalid_transition``.
A licence covers an export when it is approved and not revoked or lapsed, the export's date is
within its validity, the destination, end user and controlled elements match, and the
remaining quantity suffices. Each covered export draws the quantity down.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from rareledger.domain.events import Party
from rareledger.domain.problems import reject
from rareledger.domain.quantities import format_kg

SINGLE, GENERAL = "single", "general"
LICENCE_TYPES = (SINGLE, GENERAL)
DECISIONS = ("approved", "denied", "info_requested", "revoked")
MAX_VALIDITY_DAYS = {SINGLE: 366, GENERAL: 3 * 365 + 1}  # one year, three years (leap day)
REVIEW_LIMIT_WORKING_DAYS = 45

# (status, action) -> next status. Actions: the decisions, and "resubmitted".
TRANSITIONS: dict[tuple[str, str], str] = {
    ("submitted", "approved"): "approved",
    ("submitted", "denied"): "denied",
    ("submitted", "info_requested"): "info_requested",
    ("info_requested", "resubmitted"): "submitted",
    ("approved", "revoked"): "revoked",
}


@dataclass(frozen=True, slots=True)
class LicenceItem:
    form: str
    elements: tuple[str, ...]
    description: str
    hs_code: str
    quantity_g: int


@dataclass(frozen=True, slots=True, kw_only=True)
class LicenceApplication:
    """An exporter asks for a licence."""

    application_id: str
    applicant: str
    licence_type: str
    items: tuple[LicenceItem, ...]
    consignee: Party
    end_user: Party
    end_use: str
    destination_country: str
    contract_no: str
    submitted_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class LicenceDecision:
    """The regulator approves, denies, asks for information, or revokes."""

    application_id: str
    decision: str
    decided_at: datetime
    licence_no: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    approved_g: tuple[int, ...] = ()
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class ApplicationState:
    application_id: str
    applicant: str
    licence_type: str
    status: str
    first_submitted_at: str
    submitted_at: str
    decided_at: str | None
    licence_no: str | None
    digest: str
    position: int
    decisions: tuple[str, ...] = ()  # digests of recorded decisions
    record: dict[str, object] | None = None


@dataclass(frozen=True, slots=True)
class LicenceState:
    licence_no: str
    application_id: str
    exporter: str
    licence_type: str
    valid_from: date
    valid_to: date
    destination_country: str
    end_user: str
    elements: frozenset[str]
    quantity_g: int
    used_g: int = 0
    uses: int = 0
    revoked: bool = False

    @property
    def remaining_g(self) -> int:
        return self.quantity_g - self.used_g

    def status_on(self, on: date) -> str:
        if self.revoked:
            return "revoked"
        if self.licence_type == SINGLE and self.uses > 0:
            return "lapsed"
        if self.remaining_g <= 0:
            return "exhausted"
        if on < self.valid_from:
            return "not_yet_valid"
        if on > self.valid_to:
            return "expired"
        return "valid"


def next_status(current: str, action: str, application_id: str) -> str:
    """The status after ``action``, or a rejection naming the refused transition."""
    following = TRANSITIONS.get((current, action))
    if following is None:
        allowed = sorted(a for (s, a) in TRANSITIONS if s == current) or ["none"]
        raise reject(
            "invalid_transition",
            "decision",
            f"application {application_id} is {current}; {action} is not allowed "
            f"(allowed: {', '.join(allowed)})",
            action,
        )
    return following


def same_party(a: str, b: str) -> bool:
    """Two names of one party, ignoring case, punctuation and spacing."""
    return _squash(a) == _squash(b)


def _squash(name: str) -> str:
    return re.sub(r"[\W_]+", "", name.casefold())


@dataclass(frozen=True, slots=True)
class Shortfall:
    """Why a licence does not cover an export: a finding code and a message."""

    code: str
    message: str


def coverage(  # noqa: PLR0913
    licence: LicenceState | None,
    licence_no: str | None,
    *,
    on: date,
    destination: str,
    end_user: str,
    elements: set[str],
    needed_g: int,
) -> list[Shortfall]:
    """Everything that stops ``licence`` covering this export (empty when it is covered)."""
    if not licence_no:
        return [Shortfall("unlicensed_export", "a controlled export names no licence")]
    if licence is None:
        return [Shortfall("unlicensed_export", f"licence {licence_no} is unknown")]
    status = licence.status_on(on)
    if status == "expired":
        message = f"licence {licence_no} expired on {licence.valid_to.isoformat()}"
        return [Shortfall("unlicensed_export", message), Shortfall("licence_expired", message)]
    if status in ("revoked", "lapsed", "not_yet_valid"):
        return [Shortfall("unlicensed_export", f"licence {licence_no} is {status}")]
    found = _scope(licence, destination, end_user, elements)
    if status == "exhausted" or licence.remaining_g < needed_g:
        found.append(
            Shortfall(
                "licence_exceeded",
                f"needs {format_kg(needed_g)} kg, licence {licence_no} has "
                f"{format_kg(max(licence.remaining_g, 0))} kg left",
            )
        )
    return found


def _scope(
    licence: LicenceState, destination: str, end_user: str, elements: set[str]
) -> list[Shortfall]:
    found = []
    if destination != licence.destination_country:
        found.append(
            Shortfall(
                "licence_scope_mismatch",
                f"destination {destination}, licence for {licence.destination_country}",
            )
        )
    if not same_party(end_user, licence.end_user):
        found.append(
            Shortfall(
                "licence_scope_mismatch", f"end user {end_user!r}, licence for {licence.end_user!r}"
            )
        )
    extra = sorted(elements - licence.elements)
    if extra:
        found.append(
            Shortfall(
                "licence_scope_mismatch",
                f"controlled elements {', '.join(extra)} not on the licence",
            )
        )
    return found
