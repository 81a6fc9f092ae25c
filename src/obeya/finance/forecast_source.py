"""Read the stored demand forecast (the ``forecasts`` table) for the rolling forecast.

Two kinds of ``forecasts`` table are understood:

* **a run of obeya's demand forecast** (``obeya forecast run``: the table has
  ``run_id, sku, site_id, period_start, forecast, adjusted`` and ``forecast_runs``
  exists). It is read through :func:`obeya.demand.stored_forecast`, the one reader of
  stored runs: the latest run by ``forecast_runs.created_at``, ``adjusted`` where a
  planner set it, else ``forecast``, summed per family x site. A weekly period is
  split over calendar months by its days (the week of Monday 29 December puts 3/7
  in December and 4/7 in January), so a month gets exactly the days it holds. Only
  months the run covers day for day are used; a month it covers in part (the end
  of its horizon) keeps the fallback volume, with a note;
* **a table made by another tool**, whose columns are recognised by name:

=============  ==============================================================
role           column (the first one present is used)
=============  ==============================================================
run            ``run_id``; the latest run is the one with the greatest
               ``created_at`` when that column exists, else the greatest run_id
month          ``period`` (text ``YYYY-MM``), or a date/timestamp ``date``,
               ``ds`` or ``month`` (a row counts in the month it starts in)
series         ``family``, or ``sku`` (mapped to its family through products)
site           ``site_id`` (optional)
value          ``forecast``, ``units``, ``yhat`` or ``qty``
=============  ==============================================================

A table without these columns is not used: the forecast falls back to history and a
note says why.
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from obeya.demand import Grain, Level, latest_run_id, run_info, stored_forecast
from obeya.finance._common import has_table, month_label

__all__ = ["FORECAST_TABLE", "latest_forecast_units"]

FORECAST_TABLE = "forecasts"
_MONTH = ("period", "date", "ds", "month")
_VALUE = ("forecast", "units", "yhat", "qty")
# The columns of a run stored by obeya.demand (see docs/forecasting.md, "Stored runs").
_STORED = frozenset({"run_id", "sku", "site_id", "period_start", "forecast", "adjusted"})
_PERIOD_DAYS = {"day": 1, "week": 7, "month": 0}  # a month's length is its own


def _first(columns: list[str], names: tuple[str, ...]) -> str | None:
    return next((n for n in names if n in columns), None)


def _month_expr(t: ir.Table, name: str) -> ir.IntegerValue | None:
    dtype = t.schema()[name]
    column = t[name]
    if dtype.is_string():
        text = column.cast("string")
        return text.substr(0, 4).cast("int64") * 12 + text.substr(5, 2).cast("int64") - 1
    if dtype.is_date() or dtype.is_timestamp():
        return column.year() * 12 + column.month() - 1
    return None


def latest_forecast_units(
    con: Any, months: list[int], notes: list[str]
) -> tuple[pd.DataFrame, str] | None:
    """(family[, site_id], ym, units) of the latest run for ``months``, and the run id.

    None when there is no usable ``forecasts`` table or the latest run covers none of
    the months (a note in ``notes`` says which).
    """
    if not months or not has_table(con, FORECAST_TABLE):
        return None
    t = con.table(FORECAST_TABLE)
    cols = list(t.columns)
    if has_table(con, "forecast_runs") and set(cols) >= _STORED:
        return _stored_run_units(con, months, notes)
    month_col, value_col = _first(cols, _MONTH), _first(cols, _VALUE)
    series_col = _first(cols, ("family", "sku"))
    if "run_id" not in cols or month_col is None or value_col is None or series_col is None:
        wanted = {
            "run_id": "run_id" in cols,
            "a month column (" + "/".join(_MONTH) + ")": month_col is not None,
            "family or sku": series_col is not None,
            "a value column (" + "/".join(_VALUE) + ")": value_col is not None,
        }
        missing = ", ".join(role for role, found in wanted.items() if not found)
        notes.append(f"the {FORECAST_TABLE} table lacks {missing}; using the fallback volume")
        return None
    ym = _month_expr(t, month_col)
    if ym is None:
        notes.append(
            f"{FORECAST_TABLE}.{month_col} is neither text YYYY-MM nor a date; "
            "using the fallback volume"
        )
        return None
    if "created_at" in cols:
        latest = t.order_by(t.created_at.desc()).limit(1).select("run_id").execute()
    else:
        latest = t.select(run_id=t.run_id.max()).execute()
    if latest.empty or pd.isna(latest["run_id"].iloc[0]):
        notes.append(f"the {FORECAST_TABLE} table is empty; using the fallback volume")
        return None
    run = latest["run_id"].iloc[0]
    f = t.filter(t.run_id == run).mutate(ym=ym)
    f = f.filter(f.ym.isin(months))
    if series_col == "sku":
        products = con.table("products").select("sku", "family")
        f = f.left_join(products, f.sku == products.sku)
    keys = ["family", "ym"] + (["site_id"] if "site_id" in cols else [])
    frame = f.group_by(keys).aggregate(units=f[value_col].sum()).execute()
    return _finish(frame, run, months, notes)


def _stored_run_units(
    con: Any, months: list[int], notes: list[str]
) -> tuple[pd.DataFrame, str] | None:
    """Units per family, site and month of the latest run stored by obeya.demand.

    Only months the run's periods cover day for day are used; a month the run covers
    in part (the last month of a 13-week horizon, say) keeps the fallback volume.
    """
    run = latest_run_id(con)
    if run is None:
        notes.append("forecast_runs holds no run yet; using the fallback volume")
        return None
    grain = run_info(con, run).grain
    if grain not in _PERIOD_DAYS:
        notes.append(
            f"forecast run {run} has grain {grain!r}; the rolling forecast reads runs by day, "
            "week or month, so it uses the fallback volume"
        )
        return None
    t = stored_forecast(con, run, level=Level.FAMILY_SITE)
    noted = len(notes)
    complete = _complete_months(t, grain, months, run, notes)
    if not complete:
        if len(notes) > noted:  # the months it covers in part are named already
            return None
        notes.append(
            f"forecast run {run} covers none of {month_label(months[0])}..{month_label(months[-1])} "
            "in full; using the fallback volume"
        )
        return None
    start = t.period_start
    ym = start.year() * 12 + start.month() - 1
    parts = [t.mutate(ym=ym, units=t.forecast)]
    if grain == Grain.WEEK.value:
        # days of the week in its first month: up to the first of the next month
        next_ym = ym + 1
        next_first = ibis.date(next_ym // 12, next_ym % 12 + 1, 1)
        days_first = ibis.least(next_first.delta(start, unit="day"), 7).cast("float64")
        share = days_first / 7.0
        parts = [
            t.mutate(ym=ym, units=t.forecast * share),
            t.filter(share < 1.0).mutate(ym=next_ym, units=t.forecast * (1.0 - share)),
        ]
    monthly = ibis.union(*(p.select("family", "site_id", "ym", "units") for p in parts))
    monthly = monthly.filter(monthly.ym.isin(complete))
    frame = monthly.group_by(["family", "ym", "site_id"]).aggregate(units=monthly.units.sum())
    return _finish(frame.execute(), run, months, notes)


def _complete_months(
    t: ir.Table, grain: str, months: list[int], run: str, notes: list[str]
) -> list[int]:
    """The ``months`` every day of which lies in one of the run's periods."""
    starts = np.unique(
        np.asarray(
            t.select("period_start").distinct().to_pyarrow().column(0).to_numpy(),
            dtype="datetime64[D]",
        )
    )
    if grain == "month":
        ends = (starts.astype("datetime64[M]") + 1).astype("datetime64[D]")
    else:
        ends = starts + np.timedelta64(_PERIOD_DAYS[grain], "D")
    wanted = np.array(months, dtype=np.int64)
    first = (np.datetime64("0000-01", "M") + wanted).astype("datetime64[D]")
    after = (np.datetime64("0000-01", "M") + wanted + 1).astype("datetime64[D]")
    # days of each month (columns) inside each period (rows); periods do not overlap
    lo = np.maximum(starts[:, None], first[None, :])
    hi = np.minimum(ends[:, None], after[None, :])
    covered = np.clip((hi - lo).astype(np.int64), 0, None).sum(axis=0)
    days = (after - first).astype(np.int64)
    partial = (covered > 0) & (covered < days)
    for ym, got, of in zip(wanted[partial], covered[partial], days[partial], strict=True):
        notes.append(
            f"forecast run {run} covers {got} of the {of} days of {month_label(int(ym))}; "
            "that month uses the fallback volume"
        )
    return [int(m) for m in wanted[covered == days]]


def _finish(
    frame: pd.DataFrame, run: Any, months: list[int], notes: list[str]
) -> tuple[pd.DataFrame, str] | None:
    if frame.empty:
        notes.append(
            f"forecast run {run} has nothing for {month_label(months[0])}..{month_label(months[-1])}; "
            "using the fallback volume"
        )
        return None
    frame["ym"] = frame["ym"].astype("int64")
    frame["units"] = frame["units"].astype(float).clip(lower=0.0)
    frame["family"] = frame["family"].fillna("(unknown)")
    return frame, str(run)
