"""Week-by-week inventory projection: stock-outs, units short, revenue at risk, excess.

For every series (SKU x site) and week ``t``:

* ``projected_balance[t] = on_hand + sum_{u <= t} (receipts[u] - forecast[u])``, the
  planner's projected available balance; below zero it is demand not covered.
* ``projected_on_hand[t]``: the physical stock if uncovered demand is lost rather
  than carried: ``balance[t] - min(0, min_{u <= t} balance[u])`` (the reflected
  walk of ``x_t = max(0, x_{t-1} + receipts_t - forecast_t)``, in closed form).
* ``units_short_by_week``: demand that stock cannot meet in week ``t`` (the growth of
  ``-min(0, running minimum of the balance)``). Their sum, ``units_short``, equals the
  deepest negative balance: the quantity that would have to be expedited.
* ``first_stockout_week``: the first week whose balance is below zero (-1 if none).
* ``revenue_at_risk = units_short * unit_price``.
* ``excess_by_week[t] = max(0, projected_on_hand[t] - forecast of weeks t+1..t+N)``
  with ``N = excess_weeks_of_supply``; weeks past the horizon are taken at the
  series' mean weekly forecast. The peak over the horizon is valued at ``unit_cost``.

All of it is cumulative sums and running minima over ``[n_series, n_weeks]`` arrays.
:func:`project_inventory_table` does the same from a long table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from obeya.errors import DataError
from obeya.inventory._normal import FloatArray
from obeya.inventory._validate import as_float_array, require

__all__ = [
    "ProjectionResult",
    "ProjectionTables",
    "project_inventory",
    "project_inventory_table",
]

_EPS = 1e-9  # a balance within this of zero is zero (sums of floats)


@dataclass(frozen=True, slots=True)
class ProjectionResult:
    """Projection arrays: ``[n_series, n_weeks]`` per week, ``[n_series]`` per series."""

    projected_balance: FloatArray
    projected_on_hand: FloatArray
    units_short_by_week: FloatArray
    forward_demand: FloatArray
    excess_by_week: FloatArray
    first_stockout_week: NDArray[np.int64]
    units_short: FloatArray
    revenue_at_risk: FloatArray
    peak_excess_units: FloatArray
    peak_excess_week: NDArray[np.int64]
    excess_value: FloatArray
    excess_weeks_of_supply: int


@dataclass(frozen=True, slots=True)
class ProjectionTables:
    """The projection as tables: one row per series and week, and one per series."""

    weekly: pd.DataFrame
    summary: pd.DataFrame


def project_inventory(
    *,
    on_hand: ArrayLike,
    scheduled_receipts: ArrayLike,
    forecast: ArrayLike,
    unit_price: ArrayLike,
    unit_cost: ArrayLike,
    excess_weeks_of_supply: int = 8,
) -> ProjectionResult:
    """Project every series over the forecast horizon (see the module docstring)."""
    demand = as_float_array("forecast", forecast)
    if demand.ndim != 2 or demand.shape[1] == 0:
        raise DataError(
            f"forecast: expected shape [n_series, n_weeks] with at least one week, got "
            f"{demand.shape}"
        )
    n, weeks = demand.shape
    receipts = np.broadcast_to(as_float_array("scheduled_receipts", scheduled_receipts), (n, weeks))
    stock = _per_series("on_hand", on_hand, n)
    price = _per_series("unit_price", unit_price, n)
    cost = _per_series("unit_cost", unit_cost, n)
    fix = "correct the input"
    require("forecast", demand, demand >= 0, "be >= 0", fix)
    require("scheduled_receipts", receipts, receipts >= 0, "be >= 0", fix)
    require("on_hand", stock, stock >= 0, "be >= 0 (net out backorders separately)", fix)
    require("unit_price", price, price >= 0, "be >= 0", fix)
    require("unit_cost", cost, cost >= 0, "be >= 0", fix)
    if int(excess_weeks_of_supply) != excess_weeks_of_supply or excess_weeks_of_supply < 1:
        raise DataError(
            f"excess_weeks_of_supply = {excess_weeks_of_supply!r}: must be a whole number of "
            "weeks >= 1, such as 8"
        )
    cover = int(excess_weeks_of_supply)

    balance = stock[:, None] + np.cumsum(receipts - demand, axis=1)
    balance = np.where(np.abs(balance) < _EPS, 0.0, balance)
    lost = -np.minimum(np.minimum.accumulate(balance, axis=1), 0.0)
    physical = balance + lost
    short_by_week = np.diff(lost, axis=1, prepend=0.0)
    negative = balance < 0
    first = np.where(negative.any(axis=1), negative.argmax(axis=1), -1).astype(np.int64)
    units_short = lost[:, -1]

    tail = np.repeat(demand.mean(axis=1, keepdims=True), cover, axis=1)
    cumulative = np.concatenate(
        [np.zeros((n, 1)), np.cumsum(np.concatenate([demand, tail], axis=1), axis=1)], axis=1
    )
    forward = cumulative[:, 1 + cover : 1 + cover + weeks] - cumulative[:, 1 : 1 + weeks]
    excess = np.maximum(physical - forward, 0.0)
    peak_week = excess.argmax(axis=1).astype(np.int64)
    peak = excess[np.arange(n), peak_week]
    peak_week = np.where(peak > 0, peak_week, -1)
    return ProjectionResult(
        projected_balance=balance,
        projected_on_hand=physical,
        units_short_by_week=short_by_week,
        forward_demand=forward,
        excess_by_week=excess,
        first_stockout_week=first,
        units_short=units_short,
        revenue_at_risk=units_short * price,
        peak_excess_units=peak,
        peak_excess_week=peak_week,
        excess_value=peak * cost,
        excess_weeks_of_supply=cover,
    )


def _per_series(name: str, value: ArrayLike, n: int) -> FloatArray:
    array = as_float_array(name, value)
    if array.ndim > 1 or (array.ndim == 1 and array.size not in (1, n)):
        raise DataError(f"{name}: expected one value per series ({n}), got shape {array.shape}")
    return np.broadcast_to(array, (n,)).astype(np.float64)


def project_inventory_table(
    weekly: pd.DataFrame,
    items: pd.DataFrame,
    *,
    series_col: str = "series_id",
    week_col: str = "week",
    forecast_col: str = "forecast",
    receipts_col: str | None = "scheduled_receipts",
    on_hand_col: str = "on_hand",
    price_col: str = "unit_price",
    cost_col: str = "unit_cost",
    excess_weeks_of_supply: int = 8,
) -> ProjectionTables:
    """Project from a long table of weekly forecast and receipts.

    ``weekly`` has one row per (series, week) with the forecast and, if
    ``receipts_col`` is given, scheduled receipts; weeks absent for a series count as
    zero. ``items`` has one row per series with on hand, price and cost. Every series
    in ``weekly`` must be in ``items``. Column names are configurable.
    """
    needed = [series_col, week_col, forecast_col] + ([receipts_col] if receipts_col else [])
    _require_columns("weekly", weekly, needed)
    _require_columns("items", items, [series_col, on_hand_col, price_col, cost_col])
    duplicated = weekly.duplicated([series_col, week_col])
    if duplicated.any():
        row = weekly.loc[duplicated].iloc[0]
        raise DataError(
            f"weekly: {int(duplicated.sum())} duplicate ({series_col}, {week_col}) rows, first "
            f"({row[series_col]!r}, {row[week_col]!r}); sum them into one row per week"
        )
    if items[series_col].duplicated().any():
        raise DataError(f"items: {series_col} repeats; give one row per series")
    series = np.sort(weekly[series_col].unique())
    weeks = np.sort(weekly[week_col].unique())
    grid = pd.MultiIndex.from_product([series, weeks], names=[series_col, week_col])
    indexed = weekly.set_index([series_col, week_col])
    demand = indexed[forecast_col].reindex(grid, fill_value=0.0).to_numpy(np.float64)
    if receipts_col:
        receipts = indexed[receipts_col].reindex(grid, fill_value=0.0).to_numpy(np.float64)
    else:
        receipts = np.zeros(demand.size)
    item = items.set_index(series_col).reindex(series)
    missing = item[on_hand_col].isna()
    if missing.any():
        raise DataError(
            f"items: no on hand for {int(missing.sum())} series of the forecast, first "
            f"{series[missing.to_numpy()][0]!r}; add them to items (on hand 0 if none)"
        )
    shape = (series.size, weeks.size)
    result = project_inventory(
        on_hand=item[on_hand_col].to_numpy(np.float64),
        scheduled_receipts=receipts.reshape(shape),
        forecast=demand.reshape(shape),
        unit_price=item[price_col].to_numpy(np.float64),
        unit_cost=item[cost_col].to_numpy(np.float64),
        excess_weeks_of_supply=excess_weeks_of_supply,
    )
    weekly_out = pd.DataFrame(
        {
            series_col: np.repeat(series, weeks.size),
            week_col: np.tile(weeks, series.size),
            forecast_col: demand,
            "scheduled_receipts" if receipts_col is None else receipts_col: receipts,
            "projected_balance": result.projected_balance.ravel(),
            "projected_on_hand": result.projected_on_hand.ravel(),
            "units_short": result.units_short_by_week.ravel(),
            "excess_units": result.excess_by_week.ravel(),
        }
    )
    first = result.first_stockout_week
    peak = result.peak_excess_week
    summary = pd.DataFrame(
        {
            series_col: series,
            "first_stockout_week": pd.Series(weeks[np.maximum(first, 0)]).where(first >= 0),
            "units_short": result.units_short,
            "revenue_at_risk": result.revenue_at_risk,
            "peak_excess_units": result.peak_excess_units,
            "peak_excess_week": pd.Series(weeks[np.maximum(peak, 0)]).where(peak >= 0),
            "excess_value": result.excess_value,
        }
    )
    return ProjectionTables(weekly=weekly_out, summary=summary)


def _require_columns(name: str, frame: pd.DataFrame, columns: list[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(
            f"{name}: missing column(s) {missing}; present: {list(frame.columns)}. "
            "Rename them or pass the column names as arguments"
        )
