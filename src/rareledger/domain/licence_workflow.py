"""The licence workflow as its records arrive: applications, resubmissions and decisions.

An application enters the state's registry as an :class:`ApplicationState`; a decision moves
it along its lifecycle (:func:`~rareledger.domain.licences.next_status`), and an approval also
creates the :class:`LicenceState` it grants. A record that breaks a rule raises
:class:`~rareledger.domain.problems.Rejected`; one already recorded returns the position of
the original.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from rareledger.domain.control_records import check_validity
from rareledger.domain.ledger.state import LedgerState
from rareledger.domain.licences import (
    ApplicationState,
    LicenceApplication,
    LicenceDecision,
    LicenceState,
    next_status,
)
from rareledger.domain.problems import Rejected, reject
from rareledger.domain.quantities import format_kg, utc_text
from rareledger.domain.records import ParsedRecord


def record_application(
    state: LedgerState, parsed: ParsedRecord, value: LicenceApplication, position: int
) -> int | None:
    """Record an application or its resubmission; the original's position for a duplicate."""
    current = state.entry("application", value.application_id)
    submitted = utc_text(value.submitted_at)
    if current is not None:
        if current.digest == parsed.digest:
            return int(current.position)
        if current.applicant != value.applicant:
            raise reject(
                "application_not_applicants",
                "applicant",
                "only the applicant may resubmit its application",
                value.applicant,
            )
        status = next_status(current.status, "resubmitted", value.application_id)
        updated = replace(
            current,
            status=status,
            submitted_at=submitted,
            digest=parsed.digest,
            position=position,
            record=parsed.record,
        )
    else:
        updated = ApplicationState(
            value.application_id,
            value.applicant,
            value.licence_type,
            "submitted",
            submitted,
            submitted,
            None,
            None,
            parsed.digest,
            position,
            (),
            parsed.record,
        )
    state.put_registry("application", value.application_id, updated)
    return None


def record_decision(
    state: LedgerState, parsed: ParsedRecord, value: LicenceDecision, position: int
) -> int | None:
    """Record a decision on an application; the application's position for a duplicate."""
    current = state.entry("application", value.application_id)
    if current is None:
        raise reject(
            "unknown_application", "application_id", "no such application", value.application_id
        )
    if parsed.digest in current.decisions:
        return int(current.position)
    status = next_status(current.status, value.decision, value.application_id)
    if value.decision == "approved":
        _approve(state, current, value)
    elif value.decision == "revoked":
        licence = state.entry("licence", current.licence_no or "")
        state.put_registry("licence", licence.licence_no, replace(licence, revoked=True))
    state.put_registry(
        "application",
        value.application_id,
        replace(
            current,
            status=status,
            decided_at=utc_text(value.decided_at),
            licence_no=value.licence_no or current.licence_no,
            decisions=(*current.decisions, parsed.digest),
        ),
    )
    return None


def _approve(state: LedgerState, application: ApplicationState, value: LicenceDecision) -> None:
    problem = check_validity(application.licence_type, value)
    if problem is not None:
        raise Rejected([problem])
    record: dict[str, Any] = application.record or {}
    applied = record.get("items", [])
    if len(value.approved_g) != len(applied):
        raise reject(
            "items_mismatch",
            "items",
            f"the decision lists {len(value.approved_g)} items, the application {len(applied)}",
            len(value.approved_g),
        )
    for index, (granted, item) in enumerate(zip(value.approved_g, applied, strict=True)):
        if Decimal(granted) > Decimal(item["quantity_kg"]) * 1000:
            raise reject(
                "quantity_exceeds_application",
                f"items[{index}].quantity_kg",
                "more than the application asked for",
                format_kg(granted),
            )
    if state.entry("licence", value.licence_no or "") is not None:
        raise reject(
            "licence_exists",
            "licence_no",
            "a licence with this number exists",
            value.licence_no,
        )
    assert value.licence_no and value.valid_from and value.valid_to
    state.put_registry(
        "licence",
        value.licence_no,
        LicenceState(
            value.licence_no,
            application.application_id,
            application.applicant,
            application.licence_type,
            value.valid_from,
            value.valid_to,
            record["destination_country"],
            record["end_user"]["name"],
            frozenset(e for item in applied for e in item["elements"]),
            sum(value.approved_g),
        ),
    )
