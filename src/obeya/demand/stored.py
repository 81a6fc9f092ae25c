"""One reader of stored forecast runs, for every part of obeya that uses a forecast.

:func:`~obeya.demand.run_forecast` stores each run in four tables (docs/forecasting.md,
"Stored runs"). Planning, inventory, finance, the CLI and the web app read them
through these functions, so the rules live in one place:

* the *latest* run is the ``forecast_runs`` row with the greatest ``created_at``
  (ties: the greatest ``run_id``);
* the figure to plan with is ``adjusted`` where a planner's override set one, else the
  statistical ``forecast`` (``use_adjusted=False`` gives the statistical one);
* the levels above SKU x site (family, site, family x site, total) are sums of the
  SKU x site figures, so they include the overrides and stay coherent. They carry no
  intervals: the quantile of a sum is not the sum of the quantiles;
* backtest errors are those of the model the run chose for each series;
* the run *made before* a day (:func:`latest_run_before`, what a review of a past
  period compares with) is the one with the greatest ``as_of`` earlier than that day
  (ties: the latest ``created_at``, then the greatest ``run_id``);
* a run's *totals* (:func:`stored_forecast_totals`) sum each level's figures over
  the periods that start in a window, with the number of SKU x site series summed.

The readers return Ibis expressions: they run in the warehouse (DuckDB or PostgreSQL)
and the caller filters, aggregates or fetches them. They accept a
:class:`~obeya.warehouse.Warehouse` or a bare Ibis backend, and never write, so they
work on a warehouse opened read-only.

:func:`stored_accuracy` rebuilds the accuracy report of a run from its stored
backtests. WAPE, bias and value added need only those rows; MASE also needs each
series' in-sample scale, which is recomputed from the order lines with the run's
grain, ``as_of`` and cancelled-lines policy (the same rule as the run's: the mean
absolute seasonal-naive error up to the first backtest origin).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeAlias, assert_never

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from ibis.backends import BaseBackend

from obeya.demand._frames import layout
from obeya.demand.accuracy import AccuracyReport, accuracy_report
from obeya.demand.backtest import _scales
from obeya.demand.reconcile import Level
from obeya.demand.series import (
    DEFAULT_COLUMNS,
    CancelledPolicy,
    Grain,
    demand_series,
    series_id,
)
from obeya.errors import DataError, WarehouseError
from obeya.warehouse import Warehouse

__all__ = [
    "NO_FAMILY",
    "NO_RUN",
    "RunInfo",
    "latest_run_before",
    "latest_run_id",
    "run_info",
    "stored_accuracy",
    "stored_backtest_errors",
    "stored_forecast",
    "stored_forecast_totals",
    "stored_runs",
]

NO_RUN = "no forecast run yet: run `obeya forecast run`"
NO_FAMILY = "(no family)"  # the family of a SKU the products table does not know
_INTERVALS = ("lo80", "hi80", "lo95", "hi95")
_DEFAULT_BENCHMARK = "seasonal_naive"

Source: TypeAlias = Warehouse | BaseBackend


@dataclass(frozen=True, slots=True)
class RunInfo:
    """One ``forecast_runs`` row: what a stored run is (its rows are read separately)."""

    run_id: str
    created_at: datetime | None
    grain: str
    horizon: int
    as_of: date | None
    params: Mapping[str, object]


def _con(source: Source) -> BaseBackend:
    return source.ibis if isinstance(source, Warehouse) else source


def _table(con: BaseBackend, name: str) -> ir.Table:
    if name not in set(con.list_tables()):
        raise WarehouseError(
            f"the warehouse has no {name} table, which stored forecast runs need; "
            "run `obeya forecast run` to create it"
        )
    return con.table(name)


def latest_run_id(warehouse: Source) -> str | None:
    """The id of the latest stored run (by ``created_at``), or None when there is none."""
    con = _con(warehouse)
    if "forecast_runs" not in set(con.list_tables()):
        return None
    runs = con.table("forecast_runs")
    found = (
        runs.order_by([ibis.desc("created_at"), ibis.desc("run_id")])
        .limit(1)
        .select("run_id")
        .to_pyarrow()
    )
    return None if found.num_rows == 0 else str(found.column("run_id")[0].as_py())


def run_info(warehouse: Source, run_id: str | None = None) -> RunInfo:
    """The run ``run_id`` (default: the latest); :class:`WarehouseError` when there is none."""
    con = _con(warehouse)
    rid = run_id if run_id is not None else latest_run_id(con)
    if rid is None:
        raise WarehouseError(NO_RUN)
    if "forecast_runs" not in set(con.list_tables()):
        raise WarehouseError(f"no forecast run {rid!r}: {NO_RUN}")
    runs = con.table("forecast_runs")
    rows = runs.filter(runs.run_id == rid).limit(1).to_pyarrow().to_pylist()
    if not rows:
        latest = (
            runs.order_by([ibis.desc("created_at"), ibis.desc("run_id")])
            .limit(5)
            .select("run_id")
            .to_pyarrow()
            .column("run_id")
            .to_pylist()
        )
        raise WarehouseError(
            f"no forecast run {rid!r} in the warehouse; the latest runs are "
            f"{', '.join(latest) or 'none'} (`obeya forecast runs` lists them all)"
        )
    return _run_of(rows[0])


def stored_runs(warehouse: Source, *, limit: int | None = None) -> list[RunInfo]:
    """Every stored run (or the ``limit`` latest), latest first; empty when there is none.

    The order is that of :func:`latest_run_id` (``created_at``, ties: the greatest
    ``run_id``), so the first run listed is the one the readers use by default.
    """
    if limit is not None and limit < 0:
        raise DataError(f"limit must be a number of runs >= 0, got {limit}")
    con = _con(warehouse)
    if "forecast_runs" not in set(con.list_tables()):
        return []
    runs = con.table("forecast_runs").order_by([ibis.desc("created_at"), ibis.desc("run_id")])
    if limit is not None:
        runs = runs.limit(limit)
    return [_run_of(row) for row in runs.to_pyarrow().to_pylist()]


def latest_run_before(warehouse: Source, day: date) -> RunInfo | None:
    """The latest run made before ``day``, or None when no run's ``as_of`` is earlier.

    "Latest" is by ``as_of`` (the day the run's history ends), then ``created_at``,
    then ``run_id``: a review of a period compares it with the run that could have
    been used when the period began. Runs without an ``as_of`` are never chosen.
    """
    con = _con(warehouse)
    if "forecast_runs" not in set(con.list_tables()):
        return None
    runs = con.table("forecast_runs")
    rows = (
        runs.filter(runs.as_of < ibis.date(day))
        .order_by([ibis.desc("as_of"), ibis.desc("created_at"), ibis.desc("run_id")])
        .limit(1)
        .to_pyarrow()
        .to_pylist()
    )
    return _run_of(rows[0]) if rows else None


def _run_of(row: Mapping[str, Any]) -> RunInfo:
    """A ``forecast_runs`` row as a :class:`RunInfo` (``params`` parsed, grain lower-case)."""
    rid = str(row["run_id"])
    return RunInfo(
        run_id=rid,
        created_at=row.get("created_at"),
        grain=str(row.get("grain") or "").lower(),
        horizon=int(row.get("horizon") or 0),
        as_of=row.get("as_of"),
        params=_params(rid, row.get("params")),
    )


def _params(run_id: str, text: object) -> Mapping[str, object]:
    if text is None or text == "":
        return {}
    try:
        value = json.loads(str(text))
    except json.JSONDecodeError as exc:
        raise DataError(
            f"forecast run {run_id!r}: forecast_runs.params is not JSON ({exc.msg} at "
            f"character {exc.pos}); it is written by run_forecast, do not edit it by hand"
        ) from exc
    if not isinstance(value, dict):
        raise DataError(f"forecast run {run_id!r}: forecast_runs.params is not a JSON object")
    return value


def _level(level: Level | str) -> Level:
    try:
        return Level(level)
    except ValueError as exc:
        allowed = ", ".join(v.value for v in Level)
        raise DataError(f"level must be one of {allowed}, got {level!r}") from exc


def stored_forecast(
    warehouse: Source,
    run_id: str | None = None,
    *,
    level: Level | str = Level.SKU_SITE,
    use_adjusted: bool = True,
    with_family: bool = False,
) -> ir.Table:
    """The run's forecast per series (or level) and ``period_start``, as an Ibis expression.

    ``forecast`` is the figure to plan with (``adjusted`` where present, else the
    statistical forecast; only the statistical one with ``use_adjusted=False``) and
    ``statistical`` the reconciled model forecast. Columns by ``level``:

    * ``sku_site``: ``sku, site_id[, family], period_start, model, demand_class,
      forecast, statistical, lo80, hi80, lo95, hi95`` (the intervals are the
      statistical forecast's); ``family`` with ``with_family=True``;
    * ``family_site``: ``family, site_id, period_start, forecast, statistical, n_series``;
    * ``family``, ``site``: the same keyed by ``family`` or ``site_id``;
    * ``total``: ``period_start, forecast, statistical, n_series``.

    The family comes from ``products`` (:data:`NO_FAMILY` for an unknown SKU). Ordered
    by the keys, then ``period_start``.
    """
    con = _con(warehouse)
    lvl = _level(level)
    rid = run_info(con, run_id).run_id
    family = with_family or lvl in (Level.FAMILY, Level.FAMILY_SITE)
    rows = _rows(con, rid, use_adjusted=use_adjusted, with_family=family)
    keys = _keys(lvl)
    if lvl is Level.SKU_SITE:
        return rows.order_by([*keys, "period_start"])
    summed = rows.group_by([*keys, "period_start"]).aggregate(
        forecast=rows.forecast.sum(),
        statistical=rows.statistical.sum(),
        n_series=rows.sku.count(),
    )
    return summed.order_by([*keys, "period_start"])


def stored_forecast_totals(
    warehouse: Source,
    run_id: str | None = None,
    *,
    level: Level | str = Level.SKU_SITE,
    start: date | None = None,
    end: date | None = None,
    use_adjusted: bool = True,
) -> ir.Table:
    """The run's forecast summed over its periods, per series or level, as an Ibis expression.

    Only the periods whose ``period_start`` lies in ``[start, end]`` count (either
    bound may be left open): a review sums the periods that start inside it, a page
    the whole horizon. ``forecast`` and ``statistical`` are as in
    :func:`stored_forecast`. Columns: the level's keys (``sku, site_id``;
    ``family, site_id``; ``family``; ``site_id``; none for ``total``), ``forecast``,
    ``statistical``, ``n_series`` (the SKU x site series with a period in the window,
    1 per row at ``sku_site``), ``first_period`` and ``last_period`` (the earliest and
    latest ``period_start`` summed). A key without any period in the window has no
    row, nor has ``total`` then. Ordered by the keys.
    """
    con = _con(warehouse)
    lvl = _level(level)
    rid = run_info(con, run_id).run_id
    family = lvl in (Level.FAMILY, Level.FAMILY_SITE)
    rows = _rows(con, rid, use_adjusted=use_adjusted, with_family=family)
    if start is not None:
        rows = rows.filter(rows.period_start >= ibis.date(start))
    if end is not None:
        rows = rows.filter(rows.period_start <= ibis.date(end))
    series = ["sku", "site_id", *(["family"] if family else [])]
    per_series = rows.group_by(series).aggregate(
        forecast=rows.forecast.sum(),
        statistical=rows.statistical.sum(),
        first_period=rows.period_start.min(),
        last_period=rows.period_start.max(),
    )
    keys = _keys(lvl)
    metrics = {
        "forecast": per_series.forecast.sum(),
        "statistical": per_series.statistical.sum(),
        "n_series": per_series.count(),
        "first_period": per_series.first_period.min(),
        "last_period": per_series.last_period.max(),
    }
    if not keys:  # one row for the whole run, none when the window is empty
        whole = per_series.aggregate(**metrics)
        return whole.filter(whole.n_series > 0)
    return per_series.group_by(keys).aggregate(**metrics).order_by(keys)


def _rows(con: BaseBackend, run_id: str, *, use_adjusted: bool, with_family: bool) -> ir.Table:
    """The run's SKU x site rows with the figure to plan with (unordered)."""
    fc = _table(con, "forecasts")
    fc = fc.filter(fc.run_id == run_id, fc.sku.notnull(), fc.site_id.notnull())
    statistical = fc.forecast.cast("float64")
    value = fc.adjusted.cast("float64").coalesce(statistical) if use_adjusted else statistical
    rows = fc.select(
        sku=fc.sku.cast("string"),
        site_id=fc.site_id.cast("string"),
        period_start=fc.period_start.cast("date"),
        model=fc.model.cast("string"),
        demand_class=fc.demand_class.cast("string"),
        forecast=value,
        statistical=statistical,
        **{name: fc[name].cast("float64") for name in _INTERVALS},
    )
    if not with_family:
        return rows
    products = _table(con, "products").select(p_sku="sku", p_family="family")
    joined = rows.left_join(products, rows.sku == products.p_sku)
    family = joined.p_family.cast("string").fill_null(NO_FAMILY).name("family")
    rest = [joined[c] for c in rows.columns if c not in ("sku", "site_id")]
    return joined.select(joined.sku, joined.site_id, family, *rest)


def _keys(level: Level) -> list[str]:
    """The columns that name one row of ``level``."""
    match level:
        case Level.SKU_SITE:
            return ["sku", "site_id"]
        case Level.FAMILY_SITE:
            return ["family", "site_id"]
        case Level.FAMILY:
            return ["family"]
        case Level.SITE:
            return ["site_id"]
        case Level.TOTAL:
            return []
        case _:
            assert_never(level)


def stored_backtest_errors(warehouse: Source, run_id: str | None = None) -> ir.Table:
    """Backtest errors ``forecast - actual`` per SKU x site of the run's chosen model.

    Columns ``sku, site_id, model`` (the model the run's forecast uses), ``n`` (backtest
    periods, every window and step pooled), ``mae``, ``rmse``, ``mean_error`` and
    ``pooled``. A series whose chosen model has no backtest rows (a table made by
    hand) gets the errors of all its backtested models, with ``pooled`` true; a
    series without any backtest row (short history) is absent.
    """
    con = _con(warehouse)
    rid = run_info(con, run_id).run_id
    bt = _table(con, "forecast_backtests")
    bt = bt.filter(bt.run_id == rid, bt.actual.notnull(), bt.forecast.notnull())
    error = bt.forecast.cast("float64") - bt.actual.cast("float64")
    bt = bt.mutate(e=error)
    per_model = bt.group_by(["sku", "site_id", "model"]).aggregate(
        n=bt.e.count(), se=bt.e.sum(), sae=bt.e.abs().sum(), sse=(bt.e * bt.e).sum()
    )
    fc = _table(con, "forecasts")
    fc = fc.filter(fc.run_id == rid)
    used = fc.select(u_sku=fc.sku, u_site=fc.site_id, u_model=fc.model).distinct()
    joined = per_model.left_join(
        used,
        [
            per_model.sku == used.u_sku,
            per_model.site_id == used.u_site,
            per_model.model == used.u_model,
        ],
    )
    mine = joined.u_model.notnull()
    per = joined.group_by(["sku", "site_id"]).aggregate(
        n_mine=joined.n.sum(where=mine),
        se_mine=joined.se.sum(where=mine),
        sae_mine=joined.sae.sum(where=mine),
        sse_mine=joined.sse.sum(where=mine),
        n_all=joined.n.sum(),
        se_all=joined.se.sum(),
        sae_all=joined.sae.sum(),
        sse_all=joined.sse.sum(),
    )
    pooled = per.n_mine.fill_null(0) == 0

    def pick(name: str) -> ir.FloatingValue:
        return ibis.ifelse(pooled, per[f"{name}_all"], per[f"{name}_mine"]).cast("float64")

    n = pick("n")
    chosen = fc.group_by(c_sku=fc.sku, c_site=fc.site_id).aggregate(c_model=fc.model.max())
    out = per.select(
        "sku",
        "site_id",
        n=n.cast("int64"),
        mae=pick("sae") / n,
        rmse=(pick("sse") / n).sqrt(),
        mean_error=pick("se") / n,
        pooled=pooled,
    )
    with_model = out.left_join(chosen, [out.sku == chosen.c_sku, out.site_id == chosen.c_site])
    return with_model.select(
        "sku",
        "site_id",
        model=with_model.c_model.cast("string"),
        n="n",
        mae="mae",
        rmse="rmse",
        mean_error="mean_error",
        pooled="pooled",
    ).order_by(["sku", "site_id"])


def stored_accuracy(
    warehouse: Warehouse, run_id: str | None = None, *, worst: int = 20
) -> AccuracyReport:
    """The accuracy report of a stored run (the same tables as ``ForecastRun.accuracy``).

    Measured on the backtest of each series' chosen model against the benchmark the
    run used (``params.benchmark``, the seasonal naive by default); ``worst`` series
    by absolute error are listed for a planner's attention.
    """
    if worst < 0:
        raise DataError(f"worst must be a number of series >= 0, got {worst}")
    info = run_info(warehouse, run_id)
    try:
        grain = Grain(info.grain)
    except ValueError as exc:
        raise DataError(
            f"forecast run {info.run_id!r} has grain {info.grain!r}; accuracy is measured for "
            "runs of grain week or month"
        ) from exc
    con = warehouse.ibis
    bt = _table(con, "forecast_backtests")
    rows = (
        bt.filter(bt.run_id == info.run_id)
        .select(
            sku=bt.sku.cast("string"),
            site_id=bt.site_id.cast("string"),
            cutoff=bt.cutoff.cast("date"),
            period_start=bt.period_start.cast("date"),
            actual=bt.actual.cast("float64"),
            model=bt.model.cast("string"),
            forecast=bt.forecast.cast("float64"),
        )
        .to_pyarrow()
    )
    if rows.num_rows == 0:
        raise DataError(
            f"forecast run {info.run_id!r} has no backtest rows (every series had too short a "
            "history to backtest), so there is no accuracy to report"
        )
    fc = stored_forecast(warehouse, info.run_id, with_family=True)
    series = (
        fc.group_by(["sku", "site_id"])
        .aggregate(family=fc.family.max(), model=fc.model.max(), demand_class=fc.demand_class.max())
        .order_by(["sku", "site_id"])
        .to_pyarrow()
    )
    cols = DEFAULT_COLUMNS
    ids = series_id(series.column("sku"), series.column("site_id"))
    first_cutoff = _first_cutoff(info, rows)
    scale = _scales_at(warehouse, info, grain, first_cutoff, ids)
    choice = pa.table(
        {
            cols.id: ids,
            "model": series.column("model"),
            "demand_class": series.column("demand_class"),
            "scale": pa.array(scale),
        }
    )
    keys = pa.table(
        {
            cols.id: ids,
            "sku": series.column("sku"),
            "site_id": series.column("site_id"),
            "family": series.column("family"),
        }
    )
    backtests = pa.table(
        {
            cols.id: series_id(rows.column("sku"), rows.column("site_id")),
            "cutoff": rows.column("cutoff"),
            cols.time: rows.column("period_start"),
            "actual": rows.column("actual"),
            "model": rows.column("model"),
            "forecast": rows.column("forecast"),
        }
    )
    benchmark = str(info.params.get("benchmark") or _DEFAULT_BENCHMARK)
    return accuracy_report(backtests, choice, keys, benchmark, worst=worst, columns=cols)


def _first_cutoff(info: RunInfo, rows: pa.Table) -> date:
    """The run's first backtest origin: from its parameters, else its oldest stored cutoff."""
    cutoffs = info.params.get("cutoffs")
    if isinstance(cutoffs, list) and cutoffs:
        return date.fromisoformat(str(cutoffs[0]))
    first = pc.min(rows.column("cutoff")).as_py()
    if not isinstance(first, date):
        raise DataError(f"forecast run {info.run_id!r}: its backtest rows have no cutoff dates")
    return first


def _scales_at(
    warehouse: Warehouse, info: RunInfo, grain: Grain, first_cutoff: date, ids: pa.Array
) -> np.ndarray:
    """Each series' MASE scale as the run computed it, re-read from the order lines."""
    try:
        policy = CancelledPolicy(str(info.params.get("cancelled") or CancelledPolicy.INCLUDE))
    except ValueError as exc:
        raise DataError(
            f"forecast run {info.run_id!r}: params.cancelled is "
            f"{info.params.get('cancelled')!r}; expected include or exclude"
        ) from exc
    history = demand_series(warehouse, grain=grain, as_of=info.as_of, cancelled=policy)
    cols = history.columns
    lay = layout(history.data, cols)
    before = pc.less_equal(history.data.column(cols.time), pa.scalar(first_cutoff, pa.date32()))
    train_first = np.bincount(
        lay.codes,
        weights=np.asarray(before.to_numpy(zero_copy_only=False), dtype=np.float64),
        minlength=lay.n_series,
    ).astype(np.int64)
    scale, _lag = _scales(history.data, lay, cols, train_first, grain.season_length)
    where = np.asarray(
        pc.index_in(ids, value_set=lay.ids).fill_null(-1).to_numpy(zero_copy_only=False),
        dtype=np.int64,
    )
    return np.where(where >= 0, scale[np.clip(where, 0, None)], np.nan)
