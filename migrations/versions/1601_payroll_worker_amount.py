"""people: the closed months' pay summed per worker from an index alone

The households' income report, the 联农带农 report and the warnings sum a closed month's stored payroll lines per
worker (farm.services.payroll.totals). Both databases read those sums in worker order; with the amount and the
month's id in the worker's index the lines' table is never visited (on the big park of the benchmarks a year's sum
took 50 ms of SQLite's time, 20 ms from the index). It replaces the index on the worker alone, of which it is an
extension.

Revision ID: 1601_payroll_worker_amount
Revises: 1401_session_security (and needs 0403_people_vocab)
"""
from alembic import op

revision = "1601_payroll_worker_amount"
down_revision = "1401_session_security"
branch_labels = None
depends_on = ("0403_people_vocab",)  # payroll_lines is the people branch's


def upgrade() -> None:
    with op.batch_alter_table("payroll_lines", schema=None) as batch_op:
        batch_op.create_index("ix_payroll_lines_worker_payroll_amount", ["worker_id", "payroll_id", "amount"],
                              unique=False)
        batch_op.drop_index("ix_payroll_lines_worker_id")


def downgrade() -> None:
    with op.batch_alter_table("payroll_lines", schema=None) as batch_op:
        batch_op.create_index("ix_payroll_lines_worker_id", ["worker_id"], unique=False)
        batch_op.drop_index("ix_payroll_lines_worker_payroll_amount")
