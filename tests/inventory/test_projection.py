"""Week-by-week projection: stock-outs, units short, revenue at risk, excess."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from obeya.errors import DataError
from obeya.inventory import project_inventory, project_inventory_table

FORECAST = np.array([[10, 10, 10, 10, 10, 10], [5, 5, 5, 5, 5, 5]], dtype=float)
RECEIPTS = np.array([[0, 0, 0, 0, 20, 0], [0, 0, 0, 0, 0, 0]], dtype=float)


def project() -> object:
    return project_inventory(
        on_hand=np.array([30.0, 100.0]),
        scheduled_receipts=RECEIPTS,
        forecast=FORECAST,
        unit_price=np.array([5.0, 8.0]),
        unit_cost=np.array([2.0, 3.0]),
        excess_weeks_of_supply=2,
    )


def test_projection_by_hand() -> None:
    r = project()
    # Series 0: 30 on hand, 10 a week, 20 arriving in week 4.
    # balance 20, 10, 0, -10, 0, -10 -> first stock-out in week 3 (index).
    # With lost sales: 20, 10, 0, 0 (10 lost), 0 + 20 - 10 = 10, 0 -> 10 units short,
    # revenue at risk 10 x 5 = 50.
    assert r.projected_balance[0].tolist() == [20, 10, 0, -10, 0, -10]
    assert r.projected_on_hand[0].tolist() == [20, 10, 0, 0, 10, 0]
    assert r.units_short_by_week[0].tolist() == [0, 0, 0, 10, 0, 0]
    assert r.first_stockout_week.tolist() == [3, -1]
    assert r.units_short.tolist() == [10, 0]
    assert r.revenue_at_risk.tolist() == [50, 0]
    # Series 1: 100 on hand, 5 a week; cover N = 2 weeks = 10 units (past the horizon at the
    # mean, 5). On hand 95, 90, ..., 70 -> excess 85, 80, ..., 60; peak 85 in week 0,
    # valued at 85 x 3 = 255. Series 0 never holds more than its next two weeks.
    assert r.excess_by_week[1].tolist() == [85, 80, 75, 70, 65, 60]
    assert r.forward_demand[0].tolist() == [20, 20, 20, 20, 20, 20]
    assert r.peak_excess_units.tolist() == [0, 85]
    assert r.peak_excess_week.tolist() == [-1, 0]
    assert r.excess_value.tolist() == [0, 255]


@given(
    hnp.arrays(np.float64, (3, 12), elements=st.floats(0, 100)),
    hnp.arrays(np.float64, (3, 12), elements=st.floats(0, 100)),
    hnp.arrays(np.float64, 3, elements=st.floats(0, 300)),
)
def test_lost_sales_on_hand_matches_the_recursion(
    forecast: np.ndarray, receipts: np.ndarray, on_hand: np.ndarray
) -> None:
    r = project_inventory(
        on_hand=on_hand,
        scheduled_receipts=receipts,
        forecast=forecast,
        unit_price=1.0,
        unit_cost=1.0,
    )
    x = on_hand.copy()
    lost = np.zeros(3)
    for t in range(12):  # the step-by-step definition the closed form replaces
        after = x + receipts[:, t] - forecast[:, t]
        lost += np.maximum(-after, 0)
        x = np.maximum(after, 0)
        np.testing.assert_allclose(r.projected_on_hand[:, t], x, atol=1e-7)
    np.testing.assert_allclose(r.units_short, lost, atol=1e-7)
    np.testing.assert_allclose(r.units_short_by_week.sum(axis=1), lost, atol=1e-7)


def test_long_table_with_custom_column_names() -> None:
    weekly = pd.DataFrame(
        {
            "sku_site": ["b", "a", "a", "a", "b"],
            "wk": ["2026-W02", "2026-W01", "2026-W02", "2026-W03", "2026-W01"],
            "fc": [5.0, 10.0, 10.0, 10.0, 5.0],
            "po": [0.0, 0.0, 0.0, 0.0, 0.0],
        }
    )
    items = pd.DataFrame(
        {"sku_site": ["a", "b"], "oh": [15.0, 100.0], "price": [4.0, 1.0], "cost": [2.0, 0.5]}
    )
    tables = project_inventory_table(
        weekly,
        items,
        series_col="sku_site",
        week_col="wk",
        forecast_col="fc",
        receipts_col="po",
        on_hand_col="oh",
        price_col="price",
        cost_col="cost",
        excess_weeks_of_supply=1,
    )
    summary = tables.summary.set_index("sku_site")
    # a: 15 - 10 = 5, 5 - 10 = -5 (stock-out in W02), -15 -> 15 units short, 60 at risk.
    assert summary.loc["a", "first_stockout_week"] == "2026-W02"
    assert summary.loc["a", "units_short"] == 15
    assert summary.loc["a", "revenue_at_risk"] == 60
    # b has no W03 row: forecast 0 that week. On hand 95, 90, 90; cover 1 week:
    # W01 95 - 5 = 90, W02 90 - 0 = 90, W03 90 - mean(5, 5, 0) = 86.667 -> peak 90 at W01.
    assert pd.isna(summary.loc["b", "first_stockout_week"])
    assert summary.loc["b", "peak_excess_week"] == "2026-W01"
    assert summary.loc["b", "excess_value"] == pytest.approx(45.0)
    assert len(tables.weekly) == 6
    assert list(tables.weekly.columns[:4]) == ["sku_site", "wk", "fc", "po"]


def test_long_table_needs_items_for_every_series() -> None:
    weekly = pd.DataFrame(
        {
            "series_id": ["a", "z"],
            "week": [1, 1],
            "forecast": [1.0, 1.0],
            "scheduled_receipts": [0.0, 0.0],
        }
    )
    items = pd.DataFrame(
        {"series_id": ["a"], "on_hand": [1.0], "unit_price": [1.0], "unit_cost": [1.0]}
    )
    with pytest.raises(DataError, match="no on hand for 1 series of the forecast, first 'z'"):
        project_inventory_table(weekly, items)


def test_long_table_names_missing_columns() -> None:
    with pytest.raises(DataError, match=r"weekly: missing column\(s\) \['forecast'"):
        project_inventory_table(pd.DataFrame({"series_id": [], "week": []}), pd.DataFrame())


def test_negative_forecast_is_refused() -> None:
    with pytest.raises(DataError, match=r"forecast: 1 row .*\(first at index \(0, 1\): -1.0\)"):
        project_inventory(
            on_hand=[1.0],
            scheduled_receipts=0.0,
            forecast=[[1.0, -1.0]],
            unit_price=1.0,
            unit_cost=1.0,
        )
