"""Demand for the plans: the latest forecast run, or trailing order lines without one.

* **forecast**: the run ``run_id``, else the latest ``forecast_runs`` row by
  ``created_at``, read through :func:`obeya.demand.stored_forecast` (the one reader of
  stored forecasts): ``adjusted`` where a planner set it, else ``forecast``, units per
  period of the run's grain (the mean if a series has several rows in one period).
  The as-of date is the run's ``as_of``.
* **order_history** (no forecast tables, or no run in them): the daily rate of
  ``qty_ordered`` of order lines that are not cancelled, ordered in the
  ``history_days`` days up to the as-of date (the latest ``order_date``), projected
  flat over the periods that start after the as-of date.

:meth:`DemandBasis.periods` cuts either into periods of any grain. A forecast
period's units are spread evenly over its calendar days, so a monthly run gives a
week 7/31 of a 31-day month, and only periods the run covers in full are kept.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from enum import StrEnum

import ibis
import numpy as np
import pandas as pd

from obeya.demand import latest_run_id, run_info, stored_forecast
from obeya.errors import DataError, WarehouseError
from obeya.planning._periods import DateArray, as_days, floor, labels, next_start, period_range
from obeya.planning.capacity import PeriodGrain
from obeya.warehouse import Warehouse

__all__ = ["DemandBasis", "DemandFrame", "DemandSource", "read_demand"]

_KEYS = ["sku", "site_id"]


class DemandSource(StrEnum):
    """Where the plan's demand came from."""

    FORECAST = "forecast"
    ORDER_HISTORY = "order_history"


@dataclass(frozen=True)
class DemandFrame:
    """Demand per SKU, site and period of one grain.

    ``table``: sku, site_id, family, period_start (``datetime64[D]``), period, units;
    ``starts`` the period starts in order (also periods without demand).
    """

    table: pd.DataFrame
    starts: DateArray
    grain: PeriodGrain
    source: DemandSource
    run_id: str | None
    as_of: dt.date

    @property
    def ends(self) -> DateArray:
        return next_start(self.starts, self.grain)

    @property
    def labels(self) -> list[str]:
        return labels(self.starts, self.grain)

    @property
    def total(self) -> float:
        return float(self.table["units"].sum())

    def with_units(self, units: np.ndarray) -> DemandFrame:
        """The same frame with new units (a scenario's adjusted demand)."""
        return replace(self, table=self.table.assign(units=units))


@dataclass(frozen=True)
class DemandBasis:
    """Demand as read: forecast rows of the run's grain, or daily rates per series.

    ``rows``: sku, site_id, family and either period_start, period_end, units
    (forecast) or daily_rate (order history).
    """

    source: DemandSource
    run_id: str | None
    run_grain: PeriodGrain | None
    as_of: dt.date
    rows: pd.DataFrame

    def periods(
        self,
        grain: PeriodGrain,
        *,
        start: dt.date | None = None,
        end: dt.date | None = None,
        horizon: int | None = None,
    ) -> DemandFrame:
        """Demand in periods of ``grain`` from ``start``'s period to ``end`` (inclusive).

        Without ``start`` the forecast's first full period, or for order history the
        first period after the as-of date. ``horizon`` caps the number of periods
        (needed for order history when ``end`` is not given).
        """
        if self.source is DemandSource.FORECAST:
            starts, table = self._forecast_periods(grain)
        else:
            first = (
                floor([start], grain)[0]
                if start is not None
                else next_start(floor([self.as_of], grain), grain)[0]
            )
            if end is not None:
                span = max(int((np.datetime64(end, "D") - first).astype(np.int64)) + 1, 0)
                starts = period_range(first, span, grain)
                starts = starts[starts <= np.datetime64(end, "D")]
            else:
                starts = period_range(first, horizon or 12, grain)
            table = self._rate_periods(starts, grain)
        keep = np.ones(starts.size, dtype=bool)
        if start is not None:
            keep &= starts >= floor([start], grain)[0]
        if end is not None:
            keep &= starts <= np.datetime64(end, "D")
        starts = starts[keep]
        if horizon is not None:
            starts = starts[:horizon]
        if starts.size == 0:
            raise DataError(
                f"no {grain.value} periods of demand between {start or 'the start'} and "
                f"{end or 'the end'} ({self.source.value}); widen --from/--to"
            )
        table = table.loc[table["period_start"].isin(starts)].reset_index(drop=True)
        table = table.assign(
            period=pd.Series(labels(table["period_start"].to_numpy(), grain), dtype=object)
        )
        return DemandFrame(
            table=table[["sku", "site_id", "family", "period_start", "period", "units"]],
            starts=starts,
            grain=grain,
            source=self.source,
            run_id=self.run_id,
            as_of=self.as_of,
        )

    def _forecast_periods(self, grain: PeriodGrain) -> tuple[DateArray, pd.DataFrame]:
        rows = self.rows
        if rows.empty:
            return np.zeros(0, dtype="datetime64[D]"), rows.assign(units=[])
        f_start = as_days(rows["period_start"].to_numpy())
        f_end = as_days(rows["period_end"].to_numpy())
        lo, hi = f_start.min(), f_end.max()
        count = int((hi - lo).astype(np.int64)) + 1
        starts = period_range(lo, count, grain)
        starts = starts[(starts >= lo) & (next_start(starts, grain) <= hi)]
        ends = next_start(starts, grain)
        # Overlap of every distinct forecast period with every target period (few x few).
        fp = pd.DataFrame({"period_start": np.unique(f_start)})
        fp["period_end"] = next_start(fp["period_start"].to_numpy(), self.run_grain or grain)
        cross = fp.merge(pd.DataFrame({"t_start": starts, "t_end": ends}), how="cross")
        lo_d = np.maximum(as_days(cross["period_start"]), as_days(cross["t_start"]))
        hi_d = np.minimum(as_days(cross["period_end"]), as_days(cross["t_end"]))
        overlap = np.maximum((hi_d - lo_d).astype(np.int64), 0)
        length = (as_days(cross["period_end"]) - as_days(cross["period_start"])).astype(np.int64)
        cross["share"] = overlap / length
        cross = cross.loc[cross["share"] > 0, ["period_start", "t_start", "share"]]
        base = rows.assign(period_start=f_start)
        merged = base.merge(cross, on="period_start")
        merged["units"] = merged["units"] * merged["share"]
        out = (
            merged.groupby([*_KEYS, "family", "t_start"], as_index=False)["units"]
            .sum()
            .rename(columns={"t_start": "period_start"})
        )
        out["period_start"] = as_days(out["period_start"].to_numpy())
        return starts, out

    def _rate_periods(self, starts: DateArray, grain: PeriodGrain) -> pd.DataFrame:
        days = (next_start(starts, grain) - starts).astype(np.int64)
        rows = self.rows
        n, m = len(rows), starts.size
        return pd.DataFrame(
            {
                "sku": np.repeat(rows["sku"].to_numpy(), m),
                "site_id": np.repeat(rows["site_id"].to_numpy(), m),
                "family": np.repeat(rows["family"].to_numpy(), m),
                "period_start": np.tile(starts, n),
                "units": (rows["daily_rate"].to_numpy()[:, None] * days[None, :]).ravel(),
            }
        )


def _date(value: object) -> dt.date:
    return dt.date.fromisoformat(str(value)[:10])


def latest_order_date(wh: Warehouse) -> dt.date:
    """The latest ``order_date`` (the default as-of date); refused when there is none."""
    latest = wh.table("order_lines").order_date.max().execute()
    if latest is None or pd.isna(latest):
        raise DataError(
            "order_lines is empty, so there is no demand to plan from and no as-of date; "
            "load order lines (obeya load) or run obeya demo"
        )
    return _date(latest)


def _families(wh: Warehouse) -> pd.DataFrame:
    return wh.table("products").select("sku", "family").to_pandas().astype(str)


def _forecast_basis(wh: Warehouse, run_id: str | None) -> DemandBasis | None:
    """The run through :mod:`obeya.demand.stored`, the one reader of stored forecasts."""
    if run_id is None:
        run_id = latest_run_id(wh)
        if run_id is None:
            return None
    try:
        run = run_info(wh, run_id)
    except WarehouseError as exc:
        raise DataError(
            f"forecast run {run_id!r} is not in forecast_runs; leave out --run to use the "
            "latest run, or list the runs: obeya forecast runs"
        ) from exc
    if run.grain not in {g.value for g in PeriodGrain}:
        raise DataError(
            f"forecast run {run.run_id!r} has grain {run.grain!r}; plans read runs by "
            "day, week or month"
        )
    grain = PeriodGrain(run.grain)
    fc = stored_forecast(wh, run.run_id)
    per = (
        fc.group_by(["sku", "site_id", "period_start"])
        .aggregate(units=fc.forecast.mean())
        .to_pandas()
    )
    per["sku"] = per["sku"].astype(str)
    per["site_id"] = per["site_id"].astype(str)
    starts = floor(as_days(pd.to_datetime(per["period_start"]).to_numpy()), grain)
    per["period_start"] = starts
    per["period_end"] = next_start(starts, grain)
    per["units"] = per["units"].fillna(0.0).clip(lower=0.0)
    per = per.merge(_families(wh), on="sku", how="left")
    per["family"] = per["family"].fillna("(unknown)")
    as_of = _date(run.as_of) if run.as_of is not None else latest_order_date(wh)
    return DemandBasis(DemandSource.FORECAST, run.run_id, grain, as_of, per)


def _history_basis(wh: Warehouse, history_days: int) -> DemandBasis:
    as_of = latest_order_date(wh)
    since = as_of - dt.timedelta(days=history_days)
    lines = wh.table("order_lines")
    kept = lines.filter(
        lines.status != "cancelled",
        lines.order_date > ibis.date(since),
        lines.order_date <= ibis.date(as_of),
    )
    rates = (
        kept.group_by(_KEYS)
        .aggregate(daily_rate=kept.qty_ordered.sum() / float(history_days))
        .to_pandas()
        .astype({"sku": str, "site_id": str})
    )
    rates = rates.merge(_families(wh), on="sku", how="left")
    rates["family"] = rates["family"].fillna("(unknown)")
    rates = rates.sort_values(_KEYS).reset_index(drop=True)
    return DemandBasis(DemandSource.ORDER_HISTORY, None, None, as_of, rates)


def read_demand(wh: Warehouse, *, run_id: str | None = None, history_days: int = 91) -> DemandBasis:
    """The latest forecast run (or ``run_id``), else the trailing order-line rate."""
    basis = _forecast_basis(wh, run_id)
    return basis if basis is not None else _history_basis(wh, history_days)
