"""The alert queue's order as an index, so that a page of the queue reads only its page.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_alerts_queue", "alerts", ["period", "code", "alert_id"])
