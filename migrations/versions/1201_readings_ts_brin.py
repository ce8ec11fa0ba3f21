"""sensors: a BRIN index on the readings' time, on PostgreSQL only

The rollup job folds the whole park's newest hour in one statement. On PostgreSQL the readings' heap is in arrival
order, so through the key that hour costs a page per reading; a BRIN index on the time finds the hour's few pages
and stays a few pages for a year of readings, so the ingest barely notices it. SQLite keeps the table in key order
(WITHOUT ROWID) and reads the hour through the key: nothing to add there.

Revision ID: 1201_readings_ts_brin
Revises: 0202_sensors_vocab
Create Date: 2026-12-03 04:00:00
"""
from alembic import op

revision = '1201_readings_ts_brin'
down_revision = '0202_sensors_vocab'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.create_index('ix_readings_ts_brin', 'readings', ['ts'], postgresql_using='brin')


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index('ix_readings_ts_brin', table_name='readings')
