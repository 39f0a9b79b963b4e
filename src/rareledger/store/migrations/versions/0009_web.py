"""Figures kept up to date as the ledger grows, issued passports, people's language.

``figure_cells`` and ``figure_state`` are a cache of national figures: sums of cells, folded
from the ledger up to ``figure_state.position`` (see ``domain/figures.py``). ``passports``
keeps every issued passport, so that its QR link can be opened and verified. Neither is a
projection of the reports: ``rareledger rebuild`` leaves them alone.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "figure_cells",
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("measure", sa.String(24), primary_key=True),
        sa.Column("key1", sa.String(128), primary_key=True),
        sa.Column("key2", sa.String(128), primary_key=True),
        sa.Column("amount_ug", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_figure_cells_measure_day", "figure_cells", ["measure", "day"])
    op.create_table(
        "figure_state",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("basis", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "passports",
        sa.Column("passport_id", sa.String(64), primary_key=True),
        sa.Column("lot_id", sa.String(128), nullable=False),
        sa.Column("issued_at", sa.String(40), nullable=False),
        sa.Column("issued_by", sa.String(200), nullable=False),
        sa.Column("document", sa.Text, nullable=False),
    )
    op.create_index("ix_passports_lot_id", "passports", ["lot_id"])
    op.create_table(
        "user_preferences",
        sa.Column("username", sa.String(128), primary_key=True),
        sa.Column("language", sa.String(8), nullable=False),
    )
