"""Signed checkpoints of the ledger, kept outside the database, to catch truncation.

A checkpoint is the ledger's head (position and hash) at a moment, signed with the operator's
active Ed25519 key (the passport-signing keys, :mod:`rareledger.services.passports`). Kept
apart from the database (a file, a directory, another machine), it catches what the hash chain
alone cannot: someone who deletes the newest entries and moves the head back, or empties the
ledger, leaves a chain that is consistent again, but no longer extends the checkpoint. The
ledger extends a checkpoint when it holds the checkpoint's position with the same hash.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rareledger.domain.integrity import GENESIS_HASH
from rareledger.errors import Invalid
from rareledger.formats.jsonlines import MalformedJson, parse_json
from rareledger.services import passports
from rareledger.store import checkpoints as stored
from rareledger.store.database import Database

VERSION = 1
_FILE = re.compile(r"^checkpoint-(\d{12})\.json$")


def take(database: Database, passphrase: str | None) -> dict[str, Any]:
    """A signed checkpoint of the ledger as it stands now."""
    with database.read() as connection:
        position, head_hash = stored.head(connection)
    payload = {
        "version": VERSION,
        "position": position,
        "head_hash": head_hash,
        "taken_at": datetime.now(UTC).isoformat(),
    }
    signed = passports.sign(database, passphrase, payload)
    return {"checkpoint": signed["payload"], "signature": signed["signature"]}


def write(document: dict[str, Any], out: Path) -> Path:
    """Write a checkpoint to the file ``out``, or into the directory ``out`` (named by its
    position, so that the newest is the last by name); return the file written."""
    target = out
    if out.is_dir():
        target = out / f"checkpoint-{document['checkpoint']['position']:012d}.json"
    target.write_text(json.dumps(document, indent=2) + "\n")
    return target


def newest_position(directory: Path) -> int | None:
    """The position of the newest checkpoint kept in ``directory``."""
    found = [int(m.group(1)) for p in directory.iterdir() if (m := _FILE.match(p.name))]
    return max(found, default=None)


def take_if_due(
    database: Database, directory: Path, every: int, passphrase: str | None
) -> Path | None:
    """Write a checkpoint into ``directory`` when the ledger has grown by at least ``every``
    entries since the newest one there (or there is none yet and the ledger is not empty)."""
    with database.read() as connection:
        position, _ = stored.head(connection)
    last = newest_position(directory)
    if position == 0 or (last is not None and position - last < every):
        return None
    return write(take(database, passphrase), directory)


def load(path: Path) -> Any:
    """The JSON of a checkpoint file, or of the newest in a directory (:func:`check` says
    whether it is a checkpoint)."""
    if path.is_dir():
        newest = newest_position(path)
        if newest is None:
            raise Invalid(f"--checkpoint: no checkpoint-*.json in {path}", code="no_checkpoint")
        path = path / f"checkpoint-{newest:012d}.json"
    try:
        return parse_json(path.read_bytes(), what=str(path))
    except MalformedJson as error:
        raise Invalid(f"--checkpoint: {error.message}", code=error.code) from None


@dataclass(frozen=True, slots=True)
class CheckpointCheck:
    position: int | None
    problem: str | None

    @property
    def extended(self) -> bool:
        return self.problem is None


def check(database: Database, document: Any, public_keys: dict[str, str]) -> CheckpointCheck:
    """Does the ledger extend this checkpoint? Its signature must hold, and the ledger must
    hold the checkpoint's position with the checkpoint's hash."""
    body = document.get("checkpoint") if isinstance(document, dict) else None
    if not isinstance(body, dict) or not _is_position(body.get("position")):
        return CheckpointCheck(None, "the file is not a checkpoint")
    position = body["position"]
    problem = passports.signature_problem(body, document.get("signature"), public_keys)
    if problem is not None:
        return CheckpointCheck(position, f"the checkpoint's signature fails: {problem}")
    with database.read() as connection:
        head, _ = stored.head(connection)
        found = stored.hash_at(connection, position) if position else GENESIS_HASH
    if head < position:
        return CheckpointCheck(
            position,
            f"the ledger ends at position {head}, before the checkpoint's position "
            f"{position}: entries were removed",
        )
    if found != body.get("head_hash"):
        return CheckpointCheck(
            position,
            f"the entry at position {position} is not the one the checkpoint saw "
            f"(hash {found} where the checkpoint has {body.get('head_hash')})",
        )
    return CheckpointCheck(position, None)


def _is_position(value: object) -> bool:
    return type(value) is int and 0 <= value < 2**63
