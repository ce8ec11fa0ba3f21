"""Tables for download, once: every Excel workbook and CSV file the park hands out is written here.

A download is one or more titled tables (a header row and rows of values) with an optional total row. The
callers decide what goes in the rows (already translated labels, Decimal amounts and weights, dates); this
module decides how a table looks in a file, the same everywhere:

- xlsx: a bold header row frozen at the top; column widths from the longest text (Chinese characters count
  double); dates as `yyyy-mm-dd`; a Decimal shown with the places it carries (money 0.00, weights 0.000);
  a bold total row computed here, so it reads the same in previewers that do not calculate formulas;
- CSV: UTF-8 with a byte-order mark (so Excel shows Chinese), dates as YYYY-MM-DD, Decimals as plain text
  without trailing zeros (20.500 kg is `20.5`);
- text is always text: a name, note or payload a person typed that starts with `=`, `+`, `-`, `@`, a tab or a
  carriage return would run as a formula when the file is opened (CSV/formula injection). In a workbook such
  a cell is stored as a string with Excel's quote prefix; in a CSV it gets a leading apostrophe, the mark
  spreadsheets read as "this is text". Numbers, dates and amounts are not text and stay as they are.

The web layer wraps the bytes in a response (farm.web.exports).
"""
from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l

MIN_WIDTH, MAX_WIDTH = 10, 40
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


@dataclass
class Table:
    """One sheet: its title, its header row (None for a sheet of label/value pairs), rows and summed columns."""

    title: str
    headers: list | None
    rows: list[list] = field(default_factory=list)
    # Zero-based columns summed into a last row labelled "Total".
    total_columns: tuple[int, ...] = ()

    def body(self) -> list[list]:
        """The rows, and the total row when the table has summed columns."""
        if not self.total_columns:
            return list(self.rows)
        width = len(self.headers) if self.headers else max((len(r) for r in self.rows), default=1)
        return [*self.rows, total_row(self.rows, self.total_columns, width)]


def total_row(rows: list[list], columns: tuple[int, ...], width: int) -> list:
    """A row reading "Total" with the sums (as Decimals) of `columns`; empty cells count as nothing."""
    row: list = [None] * width
    row[0] = str(_l("Total"))
    for column in columns:
        row[column] = sum((Decimal(str(r[column])) for r in rows if r[column] not in (None, "")), Decimal(0))
    return row


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet would read this text as a formula (or the start of one)."""
    return text.startswith(FORMULA_STARTS)


def _value(value):
    """A cell's value as openpyxl takes it: text for lazy strings and vocabulary terms, None for empty."""
    if value is None or value == "":
        return None
    if isinstance(value, (bool, int, float, Decimal, date)):
        return value
    return str(value)


def _as_text(cell) -> None:
    """Keep a text cell text: openpyxl turns a string starting with = into a formula; undo that, and mark every
    formula-like text with Excel's quote prefix so editing the cell later does not turn it into one either."""
    if isinstance(cell.value, str) and is_formula_like(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True


def _number_format(value) -> str | None:
    if isinstance(value, datetime):
        return DATETIME_FORMAT
    if isinstance(value, date):
        return DATE_FORMAT
    if isinstance(value, Decimal) and value.is_finite():
        places = max(-value.as_tuple().exponent, 0)
        return "#,##0" + ("." + "0" * places if places else "")
    return None


def _text_width(value) -> int:
    if value is None:
        return 0
    if isinstance(value, date):
        return 16 if isinstance(value, datetime) else 10
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(value))


def xlsx(tables: list[Table]) -> bytes:
    """The tables as an .xlsx workbook, one sheet each in the given order."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    for table in tables:
        sheet = book.create_sheet(str(table.title)[:31])
        rows = [[_value(v) for v in row] for row in table.body()]
        if table.headers:
            sheet.append([_value(h) for h in table.headers])
            for cell in sheet[1]:
                cell.font = bold
            sheet.freeze_panes = "A2"
        for row in rows:
            sheet.append(row)
        if table.total_columns and sheet.max_row > 0:
            for cell in sheet[sheet.max_row]:
                cell.font = bold
        widths: dict[int, int] = {}
        for column in sheet.iter_cols():
            for cell in column:
                _as_text(cell)
                fmt = _number_format(cell.value)
                if fmt is not None:
                    cell.number_format = fmt
                widths[cell.column] = max(widths.get(cell.column, 0), _text_width(cell.value))
        for index, width in widths.items():
            sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, MIN_WIDTH), MAX_WIDTH)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value.is_finite() else str(value)
    if isinstance(value, (bool, int, float)):
        return str(value)
    text = str(value)
    return "'" + text if is_formula_like(text) else text


def csv_bytes(table: Table) -> bytes:
    """The table as CSV text in UTF-8 with a byte-order mark (Excel then reads the Chinese right)."""
    out = io.StringIO()
    writer = csv.writer(out)
    if table.headers:
        writer.writerow([_csv_value(h) for h in table.headers])
    for row in table.body():
        writer.writerow([_csv_value(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
