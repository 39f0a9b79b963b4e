"""`serve` takes a signed checkpoint every ``RARELEDGER_CHECKPOINT_EVERY`` entries.

When ``RARELEDGER_CHECKPOINT_DIR`` is set, the service looks at the ledger's head every
``RARELEDGER_CHECKPOINT_INTERVAL_S`` seconds (whoever writes, the API or a `rareledger load`
beside it) and writes a checkpoint into that directory once the head has moved that many
entries past the newest one there (:func:`rareledger.services.checkpoints.take_if_due`). It
refuses to start when the directory or the signing key is not usable, rather than run without
the checkpoints it was told to take.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

from fastapi.concurrency import run_in_threadpool

from rareledger.config import ConfigurationError, Settings
from rareledger.errors import LedgerError
from rareledger.services import checkpoints, passports
from rareledger.store.database import Database

log = logging.getLogger("rareledger.checkpoints")


def check_ready(settings: Settings, database: Database) -> None:
    """Refuse to start when checkpoints are asked for and cannot be written or signed."""
    if not settings.checkpoint_dir:
        return
    directory = Path(settings.checkpoint_dir)
    if not directory.is_dir():
        raise ConfigurationError(
            f"RARELEDGER_CHECKPOINT_DIR: {directory} is not a directory", code="checkpoint_dir"
        )
    passports.sign(database, settings.key_passphrase or None, {})  # the key opens


def lifespan(
    settings: Settings, database: Database
) -> Callable[[Any], AbstractAsyncContextManager[None]]:
    @contextlib.asynccontextmanager
    async def running(_app: Any) -> AsyncIterator[None]:
        task = asyncio.create_task(_keep(settings, database)) if settings.checkpoint_dir else None
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    return running


async def _keep(settings: Settings, database: Database) -> None:
    directory = Path(settings.checkpoint_dir)
    while True:
        try:
            written = await run_in_threadpool(
                checkpoints.take_if_due,
                database,
                directory,
                settings.checkpoint_every,
                settings.key_passphrase or None,
            )
            if written is not None:
                log.info("checkpoint written to %s", written)
        except (LedgerError, OSError) as error:  # keep serving; say why none was taken
            log.warning("no checkpoint taken: %s", error)
        await asyncio.sleep(settings.checkpoint_interval_s)
