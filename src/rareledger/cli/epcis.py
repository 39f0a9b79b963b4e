"""EPCIS 2.0 commands: event hash IDs of a file, and exporting the ledger as EPCIS."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from rareledger.cli.context import CliContext, pass_cli
from rareledger.domain.access import REGULATOR, Principal
from rareledger.errors import Invalid
from rareledger.services import epcis_index
from rareledger.services.epcis import DocumentError, prehashes_of, read_body
from rareledger.services.epcis_query import QueryError, read_query


@click.group()
def epcis() -> None:
    """GS1 EPCIS 2.0: event hash IDs (capture with `rareledger load`, query over the API)."""


@epcis.command("hash")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--prehash", is_flag=True, help="Print the canonical pre-hash strings instead.")
def hash_command(file: Path, prehash: bool) -> None:
    """Print the CBV 2.0 event hash ID of each event of FILE (JSON-LD or XML), in document
    order, one per line."""
    try:
        document = read_body(file.read_bytes(), "xml" if file.suffix.lower() == ".xml" else "")
    except DocumentError as error:
        raise Invalid(f"{file}: {error.field or 'document'}: {error.message}") from error
    for hash_id, text in prehashes_of(document):
        click.echo(text if prehash else hash_id)


@click.command("export")
@click.option("--epcis", "as_epcis", is_flag=True, required=True, help="Write EPCIS 2.0 JSON-LD.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The file to write (default: standard output).",
)
@click.option(
    "--where",
    "conditions",
    multiple=True,
    metavar="PARAM=VALUE",
    help="A query parameter of the EPCIS REST binding (repeatable), e.g. "
    "--where eventType=TransformationEvent --where GE_eventTime=2025-06-01T00:00:00Z.",
)
@pass_cli
def export(ctx: CliContext, as_epcis: bool, out: Path | None, conditions: tuple[str, ...]) -> None:
    """Write the ledger's events (or those matching --where) as one EPCISDocument."""
    del as_epcis  # the only format so far; the flag keeps room for others
    params: dict[str, list[str]] = {}
    for condition in conditions:
        name, sep, value = condition.partition("=")
        if not sep:
            raise Invalid(f"--where {condition}: write PARAM=VALUE")
        params.setdefault(name, []).append(value)
    try:
        wanted, _per_page, _token = read_query(params)
    except QueryError as error:
        raise Invalid(f"--where: {error}") from error
    operator = Principal("cli:operator", REGULATOR)
    events: list[dict[str, Any]] = []
    for page in epcis_index.all_events(ctx.database(), operator, wanted):
        events.extend(page)
    text = json.dumps(epcis_index.document(events, query=False), ensure_ascii=False)
    if out is None:
        click.echo(text)
    else:
        out.write_text(text + "\n", encoding="utf-8")
        click.echo(f"wrote {len(events)} events to {out}", err=True)
