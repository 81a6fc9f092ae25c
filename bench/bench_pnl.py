"""Benchmark the finance engines against hand-written baselines in the same process.

* P&L with variances on 3 years x 50 sites x 200 accounts (360,000 rows each in
  gl_actuals and budget, generated in DuckDB), target under 2 s per report, against
  one hand-written DuckDB SQL query that computes the same lines and margins.
* Monte Carlo landing with 10,000 paths x 12 months, target under 5 s, against the
  same arithmetic written as bare NumPy without validation or result objects.
* Rolling forecast end to end on the demo company (about 1M order lines; the scale is
  ``OBEYA_BENCH_SCALE``, default 1): read the warehouse, project the remaining months,
  simulate 10,000 paths (as of January: 11 months to project); target under 5 s, against the simulation alone on the same
  inputs (the ratio is the price of reading the warehouse).

Prints the median of 5 runs of each and the ratio engine / baseline.

    uv run python bench/bench_pnl.py
"""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa

from obeya.finance import (
    Comparison,
    PnlLineCode,
    PnlMode,
    RollingForecastInputs,
    Uncertain,
    build_rolling_forecast,
    pnl,
    simulate_landing,
)
from obeya.model.schema import PL_LINES, TABLES

RUNS = 5
AS_OF = "2025-01"
YEARS, SITES, ACCOUNTS = 3, 50, 200


def median_seconds(fn: Callable[[], object], runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def build_warehouse() -> Any:
    con = ibis.duckdb.connect()
    for name in ("accounts", "gl_actuals", "budget"):
        con.raw_sql(TABLES[name].ddl())
    lines = ", ".join(f"'{ln}'" for ln in PL_LINES)
    con.raw_sql(
        f"""
        INSERT INTO accounts (account, name, pl_line)
        SELECT printf('A%03d', a), printf('Account %d', a), ([{lines}])[1 + a % {len(PL_LINES)}]
        FROM range({ACCOUNTS}) t(a)
        """
    )
    con.raw_sql("SELECT setseed(0.42)")
    for table, noise in (("gl_actuals", 0.2), ("budget", 0.0)):
        con.raw_sql(
            f"""
            INSERT INTO {table} (period, site_id, account, amount)
            SELECT printf('%04d-%02d', 2023 + m // 12, m % 12 + 1), printf('S%02d', s),
                   printf('A%03d', a), 1000 + 10 * a + 5 * s + {noise} * 1000 * random()
            FROM range({12 * YEARS}) t(m), range({SITES}) u(s), range({ACCOUNTS}) v(a)
            """
        )
    return con


def baseline_sql(
    months: tuple[str, ...], comp_table: str, comp_months: tuple[str, ...], by_site: bool
) -> str:
    """One hand-written query: sums per source and line, margins by conditional sums."""
    site = "site_id" if by_site else "'all'"

    def in_list(ms: tuple[str, ...]) -> str:
        return ", ".join(f"'{m}'" for m in ms)

    sums = ", ".join(f"SUM(amount) FILTER (WHERE pl_line = '{ln}') AS {ln}" for ln in PL_LINES)
    return f"""
    WITH facts AS (
        SELECT 'actual' AS source, {site} AS site_id, a.pl_line, g.amount
        FROM gl_actuals g JOIN accounts a USING (account) WHERE g.period IN ({in_list(months)})
        UNION ALL
        SELECT 'comparison', {site}, a.pl_line, b.amount
        FROM {comp_table} b JOIN accounts a USING (account) WHERE b.period IN ({in_list(comp_months)})
    ), wide AS (
        SELECT source, site_id, {sums} FROM facts GROUP BY source, site_id
    )
    SELECT *,
           revenue - cogs_material - cogs_labor - cogs_overhead AS gross_margin,
           revenue - cogs_material - cogs_labor - cogs_overhead
             - freight - warehousing - sga - other AS operating_income
    FROM wide ORDER BY site_id, source
    """


def bench_pnl(con: Any) -> None:
    cases = [
        ("month", "2025-06", PnlMode.MONTH, Comparison.BUDGET, False),
        ("ytd by site", "2025-06", PnlMode.YTD, Comparison.BUDGET, True),
        ("full year by site", "2025-06", PnlMode.FULL_YEAR, Comparison.BUDGET, True),
        ("ytd vs last year by site", "2025-06", PnlMode.YTD, Comparison.LAST_YEAR, True),
    ]
    print(
        f"P&L: {YEARS} years x {SITES} sites x {ACCOUNTS} accounts "
        f"({12 * YEARS * SITES * ACCOUNTS:,} rows per fact table), median of {RUNS}"
    )
    print(f"{'case':<28}{'engine s':>10}{'SQL s':>10}{'ratio':>8}  target < 2 s")
    for label, period, mode, comparison, by_site in cases:
        report = pnl(con, period, mode, comparison=comparison, by_site=by_site)
        months = report.months
        comp_table = "budget" if comparison is Comparison.BUDGET else "gl_actuals"
        sql = baseline_sql(months, comp_table, report.comparison_months, by_site)
        base = con.raw_sql(sql).df()
        # Sanity: the company operating income agrees with the baseline's.
        actual_oi = base.loc[base["source"] == "actual", "operating_income"].sum()
        engine_oi = report.line(PnlLineCode.OPERATING_INCOME).actual
        assert np.isclose(actual_oi, engine_oi, rtol=1e-9), (actual_oi, engine_oi)

        engine = median_seconds(
            lambda p=period, m=mode, c=comparison, b=by_site: pnl(
                con, p, m, comparison=c, by_site=b
            )
        )
        baseline = median_seconds(lambda s=sql: con.raw_sql(s).df())
        verdict = "ok" if engine < 2.0 else "SLOW"
        print(f"{label:<28}{engine:>10.3f}{baseline:>10.3f}{engine / baseline:>8.1f}  {verdict}")


def mc_inputs() -> RollingForecastInputs:
    months = tuple(f"2026-{m:02d}" for m in range(1, 13))
    return RollingForecastInputs(
        months=months,
        planned_units=tuple(10_000.0 + 500 * m for m in range(12)),
        volume_sd=0.08,
        price=Uncertain(25.0, 0.6),
        unit_cost=Uncertain(15.0, 0.4),
        freight_rate=Uncertain(1.2, 0.1),
        fixed_costs=Uncertain(80_000.0, 5_000.0),
        volume_correlation=0.4,
    )


def numpy_baseline(inputs: RollingForecastInputs, paths: int, seed: int) -> np.ndarray:
    n = len(inputs.months)
    rng = np.random.default_rng(seed)
    corr = np.full((n, n), 0.4)
    np.fill_diagonal(corr, 1.0)
    w, v = np.linalg.eigh(corr)
    z = rng.standard_normal((paths, n)) @ (v * np.sqrt(w)).T
    volume = np.asarray(inputs.planned_units) * np.maximum(1 + 0.08 * z, 0)
    level = rng.standard_normal((paths, 3))
    price = 25 + 0.6 * level[:, :1]
    unit = 15 + 0.4 * level[:, 1:2] + 1.2 + 0.1 * level[:, 2:3]
    fixed = 80_000 + 5_000 * rng.standard_normal((paths, n))
    income = (volume * price - volume * unit - fixed).sum(axis=1)
    return np.percentile(income, [10, 50, 90])


def bench_montecarlo() -> None:
    inputs = mc_inputs()
    paths = 10_000
    forecast = simulate_landing(inputs, paths, seed=1)
    base = numpy_baseline(inputs, paths, seed=1)
    ours = np.array(
        [
            forecast.operating_income.p10,
            forecast.operating_income.p50,
            forecast.operating_income.p90,
        ]
    )
    assert np.allclose(ours, base, rtol=1e-9), (ours, base)
    engine = median_seconds(lambda: simulate_landing(inputs, paths, seed=1))
    baseline = median_seconds(lambda: numpy_baseline(inputs, paths, seed=1))
    print(f"\nMonte Carlo landing: {paths:,} paths x {len(inputs.months)} months, median of {RUNS}")
    print(f"{'engine s':>10}{'NumPy s':>10}{'ratio':>8}  target < 5 s")
    verdict = "ok" if engine < 5.0 else "SLOW"
    print(f"{engine:>10.4f}{baseline:>10.4f}{engine / baseline:>8.2f}  {verdict}")
    print(f"operating income P10 / P50 / P90: {ours[0]:,.0f} / {ours[1]:,.0f} / {ours[2]:,.0f}")


def bench_rolling(scale: float) -> None:
    from obeya.demo import DemoConfig, generate
    from obeya.ingest import load_arrow
    from obeya.warehouse import Warehouse

    folder = Path(tempfile.mkdtemp(prefix="obeya-bench-"))
    start = time.perf_counter()
    chunks: dict[str, list[pa.Table]] = defaultdict(list)
    for name, chunk in generate(DemoConfig(scale=scale)):
        chunks[name].append(chunk)
    with Warehouse.open(str(folder / "demo.duckdb")) as wh:
        load_arrow(wh, {n: pa.concat_tables(c) for n, c in chunks.items()}, label="bench")
        lines = wh.row_count("order_lines")
        print(f"\ndemo company (scale {scale}) built in {time.perf_counter() - start:.1f} s, "
              f"{lines:,} order lines")  # fmt: skip
        paths = 10_000

        def end_to_end() -> object:
            fc = build_rolling_forecast(wh, AS_OF)
            return simulate_landing(fc.inputs(), paths, seed=0)

        inputs = build_rolling_forecast(wh, AS_OF).inputs()
        engine = median_seconds(end_to_end)
        baseline = median_seconds(lambda: simulate_landing(inputs, paths, seed=0))
    shutil.rmtree(folder, ignore_errors=True)
    print(
        f"Rolling forecast as of {AS_OF} (11 months to project), {paths:,} paths, median of {RUNS}"
    )
    print(f"{'end to end s':>14}{'simulation s':>14}{'ratio':>8}  target < 5 s")
    verdict = "ok" if engine < 5.0 else "SLOW"
    print(f"{engine:>14.3f}{baseline:>14.4f}{engine / baseline:>8.1f}  {verdict}")


def main() -> None:
    start = time.perf_counter()
    con = build_warehouse()
    rows = con.raw_sql("SELECT count(*) AS n FROM gl_actuals").df()["n"].iloc[0]
    print(f"warehouse built in {time.perf_counter() - start:.1f} s ({rows:,} gl_actuals rows)\n")
    pd.set_option("display.width", 120)
    bench_pnl(con)
    bench_montecarlo()
    bench_rolling(float(os.environ.get("OBEYA_BENCH_SCALE", "1")))


if __name__ == "__main__":
    main()
