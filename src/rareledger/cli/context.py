"""What every command shares: settings, the database, and how to print."""

from __future__ import annotations

import csv
import io
import json
import sys
from dataclasses import dataclass, field
from typing import Any, NoReturn

import click
from rich.console import Console

from rareledger.config import Settings
from rareledger.store.database import Database, StoreError

EXIT_REJECTED = 1
EXIT_ERROR = 2


@dataclass
class CliContext:
    settings: Settings
    database_url: str
    _database: Database | None = field(default=None, repr=False)

    def database(self, require_schema: bool = True) -> Database:
        if self._database is None:
            try:
                self._database = Database(self.database_url)
                if require_schema:
                    self._database.require_schema()
            except StoreError as error:
                fail(str(error))
        return self._database

    def close(self) -> None:
        if self._database is not None:
            self._database.dispose()


def fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_ERROR)


def console() -> Console:
    """Rich output; wide when piped, and no markup, so that values in brackets print as is."""
    out = Console(highlight=False, markup=False)
    if not out.is_terminal:
        out = Console(highlight=False, markup=False, width=160)
    return out


def print_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2))


def print_csv(rows: list[dict[str, Any]]) -> None:
    """Rows as CSV with a header; lists joined with ";", mappings as JSON."""
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows({k: _cell(v) for k, v in row.items()} for row in rows)
    click.echo(out.getvalue(), nl=False)


def _cell(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


csv_option = click.option("--csv", "as_csv", is_flag=True, help="Print CSV.")
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")
pass_cli = click.make_pass_decorator(CliContext)
