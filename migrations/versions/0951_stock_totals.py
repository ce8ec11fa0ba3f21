"""stock totals: grams harvested, shipped and lost per crop and grade, kept by triggers

Revision ID: 0951_stock_totals
Revises: 0901_sales

Stock on hand read the whole history (every harvest record, shipment line and loss) on each call; with years of
records that grows without end (bench/sales_bench.py). This table holds the three sums per crop and grade, and
triggers on the three tables keep them in the statement that writes a row (insert, correction, void, delete or a
cascade alike), so they cannot drift from the records. It is filled from the records already there.
"""
import sqlalchemy as sa
from alembic import op

revision = "0951_stock_totals"
down_revision = "0901_sales"
branch_labels = None
depends_on = None

# table -> (the total its rows feed, the condition a row counts under, the columns an update can change)
SOURCES = {
    "harvests": ("harvested_g", "{row}.voided_at IS NULL", "crop_id, grade, weight_kg, voided_at"),
    "shipment_lines": ("shipped_g", None, "crop_id, grade, weight_kg"),
    "stock_losses": ("lost_g", None, "crop_id, grade, weight_kg"),
}
GRAMS = "CAST(ROUND({row}.weight_kg * 1000) AS BIGINT)"
NEW_ROW = ("INSERT {ignore}INTO stock_totals (crop_id, grade, harvested_g, shipped_g, lost_g) "
           "VALUES (NEW.crop_id, NEW.grade, 0, 0, 0){nothing}")


def _change(total: str, row: str, sign: str) -> str:
    return (f"UPDATE stock_totals SET {total} = {total} {sign} {GRAMS.format(row=row)} "
            f"WHERE crop_id = {row}.crop_id AND grade = {row}.grade")


def _sqlite(table: str, total: str, alive: str | None, columns: str) -> list[str]:
    def when(row):
        return f" WHEN {alive.format(row=row)}" if alive else ""

    def only(row):
        return f" AND {alive.format(row=row)}" if alive else ""

    add_row = NEW_ROW.format(ignore="OR IGNORE ", nothing="")
    return [
        f"CREATE TRIGGER stock_totals_{table}_ins AFTER INSERT ON {table}{when('NEW')} BEGIN "
        f"{add_row}; {_change(total, 'NEW', '+')}; END",
        f"CREATE TRIGGER stock_totals_{table}_del AFTER DELETE ON {table}{when('OLD')} BEGIN "
        f"{_change(total, 'OLD', '-')}; END",
        f"CREATE TRIGGER stock_totals_{table}_upd AFTER UPDATE OF {columns} ON {table} BEGIN "
        f"{_change(total, 'OLD', '-')}{only('OLD')}; {add_row}; {_change(total, 'NEW', '+')}{only('NEW')}; END",
    ]


def _postgresql(table: str, total: str, alive: str | None, columns: str) -> list[str]:
    def counted(row, body):
        return f"IF {alive.format(row=row)} THEN {body}; END IF;" if alive else f"{body};"

    add_row = NEW_ROW.format(ignore="", nothing=" ON CONFLICT (crop_id, grade) DO NOTHING")
    return [
        f"CREATE FUNCTION stock_totals_{table}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP <> 'INSERT' THEN {counted('OLD', _change(total, 'OLD', '-'))} END IF; "
        f"IF TG_OP <> 'DELETE' THEN {counted('NEW', add_row + '; ' + _change(total, 'NEW', '+'))} END IF; "
        f"RETURN NULL; END $$",
        f"CREATE TRIGGER stock_totals_{table} AFTER INSERT OR DELETE OR UPDATE OF {columns} ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION stock_totals_{table}()",
    ]


def upgrade() -> None:
    op.create_table(
        "stock_totals",
        sa.Column("crop_id", sa.Integer(), nullable=False),
        sa.Column("grade", sa.String(length=10), nullable=False),
        sa.Column("harvested_g", sa.BigInteger(), nullable=False),
        sa.Column("shipped_g", sa.BigInteger(), nullable=False),
        sa.Column("lost_g", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("grade IN ('premium', 'grade1', 'grade2', 'offgrade')",
                           name=op.f("ck_stock_totals_grade_vocab")),
        sa.ForeignKeyConstraint(["crop_id"], ["crops.id"], name=op.f("fk_stock_totals_crop_id_crops")),
        sa.PrimaryKeyConstraint("crop_id", "grade", name=op.f("pk_stock_totals")),
    )
    grams = GRAMS.format(row="r")
    op.execute(
        "INSERT INTO stock_totals (crop_id, grade, harvested_g, shipped_g, lost_g) "
        "SELECT crop_id, grade, SUM(h), SUM(s), SUM(l) FROM ("
        f"SELECT r.crop_id, r.grade, {grams} AS h, 0 AS s, 0 AS l FROM harvests r WHERE r.voided_at IS NULL "
        f"UNION ALL SELECT r.crop_id, r.grade, 0, {grams}, 0 FROM shipment_lines r "
        f"UNION ALL SELECT r.crop_id, r.grade, 0, 0, {grams} FROM stock_losses r"
        ") x GROUP BY crop_id, grade")
    make = _postgresql if op.get_bind().dialect.name == "postgresql" else _sqlite
    for table, (total, alive, columns) in SOURCES.items():
        for statement in make(table, total, alive, columns):
            op.execute(statement)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in SOURCES:
        if postgresql:
            op.execute(f"DROP TRIGGER IF EXISTS stock_totals_{table} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS stock_totals_{table}()")
        else:
            for event in ("ins", "del", "upd"):
                op.execute(f"DROP TRIGGER IF EXISTS stock_totals_{table}_{event}")
    op.drop_table("stock_totals")
