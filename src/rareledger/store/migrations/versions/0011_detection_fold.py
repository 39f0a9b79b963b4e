"""Detection's fold is kept as one row per fact, written from the new entries only.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "detection_fold",
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("key", sa.String(300), primary_key=True),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("row", sa.Text, nullable=False),
        sqlite_with_rowid=False,
    )
    # The saved fold was one compressed JSON document: the next run folds from the start.
    op.execute("DELETE FROM detection_state")
