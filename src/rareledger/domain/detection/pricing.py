"""Rule on prices: every sale, domestic or export, against what its peers were invoiced at.

A sale's price is measured against the worth of its rare earth content at benchmark prices
(the ratio declared / benchmark, so that grades and compositions compare), and that ratio
against its peers: sales on the same channel (domestic or export), of the same class of material
(form and main elements), in the weeks around it. Prices move by the month and differ by
contract and buyer; the peers move with them. With too few peers, the whole year's sales of the
class are the peers; with too few of those, the benchmark alone judges.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from typing import Any

from rareledger.domain.detection.baselines import Materials, median, returns, summary
from rareledger.domain.detection.facts import Facts, Money
from rareledger.domain.detection.folded import Exported, Items, Shipped
from rareledger.domain.detection.model import Alert, DetectionSettings, Reference, period_of, rule
from rareledger.domain.elements import ELEMENTS

REO_FACTOR = {symbol: float(element.reo_factor) for symbol, element in ELEMENTS.items()}


@dataclass(frozen=True, slots=True)
class Sale:
    event_id: str
    firm: str
    channel: str  # domestic | export
    occurred_at: datetime
    items: Items
    declared: Money
    declared_usd: float
    worth_usd: float
    material: str

    @property
    def ratio(self) -> float:
        return self.declared_usd / self.worth_usd


# A sale as a plain tuple, the fields of a Sale in order: a national year holds over half a
# million sales, and only those alerted on are made Sales.
Row = tuple[str, str, str, datetime, Items, Money, float, float, str]


class Worth:
    """What lots' rare earth content is worth at benchmark prices, and its class of material
    (both worked out once per form and composition, of the facts as they stand).

    The price of an element in the lot's form, else in oxide form; elements with neither are
    left out (the worth errs low).
    """

    def __init__(self, facts: Facts, reference: Reference) -> None:
        self.facts = facts
        self.reference = reference
        self.materials = Materials(facts)
        self._per_g: dict[str, list[float | None]] = {}  # form: USD per g, by composition
        self._usd_per_g: dict[str, dict[str, float]] = {}  # form: element: USD per g of element

    def _prices(self, form: str) -> dict[str, float]:
        table = self._usd_per_g.get(form)
        if table is None:
            prices = self.reference.prices_usd_per_kg_reo
            table = {}
            for element in ELEMENTS:
                price = prices.get((element, form), prices.get((element, "oxide")))
                if price is not None:
                    table[element] = float(price) * REO_FACTOR[element] / 1000
            self._usd_per_g[form] = table
        return table

    def by_element(self, items: Items) -> dict[str, float]:
        worth: dict[str, float] = defaultdict(float)
        for lot, grams in items:
            known = self.facts.lots.get(lot)
            if known is None:
                continue
            table = self._prices(known[0])
            for element, fraction in self.facts.compositions[known[1]]:
                if element in table:
                    worth[element] += fraction * table[element] * grams
        return dict(worth)

    def valued(self, items: Items) -> tuple[float, str]:
        """The worth of items' content (USD) and, where it is worth something, their class of
        material (see Materials.of)."""
        lots, per_form = self.facts.lots, self._per_g
        total, known = 0.0, None
        for lot, grams in items:
            known = lots.get(lot)
            if known is not None:
                form, composition = known
                by_composition = per_form.get(form) or self._form(form)
                per_g = by_composition[composition]
                if per_g is None:
                    per_g = by_composition[composition] = self._per_g_of(form, composition)
                total += per_g * grams
        if not total > 0:
            return total, ""
        if len(items) == 1 and known is not None:  # the lot looked up already
            return total, self.materials.named(known)
        return total, self.materials.of(items)

    def _form(self, form: str) -> list[float | None]:
        found = self._per_g[form] = [None] * len(self.facts.compositions)
        return found

    def _per_g_of(self, form: str, composition: int) -> float:
        table = self._prices(form)
        return sum(
            fraction * table.get(element, 0.0)
            for element, fraction in self.facts.compositions[composition]
        )


Key = tuple[str, str, int]  # channel, material, week
Weeks = dict[tuple[str, str], dict[int, list[float]]]  # channel, material: week: ratios


class Sales:
    """Every domestic sale and export with a value in a currency the table converts, found in
    one pass: the sales as rows (the fields of a Sale: a national year holds over half a
    million, and only those alerted on are made Sales), their ratios (declared / benchmark),
    their positions by channel, material and week, and the returns among them."""

    def __init__(self, facts: Facts, reference: Reference, returned: dict[str, str]) -> None:
        self.worth = Worth(facts, reference)
        self.rows: list[Row] = []
        self.ratios: list[float] = []
        self.groups: dict[Key, list[int]] = {}
        self.returned = returned
        self.returning: list[int] = []  # positions of the returns
        self._wanted = set(returned.values())
        self.by_id: dict[str, int] = {}  # the sales returned: position
        self._add("domestic", facts.shipments.values(), attrgetter("seller"), reference)
        self._add("export", facts.exports.values(), attrgetter("exporter"), reference)

    def _add(
        self,
        channel: str,
        moves: Iterable[Shipped | Exported],
        firm_of: Callable[[Any], str],
        reference: Reference,
    ) -> None:
        usd_per_unit, valued = reference.usd_per_unit, self.worth.valued
        rows, ratios, groups = self.rows, self.ratios, self.groups
        returned, wanted = self.returned, self._wanted
        for move in moves:
            value = move.value
            rate = None if value is None else usd_per_unit.get(value[1])
            if value is None or rate is None:
                continue
            usd = float(value[0] * rate)
            items, event_id, moment = move.items, move.event_id, move.occurred_at
            content, material = valued(items)
            if not content > 0:
                continue
            position = len(rows)
            row = (event_id, firm_of(move), channel, moment, items, value, usd, content, material)
            rows.append(row)
            ratios.append(usd / content)
            key = (channel, material, moment.toordinal() // 7)
            positions = groups.get(key)
            if positions is None:
                groups[key] = [position]
            else:
                positions.append(position)
            if event_id in returned:
                self.returning.append(position)
            if event_id in wanted:
                self.by_id[event_id] = position

    def weeks(self) -> Weeks:
        """The ratios by channel and material, then by week."""
        weeks: Weeks = defaultdict(dict)
        ratios = self.ratios
        for (channel, material, week), positions in self.groups.items():
            weeks[(channel, material)][week] = [ratios[i] for i in positions]
        return weeks


@dataclass(frozen=True, slots=True)
class Baseline:
    ratio: float | None  # the peers' median ratio; None: judged against the benchmark alone
    peers: int
    low: float = 0.0  # the peers' lower and upper quartiles
    high: float = 0.0
    scope: str = "weeks"  # weeks | other channel | months | year | benchmark | a returned sale

    def scaled(self, factor: float, scope: str) -> Baseline:
        ratio = None if self.ratio is None else self.ratio * factor
        return Baseline(ratio, self.peers, self.low * factor, self.high * factor, scope)


OTHER = {"domestic": "export", "export": "domestic"}
WIDER = 3  # with too few peers in the weeks around a sale, three times as many weeks


class Baselines:
    """The peers' median ratio per channel, material and week, over the weeks around it.

    Where a channel has too few sales of a material in those weeks (exports of a rare
    product, say), the other channel's sales stand in, scaled by the usual premium between
    the two (the median over the weeks where both have enough); failing that, the channel's
    sales in three times as many weeks, then in the whole year; failing that, the benchmark
    alone.
    """

    def __init__(self, weeks: Weeks, settings: DetectionSettings) -> None:
        """``weeks``: the sales' ratios by channel and material, then by week."""
        self.least = settings.price_min_peers
        self.reach = max(1, round(settings.price_window_days / 7))
        self.weeks = weeks
        self._premium: dict[str, float | None] = {}
        self._pools: dict[tuple[str, str, int, int], Baseline] = {}  # ..., week, widen

    def _pooled(self, channel: str, material: str, week: int, widen: int = 1) -> Baseline:
        key = (channel, material, week, widen)
        found = self._pools.get(key)
        if found is None:
            found = self._pools[key] = self._pool(channel, material, week, widen)
        return found

    def _pool(self, channel: str, material: str, week: int, widen: int) -> Baseline:
        by_week = self.weeks.get((channel, material), {})
        reach = self.reach * widen
        pooled: list[float] = []
        for w in range(week - reach, week + reach + 1):
            pooled.extend(by_week.get(w, ()))
        if len(pooled) < self.least:
            return Baseline(None, len(pooled), scope="benchmark")
        ratio, low, high = summary(pooled)
        return Baseline(ratio, len(pooled), low, high, "weeks" if widen == 1 else "months")

    def of(self, channel: str, material: str, week: int) -> Baseline:
        found = self._pooled(channel, material, week)
        if found.ratio is not None:
            return found
        other = self._pooled(OTHER[channel], material, week)
        premium = self.premium(material)
        if other.ratio is not None and premium is not None:
            factor = premium if channel == "export" else 1 / premium
            return other.scaled(factor, "other channel")
        wider = self._pooled(channel, material, week, WIDER)
        if wider.ratio is not None:
            return wider
        year: list[float] = []
        for ratios in self.weeks.get((channel, material), {}).values():
            year.extend(ratios)
        if len(year) >= self.least:
            ratio, low, high = summary(year)
            return Baseline(ratio, len(year), low, high, "year")
        return found

    def premium(self, material: str) -> float | None:
        """Exports' ratio over the domestic sales' median of the weeks around each export
        (the median of that, over the year's exports with enough domestic peers)."""
        if material not in self._premium:
            ratios: list[float] = []
            for week, found in self.weeks.get(("export", material), {}).items():
                home = self._pooled("domestic", material, week).ratio
                if home:
                    ratios.extend(r / home for r in found)
            self._premium[material] = median(ratios) if len(ratios) >= self.least else None
        return self._premium[material]


@rule(
    "under_invoicing",
    "high",
    "A sale, domestic or export, invoiced far below what its peers were invoiced at",
)
def under_invoicing(facts: Facts, settings: DetectionSettings, reference: Reference) -> list[Alert]:
    found = Sales(facts, reference, returns(facts, settings.return_days))
    normal = Baselines(found.weeks(), settings)
    peer_share, floor = float(settings.price_peer_share), float(settings.price_share)
    returning = _returning(found, peer_share)
    ratios = found.ratios
    below: list[tuple[int, Baseline, float]] = []
    for (channel, material, week), positions in found.groups.items():
        base = normal.of(channel, material, week)
        line = floor if base.ratio is None else base.ratio * peer_share
        below.extend(
            (i, base, line) for i in positions if not ratios[i] >= line and i not in returning
        )
    below.extend((i, base, line) for i, (base, line) in returning.items() if not ratios[i] >= line)
    rows = found.rows
    below.sort(key=lambda flagged: (rows[flagged[0]][0], flagged[0]))  # by event id
    return [_alert(Sale(*rows[i]), base, line, settings, found.worth) for i, base, line in below]


def _returning(found: Sales, peer_share: float) -> dict[int, tuple[Baseline, float]]:
    """The sales that return a sale (by position), judged against it: its ratio, and the line
    below which they are alerted on."""
    judged = {}
    for i in found.returning:
        original = found.by_id.get(found.returned[found.rows[i][0]])
        if original is not None:
            ratio, event_id = found.ratios[original], found.rows[original][0]
            base = Baseline(ratio, 1, ratio, ratio, f"the sale it returns, {event_id}")
            judged[i] = (base, ratio * peer_share)
    return judged


def _alert(
    sale: Sale, base: Baseline, line: float, settings: DetectionSettings, worth: Worth
) -> Alert:
    amount, currency = sale.declared
    against = (
        f"its peers' median of {base.ratio:.3f} x benchmark ({base.peers} sales, {base.scope})"
        if base.ratio is not None
        else "the benchmark (too few peers)"
    )
    return Alert(
        "under_invoicing",
        "high",
        (sale.firm,),
        (sale.event_id,),
        period_of(sale.occurred_at),
        f"{sale.channel} sale {sale.event_id} is invoiced at {sale.declared_usd:,.0f} USD, "
        f"{sale.ratio:.3f} x the benchmark worth of its content ({sale.worth_usd:,.0f} USD), "
        f"against {against}",
        {
            "channel": sale.channel,
            "material": sale.material,
            "declared": f"{amount} {currency}",
            "declared_usd": f"{sale.declared_usd:.2f}",
            "benchmark_usd": f"{sale.worth_usd:.2f}",
            "ratio": f"{sale.ratio:.4f}",
            "baseline_ratio": "" if base.ratio is None else f"{base.ratio:.4f}",
            "baseline_scope": base.scope,
            "peers": str(base.peers),
            "peer_quartiles": [f"{base.low:.4f}", f"{base.high:.4f}"],
            "window_days": str(settings.price_window_days),
            "alert_below_ratio": f"{line:.4f}",
            "alert_below_share_of_baseline": str(settings.price_peer_share),
            "benchmark_floor": str(settings.price_share),
            "benchmark_by_element_usd": {
                e: f"{v:.2f}" for e, v in sorted(worth.by_element(sale.items).items())
            },
        },
    )
