"""Languages and time zones: a user's time zone, the language of a report

A user's time zone (NULL: the company's, KNOWTRANS_DEFAULT_TIMEZONE). Drafts are built in the
language and time zone of the person who asked (part of their key); an archived final report
records the language it was written in (those archived before were written in English).

Revision ID: 0012_languages_and_time_zones
Revises: 0011_covering_indexes
Create Date: 2026-12-02 13:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0012_languages_and_time_zones"
down_revision = "0011_covering_indexes"
branch_labels = None
depends_on = None

SQLITE = {"sqlite_autoincrement": True}


def upgrade() -> None:
    with op.batch_alter_table("users", table_kwargs=SQLITE) as batch:
        batch.add_column(sa.Column("timezone", sa.String(64), nullable=True))
    with op.batch_alter_table("handover_reports", table_kwargs=SQLITE) as batch:
        batch.add_column(
            sa.Column("language", sa.String(8), nullable=False, server_default="en")
        )
    with op.batch_alter_table("report_builds", table_kwargs=SQLITE) as batch:
        batch.add_column(sa.Column("language", sa.String(8), nullable=False, server_default="en"))
        batch.add_column(sa.Column("timezone", sa.String(64), nullable=False, server_default="UTC"))


def downgrade() -> None:
    with op.batch_alter_table("report_builds", table_kwargs=SQLITE) as batch:
        batch.drop_column("timezone")
        batch.drop_column("language")
    with op.batch_alter_table("handover_reports", table_kwargs=SQLITE) as batch:
        batch.drop_column("language")
    with op.batch_alter_table("users", table_kwargs=SQLITE) as batch:
        batch.drop_column("timezone")
