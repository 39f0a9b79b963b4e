"""What every command shares: settings, the database, errors, and how to print.

Errors: a command raises from the tree of :mod:`rareledger.errors` (or lets a service's
error through); :class:`LedgerGroup` turns every one into ``error: MESSAGE`` on stderr and
exit status 2, in this one place.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any, Generic, TypeVar

import click
from rich.console import Console

from rareledger.config import Settings
from rareledger.errors import Invalid, LedgerError
from rareledger.formats.tables import csv_text
from rareledger.store.database import Database

EXIT_REJECTED = 1  # the command worked and found something wrong (a rejected record, a break)
EXIT_ERROR = 2  # the command could not do its work (bad input, unknown id, no database)
Value = TypeVar("Value")


class Failure(click.ClickException):
    """An error of the tree, as click shows and exits with it."""

    exit_code = EXIT_ERROR

    def __init__(self, error: LedgerError) -> None:
        super().__init__(error.message)
        self.error = error

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"error: {self.message}", err=True, file=file)


class LedgerGroup(click.Group):
    """A command group that answers every :class:`LedgerError` the same way."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LedgerError as error:
            raise Failure(error) from error


class Parsed(click.ParamType[Value, Any], Generic[Value]):
    """An option read by one of the shared parsers of :mod:`rareledger.formats.values`;
    click names the option when the parser refuses the text."""

    def __init__(self, name: str, parse: Callable[[str], Value]) -> None:
        self.name = name
        self.parse = parse

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return self.parse(value)
        except Invalid as error:
            self.fail(_without_field(error.message), param, ctx)


def _without_field(message: str) -> str:
    """A parser's message without its leading field name, which click replaces with the
    option's: "composition.Dy: must be ..." -> "Dy: must be ..."."""
    head, sep, rest = message.partition(": ")
    if not sep or " " in head:
        return message
    inner = head.partition(".")[2]
    return f"{inner}: {rest}" if inner else rest


@dataclass
class CliContext:
    settings: Settings
    database_url: str
    _database: Database | None = field(default=None, repr=False)

    def database(self, require_schema: bool = True, *, bulk: bool = False) -> Database:
        """The database (:class:`~rareledger.store.database.StoreError` when it cannot be
        opened, or its schema is not current and ``require_schema``). ``bulk``: for a command
        that goes through the ledger from front to back (load, rebuild, detect), which then
        does not map the file: its pages would count as the command's own memory."""
        if self._database is None:
            self._database = Database(self.database_url, map_file=not bulk)
            if require_schema:
                self._database.require_schema()
        return self._database

    def close(self) -> None:
        if self._database is not None:
            self._database.dispose()


def console() -> Console:
    """Rich output; wide when piped, and no markup, so that values in brackets print as is."""
    out = Console(highlight=False, markup=False)
    if not out.is_terminal:
        out = Console(highlight=False, markup=False, width=160)
    return out


def print_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2))


def print_csv(rows: list[dict[str, Any]], columns: tuple[str, ...] | None = None) -> None:
    """Rows as CSV (the same writer as the API's CSV answers)."""
    click.echo(csv_text(rows, columns), nl=False)


csv_option = click.option("--csv", "as_csv", is_flag=True, help="Print CSV.")
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")
pass_cli = click.make_pass_decorator(CliContext)
