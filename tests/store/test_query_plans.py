"""The plan of every lineage query and every list query, on SQLite and PostgreSQL: printed
(``pytest -s`` shows them), and failed if one reads a large table whole.

Each query is captured as the store runs it (on the driver connection, so the raw reads of a
trace page are caught too), then explained with the same parameters. On PostgreSQL the plans
are taken with sequential scans discouraged (``enable_seqscan = off``): a ``Seq Scan`` that
remains has no index to use. On SQLite a ``SCAN`` of a large table (rather than a ``SEARCH``)
reads it whole; so does a Bloom filter on one; and a list page must search an index led by
the column it filters on, in the order it pages (no sort of every match).
"""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from rareledger.services import traceability
from rareledger.store import lineage, origins, queries
from rareledger.store.database import Database, Transaction
from tests import factories as f
from tests.conftest import POSTGRES_URL, _admin_url

LARGE = (
    "ledger_entries",
    "lots",
    "lot_links",
    "lot_movements",
    "lot_origins",
    "balances",
    "events",
    "findings",
    "shipments",
    "shipment_items",
)
Query = tuple[str, Any]  # SQL text as the driver got it, and its parameters


def _queries(c: Transaction) -> list[tuple[str, Callable[[], object]]]:
    """Every lineage read, and the list pages of store/queries.py (with a cursor and every
    filter they take)."""
    up = ["MAG", "OX", "A1", "A2"]
    return [
        ("lineage page up", lambda: lineage.page(c, "MAG", "up", (2, "A1"), 2)),
        ("lineage page down", lambda: lineage.page(c, "A1", "down", None, 2)),
        ("lineage count", lambda: lineage.count(c, "MAG", "up")),
        ("bare walk up", lambda: lineage.walk(c, "MAG", "up")),
        ("bare walk down", lambda: lineage.walk(c, "A1", "down")),
        ("rows and inputs of lots", lambda: lineage.lots_with_inputs(c, up)),
        ("custody", lambda: lineage.movements(c, up, limit=5)),
        ("exports", lambda: lineage.movements(c, up, limit=5, kind="exported")),
        ("holders", lambda: lineage.holders_of(c, up)),
        ("provenance", lambda: lineage.provenance(c, "MAG")),
        ("origin vectors", lambda: origins.vectors(c, up)),
        ("origin lots", lambda: origins.origin_lots(c, ["A1", "A2"])),
        ("downstream recompute", lambda: origins.recompute_downstream(c, ["A1"])),
        ("lots page", lambda: queries.lots_page(c, after="A", limit=5)),
        ("lots page, form", lambda: queries.lots_page(c, after="A", limit=5, form="oxide")),
        ("lots page, holder", lambda: queries.lots_page(c, after="A", limit=5, holder=f.MINER)),
        ("events page", lambda: queries.events_page(c, after=3, limit=5)),
        (
            "events page, reporter",
            lambda: queries.events_page(c, after=3, limit=5, reporter=f.MINER),
        ),
        (
            "events page, type",
            lambda: queries.events_page(c, after=3, limit=5, event_type="processing"),
        ),
        ("findings page", lambda: queries.findings_page(c, after=(3, 0), limit=5)),
        (
            "findings page, code",
            lambda: queries.findings_page(c, after=(3, 0), limit=5, code="negative_balance"),
        ),
        (
            "findings page, enterprise",
            lambda: queries.findings_page(c, after=(3, 0), limit=5, enterprise_id=f.MINER),
        ),
    ]


@pytest.fixture(scope="module")
def postgres_module_url(postgres_template: str) -> Iterator[str]:
    assert POSTGRES_URL
    name = f"rl_plans_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_admin_url(POSTGRES_URL), autocommit=True) as admin:
        admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(postgres_template)
            )
        )
    yield POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(_admin_url(POSTGRES_URL), autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def loaded(
    request: pytest.FixtureRequest, sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("plans") / "ledger.db"
        shutil.copy(sqlite_template, path)
        url = f"sqlite:///{path}"
    else:
        url = str(request.getfixturevalue("postgres_module_url"))
    database = Database(url)
    reporter = f.Reporter(database)
    reporter.accept(*f.world())
    reporter.accept(
        f.extraction("A1", "100", {"Nd": "0.2"}),
        f.extraction("A2", "100", {"Nd": "0.1"}),
        f.processing(
            f.SEPARATOR,
            [("A1", "50"), ("A2", "50")],
            [("OX", "oxide", "20", {"Nd": "0.5"})],
            facility_id=f.PLANT,
        ),
        f.processing(
            f.SEPARATOR,
            [("OX", "10")],
            [("MAG", "magnet", "8", {"Nd": "0.3"})],
            facility_id=f.PLANT,
        ),
        f.shipment(f.SEPARATOR, f.TRADER, [("MAG", "9")]),  # more than held: a finding
    )
    assert traceability.trace_up(database, "MAG", count=True)["total_lots"] == 3
    yield database
    database.dispose()


@contextmanager
def _captured(connection: Transaction) -> Iterator[list[Query]]:
    """Every SELECT the driver runs on this connection meanwhile."""
    seen: list[Query] = []
    driver = connection.connection.driver_connection
    if connection.dialect.name == "sqlite":
        driver.set_trace_callback(lambda sql: seen.append((sql, None)))  # type: ignore[union-attr]
        try:
            yield seen
        finally:
            driver.set_trace_callback(None)  # type: ignore[union-attr]
        return

    class Recording(psycopg.Cursor[Any]):
        def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
            seen.append((str(query), params))
            return super().execute(query, params, **kwargs)

    original = driver.cursor_factory  # type: ignore[union-attr]
    driver.cursor_factory = Recording  # type: ignore[union-attr]
    try:
        yield seen
    finally:
        driver.cursor_factory = original  # type: ignore[union-attr]


def _selects(seen: list[Query]) -> list[Query]:
    return [(sql, params) for sql, params in seen if re.match(r"\s*(SELECT|WITH)", sql, re.I)]


def _plan(connection: Transaction, sql: str, params: Any) -> list[str]:
    cursor = connection.connection.cursor()
    try:
        if connection.dialect.name == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            return [str(row[3]) for row in cursor.fetchall()]
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return [str(row[0]) for row in cursor.fetchall()]
    finally:
        cursor.close()


# The list pages that filter: the filter's column must lead the index they search, so that a
# page reads its own rows and no more (a range search on the key that filters every row it
# passes would read the table whole for a rare value).
FILTERED = {
    "lots page, form": "form=?",
    "lots page, holder": "holder=?",
    "events page, reporter": "reporter=?",
    "events page, type": "type=?",
    "findings page, code": "code=?",
    "findings page, enterprise": "enterprise_id=?",
}


def _list_problems(name: str, lines: list[str]) -> list[str]:
    """A list page (SQLite) that sorts its matches, or filters without its index."""
    if not name.startswith(("lots page", "events page", "findings page")):
        return []
    found = [line for line in lines if "TEMP B-TREE" in line]
    wanted = FILTERED.get(name)
    if wanted is not None and not any(wanted in line for line in lines if "SEARCH" in line):
        found.append(f"no index search on {wanted}")
    return found


def _full_scans(lines: list[str]) -> list[str]:
    names = "|".join(LARGE)
    pattern = re.compile(
        rf"^(\s*->\s*)?\s*(Seq Scan on ({names})\b|SCAN ({names})\b|BLOOM FILTER ON ({names})\b)"
    )
    return [line for line in lines if pattern.search(line)]


def test_no_lineage_or_list_query_reads_a_large_table_whole(loaded: Database) -> None:
    problems: list[str] = []
    with loaded.write() as connection:  # a write: the downstream recompute writes its rows
        for name, run in _queries(connection):
            with _captured(connection) as seen:
                run()
            statements = _selects(seen)
            assert statements, f"{name}: no query captured"
            for sql, params in statements:
                lines = _plan(connection, sql, params)
                print(
                    f"\n--- {loaded.url.split(':')[0]}: {name}\n{sql.strip()}\n" + "\n".join(lines)
                )
                found = _full_scans(lines)
                if connection.dialect.name == "sqlite":
                    found += _list_problems(name, lines)
                problems.extend(f"{name}: {line.strip()}" for line in found)
    assert not problems, "\n".join(problems)
