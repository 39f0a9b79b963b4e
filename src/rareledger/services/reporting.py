"""Record submitted reports: parse, judge, append to the ledger, update the projections.

:class:`Recorder` takes batches of raw records (parsed JSON objects, or
:class:`Unreadable` lines) and returns one :class:`Receipt` per record, in order. Each batch
is one transaction. Between batches it keeps the working state in memory, and drops it as
soon as another writer has moved the ledger's head.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select

from rareledger.domain.events import Correction, Event
from rareledger.domain.findings import RuleSettings
from rareledger.domain.integrity import Entry
from rareledger.domain.ledger import Actor, Ledger
from rareledger.domain.needs import needs_of
from rareledger.domain.problems import Problem, Rejected
from rareledger.domain.quantities import utc_text
from rareledger.domain.records import ParsedRecord, parse_record, record_id_of
from rareledger.domain.state import LedgerState, Needs
from rareledger.services.screening import make_screener
from rareledger.store import schema
from rareledger.store.database import Database
from rareledger.store.log import append, read_head
from rareledger.store.projections import SqlStateSource, write_changes

MAX_CACHED_KEYS = 2_000_000


@dataclass(frozen=True, slots=True)
class Unreadable:
    """Input that is not JSON at all (a malformed line of a JSON Lines file)."""

    text: str
    reason: str


@dataclass(slots=True)
class Receipt:
    """The answer to one submitted record (spec section 7)."""

    id: str | None
    status: str  # accepted | duplicate | rejected
    position: int | None = None
    hash: str | None = None
    findings: list[dict[str, str]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    outcome: dict[str, Any] | None = None  # a customs decision (extension)

    def as_dict(self) -> dict[str, Any]:
        answer: dict[str, Any] = {
            "id": self.id,
            "status": self.status,
            "position": self.position,
            "hash": self.hash,
            "findings": self.findings,
            "errors": self.errors,
        }
        if self.outcome is not None:
            answer["outcome"] = self.outcome
        return answer


def _rejected(record_id: str | None, problems: Sequence[Problem]) -> Receipt:
    return Receipt(record_id, "rejected", errors=[p.as_dict() for p in problems])


class Recorder:
    """Submits batches of records to the ledger for one actor."""

    def __init__(
        self,
        database: Database,
        actor: Actor,
        *,
        allow_recorded_at: bool = False,
        settings: RuleSettings | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.database = database
        self.actor = actor
        self.allow_recorded_at = allow_recorded_at
        self.settings = settings or RuleSettings()
        self.clock = clock or (lambda: datetime.now(UTC))
        self.state: LedgerState | None = None
        self.known_head = -1

    def submit(self, raws: Iterable[object]) -> list[Receipt]:
        """Judge and record one batch (one transaction); one receipt per record, in order."""
        parsed = [self._parse(raw) for raw in raws]
        with self.database.write() as connection:
            try:
                return self._submit(connection, parsed)
            except BaseException:
                self.state = None
                raise

    def _parse(self, raw: object) -> ParsedRecord | Receipt:
        if isinstance(raw, Unreadable):
            return _rejected(None, [Problem("malformed_json", "", raw.reason, raw.text)])
        result = parse_record(raw, allow_recorded_at=self.allow_recorded_at)
        return result if isinstance(result, ParsedRecord) else _rejected(record_id_of(raw), result)

    def _working_state(self, connection: Connection, head: int) -> LedgerState:
        source = SqlStateSource(connection)
        if self.state is None or head != self.known_head or self.state.size() > MAX_CACHED_KEYS:
            self.state = LedgerState(source)
        self.state.source = source
        return self.state

    def _submit(self, connection: Connection, items: list[ParsedRecord | Receipt]) -> list[Receipt]:
        position, prev_hash = read_head(connection)
        state = self._working_state(connection, position)
        needs = Needs()
        for item in items:
            if isinstance(item, ParsedRecord):
                needs_of(item, needs)
        state.prefetch(needs)
        ledger = Ledger(state, self.settings, make_screener(self.settings.screening_threshold))
        receipts: list[Receipt] = []
        entries: list[tuple[Entry, str]] = []
        duplicates: list[tuple[Receipt, int]] = []
        for item in items:
            if isinstance(item, Receipt):
                receipts.append(item)
                continue
            recorded_at = item.recorded_at or self.clock()
            try:
                applied = ledger.apply(
                    item, position=position + 1, recorded_at=recorded_at, actor=self.actor
                )
            except Rejected as rejection:
                receipts.append(_rejected(item.record_id, rejection.problems))
                continue
            if applied.duplicate_of is not None:
                receipt = Receipt(item.record_id, "duplicate", applied.duplicate_of)
                duplicates.append((receipt, applied.duplicate_of))
                receipts.append(receipt)
                continue
            position += 1
            entry = self._entry(item, position, prev_hash, recorded_at)
            prev_hash = entry.compute_hash()
            entries.append((entry, prev_hash))
            receipts.append(
                Receipt(
                    item.record_id,
                    "accepted",
                    position,
                    prev_hash,
                    [f.as_dict() for f in applied.findings],
                    outcome=applied.outcome,
                )
            )
        append(connection, entries)
        write_changes(connection, *state.take_changes())
        _fill_duplicates(connection, duplicates)
        self.known_head = position
        return receipts

    def _entry(
        self, item: ParsedRecord, position: int, prev_hash: str, recorded_at: datetime
    ) -> Entry:
        event = item.value if isinstance(item.value, Event) else None
        return Entry(
            position=position,
            prev_hash=prev_hash,
            kind=item.kind,
            type=item.type,
            record_id=item.record_id,
            event_id=event.event_id if event else None,
            reporter=event.reporter if event else None,
            occurred_at=utc_text(event.occurred_at) if event else None,
            recorded_at=recorded_at.isoformat(),
            recorded_at_supplied=item.recorded_at is not None,
            submitted_by=self.actor.name,
            digest=item.digest,
            record=item.text,
        )


def _fill_duplicates(connection: Connection, duplicates: list[tuple[Receipt, int]]) -> None:
    """Give duplicate receipts the original's hash and findings."""
    if not duplicates:
        return
    positions = sorted({p for _, p in duplicates})
    entries, found = schema.ledger_entries, schema.findings
    query = select(entries.c.position, entries.c.hash).where(entries.c.position.in_(positions))
    hashes = {int(row.position): str(row.hash) for row in connection.execute(query)}
    flags: dict[int, list[dict[str, str]]] = {}
    for row in connection.execute(
        select(found.c.position, found.c.code, found.c.message)
        .where(found.c.position.in_(positions), found.c.retracted.is_(False))
        .order_by(found.c.position, found.c.seq)
    ):
        flags.setdefault(row.position, []).append({"code": row.code, "message": row.message})
    for receipt, original in duplicates:
        receipt.hash = hashes.get(original)
        receipt.findings = flags.get(original, [])


def replay_record(text: str) -> ParsedRecord:
    """Parse a stored record again (for rebuilding the projections)."""
    from decimal import Decimal

    parsed = parse_record(json.loads(text, parse_float=Decimal), allow_recorded_at=True)
    if not isinstance(parsed, ParsedRecord):
        raise ValueError(f"a stored record no longer parses: {parsed}")
    return parsed


__all__ = ["Correction", "Receipt", "Recorder", "Unreadable", "replay_record"]
