"""EPCIS capture jobs: the status resource of each POST /epcis/capture.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "epcis_capture_jobs",
        sa.Column("capture_id", sa.String(32), primary_key=True),
        sa.Column("submitted_by", sa.String(200), nullable=False),
        sa.Column("enterprise_id", sa.String(128)),
        sa.Column("error_behaviour", sa.String(16), nullable=False),
        sa.Column("running", sa.Boolean, nullable=False),
        sa.Column("success", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("finished_at", sa.String(40)),
        sa.Column("event_count", sa.Integer, nullable=False),
        sa.Column("errors", sa.Text, nullable=False),
    )
