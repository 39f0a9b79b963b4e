"""Settings, read from the environment by a function (never at import time)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from rareledger.domain.findings import RuleSettings

DEFAULT_DATABASE_URL = "sqlite:///rareledger.db"


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything configurable, with safe defaults (see docs/configuration.md)."""

    database_url: str = DEFAULT_DATABASE_URL
    mass_balance_tolerance: Decimal = Decimal("0.02")
    receipt_tolerance: Decimal = Decimal("0.005")

    @property
    def rules(self) -> RuleSettings:
        return RuleSettings(self.mass_balance_tolerance, self.receipt_tolerance)


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build :class:`Settings` from ``RARELEDGER_*`` environment variables."""
    env = os.environ if environ is None else environ
    return Settings(
        database_url=env.get("RARELEDGER_DATABASE_URL", DEFAULT_DATABASE_URL),
        mass_balance_tolerance=Decimal(env.get("RARELEDGER_MASS_BALANCE_TOLERANCE", "0.02")),
        receipt_tolerance=Decimal(env.get("RARELEDGER_RECEIPT_TOLERANCE", "0.005")),
    )
