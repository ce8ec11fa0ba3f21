"""The one Excel and CSV writer (farm.services.workbook) every download uses: the daily report, the land ledger,
the harvest, yield and payroll exports."""
from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from openpyxl import load_workbook

from farm.services import workbook

ROWS = [["GH-001", date(2026, 11, 20), Decimal("10.500"), Decimal("1234.50"), 3],
        ["GH-002", date(2026, 11, 21), Decimal("20.000"), None, 2]]


def _table(**kw) -> workbook.Table:
    return workbook.Table("采收记录", ["大棚", "日期", "重量（公斤）", "金额（元）", "条数"], ROWS, **kw)


def test_xlsx_header_formats_and_total_row(app):
    with app.test_request_context():
        book = load_workbook(io.BytesIO(workbook.xlsx([_table(total_columns=(2, 3, 4))])))
    sheet = book["采收记录"]
    rows = list(sheet.values)
    assert rows[0] == ("大棚", "日期", "重量（公斤）", "金额（元）", "条数")
    assert rows[1][2:] == (10.5, 1234.5, 3) and rows[2][3] is None  # an empty cell stays empty
    assert rows[-1] == ("合计", None, 30.5, 1234.5, 5)  # computed, so previewers without formulas show it
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.b and sheet["A4"].font.b and not sheet["A2"].font.b
    # A Decimal keeps the places it carries: weights to the gram, money to the fen.
    assert (sheet["B2"].number_format, sheet["C2"].number_format, sheet["D2"].number_format) == (
        "yyyy-mm-dd", "#,##0.000", "#,##0.00")
    assert sheet["E2"].number_format == "General"
    # Chinese headers count double, and no column is narrower than 10 or wider than 40.
    assert sheet.column_dimensions["C"].width == 14 and sheet.column_dimensions["A"].width == 10


def test_xlsx_sheets_in_order_with_titles_cut_and_a_sheet_without_header(app):
    long = "x" * 40
    with app.test_request_context():
        data = workbook.xlsx([workbook.Table(_l("Summary"), None, [[_l("Day"), date(2026, 11, 20)]]),
                              workbook.Table(long, ["a"], [["y" * 80]])])
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["概要", "x" * 31]
    summary = book["概要"]
    assert list(summary.values) == [("日", summary["B1"].value)] and summary.freeze_panes is None
    assert book["x" * 31].column_dimensions["A"].width == 40


def test_csv_has_a_bom_plain_numbers_and_iso_dates(app):
    with app.test_request_context():
        data = workbook.csv_bytes(_table(total_columns=(2,)))
    assert data.startswith("\ufeff".encode())
    lines = list(csv.reader(io.StringIO(data.decode("utf-8").lstrip("\ufeff"))))
    assert lines[1] == ["GH-001", "2026-11-20", "10.5", "1234.5", "3"]
    assert lines[2] == ["GH-002", "2026-11-21", "20", "", "2"]
    assert lines[-1] == ["合计", "", "30.5", "", ""]


def test_total_row_skips_empty_cells_and_adds_any_number():
    rows = [["a", Decimal("1.10"), 2, ""], ["b", None, 3.5, Decimal("0.005")]]
    total = workbook.total_row(rows, (1, 2, 3), 4)
    assert total[1:] == [Decimal("1.10"), Decimal("5.5"), Decimal("0.005")]
    assert workbook.total_row([], (1,), 2)[1] == Decimal(0)


DANGEROUS = ["=HYPERLINK(\"http://evil\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


def test_xlsx_writes_formula_like_text_as_text(app):
    rows = [[text, Decimal("-1.50"), -3] for text in DANGEROUS]
    with app.test_request_context():
        data = workbook.xlsx([workbook.Table("T", ["=head", "金额", "n"], rows)])
    sheet = load_workbook(io.BytesIO(data)).active
    cells = [sheet.cell(row=r, column=1) for r in range(1, len(DANGEROUS) + 2)]
    # (XML reads a carriage return back as a line feed)
    assert [c.value for c in cells] == ["=head", *(t.replace("\r", "\n") for t in DANGEROUS)]
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)
    # numbers stay numbers, negative ones too
    assert sheet["B2"].value == -1.5 and sheet["C2"].value == -3 and sheet["B2"].data_type == "n"


def test_csv_prefixes_formula_like_text_and_leaves_numbers(app):
    rows = [[text, Decimal("-1.50"), -3] for text in DANGEROUS] + [["plain", Decimal("2"), 1]]
    with app.test_request_context():
        data = workbook.csv_bytes(workbook.Table("T", ["=head", "金额", "n"], rows))
    lines = list(csv.reader(io.StringIO(data.decode("utf-8").lstrip("\ufeff"), newline="")))
    assert lines[0][0] == "'=head"
    assert [line[0] for line in lines[1:-1]] == ["'" + t for t in DANGEROUS]
    assert all(line[1:] == ["-1.5", "-3"] for line in lines[1:-1])
    assert lines[-1] == ["plain", "2", "1"]
