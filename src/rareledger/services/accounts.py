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

from rareledger.domain.access import Principal, check_role_binding
from rareledger.errors import Invalid, NotFound
from rareledger.store import accounts as stored
from rareledger.store.database import Database

KEY_PREFIX = "rlk"
MIN_PASSWORD_LENGTH = 12
_hasher = PasswordHasher()


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
        raise Invalid(problem, code="invalid_role_binding")


def _info(row: stored.AccountRow) -> AccountInfo:
    return AccountInfo(row.username, row.role, row.enterprise_id, row.disabled, row.created_at)


def _key_info(row: stored.KeyRow) -> KeyInfo:
    return KeyInfo(
        row.key_id, row.name, row.role, row.enterprise_id, row.created_at, row.revoked_at
    )


def create_user(
    database: Database, username: str, password: str, role: str, enterprise_id: str | None = None
) -> AccountInfo:
    """Create an account (:class:`Conflict` when the name is taken)."""
    _validate(role, enterprise_id)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(
            f"a password needs at least {MIN_PASSWORD_LENGTH} characters", code="weak_password"
        )
    row = stored.AccountRow(username, _hasher.hash(password), role, enterprise_id, False, _now())
    with database.write() as connection:
        stored.add_account(connection, row)
    return _info(row)


def list_users(database: Database) -> list[AccountInfo]:
    with database.read() as connection:
        return [_info(row) for row in stored.accounts(connection)]


def disable_user(database: Database, username: str) -> None:
    with database.write() as connection:
        if not stored.disable_account(connection, username):
            raise NotFound(f"no user {username!r}", code="no_such_user")


def authenticate_user(database: Database, username: str, password: str) -> Principal | None:
    """The principal of a valid, enabled account, or None (same answer for every failure)."""
    with database.read() as connection:
        row = stored.account(connection, username)
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
    with database.read() as connection:
        row = stored.account(connection, username)
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
    secret = secrets.token_urlsafe(32)
    row = stored.KeyRow(
        secrets.token_hex(8), _secret_hash(secret), name, role, enterprise_id, _now(), None
    )
    with database.write() as connection:
        stored.add_key(connection, row)
    return _key_info(row), f"{KEY_PREFIX}_{row.key_id}_{secret}"


def list_api_keys(database: Database) -> list[KeyInfo]:
    with database.read() as connection:
        return [_key_info(row) for row in stored.keys(connection)]


def revoke_api_key(database: Database, key_id: str) -> None:
    with database.write() as connection:
        if not stored.revoke_key(connection, key_id, _now()):
            raise NotFound(f"no active key {key_id!r}", code="no_such_key")


def authenticate_key(database: Database, presented: str) -> Principal | None:
    """The principal of a valid, unrevoked key, or None."""
    parts = presented.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        return None
    key_id, secret = parts[1], parts[2]
    with database.read() as connection:
        row = stored.key(connection, key_id)
    if row is None or row.revoked_at is not None:
        return None
    if not hmac.compare_digest(row.secret_hash, _secret_hash(secret)):
        return None
    return Principal(f"key:{row.key_id}", row.role, row.enterprise_id)
