"""Draft reports built by the worker: one row per engagement and state of its data

Revision ID: 0008_report_builds
Revises: 0007_indexes_for_huge
Create Date: 2026-12-02 06:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0008_report_builds"
down_revision = "0007_indexes_for_huge"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "report_builds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column("data_key", sa.String(length=64), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "building",
                "ready",
                "failed",
                name="buildstatus",
                native_enum=False,
                create_constraint=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("worker", sa.String(length=120), nullable=False),
        sa.Column("identifier", sa.String(length=64), nullable=True),
        sa.Column("page_count", sa.Integer(), nullable=True),
        sa.Column("pdf", sa.LargeBinary(), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.CheckConstraint("length(data_key) = 64", name=op.f("ck_report_builds_data_key_length")),
        sa.ForeignKeyConstraint(
            ["engagement_id"],
            ["engagements.id"],
            name=op.f("fk_report_builds_engagement_id_engagements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["users.id"], name=op.f("fk_report_builds_requested_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_builds")),
        sa.UniqueConstraint(
            "engagement_id", "data_key", name=op.f("uq_report_builds_engagement_id_data_key")
        ),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_report_builds_status_finished_at", "report_builds", ["status", "finished_at"]
    )


def downgrade():
    op.drop_index("ix_report_builds_status_finished_at", table_name="report_builds")
    op.drop_table("report_builds")
