"""Settings, read from the environment by a function (never at import time)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from rareledger.domain.findings import RuleSettings
from rareledger.errors import Invalid

DEFAULT_DATABASE_URL = "sqlite:///rareledger.db"
MIN_SECRET_LENGTH = 32
PLACEHOLDER_SECRETS = frozenset({"changeme", "changethis", "secret", "default", "dev", "test"})


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
    reservation_days: int = 30

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
        reservation_days=int(env.get("RARELEDGER_RESERVATION_DAYS", "30")),
    )


def check_secret(settings: Settings) -> None:
    """Refuse an empty, short or placeholder secret unless in explicit development mode."""
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
