"""Ids are never handed out twice: AUTOINCREMENT on SQLite

SQLite gave a new row the id of the last row deleted, so the edit form or URL of a deleted
learning entry or plan item edited the next one created. PostgreSQL's sequences never reuse
an id; this revision changes nothing there.

Revision ID: 0006_ids_never_reused
Revises: 0005_user_versions
Create Date: 2026-12-02 06:00:00

"""

import warnings

import sqlalchemy as sa
from alembic import op

revision = "0006_ids_never_reused"
down_revision = "0005_user_versions"
branch_labels = None
depends_on = None

#: every table with a single integer id (user_roles has a composite key), parents first
TABLES = (
    "users",
    "skills",
    "engagements",
    "audit_events",
    "handover_reports",
    "plan_items",
    "assignments",
    "learning_entries",
    "level_confirmations",
    "evidence_links",
    "open_questions",
)


def _rebuild(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with warnings.catch_warnings():
        # SQLite cannot reflect the expression index on lower(skills.name); it is made again
        warnings.filterwarnings("ignore", "Skipped unsupported reflection")
        for table in TABLES:
            with op.batch_alter_table(
                table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
            ):
                pass
    op.execute("DROP INDEX IF EXISTS uq_skills_name_lower")
    op.create_index("uq_skills_name_lower", "skills", [sa.text("lower(name)")], unique=True)


def upgrade():
    _rebuild(autoincrement=True)


def downgrade():
    _rebuild(autoincrement=False)
