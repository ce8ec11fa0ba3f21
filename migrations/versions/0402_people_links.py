"""people: link workers to the land area's households, after the harvest and land branches

Revision ID: 0402_people_links
Revises: 0401_people

The dependency on other branches lives here, not in 0401_people: Alembic (1.20) fails with a KeyError on
'0001_foundation' when a branch's first revision both starts at the shared base and depends on sibling
branches, because the base is no longer a row in alembic_version by then.
"""
from alembic import op

revision = "0402_people_links"
down_revision = "0401_people"
branch_labels = None
depends_on = ("0101_harvest", "0301_land")


def upgrade() -> None:
    with op.batch_alter_table("workers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_workers_household_id"), ["household_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_workers_household_id_households"), "households",
                                    ["household_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("workers", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_workers_household_id_households"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_workers_household_id"))
