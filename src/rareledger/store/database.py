"""Connections to SQLite or PostgreSQL, write transactions, and schema set-up.

One writer at a time appends to the ledger: SQLite's write transactions start with
``BEGIN IMMEDIATE``; PostgreSQL's take a transaction-level advisory lock. So ledger positions
are handed out in commit order and the hash chain never forks.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib import resources
from typing import Any

from sqlalchemy import Connection, Engine, Select, Table, create_engine, event, inspect, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.pool import StaticPool

from rareledger.errors import LedgerError
from rareledger.store import schema
from rareledger.store.bulk import insert_statement

Transaction = Connection
"""The handle of an open transaction, as the store's functions take it: services receive one
from :meth:`Database.write` or :meth:`Database.read` and pass it on without looking inside."""

WRITER_LOCK_KEY = 7_253_017  # arbitrary, fixed: the advisory lock of ledger writers
SQLITE_BUSY_TIMEOUT_S = 120
SQLITE_MMAP_BYTES = 2**31  # SQLite maps at most about 2 GiB (its compile-time limit) anyway
SQLITE_CACHE_KIB = 262_144  # 256 MiB: projections grow large
SQLITE_SCAN_CACHE_KIB = 8_192  # a scan reads each page once: a cache would only hold memory
SQLITE_LEAN_CACHE_KIB = 65_536


class StoreError(LedgerError):
    """A database problem the caller can act on (wrong URL, schema not initialised...)."""

    code: str = "store_error"


def engine_url(url: str) -> str:
    """Map the user-facing URL (``sqlite:///x.db``, ``postgresql://...``) to a driver URL."""
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith(("sqlite://", "postgresql+psycopg://")):
        return url
    raise StoreError(f"unsupported database URL {url!r}: use sqlite:///FILE or postgresql://...")


class Database:
    """An engine plus the ledger's transaction discipline."""

    def __init__(self, url: str, *, echo: bool = False, map_file: bool = True) -> None:
        """``map_file``: SQLite reads map the database file. Readers that jump about a large
        file (lineage, pages) gain; a command that goes through it front to back does not, and
        its mapped pages would count as its own memory, so ``load``, ``rebuild`` and
        ``detect`` read through the page cache instead."""
        self.url = url
        driver_url = make_url(engine_url(url))
        self.dialect = driver_url.get_backend_name()
        if self.dialect == "sqlite":
            self.engine = self._sqlite_engine(driver_url, echo, map_file)
        else:
            self.engine = create_engine(driver_url, echo=echo, pool_pre_ping=True)

    @property
    def shareable(self) -> bool:
        """Whether another process can open this database (a file or a server; not memory)."""
        return self.dialect != "sqlite" or not _in_memory(make_url(engine_url(self.url)).database)

    @staticmethod
    def _sqlite_engine(url: Any, echo: bool, map_file: bool) -> Engine:
        memory = _in_memory(url.database)
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S},
            **({"poolclass": StaticPool} if memory else {}),
        )

        @event.listens_for(engine, "connect")
        def _connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
            cursor = dbapi_connection.cursor()
            if not memory:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
            if map_file and not memory:  # reads map the file (up to 2 GiB), not copy its pages
                cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(connection: Connection) -> None:
            mode = "IMMEDIATE" if connection.get_execution_options().get("ledger_write") else ""
            connection.exec_driver_sql(f"BEGIN {mode}".strip())

        return engine

    @contextmanager
    def write(self, *, lean: bool = False) -> Iterator[Connection]:
        """A transaction that holds the ledger's single-writer lock. ``lean``: for writing
        many rows once (a detection fold's), on SQLite with a smaller page cache while it
        lasts (a quarter of the usual: writing was no slower, and held 200 MiB less)."""
        with self.engine.connect() as connection:
            connection = connection.execution_options(ledger_write=True)
            cache_kib = SQLITE_LEAN_CACHE_KIB if lean else 0
            with connection.begin(), self._cache(connection, cache_kib):
                if self.dialect == "postgresql":
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITER_LOCK_KEY}
                    )
                yield connection

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only transaction with a consistent snapshot."""
        with self.engine.connect() as connection, connection.begin():
            if self.dialect == "postgresql":
                connection.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
            yield connection

    @contextmanager
    def scan(self) -> Iterator[Connection]:
        """A read-only transaction for going through the ledger once from front to back: on
        SQLite with a small page cache while it lasts, since each page is read once and the
        cache's pages would count as the reader's own memory."""
        with self.read() as connection, self._cache(connection, SQLITE_SCAN_CACHE_KIB):
            yield connection

    @contextmanager
    def _cache(self, connection: Connection, kib: int) -> Iterator[None]:
        """On SQLite, a page cache of ``kib`` (when not 0) until the block ends."""
        if not kib or self.dialect != "sqlite":
            yield
            return
        connection.exec_driver_sql(f"PRAGMA cache_size=-{kib}")
        try:
            yield
        finally:
            connection.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")

    def dispose(self) -> None:
        self.engine.dispose()

    # ------------------------------------------------------------------ schema

    @staticmethod
    def _alembic_config(connection: Connection) -> Any:
        from alembic.config import Config  # Alembic loads in about half a second: only to migrate

        config = Config()
        location = resources.files("rareledger.store") / "migrations"
        config.set_main_option("script_location", str(location))
        config.attributes["connection"] = connection
        return config

    def initialise(self) -> str:
        """Create or upgrade the schema (forward-only); return the schema revision.

        Projection tables whose layout changed (``schema.PROJECTION_VERSION``) are dropped
        and created anew; :attr:`projections_recreated` then says that they need a rebuild.
        """
        from alembic import command

        with self.engine.connect() as connection:
            config = self._alembic_config(connection)
            command.upgrade(config, "head")
            connection.commit()
        with self.engine.begin() as connection:
            self.projections_recreated = self._recreate_projections_if_stale(connection)
            self._ensure_head(connection)
        return self.revision() or ""

    projections_recreated = False

    @staticmethod
    def _recreate_projections_if_stale(connection: Connection) -> bool:
        meta = schema.projection_meta
        meta.create(connection, checkfirst=True)
        row = connection.execute(meta.select()).first()
        if row is not None and row.version == schema.PROJECTION_VERSION:
            schema.metadata.create_all(connection, tables=list(schema.PROJECTIONS))
            return False
        schema.metadata.drop_all(connection, tables=list(schema.PROJECTIONS))
        schema.metadata.create_all(connection, tables=list(schema.PROJECTIONS))
        connection.execute(meta.delete())
        connection.execute(meta.insert().values(id=1, version=schema.PROJECTION_VERSION))
        head = connection.execute(schema.ledger_head.select()).first()
        return head is not None and head.position > 0

    @staticmethod
    def _ensure_head(connection: Connection) -> None:
        exists = connection.execute(schema.ledger_head.select()).first()
        if exists is None:
            connection.execute(schema.ledger_head.insert().values(id=1, position=0, hash="0" * 64))

    def revision(self) -> str | None:
        """The schema revision the database is at (Alembic's version table), or None."""
        try:
            with self.engine.connect() as connection:
                if not inspect(connection).has_table("alembic_version"):
                    return None
                return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except (OperationalError, ProgrammingError) as error:
            raise StoreError(f"cannot open database {self.url}: {error.orig}") from error

    def require_schema(self) -> None:
        """Fail clearly unless ``rareledger init`` has brought the schema up to date."""
        current = self.revision()
        head = latest_revision()
        if current != head:
            raise StoreError(
                f"database {self.url} is at schema {current or 'none'}, expected {head}: "
                "run `rareledger init`"
            )
        layout = self.projection_version()
        if layout != schema.PROJECTION_VERSION:
            raise StoreError(
                f"database {self.url} keeps its projections in layout {layout or 'none'}, "
                f"expected {schema.PROJECTION_VERSION}: run `rareledger init` (it recreates "
                "and rebuilds them from the ledger)"
            )

    def projection_version(self) -> int | None:
        """The layout the projection tables were created in, or None before ``init``."""
        with self.engine.connect() as connection:
            if not inspect(connection).has_table(schema.projection_meta.name):
                return None
            row = connection.execute(schema.projection_meta.select()).first()
        return None if row is None else int(row.version)


def _in_memory(sqlite_name: str | None) -> bool:
    """Whether a SQLite database name means a database in memory."""
    return sqlite_name in (None, "", ":memory:")


def latest_revision() -> str:
    """The newest migration's revision: migrations are numbered ``NNNN_name.py`` in one line."""
    versions = resources.files("rareledger.store") / "migrations" / "versions"
    return max(p.name[:4] for p in versions.iterdir() if p.name[:4].isdigit())


_COMPILED: dict[tuple[str, str, tuple[str, ...], bool], str] = {}
_NAMED_SQLITE = sqlite.dialect(paramstyle="named")


def _compiled(connection: Connection, table: Table, keys: tuple[str, ...], replace: bool) -> str:
    """The SQL text of a multi-row insert or upsert with named parameters, compiled once."""
    name = connection.dialect.name
    cache_key = (name, table.name, keys, replace)
    if cache_key not in _COMPILED:
        statement = insert_statement(name, table, keys, replace)
        dialect = connection.dialect if name == "postgresql" else _NAMED_SQLITE
        _COMPILED[cache_key] = statement.compile(dialect=dialect, column_keys=list(keys)).string
    return _COMPILED[cache_key]


def insert_rows(
    connection: Connection, table: Table, rows: Sequence[dict[str, Any]], *, replace: bool = False
) -> None:
    """Insert many rows (replacing those whose primary key exists when ``replace``).

    The statement is built by SQLAlchemy for the connection's dialect, with named
    parameters, and handed with the row dictionaries to the driver's ``executemany`` on the
    transaction's own connection: our plain column types need no per-row processing, and
    this is the ledger's bulk-load path.
    """
    if not rows:
        return
    text_sql = _compiled(connection, table, tuple(rows[0]), replace)
    cursor = connection.connection.cursor()
    try:
        cursor.executemany(text_sql, rows)
    finally:
        cursor.close()


def upsert(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows, replacing those whose primary key exists (same SQL shape on both)."""
    insert_rows(connection, table, rows, replace=True)


def streamed_rows(
    connection: Connection, statement: Select[Any], size: int = 10_000
) -> Iterator[tuple[Any, ...]]:
    """As :func:`raw_rows`, fetched ``size`` rows at a time (a large result never whole: on
    PostgreSQL through a server-side cursor, which the transaction closes)."""
    named = {"name": "rareledger_streamed"} if connection.dialect.name == "postgresql" else {}
    cursor = connection.connection.cursor(**named)
    try:
        cursor.execute(_inlined_sql(connection, statement))
        while chunk := cursor.fetchmany(size):
            yield from chunk
    finally:
        cursor.close()


def _inlined_sql(connection: Connection, statement: Select[Any]) -> str:
    """The statement's SQL for the connection's dialect, its values inlined."""
    compiled = statement.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True})
    return str(compiled)


def raw_rows(connection: Connection, statement: Select[Any]) -> list[tuple[Any, ...]]:
    """Plain tuples straight from the driver, for bulk reads of plain columns.

    The statement is compiled by SQLAlchemy for the connection's dialect with its values
    inlined (so use it only with values the program chose, never with input), and run on the
    transaction's own driver connection: no row objects, no per-row processing.
    """
    cursor = connection.connection.cursor()
    try:
        cursor.execute(_inlined_sql(connection, statement))
        return list(cursor.fetchall())
    finally:
        cursor.close()
