"""Covering indexes for the learners awaiting confirmation: the phase with the plan item, the
latest confirmation with its level

The IT lead's start page counts the learners awaiting confirmation over every assignment in
the phase: (phase, plan_item_id, id) reads them from the index alone, and with the level in
the latest-confirmation index each assignment's confirmed level is read from the index too.
Each replaces the index that is its prefix.

Revision ID: 0011_covering_indexes
Revises: 0010_change_counters
Create Date: 2026-12-02 08:45:00

"""

from alembic import op

revision = "0011_covering_indexes"
down_revision = "0010_change_counters"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_assignments_phase_plan_item_id", "assignments", ["phase", "plan_item_id", "id"]
    )
    op.drop_index("ix_assignments_phase", table_name="assignments")
    op.drop_index("ix_level_confirmations_latest", table_name="level_confirmations")
    op.create_index(
        "ix_level_confirmations_latest",
        "level_confirmations",
        ["assignment_id", "created_at", "id", "level"],
    )


def downgrade() -> None:
    op.drop_index("ix_level_confirmations_latest", table_name="level_confirmations")
    op.create_index(
        "ix_level_confirmations_latest",
        "level_confirmations",
        ["assignment_id", "created_at", "id"],
    )
    op.create_index("ix_assignments_phase", "assignments", ["phase"])
    op.drop_index("ix_assignments_phase_plan_item_id", table_name="assignments")
