"""The EPCIS index rebuilt beside the projections, in a second process.

`rareledger rebuild` empties every projection, the EPCIS index among them, and replays the
ledger through the write engine. The index is not the engine's: each entry's EPCIS events
(and their event hashes, the costly part) follow from the entry's own record alone, except
for two cases that need the projections. So while this process replays, a worker process
reads the same entries through its own connection and turns them into index rows, which this
process inserts, between its own batches, into the rebuild's transaction.

The two cases the worker leaves to this process, after the replay:

- a correction: its error declaration repeats the corrected event as it stands now, which
  the rebuilt ``events`` projection tells;
- a receipt of a shipment that the worker has not seen reported as a shipment (one that a
  correction put in place): its seller comes from the rebuilt ``shipments`` projection.

These are indexed exactly as :func:`rareledger.services.epcis_index.catch_up` indexes them,
so the rows are the same as a catch-up's after the replay (a test compares them).
"""

from __future__ import annotations

import json
import multiprocessing
import queue as queues
from collections.abc import Callable, Iterator
from multiprocessing.process import BaseProcess
from typing import Any

from rareledger.domain.integrity import Entry
from rareledger.formats.epcis.index import index_record
from rareledger.store import epcis as store
from rareledger.store import queries
from rareledger.store.database import Database, Transaction
from rareledger.store.log import entries_at, iter_entries

ROWS_PER_MESSAGE = 2000  # indexed events per message from the worker
MESSAGES_AHEAD = 8  # how far the worker may run ahead of the inserts (bounds memory)
WORKER_TIMEOUT_S = 5.0  # how long to wait for a message before checking the worker lives


class _NeedsProjections(Exception):
    """An entry the worker cannot index from the records alone."""


class Reindexer:
    """Builds the EPCIS index of entries 1 to ``head`` while the caller replays them.

    ``parallel``: in a worker process (which needs a database another process can open: a
    file or a server); otherwise every entry is indexed in this process by :meth:`finish`.
    """

    def __init__(self, database: Database, head: int, *, parallel: bool) -> None:
        self.head = head
        self.deferred: list[int] = []
        self._worker: BaseProcess | None = None
        self._done = not parallel
        if parallel:
            context = multiprocessing.get_context("fork")
            self._queue: Any = context.Queue(maxsize=MESSAGES_AHEAD)
            self._worker = context.Process(
                target=_index_in_worker, args=(database.url, head, self._queue), daemon=True
            )
            self._worker.start()

    def insert_ready(self, connection: Transaction) -> None:
        """Insert whatever the worker has sent so far (does not wait)."""
        while not self._done:
            try:
                message = self._queue.get_nowait()
            except queues.Empty:
                return
            self._take(connection, message)

    def finish(self, connection: Transaction) -> None:
        """Insert the rest, index what was left to this process, and mark ``head`` indexed.
        Call once the projections are rebuilt."""
        if self._worker is None:
            index_in_place(connection, iter_entries(connection))
        else:
            while not self._done:
                self._take(connection, self._next_message())
            self._worker.join()
            index_in_place(connection, entries_at(connection, self.deferred))
        store.mark_indexed(connection, self.head)

    def _next_message(self) -> Any:
        assert self._worker is not None
        while True:
            try:
                return self._queue.get(timeout=WORKER_TIMEOUT_S)
            except queues.Empty:
                if not self._worker.is_alive():
                    raise RuntimeError("the EPCIS index worker stopped without finishing") from None

    def _take(self, connection: Transaction, message: Any) -> None:
        kind, body = message
        if kind == "rows":
            store.insert_indexed(connection, body)
        elif kind == "done":
            self.deferred, self._done = body, True
        else:
            raise RuntimeError(f"the EPCIS index worker failed: {body}")


def index_in_place(connection: Transaction, entries: Iterator[tuple[Entry, str]]) -> None:
    """Index entries (in position order) with the projections' lookups: a catch-up's way."""
    sellers: dict[str, str] = {}
    lookup, seller_of = lookups(connection, sellers)
    for batch in indexed_entries((e for e, _ in entries), lookup, seller_of, sellers=sellers):
        store.insert_indexed(connection, store.indexed_rows(batch))


def lookups(
    connection: Transaction, sellers: dict[str, str]
) -> tuple[Callable[[str], dict[str, Any]], Callable[[str], str | None]]:
    """What indexing a record may look up: an event as it stands now, and a shipment's
    seller (from ``sellers`` first: the shipments indexed so far)."""

    def record_of(event_id: str) -> dict[str, Any]:
        found = queries.event_record(connection, event_id)
        if found is None:
            raise LookupError(f"no event {event_id!r}")
        record: dict[str, Any] = found["record"]
        return record

    def seller_of(shipment_event_id: str) -> str | None:
        if shipment_event_id in sellers:
            return sellers[shipment_event_id]
        parties = queries.shipment_parties(connection, shipment_event_id)
        return parties[0] if parties else None

    return record_of, seller_of


def indexed_entries(
    entries: Iterator[Entry],
    lookup: Callable[[str], dict[str, Any]],
    seller_of: Callable[[str], str | None],
    *,
    sellers: dict[str, str] | None = None,
    deferred: list[int] | None = None,
) -> Iterator[list[tuple[int, Any]]]:
    """Index entries, a batch of indexed events at a time. Shipments seen go into
    ``sellers``; an entry whose lookups raise :class:`_NeedsProjections` goes into
    ``deferred`` instead of the index."""
    batch: list[tuple[int, Any]] = []
    for entry in entries:
        record = json.loads(entry.record)
        if sellers is not None and record.get("type") == "shipment":
            sellers[record["event_id"]] = record["reporter"]
        try:
            items = index_record(record, entry.recorded_at, lookup, seller_of)
        except _NeedsProjections:
            assert deferred is not None
            deferred.append(entry.position)
            continue
        batch.extend((entry.position, item) for item in items)
        if len(batch) >= ROWS_PER_MESSAGE:
            yield batch
            batch = []
    if batch:
        yield batch


def _index_in_worker(url: str, head: int, out: Any) -> None:
    """The worker: index entries 1 to ``head`` from their records; send rows, then the
    positions left for the projections."""
    try:
        database = Database(url, map_file=False)
        sellers: dict[str, str] = {}
        deferred: list[int] = []

        def no_lookup(_event_id: str) -> dict[str, Any]:
            raise _NeedsProjections

        def seller_seen(shipment_event_id: str) -> str | None:
            if shipment_event_id in sellers:
                return sellers[shipment_event_id]
            raise _NeedsProjections

        with database.scan() as connection:
            entries = (e for e, _ in iter_entries(connection) if e.position <= head)
            for batch in indexed_entries(
                entries, no_lookup, seller_seen, sellers=sellers, deferred=deferred
            ):
                out.put(("rows", store.indexed_rows(batch)))
        database.dispose()
        out.put(("done", deferred))
    except Exception as error:  # reported to the parent, which raises it
        out.put(("failed", f"{type(error).__name__}: {error}"))
