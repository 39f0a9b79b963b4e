"""Master data in the ledger: enterprises, facilities, quotas and export-control records.

A record with a known id and the same content is an identical re-send (a duplicate); with
different content it supersedes the earlier version from the moment it is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass

from rareledger.domain.actors import Actor, check_applicant
from rareledger.domain.epcis_records import EPCIS_EVENT, apply_epcis_event
from rareledger.domain.events import Enterprise
from rareledger.domain.export_control import ExportControl
from rareledger.domain.ledger.model import EnterpriseState, MasterState, RecordedFinding
from rareledger.domain.ledger.state import LedgerState
from rareledger.domain.problems import Finding, reject
from rareledger.domain.records import ParsedRecord

CONTROL_RECORDS = ("control_regime", "licence_application", "licence_decision", "watchlist_entry")


@dataclass(frozen=True, slots=True)
class MasterOutcome:
    duplicate_of: int | None  # position of the original, for an identical re-send
    findings: list[Finding]


def apply_master(
    state: LedgerState, control: ExportControl, parsed: ParsedRecord, position: int, actor: Actor
) -> MasterOutcome:
    """Judge and record one master-data record."""
    if parsed.type == EPCIS_EVENT:
        return MasterOutcome(apply_epcis_event(state, parsed, position, actor), [])
    if parsed.type in CONTROL_RECORDS:
        return _apply_control(state, control, parsed, position, actor)
    if not actor.writes_master_data:
        raise reject(
            "not_permitted", "type", "master data are written by the regulator", parsed.type
        )
    if isinstance(parsed.value, Enterprise):
        return _apply_enterprise(state, parsed, parsed.value, position)
    current = state.master(parsed.type, parsed.record_id)
    if current is not None and current.digest == parsed.digest:
        return MasterOutcome(current.position, [])
    owner = parsed.record["enterprise_id"]
    if state.enterprise(owner) is None:
        raise reject("unknown_enterprise", "enterprise_id", "no such enterprise", owner)
    state.put_master(
        MasterState(
            parsed.record_id,
            parsed.type,
            owner,
            parsed.record["kind"],
            parsed.digest,
            position,
            parsed.record,
        )
    )
    return MasterOutcome(None, [])


def _apply_enterprise(
    state: LedgerState, parsed: ParsedRecord, value: Enterprise, position: int
) -> MasterOutcome:
    current = state.enterprise(value.id)
    if current is not None and current.digest == parsed.digest:
        return MasterOutcome(current.position, [])
    state.put_enterprise(
        EnterpriseState(
            value.id,
            value.roles,
            value.status,
            value.country,
            parsed.digest,
            position,
            parsed.record,
        )
    )
    return MasterOutcome(None, [])


def _apply_control(
    state: LedgerState, control: ExportControl, parsed: ParsedRecord, position: int, actor: Actor
) -> MasterOutcome:
    if parsed.type == "licence_application":
        check_applicant(state, parsed.record["applicant"], actor)
    elif not actor.writes_master_data:
        raise reject(
            "not_permitted", "type", f"{parsed.type} is written by the regulator", parsed.type
        )
    duplicate_of, findings = control.apply_master(parsed, position)
    for seq, finding in enumerate(findings):
        state.add_finding(RecordedFinding(position, seq, parsed.record_id, finding))
    return MasterOutcome(duplicate_of, findings)
