"""Accounts of people and API keys of systems: create, list, disable or revoke, authenticate.

Passwords are hashed with Argon2id (argon2-cffi). API keys are 256-bit random secrets shown
once; only their SHA-256 is stored (a fast hash is right for a random key, unlike a password).

Failed sign-ins and bad keys or tokens are counted per account (or key) and per client
address (:mod:`rareledger.domain.lockouts`); past the limit the subject is locked out for a
while (:class:`Throttled`, 429 with ``Retry-After``), even for the right password, until the
time is up or an administrator lifts it (:func:`lift_lockout`). Every caller of
:func:`authenticate_user` (the API's sign-in, the pages') gets this.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from rareledger.config import Settings
from rareledger.domain import lockouts
from rareledger.domain.access import Principal, check_role_binding
from rareledger.domain.lockouts import LONGEST_LOCKOUT, Attempts, Policy
from rareledger.errors import Invalid, LedgerError, NotFound
from rareledger.store import accounts as stored
from rareledger.store import preferences, sign_in_failures
from rareledger.store.database import Database

KEY_PREFIX = "rlk"
_KEY_ID = re.compile(r"[0-9a-f]{16}")
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


class Throttled(LedgerError):
    """Too many failed sign-ins or bad keys from one account, key or address (429)."""

    code: str = "too_many_attempts"

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message, details={"retry_after_s": retry_after_s})
        self.retry_after_s = retry_after_s
        self.headers = {"Retry-After": str(retry_after_s)}


@dataclass(frozen=True, slots=True)
class Throttle:
    """The limits on failures: per account or key, and per client address."""

    account: Policy
    address: Policy


FIFTEEN_MINUTES = timedelta(minutes=15)
DEFAULT_THROTTLE = Throttle(
    Policy(5, FIFTEEN_MINUTES, FIFTEEN_MINUTES), Policy(30, FIFTEEN_MINUTES, FIFTEEN_MINUTES)
)


def throttle_from(settings: Settings) -> Throttle:
    window = timedelta(minutes=settings.sign_in_window_minutes)
    lockout = timedelta(minutes=settings.lockout_minutes)
    return Throttle(
        Policy(settings.sign_in_failures, window, lockout),
        Policy(settings.address_failures, window, lockout),
    )


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _subjects(
    throttle: Throttle, account: tuple[str, str] | None, client: str | None
) -> dict[str, Policy]:
    found = {lockouts.subject(*account): throttle.account} if account else {}
    if client:
        found[lockouts.subject("address", client)] = throttle.address
    return found


def _refuse_if_locked(stored_attempts: Mapping[str, Attempts], when: datetime) -> None:
    wait = max((lockouts.wait_s(a, when) for a in stored_attempts.values()), default=0)
    if wait:
        raise Throttled(
            f"too many failed sign-ins: try again in {wait} s (or ask an administrator to "
            "lift the lock-out)",
            retry_after_s=wait,
        )


def _count_failure(database: Database, subjects: Mapping[str, Policy]) -> None:
    """Count one failure against each subject; :class:`Throttled` when one is locked out
    (already, when nothing more is written, or by this failure)."""
    if not subjects:
        return
    when = datetime.now(UTC)
    _refuse_if_locked(sign_in_failures.attempts_of(database, subjects), when)

    def counted(known: Attempts | None, name: str) -> Attempts:
        return lockouts.after_failure(known, name, when, subjects[name])

    longest = max(p.window for p in subjects.values()) + LONGEST_LOCKOUT
    changed = sign_in_failures.record(database, subjects, counted, when - longest)
    _refuse_if_locked({a.subject: a for a in changed}, when)


def authenticate_user(
    database: Database,
    username: str,
    password: str,
    *,
    client: str | None = None,
    throttle: Throttle = DEFAULT_THROTTLE,
) -> Principal | None:
    """The principal of a valid, enabled account, or None (same answer for every failure);
    :class:`Throttled` while the account or the client's address is locked out."""
    subjects = _subjects(throttle, ("account", username), client)
    _refuse_if_locked(sign_in_failures.attempts_of(database, subjects), datetime.now(UTC))
    principal = _check_password(database, username, password)
    if principal is None:
        _count_failure(database, subjects)
        return None
    sign_in_failures.forget(database, [lockouts.subject("account", username)])
    return principal


def refuse_credentials(
    database: Database,
    presented: str,
    *,
    client: str | None = None,
    throttle: Throttle = DEFAULT_THROTTLE,
) -> None:
    """Count a key or token that did not authenticate against the client's address and the
    key it names; :class:`Throttled` once either is locked out."""
    parts = presented.split("_", 2)
    named = len(parts) == 3 and parts[0] == KEY_PREFIX and _KEY_ID.fullmatch(parts[1])
    _count_failure(database, _subjects(throttle, ("key", parts[1]) if named else None, client))


def lockouts_now(database: Database) -> list[dict[str, Any]]:
    """The accounts, keys and addresses locked out now, with how long they still wait."""
    when = datetime.now(UTC)
    return [
        {
            "kind": a.subject.split(":", 1)[0],
            "name": a.subject.split(":", 1)[1],
            "locked_until": a.locked_until.isoformat() if a.locked_until else None,
            "retry_after_s": lockouts.wait_s(a, when),
            "lockouts_in_a_row": a.lockouts,
        }
        for a in sign_in_failures.locked(database, when)
    ]


def lift_lockout(database: Database, kind: str, name: str) -> None:
    """Lift a lock-out (and forget the subject's failures); NotFound when none is counted."""
    if kind not in lockouts.SUBJECT_KINDS:
        raise Invalid(
            f"kind: must be one of {', '.join(lockouts.SUBJECT_KINDS)}", code="unknown_kind"
        )
    if not sign_in_failures.forget(database, [lockouts.subject(kind, name)]):
        raise NotFound(f"no failures counted for {kind} {name!r}", code="no_lockout")


def _check_password(database: Database, username: str, password: str) -> Principal | None:
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
    if not _KEY_ID.fullmatch(key_id):
        return None
    with database.read() as connection:
        row = stored.key(connection, key_id)
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
