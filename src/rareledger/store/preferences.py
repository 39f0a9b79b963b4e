"""People's preferences (the language of the pages)."""

from __future__ import annotations

from sqlalchemy import Connection, select

from rareledger.store import web_tables
from rareledger.store.database import upsert


def language(connection: Connection, username: str) -> str | None:
    t = web_tables.user_preferences
    row = connection.execute(select(t.c.language).where(t.c.username == username)).first()
    return str(row.language) if row else None


def set_language(connection: Connection, username: str, chosen: str) -> None:
    upsert(connection, web_tables.user_preferences, [{"username": username, "language": chosen}])
