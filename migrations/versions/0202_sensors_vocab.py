"""sensors: CHECK constraints from the vocabularies on the small tables (rejects' reason, latest values' metric)

The big tables (readings, reading_rollups) get none: on SQLite a CHECK means a batch rebuild of the table, and a
year of readings would take minutes at the upgrade. The values are written out here, as they were when this ran;
a later value added to farm.vocab comes with its own migration widening the constraint.

Revision ID: 0202_sensors_vocab
Revises: 0201_sensors
Create Date: 2026-12-02 18:00:00
"""
from alembic import op

revision = '0202_sensors_vocab'
down_revision = '0201_sensors'
branch_labels = None
depends_on = None

METRICS = ('temperature', 'humidity', 'soil_moisture', 'soil_temperature', 'co2', 'light')
REASONS = ('bad_topic', 'empty', 'too_large', 'not_utf8', 'malformed_json', 'bad_shape', 'unknown_metric',
           'not_a_number', 'not_finite', 'out_of_range', 'bad_timestamp', 'future_timestamp', 'bad_status',
           'unknown_greenhouse', 'device_disabled', 'wrong_greenhouse', 'not_storable')


def _in(column: str, values: tuple) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    with op.batch_alter_table('ingest_rejects', schema=None) as batch_op:
        batch_op.create_check_constraint(op.f('ck_ingest_rejects_reason_vocab'), _in('reason', REASONS))
    with op.batch_alter_table('latest_readings', schema=None) as batch_op:
        batch_op.create_check_constraint(op.f('ck_latest_readings_metric_vocab'), _in('metric', METRICS))


def downgrade() -> None:
    with op.batch_alter_table('latest_readings', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_latest_readings_metric_vocab'), type_='check')
    with op.batch_alter_table('ingest_rejects', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_ingest_rejects_reason_vocab'), type_='check')
