"""Tables as downloads: the responses around farm.services.workbook (CSV with a BOM, or Excel), named files."""
from __future__ import annotations

from flask import Response, abort, request

from farm.services import workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"


FORMATS = ("csv", "xlsx")


def export_format() -> str:
    """The download format a page asked for (?format=csv|xlsx, Excel by default); 404 for any other."""
    fmt = request.args.get("format", "xlsx")
    if fmt not in FORMATS:
        abort(404)
    return fmt


def download(data: bytes, filename: str, mimetype: str = XLSX) -> Response:
    """The bytes as an attachment named `filename`."""
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def send_table(name: str, title: str, headers: list[str], rows: list[list], fmt: str,
               total_columns: tuple[int, ...] = ()) -> Response:
    """A download named `name`.csv or `name`.xlsx; `total_columns` are summed into a last row."""
    table = workbook.Table(title, headers, rows, total_columns)
    if fmt == "csv":
        return download(workbook.csv_bytes(table), f"{name}.csv", CSV)
    return download(workbook.xlsx([table]), f"{name}.xlsx")
