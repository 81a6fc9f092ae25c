"""A tiny hand-made plant whose capacity, plans and staffing are worked out by hand.

One plant P1 with two resources: line L1 (8 h a day) and packing cell L2 (4 h a day).
Two SKUs: A (family F1, cost 10, price 20) routed L1 0.5 h + L2 0.1 h, and B (family
F2, cost 20, price 40) routed L1 1.0 h. As-of date: 2025-12-31, the latest order.

Order lines (the fallback demand when there is no forecast): in the 91 days to
2025-12-31, A 910 units and B 455 units, i.e. 10 and 5 units a day; a cancelled line
and a line of June 2025 (before the windows) do not count. Both lines shipped in full
(1365 units in the 26-week labour window).

Labour: production at P1 worked 1365 regular hours for 27300 (20 an hour) over two
days; the latest day (2025-12-30) has 2 people on the books.

The forecast (``with_forecast``) is run r1 (month grain, created after r0, which it
replaces): January 2026 A 200, B 100; February A 100, B forecast 40 adjusted to 50.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa

from obeya.ingest import load_arrow
from obeya.warehouse import Warehouse

D = dt.date


def _table(rows: list[dict[str, object]]) -> pa.Table:
    return pa.table({c: [r[c] for r in rows] for c in rows[0]})


def tables() -> dict[str, pa.Table]:
    line = {
        "customer_id": "C1",
        "site_id": "P1",
        "unit_price": 20.0,
        "unit_cost": 10.0,
        "delivery_date": None,
    }
    return {
        "sites": _table([{"site_id": "P1", "name": "Plant 1", "type": "plant", "country": "DE"}]),
        "products": _table(
            [
                {"sku": "A", "description": "a", "family": "F1", "unit_cost": 10.0, "unit_price": 20.0},
                {"sku": "B", "description": "b", "family": "F2", "unit_cost": 20.0, "unit_price": 40.0},
            ]
        ),
        "customers": _table([{"customer_id": "C1", "name": "Acme"}]),
        "suppliers": _table(
            [{"supplier_id": "S1", "name": "Parts", "country": "DE", "contract_lead_time_days": 14.0}]
        ),
        "resources": _table(
            [
                {"resource_id": "L1", "site_id": "P1", "name": "line", "kind": "line", "hours_per_day": 8.0},
                {"resource_id": "L2", "site_id": "P1", "name": "pack", "kind": "cell", "hours_per_day": 4.0},
            ]
        ),
        "routings": _table(
            [
                {"sku": "A", "resource_id": "L1", "hours_per_unit": 0.5},
                {"sku": "A", "resource_id": "L2", "hours_per_unit": 0.1},
                {"sku": "B", "resource_id": "L1", "hours_per_unit": 1.0},
            ]
        ),
        "order_lines": _table(
            [
                line | {"order_id": "O1", "line_no": 1, "sku": "A", "order_date": D(2025, 12, 1),
                        "promised_date": D(2025, 12, 10), "ship_date": D(2025, 12, 5),
                        "qty_ordered": 910.0, "qty_shipped": 910.0, "status": "shipped"},
                line | {"order_id": "O2", "line_no": 1, "sku": "B", "order_date": D(2025, 11, 15),
                        "promised_date": D(2025, 11, 25), "ship_date": D(2025, 11, 20),
                        "qty_ordered": 455.0, "qty_shipped": 455.0, "status": "shipped"},
                line | {"order_id": "O3", "line_no": 1, "sku": "A", "order_date": D(2025, 12, 31),
                        "promised_date": D(2026, 1, 9), "ship_date": None,
                        "qty_ordered": 999.0, "qty_shipped": 0.0, "status": "cancelled"},
                line | {"order_id": "O4", "line_no": 1, "sku": "B", "order_date": D(2025, 6, 1),
                        "promised_date": D(2025, 6, 10), "ship_date": D(2025, 6, 5),
                        "qty_ordered": 500.0, "qty_shipped": 500.0, "status": "shipped"},
            ]
        ),
        "labor_hours": _table(
            [
                {"work_date": D(2025, 10, 1), "site_id": "P1", "department": "production",
                 "headcount": 3.0, "regular_hours": 700.0, "overtime_hours": 0.0,
                 "labor_cost": 14000.0},
                {"work_date": D(2025, 12, 30), "site_id": "P1", "department": "production",
                 "headcount": 2.0, "regular_hours": 665.0, "overtime_hours": 0.0,
                 "labor_cost": 13300.0},
            ]
        ),
    }  # fmt: skip


_FORECAST_DDL = (
    "CREATE TABLE forecast_runs (run_id VARCHAR, created_at TIMESTAMP, grain VARCHAR, "
    "horizon BIGINT, params VARCHAR, as_of DATE)",
    "CREATE TABLE forecasts (run_id VARCHAR, sku VARCHAR, site_id VARCHAR, period_start DATE, "
    "model VARCHAR, demand_class VARCHAR, forecast DOUBLE, lo80 DOUBLE, hi80 DOUBLE, "
    "lo95 DOUBLE, hi95 DOUBLE, adjusted DOUBLE)",
)


def build(path: Path, *, with_forecast: bool) -> str:
    """Write the company into a DuckDB file; return its path as the --warehouse value."""
    url = str(path)
    with Warehouse.open(url) as wh:
        load_arrow(wh, tables(), label="t")
        if with_forecast:
            con = wh.duckdb
            for ddl in _FORECAST_DDL:
                con.execute(ddl)
            con.execute(
                "INSERT INTO forecast_runs VALUES "
                "('r0', '2025-12-01 08:00', 'month', 2, '{}', '2025-11-30'), "
                "('r1', '2026-01-01 08:00', 'month', 2, '{}', '2025-12-31')"
            )
            rows = [
                ("r0", "A", "2026-01-01", 9999.0, None),  # the older run: ignored
                ("r1", "A", "2026-01-01", 200.0, None),
                ("r1", "B", "2026-01-01", 100.0, None),
                ("r1", "A", "2026-02-01", 100.0, None),
                ("r1", "B", "2026-02-01", 40.0, 50.0),  # adjusted by a planner
            ]
            con.executemany(
                "INSERT INTO forecasts VALUES (?, ?, 'P1', ?, 'ets', 'smooth', ?, "
                "NULL, NULL, NULL, NULL, ?)",
                rows,
            )
    return url


HOLIDAY_CALENDAR = "holidays: [2026-01-01]\n"
