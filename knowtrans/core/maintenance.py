"""Database upkeep after writing many rows with explicit ids (import, large demo data)."""

import sqlalchemy as sa

from knowtrans.core import changes
from knowtrans.extensions import db


def after_bulk_insert() -> None:
    """Rows written past the ORM count as a change of the shared data (every cached part is
    rendered anew). On PostgreSQL: sequences continue after the largest id, and the planner
    has statistics.

    Rows inserted with explicit ids leave each table's sequence behind, so the next insert
    would collide; and before autovacuum's first ANALYZE the planner guesses row counts
    badly (seconds instead of milliseconds on the summaries of a large plan).
    """
    changes.raise_counters(db.session, [changes.COMPANY])
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for table in db.metadata.sorted_tables:
        key = list(table.primary_key.columns)
        if len(key) != 1 or not isinstance(key[0].type, sa.Integer):
            continue
        db.session.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', '{key[0].name}'), "
                f"COALESCE((SELECT MAX({key[0].name}) FROM {table.name}), 0) + 1, false)"
            )
        )
    db.session.execute(sa.text("ANALYZE"))
