"""The bridge from order lines adds up exactly, whatever the order lines (Hypothesis).

The oracle sums the generated lines in plain Python; the engine sums them in DuckDB
through Ibis and splits the change into effects.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import ibis
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from obeya.errors import DataError
from obeya.finance import BridgeBy, BridgeMeasure, Comparison, PnlMode, bridge_from_orders

FAMILY = {"A": "F1", "B": "F1", "C": "F2", "D": "F3"}

line = st.tuples(
    st.sampled_from(sorted(FAMILY)),  # sku
    st.sampled_from(["C1", "C2", "C3"]),  # customer
    st.sampled_from(["S1", "S2"]),  # site
    st.sampled_from([dt.date(2024, 11, 5), dt.date(2025, 11, 7), dt.date(2025, 10, 30)]),
    st.integers(min_value=0, max_value=50),  # qty shipped
    st.integers(min_value=1, max_value=400),  # price in cents
    st.integers(min_value=1, max_value=400),  # cost in cents
)
budget_row = st.tuples(
    st.sampled_from(["S1", "S2"]),
    st.sampled_from(["F1", "F2", "F3"]),
    st.integers(min_value=0, max_value=60),
    st.integers(min_value=0, max_value=9000),
    st.integers(min_value=0, max_value=9000),
)


def _warehouse(lines: list[tuple[Any, ...]], budget: list[tuple[Any, ...]]) -> Any:
    """An in-memory DuckDB with the three tables, seen through Ibis."""
    raw = duckdb.connect()
    frames = {
        "products": pd.DataFrame({"sku": list(FAMILY), "family": list(FAMILY.values())}),
        "order_lines": pd.DataFrame(
            {
                "order_id": [f"O{i}" for i in range(len(lines))],
                "customer_id": [r[1] for r in lines],
                "sku": [r[0] for r in lines],
                "site_id": [r[2] for r in lines],
                "ship_date": pd.to_datetime([r[3] for r in lines]).date if lines else [],
                "qty_shipped": [float(r[4]) for r in lines],
                "unit_price": [r[5] / 100 for r in lines],
                "unit_cost": [r[6] / 100 for r in lines],
            },
        ).astype({"ship_date": "datetime64[s]"}),
    }
    rows = {(s, f): (u, r, c) for s, f, u, r, c in budget}  # one row per key, as loaded
    frames["sales_budget"] = pd.DataFrame(
        {
            "period": ["2025-11"] * len(rows),
            "site_id": [k[0] for k in rows],
            "family": [k[1] for k in rows],
            "units": [float(v[0]) for v in rows.values()],
            "revenue": [float(v[1]) for v in rows.values()],
            "cogs": [float(v[2]) for v in rows.values()],
        }
    )
    for name, frame in frames.items():
        raw.register("frame", frame)
        raw.execute(f"CREATE TABLE {name} AS SELECT * FROM frame")
        raw.unregister("frame")
    raw.execute("ALTER TABLE order_lines ALTER ship_date TYPE DATE")
    return ibis.duckdb.from_connection(raw)


def _margin(lines: list[tuple[Any, ...]], day: dt.date, measure: BridgeMeasure) -> float:
    total = 0.0
    for _sku, _c, _s, d, qty, price, cost in lines:
        if d == day and qty > 0:
            total += qty * price / 100 - (
                qty * cost / 100 if measure is BridgeMeasure.GROSS_MARGIN else 0
            )
    return total


@settings(max_examples=15, deadline=None)
@given(
    st.lists(line, min_size=1, max_size=25),
    st.sampled_from(list(BridgeBy)),
    st.sampled_from(list(BridgeMeasure)),
)
def test_effects_add_up_to_the_change_against_last_year(
    lines: list[tuple[Any, ...]], by: BridgeBy, measure: BridgeMeasure
) -> None:
    con = _warehouse(lines, [])
    actual = _margin(lines, dt.date(2025, 11, 7), measure)
    last_year = _margin(lines, dt.date(2024, 11, 5), measure)
    try:
        result = bridge_from_orders(
            con, "2025-11", PnlMode.MONTH, comparison=Comparison.LAST_YEAR, by=by, measure=measure
        )
    except DataError:
        assert actual == last_year == 0  # nothing shipped on either side
        return
    b = result.bridge
    assert b.actual_total == pytest.approx(actual, abs=1e-9)
    assert b.comparison_total == pytest.approx(last_year, abs=1e-9)
    assert sum(b.effects.values()) == pytest.approx(actual - last_year, abs=1e-7)
    assert b.members["total"].sum() == pytest.approx(actual - last_year, abs=1e-7)
    w = b.waterfall()
    assert w.steps[-1].end == pytest.approx(actual, abs=1e-7)


@settings(max_examples=12, deadline=None)
@given(
    st.lists(line, min_size=1, max_size=20),
    st.lists(budget_row, min_size=1, max_size=6),
    st.sampled_from([BridgeBy.FAMILY, BridgeBy.SITE]),
)
def test_effects_add_up_to_the_change_against_budget(
    lines: list[tuple[Any, ...]], budget: list[tuple[Any, ...]], by: BridgeBy
) -> None:
    con = _warehouse(lines, budget)
    # the budget's gross margin: one row per (site, family), the last one written wins
    rows = {(s, f): (r, c) for s, f, _u, r, c in budget}
    planned = sum(r - c for r, c in rows.values())
    actual = _margin(lines, dt.date(2025, 11, 7), BridgeMeasure.GROSS_MARGIN)
    result = bridge_from_orders(con, "2025-11", comparison=Comparison.BUDGET, by=by)
    b = result.bridge
    assert b.comparison_total == pytest.approx(planned, abs=1e-9)
    assert b.actual_total == pytest.approx(actual, abs=1e-9)
    assert sum(b.effects.values()) == pytest.approx(actual - planned, abs=1e-6)


def test_quarter_and_ytd_modes_cover_their_months() -> None:
    lines = [
        ("A", "C1", "S1", dt.date(2025, 10, 30), 2, 100, 50),  # October: in Q4 and YTD
        ("A", "C1", "S1", dt.date(2025, 11, 7), 3, 100, 50),
    ]
    con = _warehouse(lines, [])
    quarter = bridge_from_orders(con, "2025-11", PnlMode.QUARTER, comparison=Comparison.LAST_YEAR)
    month = bridge_from_orders(con, "2025-11", PnlMode.MONTH, comparison=Comparison.LAST_YEAR)
    # margin per unit 1.00 - 0.50 = 0.50: quarter 5 units = 2.50, month 3 units = 1.50
    assert quarter.months == ("2025-10", "2025-11")
    assert quarter.bridge.actual_total == pytest.approx(2.5)
    assert month.bridge.actual_total == pytest.approx(1.5)
