"""Detection runs are recorded, and an alert whose cause has gone is resolved by a run.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "detection_runs",
        sa.Column("run_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("as_of", sa.String(40), nullable=False),
        sa.Column("started_at", sa.String(40), nullable=False),
        sa.Column("duration_ms", sa.Integer, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("incremental", sa.Boolean, nullable=False),
        sa.Column("entries_read", sa.BigInteger, nullable=False),
        sa.Column("rules", sa.Text, nullable=False),
        sa.Column("parameters", sa.Text, nullable=False),
        sa.Column("counts", sa.Text, nullable=False),
    )
    with op.batch_alter_table("alerts") as alerts:
        alerts.add_column(sa.Column("last_run", sa.Integer))
        alerts.add_column(sa.Column("resolved_run", sa.Integer))
        alerts.add_column(sa.Column("resolved_reason", sa.Text))
        alerts.create_index("ix_alerts_status", ["status"])
