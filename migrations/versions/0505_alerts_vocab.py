"""alerts, notifications, job runs: CHECK constraints keep kind, severity, state, channel and outcome inside their
vocabularies (farm.vocab)

Revision ID: 0505_alerts_vocab
Revises: 0504_rollup_backlog

The allowed values are written out here, as they stood when this migration was made: a later change to a
vocabulary comes with its own migration that widens the constraint.
"""
from alembic import op


revision = '0505_alerts_vocab'
down_revision = '0504_rollup_backlog'
branch_labels = None
depends_on = None

CHECKS = {
    'alerts': {
        'kind': ('frost', 'cold', 'hot', 'humidity_low', 'humidity_high', 'co2_low', 'co2_high', 'soil_temp_low',
                 'soil_temp_high', 'soil_moisture_low', 'soil_moisture_high', 'offline'),
        'severity': ('warning', 'critical'),
        'state': ('open', 'cleared'),
    },
    'notifications': {
        'channel': ('webhook', 'email'),
        'state': ('pending', 'sent', 'failed'),
    },
    'job_runs': {
        'outcome': ('running', 'ok', 'failed', 'interrupted'),
    },
}


def _sql(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    for table, columns in CHECKS.items():
        with op.batch_alter_table(table) as batch:
            for column, values in columns.items():
                batch.create_check_constraint(op.f(f'ck_{table}_{column}_vocab'), _sql(column, values))


def downgrade() -> None:
    for table, columns in CHECKS.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.drop_constraint(op.f(f'ck_{table}_{column}_vocab'), type_='check')
