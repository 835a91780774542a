"""Closing is a job: who asked to close, which worker builds the final report, why it failed

Revision ID: 0009_closing_as_a_job
Revises: 0008_report_builds
Create Date: 2026-12-02 06:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0009_closing_as_a_job"
down_revision = "0008_report_builds"
branch_labels = None
depends_on = None


#: SQLite rebuilds the table: it keeps handing out every id once (0006)
KEEP = {"sqlite_autoincrement": True}


def upgrade():
    with op.batch_alter_table("engagements", table_kwargs=KEEP) as batch_op:
        batch_op.add_column(sa.Column("closing_requested_at", sa.DateTime(timezone=True)))
        batch_op.add_column(sa.Column("closing_requested_by_id", sa.Integer()))
        batch_op.add_column(sa.Column("closing_started_at", sa.DateTime(timezone=True)))
        batch_op.add_column(
            sa.Column("closing_worker", sa.String(120), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("closing_error", sa.Text(), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("closing_attempts", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.create_foreign_key(
            "fk_engagements_closing_requested_by_id_users",
            "users",
            ["closing_requested_by_id"],
            ["id"],
        )


def downgrade():
    with op.batch_alter_table("engagements", table_kwargs=KEEP) as batch_op:
        batch_op.drop_constraint("fk_engagements_closing_requested_by_id_users", type_="foreignkey")
        for column in (
            "closing_attempts",
            "closing_error",
            "closing_worker",
            "closing_started_at",
            "closing_requested_by_id",
            "closing_requested_at",
        ):
            batch_op.drop_column(column)
