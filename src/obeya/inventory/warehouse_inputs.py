"""Per SKU x site statistics for inventory planning, computed in the warehouse.

Each family of statistics is one Ibis query aggregated to SKU x site (or to SKU x
site x week for the demand history); NumPy then lines the families up on one list of
series. Nothing here loops over rows of a fact table.

Families and their rules (see ``docs/inventory.md``, "Inputs from the warehouse"):

* **demand history**: ``qty_ordered`` of order lines that are not cancelled, by
  ``order_date``, summed per ISO week over the ``history_weeks`` complete weeks that
  end before the week holding ``as_of + 1 day``. Weeks without an order count as 0.
  Mean and sample sd per week (``ddof = 1``).
* **forecast** (latest ``forecast_runs`` row by ``created_at``, or ``run_id``, read
  through :mod:`obeya.demand.stored`, the one reader of stored forecasts): the
  mean per week of ``coalesce(adjusted, forecast)`` over the run's periods; a
  period of the run's grain counts as ``weeks_per_period`` weeks.
* **backtest error**: the RMSE of ``forecast - actual`` per series in
  ``forecast_backtests`` of that run, for the model the run's forecast uses (all the
  series' models when none matches: :func:`obeya.demand.stored_backtest_errors`),
  scaled to a week like the forecast.
* **lead time**: ``receipt_date - order_date`` in days of purchase order lines
  received in the ``lead_time_window_days`` up to ``as_of`` (mean and sample sd,
  sd 0 for a single receipt); else the mean ``contract_lead_time_days`` of the
  suppliers on the series' purchase order lines (sd 0); else a default (sd 0).
* **stock**: ``qty_on_hand`` at each site's latest ``inventory_snapshots`` date on
  or before ``as_of``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa
from numpy.typing import NDArray

from obeya.demand import latest_run_id, run_info, stored_backtest_errors, stored_forecast
from obeya.errors import DataError, WarehouseError
from obeya.inventory._normal import FloatArray
from obeya.warehouse import Warehouse

__all__ = [
    "DemandSource",
    "ForecastRun",
    "InputSettings",
    "LeadTimeSource",
    "SdSource",
    "SeriesInputs",
    "current_stock",
    "demand_window",
    "latest_forecast_run",
    "read_series_inputs",
    "resolve_as_of",
    "weekly_demand",
]

StrArray = NDArray[np.str_]
_KEYS = ["sku", "site_id"]
_WEEKS_PER_PERIOD = {"day": 1.0 / 7.0, "week": 1.0, "month": 365.25 / 12.0 / 7.0}
FORECAST_TABLES = ("forecast_runs", "forecasts", "forecast_backtests")


class DemandSource(StrEnum):
    """Where a series' mean weekly demand comes from."""

    FORECAST = "forecast"
    HISTORY = "history"


class SdSource(StrEnum):
    """Where a series' weekly demand sd comes from."""

    BACKTEST = "backtest"
    HISTORY = "history"


class LeadTimeSource(StrEnum):
    """Where a series' lead time comes from (in this order of preference)."""

    RECEIPTS = "receipts"
    CONTRACT = "contract"
    DEFAULT = "default"


@dataclass(frozen=True, slots=True)
class InputSettings:
    """How the statistics are read; the defaults are documented in docs/inventory.md."""

    as_of: dt.date | None = None
    history_weeks: int = 26
    lead_time_window_days: int = 365
    default_lead_time_days: float = 14.0
    run_id: str | None = None
    use_forecast: bool = True

    def __post_init__(self) -> None:
        if self.history_weeks < 2:
            raise DataError(
                f"history_weeks = {self.history_weeks!r}: needs at least 2 weeks to measure "
                "variability; use 26 or 52"
            )
        if self.lead_time_window_days < 1:
            raise DataError(
                f"lead_time_window_days = {self.lead_time_window_days!r}: must be >= 1 day"
            )
        if not (np.isfinite(self.default_lead_time_days) and self.default_lead_time_days >= 0):
            raise DataError(
                f"default lead time = {self.default_lead_time_days!r} days: must be a "
                "number of days >= 0, such as 14"
            )


@dataclass(frozen=True, slots=True)
class ForecastRun:
    """The forecast run the statistics come from."""

    run_id: str
    grain: str
    created_at: dt.datetime | None

    @property
    def weeks_per_period(self) -> float:
        return _WEEKS_PER_PERIOD[self.grain]


@dataclass(frozen=True, slots=True)
class SeriesInputs:
    """Everything the planner needs, one entry per SKU x site (arrays of length n).

    ``history`` is ``[n, history_weeks]`` weekly demand (0 for weeks without orders),
    ``weeks`` its week starts (Mondays). Demand is per week, lead times in days.
    ``forecast_mean`` and ``backtest_rmse`` are NaN for series the run lacks.
    """

    as_of: dt.date
    weeks: tuple[dt.date, ...]
    run: ForecastRun | None
    sku: StrArray
    site_id: StrArray
    unit_cost: FloatArray
    unit_price: FloatArray
    lifecycle: StrArray
    demand_class: StrArray
    history: FloatArray
    history_mean: FloatArray
    history_sd: FloatArray
    forecast_mean: FloatArray
    backtest_rmse: FloatArray
    demand_mean: FloatArray
    demand_sd: FloatArray
    demand_source: StrArray
    sd_source: StrArray
    lead_time_mean_days: FloatArray
    lead_time_sd_days: FloatArray
    lead_time_source: StrArray
    receipts: NDArray[np.int64]
    on_hand: FloatArray

    @property
    def size(self) -> int:
        return int(self.sku.size)


# --- dates and the demand window ------------------------------------------------------


def resolve_as_of(wh: Warehouse, as_of: dt.date | None = None) -> dt.date:
    """``as_of`` if given, else the latest ``order_date`` in ``order_lines``."""
    if as_of is not None:
        return as_of
    latest = wh.table("order_lines").order_date.max().execute()
    if latest is None or pd.isna(latest):
        raise DataError(
            "order_lines is empty, so there is no demand to plan from and no as-of date; "
            "load order lines (obeya load) or run obeya demo"
        )
    day: dt.date = pd.Timestamp(latest).date()
    return day


def demand_window(as_of: dt.date, weeks: int) -> tuple[dt.date, dt.date]:
    """``[start, end)`` of the ``weeks`` complete ISO weeks before the week of ``as_of + 1``.

    A Sunday ``as_of`` closes its week, so that week is the last one counted; any
    other day leaves its week out as incomplete.
    """
    next_day = as_of + dt.timedelta(days=1)
    end = next_day - dt.timedelta(days=next_day.weekday())
    return end - dt.timedelta(weeks=weeks), end


def weekly_demand(wh: Warehouse, start: dt.date, end: dt.date) -> ir.Table:
    """Order-line demand per SKU x site x ISO week (``week`` is the Monday), ``[start, end)``."""
    lines = wh.table("order_lines")
    kept = lines.filter(
        lines.status != "cancelled",
        lines.order_date >= ibis.date(start),
        lines.order_date < ibis.date(end),
    )
    weekly = kept.mutate(week=kept.order_date.truncate("W"))
    return weekly.group_by(["sku", "site_id", "week"]).aggregate(qty=weekly.qty_ordered.sum())


def _history_stats(weekly: ir.Table, weeks: int) -> ir.Table:
    """Mean and sample sd per week over ``weeks`` weeks, zero weeks included.

    ``var = (sum x^2 - (sum x)^2 / W) / (W - 1)`` over all W weeks: weeks without
    orders add nothing to either sum, so no dense grid is needed.
    """
    grouped = weekly.group_by(_KEYS).aggregate(
        total=weekly.qty.sum(), squares=(weekly.qty * weekly.qty).sum()
    )
    variance = (grouped.squares - grouped.total * grouped.total / weeks) / (weeks - 1)
    return grouped.select(
        "sku",
        "site_id",
        history_mean=grouped.total / weeks,
        history_sd=ibis.greatest(variance, 0.0).sqrt(),
    )


# --- forecasts ------------------------------------------------------------------------


def latest_forecast_run(wh: Warehouse, run_id: str | None = None) -> ForecastRun | None:
    """The run ``run_id`` (refused if absent), else the latest run, else None.

    Runs are found through :mod:`obeya.demand.stored`, the one reader of stored
    forecasts; a run is only used when its backtests are stored too.
    """
    if not set(FORECAST_TABLES) <= wh.existing_tables():
        if run_id is not None:
            raise DataError(
                f"forecast run {run_id!r}: the warehouse has no forecast tables; "
                "run a forecast first (obeya forecast run) or leave out --run"
            )
        return None
    if run_id is None:
        run_id = latest_run_id(wh)
        if run_id is None:
            return None
    try:
        info = run_info(wh, run_id)
    except WarehouseError as exc:
        raise DataError(
            f"forecast run {run_id!r} is not in forecast_runs; leave out --run to use the "
            "latest run, or list runs with obeya forecast runs"
        ) from exc
    if info.grain not in _WEEKS_PER_PERIOD:
        raise DataError(
            f"forecast run {info.run_id!r} has grain {info.grain!r}; inventory planning reads "
            f"runs of grain {sorted(_WEEKS_PER_PERIOD)}; forecast at week grain"
        )
    return ForecastRun(run_id=info.run_id, grain=info.grain, created_at=info.created_at)


def _forecast_stats(wh: Warehouse, run: ForecastRun) -> ir.Table:
    fc = stored_forecast(wh, run.run_id)
    per_period = fc.group_by([*_KEYS, "period_start"]).aggregate(
        value=fc.forecast.mean(), demand_class=fc.demand_class.max()
    )
    return per_period.group_by(_KEYS).aggregate(
        forecast_mean=per_period.value.mean() / run.weeks_per_period,
        demand_class=per_period.demand_class.max(),
    )


def _backtest_stats(wh: Warehouse, run: ForecastRun) -> ir.Table:
    errors = stored_backtest_errors(wh, run.run_id)
    # A period's error sd over sqrt(weeks in the period) is the weekly sd, for
    # independent weeks.
    return errors.select(
        "sku", "site_id", backtest_rmse=errors.rmse / float(np.sqrt(run.weeks_per_period))
    )


# --- lead times and stock -------------------------------------------------------------


def _lead_time_stats(wh: Warehouse, as_of: dt.date, window_days: int) -> ir.Table:
    po = wh.table("purchase_order_lines")
    suppliers = wh.table("suppliers").select(s_id="supplier_id", contract="contract_lead_time_days")
    po = po.filter(po.order_date <= ibis.date(as_of))
    joined = po.left_join(suppliers, po.supplier_id == suppliers.s_id)
    since = as_of - dt.timedelta(days=window_days)
    recent = (
        joined.receipt_date.notnull()
        & (joined.receipt_date > ibis.date(since))
        & (joined.receipt_date <= ibis.date(as_of))
    )
    days = joined.receipt_date.delta(joined.order_date, unit="day").cast("float64")
    joined = joined.mutate(days=days, recent=recent)
    return joined.group_by(_KEYS).aggregate(
        receipts=joined.days.count(where=joined.recent),
        lt_mean=joined.days.mean(where=joined.recent),
        lt_sd=joined.days.std(where=joined.recent),
        contract=joined.contract.cast("float64").mean(),
    )


def current_stock(wh: Warehouse, as_of: dt.date | None = None) -> tuple[pa.Table, dt.date | None]:
    """On hand per SKU x site at each site's latest snapshot (on or before ``as_of``).

    Returns the table (``sku``, ``site_id``, ``on_hand``) and the latest snapshot date
    of all sites (None when there are no snapshots).
    """
    snap = wh.table("inventory_snapshots")
    if as_of is not None:
        snap = snap.filter(snap.snapshot_date <= ibis.date(as_of))
    latest = snap.group_by("site_id").aggregate(last=snap.snapshot_date.max())
    latest = latest.select(l_site="site_id", last="last")
    joined = snap.join(latest, [snap.site_id == latest.l_site, snap.snapshot_date == latest.last])
    stock = joined.group_by(_KEYS).aggregate(on_hand=joined.qty_on_hand.sum()).to_pyarrow()
    last = snap.snapshot_date.max().execute()
    when = None if last is None or pd.isna(last) else pd.Timestamp(last).date()
    return stock, when


# --- putting the families together ----------------------------------------------------


def read_series_inputs(wh: Warehouse, settings: InputSettings = InputSettings()) -> SeriesInputs:
    """Read every statistic family and line them up on the union of series.

    A series (SKU x site) is planned when it had demand in the history window, is in
    the forecast run, or holds stock at the latest snapshot.
    """
    as_of = resolve_as_of(wh, settings.as_of)
    start, end = demand_window(as_of, settings.history_weeks)
    run = latest_forecast_run(wh, settings.run_id) if settings.use_forecast else None
    weekly_expr = weekly_demand(wh, start, end)
    weekly = weekly_expr.to_pandas()
    frames: list[pd.DataFrame] = [_history_stats(weekly_expr, settings.history_weeks).to_pandas()]
    if run is not None:
        frames.append(_forecast_stats(wh, run).to_pandas())
        frames.append(_backtest_stats(wh, run).to_pandas())
    lead = _lead_time_stats(wh, as_of, settings.lead_time_window_days).to_pandas()
    stock_table, _ = current_stock(wh, as_of)
    stock = stock_table.to_pandas()
    keys = pd.concat(
        [f[_KEYS] for f in frames] + [stock.loc[stock.on_hand > 0, _KEYS]], ignore_index=True
    ).drop_duplicates()
    series = keys.sort_values(_KEYS, kind="stable").reset_index(drop=True)
    for frame in [*frames, lead, stock]:
        series = series.merge(frame, on=_KEYS, how="left")
    products = (
        wh.table("products").select("sku", "unit_cost", "unit_price", "lifecycle").to_pandas()
    )
    series = series.merge(products, on="sku", how="left")
    if series.empty:
        raise DataError(
            f"no SKU x site to plan: no demand in the {settings.history_weeks} weeks "
            f"{start} to {end - dt.timedelta(days=1)}, no forecast and no stock on hand; "
            "load order lines and inventory snapshots, or pass an earlier --as-of"
        )
    return _assemble(series, weekly, run, as_of, start, settings)


def _assemble(
    series: pd.DataFrame,
    weekly: pd.DataFrame,
    run: ForecastRun | None,
    as_of: dt.date,
    start: dt.date,
    settings: InputSettings,
) -> SeriesInputs:
    n = len(series)
    weeks = settings.history_weeks
    history = np.zeros((n, weeks))
    if not weekly.empty:
        position = pd.Series(np.arange(n), index=pd.MultiIndex.from_frame(series[_KEYS]))
        rows = position.reindex(pd.MultiIndex.from_frame(weekly[_KEYS])).to_numpy()
        offset = (pd.to_datetime(weekly["week"]) - pd.Timestamp(start)).dt.days.to_numpy() // 7
        history[rows.astype(np.int64), offset.astype(np.int64)] = weekly["qty"].to_numpy(float)

    def column(name: str, fill: float = np.nan) -> FloatArray:
        if name not in series:
            return np.full(n, fill)
        values: FloatArray = series[name].astype(float).fillna(fill).to_numpy(np.float64)
        return values

    def text(name: str) -> StrArray:
        if name not in series:
            return np.full(n, "", dtype=object).astype(str)
        values: StrArray = series[name].fillna("").astype(str).to_numpy().astype(str)
        return values

    history_mean = column("history_mean", 0.0)
    history_sd = column("history_sd", 0.0)
    forecast_mean = column("forecast_mean")
    rmse = column("backtest_rmse")
    has_forecast = np.isfinite(forecast_mean)
    has_backtest = np.isfinite(rmse)
    receipts = column("receipts", 0.0).astype(np.int64)
    lt_mean = column("lt_mean")
    lt_sd = column("lt_sd", 0.0)
    contract = column("contract")
    by_receipts = receipts > 0
    by_contract = ~by_receipts & np.isfinite(contract)
    lead_source = np.where(
        by_receipts,
        LeadTimeSource.RECEIPTS.value,
        np.where(by_contract, LeadTimeSource.CONTRACT.value, LeadTimeSource.DEFAULT.value),
    )
    lead_mean = np.where(
        by_receipts,
        lt_mean,
        np.where(by_contract, contract, settings.default_lead_time_days),
    )
    lead_sd = np.where(by_receipts, lt_sd, 0.0)
    return SeriesInputs(
        as_of=as_of,
        weeks=tuple(start + dt.timedelta(weeks=k) for k in range(weeks)),
        run=run,
        sku=text("sku"),
        site_id=text("site_id"),
        unit_cost=column("unit_cost", 0.0),
        unit_price=column("unit_price", 0.0),
        lifecycle=text("lifecycle"),
        demand_class=text("demand_class"),
        history=history,
        history_mean=history_mean,
        history_sd=history_sd,
        forecast_mean=forecast_mean,
        backtest_rmse=rmse,
        demand_mean=np.where(has_forecast, forecast_mean, history_mean),
        demand_sd=np.where(has_backtest, rmse, history_sd),
        demand_source=np.where(
            has_forecast, DemandSource.FORECAST.value, DemandSource.HISTORY.value
        ),
        sd_source=np.where(has_backtest, SdSource.BACKTEST.value, SdSource.HISTORY.value),
        lead_time_mean_days=lead_mean,
        lead_time_sd_days=lead_sd,
        lead_time_source=lead_source,
        receipts=receipts,
        on_hand=column("on_hand", 0.0),
    )
