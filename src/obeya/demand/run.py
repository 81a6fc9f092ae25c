"""The forecast run: from order lines to stored, reconciled, adjusted forecasts.

Steps (each timed in :attr:`ForecastRun.timings`):

1. ``extract``: demand series per SKU x site from the warehouse (:mod:`.series`);
2. ``hierarchy``: the aggregate series (total, family, site, family x site);
3. ``classify``: Syntetos-Boylan class of every series;
4. ``backtest``: class-routed candidates over rolling origins; one model per series;
5. ``forecast``: the chosen models refitted on full history, with intervals;
6. ``reconcile``: coherent forecasts across the hierarchy;
7. ``overrides``: planner overrides on the reconciled SKU x site forecasts;
8. ``accuracy``: WAPE, MASE, bias and value added of the backtest;
9. ``store``: the run, its forecasts, backtests and overrides in the warehouse.

:func:`forecast_demand` is steps 2-8 on series already in memory (pure: no
warehouse); :func:`run_forecast` adds extraction and storage.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from obeya.demand._frames import index_of, layout
from obeya.demand.accuracy import AccuracyReport, accuracy_report, group_accuracy, series_accuracy
from obeya.demand.backtest import BacktestResult, Route, backtest
from obeya.demand.candidates import CandidateSet, load_candidates
from obeya.demand.classify import classify
from obeya.demand.forecast import final_forecasts
from obeya.demand.overrides import Overrides, apply_overrides, load_overrides
from obeya.demand.reconcile import (
    Hierarchy,
    Level,
    ReconcileMethod,
    aggregate_series,
    build_hierarchy,
    reconcile,
)
from obeya.demand.series import (
    CancelledPolicy,
    DemandSeries,
    Grain,
    SeriesColumns,
    demand_series,
    series_id,
)
from obeya.demand.store import new_run_id, store_run
from obeya.errors import ConfigError
from obeya.warehouse import Warehouse

__all__ = [
    "ForecastRun",
    "StepTiming",
    "forecast_demand",
    "reconciliation_errors",
    "run_forecast",
]


@dataclass(frozen=True, slots=True)
class StepTiming:
    step: str
    seconds: float


@dataclass(frozen=True)
class ForecastRun:
    """The result of a forecast run.

    * ``forecasts``: SKU x site x period: ``sku, site_id, period_start, model,
      demand_class, forecast`` (reconciled), ``lo80, hi80, lo95, hi95`` (the chosen
      model's intervals moved with the reconciliation), ``adjusted`` (after
      overrides) and ``interval`` (``model``, ``conformal`` or ``none``);
    * ``levels``: every node of the hierarchy: ``node, level, family, site_id,
      period_start, base, reconciled, adjusted`` (adjusted re-summed from the
      SKU x site figures, so every level stays coherent);
    * ``accuracy``: the SKU x site backtest report; ``accuracy_by_level``: WAPE of
      each level's own base forecasts;
    * ``overrides_log``: the overrides applied, with before and after.
    """

    run_id: str
    created_at: datetime
    grain: Grain
    horizon: int
    windows: int
    as_of: date
    forecasts: pa.Table
    levels: pa.Table
    classes: pa.Table
    backtest: BacktestResult
    accuracy: AccuracyReport
    accuracy_by_level: pa.Table
    overrides_log: pa.Table
    reconcile_method: ReconcileMethod
    clipped: int
    params: Mapping[str, object]
    timings: tuple[StepTiming, ...]
    stored: bool = False

    def timing(self, step: str) -> float:
        return sum(t.seconds for t in self.timings if t.step == step)


def _candidates(value: CandidateSet | str | Path | None) -> CandidateSet:
    if isinstance(value, CandidateSet):
        return value
    return load_candidates(value)


def forecast_demand(
    series: DemandSeries,
    *,
    horizon: int,
    windows: int = 3,
    step: int | None = None,
    candidates: CandidateSet | str | Path | None = None,
    reconciliation: ReconcileMethod | str = ReconcileMethod.AUTO,
    overrides: Overrides | str | Path | None = None,
    n_jobs: int | None = None,
    run_id: str | None = None,
) -> ForecastRun:
    """Forecast in-memory demand series (steps 2-8 of the module docstring)."""
    if horizon < 1:
        raise ConfigError(f"horizon must be at least one period, got {horizon}")
    cands = _candidates(candidates)
    method = ReconcileMethod(reconciliation)
    columns = series.columns
    grain = series.grain
    timings: list[StepTiming] = []
    clock = time.perf_counter()

    def lap(step_name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings.append(StepTiming(step_name, now - clock))
        clock = now

    hierarchy = build_hierarchy(series.keys, columns)
    aggregates = aggregate_series(series.data, hierarchy)
    data = pa.concat_tables([aggregates, series.data])
    data = data.take(
        pc.sort_indices(data, [(columns.id, "ascending"), (columns.time, "ascending")])
    )
    lap("hierarchy")
    classes = classify(data, columns=columns)
    lap("classify")
    bt = backtest(
        data,
        classes,
        cands,
        grain=grain,
        horizon=horizon,
        windows=windows,
        step=step,
        n_jobs=n_jobs,
        columns=columns,
    )
    lap("backtest")
    final = final_forecasts(
        data,
        bt.choice,
        bt.forecasts,
        cands,
        grain=grain,
        horizon=horizon,
        n_jobs=n_jobs,
        columns=columns,
    )
    lap("forecast")
    errors = reconciliation_errors(data, bt, columns)
    rec = reconcile(
        hierarchy,
        final.table.select([columns.id, columns.time, "forecast"]),
        errors=errors,
        method=method,
    )
    lap("reconcile")

    bottom = _bottom_forecasts(final.table, rec.table, bt.choice, series.keys, columns)
    if overrides is not None:
        ov = (
            overrides
            if isinstance(overrides, Overrides)
            else load_overrides(overrides, grain=grain)
        )
        if ov.grain is not grain:
            raise ConfigError(
                f"{ov.source}: the overrides were read for {ov.grain} periods, the run is {grain}"
            )
        bottom, log = apply_overrides(bottom, ov)
        source = ov.source
    else:
        bottom = bottom.append_column("adjusted", bottom.column("forecast"))
        log = _empty_log()
        source = None
    levels = _levels(rec.table, bottom, hierarchy, columns)
    lap("overrides")
    report = accuracy_report(bt.forecasts, bt.choice, series.keys, cands.benchmark, columns=columns)
    per_node = series_accuracy(bt.forecasts, bt.choice, cands.benchmark, columns).join(
        hierarchy.nodes.select([columns.id, "level"]), columns.id, join_type="inner"
    )
    by_level = group_accuracy(per_node, ["level"])
    lap("accuracy")
    params: dict[str, object] = {
        "windows": windows,
        "step": bt.step,
        "cutoffs": [c.isoformat() for c in bt.cutoffs],
        "candidates": cands.source,
        "selection_metric": cands.selection_metric.value,
        "benchmark": cands.benchmark,
        "reconciliation": rec.method.value,
        "overrides": source,
        "n_series": series.n_series,
        "start": series.start.isoformat(),
        "end": series.end.isoformat(),
    }
    return ForecastRun(
        run_id=run_id or new_run_id(),
        created_at=datetime.now(UTC).replace(tzinfo=None),
        grain=grain,
        horizon=horizon,
        windows=windows,
        as_of=series.as_of,
        forecasts=bottom,
        levels=levels,
        classes=classes,
        backtest=bt,
        accuracy=report,
        accuracy_by_level=by_level,
        overrides_log=log,
        reconcile_method=rec.method,
        clipped=rec.clipped,
        params=params,
        timings=tuple(timings),
    )


def run_forecast(
    warehouse: Warehouse,
    grain: Grain | str = Grain.WEEK,
    horizon: int = 13,
    windows: int = 3,
    as_of: date | None = None,
    candidates: CandidateSet | str | Path | None = None,
    overrides: Overrides | str | Path | None = None,
    n_jobs: int | None = None,
    *,
    reconciliation: ReconcileMethod | str = ReconcileMethod.AUTO,
    cancelled: CancelledPolicy | str = CancelledPolicy.INCLUDE,
    store: bool = True,
) -> ForecastRun:
    """Forecast demand per SKU x site from the warehouse and store the run."""
    try:
        the_grain = Grain(grain)
    except ValueError as exc:
        raise ConfigError(f"grain must be 'week' or 'month', got {grain!r}") from exc
    began = time.perf_counter()
    series = demand_series(
        warehouse, grain=the_grain, as_of=as_of, cancelled=CancelledPolicy(cancelled)
    )
    extract = StepTiming("extract", time.perf_counter() - began)
    run = forecast_demand(
        series,
        horizon=horizon,
        windows=windows,
        candidates=candidates,
        reconciliation=reconciliation,
        overrides=overrides,
        n_jobs=n_jobs,
    )
    params = {**run.params, "cancelled": CancelledPolicy(cancelled).value}
    timings = [extract, *run.timings]
    if store:
        t0 = time.perf_counter()
        cols = series.columns
        backtests = _stored_backtests(run.backtest.forecasts, series, cols.id, cols.time)
        store_run(
            warehouse,
            run_id=run.run_id,
            created_at=run.created_at,
            grain=the_grain.value,
            horizon=horizon,
            params=params,
            as_of=run.as_of,
            forecasts=run.forecasts,
            backtests=backtests,
            overrides=run.overrides_log,
        )
        timings.append(StepTiming("store", time.perf_counter() - t0))
    return ForecastRun(
        **{
            **{f: getattr(run, f) for f in run.__dataclass_fields__},
            "params": params,
            "timings": tuple(timings),
            "stored": store,
        }
    )


def reconciliation_errors(data: pa.Table, bt: BacktestResult, columns: SeriesColumns) -> pa.Table:
    """Backtest errors of each node's chosen model, one row per node and period.

    Short-history nodes get the errors of a naive forecast (previous value, zero
    before the first) over the backtest periods.
    """
    fc = bt.forecasts
    chosen_of = index_of(bt.choice.column(columns.id), fc.column(columns.id))
    names = pc.unique(bt.choice.column("model"))
    want = index_of(names, bt.choice.column("model"))
    mine = index_of(names, fc.column("model")) == want[np.clip(chosen_of, 0, None)]
    rows = fc.filter(pa.array(mine & (chosen_of >= 0)))
    rows = rows.take(
        pc.sort_indices(
            rows, [(columns.id, "ascending"), (columns.time, "ascending"), ("cutoff", "descending")]
        )
    )
    if rows.num_rows:
        key = pc.binary_join_element_wise(
            rows.column(columns.id), pc.cast(rows.column(columns.time), pa.string()), "|"
        ).combine_chunks()
        first = np.ones(rows.num_rows, dtype=bool)
        first[1:] = pc.not_equal(key.slice(1), key.slice(0, len(key) - 1)).to_numpy(
            zero_copy_only=False
        )
        rows = rows.filter(pa.array(first))
    chosen = rows.select([columns.id, columns.time, "actual", "forecast"])
    short_ids = bt.choice.filter(
        pc.equal(bt.choice.column("route"), Route.SHORT_HISTORY.value)
    ).column(columns.id)
    if len(short_ids) == 0 or not bt.cutoffs:
        return chosen
    lay = layout(data, columns)
    y = data.column(columns.target).to_numpy(zero_copy_only=False).astype(np.float64)
    prev = np.where(lay.position > 0, np.roll(y, 1), 0.0)
    when = data.column(columns.time)
    is_short = pc.is_in(data.column(columns.id), value_set=short_ids).to_numpy(zero_copy_only=False)
    after = pc.greater(when, pa.scalar(bt.cutoffs[0], pa.date32())).to_numpy(zero_copy_only=False)
    keep = pa.array(np.asarray(is_short, dtype=bool) & np.asarray(after, dtype=bool))
    naive = pa.table(
        {
            columns.id: data.column(columns.id).filter(keep),
            columns.time: when.filter(keep),
            "actual": pa.array(y).filter(keep),
            "forecast": pa.array(prev).filter(keep),
        }
    )
    return pa.concat_tables([chosen, naive])


def _bottom_forecasts(
    final: pa.Table, reconciled: pa.Table, choice: pa.Table, keys: pa.Table, columns: SeriesColumns
) -> pa.Table:
    rec = reconciled.filter(pc.equal(reconciled.column("level"), Level.SKU_SITE.value))
    base = final.join(
        rec.select([columns.id, columns.time, "reconciled"]),
        [columns.id, columns.time],
        join_type="inner",
    )
    base = base.join(keys.select([columns.id, "sku", "site_id"]), columns.id, join_type="inner")
    base = base.join(choice.select([columns.id, "demand_class"]), columns.id, join_type="inner")
    point = base.column("forecast").to_numpy().astype(np.float64)
    new = base.column("reconciled").to_numpy().astype(np.float64)
    delta = new - point
    out = {
        "sku": base.column("sku"),
        "site_id": base.column("site_id"),
        "period_start": base.column(columns.time),
        "model": base.column("model"),
        "demand_class": base.column("demand_class"),
        "forecast": pa.array(new),
    }
    for name in ("lo80", "hi80", "lo95", "hi95"):
        bound = base.column(name).to_numpy(zero_copy_only=False).astype(np.float64)
        out[name] = pa.array(np.clip(bound + delta, 0.0, None))
    out["interval"] = base.column("interval")
    table = pa.table(out)
    return table.take(
        pc.sort_indices(
            table, [("sku", "ascending"), ("site_id", "ascending"), ("period_start", "ascending")]
        )
    )


def _levels(
    reconciled: pa.Table, bottom: pa.Table, hierarchy: Hierarchy, columns: SeriesColumns
) -> pa.Table:
    """Every node's base, reconciled and adjusted figures (adjusted summed up from SKU x site)."""
    ids = hierarchy.ids
    n_b = hierarchy.n_bottom
    periods, pcol = np.unique(
        np.asarray(
            bottom.column("period_start").to_numpy(zero_copy_only=False), dtype="datetime64[D]"
        ),
        return_inverse=True,
    )
    bottom_ids = series_id(bottom.column("sku"), bottom.column("site_id"))
    brow = index_of(ids.slice(hierarchy.n_aggregates), bottom_ids)
    adj = np.zeros((n_b, len(periods)))
    adj[brow, pcol] = bottom.column("adjusted").to_numpy().astype(np.float64)
    summed = np.asarray(hierarchy.summing_matrix(dense=False) @ adj)
    node_row = index_of(ids, reconciled.column(columns.id))
    when = np.asarray(
        reconciled.column(columns.time).to_numpy(zero_copy_only=False), dtype="datetime64[D]"
    )
    prow = np.searchsorted(periods, when)
    adjusted = summed[node_row, np.clip(prow, 0, len(periods) - 1)]
    nodes = hierarchy.nodes.select([columns.id, "family", "site_id"])
    out = reconciled.append_column("adjusted", pa.array(adjusted)).join(
        nodes, columns.id, join_type="inner"
    )
    out = out.rename_columns(["node" if c == columns.id else c for c in out.column_names])
    out = out.rename_columns(["period_start" if c == columns.time else c for c in out.column_names])
    out = out.select(
        ["node", "level", "family", "site_id", "period_start", "base", "reconciled", "adjusted"]
    )
    return out.take(
        pc.sort_indices(
            out, [("level", "ascending"), ("node", "ascending"), ("period_start", "ascending")]
        )
    )


def _stored_backtests(
    forecasts: pa.Table, series: DemandSeries, id_col: str, time_col: str
) -> pa.Table:
    """Backtest rows of the SKU x site series in the stored shape."""
    keys = series.keys.select([id_col, "sku", "site_id"])
    rows = forecasts.join(keys, id_col, join_type="inner")
    return rows.select(
        ["sku", "site_id", "cutoff", time_col, "model", "actual", "forecast"]
    ).rename_columns(["sku", "site_id", "cutoff", "period_start", "model", "actual", "forecast"])


def _empty_log() -> pa.Table:
    return pa.table(
        {
            "sku": pa.array([], pa.string()),
            "site_id": pa.array([], pa.string()),
            "period_start": pa.array([], pa.date32()),
            "kind": pa.array([], pa.string()),
            "amount": pa.array([], pa.float64()),
            "before": pa.array([], pa.float64()),
            "after": pa.array([], pa.float64()),
            "who": pa.array([], pa.string()),
            "why": pa.array([], pa.string()),
            "source": pa.array([], pa.string()),
        }
    )
