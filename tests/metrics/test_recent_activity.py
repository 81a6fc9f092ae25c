"""The stock-out rate's "demand in the trailing 90 days" test, against brute force.

The engine summarises order lines per (site, sku) and bucket of 90 consecutive days
(first and last order day in each) instead of keeping every day, and decides from
those two days whether a snapshot pair had an order in the window (L - 90, L]. This
checks that shortcut on generated order books whose dates straddle bucket edges,
against the definition applied line by line (a handful of rows, so a plain loop).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from obeya.ingest import load_arrow
from obeya.metrics import Catalog, compute
from obeya.warehouse import Warehouse
from tests.metrics.company import reference
from tests.metrics.helpers import replace_rows

AS_OF = date(2025, 6, 30)
WINDOW = 90  # days, as the catalog's stock_pairs_with_demand says
PAIRS = [("DAL", "A"), ("DAL", "B"), ("ATL", "A"), ("ATL", "C")]


@st.composite
def books(draw: st.DrawFn) -> tuple[pa.Table, pa.Table]:
    """Order lines from Oct 2024 and snapshots in the first half of 2025."""
    lines = []
    for i in range(draw(st.integers(0, 25))):
        site, sku = draw(st.sampled_from(PAIRS))
        ordered = date(2024, 10, 1) + timedelta(days=draw(st.integers(0, 272)))
        lines.append(
            {
                "order_id": f"O{i}",
                "line_no": 1,
                "customer_id": "C1",
                "sku": sku,
                "site_id": site,
                "order_date": ordered,
                "promised_date": ordered + timedelta(days=5),
                "qty_ordered": 1.0,
                "qty_shipped": 0.0,
                "unit_price": 10.0,
                "unit_cost": 5.0,
                "status": draw(st.sampled_from(["open", "open", "cancelled"])),
            }
        )
    snapshots = []
    days = draw(st.lists(st.integers(0, 180), min_size=1, max_size=6, unique=True))
    for offset in days:
        for site, sku in PAIRS:
            snapshots.append(
                {
                    "snapshot_date": date(2025, 1, 1) + timedelta(days=offset),
                    "site_id": site,
                    "sku": sku,
                    "qty_on_hand": float(draw(st.sampled_from([0, 0, 4]))),
                    "unit_cost": 5.0,
                }
            )
    return _table(lines, ["order_date", "promised_date"]), _table(snapshots, ["snapshot_date"])


def _table(rows: list[dict[str, object]], dates: list[str]) -> pa.Table:
    if not rows:
        return pa.table({})
    types = {c: pa.date32() for c in dates}
    return pa.table({c: pa.array([r[c] for r in rows], type=types.get(c)) for c in rows[0]})


@pytest.fixture(scope="module")
def book() -> Iterator[Warehouse]:
    wh = Warehouse.open(":memory:")
    load_arrow(wh, reference(), label="reference")
    yield wh
    wh.close()


def _expected(lines: pa.Table, snapshots: pa.Table) -> dict[date, tuple[int, int]]:
    """Per month: (pairs out of stock, pairs with demand) at its latest snapshot."""
    orders = [r for r in lines.to_pylist() if r["status"] != "cancelled"]
    out: dict[date, tuple[int, int]] = {}
    rows = snapshots.to_pylist()
    for month in sorted({r["snapshot_date"].replace(day=1) for r in rows}):
        latest = max(r["snapshot_date"] for r in rows if r["snapshot_date"].replace(day=1) == month)
        with_demand = [
            r
            for r in rows
            if r["snapshot_date"] == latest
            and any(
                o["site_id"] == r["site_id"]
                and o["sku"] == r["sku"]
                and latest - timedelta(days=WINDOW) < o["order_date"] <= latest
                for o in orders
            )
        ]
        out[month] = (sum(r["qty_on_hand"] == 0 for r in with_demand), len(with_demand))
    return out


@given(books())
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_pairs_with_demand_match_the_definition(
    book: Warehouse, catalog: Catalog, data: tuple[pa.Table, pa.Table]
) -> None:
    lines, snapshots = data
    replace_rows(book, "order_lines", lines)
    replace_rows(book, "inventory_snapshots", snapshots)
    rows = compute(
        book, ["stockout_rate"], "month", start="2025-01", as_of=AS_OF, catalog=catalog
    ).to_pylist()
    got = {r["period_start"]: r for r in rows}
    for month, (out, with_demand) in _expected(lines, snapshots).items():
        row = got[month]
        if with_demand == 0:
            assert row["value"] is None, row
            assert row["reason"], row
        else:
            assert (row["numerator"], row["denominator"]) == (out, with_demand), (month, row)
            assert row["value"] == pytest.approx(out / with_demand)
