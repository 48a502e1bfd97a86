"""the keys that clients page with are 64-bit on Postgres too: image_jobs.seq, ledger_entries.id,
reservations.id (and their sequences) become BIGINT

Revision ID: 0005_pg17b_bigint_keys
Revises: 0004_pg17_result_storage

The API takes ``cursor`` values up to 2**63 - 1 (modal_app.contract.MAX_INT64), as the ids SQLite hands
out; a Postgres ``INTEGER`` column stops at 2**31 - 1, so a larger cursor was an "integer out of range"
error (a 500) and the ids themselves would run out after two billion rows. SQLite's ``INTEGER PRIMARY
KEY`` is already 64-bit and must stay ``INTEGER`` to remain the rowid, so this changes Postgres only.
A serial column's sequence is ``AS integer`` since PostgreSQL 10: it is widened too, or it would still
stop at 2**31 - 1. Rewrites the three tables (an exclusive lock for the time that takes).
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_pg17b_bigint_keys"
down_revision = "0004_pg17_result_storage"
branch_labels = None
depends_on = None

KEYS = (("image_jobs", "seq"), ("ledger_entries", "id"), ("reservations", "id"))


def _sequence(table: str, column: str) -> str:
    found = op.get_bind().execute(sa.text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table, "c": column})
    return str(found.scalar_one())


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in KEYS:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE BIGINT")
        op.execute(f"ALTER SEQUENCE {_sequence(table, column)} AS BIGINT")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in KEYS:
        op.execute(f"ALTER SEQUENCE {_sequence(table, column)} AS INTEGER")
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE INTEGER")
