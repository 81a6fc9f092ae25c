"""A hand-made company for the warehouse-backed inventory tests, with its numbers.

As of Sunday 2025-06-29, the 26-week demand window is Monday 2024-12-30 to Sunday
2025-06-29 (week starts 2024-12-30 + 7k, k = 0..25).

* A at D1: one order every Monday, alternately 80 and 120 units: 26 weeks, mean 100,
  sample sd sqrt(26 * 20^2 / 25) = sqrt(416) = 20.396078. A cancelled line of 500 and
  an order after the as-of date are ignored.
* B at D1 (lifecycle phase_out): 26 units in each of two weeks: total 52, mean 2,
  sum of squares 1352, var (1352 - 52^2/26) / 25 = 49.92, sd 7.065409.
* A at P1 and C at D1: no demand, stock only.
* Receipts of A at D1 (supplier S1): lead times 14, 21 and 28 days in the last year
  (mean 21, sample sd 7) and one of 100 days in 2023 (outside the 365-day window).
  An open line of 100 A at D1 is promised 2025-07-16 (week index 2 of a projection
  starting Monday 2025-06-30).
* B at D1 has one open line from S2 (contract lead time 35 days), promised
  2025-08-31 (after a 6-week horizon). A at P1 has one open line from S1 (contract
  21 days) of 30 units promised 2025-06-01, overdue, so it lands in week 0.
* C at D1 has no purchase order lines: the default lead time applies.
* Latest snapshot 2025-06-29: A at D1 300, B at D1 40, A at P1 50, C at D1 10 (an
  older snapshot of 999 A at D1 is ignored).
* Work orders of A at P1 start 2025-06-02, 06-09 and 06-16: one every 7 days.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa

from obeya.ingest import load_arrow
from obeya.warehouse import Warehouse

AS_OF = dt.date(2025, 6, 29)
WINDOW_START = dt.date(2024, 12, 30)


def _monday(k: int) -> dt.date:
    return WINDOW_START + dt.timedelta(weeks=k)


def _order_lines() -> pa.Table:
    rows: list[dict[str, object]] = []

    def line(sku: str, site: str, day: dt.date, qty: float, status: str = "open") -> None:
        rows.append(
            {
                "order_id": f"O{len(rows) + 1}",
                "line_no": 1,
                "customer_id": "C1",
                "sku": sku,
                "site_id": site,
                "order_date": day,
                "promised_date": day + dt.timedelta(days=7),
                "ship_date": None,
                "delivery_date": None,
                "qty_ordered": qty,
                "qty_shipped": 0.0,
                "unit_price": 20.0,
                "unit_cost": 10.0,
                "status": status,
            }
        )

    for k in range(26):
        line("A", "D1", _monday(k), 80.0 if k % 2 == 0 else 120.0)
    line("A", "D1", _monday(3), 500.0, status="cancelled")
    line("A", "D1", AS_OF + dt.timedelta(days=1), 999.0)
    line("B", "D1", _monday(5) + dt.timedelta(days=2), 26.0)
    line("B", "D1", _monday(9), 26.0)
    return pa.Table.from_pylist(rows)


def _po_lines() -> pa.Table:
    def po(
        n: int,
        supplier: str,
        sku: str,
        site: str,
        ordered: dt.date,
        promised: dt.date,
        received: dt.date | None,
        qty: float,
        price: float,
    ) -> dict[str, object]:
        return {
            "po_id": f"PO{n}",
            "line_no": 1,
            "supplier_id": supplier,
            "sku": sku,
            "site_id": site,
            "order_date": ordered,
            "promised_date": promised,
            "receipt_date": received,
            "qty_ordered": qty,
            "qty_received": qty if received else 0.0,
            "unit_price": price,
        }

    d = dt.date
    return pa.Table.from_pylist(
        [
            po(1, "S1", "A", "D1", d(2025, 1, 6), d(2025, 1, 27), d(2025, 1, 20), 100, 9),
            po(2, "S1", "A", "D1", d(2025, 2, 3), d(2025, 2, 24), d(2025, 2, 24), 100, 9),
            po(3, "S1", "A", "D1", d(2025, 3, 3), d(2025, 3, 24), d(2025, 3, 31), 100, 9),
            po(4, "S1", "A", "D1", d(2023, 1, 2), d(2023, 1, 23), d(2023, 4, 12), 100, 9),
            po(5, "S1", "A", "D1", d(2025, 6, 25), d(2025, 7, 16), None, 100, 9),
            po(6, "S2", "B", "D1", d(2025, 6, 20), d(2025, 8, 31), None, 20, 4),
            po(7, "S1", "A", "P1", d(2025, 5, 1), d(2025, 6, 1), None, 30, 8),
        ]
    )


def _snapshots() -> pa.Table:
    def snap(day: dt.date, site: str, sku: str, qty: float, cost: float) -> dict[str, object]:
        return {
            "snapshot_date": day,
            "site_id": site,
            "sku": sku,
            "qty_on_hand": qty,
            "unit_cost": cost,
        }

    old = dt.date(2025, 6, 22)
    return pa.Table.from_pylist(
        [
            snap(old, "D1", "A", 999, 10),
            snap(AS_OF, "D1", "A", 300, 10),
            snap(AS_OF, "D1", "B", 40, 5),
            snap(AS_OF, "P1", "A", 50, 10),
            snap(AS_OF, "D1", "C", 10, 2),
        ]
    )


def _work_orders() -> pa.Table:
    starts = [dt.datetime(2025, 6, 2, 6), dt.datetime(2025, 6, 9, 6), dt.datetime(2025, 6, 16, 6)]
    return pa.Table.from_pylist(
        [
            {
                "work_order_id": f"W{i}",
                "site_id": "P1",
                "resource_id": "L1",
                "sku": "A",
                "planned_start": start,
                "actual_start": start,
                "actual_end": start + dt.timedelta(hours=8),
                "qty_planned": 200.0,
                "qty_good": 200.0,
                "qty_scrap": 0.0,
                "run_hours": 8.0,
                "downtime_hours": 0.0,
            }
            for i, start in enumerate(starts)
        ]
    )


def company_tables() -> dict[str, pa.Table]:
    """The company as Arrow tables in the model's shape (optional columns left out)."""
    return {
        "sites": pa.table(
            {
                "site_id": ["P1", "D1"],
                "name": ["Plant", "DC"],
                "type": ["plant", "dc"],
                "country": ["DE", "NL"],
            }
        ),
        "products": pa.table(
            {
                "sku": ["A", "B", "C"],
                "description": ["a", "b", "c"],
                "family": ["f", "f", "f"],
                "unit_cost": [10.0, 5.0, 2.0],
                "unit_price": [20.0, 8.0, 3.0],
                "lifecycle": ["active", "phase_out", "active"],
            }
        ),
        "customers": pa.table({"customer_id": ["C1"], "name": ["Acme"]}),
        "suppliers": pa.table(
            {
                "supplier_id": ["S1", "S2"],
                "name": ["One", "Two"],
                "country": ["CN", "PL"],
                "contract_lead_time_days": [21.0, 35.0],
            }
        ),
        "resources": pa.table(
            {
                "resource_id": ["L1"],
                "site_id": ["P1"],
                "name": ["Line 1"],
                "kind": ["line"],
                "hours_per_day": [16.0],
            }
        ),
        "order_lines": _order_lines(),
        "purchase_order_lines": _po_lines(),
        "inventory_snapshots": _snapshots(),
        "work_orders": _work_orders(),
    }


def build_company(path: Path) -> str:
    """Load the company into a new DuckDB file; return its path."""
    with Warehouse.open(str(path)) as wh:
        load_arrow(wh, company_tables(), label="t")
    return str(path)


def add_forecasts(path: str) -> None:
    """Two forecast runs in the demand module's tables (created here if absent).

    Run ``r1`` (older): A at D1 forecast 60 a week. Run ``r2`` (latest): A at D1
    forecast 150 a week for 4 weeks with model ``ets``; its backtests have errors
    +30 and -30 for ``ets`` (RMSE 30) and +60/-60 for ``naive`` (not the model used).
    B at D1 in ``r2`` is marked ``seasonal`` with forecast 4 and an adjusted 6.
    """
    with Warehouse.open(path) as wh:
        con = wh.duckdb
        con.execute(
            "CREATE TABLE IF NOT EXISTS forecast_runs (run_id VARCHAR, created_at TIMESTAMP, "
            "grain VARCHAR, horizon BIGINT, params VARCHAR, as_of DATE)"
        )
        con.execute(
            "CREATE TABLE IF NOT EXISTS forecasts (run_id VARCHAR, sku VARCHAR, site_id VARCHAR, "
            "period_start DATE, model VARCHAR, demand_class VARCHAR, forecast DOUBLE, "
            "lo80 DOUBLE, hi80 DOUBLE, lo95 DOUBLE, hi95 DOUBLE, adjusted DOUBLE)"
        )
        con.execute(
            "CREATE TABLE IF NOT EXISTS forecast_backtests (run_id VARCHAR, sku VARCHAR, "
            "site_id VARCHAR, cutoff DATE, period_start DATE, model VARCHAR, actual DOUBLE, "
            "forecast DOUBLE)"
        )
        con.execute(
            "INSERT INTO forecast_runs VALUES "
            "('r1', '2025-06-01 10:00', 'week', 4, '{}', '2025-06-01'),"
            "('r2', '2025-06-29 10:00', 'week', 4, '{}', '2025-06-29')"
        )
        weeks = ["2025-06-30", "2025-07-07", "2025-07-14", "2025-07-21"]
        rows = []
        for w in weeks:
            rows.append(f"('r1', 'A', 'D1', '{w}', 'ets', 'smooth', 60, 0, 0, 0, 0, NULL)")
            rows.append(f"('r2', 'A', 'D1', '{w}', 'ets', 'smooth', 150, 0, 0, 0, 0, NULL)")
            rows.append(f"('r2', 'B', 'D1', '{w}', 'ets', 'seasonal', 4, 0, 0, 0, 0, 6)")
        con.execute("INSERT INTO forecasts VALUES " + ",".join(rows))
        con.execute(
            "INSERT INTO forecast_backtests VALUES "
            "('r2', 'A', 'D1', '2025-05-31', '2025-06-02', 'ets', 100, 130),"
            "('r2', 'A', 'D1', '2025-05-31', '2025-06-09', 'ets', 100, 70),"
            "('r2', 'A', 'D1', '2025-05-31', '2025-06-02', 'naive', 100, 160),"
            "('r2', 'A', 'D1', '2025-05-31', '2025-06-09', 'naive', 100, 40)"
        )
