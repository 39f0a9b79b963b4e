"""People's accounts and systems' API keys as stored: only hashes, never a secret."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.exc import IntegrityError

from rareledger.errors import Conflict
from rareledger.store import schema


@dataclass(frozen=True, slots=True)
class AccountRow:
    username: str
    password_hash: str
    role: str
    enterprise_id: str | None
    disabled: bool
    created_at: str


@dataclass(frozen=True, slots=True)
class KeyRow:
    key_id: str
    secret_hash: str
    name: str
    role: str
    enterprise_id: str | None
    created_at: str
    revoked_at: str | None


def _account(row: Any) -> AccountRow:
    return AccountRow(
        row.username,
        row.password_hash,
        row.role,
        row.enterprise_id,
        bool(row.disabled),
        row.created_at,
    )


def _key(row: Any) -> KeyRow:
    return KeyRow(
        row.key_id,
        row.secret_hash,
        row.name,
        row.role,
        row.enterprise_id,
        row.created_at,
        row.revoked_at,
    )


def add_account(connection: Connection, account: AccountRow) -> None:
    """Store a new account; :class:`Conflict` (``account_exists``) when the name is taken."""
    try:
        connection.execute(
            schema.accounts.insert().values(
                username=account.username,
                password_hash=account.password_hash,
                role=account.role,
                enterprise_id=account.enterprise_id,
                disabled=account.disabled,
                created_at=account.created_at,
            )
        )
    except IntegrityError:  # the transaction is spoilt: the caller's block rolls it back
        raise Conflict(f"user {account.username!r} exists", code="account_exists") from None


def accounts(connection: Connection) -> list[AccountRow]:
    t = schema.accounts
    return [_account(r) for r in connection.execute(select(t).order_by(t.c.username))]


def account(connection: Connection, username: str) -> AccountRow | None:
    t = schema.accounts
    row = connection.execute(select(t).where(t.c.username == username)).first()
    return _account(row) if row else None


def disable_account(connection: Connection, username: str) -> bool:
    """Disable an account; whether there was one."""
    t = schema.accounts
    query = update(t).where(t.c.username == username).values(disabled=True)
    return bool(connection.execute(query).rowcount)


def add_key(connection: Connection, key: KeyRow) -> None:
    connection.execute(
        schema.api_keys.insert().values(
            key_id=key.key_id,
            secret_hash=key.secret_hash,
            name=key.name,
            role=key.role,
            enterprise_id=key.enterprise_id,
            created_at=key.created_at,
            revoked_at=key.revoked_at,
        )
    )


def keys(connection: Connection) -> list[KeyRow]:
    t = schema.api_keys
    return [_key(r) for r in connection.execute(select(t).order_by(t.c.created_at, t.c.key_id))]


def key(connection: Connection, key_id: str) -> KeyRow | None:
    t = schema.api_keys
    row = connection.execute(select(t).where(t.c.key_id == key_id)).first()
    return _key(row) if row else None


def revoke_key(connection: Connection, key_id: str, at: str) -> bool:
    """Revoke an active key; whether there was one."""
    t = schema.api_keys
    query = update(t).where(t.c.key_id == key_id, t.c.revoked_at.is_(None)).values(revoked_at=at)
    return bool(connection.execute(query).rowcount)
