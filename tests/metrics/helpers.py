"""Small helpers for the KPI tests: reading rows of a KPI table, swapping a fact table."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest

from obeya.metrics import Grain, parse_period
from obeya.warehouse import Warehouse


def row(
    table: pa.Table, kpi: str, period: str, grain: Grain = Grain.MONTH, **members: str | None
) -> dict[str, Any]:
    """The one row of ``kpi`` in ``period`` for the given members."""
    start = parse_period(period, grain)
    found = [
        r
        for r in table.to_pylist()
        if r["kpi"] == kpi
        and r["period_start"] == start
        and all(r[k] == v for k, v in members.items())
    ]
    assert len(found) == 1, f"{len(found)} rows for {kpi} {period} {members}"
    return found[0]


def ratio(
    table: pa.Table, kpi: str, period: str, grain: Grain = Grain.MONTH, **members: str | None
) -> tuple[float, float, float]:
    """(numerator, denominator, value) of one row."""
    r = row(table, kpi, period, grain, **members)
    return r["numerator"], r["denominator"], r["value"]


def approx(value: float) -> Any:
    return pytest.approx(value, rel=1e-9, abs=1e-12)


def replace_rows(wh: Warehouse, name: str, table: pa.Table) -> None:
    """Swap the rows of table ``name`` for ``table`` (generated valid, so the loader's
    checks are skipped); a table with no columns empties it."""
    con = wh.duckdb
    con.execute(f"DELETE FROM {name}")
    if table.num_columns:
        con.register("generated_rows", table)
        columns = ", ".join(table.column_names)
        con.execute(f"INSERT INTO {name} ({columns}) SELECT {columns} FROM generated_rows")
        con.unregister("generated_rows")
