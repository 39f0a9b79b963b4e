"""Passport signing keys (the private halves encrypted), and the ledger entries a passport
cites as evidence."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select, update

from rareledger.domain.integrity import Entry
from rareledger.store import schema


@dataclass(frozen=True, slots=True)
class SigningKey:
    key_id: str
    public_key: str  # PEM
    encrypted_private_key: str  # PEM, PKCS#8 encrypted with the operator's passphrase
    created_at: str
    retired_at: str | None


def add_key(connection: Connection, key: SigningKey) -> None:
    connection.execute(
        schema.signing_keys.insert().values(
            key_id=key.key_id,
            public_key=key.public_key,
            encrypted_private_key=key.encrypted_private_key,
            created_at=key.created_at,
            retired_at=key.retired_at,
        )
    )


def retire_active_keys(connection: Connection, at: str) -> None:
    t = schema.signing_keys
    connection.execute(update(t).where(t.c.retired_at.is_(None)).values(retired_at=at))


def keys(connection: Connection) -> list[SigningKey]:
    """Every key, oldest first."""
    t = schema.signing_keys
    rows = connection.execute(select(t).order_by(t.c.created_at)).all()
    return [SigningKey(**row._asdict()) for row in rows]


def newest_active_key(connection: Connection) -> SigningKey | None:
    t = schema.signing_keys
    query = select(t).where(t.c.retired_at.is_(None)).order_by(t.c.created_at.desc())
    row = connection.execute(query).first()
    return SigningKey(**row._asdict()) if row else None


def entries_at(connection: Connection, positions: list[int]) -> dict[int, tuple[Entry, str]]:
    """The stored entries at these ledger positions and their stored hashes, read a few
    hundred at a time (positions with no entry are left out)."""
    t = schema.ledger_entries
    found: dict[int, tuple[Entry, str]] = {}
    for start in range(0, len(positions), 500):
        chunk = positions[start : start + 500]
        for row in connection.execute(select(t).where(t.c.position.in_(chunk))):
            values = row._asdict()
            stored_hash = values.pop("hash")
            values["recorded_at_supplied"] = bool(values["recorded_at_supplied"])
            found[values["position"]] = (Entry(**values), str(stored_hash))
    return found
