"""Projected stock-outs and excess for every SKU x site, read from the warehouse.

Week 0 is the ISO week holding the day after the latest inventory snapshot. For each
series and week the projection (:func:`project_inventory`) takes:

* **on hand**: ``qty_on_hand`` at each site's latest snapshot;
* **scheduled receipts**: purchase order lines not yet received (``receipt_date`` is
  null), ``qty_ordered - qty_received``, in the week of ``promised_date``, and work
  orders not yet finished (``actual_end`` is null), ``qty_planned - qty_good``, in
  the week of ``planned_end`` (else ``planned_start``); a receipt already past its
  date is counted in week 0, receipts after the horizon are left out;
* **forecast**: the latest forecast run (or ``run_id``), read through
  :func:`obeya.demand.stored_forecast` (``adjusted`` where a planner set it, else the
  statistical forecast), a period of the run's grain spread evenly over its weeks (a
  weekly run maps one to one); weeks the run does not reach take the series' mean
  weekly forecast. Without a forecast run, every week takes the series' mean weekly
  demand of the trailing history window (order lines, as the policy uses).

Stock-outs: the first week the projected balance goes below zero, the units short
and ``units short x unit_price`` of revenue at risk. Excess: stock beyond
``excess_weeks`` weeks of forecast, at its peak over the horizon, valued at
``unit_cost``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa
from numpy.typing import NDArray

from obeya.demand import stored_forecast
from obeya.errors import DataError
from obeya.inventory.projection import ProjectionResult, project_inventory
from obeya.inventory.warehouse_inputs import (
    ForecastRun,
    current_stock,
    demand_window,
    latest_forecast_run,
    weekly_demand,
)
from obeya.warehouse import Warehouse

__all__ = ["InventoryOutlook", "OutlookSettings", "inventory_outlook"]

_KEYS = ["sku", "site_id"]


@dataclass(frozen=True, slots=True)
class OutlookSettings:
    """Horizon, the excess threshold and where the forecast comes from."""

    weeks: int = 26
    excess_weeks: int = 12
    run_id: str | None = None
    history_weeks: int = 26
    worst: int = 10

    def __post_init__(self) -> None:
        for name, value, low in [
            ("weeks", self.weeks, 1),
            ("excess weeks", self.excess_weeks, 1),
            ("history weeks", self.history_weeks, 1),
            ("worst", self.worst, 0),
        ]:
            if value < low:
                raise DataError(f"{name} = {value!r}: must be a whole number >= {low}")


@dataclass(frozen=True, slots=True)
class InventoryOutlook:
    """The projection and its roll-ups.

    ``items`` has one row per series; ``by_site`` sums it per site with a last row
    ``all``; ``stockouts`` and ``excess`` list the worst series by revenue at risk
    and by excess value.
    """

    snapshot_date: dt.date
    start_week: dt.date
    forecast_source: str
    run: ForecastRun | None
    result: ProjectionResult
    items: pd.DataFrame
    by_site: pa.Table
    stockouts: pa.Table
    excess: pa.Table


def _receipts(wh: Warehouse, start: dt.date, end: dt.date) -> ir.Table:
    po = wh.table("purchase_order_lines")
    open_lines = po.filter(po.receipt_date.isnull(), po.qty_ordered > po.qty_received)
    week = ibis.greatest(open_lines.promised_date.truncate("W"), ibis.date(start))
    open_lines = open_lines.mutate(week=week, qty=open_lines.qty_ordered - open_lines.qty_received)
    open_lines = open_lines.filter(open_lines.week < ibis.date(end))
    bought = open_lines.select(*_KEYS, "week", "qty")
    wo = wh.table("work_orders")
    running = wo.filter(wo.actual_end.isnull(), wo.qty_planned > wo.qty_good)
    due = running.planned_end.coalesce(running.planned_start).date().truncate("W")
    running = running.mutate(
        week=ibis.greatest(due, ibis.date(start)), qty=running.qty_planned - running.qty_good
    )
    made = running.filter(running.week < ibis.date(end)).select(*_KEYS, "week", "qty")
    both = bought.union(made)
    return both.group_by([*_KEYS, "week"]).aggregate(qty=both.qty.sum())


def _run_forecast(wh: Warehouse, run: ForecastRun, start: dt.date, weeks: int) -> pd.DataFrame:
    """Weekly forecast per series: ``week_index``, ``qty`` (NaN-free), and which weeks it covers."""
    fc = stored_forecast(wh, run.run_id)  # adjusted where a planner set it, else the forecast
    per_period = fc.group_by([*_KEYS, "period_start"]).aggregate(value=fc.forecast.mean())
    frame = per_period.to_pandas()
    starts = pd.to_datetime(frame["period_start"])
    match run.grain:
        case "week" | "day":
            mondays = starts - pd.to_timedelta(starts.dt.weekday, unit="D")
            frame = frame.assign(monday=mondays, rate=frame["value"])
        case _:  # "month": spread over the weeks whose Monday falls in the month
            grid = pd.DataFrame({"monday": pd.date_range(start, periods=weeks, freq="7D")})
            grid["month"] = grid["monday"].dt.to_period("M").dt.start_time
            days = starts.dt.days_in_month.to_numpy(np.float64)
            frame = frame.assign(month=starts.dt.to_period("M").dt.start_time)
            frame = frame.assign(rate=frame["value"].to_numpy(np.float64) * 7.0 / days)
            frame = frame.merge(grid, on="month", how="inner")
    frame["week_index"] = (frame["monday"] - pd.Timestamp(start)).dt.days // 7
    frame = frame.groupby([*_KEYS, "week_index"], as_index=False)["rate"].sum()
    return frame.rename(columns={"rate": "qty"})


def inventory_outlook(
    wh: Warehouse, settings: OutlookSettings = OutlookSettings()
) -> InventoryOutlook:
    """Project every series from the latest snapshot (see the module docstring)."""
    stock_table, snapshot = current_stock(wh)
    if snapshot is None:
        raise DataError(
            "inventory_snapshots is empty, so there is no stock to project from; "
            "load inventory snapshots (obeya load) or run obeya demo"
        )
    next_day = snapshot + dt.timedelta(days=1)
    start = next_day - dt.timedelta(days=next_day.weekday())
    end = start + dt.timedelta(weeks=settings.weeks)
    run = latest_forecast_run(wh, settings.run_id)
    stock = stock_table.to_pandas()
    receipts = _receipts(wh, start, end).to_pandas()
    receipts["week_index"] = (pd.to_datetime(receipts["week"]) - pd.Timestamp(start)).dt.days // 7
    if run is not None:
        forecast = _run_forecast(wh, run, start, settings.weeks)
        source = f"forecast run {run.run_id}"
    else:
        h_start, h_end = demand_window(snapshot, settings.history_weeks)
        weekly = weekly_demand(wh, h_start, h_end)
        mean = weekly.group_by(_KEYS).aggregate(mean=weekly.qty.sum() / settings.history_weeks)
        forecast = mean.to_pandas()
        source = f"order-line history, {settings.history_weeks} weeks to {h_end}"
    keys = pd.concat(
        [stock.loc[stock.on_hand > 0, _KEYS], receipts[_KEYS], forecast[_KEYS]],
        ignore_index=True,
    ).drop_duplicates()
    series = keys.sort_values(_KEYS, kind="stable").reset_index(drop=True)
    if series.empty:
        raise DataError(
            "nothing to project: no stock on hand, open purchase orders or demand; "
            "load inventory snapshots and order lines"
        )
    n, weeks = len(series), settings.weeks
    index = pd.Series(np.arange(n), index=pd.MultiIndex.from_frame(series[_KEYS]))

    def rows_of(frame: pd.DataFrame) -> NDArray[np.int64]:
        rows: NDArray[np.int64] = index.reindex(pd.MultiIndex.from_frame(frame[_KEYS])).to_numpy(
            np.int64
        )
        return rows

    incoming = np.zeros((n, weeks))
    np.add.at(
        incoming,
        (rows_of(receipts), receipts["week_index"].to_numpy(np.int64)),
        receipts["qty"].to_numpy(np.float64),
    )
    demand = np.zeros((n, weeks))
    if run is not None:
        inside = forecast[(forecast.week_index >= 0) & (forecast.week_index < weeks)]
        np.add.at(
            demand,
            (rows_of(inside), inside["week_index"].to_numpy(np.int64)),
            inside["qty"].to_numpy(np.float64),
        )
        covered = np.zeros(weeks, dtype=bool)
        covered[np.unique(inside["week_index"].to_numpy(np.int64))] = True
        per_series = forecast.groupby(_KEYS)["qty"].mean()
        mean = np.zeros(n)
        mean[rows_of(per_series.reset_index())] = per_series.to_numpy(np.float64)
        demand = np.where(covered[None, :], demand, mean[:, None])
    else:
        mean = np.zeros(n)
        mean[rows_of(forecast)] = forecast["mean"].to_numpy(np.float64)
        demand = np.repeat(mean[:, None], weeks, axis=1)
    on_hand = np.zeros(n)
    held = stock[stock.on_hand > 0]
    on_hand[rows_of(held)] = held["on_hand"].to_numpy(np.float64)
    products = wh.table("products").select("sku", "unit_cost", "unit_price").to_pandas()
    items = series.merge(products, on="sku", how="left").fillna(
        {"unit_cost": 0.0, "unit_price": 0.0}
    )
    result = project_inventory(
        on_hand=on_hand,
        scheduled_receipts=incoming,
        forecast=demand,
        unit_price=items["unit_price"].to_numpy(np.float64),
        unit_cost=items["unit_cost"].to_numpy(np.float64),
        excess_weeks_of_supply=settings.excess_weeks,
    )
    items = _item_frame(items, result, on_hand, incoming, demand, start)
    return InventoryOutlook(
        snapshot_date=snapshot,
        start_week=start,
        forecast_source=source,
        run=run,
        result=result,
        items=items,
        by_site=_by_site(items),
        stockouts=_worst(items, "revenue_at_risk", settings.worst, _STOCKOUT_COLUMNS),
        excess=_worst(items, "excess_value", settings.worst, _EXCESS_COLUMNS),
    )


_STOCKOUT_COLUMNS = [
    "sku",
    "site_id",
    "first_stockout_week",
    "units_short",
    "revenue_at_risk",
    "on_hand",
    "forecast_per_week",
]
_EXCESS_COLUMNS = [
    "sku",
    "site_id",
    "peak_excess_week",
    "excess_units",
    "excess_value",
    "on_hand",
    "forecast_per_week",
]


def _week_label(start: dt.date, index: np.ndarray) -> pd.Series:
    dates = pd.Series(pd.Timestamp(start) + pd.to_timedelta(np.maximum(index, 0) * 7, unit="D"))
    return dates.dt.date.where(index >= 0, None)


def _item_frame(
    items: pd.DataFrame,
    result: ProjectionResult,
    on_hand: np.ndarray,
    incoming: np.ndarray,
    demand: np.ndarray,
    start: dt.date,
) -> pd.DataFrame:
    return items.assign(
        on_hand=on_hand,
        scheduled_receipts=incoming.sum(axis=1),
        forecast_per_week=demand.mean(axis=1),
        first_stockout_week=_week_label(start, result.first_stockout_week),
        units_short=result.units_short,
        revenue_at_risk=result.revenue_at_risk,
        peak_excess_week=_week_label(start, result.peak_excess_week),
        excess_units=result.peak_excess_units,
        excess_value=result.excess_value,
        on_hand_value=on_hand * items["unit_cost"].to_numpy(np.float64),
    )


def _by_site(items: pd.DataFrame) -> pa.Table:
    frame = pd.DataFrame(
        {
            "site_id": items["site_id"],
            "items": 1,
            "on_hand_value": items["on_hand_value"],
            "stockout_items": items["first_stockout_week"].notna().astype(np.int64),
            "units_short": items["units_short"],
            "revenue_at_risk": items["revenue_at_risk"],
            "excess_items": (items["excess_value"] > 0).astype(np.int64),
            "excess_value": items["excess_value"],
        }
    )
    groups = frame.groupby("site_id", sort=True).sum(numeric_only=True).reset_index()
    total = frame.drop(columns=["site_id"]).sum().to_frame().T
    total.insert(0, "site_id", "all")
    table = pd.concat([groups, total], ignore_index=True)
    for name in ("items", "stockout_items", "excess_items"):
        table[name] = table[name].astype(np.int64)
    return pa.Table.from_pandas(table, preserve_index=False)


def _worst(items: pd.DataFrame, by: str, count: int, columns: list[str]) -> pa.Table:
    flagged = items[items[by] > 0].sort_values(
        [by, "sku", "site_id"], ascending=[False, True, True]
    )
    return pa.Table.from_pandas(flagged[columns].head(count), preserve_index=False)
