"""Signing keys and lot passports."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from rareledger.cli.context import EXIT_REJECTED, CliContext, json_option, pass_cli, print_json
from rareledger.formats import passport_html
from rareledger.formats.jsonlines import parse_json
from rareledger.services import passports
from rareledger.store.database import Database


def _passphrase() -> str | None:
    return os.environ.get("RARELEDGER_KEY_PASSPHRASE")


@click.group()
def keys() -> None:
    """Ed25519 keys that sign passports (private halves encrypted with
    RARELEDGER_KEY_PASSPHRASE, never stored in clear)."""


@keys.command("create")
@pass_cli
def keys_create(ctx: CliContext) -> None:
    """Make a new active signing key."""
    click.echo(f"created key {passports.create_key(ctx.database(), _passphrase())}")


@keys.command("rotate")
@pass_cli
def keys_rotate(ctx: CliContext) -> None:
    """Retire the active key and make a new one; passports signed before still verify."""
    key_id = passports.rotate_key(ctx.database(), _passphrase())
    click.echo(f"rotated: the active key is now {key_id}")


@keys.command("list")
@json_option
@pass_cli
def keys_list(ctx: CliContext, as_json: bool) -> None:
    """The public keys (publish them with --json so buyers can verify offline)."""
    found = passports.list_keys(ctx.database())
    if as_json:
        print_json(found)
        return
    for key in found:
        state = "active" if key["active"] else f"retired {key['retired_at']}"
        click.echo(f"{key['key_id']}\t{key['created_at']}\t{state}")


@click.group()
def passport() -> None:
    """Lot passports for foreign buyers."""


@passport.command("issue")
@click.argument("lot_id")
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Where to write the signed passport (JSON).",
)
@click.option(
    "--html",
    "html",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write an HTML view with a QR code.",
)
@click.option(
    "--base-url",
    default="http://127.0.0.1:8000",
    show_default=True,
    help="The public address of the verification service.",
)
@click.option("--disclose-mines", is_flag=True, help="Name the mines (only where allowed).")
@pass_cli
def passport_issue(
    ctx: CliContext, lot_id: str, out: Path, html: Path | None, base_url: str, disclose_mines: bool
) -> None:
    """Sign a passport for LOT_ID."""
    document = passports.issue(
        ctx.database(),
        lot_id,
        passphrase=_passphrase(),
        base_url=base_url,
        disclose_mines=disclose_mines,
    )
    out.write_text(json.dumps(document, indent=2, ensure_ascii=False))
    if html is not None:
        html.write_text(passport_html.render(document))
    click.echo(f"passport {document['passport']['passport_id']} for {lot_id} written to {out}")


@passport.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--keys",
    "keys_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Published public keys (the JSON of `keys list --json`).",
)
@click.option(
    "--db",
    "db_url",
    default=None,
    help="A ledger to check the evidence against (and to read the keys from).",
)
@json_option
def passport_verify(file: Path, keys_file: Path | None, db_url: str | None, as_json: bool) -> None:
    """Check a passport's signature offline and, with --db, that its evidence is unchanged.
    Exit 0 when valid, 1 when not."""
    if keys_file is None and db_url is None:
        raise click.UsageError("give --keys (published public keys) or --db (a ledger)")
    database = None
    try:
        if db_url is not None:
            database = Database(db_url)
            database.require_schema()
        if keys_file is not None:
            published = parse_json(keys_file.read_bytes(), what=str(keys_file))
        else:
            assert database is not None
            published = passports.list_keys(database)
        document = parse_json(file.read_bytes(), what=str(file))
        result = passports.verify(document, passports.public_key_map(published), database)
    finally:
        if database is not None:
            database.dispose()
    if as_json:
        print_json({"valid": result.valid, "reasons": result.reasons})
    else:
        click.echo(("valid: " if result.valid else "NOT valid: ") + "; ".join(result.reasons))
    sys.exit(0 if result.valid else EXIT_REJECTED)
