"""Tables as downloads: CSV (UTF-8 with a BOM, so Excel shows Chinese) or Excel (xlsx), with a total row."""
from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from flask import Response
from flask_babel import gettext as _

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value):
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    return "" if value is None else value


def _total_row(rows: list[list], columns: tuple[int, ...], width: int) -> list:
    row = [""] * width
    row[0] = _("Total")
    for col in columns:
        row[col] = sum((Decimal(str(r[col])) for r in rows if r[col] not in (None, "")), Decimal(0))
    return row


def send_table(name: str, title: str, headers: list[str], rows: list[list], fmt: str,
               total_columns: tuple[int, ...] = ()) -> Response:
    """A download named `name`.csv or `name`.xlsx; `total_columns` are summed into a last row."""
    body = list(rows)
    if total_columns:
        body.append(_total_row(rows, total_columns, len(headers)))
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(headers)
        for row in body:
            writer.writerow([v.isoformat() if isinstance(v, date) else _cell(v) for v in row])
        data = ("\ufeff" + out.getvalue()).encode("utf-8")
        mime = "text/csv; charset=utf-8"
    else:
        from openpyxl import Workbook
        from openpyxl.styles import Font

        book = Workbook()
        sheet = book.active
        sheet.title = title[:31]
        sheet.append(headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in body:
            sheet.append([_cell(v) for v in row])
        for index, header in enumerate(headers, start=1):
            letter = sheet.cell(row=1, column=index).column_letter
            sheet.column_dimensions[letter].width = max(10, len(str(header)) * 2 + 2)
            for cell in sheet[letter][1:]:
                if isinstance(cell.value, date):
                    cell.number_format = "yyyy-mm-dd"
        if total_columns:
            for cell in sheet[sheet.max_row]:
                cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        buffer = io.BytesIO()
        book.save(buffer)
        data, mime = buffer.getvalue(), XLSX
    response = Response(data, mimetype=mime)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
