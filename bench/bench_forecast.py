"""Demand forecasting benchmark: speed and accuracy, printed together.

Synthesises weekly demand for many SKU x site series (smooth seasonal, erratic,
intermittent and lumpy, a few new products), holds out the last 13 weeks, runs the
whole forecast (hierarchy, classes, 3-window backtest with the default candidates,
final fits, reconciliation, accuracy) on the rest and prints:

1. the time of each step and the total (target: under 5 minutes for 10,000 series
   of 156 weeks on 2 cores);
2. held-out accuracy (WAPE, MASE, bias) of the per-series choice against the
   seasonal naive and against every candidate applied to every series;
3. reconciliation time per method at the full size;
4. the model-fitting overhead: the backtest step against calling statsforecast
   ``cross_validation`` directly on the same model groups, series and windows, in
   the same process (medians of ``--repeats`` runs on ``--ratio-series`` series).

    uv run python bench/bench_forecast.py              # 10,000 series
    uv run python bench/bench_forecast.py --series 2000 --ratio-series 500
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time
import warnings
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from obeya.demand import (
    DemandSeries,
    Grain,
    ReconcileMethod,
    backtest,
    build_hierarchy,
    classify,
    forecast_demand,
    load_candidates,
    reconcile,
    reconciliation_errors,
    series_from_table,
)

START = date(2023, 1, 2)  # a Monday
HOLDOUT = 13


def cpu_seconds() -> float:
    """User + system CPU of this process and of its finished workers."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def synthesise(n: int, weeks: int, seed: int = 11) -> tuple[pa.Table, pa.Table]:
    """Long table (unique_id, ds, y) and keys of ``n`` weekly series."""
    rng = np.random.default_rng(seed)
    t = np.arange(weeks)
    kind = rng.choice(4, size=n, p=[0.45, 0.10, 0.30, 0.15])
    phase = rng.uniform(0, 2 * np.pi, n)[:, None]
    amp = rng.uniform(0.1, 0.5, n)[:, None] * (rng.random(n) < 0.8)[:, None]
    season = (
        1
        + amp * np.sin(2 * np.pi * t / 52 + phase)
        + 0.3 * amp * np.sin(4 * np.pi * t / 52 + phase)
    )
    trend = 1 + rng.normal(0, 0.002, n)[:, None] * t
    level = np.exp(rng.normal(3.5, 0.8, n))[:, None]
    mean = np.clip(level * season * trend, 0.1, None)
    smooth = rng.poisson(mean)
    erratic = rng.poisson(mean * rng.gamma(0.8, 1 / 0.8, (n, weeks)))
    p_int = rng.uniform(0.2, 0.6, n)[:, None] * season / season.mean(axis=1, keepdims=True)
    intermittent = (rng.random((n, weeks)) < np.clip(p_int, 0, 1)) * (
        1 + rng.poisson(3, (n, weeks))
    )
    p_lumpy = rng.uniform(0.1, 0.5, n)[:, None]
    lumpy = (rng.random((n, weeks)) < p_lumpy) * np.ceil(rng.gamma(0.5, 20, (n, weeks)))
    y = np.choose(kind[:, None], [smooth, erratic, intermittent, lumpy]).astype(np.float64)
    # 5 % new products: launched in the last 60 weeks
    first = np.where(rng.random(n) < 0.05, weeks - rng.integers(14, 60, n), 0)
    sites = np.array(["DAL", "LYO", "SIN"])[rng.integers(0, 3, n)]
    families = np.array([f"F{f:02d}" for f in range(50)])[rng.integers(0, 50, n)]
    skus = np.array([f"SKU{i:05d}" for i in range(n)])
    ids = np.char.add(np.char.add(skus, "@"), sites)
    keep = t[None, :] >= first[:, None]
    rows_id = np.repeat(ids, weeks)[keep.reshape(-1)]
    days = (np.datetime64(START) + np.timedelta64(7, "D") * t).astype("datetime64[D]")
    rows_ds = np.tile(days, n)[keep.reshape(-1)]
    data = pa.table(
        {
            "unique_id": pa.array(rows_id),
            "ds": pa.array(rows_ds, pa.date32()),
            "y": pa.array(y.reshape(-1)[keep.reshape(-1)]),
        }
    )
    keys = pa.table({"unique_id": ids, "sku": skus, "site_id": sites, "family": families})
    return data, keys


def split(data: pa.Table, keys: pa.Table, weeks: int) -> tuple[DemandSeries, pa.Table]:
    cut = START + timedelta(weeks=weeks - HOLDOUT)
    train = data.filter(pc.less(data.column("ds"), pa.scalar(cut, pa.date32())))
    test = data.filter(pc.greater_equal(data.column("ds"), pa.scalar(cut, pa.date32())))
    present = pc.unique(train.column("unique_id"))
    keys = keys.filter(pc.is_in(keys.column("unique_id"), value_set=present))
    return series_from_table(train, keys, grain=Grain.WEEK), test


def measures(frame: pd.DataFrame, column: str, scale: pd.Series) -> tuple[float, float, float]:
    err = frame[column] - frame["actual"]
    w = err.abs().sum() / frame["actual"].sum()
    b = err.sum() / frame["actual"].sum()
    s = frame["unique_id"].map(scale)
    ok = np.isfinite(s) & (s > 0)
    m = (err.abs()[ok] / s[ok]).mean()
    return float(w), float(m), float(b)


def in_sample_scale(train: pa.Table) -> pd.Series:
    df = train.to_pandas()
    g = df.groupby("unique_id")["y"]
    lag = g.shift(52)
    diff = (df["y"] - lag).abs()
    return diff.groupby(df["unique_id"]).mean()


def single_models(series: DemandSeries, names: list[str]) -> pd.DataFrame:
    """Every candidate fitted on every series (for the best-single-model comparison)."""
    from statsforecast import StatsForecast

    cands = load_candidates()
    frame = series.data.to_pandas()
    frame["ds"] = pd.to_datetime(frame["ds"])
    sizes = frame.groupby("unique_id")["y"].transform("size")
    frame = frame[sizes == sizes.max()]  # products with the full history
    out = None
    for name in names:
        cand = cands.candidate(name)
        jobs = 2 if cand.cost.value == "expensive" else 1
        sf = StatsForecast(models=[cand.build(52)], freq="W-MON", n_jobs=jobs)
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fc = sf.forecast(h=HOLDOUT, df=frame)
        print(f"    {name:<16} on every series: {time.perf_counter() - t0:7.1f} s")
        fc = fc.reset_index() if "unique_id" not in fc.columns else fc
        out = fc if out is None else out.merge(fc, on=["unique_id", "ds"])
    assert out is not None
    out["ds"] = pd.to_datetime(out["ds"]).dt.date
    return out


def bench_ratio(n: int, weeks: int, repeats: int) -> None:
    """Backtest step vs direct statsforecast calls on the same groups."""
    from statsforecast import StatsForecast

    data, keys = synthesise(n, weeks, seed=5)
    series = series_from_table(data, keys, grain=Grain.WEEK)
    classes = classify(series.data)
    cands = load_candidates()
    mine: list[float] = []
    direct: list[float] = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = backtest(series.data, classes, cands, grain=Grain.WEEK, horizon=HOLDOUT, windows=3)
        mine.append(time.perf_counter() - t0)
        # the same groups, series and windows, straight into statsforecast
        choice_ids = result.forecasts.group_by(["model"]).aggregate([("unique_id", "distinct")])
        groups = {tuple(c.models): c for c in result.calls}
        total = 0.0
        frame_all = series.data.to_pandas()
        frame_all["ds"] = pd.to_datetime(frame_all["ds"])
        for models, call in groups.items():
            ids_row = choice_ids.filter(pc.equal(choice_ids.column("model"), models[0]))
            ids = ids_row.column("unique_id_distinct")[0].as_py()
            frame = frame_all[frame_all["unique_id"].isin(ids)]
            sf = StatsForecast(
                models=[cands.candidate(m).build(52) for m in models],
                freq="W-MON",
                n_jobs=call.n_jobs,
            )
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                sf.cross_validation(h=HOLDOUT, df=frame, n_windows=3, step_size=HOLDOUT, refit=True)
            total += time.perf_counter() - t0
        direct.append(total)
    m_mine, m_direct = statistics.median(mine), statistics.median(direct)
    del frame_all
    print(f"\n4. model fitting, {n} series, median of {repeats}:")
    print(f"   backtest step (routing, frames, scoring, choice): {m_mine:7.2f} s")
    print(f"   statsforecast cross_validation, same groups:     {m_direct:7.2f} s")
    print(f"   ratio: {m_mine / m_direct:.3f} (target <= 1.2)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=10_000)
    parser.add_argument("--weeks", type=int, default=156)
    parser.add_argument("--ratio-series", type=int, default=1_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--skip-single", action="store_true", help="skip the every-model comparison"
    )
    parser.add_argument(
        "--demo-skus",
        type=int,
        default=0,
        help="also forecast the demo company with this many SKUs (0: skip)",
    )
    args = parser.parse_args()
    if args.demo_skus:
        bench_demo(args.demo_skus)
        return

    data, keys = synthesise(args.series, args.weeks)
    series, test = split(data, keys, args.weeks)
    print(
        f"{series.n_series} series, {args.weeks} weeks ({args.weeks - HOLDOUT} to fit, {HOLDOUT} held out)"
    )

    t0 = time.perf_counter()
    cpu0 = cpu_seconds()
    run = forecast_demand(series, horizon=HOLDOUT, windows=3)
    total = time.perf_counter() - t0
    cpu = cpu_seconds() - cpu0
    print("\n1. forecast run (default candidates, 3-window backtest):")
    for t in run.timings:
        print(f"   {t.step:<10} {t.seconds:8.1f} s")
    print(
        f"   {'total':<10} {total:8.1f} s wall (target < 300 s); reconciliation: {run.reconcile_method}"
    )
    load = os.getloadavg()
    print(
        f"   CPU time {cpu:.0f} s in this process and its workers: {cpu / 2:.0f} s on two idle "
        f"cores (load average during the run: {load[0]:.1f}, {load[1]:.1f}, {load[2]:.1f})"
    )
    for call in run.backtest.calls:
        print(
            f"   backtest call {', '.join(call.models):<36} {call.n_series:6d} series  n_jobs={call.n_jobs}  {call.seconds:7.1f} s"
        )
    classes = run.classes.join(series.keys.select(["unique_id"]), "unique_id", join_type="inner")
    counts = classes.group_by("demand_class").aggregate([("unique_id", "count")]).to_pylist()
    print("   classes:", ", ".join(f"{c['demand_class']} {c['unique_id_count']}" for c in counts))
    chosen = run.backtest.choice.join(
        series.keys.select(["unique_id"]), "unique_id", join_type="inner"
    )
    picks = chosen.group_by("model").aggregate([("unique_id", "count")]).to_pylist()
    print("   chosen:", ", ".join(f"{p['model']} {p['unique_id_count']}" for p in picks))

    # ---------------------------------------------------------------- held-out accuracy
    levels = run.levels.filter(pc.equal(run.levels.column("level"), "sku_site")).to_pandas()
    levels = levels.rename(columns={"node": "unique_id", "period_start": "ds"})
    actual = test.to_pandas().rename(columns={"y": "actual"})
    frame = actual.merge(levels[["unique_id", "ds", "base", "reconciled"]], on=["unique_id", "ds"])
    scale = in_sample_scale(series.data)
    cands = load_candidates()
    rows = [("per-series choice (base)", "base"), ("per-series choice (reconciled)", "reconciled")]
    if not args.skip_single:
        print("\n   fitting every candidate on every series for the comparison:")
        names = sorted({n for ns in cands.classes.values() for n in ns})
        singles = single_models(series, names)
        frame = frame.merge(singles, on=["unique_id", "ds"], how="left")
        rows += [(f"{n} on every series", n) for n in names]
        complete = frame[list(names)].notna().all(axis=1)
        frame = frame[complete]
    print(
        f"\n2. held-out last {HOLDOUT} weeks, {frame['unique_id'].nunique()} series with every forecast:"
    )
    print(f"   {'forecast':<34} {'WAPE':>7} {'MASE':>7} {'bias':>7}")
    results = {}
    for label, column in rows:
        w, m, b = measures(frame, column, scale)
        results[label] = w
        print(f"   {label:<34} {w:7.3f} {m:7.3f} {b:+7.3f}")
    if not args.skip_single:
        best_single = min((v, k) for k, v in results.items() if k.endswith("every series"))
        naive = results["seasonal_naive on every series"]
        choice = results["per-series choice (base)"]
        print(f"   choice beats seasonal naive: {choice < naive} ({choice:.3f} vs {naive:.3f})")
        print(f"   choice vs best single ({best_single[1]}): {choice:.3f} vs {best_single[0]:.3f}")

    # ---------------------------------------------------------------- reconciliation methods
    print(f"\n3. reconciliation at {series.n_series} bottom series:")
    hierarchy = build_hierarchy(series.keys)
    base = run.levels.select(["node", "period_start", "base"]).rename_columns(
        ["unique_id", "ds", "forecast"]
    )
    errors = reconciliation_errors(_all_data(series, hierarchy), run.backtest, series.columns)
    for method in (
        ReconcileMethod.BOTTOM_UP,
        ReconcileMethod.WLS_STRUCT,
        ReconcileMethod.WLS_VAR,
        ReconcileMethod.MINT_SHRINK,
    ):
        t0 = time.perf_counter()
        reconcile(hierarchy, base, errors=errors, method=method)
        print(f"   {method.value:<12} {time.perf_counter() - t0:7.1f} s")

    bench_ratio(args.ratio_series, args.weeks - HOLDOUT, args.repeats)


def bench_demo(skus: int) -> None:
    """The whole run on the demo company: order lines in DuckDB to stored forecasts."""
    import tempfile
    from pathlib import Path

    from obeya.demand import run_forecast
    from obeya.demo import DemoConfig, generate
    from obeya.ingest import load_arrow
    from obeya.warehouse import Warehouse

    config = DemoConfig(skus=skus, sites=3, years=3, order_lines=600 * skus)
    wanted = {"sites", "products", "customers", "order_lines"}
    t0 = time.perf_counter()
    chunks: dict[str, list[pa.Table]] = {}
    for name, chunk in generate(config):
        if name in wanted:
            chunks.setdefault(name, []).append(chunk)
    tables = {name: pa.concat_tables(parts) for name, parts in chunks.items()}
    with tempfile.TemporaryDirectory() as folder:
        wh = Warehouse.open(str(Path(folder) / "demo.duckdb"))
        load_arrow(wh, tables, label="demo")
        print(
            f"demo company: {skus} SKUs, 3 sites, 3 years, "
            f"{tables['order_lines'].num_rows:,} order lines "
            f"(generated and loaded in {time.perf_counter() - t0:.0f} s)"
        )
        t0 = time.perf_counter()
        run = run_forecast(wh, "week", horizon=13, windows=3)
        print(f"forecast run: {time.perf_counter() - t0:.1f} s wall")
        for t in run.timings:
            print(f"   {t.step:<10} {t.seconds:8.1f} s")
        overall = run.accuracy.overall.to_pylist()[0]
        print(
            f"   {run.params['n_series']} SKU x site series; backtest WAPE {overall['wape']:.3f}, "
            f"MASE {overall['mase']:.3f}, bias {overall['bias']:+.3f}, "
            f"value added over the seasonal naive {overall['fva']:+.3f}"
        )
        print("   by class:")
        for row in run.accuracy.by_class.to_pylist():
            print(
                f"     {row['demand_class']:<13} {row['n_series']:6d} series  WAPE {row['wape']:.3f}"
                f"  FVA {row['fva']:+.3f}"
            )
        wh.close()


def _all_data(series: DemandSeries, hierarchy: object) -> pa.Table:
    from obeya.demand import aggregate_series
    from obeya.demand.reconcile import Hierarchy

    assert isinstance(hierarchy, Hierarchy)
    data = pa.concat_tables([aggregate_series(series.data, hierarchy), series.data])
    return data.take(pc.sort_indices(data, [("unique_id", "ascending"), ("ds", "ascending")]))


if __name__ == "__main__":
    main()
