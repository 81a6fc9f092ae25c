"""Bench: size 1,000,000 SKU x site rows with obeya.inventory.inventory_policy.

Prints the median of 5 runs of the library call and of a bare NumPy baseline written
inline here (the formulas alone, without input checks, broadcasting or the extra
outputs), for a cycle-service-level and a fill-rate target, and their ratio.

    uv run python bench/bench_inventory_policy.py [rows]
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable

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


def median_seconds(fn: Callable[[], object]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
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


if __name__ == "__main__":
    main()
