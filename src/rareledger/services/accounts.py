"""Accounts of people and API keys of systems: create, list, disable or revoke, authenticate.

Passwords are hashed with Argon2id (argon2-cffi). API keys are 256-bit random secrets shown
once; only their SHA-256 is stored (a fast hash is right for a random key, unlike a password).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from rareledger.domain.access import Principal, check_role_binding
from rareledger.store import preferences, schema
from rareledger.store.database import Database

KEY_PREFIX = "rlk"
_hasher = PasswordHasher()


class AccountError(ValueError):
    """An account or key request that cannot be done (duplicate, unknown, invalid role)."""


@dataclass(frozen=True, slots=True)
class AccountInfo:
    username: str
    role: str
    enterprise_id: str | None
    disabled: bool
    created_at: str


@dataclass(frozen=True, slots=True)
class KeyInfo:
    key_id: str
    name: str
    role: str
    enterprise_id: str | None
    created_at: str
    revoked_at: str | None


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _validate(role: str, enterprise_id: str | None) -> None:
    problem = check_role_binding(role, enterprise_id)
    if problem:
        raise AccountError(problem)


def create_user(
    database: Database, username: str, password: str, role: str, enterprise_id: str | None = None
) -> AccountInfo:
    _validate(role, enterprise_id)
    if len(password) < 12:
        raise AccountError("a password needs at least 12 characters")
    info = AccountInfo(username, role, enterprise_id, False, _now())
    try:
        with database.write() as connection:
            connection.execute(
                schema.accounts.insert().values(
                    username=username,
                    password_hash=_hasher.hash(password),
                    role=role,
                    enterprise_id=enterprise_id,
                    disabled=False,
                    created_at=info.created_at,
                )
            )
    except IntegrityError as error:
        raise AccountError(f"user {username!r} exists") from error
    return info


def list_users(database: Database) -> list[AccountInfo]:
    t = schema.accounts
    with database.read() as connection:
        rows = connection.execute(select(t).order_by(t.c.username)).all()
    return [
        AccountInfo(r.username, r.role, r.enterprise_id, bool(r.disabled), r.created_at)
        for r in rows
    ]


def disable_user(database: Database, username: str) -> None:
    t = schema.accounts
    with database.write() as connection:
        changed = connection.execute(
            update(t).where(t.c.username == username).values(disabled=True)
        ).rowcount
    if not changed:
        raise AccountError(f"no user {username!r}")


def authenticate_user(database: Database, username: str, password: str) -> Principal | None:
    """The principal of a valid, enabled account, or None (same answer for every failure)."""
    t = schema.accounts
    with database.read() as connection:
        row = connection.execute(select(t).where(t.c.username == username)).first()
    if row is None:
        _hasher.hash(password)  # spend the same time as a real check
        return None
    try:
        _hasher.verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if row.disabled:
        return None
    return Principal(f"user:{row.username}", row.role, row.enterprise_id)


def user_principal(database: Database, username: str) -> Principal | None:
    """The principal of an enabled account (for a signed session token)."""
    t = schema.accounts
    with database.read() as connection:
        row = connection.execute(select(t).where(t.c.username == username)).first()
    if row is None or row.disabled:
        return None
    return Principal(f"user:{row.username}", row.role, row.enterprise_id)


def _secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_key(
    database: Database, name: str, role: str, enterprise_id: str | None = None
) -> tuple[KeyInfo, str]:
    """Create a key; return its record and the key itself, which is never shown again."""
    _validate(role, enterprise_id)
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    info = KeyInfo(key_id, name, role, enterprise_id, _now(), None)
    with database.write() as connection:
        connection.execute(
            schema.api_keys.insert().values(
                key_id=key_id,
                secret_hash=_secret_hash(secret),
                name=name,
                role=role,
                enterprise_id=enterprise_id,
                created_at=info.created_at,
                revoked_at=None,
            )
        )
    return info, f"{KEY_PREFIX}_{key_id}_{secret}"


def list_api_keys(database: Database) -> list[KeyInfo]:
    t = schema.api_keys
    with database.read() as connection:
        rows = connection.execute(select(t).order_by(t.c.created_at, t.c.key_id)).all()
    return [
        KeyInfo(r.key_id, r.name, r.role, r.enterprise_id, r.created_at, r.revoked_at) for r in rows
    ]


def revoke_api_key(database: Database, key_id: str) -> None:
    t = schema.api_keys
    with database.write() as connection:
        changed = connection.execute(
            update(t)
            .where(t.c.key_id == key_id, t.c.revoked_at.is_(None))
            .values(revoked_at=_now())
        ).rowcount
    if not changed:
        raise AccountError(f"no active key {key_id!r}")


def authenticate_key(database: Database, presented: str) -> Principal | None:
    """The principal of a valid, unrevoked key, or None."""
    parts = presented.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        return None
    key_id, secret = parts[1], parts[2]
    t = schema.api_keys
    with database.read() as connection:
        row = connection.execute(select(t).where(t.c.key_id == key_id)).first()
    if row is None or row.revoked_at is not None:
        return None
    if not hmac.compare_digest(row.secret_hash, _secret_hash(secret)):
        return None
    return Principal(f"key:{row.key_id}", row.role, row.enterprise_id)


def preferred_language(database: Database, username: str) -> str | None:
    """The language a person chose for the pages, if any."""
    with database.read() as connection:
        return preferences.language(connection, username)


def set_preferred_language(database: Database, username: str, language: str) -> None:
    with database.write() as connection:
        preferences.set_language(connection, username, language)
