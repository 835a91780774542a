"""Change counters per engagement and for the shared data; a draft remembers the counters
it was last found for

Revision ID: 0010_change_counters
Revises: 0009_closing_as_a_job
Create Date: 2026-12-02 09:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0010_change_counters"
down_revision = "0009_closing_as_a_job"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "change_counters",
        sa.Column("scope", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_change_counters")),
    )
    op.add_column("report_builds", sa.Column("stamp", sa.String(length=64), nullable=True))
    op.create_index(
        "ix_report_builds_engagement_id_stamp", "report_builds", ["engagement_id", "stamp"]
    )


def downgrade():
    op.drop_index("ix_report_builds_engagement_id_stamp", table_name="report_builds")
    with op.batch_alter_table("report_builds", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.drop_column("stamp")
    op.drop_table("change_counters")
