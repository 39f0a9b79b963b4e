"""The append-only ledger, its head, and the database triggers that protect it.

Revision ID: 0001
Revises:
Create Date: 2026-11-26

Migrations are forward-only: there is no downgrade. Projection tables are not migrated; they
are dropped and rebuilt from the ledger when their layout changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_REFUSAL = "ledger entries are append-only"


def upgrade() -> None:
    op.create_table(
        "ledger_entries",
        sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("record_id", sa.String(128), nullable=False),
        sa.Column("event_id", sa.String(128), unique=True),
        sa.Column("reporter", sa.String(128)),
        sa.Column("occurred_at", sa.String(40)),
        sa.Column("recorded_at", sa.String(40), nullable=False),
        sa.Column("recorded_at_supplied", sa.Boolean, nullable=False),
        sa.Column("submitted_by", sa.String(200), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("record", sa.Text, nullable=False),
    )
    op.create_table(
        "ledger_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        _protect_postgresql()
    else:
        _protect_sqlite()


def _protect_sqlite() -> None:
    for action in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER ledger_entries_no_{action.lower()} BEFORE {action} "
            f"ON ledger_entries BEGIN SELECT RAISE(ABORT, '{_REFUSAL}'); END"
        )


def _protect_postgresql() -> None:
    op.execute(
        "CREATE FUNCTION ledger_entries_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN RAISE EXCEPTION '{_REFUSAL}'; END $$"
    )
    op.execute(
        "CREATE TRIGGER ledger_entries_no_change BEFORE UPDATE OR DELETE ON ledger_entries "
        "FOR EACH ROW EXECUTE FUNCTION ledger_entries_refuse()"
    )
    op.execute(
        "CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries "
        "FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_refuse()"
    )
