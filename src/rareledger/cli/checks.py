"""Commands that check the ledger: verify (the hash chain, a checkpoint, the projections)
and checkpoint."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from rareledger.cli.context import EXIT_REJECTED, CliContext, json_option, pass_cli, print_json
from rareledger.formats.jsonlines import parse_json
from rareledger.services import checkpoints, integrity, passports, projection_check
from rareledger.store.database import Database


@click.command()
@click.option(
    "--checkpoint",
    "checkpoint_path",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    help="A signed checkpoint (or a directory of them: the newest) that the ledger must extend.",
)
@click.option(
    "--keys",
    "keys_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Published public keys to check the checkpoint's signature with (default: the "
    "ledger's own).",
)
@click.option(
    "--projections",
    is_flag=True,
    help="Also rebuild the projections in scratch and name the first row that differs.",
)
@json_option
@pass_cli
def verify(
    ctx: CliContext,
    checkpoint_path: Path | None,
    keys_file: Path | None,
    projections: bool,
    as_json: bool,
) -> None:
    """Walk the hash chain; exit 1 naming the first bad position if anything was altered.
    With --checkpoint, also exit 1 when the ledger does not extend the checkpoint (shorter,
    or another entry at its position); with --projections, when a projection row differs
    from what the ledger gives."""
    database = ctx.database()
    result = integrity.verify(database)
    first = result.first_break
    report: dict[str, Any] = {
        "intact": result.intact,
        "entries": result.entries,
        "head_position": result.head_position,
        "first_bad_position": first.position if first else None,
        "reason": first.reason if first else None,
    }
    lines = [
        f"ledger broken at position {first.position}: {first.reason}"
        if first
        else f"ledger intact: {result.entries} entries, head at position {result.head_position}"
    ]
    good = result.intact
    if checkpoint_path is not None:
        good = _verify_checkpoint(database, checkpoint_path, keys_file, report, lines) and good
    if projections:
        good = _verify_projections(ctx, report, lines) and good
    if as_json:
        print_json(report)
    else:
        click.echo("\n".join(lines))
    sys.exit(0 if good else EXIT_REJECTED)


def _verify_checkpoint(
    database: Database,
    path: Path,
    keys_file: Path | None,
    report: dict[str, Any],
    lines: list[str],
) -> bool:
    published = (
        parse_json(keys_file.read_bytes(), what=str(keys_file))
        if keys_file is not None
        else passports.list_keys(database)
    )
    found = checkpoints.check(database, checkpoints.load(path), passports.public_key_map(published))
    report["checkpoint"] = {
        "position": found.position,
        "extended": found.extended,
        "reason": found.problem,
    }
    lines.append(
        f"the ledger extends the checkpoint at position {found.position}"
        if found.extended
        else f"the ledger does not extend the checkpoint: {found.problem}"
    )
    return found.extended


def _verify_projections(ctx: CliContext, report: dict[str, Any], lines: list[str]) -> bool:
    found = projection_check.check_projections(ctx.database(), ctx.settings.rules)
    difference = found.difference
    report["projections"] = {
        "match": found.matches,
        "rows": found.rows,
        "first_difference": None
        if difference is None
        else {
            "table": difference.table,
            "key": difference.key,
            "stored": difference.stored,
            "rebuilt": difference.rebuilt,
        },
    }
    if difference is None:
        lines.append(f"projections match the ledger: {found.rows} rows")
    else:
        lines.append(
            f"projection {difference.table} differs at {_key_text(difference.key)}: "
            f"stored {_row_text(difference.stored)}, the ledger gives "
            f"{_row_text(difference.rebuilt)}"
        )
    return found.matches


def _key_text(key: dict[str, Any]) -> str:
    return ", ".join(f"{name}={value!r}" for name, value in key.items())


def _row_text(row: dict[str, Any] | None) -> str:
    return "no row" if row is None else "(" + _key_text(row) + ")"


@click.command()
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="A file to write, or a directory to write into (default: RARELEDGER_CHECKPOINT_DIR).",
)
@pass_cli
def checkpoint(ctx: CliContext, out: Path | None) -> None:
    """Write a signed checkpoint of the ledger (position, head hash, time, key id) outside the
    database; `verify --checkpoint FILE` later fails if the ledger does not extend it. Signed
    with the active passport key (RARELEDGER_KEY_PASSPHRASE)."""
    target = out or (Path(ctx.settings.checkpoint_dir) if ctx.settings.checkpoint_dir else None)
    if target is None:
        raise click.UsageError("give --out FILE|DIR, or set RARELEDGER_CHECKPOINT_DIR")
    document = checkpoints.take(ctx.database(), ctx.settings.key_passphrase or None)
    written = checkpoints.write(document, target)
    body = document["checkpoint"]
    click.echo(f"checkpoint at position {body['position']} written to {written}")
