"""The web application's one way into the ledger: submit records for a principal, or try them.

Every page that records something (an event form, a spreadsheet, a licence decision, a
customs check) comes through :func:`submit`, the single adapter around ``Recorder``. A dry
run judges the records against the same rules and the same state, then rolls back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rareledger.domain.access import Principal
from rareledger.domain.findings import RuleSettings
from rareledger.services.reporting import Acknowledgement, Recorder
from rareledger.store.database import Database
from rareledger.store.rehearsal import Rehearsal


def submit(
    database: Database,
    principal: Principal,
    records: Sequence[Any],
    settings: RuleSettings | None = None,
    *,
    dry_run: bool = False,
) -> list[Acknowledgement]:
    """One answer per record, in order; with ``dry_run`` nothing is stored."""
    target = Rehearsal(database) if dry_run else database
    return Recorder(target, principal.actor(), settings=settings).submit(list(records))


def recorder(
    database: Database, principal: Principal, settings: RuleSettings | None = None
) -> Recorder:
    """A recorder for a principal (for a spreadsheet, submitted in batches)."""
    return Recorder(database, principal.actor(), settings=settings)
