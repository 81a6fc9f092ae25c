"""Rolling-origin backtest and the per-series choice of model.

The last ``windows`` origins (cutoffs) are ``step`` periods apart; at each one a
model is fitted on the periods up to and including the cutoff and forecasts the
next ``horizon`` periods (statsforecast ``cross_validation`` with ``refit=True``,
so no forecast sees data after its cutoff).

Routing: each series runs only the candidates of its demand class that fit its
history (a seasonal naive needs a year of training data, MSTL two), plus the
benchmark. Candidates that run on exactly the same series are fitted together in
one statsforecast call; cheap models (naive, Croston, TSB, ADIDA, IMAPA) run in one
process, where a worker pool would cost more to start than the fitting itself, and
expensive ones (ETS, Theta, MSTL) get a process per core. Series whose first window
would train on fewer than ``min_train_periods`` periods are *short history*: no
backtest, they get the configured short-history model.
"""

from __future__ import annotations

import os
import time
import warnings
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import assert_never

import numpy as np
import pandas as pd
import pyarrow as pa

from obeya.demand._frames import (
    SF_ID,
    SF_TARGET,
    SF_TIME,
    BoolArray,
    FloatArray,
    IntArray,
    Layout,
    dates,
    index_of,
    layout,
    to_statsforecast,
)
from obeya.demand.candidates import Candidate, CandidateSet, Cost, SelectionMetric
from obeya.demand.classify import DemandClass
from obeya.demand.series import DEFAULT_COLUMNS, Grain, SeriesColumns
from obeya.errors import ConfigError, DataError

__all__ = [
    "BacktestResult",
    "ModelCall",
    "ModelGroup",
    "Route",
    "backtest",
    "jobs_for",
    "plan_groups",
]

POOL_MIN_SERIES = 200  # below this a worker pool costs more to start than it saves


class Route(StrEnum):
    """How a series was forecast (values of the ``route`` column)."""

    BACKTEST = "backtest"
    SHORT_HISTORY = "short_history"


@dataclass(frozen=True)
class ModelGroup:
    """Candidates fitted together in one statsforecast call, on the same series."""

    candidates: tuple[Candidate, ...]
    series: BoolArray  # over the series of the layout
    cost: Cost

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.candidates)


@dataclass(frozen=True)
class ModelCall:
    """One statsforecast call: which models, on how many series, how, how long."""

    models: tuple[str, ...]
    n_series: int
    n_jobs: int
    seconds: float


@dataclass(frozen=True)
class BacktestResult:
    """The backtest and the choice it makes.

    * ``forecasts``: one row per series, cutoff, period and model that ran:
      ``<id>, cutoff, <time>, actual, model, forecast``;
    * ``scores``: per series and model, ``mae``, ``rmse``, ``mase`` and ``n``;
    * ``choice``: per series, ``demand_class``, ``route``, ``model`` (the chosen
      candidate), ``score`` (its selection metric) and ``scale`` (the in-sample
      seasonal naive MAE up to the first cutoff, naive when the history is shorter
      than a season plus one, NaN when that is zero) with ``scale_lag``;
    * ``cutoffs``: the origins, oldest first; ``calls``: the statsforecast calls.
    """

    forecasts: pa.Table
    scores: pa.Table
    choice: pa.Table
    cutoffs: tuple[date, ...]
    horizon: int
    step: int
    metric: SelectionMetric
    calls: tuple[ModelCall, ...]
    seconds: float


def jobs_for(cost: Cost, n_series: int, requested: int | None) -> int:
    """Worker processes for a group: one for cheap models or few series."""
    cores = os.cpu_count() or 1
    match cost:
        case Cost.CHEAP:
            return 1
        case Cost.EXPENSIVE:
            if n_series < POOL_MIN_SERIES:
                return 1
            want = cores if requested is None else requested
            return max(1, min(want, cores, n_series // (POOL_MIN_SERIES // 2)))
        case _:
            assert_never(cost)


def plan_groups(eligible: BoolArray, candidates: tuple[Candidate, ...]) -> tuple[ModelGroup, ...]:
    """Group candidates by the exact set of series they run on (and by cost)."""
    groups: dict[tuple[bytes, Cost], list[int]] = {}
    for j, cand in enumerate(candidates):
        column = eligible[:, j]
        if not column.any():
            continue
        groups.setdefault((np.packbits(column).tobytes(), cand.cost), []).append(j)
    return tuple(
        ModelGroup(
            candidates=tuple(candidates[j] for j in members),
            series=eligible[:, members[0]].copy(),
            cost=cost,
        )
        for (_, cost), members in groups.items()
    )


def backtest(
    data: pa.Table,
    classes: pa.Table,
    candidates: CandidateSet,
    *,
    grain: Grain,
    horizon: int,
    windows: int = 3,
    step: int | None = None,
    n_jobs: int | None = None,
    columns: SeriesColumns = DEFAULT_COLUMNS,
) -> BacktestResult:
    """Backtest every series' class candidates and choose one model per series.

    ``data`` is a dense long table sorted by id then time, every series ending on the
    same period; ``classes`` is :func:`~obeya.demand.classify.classify`'s output.
    """
    if horizon < 1 or windows < 1:
        raise ConfigError(f"horizon and windows must be at least 1, got {horizon} and {windows}")
    step = horizon if step is None else step
    if step < 1:
        raise ConfigError(f"the step between backtest origins must be at least 1, got {step}")
    began = time.perf_counter()
    lay = layout(data, columns)
    if lay.n_series == 0:
        raise DataError("no demand series to backtest")
    m = grain.season_length
    test = horizon + step * (windows - 1)
    train_first = lay.lengths - test
    class_index = _classes_of(lay.ids, classes, columns)
    pool = _pool(candidates)
    eligible, runs = _eligibility(class_index, train_first, candidates, pool, m)
    short: BoolArray = np.asarray(~eligible.any(axis=1), dtype=bool)

    calls: list[ModelCall] = []
    parts: list[pa.Table] = []
    for group in plan_groups(runs & ~short[:, None], pool):
        rows = group.series[lay.codes]
        frame = to_statsforecast(data, columns, rows)
        jobs = jobs_for(group.cost, int(group.series.sum()), n_jobs)
        t0 = time.perf_counter()
        cv = cross_validate(frame, group.candidates, grain, horizon, windows, step, jobs)
        calls.append(
            ModelCall(group.names, int(group.series.sum()), jobs, time.perf_counter() - t0)
        )
        parts.append(_long(cv, group.names, columns))
    forecasts = _concat(parts, columns)
    end = data.column(columns.time).combine_chunks()[lay.offsets[0] + lay.lengths[0] - 1].as_py()
    cutoffs = tuple(
        (
            pd.Timestamp(end) - pd.tseries.frequencies.to_offset(grain.freq) * (test - w * step)
        ).date()
        for w in range(windows)
    )
    scale, scale_lag = _scales(data, lay, columns, train_first, m)
    scores = _scores(forecasts, lay, pool, scale, columns)
    choice = _choose(
        scores, lay, class_index, eligible, short, pool, candidates, scale, scale_lag, columns
    )
    return BacktestResult(
        forecasts=forecasts,
        scores=_scores_table(scores, lay, pool, columns),
        choice=choice,
        cutoffs=cutoffs,
        horizon=horizon,
        step=step,
        metric=candidates.selection_metric,
        calls=tuple(calls),
        seconds=time.perf_counter() - began,
    )


def cross_validate(
    frame: pd.DataFrame,
    models: tuple[Candidate, ...],
    grain: Grain,
    horizon: int,
    windows: int,
    step: int,
    n_jobs: int,
) -> pd.DataFrame:
    """One statsforecast ``cross_validation`` call (refit at every origin)."""
    from statsforecast import StatsForecast

    sf = StatsForecast(
        models=[c.build(grain.season_length) for c in models], freq=grain.freq, n_jobs=n_jobs
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsforecast warns per series on tiny fits
        out = sf.cross_validation(
            h=horizon, df=frame, n_windows=windows, step_size=step, refit=True
        )
    return out.reset_index() if SF_ID not in out.columns else out


def _pool(candidates: CandidateSet) -> tuple[Candidate, ...]:
    """Every candidate a class uses, plus the benchmark, in file order."""
    used = {n for names in candidates.classes.values() for n in names} | {candidates.benchmark}
    return tuple(c for c in candidates.candidates if c.name in used)


_CLASSES = tuple(DemandClass)
_CLASS_NAMES = pa.array([c.value for c in _CLASSES], pa.string())


def _classes_of(ids: pa.Array, classes: pa.Table, columns: SeriesColumns) -> IntArray:
    """Index into ``_CLASSES`` of every series' demand class."""
    where = index_of(classes.column(columns.id), ids)
    if (where < 0).any():
        missing = ids[int(np.flatnonzero(where < 0)[0])].as_py()
        raise DataError(f"series {missing!r} has no demand class; classify every series first")
    labels = classes.column("demand_class").take(pa.array(where))
    return index_of(_CLASS_NAMES, labels)


def _eligibility(
    class_index: IntArray,
    train_first: IntArray,
    candidates: CandidateSet,
    pool: tuple[Candidate, ...],
    m: int,
) -> tuple[BoolArray, BoolArray]:
    """(chosen-from, runs-on) masks of shape (series, pool candidates)."""
    n = len(class_index)
    fits = np.stack([train_first >= c.min_train(m) for c in pool], axis=1).reshape(n, len(pool))
    fits &= (train_first >= candidates.min_train_periods)[:, None]
    member = np.zeros((len(_CLASSES), len(pool)), dtype=bool)
    for ci, cls in enumerate(_CLASSES):
        names = set(candidates.classes[cls])
        member[ci] = [c.name in names for c in pool]
    eligible = member[class_index] & fits
    bench = np.array([c.name == candidates.benchmark for c in pool])
    runs = eligible | (bench[None, :] & fits)
    return eligible, runs


def _long(cv: pd.DataFrame, names: tuple[str, ...], columns: SeriesColumns) -> pa.Table:
    ids = pa.array(cv[SF_ID].astype(str).to_numpy())
    cut = dates(cv["cutoff"].to_numpy())
    when = dates(cv[SF_TIME].to_numpy())
    actual = pa.array(cv[SF_TARGET].to_numpy(dtype=np.float64))
    tables = [
        pa.table(
            {
                columns.id: ids,
                "cutoff": cut,
                columns.time: when,
                "actual": actual,
                "model": pa.array([name] * len(cv), pa.string()),
                "forecast": pa.array(cv[name].to_numpy(dtype=np.float64)),
            }
        )
        for name in names
    ]
    return pa.concat_tables(tables)


def _concat(parts: list[pa.Table], columns: SeriesColumns) -> pa.Table:
    if parts:
        return pa.concat_tables(parts)
    return pa.table(
        {
            columns.id: pa.array([], pa.string()),
            "cutoff": pa.array([], pa.date32()),
            columns.time: pa.array([], pa.date32()),
            "actual": pa.array([], pa.float64()),
            "model": pa.array([], pa.string()),
            "forecast": pa.array([], pa.float64()),
        }
    )


def _scales(
    data: pa.Table, lay: Layout, columns: SeriesColumns, train_first: IntArray, m: int
) -> tuple[FloatArray, IntArray]:
    """In-sample MAE of the seasonal naive (lag m), or naive (lag 1), up to the first cutoff."""
    y = data.column(columns.target).to_numpy(zero_copy_only=False).astype(np.float64)
    n = lay.n_series
    lag = np.where(train_first > m, m, 1).astype(np.int64)
    row_lag = lag[lay.codes]
    valid = (lay.position >= row_lag) & (lay.position < train_first[lay.codes])
    back = np.arange(len(y)) - row_lag
    diff = np.where(valid, np.abs(y - y[np.clip(back, 0, None)]), 0.0)
    total = np.bincount(lay.codes, weights=diff, minlength=n)
    count = np.bincount(lay.codes, weights=valid.astype(np.float64), minlength=n)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where((count > 0) & (total > 0), total / np.where(count > 0, count, 1), np.nan)
    return scale, lag


def _scores(
    forecasts: pa.Table,
    lay: Layout,
    pool: tuple[Candidate, ...],
    scale: FloatArray,
    columns: SeriesColumns,
) -> dict[str, FloatArray]:
    n, k = lay.n_series, len(pool)
    sid = index_of(lay.ids, forecasts.column(columns.id))
    mid = index_of(pa.array([c.name for c in pool]), forecasts.column("model"))
    err = forecasts.column("actual").to_numpy() - forecasts.column("forecast").to_numpy()
    ok = np.isfinite(err)
    cell = sid * k + mid
    count = np.bincount(cell[ok], minlength=n * k).astype(np.float64)
    # a model that produced any NaN for a series is not a valid choice for it
    bad = np.bincount(cell[~ok], minlength=n * k) > 0
    abs_sum = np.bincount(cell[ok], weights=np.abs(err[ok]), minlength=n * k)
    sq_sum = np.bincount(cell[ok], weights=err[ok] ** 2, minlength=n * k)
    with np.errstate(divide="ignore", invalid="ignore"):
        mae = np.where((count > 0) & ~bad, abs_sum / count, np.nan).reshape(n, k)
        rmse = np.where((count > 0) & ~bad, np.sqrt(sq_sum / count), np.nan).reshape(n, k)
        mase = mae / scale[:, None]
    return {"mae": mae, "rmse": rmse, "mase": mase, "n": count.reshape(n, k)}


def _scores_table(
    scores: dict[str, FloatArray], lay: Layout, pool: tuple[Candidate, ...], columns: SeriesColumns
) -> pa.Table:
    n, k = scores["mae"].shape
    ran = scores["n"].reshape(-1) > 0
    ids = lay.ids.take(pa.array(np.repeat(np.arange(n), k)[ran]))
    names = np.tile(np.array([c.name for c in pool], dtype=object), n)[ran]
    return pa.table(
        {
            columns.id: ids,
            "model": pa.array(list(names), pa.string()),
            "mae": pa.array(scores["mae"].reshape(-1)[ran]),
            "rmse": pa.array(scores["rmse"].reshape(-1)[ran]),
            "mase": pa.array(scores["mase"].reshape(-1)[ran]),
            "n": pa.array(scores["n"].reshape(-1)[ran].astype(np.int64)),
        }
    )


def _choose(
    scores: dict[str, FloatArray],
    lay: Layout,
    class_index: IntArray,
    eligible: BoolArray,
    short: BoolArray,
    pool: tuple[Candidate, ...],
    candidates: CandidateSet,
    scale: FloatArray,
    scale_lag: IntArray,
    columns: SeriesColumns,
) -> pa.Table:
    """The lowest-metric eligible candidate; ties go to the one listed first."""
    metric = candidates.selection_metric
    match metric:
        case SelectionMetric.MAE:
            value = scores["mae"]
        case SelectionMetric.RMSE:
            value = scores["rmse"]
        case SelectionMetric.MASE:
            # per series the scale is a constant: rank by MAE where MASE is undefined
            value = np.where(np.isfinite(scores["mase"]), scores["mase"], scores["mae"])
        case _:
            assert_never(metric)
    usable = eligible & np.isfinite(value)
    masked = np.where(usable, value, np.inf)
    best = masked.min(axis=1)
    tied = usable & (masked <= best[:, None] * (1 + 1e-9) + 1e-12)
    rank_by_class = np.full((len(_CLASSES), len(pool)), len(pool), dtype=np.int64)
    for ci, cls in enumerate(_CLASSES):
        listed = candidates.classes[cls]
        rank_by_class[ci] = [listed.index(c.name) if c.name in listed else len(pool) for c in pool]
    rank = np.where(tied, rank_by_class[class_index], len(pool) + 1)
    pick = rank.argmin(axis=1)
    no_choice = ~usable.any(axis=1)
    route_short = short | no_choice
    names = np.array([c.name for c in pool], dtype=object)[pick]
    names = np.where(route_short, candidates.short_history, names)
    chosen_score = np.where(route_short, np.nan, masked[np.arange(len(pick)), pick])
    return pa.table(
        {
            columns.id: lay.ids,
            "demand_class": _CLASS_NAMES.take(pa.array(class_index)),
            "route": pa.array(
                np.where(route_short, Route.SHORT_HISTORY.value, Route.BACKTEST.value).tolist(),
                pa.string(),
            ),
            "model": pa.array(names.tolist(), pa.string()),
            "score": pa.array(chosen_score),
            "scale": pa.array(scale),
            "scale_lag": pa.array(scale_lag),
        }
    )
