"""Commands that write the ledger: init, load, rebuild."""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

import click
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from rareledger.cli.context import (
    EXIT_REJECTED,
    CliContext,
    console,
    json_option,
    pass_cli,
)
from rareledger.domain.actors import Actor
from rareledger.errors import Invalid
from rareledger.formats import spreadsheet
from rareledger.formats.upload_limits import UploadLimits
from rareledger.services import (
    collector,
    export_control,
    integrity,
    loading,
    uploads,
)
from rareledger.services.epcis import Capture, DocumentError, read_body
from rareledger.services.reporting import Acknowledgement, Recorder

BATCH = 2000
SHOWN = 20


@click.command()
@pass_cli
def init(ctx: CliContext) -> None:
    """Create the database schema, or upgrade it (forward-only migrations)."""
    database = ctx.database(require_schema=False)
    revision = database.initialise()
    if database.projections_recreated:
        count = integrity.rebuild(database, ctx.settings.rules)
        click.echo(f"the projections' layout changed: rebuilt them from {count} ledger entries")
    seeded = export_control.seed_regimes(database)
    click.echo(f"database {ctx.database_url} is at schema revision {revision}")
    for receipt in seeded:
        click.echo(f"recorded the shipped control regime {receipt.id} ({receipt.status})")


class Tally:
    def __init__(self) -> None:
        self.status: Counter[str] = Counter()
        self.finding_codes: Counter[str] = Counter()
        self.rejected: list[Acknowledgement] = []
        self.flagged: list[Acknowledgement] = []

    def add_row(self, row: dict[str, Any]) -> None:
        self.status[row["status"]] += 1
        if row["status"] == "rejected" and row["errors"] and len(self.rejected) < SHOWN:
            errors = [
                {**e, "field": f"{row['sheet']} row {row['row']} column {e['column']}"}
                for e in row["errors"]
            ]
            self.rejected.append(Acknowledgement(row["id"], "rejected", errors=errors))
        if row["status"] == "accepted" and row["findings"]:
            self.finding_codes.update(f["code"] for f in row["findings"])

    def add(self, receipt: Acknowledgement) -> None:
        self.status[receipt.status] += 1
        self.finding_codes.update(
            f["code"] for f in receipt.findings if receipt.status == "accepted"
        )
        if receipt.status == "rejected" and len(self.rejected) < SHOWN:
            self.rejected.append(receipt)
        if receipt.findings and receipt.status == "accepted" and len(self.flagged) < SHOWN:
            self.flagged.append(receipt)


@click.command()
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--batch-size",
    default=BATCH,
    show_default=True,
    type=click.IntRange(1, 100_000),
    help="Records per transaction.",
)
@json_option
@pass_cli
def load(ctx: CliContext, files: tuple[Path, ...], batch_size: int, as_json: bool) -> None:
    """Load master data and events from FILES, in order: JSON Lines, a JSON array,
    spreadsheets (.xlsx with one sheet per record type, .csv named after its record type;
    see docs/spreadsheets.md), or EPCIS 2.0 documents (.jsonld or .xml; see docs/epcis.md).

    As an operator loading history, records may carry their own recorded_at.
    Exit status 0 when nothing was rejected, 1 otherwise.
    """
    recorder = Recorder(
        ctx.database(bulk=True),
        Actor("cli:operator"),
        allow_recorded_at=True,
        settings=ctx.settings.rules,
    )
    limits = UploadLimits.from_settings(ctx.settings)
    tally = load_files(recorder, files, batch_size, as_json, limits)
    if not as_json:
        print_summary(tally)
    sys.exit(EXIT_REJECTED if tally.status["rejected"] else 0)


def load_files(
    recorder: Recorder,
    files: Iterable[Path],
    batch_size: int,
    as_json: bool = False,
    limits: UploadLimits | None = None,
) -> Tally:
    """Load files in order with a progress bar on a terminal; count what happened."""
    tally = Tally()
    show_progress = not as_json and sys.stderr.isatty()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        disable=not show_progress,
        console=console(),
    ) as progress:
        for path in files:
            if path.suffix.lower() in (".xlsx", ".csv"):
                _load_sheets(recorder, path, batch_size, as_json, tally, limits)
                continue
            if _is_epcis(path):
                _load_epcis(recorder, path, batch_size, as_json, tally)
                continue
            _load_json_file(recorder, path, batch_size, as_json, tally, progress)
    return tally


def _is_epcis(path: Path) -> bool:
    """An EPCIS 2.0 document: .jsonld or .xml, or JSON whose type is an EPCIS document."""
    if path.suffix.lower() in (".jsonld", ".xml"):
        return True
    with path.open("rb") as stream:
        head = stream.read(65536).lstrip()
    return head.startswith(b"{") and (b'"EPCISDocument"' in head or b'"EPCISQueryDocument"' in head)


def _load_epcis(
    recorder: Recorder, path: Path, batch_size: int, as_json: bool, tally: Tally
) -> None:
    """Capture an EPCIS document's events (each judged on its own, as in any load)."""
    try:
        document = read_body(path.read_bytes(), "xml" if path.suffix.lower() == ".xml" else "")
    except DocumentError as error:
        raise Invalid(f"{path}: {error.field or 'document'}: {error.message}") from error
    capture = Capture(
        recorder.database,
        recorder.actor,
        settings=recorder.engine.settings,
        allow_recorded_at=recorder.allow_recorded_at,
    )
    for start in range(0, len(document.events), batch_size):
        part = replace(document, events=document.events[start : start + batch_size])
        for outcome in capture.capture(part, rollback=False):
            outcome.index += start
            tally.add(
                Acknowledgement(
                    outcome.event_id or outcome.hash_id,
                    outcome.status,
                    outcome.position,
                    findings=outcome.findings,
                    errors=outcome.errors,
                )
            )
            if as_json:
                click.echo(json.dumps(outcome.as_dict(), ensure_ascii=False))


def _load_json_file(
    recorder: Recorder,
    path: Path,
    batch_size: int,
    as_json: bool,
    tally: Tally,
    progress: Progress,
) -> None:
    """A JSON Lines file or JSON array; a large one is validated in a second process."""
    size = path.stat().st_size
    task = progress.add_task(path.name, total=size)
    with path.open("rb") as stream, collector.paused():
        for receipt in loading.load_stream(
            recorder,
            stream,
            batch_size,
            parallel=size >= loading.PARALLEL_FROM_BYTES,
            on_batch=lambda _: progress.update(task, completed=stream.tell()),
        ):
            tally.add(receipt)
            if as_json:
                click.echo(json.dumps(receipt.as_dict(), ensure_ascii=False))


def _load_sheets(
    recorder: Recorder,
    path: Path,
    batch_size: int,
    as_json: bool,
    tally: Tally,
    limits: UploadLimits | None,
) -> None:
    """Load a spreadsheet within the upload limits; each row is answered (JSON: one row
    answer per line)."""
    sheets = spreadsheet.read_upload(path.name, path.read_bytes(), limits)
    result = uploads.submit_sheets(recorder, sheets, batch_size)
    for row in result["rows"]:
        tally.add_row(row)
        if as_json:
            click.echo(json.dumps(row, ensure_ascii=False))


def print_summary(tally: Tally) -> None:
    out = console()
    out.print(
        f"accepted {tally.status['accepted']}, duplicate {tally.status['duplicate']}, "
        f"rejected {tally.status['rejected']}"
    )
    for receipt in tally.rejected:
        where = f" (line {receipt.line})" if receipt.line is not None else ""
        for error in receipt.errors:
            out.print(
                f"  rejected {receipt.id or '(no id)'}{where}: {error['field'] or '(record)'}: "
                f"{error['message']} [{error['code']}] (value: {error['value']!r})"
            )
    if tally.finding_codes:
        counts = ", ".join(f"{code} {n}" for code, n in sorted(tally.finding_codes.items()))
        out.print(f"findings: {counts}")
        for receipt in tally.flagged:
            for finding in receipt.findings:
                out.print(f"  {receipt.id}: {finding['code']}: {finding['message']}")
    else:
        out.print("findings: none")


@click.command()
@pass_cli
def rebuild(ctx: CliContext) -> None:
    """Recreate balances, lots, shipments, lineage edges and findings from the ledger."""
    show = sys.stderr.isatty()
    with Progress(disable=not show, console=console()) as progress:
        task = progress.add_task("replaying the ledger", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        count = integrity.rebuild(
            ctx.database(bulk=True), ctx.settings.rules, advance, index_epcis=True
        )
    click.echo(f"rebuilt the projections from {count} ledger entries")
