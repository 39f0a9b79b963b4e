"""The ledger's working state: what the rules need to judge the next record.

:class:`LedgerState` is a cache over a :class:`StateSource` (the projections in the database).
A batch names the keys it will touch (:class:`Needs`) and they are loaded in a few bulk reads;
the rules then read and change rows in memory. Every change of the record being applied goes
into an undo log, so that a rejected record leaves no trace, and changed keys are remembered so
that :meth:`LedgerState.take_changes` can hand the store one typed
:class:`~rareledger.domain.ledger.model.ProjectionChanges` per batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from rareledger.domain.events import Event
from rareledger.domain.ledger.model import (
    Balance,
    BalanceKey,
    EnterpriseState,
    EventIndex,
    Link,
    MasterState,
    Movement,
    OriginSource,
    ProjectionChanges,
    RecordedFinding,
    RegistryChange,
    ShipmentState,
)
from rareledger.domain.lots import Lot

V = TypeVar("V")
_ABSENT: Any = object()


class StateSource(Protocol):
    """Bulk readers of the projections; each returns only the keys it found."""

    def enterprises(self, ids: Iterable[str]) -> dict[str, EnterpriseState]: ...
    def masters(self, type_: str, ids: Iterable[str]) -> dict[str, MasterState]: ...
    def lots(self, ids: Iterable[str]) -> dict[str, Lot]: ...
    def balances(self, lot_ids: Iterable[str]) -> dict[BalanceKey, int]: ...
    def shipments(self, ids: Iterable[str]) -> dict[str, ShipmentState]: ...
    def events(self, ids: Iterable[str]) -> dict[str, EventIndex]: ...
    def event_value(self, index: EventIndex) -> Event: ...
    def registry(self, kind: str, keys: Iterable[str]) -> dict[str, Any]: ...
    def registry_all(self, kind: str) -> dict[str, Any]: ...


@dataclass
class Needs:
    """The keys a batch of records will read, for :meth:`LedgerState.prefetch`."""

    enterprises: set[str] = field(default_factory=set)
    facilities: set[str] = field(default_factory=set)
    quotas: set[str] = field(default_factory=set)
    lots: set[str] = field(default_factory=set)  # with every holder's balance
    shipments: set[str] = field(default_factory=set)
    events: set[str] = field(default_factory=set)
    registry: set[tuple[str, str]] = field(default_factory=set)  # (kind, key)


class LedgerState:
    """Cached projection rows, the changes since :meth:`take_changes`, and an undo log."""

    def __init__(self, source: StateSource) -> None:
        self.source = source
        self.enterprises: dict[str, EnterpriseState | None] = {}
        self.masters: dict[tuple[str, str], MasterState | None] = {}  # (type, id)
        self.lots: dict[str, Lot | None] = {}
        self.balances: dict[BalanceKey, int] = {}
        self.balanced_lots: set[str] = set()  # lots whose every balance is cached
        self.shipments: dict[str, ShipmentState | None] = {}
        self.events: dict[str, EventIndex | None] = {}
        self.registry: dict[tuple[str, str], Any] = {}  # export control, by (kind, key)
        self._complete_kinds: set[str] = set()
        self._kinds: dict[str, list[Any]] = {}  # all_entries() answers, until a change
        self.unwritten: dict[str, Event] = {}  # events applied since the last take_changes
        self.changes = ProjectionChanges()
        self._dirty: dict[str, dict[Any, Any]] = _dirty_maps()
        self._undo: list[tuple[Any, ...]] = []

    # ------------------------------------------------------------------ reading

    def prefetch(self, needs: Needs) -> None:
        """Load every key a batch will touch that is not cached yet, in bulk."""
        _load(self.enterprises, needs.enterprises, self.source.enterprises)
        for type_, ids in (("facility", needs.facilities), ("quota", needs.quotas)):
            missing = [i for i in ids if (type_, i) not in self.masters]
            if missing:
                found = self.source.masters(type_, missing)
                for key in missing:
                    self.masters[(type_, key)] = found.get(key)
        _load(self.lots, needs.lots, self.source.lots)
        self._load_balances(needs.lots)
        _load(self.shipments, needs.shipments, self.source.shipments)
        _load(self.events, needs.events, self.source.events)
        self._load_registry(needs.registry)

    def _load_registry(self, keys: Iterable[tuple[str, str]]) -> None:
        by_kind: dict[str, list[str]] = {}
        for kind, key in keys:
            if (kind, key) not in self.registry:
                by_kind.setdefault(kind, []).append(key)
        for kind, missing in by_kind.items():
            found = self.source.registry(kind, missing)
            for key in missing:
                self.registry[(kind, key)] = found.get(key)

    def _load_balances(self, lot_ids: Iterable[str]) -> None:
        missing = [i for i in lot_ids if i not in self.balanced_lots]
        if missing:
            for key, mass_g in self.source.balances(missing).items():
                self.balances.setdefault(key, mass_g)
            self.balanced_lots.update(missing)

    def enterprise(self, enterprise_id: str) -> EnterpriseState | None:
        return _get(self.enterprises, enterprise_id, self.source.enterprises)

    def master(self, type_: str, record_id: str) -> MasterState | None:
        key = (type_, record_id)
        if key not in self.masters:
            self.masters[key] = self.source.masters(type_, [record_id]).get(record_id)
        return self.masters[key]

    def lot(self, lot_id: str) -> Lot | None:
        """A lot that exists now (a lot whose creation was retracted does not)."""
        lot = _get(self.lots, lot_id, self.source.lots)
        return None if lot is None or lot.retracted else lot

    def any_lot(self, lot_id: str) -> Lot | None:
        """A lot, retracted or not."""
        return _get(self.lots, lot_id, self.source.lots)

    def balance(self, lot_id: str, holder: str) -> int:
        if lot_id not in self.balanced_lots:
            self._load_balances([lot_id])
        return self.balances.get((lot_id, holder), 0)

    def ever_held(self, lot_id: str, holder: str) -> bool:
        """Whether the holder has had a balance of the lot at any time (it may be zero now)."""
        if lot_id not in self.balanced_lots:
            self._load_balances([lot_id])
        return (lot_id, holder) in self.balances

    def shipment(self, event_id: str) -> ShipmentState | None:
        return _get(self.shipments, event_id, self.source.shipments)

    def event(self, event_id: str) -> EventIndex | None:
        return _get(self.events, event_id, self.source.events)

    def event_value(self, index: EventIndex) -> Event:
        """The content of an accepted event, for reversing it."""
        return self.unwritten.get(index.event_id) or self.source.event_value(index)

    def entry(self, kind: str, key: str) -> Any:
        """One export-control object (see :attr:`registry`), or None."""
        if (kind, key) not in self.registry:
            self.registry[(kind, key)] = self.source.registry(kind, [key]).get(key)
        return self.registry[(kind, key)]

    def all_entries(self, kind: str) -> list[Any]:
        """Every object of a kind, by key (regimes, watch-list entries: a few hundred at most)."""
        if kind not in self._complete_kinds:
            for key, value in self.source.registry_all(kind).items():
                self.registry.setdefault((kind, key), value)
            self._complete_kinds.add(kind)
        if kind not in self._kinds:
            self._kinds[kind] = [
                value
                for (k, _), value in sorted(self.registry.items(), key=lambda item: item[0])
                if k == kind and value is not None
            ]
        return self._kinds[kind]

    # ------------------------------------------------------------------ writing

    def _set(self, name: str | None, table: dict[Any, Any], key: Any, value: Any) -> None:
        self._undo.append((table, key, table.get(key, _ABSENT)))
        table[key] = value
        if name is not None:
            self._dirty[name][key] = value

    def put_enterprise(self, value: EnterpriseState) -> None:
        self._set("enterprises", self.enterprises, value.id, value)

    def put_master(self, value: MasterState) -> None:
        self._set("masters", self.masters, (value.type, value.id), value)

    def put_lot(self, lot: Lot) -> None:
        self._set("lots", self.lots, lot.lot_id, lot)

    def put_shipment(self, shipment: ShipmentState) -> None:
        self._set("shipments", self.shipments, shipment.event_id, shipment)

    def put_event(self, index: EventIndex, value: Event) -> None:
        self._set("events", self.events, index.event_id, index)
        self._set(None, self.unwritten, index.event_id, value)

    def put_registry(self, kind: str, key: str, value: Any) -> None:
        self._kinds.pop(kind, None)
        self._set("registry", self.registry, (kind, key), value)

    def add_balance(self, lot_id: str, holder: str, delta_g: int) -> None:
        key = (lot_id, holder)
        if lot_id not in self.balanced_lots:
            self._load_balances([lot_id])
        old = self.balances.get(key, _ABSENT)
        self._undo.append((self.balances, key, old))
        self.balances[key] = (0 if old is _ABSENT else old) + delta_g
        self._dirty["balances"][key] = True

    def change(self, row: Any, attribute: str, value: Any) -> None:
        """Set one attribute of a cached lot, shipment or event row (undone on rejection)."""
        self._undo.append((row, attribute, getattr(row, attribute)))
        setattr(row, attribute, value)
        name = _ROW_TABLES[type(row)]
        self._dirty[name][_row_key(row)] = row

    def add_finding(self, finding: RecordedFinding) -> None:
        self.changes.findings.append(finding)

    def add_links(self, links: Iterable[Link]) -> None:
        self.changes.links.extend(links)

    def add_movement(self, movement: Movement) -> None:
        self.changes.movements.append(movement)

    def add_origin(self, source: OriginSource) -> None:
        self.changes.origins.append(source)

    def retract_derived(self, event_id: str) -> None:
        """The findings, links and movements of a retracted event no longer count."""
        self.changes.retracted_events.append(event_id)

    # ------------------------------------------------------------------ one record at a time

    def begin(self) -> None:
        """Start applying one record."""
        self._undo.clear()
        c = self.changes
        self._marks = (
            len(c.findings),
            len(c.links),
            len(c.movements),
            len(c.retracted_events),
            len(c.origins),
        )

    def undo(self) -> None:
        """Take back every change since :meth:`begin` (the record was rejected)."""
        for target, key, old in reversed(self._undo):
            if isinstance(target, dict):
                if target is self.registry:
                    self._kinds.pop(key[0], None)
                if old is _ABSENT:
                    target.pop(key, None)
                else:
                    target[key] = old
            else:
                setattr(target, key, old)
        self._undo.clear()
        c = self.changes
        del c.findings[self._marks[0] :]
        del c.links[self._marks[1] :]
        del c.movements[self._marks[2] :]
        del c.retracted_events[self._marks[3] :]
        del c.origins[self._marks[4] :]

    _marks: tuple[int, int, int, int, int] = (0, 0, 0, 0, 0)

    def take_changes(self) -> ProjectionChanges:
        """The rows changed since the last call, as typed records; the journal starts anew.

        A row that a rejected record created and the undo removed is not in the cache any
        more and is left out; other rows are written with their current values.
        """
        d, changes = self._dirty, self.changes
        changes.enterprises = [v for k, v in d["enterprises"].items() if self.enterprises.get(k)]
        changes.masters = [v for k, v in d["masters"].items() if self.masters.get(k)]
        changes.lots = _current(self.lots, d["lots"])
        changes.balances = [
            Balance(k[0], k[1], self.balances[k]) for k in d["balances"] if k in self.balances
        ]
        changes.shipments = _current(self.shipments, d["shipments"])
        changes.events = _current(self.events, d["events"])
        changes.registry = [RegistryChange(k[0], k[1], self.registry.get(k)) for k in d["registry"]]
        self._dirty = _dirty_maps()
        self.changes = ProjectionChanges()
        self.unwritten = {}
        return changes

    def size(self) -> int:
        """How many rows are cached (to bound memory)."""
        return (
            len(self.enterprises)
            + len(self.masters)
            + len(self.lots)
            + len(self.balances)
            + len(self.shipments)
            + len(self.events)
            + len(self.registry)
        )


def _current(table: dict[Any, V | None], dirty: dict[Any, Any]) -> list[V]:
    """The dirty rows still in the cache (a rejected record's new rows were taken out)."""
    found: list[V] = []
    for key, row in dirty.items():
        now = table.get(key)
        if now is not None and now is row:
            found.append(now)
    return found


def _dirty_maps() -> dict[str, dict[Any, Any]]:
    names = ("enterprises", "masters", "lots", "balances", "shipments", "events", "registry")
    return {name: {} for name in names}


_ROW_TABLES: dict[type, str] = {Lot: "lots", ShipmentState: "shipments", EventIndex: "events"}


def _row_key(row: Any) -> str:
    return str(row.lot_id if isinstance(row, Lot) else row.event_id)


def _load(
    table: dict[str, V | None], ids: Iterable[str], reader: Callable[[list[str]], Mapping[str, V]]
) -> None:
    missing = [i for i in ids if i not in table]
    if missing:
        found = reader(missing)
        for key in missing:
            table[key] = found.get(key)


def _get(
    table: dict[str, V | None], key: str, reader: Callable[[list[str]], Mapping[str, V]]
) -> V | None:
    if key not in table:
        table[key] = reader([key]).get(key)
    return table[key]
