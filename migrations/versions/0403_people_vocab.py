"""people: CHECK constraints keeping workers' statuses, job kinds, pay-rate and pay-line kinds and grades inside
their vocabularies (farm.vocab)

Revision ID: 0403_people_vocab
Revises: 0402_people_links

The allowed values are written out here as they stood when this migration was made, so that it never changes
meaning when farm/vocab.py grows; a new value gets a new migration that widens the constraint.
"""
from alembic import op

revision = "0403_people_vocab"
down_revision = "0402_people_links"
branch_labels = None
depends_on = None

GRADES = "'premium', 'grade1', 'grade2', 'offgrade'"
# table -> (constraint name, condition)
CHECKS = {
    "workers": [("ck_workers_status_vocab", "status IN ('active', 'left')")],
    "jobs": [("ck_jobs_kind_vocab", "kind IN ('harvest', 'packing', 'planting', 'pruning', 'irrigation', "
                                    "'spraying', 'cleaning', 'other')")],
    "pay_rates": [("ck_pay_rates_kind_vocab", "kind IN ('wage', 'piece', 'crate')"),
                  ("ck_pay_rates_grade_vocab", f"grade IS NULL OR grade IN ({GRADES})")],
    "payroll_lines": [("ck_payroll_lines_kind_vocab", "kind IN ('wage', 'piece', 'crate', 'adjustment')"),
                      ("ck_payroll_lines_grade_vocab", f"grade IS NULL OR grade IN ({GRADES})")],
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
