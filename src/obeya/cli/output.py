"""Printing results: a Rich table for people, CSV and JSON for scripts.

``--format json`` prints a JSON list of row objects (dates as ``YYYY-MM-DD``,
timestamps ISO 8601, missing values as ``null``).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
from decimal import Decimal
from enum import StrEnum
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
from rich.console import Console
from rich.table import Table

__all__ = ["OutputFormat", "err", "out", "print_rows", "rows_as_json", "to_jsonable"]

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


class OutputFormat(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"


def to_jsonable(value: Any) -> Any:
    """A Python value as JSON can hold it."""
    if value is None:
        return None
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, StrEnum):
        return str(value)
    return value


def rows_as_json(table: pa.Table) -> str:
    return json.dumps([to_jsonable(r) for r in table.to_pylist()], indent=2, ensure_ascii=False)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return str(value)


def print_rows(table: pa.Table, fmt: OutputFormat, *, title: str | None = None) -> None:
    """Print ``table`` in the chosen format on standard output."""
    match fmt:
        case OutputFormat.JSON:
            out.print(rows_as_json(table), markup=False)
        case OutputFormat.CSV:
            buf = io.BytesIO()
            pacsv.write_csv(table, buf, pacsv.WriteOptions(quoting_style="needed"))
            out.file.write(buf.getvalue().decode())
        case OutputFormat.TABLE:
            rich_table = Table(title=title, show_lines=False, header_style="bold")
            numeric = [
                pa.types.is_integer(f.type) or pa.types.is_floating(f.type) for f in table.schema
            ]
            for name, num in zip(table.column_names, numeric, strict=True):
                rich_table.add_column(name, justify="right" if num else "left")
            for row in table.to_pylist():
                rich_table.add_row(*(_cell(v) for v in row.values()))
            out.print(rich_table)
