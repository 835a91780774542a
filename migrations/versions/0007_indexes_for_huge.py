"""Indexes for a company ten times the large demo: the latest confirmation and the phase

Readiness and the IT lead's start page ask for an assignment's latest confirmation many
thousand times per statement: an index on (assignment_id, created_at, id) finds it in one
step instead of sorting the assignment's confirmations; it replaces the index on
assignment_id alone, its prefix. The learners awaiting confirmation are those of one phase.

Revision ID: 0007_indexes_for_huge
Revises: 0006_ids_never_reused
Create Date: 2026-12-02 06:30:00

"""

from alembic import op

revision = "0007_indexes_for_huge"
down_revision = "0006_ids_never_reused"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_level_confirmations_latest",
        "level_confirmations",
        ["assignment_id", "created_at", "id"],
    )
    op.drop_index("ix_level_confirmations_assignment_id", table_name="level_confirmations")
    op.create_index("ix_assignments_phase", "assignments", ["phase"])


def downgrade() -> None:
    op.drop_index("ix_assignments_phase", table_name="assignments")
    op.create_index(
        "ix_level_confirmations_assignment_id", "level_confirmations", ["assignment_id"]
    )
    op.drop_index("ix_level_confirmations_latest", table_name="level_confirmations")
