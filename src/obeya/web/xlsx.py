"""The SQL console's XLSX export: one sheet, a bold header row, typed cells (xlsxwriter).

Numbers stay numbers and booleans booleans; dates and timestamps become Excel dates
with an ISO format, so a spreadsheet can sort and filter them.
"""

from __future__ import annotations

import datetime as dt
import io
import math

import pyarrow as pa
import xlsxwriter

__all__ = ["table_to_xlsx"]


def table_to_xlsx(table: pa.Table, sheet: str = "query") -> bytes:
    """``table`` as an XLSX workbook of one sheet, header in the first row."""
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True, "nan_inf_to_errors": True})
    try:
        ws = book.add_worksheet(sheet[:31])
        bold = book.add_format({"bold": True})
        day = book.add_format({"num_format": "yyyy-mm-dd"})
        stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        ws.write_row(0, 0, table.column_names, bold)
        for c, column in enumerate(table.columns):
            values = column.to_pylist()
            kind = column.type
            if pa.types.is_timestamp(kind):
                fmt = stamp
            elif pa.types.is_date(kind):
                fmt = day
            else:
                fmt = None
            for r, value in enumerate(values, start=1):
                _write(ws, r, c, value, fmt)
        ws.freeze_panes(1, 0)
    finally:
        book.close()
    return buf.getvalue()


def _write(
    ws: xlsxwriter.worksheet.Worksheet,
    row: int,
    col: int,
    value: object,
    fmt: xlsxwriter.format.Format | None,
) -> None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        ws.write_blank(row, col, None)
    elif isinstance(value, dt.datetime):
        ws.write_datetime(row, col, value.replace(tzinfo=None), fmt)
    elif isinstance(value, dt.date):
        ws.write_datetime(row, col, dt.datetime(value.year, value.month, value.day), fmt)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value)
    elif isinstance(value, int | float):
        ws.write_number(row, col, value)
    else:
        ws.write_string(row, col, str(value))
