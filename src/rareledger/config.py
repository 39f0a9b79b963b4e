"""Settings, read from the environment by a function (never at import time)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from rareledger.domain.findings import RuleSettings
from rareledger.errors import Invalid

DEFAULT_DATABASE_URL = "sqlite:///rareledger.db"
MIN_SECRET_LENGTH = 32
PLACEHOLDER_SECRETS = frozenset({"changeme", "changethis", "secret", "default", "dev", "test"})
# zxcvbn's estimate of the guesses a secret takes (log10): 32 random characters come to about
# 30; repeated characters, keyboard runs and dictionary words come far lower.
MIN_SECRET_GUESSES_LOG10 = 24
SECRET_WORDS = ("rareledger", "ledger", "rare", "earth", "secret", "key", "session", "token")


class ConfigurationError(Invalid):
    """A setting that makes it unsafe or impossible to start."""

    code: str = "configuration_error"


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything configurable, with safe defaults (see docs/configuration.md)."""

    database_url: str = DEFAULT_DATABASE_URL
    mass_balance_tolerance: Decimal = Decimal("0.02")
    receipt_tolerance: Decimal = Decimal("0.005")
    secret_key: str = ""
    dev_mode: bool = False
    rate_limit: str = "1200/minute"
    max_request_bytes: int = 64 * 1024 * 1024
    max_batch: int = 10_000
    token_hours: int = 12
    screening_threshold: float = 90.0
    secure_cookies: bool = True
    public_url: str = "http://127.0.0.1:8000"
    reservation_days: int = 30
    max_upload_bytes: int = 16 * 1024 * 1024
    max_upload_unpacked_bytes: int = 128 * 1024 * 1024
    max_upload_rows: int = 100_000
    max_upload_cell_chars: int = 10_000
    upload_time_limit_s: float = 60.0
    sign_in_failures: int = 5
    address_failures: int = 30
    sign_in_window_minutes: int = 15
    lockout_minutes: int = 15
    key_passphrase: str = field(default="", repr=False)
    checkpoint_dir: str = ""
    checkpoint_every: int = 10_000
    checkpoint_interval_s: float = 60.0

    @property
    def rules(self) -> RuleSettings:
        return RuleSettings(
            self.mass_balance_tolerance,
            self.receipt_tolerance,
            screening_threshold=self.screening_threshold,
            reservation_days=self.reservation_days,
        )


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def _off(value: str | None) -> bool:
    return (value or "").strip().lower() in {"0", "false", "no", "off"}


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build :class:`Settings` from ``RARELEDGER_*`` environment variables."""
    env = os.environ if environ is None else environ
    return Settings(
        database_url=env.get("RARELEDGER_DATABASE_URL", DEFAULT_DATABASE_URL),
        mass_balance_tolerance=Decimal(env.get("RARELEDGER_MASS_BALANCE_TOLERANCE", "0.02")),
        receipt_tolerance=Decimal(env.get("RARELEDGER_RECEIPT_TOLERANCE", "0.005")),
        secret_key=env.get("RARELEDGER_SECRET_KEY", ""),
        dev_mode=_flag(env.get("RARELEDGER_DEV_MODE")),
        rate_limit=env.get("RARELEDGER_RATE_LIMIT", "1200/minute"),
        max_request_bytes=int(env.get("RARELEDGER_MAX_REQUEST_BYTES", str(64 * 1024 * 1024))),
        max_batch=int(env.get("RARELEDGER_MAX_BATCH", "10000")),
        token_hours=int(env.get("RARELEDGER_TOKEN_HOURS", "12")),
        screening_threshold=float(env.get("RARELEDGER_SCREENING_THRESHOLD", "90")),
        secure_cookies=not _off(env.get("RARELEDGER_SECURE_COOKIES")),
        public_url=env.get("RARELEDGER_PUBLIC_URL", "http://127.0.0.1:8000"),
        reservation_days=int(env.get("RARELEDGER_RESERVATION_DAYS", "30")),
        max_upload_bytes=int(env.get("RARELEDGER_MAX_UPLOAD_BYTES", str(16 * 1024 * 1024))),
        max_upload_unpacked_bytes=int(
            env.get("RARELEDGER_MAX_UPLOAD_UNPACKED_BYTES", str(128 * 1024 * 1024))
        ),
        max_upload_rows=int(env.get("RARELEDGER_MAX_UPLOAD_ROWS", "100000")),
        max_upload_cell_chars=int(env.get("RARELEDGER_MAX_UPLOAD_CELL_CHARS", "10000")),
        upload_time_limit_s=float(env.get("RARELEDGER_UPLOAD_TIME_LIMIT_S", "60")),
        sign_in_failures=int(env.get("RARELEDGER_SIGN_IN_FAILURES", "5")),
        address_failures=int(env.get("RARELEDGER_ADDRESS_FAILURES", "30")),
        sign_in_window_minutes=int(env.get("RARELEDGER_SIGN_IN_WINDOW_MINUTES", "15")),
        lockout_minutes=int(env.get("RARELEDGER_LOCKOUT_MINUTES", "15")),
        key_passphrase=env.get("RARELEDGER_KEY_PASSPHRASE", ""),
        checkpoint_dir=env.get("RARELEDGER_CHECKPOINT_DIR", ""),
        checkpoint_every=int(env.get("RARELEDGER_CHECKPOINT_EVERY", "10000")),
        checkpoint_interval_s=float(env.get("RARELEDGER_CHECKPOINT_INTERVAL_S", "60")),
    )


def check_secret(settings: Settings) -> None:
    """Refuse an empty, short, placeholder or guessable secret (repeated characters, runs,
    dictionary words and common strings) unless in explicit development mode."""
    if settings.dev_mode:
        return
    secret = settings.secret_key.strip()
    if not secret:
        raise ConfigurationError(
            "RARELEDGER_SECRET_KEY is not set: set a random secret of at least "
            f"{MIN_SECRET_LENGTH} characters (or RARELEDGER_DEV_MODE=1 on a development machine)"
        )
    if len(secret) < MIN_SECRET_LENGTH or secret.lower() in PLACEHOLDER_SECRETS:
        raise ConfigurationError(
            f"RARELEDGER_SECRET_KEY must be a random secret of at least {MIN_SECRET_LENGTH} "
            "characters, not a placeholder"
        )
    if secret_guesses_log10(secret) < MIN_SECRET_GUESSES_LOG10:
        raise ConfigurationError(
            "RARELEDGER_SECRET_KEY is too easy to guess (repeated characters, a keyboard run, "
            "words or a common string): make one with `python3 -c 'import secrets; "
            "print(secrets.token_urlsafe(32))'`"
        )


def secret_guesses_log10(secret: str) -> float:
    """How many guesses (log10) zxcvbn estimates the secret takes; a long secret is judged
    by its first 256 characters, which it can only be stronger than."""
    from zxcvbn import zxcvbn  # its word lists load in a tenth of a second: only when serving

    head = secret[:256]
    found = zxcvbn(head, user_inputs=list(SECRET_WORDS), max_length=max(72, len(head)))
    return float(found["guesses_log10"])
