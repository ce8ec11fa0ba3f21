"""sensors: no foreign key from the readings to the greenhouses on PostgreSQL

PostgreSQL checks a foreign key with a trigger per inserted row (a look-up and a row lock in the parent); the ingest
inserts every reading through two of them, the device's and the greenhouse's. The greenhouse's guarded nothing the
device's does not: the ingest writes a reading only for a registered device, with the greenhouse it is registered in
(read from the greenhouses table), and greenhouses are never deleted by the application (a greenhouse is retired by
its status; its devices, harvests and plantings reference it too). Readings keep the greenhouse they were taken in
(device moves), like the rollups, which never had a foreign key. The device's key stays: its ON DELETE CASCADE
removes a deleted device's readings. SQLite keeps both: its check is a cheap look-up, and dropping a foreign key
there means rebuilding the whole readings table (minutes for a year of readings).

Revision ID: 1701_readings_greenhouse_fk_pg
Revises: 1201_readings_ts_brin
Create Date: 2026-12-03 10:00:00
"""
from alembic import op

revision = '1701_readings_greenhouse_fk_pg'
down_revision = '1201_readings_ts_brin'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint('fk_readings_greenhouse_id_greenhouses', 'readings', type_='foreignkey')


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.create_foreign_key('fk_readings_greenhouse_id_greenhouses', 'readings', 'greenhouses',
                              ['greenhouse_id'], ['id'])
