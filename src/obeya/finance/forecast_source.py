"""Read the stored demand forecast (the ``forecasts`` table) for the rolling forecast.

The demand engine stores each forecasting run in a ``forecasts`` table. The rolling
forecast reads the latest run, summed in the database to units per family (and site,
when the table has ``site_id``) and month. The columns it understands:

=============  ==============================================================
role           column (the first one present is used)
=============  ==============================================================
run            ``run_id``; the latest run is the one with the greatest
               ``created_at`` when that column exists, else the greatest run_id
month          ``period`` (text ``YYYY-MM``), or a date/timestamp ``date``,
               ``ds`` or ``month``
series         ``family``, or ``sku`` (mapped to its family through products)
site           ``site_id`` (optional)
value          ``forecast``, ``units``, ``yhat`` or ``qty``
=============  ==============================================================

A table without these columns is not used: the forecast falls back to history and a
note says why.
"""

from __future__ import annotations

from typing import Any

import ibis.expr.types as ir
import pandas as pd

from obeya.finance._common import has_table, month_label

__all__ = ["FORECAST_TABLE", "latest_forecast_units"]

FORECAST_TABLE = "forecasts"
_MONTH = ("period", "date", "ds", "month")
_VALUE = ("forecast", "units", "yhat", "qty")


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
