"""Who submits a record, and whether they may: reporters, applicants, operators."""

from __future__ import annotations

from dataclasses import dataclass

from rareledger.domain import vocabulary as vocab
from rareledger.domain.events import Event
from rareledger.domain.ledger.state import LedgerState
from rareledger.domain.problems import reject


@dataclass(frozen=True, slots=True)
class Actor:
    """Who submits: an operator (``enterprise_id`` None, may report for anyone) or an
    enterprise account bound to one enterprise."""

    name: str
    enterprise_id: str | None = None
    role: str = "operator"  # operator (command line), regulator, customs, auditor, enterprise

    @property
    def writes_master_data(self) -> bool:
        return self.enterprise_id is None and self.role in ("operator", "regulator")


def check_reporter(state: LedgerState, event: Event, actor: Actor, path: str) -> None:
    """The reporter exists, is the submitting enterprise, and has a role for this event."""
    reporter = state.enterprise(event.reporter)
    if reporter is None:
        raise reject("unknown_enterprise", f"{path}reporter", "no such enterprise", event.reporter)
    if actor.enterprise_id is not None and actor.enterprise_id != event.reporter:
        raise reject(
            "reporter_mismatch",
            f"{path}reporter",
            "an enterprise may only report as itself",
            event.reporter,
        )
    allowed = vocab.REPORTING_ROLES[event.type]
    if allowed is not None and not allowed.intersection(reporter.roles):
        raise reject(
            "role_not_permitted",
            f"{path}type",
            f"{event.type} may be reported only by: {', '.join(sorted(allowed))}",
            event.type,
        )


def check_applicant(state: LedgerState, applicant: str, actor: Actor) -> None:
    """An exporter applies for itself; the regulator may record an application for it."""
    found = state.enterprise(applicant)
    if found is None:
        raise reject("unknown_enterprise", "applicant", "no such enterprise", applicant)
    if actor.enterprise_id is not None and actor.enterprise_id != applicant:
        raise reject(
            "reporter_mismatch", "applicant", "an enterprise applies only for itself", applicant
        )
    if actor.enterprise_id is None and not actor.writes_master_data:
        raise reject(
            "not_permitted",
            "type",
            "applications come from exporters or the regulator",
            "licence_application",
        )
    if "exporter" not in found.roles:
        raise reject(
            "role_not_permitted", "applicant", "only an exporter applies for a licence", applicant
        )
