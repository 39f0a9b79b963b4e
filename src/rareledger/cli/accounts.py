"""Accounts of people and API keys of systems, and the web service."""

from __future__ import annotations

from dataclasses import replace

import click

from rareledger.cli.context import CliContext, json_option, pass_cli, print_json
from rareledger.config import check_secret
from rareledger.domain.access import ROLES
from rareledger.domain.lockouts import SUBJECT_KINDS
from rareledger.services import accounts

role_option = click.option(
    "--role", required=True, type=click.Choice(ROLES), help="What the account may do."
)
enterprise_option = click.option(
    "--enterprise",
    "enterprise_id",
    default=None,
    help="The enterprise id (for the enterprise role only).",
)


@click.group()
def user() -> None:
    """People's accounts (passwords hashed with Argon2id)."""


@user.command("create")
@click.argument("username")
@role_option
@enterprise_option
@click.password_option(envvar="RARELEDGER_NEW_PASSWORD", help="At least 12 characters.")
@pass_cli
def user_create(
    ctx: CliContext, username: str, role: str, enterprise_id: str | None, password: str
) -> None:
    """Create an account USERNAME."""
    info = accounts.create_user(ctx.database(), username, password, role, enterprise_id)
    click.echo(
        f"created user {info.username} ({info.role}"
        f"{', ' + info.enterprise_id if info.enterprise_id else ''})"
    )


@user.command("list")
@json_option
@pass_cli
def user_list(ctx: CliContext, as_json: bool) -> None:
    """List accounts."""
    users = accounts.list_users(ctx.database())
    if as_json:
        print_json([_fields(u) for u in users])
        return
    for u in users:
        state = "disabled" if u.disabled else "active"
        click.echo(f"{u.username}\t{u.role}\t{u.enterprise_id or '-'}\t{state}")


@user.command("disable")
@click.argument("username")
@pass_cli
def user_disable(ctx: CliContext, username: str) -> None:
    """Disable an account; its sessions stop working at once."""
    accounts.disable_user(ctx.database(), username)
    click.echo(f"disabled user {username}")


@click.group()
def apikey() -> None:
    """API keys for enterprise systems (stored hashed, shown once)."""


@apikey.command("create")
@role_option
@enterprise_option
@click.option("--name", default="", help="What the key is for.")
@pass_cli
def apikey_create(ctx: CliContext, role: str, enterprise_id: str | None, name: str) -> None:
    """Create a key; the key itself is printed alone on the last line, and never again."""
    info, key = accounts.create_api_key(ctx.database(), name or role, role, enterprise_id)
    click.echo(
        f"created key {info.key_id} ({info.role}"
        f"{', ' + info.enterprise_id if info.enterprise_id else ''}); "
        "store it now, it is not shown again:"
    )
    click.echo(key)


@apikey.command("list")
@json_option
@pass_cli
def apikey_list(ctx: CliContext, as_json: bool) -> None:
    """List keys (never the keys themselves)."""
    keys = accounts.list_api_keys(ctx.database())
    if as_json:
        print_json([_fields(k) for k in keys])
        return
    for k in keys:
        state = f"revoked {k.revoked_at}" if k.revoked_at else "active"
        click.echo(f"{k.key_id}\t{k.name}\t{k.role}\t{k.enterprise_id or '-'}\t{state}")


@apikey.command("revoke")
@click.argument("key_id")
@pass_cli
def apikey_revoke(ctx: CliContext, key_id: str) -> None:
    """Revoke a key; it stops working at once."""
    accounts.revoke_api_key(ctx.database(), key_id)
    click.echo(f"revoked key {key_id}")


@click.group()
def lockout() -> None:
    """Accounts, keys and client addresses locked out after too many failed sign-ins or bad
    keys (see docs/api.md); lift one at once."""


@lockout.command("list")
@json_option
@pass_cli
def lockout_list(ctx: CliContext, as_json: bool) -> None:
    """What is locked out now, and for how long."""
    found = accounts.lockouts_now(ctx.database())
    if as_json:
        print_json(found)
        return
    for row in found:
        click.echo(
            f"{row['kind']}\t{row['name']}\tuntil {row['locked_until']} "
            f"({row['retry_after_s']} s, lock-out {row['lockouts_in_a_row']} in a row)"
        )
    if not found:
        click.echo("nothing is locked out")


@lockout.command("lift")
@click.argument("kind", type=click.Choice(SUBJECT_KINDS))
@click.argument("name")
@pass_cli
def lockout_lift(ctx: CliContext, kind: str, name: str) -> None:
    """Lift the lock-out of an account, key (its id) or address NAME, and forget its failures."""
    accounts.lift_lockout(ctx.database(), kind, name)
    click.echo(f"lifted the lock-out of {kind} {name}")


def _fields(value: object) -> dict[str, object]:
    return {name: getattr(value, name) for name in value.__slots__}  # type: ignore[attr-defined]


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--dev", is_flag=True, help="Development mode: allow running without a secret.")
@pass_cli
def serve(ctx: CliContext, host: str, port: int, dev: bool) -> None:
    """Serve the HTTP API (and its docs at /api/docs) on the configured database."""
    import uvicorn

    from rareledger.web.app import create_app, prepare_to_serve

    settings = replace(
        ctx.settings, database_url=ctx.database_url, dev_mode=ctx.settings.dev_mode or dev
    )
    check_secret(settings)
    app = create_app(settings, ctx.database())
    prepare_to_serve(ctx.database())
    uvicorn.run(app, host=host, port=port, log_level="info")
