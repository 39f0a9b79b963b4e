"""The one write path: batches of records are parsed, judged, posted, appended, projected.

Every record that enters the ledger, from the API, `rareledger load`, a spreadsheet, and every
entry `rareledger rebuild` replays, goes through :class:`BatchEngine`:

    parse -> judge against the state -> post -> one append of entries -> one projection write

:class:`Recorder` submits new records for one actor (the ledger's head moves);
:func:`rareledger.services.integrity.rebuild` replays stored entries through the same engine
(the head stays). Each batch is one transaction. Between batches the engine keeps the working
state in memory and drops it as soon as another writer has moved the head.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from rareledger.domain.actors import Actor
from rareledger.domain.events import Event
from rareledger.domain.findings import RuleSettings
from rareledger.domain.intake import LineRejected, RawLine, parse_line
from rareledger.domain.integrity import Entry
from rareledger.domain.ledger.engine import Applied, Ledger
from rareledger.domain.ledger.needs import needs_of
from rareledger.domain.ledger.state import LedgerState, Needs
from rareledger.domain.problems import Problem, Rejected
from rareledger.domain.quantities import utc_text
from rareledger.domain.records import ParsedRecord, Unreadable, parse_record, record_id_of
from rareledger.errors import Conflict
from rareledger.services import collector
from rareledger.services.screening import make_screener
from rareledger.store import log, projections, queries
from rareledger.store.database import Database, Transaction

MAX_CACHED_ROWS = 400_000  # the working state is dropped beyond this (memory stays bounded)


@dataclass(slots=True)
class Acknowledgement:
    """The answer to one submitted record: the contract's "receipt" (spec section 7).

    (Named apart from the goods receipt, the event a buyer reports.)
    """

    id: str | None
    status: str  # accepted | duplicate | rejected
    position: int | None = None
    hash: str | None = None
    findings: list[dict[str, str]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    outcome: dict[str, Any] | None = None  # a customs decision (extension)
    line: int | None = None  # a rejected record's line in the file it came from (extension)

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
        if self.line is not None:
            answer["line"] = self.line
        return answer


def rejected(record_id: str | None, problems: Sequence[Problem]) -> Acknowledgement:
    return Acknowledgement(record_id, "rejected", errors=[p.as_dict() for p in problems])


@dataclass(frozen=True, slots=True)
class Stored:
    """A ledger entry to replay: its position, recording time and parsed record."""

    position: int
    recorded_at: datetime
    parsed: ParsedRecord


class BatchEngine:
    """Judges and applies batches of parsed records against a cached :class:`LedgerState`."""

    def __init__(self, settings: RuleSettings) -> None:
        self.settings = settings
        self.screener = make_screener(settings.screening_threshold)
        self.state: LedgerState | None = None
        self.known_head = -1

    def working_state(self, connection: Transaction, head: int) -> Ledger:
        """The cached state if the projections still match ``head``; a fresh one otherwise."""
        source = projections.SqlStateSource(connection)
        if self.state is None or head != self.known_head or self.state.size() > MAX_CACHED_ROWS:
            self.state = LedgerState(source)
        self.state.source = source
        return Ledger(self.state, self.settings, self.screener)

    def prefetch(self, records: Iterable[ParsedRecord]) -> None:
        assert self.state is not None
        needs = Needs()
        for parsed in records:
            needs_of(parsed, needs)
        self.state.prefetch(needs)

    def finish(self, connection: Transaction, head: int) -> None:
        """Write the batch's projection changes; the state now matches ``head``."""
        assert self.state is not None
        projections.write_changes(connection, self.state.take_changes())
        self.known_head = head

    def drop(self) -> None:
        self.state = None


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
        self.engine = BatchEngine(settings or RuleSettings())
        self.clock = clock or (lambda: datetime.now(UTC))

    def submit(self, raws: Iterable[object]) -> list[Acknowledgement]:
        """Judge and record one batch (one transaction); one answer per record, in order."""
        with collector.paused():
            parsed = [self._parse(raw) for raw in raws]
        with self.database.write() as connection, collector.paused():
            try:
                return self._submit(connection, parsed)
            except BaseException:
                self.engine.drop()
                raise

    def _parse(self, raw: object) -> ParsedRecord | Acknowledgement:
        try:
            return self._parse_one(raw)
        except Exception as error:  # one unreadable record never costs the batch its others
            problem = Problem(
                "invalid", "", f"the record could not be read ({type(error).__name__})"
            )
            return rejected(record_id_of(raw), [problem])

    def _parse_one(self, raw: object) -> ParsedRecord | Acknowledgement:
        if isinstance(raw, RawLine):
            raw = parse_line(raw, allow_recorded_at=self.allow_recorded_at)
        if isinstance(raw, ParsedRecord):  # validated already (a bulk load's worker)
            return raw
        if isinstance(raw, LineRejected):
            return rejected(raw.record_id, raw.problems)
        if isinstance(raw, Unreadable):
            return rejected(None, [Problem("malformed_json", "", raw.reason, raw.text)])
        result = parse_record(raw, allow_recorded_at=self.allow_recorded_at)
        return result if isinstance(result, ParsedRecord) else rejected(record_id_of(raw), result)

    def _submit(
        self, connection: Transaction, items: list[ParsedRecord | Acknowledgement]
    ) -> list[Acknowledgement]:
        head, _ = log.read_head(connection)
        ledger = self.engine.working_state(connection, head)
        self.engine.prefetch(item for item in items if isinstance(item, ParsedRecord))
        answers: list[Acknowledgement] = []
        entries: list[tuple[Entry, Acknowledgement]] = []
        duplicates: list[tuple[Acknowledgement, int]] = []
        position = head
        for item in items:
            if isinstance(item, Acknowledgement):
                answers.append(item)
                continue
            recorded_at = item.recorded_at or self.clock()
            try:
                applied = ledger.apply(
                    item, position=position + 1, recorded_at=recorded_at, actor=self.actor
                )
            except Rejected as rejection:
                answers.append(rejected(item.record_id, rejection.problems))
                continue
            if applied.duplicate_of is not None:
                answer = Acknowledgement(item.record_id, "duplicate", applied.duplicate_of)
                duplicates.append((answer, applied.duplicate_of))
            else:
                position += 1
                answer = _accepted(item, position, applied)
                entries.append((self._entry(item, position, recorded_at), answer))
            answers.append(answer)
        hashes = log.append(connection, [entry for entry, _ in entries])
        for (_, answer), entry_hash in zip(entries, hashes, strict=True):
            answer.hash = entry_hash
        self.engine.finish(connection, position)
        _fill_duplicates(connection, duplicates)
        return answers

    def _entry(self, item: ParsedRecord, position: int, recorded_at: datetime) -> Entry:
        event = item.value if isinstance(item.value, Event) else None
        return Entry(
            position=position,
            prev_hash="",  # chained by the store
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


def _accepted(item: ParsedRecord, position: int, applied: Applied) -> Acknowledgement:
    findings = [f.as_dict() for f in applied.findings]
    return Acknowledgement(
        item.record_id, "accepted", position, None, findings, outcome=applied.outcome
    )


def _fill_duplicates(
    connection: Transaction, duplicates: list[tuple[Acknowledgement, int]]
) -> None:
    """Give duplicate answers the original's hash and findings."""
    if not duplicates:
        return
    positions = sorted({p for _, p in duplicates})
    hashes, flags = queries.entries_hashes_and_findings(connection, positions)
    for answer, original in duplicates:
        answer.hash = hashes.get(original)
        answer.findings = flags.get(original, [])


def replay(connection: Transaction, engine: BatchEngine, stored: list[Stored], head: int) -> None:
    """Apply stored entries again, in order, through the same rules (for a rebuild).

    ``head`` is the ledger's head, which a replay does not move.
    """
    with collector.paused():
        _replay(connection, engine, stored, head)


def _replay(connection: Transaction, engine: BatchEngine, stored: list[Stored], head: int) -> None:
    ledger = engine.working_state(connection, head)
    engine.prefetch(s.parsed for s in stored)
    operator = Actor("rebuild")
    for item in stored:
        try:
            ledger.apply(
                item.parsed, position=item.position, recorded_at=item.recorded_at, actor=operator
            )
        except Rejected as rejection:  # pragma: no cover - would mean the rules changed
            raise Conflict(
                f"entry {item.position} is rejected on replay: {rejection}",
                code="replay_rejected",
            ) from None
    engine.finish(connection, head)
