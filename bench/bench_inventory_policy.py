"""Bench: size 1,000,000 SKU x site rows with obeya.inventory.inventory_policy, then
the whole ``obeya inventory policy`` pipeline on a warehouse of 10,000 series.

Part 1 prints the median of 5 runs of the library call and of a bare NumPy baseline
written inline here (the formulas alone, without input checks, broadcasting or the
extra outputs), for a cycle-service-level and a fill-rate target, and their ratio.

Part 2 generates a DuckDB warehouse with SQL (1,000 SKUs x 10 sites, a year of order
lines, purchase receipts and two snapshots), then times each step of the pipeline
(median of 3 runs): every statistic family's query, the planner over the arrays, the
summary, and the command end to end; the baseline is one bare GROUP BY over the
order lines in the same process.

    uv run python bench/bench_inventory_policy.py [rows] [series]
"""

from __future__ import annotations

import contextlib
import io
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy import special

from obeya.inventory import ServiceTarget, inventory_policy

RUNS = 5


def make_rows(n: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(42)
    return {
        "demand_mean": rng.gamma(2.0, 50.0, n),
        "demand_sd": rng.gamma(2.0, 15.0, n),
        "lead_time_mean": rng.uniform(1.0, 12.0, n),
        "lead_time_sd": rng.uniform(0.0, 2.0, n),
        "unit_cost": rng.lognormal(2.5, 1.0, n),
        "order_cost": rng.uniform(20.0, 200.0, n),
        "holding_rate": np.full(n, 0.25),
    }


def baseline_csl(rows: dict[str, np.ndarray], level: np.ndarray) -> np.ndarray:
    d, sd = rows["demand_mean"], rows["demand_sd"]
    lt, sdl = rows["lead_time_mean"], rows["lead_time_sd"]
    sigma = np.sqrt(lt * sd * sd + d * d * sdl * sdl)
    q = np.sqrt(2.0 * d * 52.0 * rows["order_cost"] / (rows["holding_rate"] * rows["unit_cost"]))
    safety = special.ndtri(level) * sigma
    reorder = d * lt + safety
    _ = (safety + q / 2.0) * rows["unit_cost"]
    return reorder


def baseline_fill(rows: dict[str, np.ndarray], level: np.ndarray) -> np.ndarray:
    d, sd = rows["demand_mean"], rows["demand_sd"]
    lt, sdl = rows["lead_time_mean"], rows["lead_time_sd"]
    sigma = np.sqrt(lt * sd * sd + d * d * sdl * sdl)
    q = np.sqrt(2.0 * d * 52.0 * rows["order_cost"] / (rows["holding_rate"] * rows["unit_cost"]))
    x = q * (1.0 - level) / sigma
    k = np.zeros_like(x)
    for _ in range(12):  # Newton on log G(k) = log x from k = 0, fixed steps
        pdf = np.exp(-0.5 * k * k) / np.sqrt(2.0 * np.pi)
        tail = 0.5 * special.erfc(k / np.sqrt(2.0))
        loss = pdf - k * tail
        k = np.minimum(k + (np.log(loss) - np.log(x)) * loss / tail, 8.5)
    safety = np.maximum(k, 0.0) * sigma
    reorder = d * lt + safety
    _ = (safety + q / 2.0) * rows["unit_cost"]
    return reorder


def median_seconds(fn: Callable[[], object], runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def build_warehouse(path: Path, series: int) -> str:
    """A company of ``series`` SKU x site series (10 sites), generated with SQL."""
    from obeya.warehouse import Warehouse

    sites = 10
    skus = max(series // sites, 1)
    with Warehouse.open(str(path)) as wh:
        con = wh.duckdb
        con.execute(
            "INSERT INTO sites SELECT 'S' || i, 'site ' || i, "
            "CASE WHEN i < 2 THEN 'plant' ELSE 'dc' END, 'DE', NULL, NULL, NULL "
            f"FROM range({sites}) t(i)"
        )
        con.execute(
            "INSERT INTO products SELECT 'K' || i, 'sku', 'fam', NULL, NULL, "
            "5 + (hash(i) % 200) / 4.0, 12 + (hash(i) % 200) / 2.0, NULL, NULL, "
            "CASE WHEN i % 50 = 0 THEN 'phase_out' ELSE 'active' END "
            f"FROM range({skus}) t(i)"
        )
        con.execute("INSERT INTO customers SELECT 'C1', 'c', NULL, NULL, NULL, NULL, NULL")
        con.execute(
            "INSERT INTO suppliers SELECT 'V' || i, 'v', 'CN', NULL, NULL, 14 + 7 * (i % 6) "
            "FROM range(20) t(i)"
        )
        # Each series: 2 to 5 order lines a week over 52 weeks to 2025-12-28.
        con.execute(
            "INSERT INTO order_lines SELECT 'O' || s || '-' || w || '-' || l, 1, 'C1', "
            "'K' || (s // 10), 'S' || (s % 10), NULL, "
            "DATE '2024-12-30' + CAST(w * 7 + l AS INTEGER), NULL, "
            "DATE '2025-01-06' + CAST(w * 7 AS INTEGER), NULL, NULL, "
            "1 + (hash(s * 1000 + w * 10 + l) % 40), 0, 20, 10, 'open' "
            f"FROM range({series}) a(s), range(52) b(w), range(5) c(l) "
            "WHERE l < 2 + hash(s + w) % 4"
        )
        # Twelve purchase order lines per series, one a month, two thirds received.
        con.execute(
            "INSERT INTO purchase_order_lines SELECT 'P' || s || '-' || m, 1, "
            "'V' || (s % 20), 'K' || (s // 10), 'S' || (s % 10), "
            "DATE '2025-01-01' + CAST(m * 30 AS INTEGER), "
            "DATE '2025-01-22' + CAST(m * 30 AS INTEGER), "
            "CASE WHEN (s + m) % 3 = 0 THEN NULL "
            "ELSE DATE '2025-01-15' + CAST(m * 30 + hash(s * 12 + m) % 21 AS INTEGER) END, "
            "200, CASE WHEN (s + m) % 3 = 0 THEN 0 ELSE 200 END, NULL, 9, NULL "
            f"FROM range({series}) a(s), range(11) b(m)"
        )
        con.execute(
            "INSERT INTO inventory_snapshots SELECT d, 'S' || (s % 10), 'K' || (s // 10), "
            "hash(s) % 400, NULL, NULL, 10 "
            f"FROM range({series}) a(s), (VALUES (DATE '2025-12-21'), (DATE '2025-12-28')) v(d)"
        )
    return str(path)


def pipeline(series: int) -> None:
    from obeya.cli import main as cli_main
    from obeya.inventory import PlannerSettings, plan_policy, plan_summary, read_series_inputs
    from obeya.inventory import warehouse_inputs as wi
    from obeya.inventory.planner import GroupBy
    from obeya.warehouse import Warehouse

    runs = 3
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        path = build_warehouse(Path(folder) / "bench.duckdb", series)
        built = time.perf_counter() - started
        with Warehouse.open(path, read_only=True) as wh:
            lines = wh.row_count("order_lines")
            print(
                f"\nobeya inventory policy on {series:,} SKU x site series "
                f"({lines:,} order lines, built in {built:.1f} s), median of {runs} runs"
            )
            as_of = wi.resolve_as_of(wh)
            start, end = wi.demand_window(as_of, 26)
            weekly = wi.weekly_demand(wh, start, end)
            steps: list[tuple[str, Callable[[], object]]] = [
                (
                    "baseline: bare GROUP BY",
                    lambda: wh.duckdb.execute(
                        "SELECT sku, site_id, sum(qty_ordered) FROM order_lines "
                        "WHERE order_date >= ? AND order_date < ? GROUP BY 1, 2",
                        [start, end],
                    ).to_arrow_table(),
                ),
                ("weekly demand (long)", weekly.to_pyarrow),
                ("demand statistics", lambda: wi._history_stats(weekly, 26).to_pyarrow()),
                (
                    "lead-time statistics",
                    lambda: wi._lead_time_stats(wh, as_of, 365).to_pyarrow(),
                ),
                ("current stock", lambda: wi.current_stock(wh, as_of)),
                ("read_series_inputs (all)", lambda: read_series_inputs(wh)),
            ]
            timings = {label: median_seconds(fn, runs) for label, fn in steps}
            inputs = read_series_inputs(wh)
            plan_time = median_seconds(lambda: plan_policy(inputs, PlannerSettings()), runs)
            plan = plan_policy(inputs, PlannerSettings())
            summary_time = median_seconds(lambda: plan_summary(plan, GroupBy.CLASS), runs)

        def command() -> None:
            with (
                contextlib.redirect_stdout(io.StringIO()),
                contextlib.redirect_stderr(io.StringIO()),
                contextlib.suppress(SystemExit),
            ):  # Typer exits 0 when done
                cli_main(["inventory", "policy", "--format", "json", "--warehouse", path])

        command_time = median_seconds(command, runs)
    base = timings["baseline: bare GROUP BY"]
    for label, seconds in [
        *timings.items(),
        ("plan_policy (NumPy engines)", plan_time),
        ("plan_summary by class", summary_time),
        ("whole command (CLI, JSON)", command_time),
    ]:
        print(f"  {label:30s} {seconds:7.3f} s   ratio to baseline {seconds / base:6.1f}")
    print(f"  series planned: {inputs.size:,}")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    series = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    rows = make_rows(n)
    csl = np.full(n, 0.95)
    fill = np.full(n, 0.98)
    print(f"inventory_policy on {n:,} SKU x site rows, median of {RUNS} runs")
    for label, target, level, baseline in [
        ("cycle service level", ServiceTarget.CYCLE_SERVICE_LEVEL, csl, baseline_csl),
        ("fill rate", ServiceTarget.FILL_RATE, fill, baseline_fill),
    ]:
        ours = median_seconds(
            lambda t=target, lv=level: inventory_policy(**rows, service_level=lv, target=t)
        )
        bare = median_seconds(lambda b=baseline, lv=level: b(rows, lv))
        result = inventory_policy(**rows, service_level=level, target=target)
        agree = np.max(np.abs(result.reorder_point - baseline(rows, level)))
        print(
            f"  {label:20s} obeya {ours:7.3f} s   bare NumPy {bare:7.3f} s   "
            f"ratio {ours / bare:5.2f}   max |reorder point difference| {agree:.2e}"
        )
    pipeline(series)


if __name__ == "__main__":
    main()
