"""Failed sign-ins and bad keys: when a subject is locked out, and for how long.

A subject is what failed attempts are counted against: an account (``account:NAME``), an API
key (``key:ID``) or a client address (``address:IP``). Failures are counted in a window; the
failure that reaches the policy's limit locks the subject out. Each lock-out in a row lasts
twice as long as the one before (up to a day), so guessing gets no faster by waiting; a
successful sign-in, a day without failures, or an administrator lifting the lock-out starts
afresh.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

SUBJECT_KINDS = ("account", "key", "address")
LONGEST_LOCKOUT = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Policy:
    """How many failures a subject may have in a window, and how long the first lock-out is."""

    failures: int
    window: timedelta
    lockout: timedelta


@dataclass(frozen=True, slots=True)
class Attempts:
    """What is known of one subject's failures."""

    subject: str
    failures: int
    window_started_at: datetime
    locked_until: datetime | None = None
    lockouts: int = 0  # lock-outs in a row


def subject(kind: str, name: str) -> str:
    """How a subject is named: ``account:bob``, ``key:9f2c...``, ``address:192.0.2.7``."""
    if kind not in SUBJECT_KINDS:
        raise ValueError(f"kind must be one of {', '.join(SUBJECT_KINDS)}")
    return f"{kind}:{name}"


def wait_s(attempts: Attempts | None, now: datetime) -> int:
    """Whole seconds until the subject may try again (0: it may now)."""
    if attempts is None or attempts.locked_until is None or attempts.locked_until <= now:
        return 0
    return max(1, math.ceil((attempts.locked_until - now).total_seconds()))


def after_failure(attempts: Attempts | None, name: str, now: datetime, policy: Policy) -> Attempts:
    """The subject's record after one more failure at ``now``."""
    if attempts is None or now - attempts.window_started_at >= LONGEST_LOCKOUT + policy.window:
        attempts = Attempts(name, 0, now)
    elif now - attempts.window_started_at >= policy.window:
        attempts = Attempts(name, 0, now, None, attempts.lockouts)
    counted = replace(attempts, failures=attempts.failures + 1)
    if counted.failures < policy.failures:
        return counted
    length = min(policy.lockout * 2 ** min(counted.lockouts, 16), LONGEST_LOCKOUT)
    return Attempts(name, 0, now, now + length, counted.lockouts + 1)
