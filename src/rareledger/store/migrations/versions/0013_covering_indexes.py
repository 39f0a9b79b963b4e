"""Covering indexes for the overview: findings as of a day, and sums of figure cells.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_ledger_entries_occurred", "ledger_entries", ["position", "occurred_at"])
    op.drop_index("ix_figure_cells_measure_day", table_name="figure_cells")
    op.create_index(
        "ix_figure_cells_sums", "figure_cells", ["measure", "day", "key1", "key2", "amount_ug"]
    )
