"""Forecast runs stored in the warehouse, under a run id with their parameters.

Four tables are added to the warehouse (documented in docs/forecasting.md):

* ``forecast_runs``: one row per run: ``run_id, created_at, grain, horizon,
  params`` (JSON text: windows, candidates, reconciliation, overrides file ...),
  ``as_of``;
* ``forecasts``: the reconciled SKU x site forecasts of the run with intervals and
  the planner-adjusted figure;
* ``forecast_backtests``: every candidate's backtest forecast next to the actual;
* ``forecast_overrides``: the overrides applied, with the value before and after.

On DuckDB the rows go in through the raw connection: the Arrow table is registered
as a view and inserted with parameterised SQL, in one transaction. On PostgreSQL
Ibis inserts the Arrow tables. Reading back goes through Ibis on both.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import assert_never

import pyarrow as pa

from obeya.errors import WarehouseError
from obeya.warehouse import Backend, Warehouse

__all__ = [
    "FORECAST_TABLES",
    "StoredRun",
    "ensure_forecast_tables",
    "list_runs",
    "new_run_id",
    "read_run",
    "store_run",
]

FORECAST_TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "forecast_runs": (
        ("run_id", "VARCHAR"),
        ("created_at", "TIMESTAMP"),
        ("grain", "VARCHAR"),
        ("horizon", "BIGINT"),
        ("params", "VARCHAR"),
        ("as_of", "DATE"),
    ),
    "forecasts": (
        ("run_id", "VARCHAR"),
        ("sku", "VARCHAR"),
        ("site_id", "VARCHAR"),
        ("period_start", "DATE"),
        ("model", "VARCHAR"),
        ("demand_class", "VARCHAR"),
        ("forecast", "DOUBLE PRECISION"),
        ("lo80", "DOUBLE PRECISION"),
        ("hi80", "DOUBLE PRECISION"),
        ("lo95", "DOUBLE PRECISION"),
        ("hi95", "DOUBLE PRECISION"),
        ("adjusted", "DOUBLE PRECISION"),
    ),
    "forecast_backtests": (
        ("run_id", "VARCHAR"),
        ("sku", "VARCHAR"),
        ("site_id", "VARCHAR"),
        ("cutoff", "DATE"),
        ("period_start", "DATE"),
        ("model", "VARCHAR"),
        ("actual", "DOUBLE PRECISION"),
        ("forecast", "DOUBLE PRECISION"),
    ),
    "forecast_overrides": (
        ("run_id", "VARCHAR"),
        ("sku", "VARCHAR"),
        ("site_id", "VARCHAR"),
        ("period_start", "DATE"),
        ("kind", "VARCHAR"),
        ("amount", "DOUBLE PRECISION"),
        ("before", "DOUBLE PRECISION"),
        ("after", "DOUBLE PRECISION"),
        ("who", "VARCHAR"),
        ("why", "VARCHAR"),
        ("source", "VARCHAR"),
    ),
}


@dataclass(frozen=True)
class StoredRun:
    """A run read back: its parameters and its rows (Arrow, ordered)."""

    run_id: str
    created_at: datetime
    grain: str
    horizon: int
    params: Mapping[str, object]
    as_of: date
    forecasts: pa.Table
    backtests: pa.Table
    overrides: pa.Table


def new_run_id() -> str:
    return uuid.uuid4().hex[:12]


def ensure_forecast_tables(warehouse: Warehouse) -> None:
    """Create the forecast tables that do not exist yet."""
    with warehouse.transaction() as cur:
        for name, cols in FORECAST_TABLES.items():
            body = ", ".join(f'"{c}" {t}' for c, t in cols)
            cur.execute(f"CREATE TABLE IF NOT EXISTS {name} ({body})")


def store_run(
    warehouse: Warehouse,
    *,
    run_id: str,
    created_at: datetime,
    grain: str,
    horizon: int,
    params: Mapping[str, object],
    as_of: date,
    forecasts: pa.Table,
    backtests: pa.Table,
    overrides: pa.Table,
) -> None:
    """Write one run; the row tables must have the stored columns except ``run_id``."""
    if warehouse.read_only:
        raise WarehouseError("the warehouse is open read-only; open it writable to store forecasts")
    ensure_forecast_tables(warehouse)
    rows = {
        "forecasts": forecasts,
        "forecast_backtests": backtests,
        "forecast_overrides": overrides,
    }
    for name, table in rows.items():
        wanted = [c for c, _ in FORECAST_TABLES[name] if c != "run_id"]
        missing = [c for c in wanted if c not in table.column_names]
        if missing:
            raise WarehouseError(f"cannot store {name}: the rows lack columns {missing}")
        rows[name] = table.select(wanted)
    params_json = json.dumps(params, sort_keys=True, default=str)
    run_row = [run_id, created_at, grain, horizon, params_json, as_of]
    match warehouse.backend:
        case Backend.DUCKDB:
            _store_duckdb(warehouse, run_row, rows)
        case Backend.POSTGRES:
            _store_postgres(warehouse, run_row, rows)
        case _:
            assert_never(warehouse.backend)


def _store_duckdb(warehouse: Warehouse, run_row: list[object], rows: dict[str, pa.Table]) -> None:
    con = warehouse.duckdb
    views = []
    with warehouse.transaction() as cur:
        cur.execute(
            "INSERT INTO forecast_runs (run_id, created_at, grain, horizon, params, as_of) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            run_row,
        )
        for name, table in rows.items():
            view = f"_obeya_{name}_{run_row[0]}"
            con.register(view, table)
            views.append(view)
            cols = ", ".join(f'"{c}"' for c in table.column_names)
            cur.execute(
                f'INSERT INTO {name} ("run_id", {cols}) SELECT ?, {cols} FROM "{view}"',
                [run_row[0]],
            )
    for view in views:
        con.unregister(view)


def _store_postgres(warehouse: Warehouse, run_row: list[object], rows: dict[str, pa.Table]) -> None:
    with warehouse.transaction() as cur:
        cur.execute(
            "INSERT INTO forecast_runs (run_id, created_at, grain, horizon, params, as_of) "
            "VALUES (%s, %s, %s, %s, %s, %s)",
            run_row,
        )
    for name, table in rows.items():
        if table.num_rows == 0:
            continue
        with_id = table.add_column(
            0, "run_id", pa.array([run_row[0]] * table.num_rows, pa.string())
        )
        warehouse.ibis.insert(name, with_id)  # type: ignore[attr-defined]


def list_runs(warehouse: Warehouse) -> pa.Table:
    """Every stored run, newest first."""
    ensure_forecast_tables(warehouse)
    t = warehouse.table("forecast_runs")
    return t.order_by(t.created_at.desc()).to_pyarrow()


def read_run(warehouse: Warehouse, run_id: str) -> StoredRun:
    """Read a stored run back; raises :class:`WarehouseError` when there is none."""
    runs = warehouse.table("forecast_runs")
    head = runs.filter(runs.run_id == run_id).to_pyarrow().to_pylist()
    if not head:
        raise WarehouseError(
            f"no forecast run {run_id!r} in the warehouse; list runs to find its id"
        )
    row = head[0]

    def rows(name: str, order: list[str]) -> pa.Table:
        t = warehouse.table(name)
        return t.filter(t.run_id == run_id).drop("run_id").order_by(order).to_pyarrow()

    return StoredRun(
        run_id=run_id,
        created_at=row["created_at"],
        grain=row["grain"],
        horizon=int(row["horizon"]),
        params=json.loads(row["params"]),
        as_of=row["as_of"],
        forecasts=rows("forecasts", ["sku", "site_id", "period_start"]),
        backtests=rows("forecast_backtests", ["sku", "site_id", "model", "cutoff", "period_start"]),
        overrides=rows("forecast_overrides", ["sku", "site_id", "period_start"]),
    )
