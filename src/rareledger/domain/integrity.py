"""The hash chain of the ledger (spec section 6).

Each entry's hash covers its position, the previous entry's hash, every stored column and
the canonical record text, so editing, deleting or reordering stored entries breaks the
chain at the first changed position. The genesis entry follows :data:`GENESIS_HASH`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import orjson

GENESIS_HASH = "0" * 64


@dataclass(frozen=True, slots=True)
class Entry:
    """One ledger entry as stored."""

    position: int
    prev_hash: str
    kind: str
    type: str
    record_id: str
    event_id: str | None
    reporter: str | None
    occurred_at: str | None
    recorded_at: str
    recorded_at_supplied: bool
    submitted_by: str
    digest: str
    record: str

    def compute_hash(self) -> str:
        return chain_hash(self, self.prev_hash)


def chain_hash(entry: Entry, prev_hash: str) -> str:
    """SHA-256 of the entry's header (a compact JSON array of its columns, ``prev_hash`` as
    given) and its record text."""
    fields = [
        entry.position,
        prev_hash,
        entry.kind,
        entry.type,
        entry.record_id,
        entry.event_id,
        entry.reporter,
        entry.occurred_at,
        entry.recorded_at,
        entry.recorded_at_supplied,
        entry.submitted_by,
        entry.digest,
    ]
    # the same bytes as json.dumps(fields, separators=(",", ":"), ensure_ascii=False)
    header = orjson.dumps(fields)
    return hashlib.sha256(header + b"\n" + entry.record.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """The first position where the stored ledger stops matching its hash chain."""

    position: int
    reason: str


class ChainChecker:
    """Feed entries in stored order; the first break is remembered."""

    def __init__(self) -> None:
        self.expected_position = 1
        self.last_hash = GENESIS_HASH
        self.first_break: ChainBreak | None = None
        self.checked = 0

    def check(self, entry: Entry, stored_hash: str) -> None:
        if self.first_break is not None:
            return
        self.checked += 1
        if entry.position != self.expected_position:
            self._break(
                self.expected_position,
                f"entry {self.expected_position} is missing (found {entry.position})",
            )
        elif entry.prev_hash != self.last_hash:
            self._break(entry.position, "previous-hash link does not match the entry before")
        elif entry.compute_hash() != stored_hash:
            self._break(entry.position, "content does not match its hash")
        self.expected_position = entry.position + 1
        self.last_hash = stored_hash

    def finish(self, head_position: int, head_hash: str) -> ChainBreak | None:
        if self.first_break is None:
            last = self.expected_position - 1
            if head_position > last:
                self._break(
                    last + 1,
                    f"entries {last + 1}..{head_position} are missing "
                    "(the head says the ledger is longer)",
                )
            elif head_position < last:
                self._break(head_position + 1, "entries after the recorded head")
            elif head_hash != self.last_hash:
                self._break(last, "the head's hash does not match the last entry")
        return self.first_break

    def _break(self, position: int, reason: str) -> None:
        self.first_break = ChainBreak(position, reason)
