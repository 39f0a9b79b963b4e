"""Failed sign-ins and bad keys, counted per account, key and client address, with lock-outs.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_failures",
        sa.Column("subject", sa.String(300), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("window_started_at", sa.String(40), nullable=False),
        sa.Column("locked_until", sa.String(40)),
        sa.Column("lockouts", sa.Integer, nullable=False),
    )
