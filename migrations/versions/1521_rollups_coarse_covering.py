"""rollups: covering indexes of the hourly and daily rollups, on SQLite only

A chart or the readings API over days reads one series' hourly (or daily) rollups. SQLite keeps reading_rollups in
the order the job writes it, a period of the whole park at a time, so through the key each point costs a page of its
own, and a year of history is a file far larger than its page cache: the 7-day hourly query took 1.45x its time with
a day of history. These partial indexes hold each series' hours (and days) side by side with their figures, so the
query reads a few pages whatever the history. Only the coarse rows: the 5-minute ones are twelve times as many and a
day's chart reads them fine through the key. PostgreSQL reads them by the key already within the goal: nothing there.
Building them reads the whole table once (a few minutes for a year of a large park).

Revision ID: 1521_rollups_coarse_covering
Revises: 0505_alerts_vocab
Create Date: 2026-12-03 07:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '1521_rollups_coarse_covering'
down_revision = '0505_alerts_vocab'
branch_labels = None
depends_on = None

COLUMNS = ['device_id', 'metric', 'resolution', 'period_start', 'greenhouse_id', 'min', 'max', 'mean', 'count']
INDEXES = {'ix_reading_rollups_hours': '1h', 'ix_reading_rollups_days': '1d'}


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name, resolution in INDEXES.items():
            op.create_index(name, 'reading_rollups', COLUMNS, sqlite_where=sa.text(f"resolution = '{resolution}'"))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in INDEXES:
            op.drop_index(name, table_name='reading_rollups')
