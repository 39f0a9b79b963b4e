"""The ledger's working state: what the rules need to judge the next record.

:class:`LedgerState` is a cache over a :class:`StateSource` (the database's projections).
It loads what a batch of records will touch in a few bulk reads, answers the rules'
questions from memory, records every change in a journal so that a rejected record leaves
no trace, and remembers which keys changed so that the store can write them back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from rareledger.domain.events import Event
from rareledger.domain.problems import Finding

BalanceKey = tuple[str, str]  # (lot_id, holder)


@dataclass(frozen=True, slots=True)
class EnterpriseState:
    id: str
    roles: tuple[str, ...]
    status: str
    country: str
    digest: str
    position: int
    record: dict[str, Any] = field(compare=False)


@dataclass(frozen=True, slots=True)
class MasterState:
    """A facility or quota: its owner and current version."""

    id: str
    type: str
    enterprise_id: str
    kind: str
    digest: str
    position: int
    record: dict[str, Any] = field(compare=False)


@dataclass(frozen=True, slots=True)
class LotState:
    lot_id: str
    form: str
    composition: dict[str, Decimal]
    creator: str
    event_id: str
    position: int
    created_g: int = 0
    consumed_g: int = 0
    exported_g: int = 0
    adjusted_g: int = 0
    discrepancy_g: int = 0
    retracted: bool = False


@dataclass(frozen=True, slots=True)
class ShipmentState:
    event_id: str
    seller: str
    buyer: str
    position: int
    items: dict[str, int]  # lot_id -> shipped grams
    received: dict[str, int] | None = None  # lot_id -> received grams
    receipt_event_id: str | None = None
    retracted: bool = False


@dataclass(frozen=True, slots=True)
class EventState:
    event_id: str
    position: int
    type: str
    reporter: str
    digest: str
    retracted_by: str | None = None
    via_correction: str | None = None  # set when the event is a correction's replacement


@dataclass(frozen=True, slots=True)
class RecordedFinding:
    position: int
    seq: int
    event_id: str
    finding: Finding


@dataclass(frozen=True, slots=True)
class Link:
    """A lot on one side of a processing event: an input (``mass_g`` taken) or an output.

    Every output of an event is made from all its inputs; storing each side once keeps an
    event of m inputs and n outputs at m + n rows instead of m x n edges.
    """

    lot_id: str
    event_id: str
    side: str  # "in" | "out"
    position: int
    mass_g: int = 0


@dataclass(frozen=True, slots=True)
class Movement:
    """A lot changing hands: created, shipped, received or exported (the chain of custody)."""

    lot_id: str
    event_id: str
    kind: str  # created | shipped | received | exported
    from_holder: str | None
    to_holder: str | None  # an enterprise, or a country for an export
    mass_g: int
    position: int
    occurred_at: str


class StateSource(Protocol):
    """Bulk readers of the projections; each returns only the keys it found."""

    def enterprises(self, ids: Iterable[str]) -> dict[str, EnterpriseState]: ...
    def masters(self, type_: str, ids: Iterable[str]) -> dict[str, MasterState]: ...
    def lots(self, ids: Iterable[str]) -> dict[str, LotState]: ...
    def balances(self, keys: Iterable[BalanceKey]) -> dict[BalanceKey, int]: ...
    def shipments(self, ids: Iterable[str]) -> dict[str, ShipmentState]: ...
    def events(self, ids: Iterable[str]) -> dict[str, EventState]: ...
    def event_value(self, event_id: str) -> Event: ...
    def registry(self, kind: str, keys: Iterable[str]) -> dict[str, Any]: ...
    def registry_all(self, kind: str) -> dict[str, Any]: ...


K = TypeVar("K")
V = TypeVar("V")
_ABSENT: Any = object()


class _Table(dict[K, V]):
    """A cache of one projection; ``None`` values mean "known not to exist"."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.dirty: set[K] = set()


@dataclass
class Changes:
    findings: list[RecordedFinding] = field(default_factory=list)
    retracted_findings: list[str] = field(default_factory=list)  # event ids
    links: list[Link] = field(default_factory=list)
    retracted_edges: list[str] = field(default_factory=list)  # event ids
    movements: list[Movement] = field(default_factory=list)


class LedgerState:
    """Cached projections plus the changes made since the last :meth:`flush`."""

    def __init__(self, source: StateSource) -> None:
        self.source = source
        self.enterprises: _Table[str, EnterpriseState | None] = _Table("enterprises")
        self.facilities: _Table[str, MasterState | None] = _Table("facilities")
        self.quotas: _Table[str, MasterState | None] = _Table("quotas")
        self.lots: _Table[str, LotState | None] = _Table("lots")
        self.balances: _Table[BalanceKey, int] = _Table("balances")
        self.shipments: _Table[str, ShipmentState | None] = _Table("shipments")
        self.events: _Table[str, EventState | None] = _Table("events")
        # export control: regimes, applications, licences, customs checks, licence uses,
        # watch-list entries, keyed by (kind, key)
        self.registry: _Table[tuple[str, str], Any] = _Table("registry")
        self._complete_kinds: set[str] = set()
        self._kinds: dict[str, list[Any]] = {}  # all_entries() answers, until a change
        self.changes = Changes()
        self.unwritten: dict[str, Event] = {}  # events applied since the last flush
        self._journal: list[tuple[_Table[Any, Any], Any, Any]] | None = None

    # ------------------------------------------------------------------ reading

    def prefetch(self, needs: Needs) -> None:
        """Load every key a batch will touch that is not cached yet, in bulk."""
        self._load(self.enterprises, needs.enterprises, self.source.enterprises)
        self._load(
            self.facilities, needs.facilities, lambda ids: self.source.masters("facility", ids)
        )
        self._load(self.quotas, needs.quotas, lambda ids: self.source.masters("quota", ids))
        self._load(self.lots, needs.lots, self.source.lots)
        self._load(self.shipments, needs.shipments, self.source.shipments)
        self._load(self.events, needs.events, self.source.events)
        missing = [k for k in needs.balances if k not in self.balances]
        if missing:
            found = self.source.balances(missing)
            for key in missing:
                self.balances[key] = found.get(key, 0)

    @staticmethod
    def _load(table: _Table[str, Any], ids: Iterable[str], reader: Any) -> None:
        missing = [i for i in set(ids) if i not in table]
        if missing:
            found = reader(missing)
            for key in missing:
                table[key] = found.get(key)

    def _get(
        self, table: _Table[str, V | None], key: str, reader: Callable[[list[str]], Mapping[str, V]]
    ) -> V | None:
        if key not in table:
            self._load(table, [key], reader)
        return table[key]

    def enterprise(self, enterprise_id: str) -> EnterpriseState | None:
        return self._get(self.enterprises, enterprise_id, self.source.enterprises)

    def master(self, type_: str, record_id: str) -> MasterState | None:
        table = self.facilities if type_ == "facility" else self.quotas
        return self._get(table, record_id, lambda ids: self.source.masters(type_, ids))

    def lot(self, lot_id: str) -> LotState | None:
        """A lot that exists now (a lot whose creation was retracted does not)."""
        lot = self._get(self.lots, lot_id, self.source.lots)
        return None if lot is None or lot.retracted else lot

    def any_lot(self, lot_id: str) -> LotState | None:
        return self._get(self.lots, lot_id, self.source.lots)

    def balance(self, lot_id: str, holder: str) -> int:
        key = (lot_id, holder)
        if key not in self.balances:
            self.balances[key] = self.source.balances([key]).get(key, 0)
        return self.balances[key]

    def shipment(self, event_id: str) -> ShipmentState | None:
        return self._get(self.shipments, event_id, self.source.shipments)

    def event(self, event_id: str) -> EventState | None:
        return self._get(self.events, event_id, self.source.events)

    def entry(self, kind: str, key: str) -> Any:
        """One export-control object (see :attr:`registry`), or None."""
        if (kind, key) not in self.registry:
            self.registry[(kind, key)] = self.source.registry(kind, [key]).get(key)
        return self.registry[(kind, key)]

    def all_entries(self, kind: str) -> list[Any]:
        """Every object of a kind (regimes, watch-list entries: a few hundred at most)."""
        if kind not in self._complete_kinds:
            for key, value in self.source.registry_all(kind).items():
                self.registry.setdefault((kind, key), value)
            self._complete_kinds.add(kind)
        if kind not in self._kinds:
            self._kinds[kind] = [
                v
                for (k, key), v in sorted(self.registry.items(), key=lambda item: item[0])
                if k == kind and v is not None
            ]
        return self._kinds[kind]

    def event_value(self, event_id: str) -> Event:
        """The content of an accepted event, for reversing it."""
        return self.unwritten.get(event_id) or self.source.event_value(event_id)

    # ------------------------------------------------------------------ writing

    def put(self, table: _Table[K, V], key: K, value: V) -> None:
        """Set one cached row, journaled and marked dirty."""
        if self._journal is not None:
            self._journal.append((table, key, table.get(key, _ABSENT)))
        table[key] = value
        table.dirty.add(key)
        if table is self.registry and isinstance(key, tuple):
            self._kinds.pop(key[0], None)

    def add_balance(self, lot_id: str, holder: str, delta_g: int) -> None:
        self.put(self.balances, (lot_id, holder), self.balance(lot_id, holder) + delta_g)

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """Apply one record: on any exception every change it made is undone."""
        self._journal = []
        marks = (
            len(self.changes.findings),
            len(self.changes.retracted_findings),
            len(self.changes.links),
            len(self.changes.retracted_edges),
            len(self.changes.movements),
        )
        try:
            yield
        except BaseException:
            self._kinds = {}
            for table, key, old in reversed(self._journal):
                if old is _ABSENT:
                    table.pop(key, None)
                else:
                    table[key] = old
            del self.changes.findings[marks[0] :]
            del self.changes.retracted_findings[marks[1] :]
            del self.changes.links[marks[2] :]
            del self.changes.retracted_edges[marks[3] :]
            del self.changes.movements[marks[4] :]
            raise
        finally:
            self._journal = None

    def tables(self) -> tuple[_Table[Any, Any], ...]:
        return (
            self.enterprises,
            self.facilities,
            self.quotas,
            self.lots,
            self.balances,
            self.shipments,
            self.events,
            self.registry,
        )

    def take_changes(self) -> tuple[dict[str, dict[Any, Any]], Changes]:
        """Hand the dirty rows and the new findings and edges to the store, and reset."""
        dirty = {t.name: {k: t[k] for k in t.dirty if k in t} for t in self.tables()}
        changes = self.changes
        for table in self.tables():
            table.dirty = set()
        self.changes = Changes()
        self.unwritten = {}
        return dirty, changes

    def forget(self) -> None:
        """Drop the cache (another writer changed the database)."""
        self._complete_kinds = set()
        self._kinds = {}
        for table in self.tables():
            table.clear()
            table.dirty = set()
        self.changes = Changes()
        self.unwritten = {}

    def size(self) -> int:
        return sum(len(t) for t in self.tables())


@dataclass
class Needs:
    """The keys a batch of records will read, for :meth:`LedgerState.prefetch`."""

    enterprises: set[str] = field(default_factory=set)
    facilities: set[str] = field(default_factory=set)
    quotas: set[str] = field(default_factory=set)
    lots: set[str] = field(default_factory=set)
    balances: set[BalanceKey] = field(default_factory=set)
    shipments: set[str] = field(default_factory=set)
    events: set[str] = field(default_factory=set)
