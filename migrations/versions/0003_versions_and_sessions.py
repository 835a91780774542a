"""Optimistic-locking versions; per-user session version; audit events by object

Revision ID: 0003_versions_and_sessions
Revises: d82c8ba2a244
Create Date: 2026-11-27 08:10:00

"""

import warnings

import sqlalchemy as sa
from alembic import op

revision = "0003_versions_and_sessions"
down_revision = "d82c8ba2a244"
branch_labels = None
depends_on = None

#: table → the integer column this revision adds (existing rows start at 1)
COLUMNS = {
    "users": "session_version",
    "skills": "version",
    "engagements": "version",
    "plan_items": "version",
    "learning_entries": "version",
}


def upgrade():
    # a plain ADD COLUMN on every database: SQLite needs no table rebuild for it
    for table, column in COLUMNS.items():
        op.add_column(
            table, sa.Column(column, sa.Integer(), nullable=False, server_default=sa.text("1"))
        )
    op.create_index("ix_audit_events_object", "audit_events", ["object_type", "object_id"])


def downgrade():
    op.drop_index("ix_audit_events_object", table_name="audit_events")
    for table, column in reversed(COLUMNS.items()):
        with warnings.catch_warnings():
            # SQLite cannot reflect the expression index on skills; it is recreated below
            warnings.filterwarnings("ignore", "Skipped unsupported reflection")
            with op.batch_alter_table(table) as batch_op:
                batch_op.drop_column(column)
    op.execute("DROP INDEX IF EXISTS uq_skills_name_lower")
    op.create_index("uq_skills_name_lower", "skills", [sa.text("lower(name)")], unique=True)
