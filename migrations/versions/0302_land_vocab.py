"""land: CHECK constraints keeping households' statuses, contracts' statuses and payment methods inside their
vocabularies (farm.vocab)

Revision ID: 0302_land_vocab
Revises: 0301_land

The allowed values are written out here as they stood when this migration was made, so that it never changes
meaning when farm/vocab.py grows; a new value gets a new migration that widens the constraint.
"""
from alembic import op

revision = "0302_land_vocab"
down_revision = "0301_land"
branch_labels = None
depends_on = None

METHODS = "'bank', 'cash', 'mobile', 'other'"
# table -> (constraint name, condition)
CHECKS = {
    "households": [("ck_households_status_vocab", "status IN ('none', 'lifted', 'monitored')")],
    "land_contracts": [("ck_land_contracts_status_vocab", "status IN ('draft', 'active', 'expired', 'terminated')"),
                       ("ck_land_contracts_payment_method_vocab", f"payment_method IN ({METHODS})")],
    "rent_payments": [("ck_rent_payments_method_vocab", f"method IN ({METHODS})")],
}


def upgrade() -> None:
    for table, checks in CHECKS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, condition in checks:
                batch_op.create_check_constraint(op.f(name), condition)


def downgrade() -> None:
    for table, checks in reversed(CHECKS.items()):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, _condition in reversed(checks):
                batch_op.drop_constraint(op.f(name), type_="check")
