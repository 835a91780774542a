"""Optimistic locking of users: a version, like the other editable objects

Revision ID: 0005_user_versions
Revises: 0004_hidden_learning_entries
Create Date: 2026-12-02 09:00:00

"""

import warnings

import sqlalchemy as sa
from alembic import op

revision = "0005_user_versions"
down_revision = "0004_hidden_learning_entries"
branch_labels = None
depends_on = None


def upgrade():
    # a plain ADD COLUMN on every database; existing users start at version 1
    op.add_column(
        "users", sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1"))
    )


def downgrade():
    with warnings.catch_warnings():
        # reflecting the tables that refer to users meets the expression index on skills,
        # which SQLite cannot reflect; that table is not rebuilt
        warnings.filterwarnings("ignore", "Skipped unsupported reflection")
        with op.batch_alter_table("users") as batch_op:
            batch_op.drop_column("version")
