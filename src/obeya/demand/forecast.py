"""Final forecasts of each series' chosen model, with 80 % and 95 % intervals.

Each series is refitted on its whole history with the model the backtest chose
(series grouped by model, one statsforecast call per model). Intervals:

* models with their own intervals (ETS, Theta, MSTL, the naive models, the
  historic average) give them through statsforecast ``level=[80, 95]``;
* the intermittent-demand models (Croston, TSB, ADIDA, IMAPA) and MSTL with a
  simple-exponential-smoothing trend have none: their
  intervals are split-conformal ones from the backtest: the absolute errors of the
  chosen model over every window and step, ``n`` of them, and the half-width is
  the ``ceil((n + 1) * level)``-th smallest (capped at the largest when ``n`` is too
  small for that rank). This is the split-conformal quantile of Angelopoulos &
  Bates (2021, "A gentle introduction to conformal prediction", section 1.1) with
  the backtest as calibration set, pooled over the horizon.

Demand is never negative, so forecasts and lower bounds are clipped at zero.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from obeya.demand._frames import (
    SF_ID,
    SF_TIME,
    FloatArray,
    IntArray,
    dates,
    index_of,
    layout,
    to_statsforecast,
)
from obeya.demand.backtest import ModelCall, jobs_for
from obeya.demand.candidates import CandidateSet
from obeya.demand.series import DEFAULT_COLUMNS, Grain, SeriesColumns

__all__ = ["LEVELS", "FinalForecast", "conformal_halfwidths", "final_forecasts"]

LEVELS = (80, 95)


@dataclass(frozen=True)
class FinalForecast:
    """Base forecasts: ``<id>, <time>, model, forecast, lo80, hi80, lo95, hi95, interval``.

    ``interval`` says where the bounds come from: ``model`` or ``conformal``
    (or ``none`` when neither is available, e.g. a one-period series).
    """

    table: pa.Table
    calls: tuple[ModelCall, ...]
    seconds: float


def conformal_halfwidths(
    codes: IntArray, abs_errors: FloatArray, groups: int, level: float
) -> FloatArray:
    """Per group, the split-conformal quantile of absolute errors at ``level`` (0-100).

    With ``n`` errors in a group the half-width is the ``ceil((n+1) * level/100)``-th
    smallest, or the largest when that rank exceeds ``n``; NaN for an empty group.
    """
    order = np.lexsort((abs_errors, codes))
    sorted_err = abs_errors[order]
    counts = np.bincount(codes, minlength=groups)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    rank = np.minimum(np.ceil((counts + 1) * level / 100.0).astype(np.int64), counts)
    pick = starts + np.maximum(rank, 1) - 1
    out = np.full(groups, np.nan)
    has = counts > 0
    out[has] = sorted_err[np.clip(pick[has], 0, max(len(sorted_err) - 1, 0))]
    return out


def final_forecasts(
    data: pa.Table,
    choice: pa.Table,
    backtest_forecasts: pa.Table,
    candidates: CandidateSet,
    *,
    grain: Grain,
    horizon: int,
    n_jobs: int | None = None,
    columns: SeriesColumns = DEFAULT_COLUMNS,
) -> FinalForecast:
    """Fit each series' chosen model on its full history and forecast ``horizon`` periods."""
    from statsforecast import StatsForecast

    began = time.perf_counter()
    lay = layout(data, columns)
    where = index_of(choice.column(columns.id), lay.ids)
    chosen = np.asarray(choice.column("model").to_pylist(), dtype=object)[where]
    halfwidths = _conformal(lay.ids, chosen, backtest_forecasts, columns)

    calls: list[ModelCall] = []
    parts: list[pa.Table] = []
    for name in sorted(set(chosen.tolist())):
        cand = candidates.candidate(name)
        series = chosen == name
        frame = to_statsforecast(data, columns, series[lay.codes])
        jobs = jobs_for(cand.cost, int(series.sum()), n_jobs)
        sf = StatsForecast(models=[cand.build(grain.season_length)], freq=grain.freq, n_jobs=jobs)
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = sf.forecast(
                h=horizon, df=frame, level=list(LEVELS) if cand.native_intervals else None
            )
        calls.append(ModelCall((name,), int(series.sum()), jobs, time.perf_counter() - t0))
        out = out.reset_index() if SF_ID not in out.columns else out
        ids = pa.array(out[SF_ID].astype(str).to_numpy())
        point = out[name].to_numpy(dtype=np.float64)
        if cand.native_intervals:
            bounds = {
                f"{side}{lv}": out[f"{name}-{side}-{lv}"].to_numpy(dtype=np.float64)
                for lv in LEVELS
                for side in ("lo", "hi")
            }
            source = "model"
        else:
            sidx = index_of(lay.ids, ids)
            bounds = {}
            for lv in LEVELS:
                half = halfwidths[lv][sidx]
                bounds[f"lo{lv}"] = point - half
                bounds[f"hi{lv}"] = point + half
            source = "conformal"
        missing = np.isnan(bounds["lo80"])
        parts.append(
            pa.table(
                {
                    columns.id: ids,
                    columns.time: dates(out[SF_TIME].to_numpy()),
                    "model": pa.array([name] * len(out), pa.string()),
                    "forecast": np.clip(point, 0.0, None),
                    **{
                        k: (np.clip(v, 0.0, None) if k.startswith("lo") else np.maximum(v, 0.0))
                        for k, v in bounds.items()
                    },
                    "interval": pa.array(np.where(missing, "none", source).tolist(), pa.string()),
                }
            ).select(
                [
                    columns.id,
                    columns.time,
                    "model",
                    "forecast",
                    "lo80",
                    "hi80",
                    "lo95",
                    "hi95",
                    "interval",
                ]
            )
        )
    table = pa.concat_tables(parts)
    table = table.take(
        pc.sort_indices(table, [(columns.id, "ascending"), (columns.time, "ascending")])
    )
    return FinalForecast(table=table, calls=tuple(calls), seconds=time.perf_counter() - began)


def _conformal(
    ids: pa.Array, chosen: np.ndarray, backtest_forecasts: pa.Table, columns: SeriesColumns
) -> dict[int, FloatArray]:
    """Conformal half-widths per series from the chosen model's backtest errors."""
    n = len(ids)
    if backtest_forecasts.num_rows == 0:
        return {lv: np.full(n, np.nan) for lv in LEVELS}
    sid = index_of(ids, backtest_forecasts.column(columns.id))
    names = pa.array(sorted(set(chosen.tolist())), pa.string())
    model = index_of(names, backtest_forecasts.column("model"))
    want = index_of(names, pa.array(chosen.tolist(), pa.string()))
    keep = (sid >= 0) & (model >= 0) & (model == want[np.clip(sid, 0, None)])
    err = np.abs(
        backtest_forecasts.column("actual").to_numpy()
        - backtest_forecasts.column("forecast").to_numpy()
    )
    keep &= np.isfinite(err)
    return {lv: conformal_halfwidths(sid[keep], err[keep], n, lv) for lv in LEVELS}
