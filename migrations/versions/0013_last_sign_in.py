"""The last sign-in: when each user last signed in successfully

NULL: no sign-in recorded (never signed in, or not since this column was added). The admin's
start page lists the active accounts without a sign-in for 90 days.

Revision ID: 0013_last_sign_in
Revises: 0012_languages_and_time_zones
Create Date: 2026-12-09 10:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0013_last_sign_in"
down_revision = "0012_languages_and_time_zones"
branch_labels = None
depends_on = None

SQLITE = {"sqlite_autoincrement": True}


def upgrade() -> None:
    with op.batch_alter_table("users", table_kwargs=SQLITE) as batch:
        batch.add_column(sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", table_kwargs=SQLITE) as batch:
        batch.drop_column("last_login_at")
