"""Keep the EPCIS projection up to date with the ledger, and read it (queries, export)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from rareledger.domain.access import Principal
from rareledger.formats.epcis.index import event_namespaces, index_record
from rareledger.services.epcis_reindex import index_in_place, lookups
from rareledger.services.reads import BadCursor, decode_cursor, encode_cursor
from rareledger.store import epcis as store
from rareledger.store.database import Database
from rareledger.store.log import iter_entries, read_head

INDEX_BATCH = 2000
QUERY_NAME = "SimpleEventQuery"


def catch_up(database: Database) -> int:
    """Index every ledger entry recorded since the last call; return how many."""
    with database.write() as connection:
        start = store.indexed_position(connection)
        head, _ = read_head(connection)
        if head <= start:
            return 0
        index_in_place(connection, iter_entries(connection, start + 1))
        store.mark_indexed(connection, head)
    return head - start


def index_fresh(database: Database, fresh: list[tuple[int, dict[str, Any]]]) -> bool:
    """Index the entries a capture just wrote from their records, without reading them back;
    False (nothing done) unless they are exactly the entries after the high-water mark."""
    with database.write() as connection:
        mark = store.indexed_position(connection)
        head, _ = read_head(connection)
        if [position for position, _ in fresh] != list(range(mark + 1, head + 1)) or not fresh:
            return False
        times = store.recorded_times(connection, mark + 1, head)
        sellers = {r["event_id"]: r["reporter"] for _, r in fresh if r.get("type") == "shipment"}
        lookup, seller_of = lookups(connection, sellers)

        items = [
            (position, item)
            for position, record in fresh
            for item in index_record(record, times[position], lookup, seller_of)
        ]
        store.write_indexed(connection, head, items)
    return True


@dataclass(frozen=True, slots=True)
class EventPage:
    events: list[dict[str, Any]]
    next_token: str | None


def page(
    database: Database,
    principal: Principal,
    wanted: store.EventFilter,
    *,
    token: str | None,
    per_page: int,
) -> EventPage:
    """One page of matching events, as the principal may see them."""
    after = decode_cursor(token)
    if after is not None and not (
        isinstance(after, list) and len(after) == 2 and all(isinstance(x, int) for x in after)
    ):
        raise BadCursor()
    catch_up(database)
    if not principal.reads_all:
        wanted.viewer = principal.enterprise_id or ""
    with database.read() as connection:
        rows = store.events_page(
            connection, wanted, after=tuple(after) if after else None, limit=per_page + 1
        )
    more = len(rows) > per_page
    rows = rows[:per_page]
    token_out = encode_cursor([rows[-1][0], rows[-1][1]]) if more and rows else None
    return EventPage([event for _, _, event in rows], token_out)


def all_events(
    database: Database, principal: Principal, wanted: store.EventFilter
) -> Iterator[list[dict[str, Any]]]:
    """Every matching event, a page at a time (for exports)."""
    token = None
    while True:
        found = page(database, principal, wanted, token=token, per_page=INDEX_BATCH)
        if found.events:
            yield found.events
        if found.next_token is None:
            return
        token = found.next_token


def document(events: list[dict[str, Any]], *, query: bool) -> dict[str, Any]:
    """An EPCISDocument or EPCISQueryDocument of stored events: their namespaces move to the
    document's @context unless two events give one prefix different meanings."""
    from rareledger.formats.epcis.vocabulary import DEFAULT_CONTEXT

    merged: dict[str, str] = {}
    body: list[dict[str, Any]] = []
    for event in events:
        own = event_namespaces(event)
        clash = any(merged.get(k, v) != v for k, v in own.items())
        out = {k: v for k, v in event.items() if k != "@context"}
        if clash:
            out = {"@context": [own], **out}
        else:
            merged.update(own)
        body.append(out)
    context: list[Any] = [DEFAULT_CONTEXT, *([merged] if merged else [])]
    created = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    head = {"@context": context, "type": "EPCISQueryDocument" if query else "EPCISDocument"}
    head |= {"schemaVersion": "2.0", "creationDate": created}
    if query:
        results = {"queryName": QUERY_NAME, "resultsBody": {"eventList": body}}
        return {**head, "epcisBody": {"queryResults": results}}
    return {**head, "epcisBody": {"eventList": body}}
