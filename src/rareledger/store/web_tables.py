"""Tables of the web application and the national figures, on the schema's metadata.

``figure_cells`` and ``figure_state`` cache the national figures, folded from the ledger
(``domain/figures.py``); ``passports`` keeps every issued passport, so that its QR link can be
opened and verified; ``user_preferences`` keeps each person's language. None is a projection:
``rareledger rebuild`` leaves them alone. Created by migration 0009 (0009_web.py).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table, Text

from rareledger.store.schema import ID, metadata

figure_cells = Table(
    "figure_cells",
    metadata,
    Column("day", String(10), primary_key=True),
    Column("measure", String(24), primary_key=True),
    Column("key1", ID, primary_key=True),
    Column("key2", ID, primary_key=True),
    Column("amount_ug", BigInteger, nullable=False),
    # Covering: a sum over a range of days reads the index alone
    Index("ix_figure_cells_sums", "measure", "day", "key1", "key2", "amount_ug"),
)

figure_state = Table(
    "figure_state",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("version", Integer, nullable=False),
    Column("position", BigInteger, nullable=False),
    Column("basis", BigInteger, nullable=False),  # the ledger head when folding began
)

passports = Table(
    "passports",
    metadata,
    Column("passport_id", String(64), primary_key=True),
    Column("lot_id", ID, nullable=False, index=True),
    Column("issued_at", String(40), nullable=False),
    Column("issued_by", String(200), nullable=False),
    Column("document", Text, nullable=False),
)

user_preferences = Table(
    "user_preferences",
    metadata,
    Column("username", String(128), primary_key=True),
    Column("language", String(8), nullable=False),
)
