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
from dataclasses import dataclass
from datetime import datetime

from rareledger.domain.detection.baselines import Materials, median, quartiles, returns
from rareledger.domain.detection.facts import Facts, Money
from rareledger.domain.detection.folded import Items
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

    @property
    def week(self) -> int:
        return self.occurred_at.toordinal() // 7


class Worth:
    """What lots' rare earth content is worth at benchmark prices (cached per composition).

    The price of an element in the lot's form, else in oxide form; elements with neither are
    left out (the worth errs low).
    """

    def __init__(self, facts: Facts, reference: Reference) -> None:
        self.facts = facts
        self.reference = reference
        self._per_g: dict[tuple[str, int], float] = {}  # (form, composition): USD per g
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

    def total(self, items: Items) -> float:
        total = 0.0
        for lot, grams in items:
            known = self.facts.lots.get(lot)
            if known is None:
                continue
            per_g = self._per_g.get(known)
            if per_g is None:
                table = self._prices(known[0])
                per_g = sum(
                    fraction * table.get(element, 0.0)
                    for element, fraction in self.facts.compositions[known[1]]
                )
                self._per_g[known] = per_g
            total += per_g * grams
        return total


def sales(facts: Facts, reference: Reference, worth: Worth) -> list[Sale]:
    """Every domestic sale and export with a value in a currency the table converts."""
    found = []
    materials = Materials(facts)
    moves = [
        *(("domestic", s.event_id, s.seller, s.occurred_at, s.items, s.value)
          for s in facts.shipments.values()),
        *(("export", e.event_id, e.exporter, e.occurred_at, e.items, e.value)
          for e in facts.exports.values()),
    ]  # fmt: skip
    for channel, event_id, firm, moment, items, value in moves:
        if value is None or value[1] not in reference.usd_per_unit:
            continue
        usd = float(value[0] * reference.usd_per_unit[value[1]])
        content = worth.total(items)
        if content > 0:
            material = materials.of(items)
            found.append(
                Sale(event_id, firm, channel, moment, items, value, usd, content, material)
            )
    return found


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

    def __init__(self, found: list[Sale], settings: DetectionSettings) -> None:
        self.least = settings.price_min_peers
        self.reach = max(1, round(settings.price_window_days / 7))
        self.weeks: dict[tuple[str, str], dict[int, list[float]]] = defaultdict(
            lambda: defaultdict(list)
        )
        for sale in found:
            self.weeks[(sale.channel, sale.material)][sale.week].append(sale.ratio)
        self._cache: dict[tuple[str, str, int], Baseline] = {}
        self._premium: dict[str, float | None] = {}

    def of(self, sale: Sale) -> Baseline:
        key = (sale.channel, sale.material, sale.week)
        if key not in self._cache:
            self._cache[key] = self._find(sale.channel, sale.material, sale.week)
        return self._cache[key]

    def _pooled(self, channel: str, material: str, week: int, widen: int = 1) -> Baseline:
        by_week = self.weeks.get((channel, material), {})
        reach = self.reach * widen
        pooled = [r for w in range(week - reach, week + reach + 1) for r in by_week.get(w, ())]
        if len(pooled) < self.least:
            return Baseline(None, len(pooled), scope="benchmark")
        low, high = quartiles(pooled)
        return Baseline(median(pooled), len(pooled), low, high, "weeks" if widen == 1 else "months")

    def _find(self, channel: str, material: str, week: int) -> Baseline:
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
        year = [r for ratios in self.weeks.get((channel, material), {}).values() for r in ratios]
        if len(year) >= self.least:
            low, high = quartiles(year)
            return Baseline(median(year), len(year), low, high, "year")
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
    worth = Worth(facts, reference)
    found = sales(facts, reference, worth)
    normal = Baselines(found, settings)
    by_id = {sale.event_id: sale for sale in found}
    returned = returns(facts, settings.return_days)
    peer_share, floor = float(settings.price_peer_share), float(settings.price_share)
    alerts = []
    for sale in sorted(found, key=lambda s: s.event_id):
        original = by_id.get(returned.get(sale.event_id, ""))
        if original is not None:  # a return: judged against the sale it returns
            ratio = original.ratio
            base = Baseline(ratio, 1, ratio, ratio, f"the sale it returns, {original.event_id}")
        else:
            base = normal.of(sale)
        line = floor if base.ratio is None else base.ratio * peer_share
        if sale.ratio >= line:
            continue
        alerts.append(_alert(sale, base, line, settings, worth))
    return alerts


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
