"""Where the last detection run stopped, so the next one reads only what came after.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "detection_state",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("as_of", sa.String(40), nullable=False),
        sa.Column("saved_at", sa.String(40), nullable=False),
        sa.Column("state", sa.LargeBinary, nullable=False),
    )
