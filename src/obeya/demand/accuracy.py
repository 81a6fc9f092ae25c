"""Forecast accuracy: WAPE, MASE, bias and forecast value added.

With actuals ``a``, forecasts ``f`` and errors ``e = f - a`` over a set of series
and periods:

* WAPE = Σ|e| / Σa (weighted absolute percentage error; a roll-up re-divides sums);
* bias = Σe / Σa (positive: over-forecast, negative: under-forecast);
* MASE (Hyndman & Koehler 2006, "Another look at measures of forecast accuracy",
  IJF 22(4), 679-688): every error is scaled by its series' in-sample MAE of the
  seasonal naive forecast (lag one season; lag one when the history is shorter
  than a season plus one), ``q = |e| / scale``, and MASE is the mean of ``q``; a
  series whose scale is zero (a constant history) has no MASE and is left out;
* forecast value added, FVA = WAPE(benchmark) - WAPE(model), in WAPE points over
  the series where the benchmark (the seasonal naive) ran: positive means the
  forecasting process beats last year's same period.

The report is measured on the backtest of each series' *chosen* model. The choice
was made on the same windows, so these figures lean optimistic; a hold-out (as in
``bench/bench_forecast.py``) gives the unbiased figure.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from obeya.demand._frames import FloatArray, index_of
from obeya.demand.series import DEFAULT_COLUMNS, SeriesColumns
from obeya.errors import DataError

__all__ = [
    "AccuracyReport",
    "accuracy_report",
    "bias",
    "group_accuracy",
    "mase",
    "series_accuracy",
    "wape",
]

ArrayLike = npt.ArrayLike


def wape(actual: ArrayLike, forecast: ArrayLike) -> float:
    """Σ|f - a| / Σa; NaN when there is no demand."""
    a = np.asarray(actual, dtype=np.float64)
    f = np.asarray(forecast, dtype=np.float64)
    total = a.sum()
    return float(np.abs(f - a).sum() / total) if total > 0 else float("nan")


def bias(actual: ArrayLike, forecast: ArrayLike) -> float:
    """Σ(f - a) / Σa: positive when the forecast is too high."""
    a = np.asarray(actual, dtype=np.float64)
    f = np.asarray(forecast, dtype=np.float64)
    total = a.sum()
    return float((f - a).sum() / total) if total > 0 else float("nan")


def mase(
    actual: ArrayLike, forecast: ArrayLike, insample: ArrayLike, season_length: int = 1
) -> float:
    """Mean |f - a| over the in-sample MAE of the lag-``season_length`` naive forecast."""
    y = np.asarray(insample, dtype=np.float64)
    m = season_length if len(y) > season_length else 1
    if len(y) <= m:
        raise DataError(f"MASE needs more than {m} in-sample values, got {len(y)}")
    scale = np.abs(y[m:] - y[:-m]).mean()
    if scale == 0:
        return float("nan")
    a = np.asarray(actual, dtype=np.float64)
    f = np.asarray(forecast, dtype=np.float64)
    return float(np.abs(f - a).mean() / scale)


@dataclass(frozen=True)
class AccuracyReport:
    """Accuracy tables; every group table has the same columns (see :func:`group_accuracy`)."""

    series: pa.Table
    overall: pa.Table
    by_family: pa.Table
    by_site: pa.Table
    by_class: pa.Table
    by_model: pa.Table
    worst: pa.Table


_SUMS = (
    "n",
    "actual",
    "abs_error",
    "error",
    "scaled_error",
    "n_scaled",
    "bench_actual",
    "bench_abs_error",
    "model_abs_error_common",
)


def series_accuracy(
    backtest_forecasts: pa.Table,
    choice: pa.Table,
    benchmark: str,
    columns: SeriesColumns = DEFAULT_COLUMNS,
) -> pa.Table:
    """Per-series sums and measures of the chosen model's backtest, with the benchmark's.

    ``choice`` needs ``<id>``, ``model`` and ``scale`` (from the backtest). Series
    without backtest rows (short history) are left out.
    """
    ids = choice.column(columns.id).combine_chunks()
    n_s = len(ids)
    chosen = choice.column("model").combine_chunks()
    names = pc.unique(pa.concat_arrays([chosen, pa.array([benchmark], pa.string())]))
    sid = index_of(ids, backtest_forecasts.column(columns.id))
    mid = index_of(names, backtest_forecasts.column("model"))
    want = index_of(names, chosen)
    bench_code = index_of(names, pa.array([benchmark], pa.string()))[0]
    actual = backtest_forecasts.column("actual").to_numpy().astype(np.float64)
    forecast = backtest_forecasts.column("forecast").to_numpy().astype(np.float64)
    ok = (sid >= 0) & np.isfinite(forecast) & np.isfinite(actual)
    safe_sid = np.clip(sid, 0, None)
    mine = ok & (mid == want[safe_sid])
    bench = ok & (mid == bench_code)
    err = forecast - actual
    scale = choice.column("scale").to_numpy(zero_copy_only=False).astype(np.float64)

    def total(mask: np.ndarray, values: FloatArray) -> FloatArray:
        return np.bincount(safe_sid[mask], weights=values[mask], minlength=n_s).astype(np.float64)

    ones = np.ones_like(actual)
    sums = {
        "n": total(mine, ones),
        "actual": total(mine, actual),
        "abs_error": total(mine, np.abs(err)),
        "error": total(mine, err),
    }
    row_scale = scale[safe_sid]
    scaled_ok = mine & np.isfinite(row_scale) & (row_scale > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        sums["scaled_error"] = total(scaled_ok, np.abs(err) / row_scale)
    sums["n_scaled"] = total(scaled_ok, ones)
    # the benchmark's errors on the periods where both the model and the benchmark ran
    has_bench = total(bench, ones) > 0
    sums["bench_actual"] = np.where(has_bench, total(bench, actual), 0.0)
    sums["bench_abs_error"] = total(bench, np.abs(err))
    sums["model_abs_error_common"] = np.where(has_bench, sums["abs_error"], 0.0)
    keep = sums["n"] > 0
    table = pa.table({columns.id: ids, **{k: pa.array(v) for k, v in sums.items()}}).filter(
        pa.array(keep)
    )
    extra = [
        c
        for c in choice.column_names
        if c not in (columns.id, "scale", "scale_lag", "score", "route")
    ]
    meta = choice.select([columns.id, *extra])
    table = table.join(meta, columns.id, join_type="left outer")
    return _with_measures(table)


def group_accuracy(series: pa.Table, by: list[str]) -> pa.Table:
    """Roll per-series sums up to groups (re-dividing sums) and compute the measures.

    Columns: the ``by`` keys, ``n_series``, the sums, ``wape``, ``bias``, ``mase``,
    ``bench_wape``, ``fva`` (benchmark WAPE minus model WAPE on the common series).
    """
    aggs = [(c, "sum") for c in _SUMS]
    if by:
        grouped = series.group_by(by).aggregate([*aggs, (by[0], "count")])
        grouped = grouped.rename_columns(
            [f"{c}" if not c.endswith("_sum") else c[:-4] for c in grouped.column_names]
        )
        grouped = grouped.rename_columns(
            ["n_series" if c == f"{by[0]}_count" else c for c in grouped.column_names]
        )
    else:
        grouped = pa.table(
            {
                "n_series": pa.array([series.num_rows], pa.int64()),
                **{c: pa.array([pc.sum(series.column(c)).as_py() or 0.0]) for c in _SUMS},
            }
        )
    out = _with_measures(grouped)
    order = pc.sort_indices(out, [(k, "ascending") for k in by]) if by else None
    return out.take(order) if order is not None else out


def _with_measures(t: pa.Table) -> pa.Table:
    def col(name: str) -> FloatArray:
        return np.asarray(t.column(name).to_numpy(zero_copy_only=False), dtype=np.float64)

    actual = col("actual")
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(actual > 0, col("abs_error") / actual, np.nan)
        b = np.where(actual > 0, col("error") / actual, np.nan)
        m = np.where(col("n_scaled") > 0, col("scaled_error") / col("n_scaled"), np.nan)
        ba = col("bench_actual")
        bw = np.where(ba > 0, col("bench_abs_error") / ba, np.nan)
        mw = np.where(ba > 0, col("model_abs_error_common") / ba, np.nan)
    for name in ("wape", "bias", "mase", "bench_wape", "fva"):
        if name in t.column_names:
            t = t.drop_columns([name])
    return (
        t.append_column("wape", pa.array(w))
        .append_column("bias", pa.array(b))
        .append_column("mase", pa.array(m))
        .append_column("bench_wape", pa.array(bw))
        .append_column("fva", pa.array(bw - mw))
    )


def accuracy_report(
    backtest_forecasts: pa.Table,
    choice: pa.Table,
    keys: pa.Table,
    benchmark: str,
    *,
    worst: int = 20,
    columns: SeriesColumns = DEFAULT_COLUMNS,
) -> AccuracyReport:
    """The accuracy report of the bottom series (SKU x site).

    ``keys`` gives each series' ``sku``, ``site_id`` and ``family``; ``worst`` lists the
    series with the largest absolute error (the largest share of the total WAPE
    numerator), the ones a planner should look at first.
    """
    per = series_accuracy(backtest_forecasts, choice, benchmark, columns)
    per = per.join(
        keys.select([columns.id, "sku", "site_id", "family"]), columns.id, join_type="inner"
    )
    total_abs = pc.sum(per.column("abs_error")).as_py() or 0.0
    share = np.asarray(per.column("abs_error").to_numpy(), dtype=np.float64) / (total_abs or 1.0)
    per = per.append_column("error_share", pa.array(share))
    per = per.take(pc.sort_indices(per, [(columns.id, "ascending")]))
    top = per.take(
        pc.sort_indices(per, [("abs_error", "descending"), (columns.id, "ascending")])
    ).slice(0, worst)
    return AccuracyReport(
        series=per,
        overall=group_accuracy(per, []),
        by_family=group_accuracy(per, ["family"]),
        by_site=group_accuracy(per, ["site_id"]),
        by_class=group_accuracy(per, ["demand_class"]),
        by_model=group_accuracy(per, ["model"]),
        worst=top,
    )
