"""Learning entries a CTO or IT lead hid, with who, when and why, and whether its text was erased

Revision ID: 0004_hidden_learning_entries
Revises: 0003_versions_and_sessions
Create Date: 2026-12-02 01:21:04

"""

import warnings

import sqlalchemy as sa
from alembic import op

revision = "0004_hidden_learning_entries"
down_revision = "0003_versions_and_sessions"
branch_labels = None
depends_on = None


def upgrade():
    # the foreign key and the check constraint rebuild the table on SQLite (env.py keeps the
    # child rows); PostgreSQL alters it in place
    with warnings.catch_warnings(), op.batch_alter_table("learning_entries") as batch_op:
        # reflecting the tables it refers to meets the expression index on skills, which
        # SQLite cannot reflect; that table is not rebuilt
        warnings.filterwarnings("ignore", "Skipped unsupported reflection")
        batch_op.add_column(sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("hidden_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("hidden_reason", sa.String(length=500), nullable=True))
        batch_op.add_column(
            sa.Column("text_erased", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_foreign_key(
            "fk_learning_entries_hidden_by_id_users", "users", ["hidden_by_id"], ["id"]
        )
        batch_op.create_check_constraint(
            "hidden_with_reason",
            "(hidden_at IS NULL AND hidden_reason IS NULL)"
            " OR (hidden_at IS NOT NULL AND hidden_reason IS NOT NULL)",
        )


def downgrade():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection")
        with op.batch_alter_table("learning_entries") as batch_op:
            batch_op.drop_constraint(
                batch_op.f("ck_learning_entries_hidden_with_reason"), type_="check"
            )
            batch_op.drop_constraint("fk_learning_entries_hidden_by_id_users", type_="foreignkey")
            batch_op.drop_column("text_erased")
            batch_op.drop_column("hidden_reason")
            batch_op.drop_column("hidden_by_id")
            batch_op.drop_column("hidden_at")
