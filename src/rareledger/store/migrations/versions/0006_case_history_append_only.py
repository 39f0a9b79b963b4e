"""Case work history is append-only: the database refuses to change or delete it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_REFUSAL = "alert_history is append-only: case work is never rewritten"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION alert_history_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{_REFUSAL}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER alert_history_no_change BEFORE UPDATE OR DELETE ON alert_history "
            "FOR EACH ROW EXECUTE FUNCTION alert_history_refuse()"
        )
        op.execute(
            "CREATE TRIGGER alert_history_no_truncate BEFORE TRUNCATE ON alert_history "
            "FOR EACH STATEMENT EXECUTE FUNCTION alert_history_refuse()"
        )
        return
    for action in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER alert_history_no_{action.lower()} BEFORE {action} "
            f"ON alert_history BEGIN SELECT RAISE(ABORT, '{_REFUSAL}'); END"
        )
