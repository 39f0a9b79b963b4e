"""Lineage on hand-built graphs: splits, merges, corrections; origin shares; the worked example."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from rareledger.errors import Invalid, NotFound
from rareledger.formats.jsonlines import iter_records
from rareledger.services import traceability
from rareledger.store.database import Database
from tests import factories as f

ROOT = Path(__file__).resolve().parents[2]


def _load(database: Database, name: str) -> None:
    with (ROOT / "examples" / name).open("rb") as stream:
        f.Reporter(database).accept(*iter_records(stream))


def test_the_worked_example_of_docs_traceability(database: Database) -> None:
    _load(database, "traceability.jsonl")
    found = traceability.trace_up(database, "TR-MAG-1")
    computed = {o["lot_id"]: (o["kind"], o["country"], o["shares"]) for o in found["origins"]}
    doc = (ROOT / "docs" / "traceability.md").read_text()
    rows = re.findall(
        r"^\| (TR-\w+) \| (\w+) \| (\w+) \|\s*([\d.]*)\s*\|\s*([\d.]*)\s*\|$", doc, re.M
    )
    assert len(rows) == 3
    for lot_id, kind, country, nd, dy in rows:
        shares = {k: v for k, v in (("Nd", nd), ("Dy", dy)) if v}
        assert computed[lot_id] == (kind, country, shares)


def _sums(found: dict[str, object]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for origin in found["origins"]:  # type: ignore[attr-defined]
        for element, share in origin["shares"].items():
            totals[element] = totals.get(element, Decimal(0)) + Decimal(share)
    return totals


def test_shares_sum_to_one_per_element(database: Database) -> None:
    _load(database, "traceability.jsonl")
    for lot in ("TR-MAG-1", "TR-OX-ND", "TR-MET-ND-B", "TR-A1"):
        for total in _sums(traceability.trace_up(database, lot)).values():
            assert abs(total - 1) <= Decimal("0.000002")


@pytest.fixture
def graph(database: Database) -> f.Reporter:
    """A1 and A2 merge into P1; P1 splits into Q1 and Q2; Q1 is exported, Q2 sold."""
    r = f.Reporter(database)
    r.accept(*f.world(), f.enterprise(f.SEPARATOR, ["separator", "exporter"]))
    r.accept(
        f.extraction("A1", "100", {"Nd": "0.2"}, event_id="xa1"),
        f.extraction("A2", "300", {"Nd": "0.1"}, event_id="xa2"),
        f.shipment(f.MINER, f.SEPARATOR, [("A1", "100"), ("A2", "300")], event_id="s1"),
        f.receipt(f.SEPARATOR, "s1", [("A1", "100"), ("A2", "300")]),
        f.processing(
            f.SEPARATOR,
            [("A1", "100"), ("A2", "300")],
            [("P1", "oxide", "60", {"Nd": "0.8"})],
            event_id="p1",
        ),
        f.processing(
            f.SEPARATOR,
            [("P1", "60")],
            [("Q1", "oxide", "30", {"Nd": "0.8"}), ("Q2", "oxide", "25", {"Nd": "0.8"})],
            event_id="p2",
        ),
        f.export(f.SEPARATOR, [("Q1", "30")], event_id="e1", hs_code="284690"),
        f.shipment(f.SEPARATOR, f.TRADER, [("Q2", "10")], event_id="s2"),
    )
    return r


def test_merge_then_split_upstream(graph: f.Reporter, database: Database) -> None:
    found = traceability.trace_up(database, "Q2")
    assert {lot["lot_id"] for lot in found["lots"]} == {"A1", "A2", "P1", "Q2"}
    shares = {o["lot_id"]: o["shares"]["Nd"] for o in found["origins"]}
    assert shares == {"A1": "0.400000", "A2": "0.600000"}  # 20 kg : 30 kg of Nd
    own = [(m["lot_id"], m["kind"], m["to"]) for m in found["custody"]]
    assert own == [("Q2", "created", f.SEPARATOR), ("Q2", "shipped", f.TRADER)]
    assert found["custody_scope"] == "lot" and found["custody_complete"] is True
    whole = traceability.trace_up(database, "Q2", custody="page")
    kinds = {(m["lot_id"], m["kind"]) for m in whole["custody"]}
    assert {("A1", "created"), ("A1", "shipped"), ("A1", "received"), ("Q2", "shipped")} <= kinds
    assert {m["lot_id"] for m in whole["custody"]} == {"A1", "A2", "P1", "Q2"}
    with pytest.raises(Invalid, match="custody"):
        traceability.trace_up(database, "Q2", custody="all")


def test_downstream_reaches_every_lot_holder_and_export(
    graph: f.Reporter, database: Database
) -> None:
    found = traceability.trace_down(database, "A2")
    assert {lot["lot_id"] for lot in found["lots"]} == {"A2", "P1", "Q1", "Q2"}
    assert found["exports"] == [
        {
            "event_id": "e1",
            "lot_id": "Q1",
            "exporter": f.SEPARATOR,
            "destination_country": "DE",
            "mass_kg": "30.000",
        }
    ]
    assert {(h["enterprise_id"], h["lot_id"]) for h in found["holders"]} == {(f.SEPARATOR, "Q2")}
    assert traceability.trace_down(database, "Q1")["lots"][0]["lot_id"] == "Q1"


def test_retracted_events_are_left_out(graph: f.Reporter, database: Database) -> None:
    graph.accept(f.correction(f.SEPARATOR, "e1"), f.correction(f.SEPARATOR, "s2"))
    graph.accept(f.correction(f.SEPARATOR, "p2"))
    found = traceability.trace_down(database, "A1")
    assert {lot["lot_id"] for lot in found["lots"]} == {"A1", "P1"}
    assert found["exports"] == []
    with pytest.raises(NotFound):
        traceability.trace_up(database, "Q1")


def test_a_lot_made_again_by_a_replacement_lists_the_replacement_inputs(
    graph: f.Reporter, database: Database
) -> None:
    replacement = f.processing(
        f.SEPARATOR,
        [("A2", "120")],
        [("P1", "oxide", "45", {"Nd": "0.8"})],
        event_id="p1b",
    )
    graph.accept(f.correction(f.SEPARATOR, "p1", replacement=replacement))
    found = traceability.trace_up(database, "P1")
    assert found["lots"][0]["event_id"] == "p1b"
    assert found["lots"][0]["inputs"] == [{"lot_id": "A2", "mass_kg": "120.000"}]
    assert [lot["lot_id"] for lot in found["lots"]] == ["P1", "A2"]
    assert {o["lot_id"] for o in found["origins"]} == {"A2"}


def test_graphml_is_xml_with_every_lot(graph: f.Reporter, database: Database) -> None:
    from xml.etree import ElementTree

    document = ElementTree.fromstring(traceability.graphml(traceability.trace_up(database, "Q1")))
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    nodes = {n.get("id") for n in document.findall(".//g:node", ns)}
    assert nodes == {"A1", "A2", "P1", "Q1"}
    assert len(document.findall(".//g:edge", ns)) == 3


@pytest.fixture
def wide(database: Database) -> f.Reporter:
    """W made from twelve mine lots of different sizes (one more than the ten origins named)."""
    r = f.Reporter(database)
    r.accept(*f.world())
    mines = [f"M{n:02d}" for n in range(12)]
    r.accept(
        *(f.extraction(m, str(100 + n), {"Nd": "0.1"}) for n, m in enumerate(mines)),
        f.processing(
            f.SEPARATOR,
            [(m, str(100 + n)) for n, m in enumerate(mines)],
            [("W", "oxide", "100", {"Nd": "0.5"})],
            facility_id=f.PLANT,
        ),
        f.processing(
            f.SEPARATOR, [("W", "50")], [("W2", "oxide", "40", {"Nd": "0.5"})], facility_id=f.PLANT
        ),
    )
    return r


def _every_page(database: Database, lot_id: str, direction: str, limit: int) -> list[list[str]]:
    """The lineage lots of each page of a trace, following ``next_cursor`` to the end."""
    trace = traceability.trace_up if direction == "up" else traceability.trace_down
    pages: list[list[str]] = []
    cursor = None
    while True:
        page = trace(database, lot_id, cursor=cursor, limit=limit)
        assert page["lots"][0]["lot_id"] == lot_id  # the traced lot heads every page
        assert len(page["lots"]) <= limit + 1 and page["limit"] == limit
        assert "total_lots" not in page  # counted only when asked for
        assert page["more"] is (page["next_cursor"] is not None)
        pages.append([lot["lot_id"] for lot in page["lots"][1:]])
        cursor = page["next_cursor"]
        if cursor is None:
            return pages


def test_pages_of_a_lineage_cover_it_once_breadth_first(
    wide: f.Reporter, database: Database
) -> None:
    pages = _every_page(database, "W2", "up", 5)
    mines = [f"M{n:02d}" for n in range(12)]
    assert pages == [["W", *mines[:4]], mines[4:9], mines[9:]]  # depth 1, then depth 2
    assert traceability.trace_up(database, "W2", limit=5, count=True)["total_lots"] == 13
    assert _every_page(database, "M03", "down", 1) == [["W"], ["W2"]]
    down = traceability.trace_down(database, "M03", limit=1, count=True)
    assert (down["more"], down["total_lots"]) == (True, 2)
    assert down["next_cursor"] not in (None, "W")  # opaque: not a bare lot id
    with pytest.raises(Invalid):
        traceability.trace_up(database, "W2", limit=0)


@pytest.fixture
def shortcut(database: Database) -> f.Reporter:
    """A DAG where a lot is reachable by paths of different lengths: A made X, X made Y, and
    Z was made from Y, from A itself and from C (so A is one step from Z, and three)."""
    r = f.Reporter(database)
    r.accept(*f.world())
    r.accept(
        f.extraction("A", "100", {"Nd": "0.1"}),
        f.extraction("C", "100", {"Nd": "0.1"}),
        f.processing(
            f.SEPARATOR, [("A", "50")], [("X", "oxide", "20", {"Nd": "0.2"})], facility_id=f.PLANT
        ),
        f.processing(
            f.SEPARATOR, [("X", "20")], [("Y", "oxide", "10", {"Nd": "0.2"})], facility_id=f.PLANT
        ),
        f.processing(
            f.SEPARATOR,
            [("Y", "10"), ("A", "10"), ("C", "10")],
            [("Z", "alloy", "15", {"Nd": "0.2"})],
            facility_id=f.PLANT,
        ),
    )
    return r


@pytest.mark.parametrize("limit", [1, 2, 3, 100])
def test_a_lot_reached_by_several_paths_is_listed_once_at_its_smallest_depth(
    shortcut: f.Reporter, database: Database, limit: int
) -> None:
    up = [lot for page in _every_page(database, "Z", "up", limit) for lot in page]
    assert up == ["A", "C", "Y", "X"]  # depth 1 by id, then depth 2 (A not again at depth 3)
    down = [lot for page in _every_page(database, "A", "down", limit) for lot in page]
    assert down == ["X", "Z", "Y"]  # Z is one step from A (and three): listed at depth 1
    whole = traceability.trace_up(database, "Z", count=True)
    assert (whole["more"], whole["next_cursor"], whole["total_lots"]) == (False, None, 4)


@pytest.mark.parametrize(
    "cursor", ["not base64!", "bm90IGpzb24", "WzEsIDJd", "WzAsICJBIl0", "IkEi", "WzEsICJBIiwgMl0"]
)
def test_a_cursor_this_service_did_not_issue_is_refused(
    shortcut: f.Reporter, database: Database, cursor: str
) -> None:
    with pytest.raises(Invalid, match="cursor"):
        traceability.trace_up(database, "Z", cursor=cursor)


def test_origins_beyond_the_ten_largest_are_summed(wide: f.Reporter, database: Database) -> None:
    found = traceability.trace_up(database, "W2", limit=1)
    named = {o["lot_id"]: Decimal(o["shares"]["Nd"]) for o in found["origins"]}
    total_g = sum(100 + n for n in range(12))
    assert set(named) == {f"M{n:02d}" for n in range(2, 12)}  # the two smallest are not named
    assert named["M11"] == Decimal(111 / total_g).quantize(Decimal("0.000001"))
    assert found["other_origins"] == {"Nd": f"{(100 + 101) / total_g:.6f}"}
    assert found["countries"]["Nd"] == [
        {"kind": "extraction", "country": "CN", "share": "1.000000"}
    ]
    assert found["unattributed"] == [] and found["unattributed_shares"] == {}
