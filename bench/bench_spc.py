"""Benchmark: X-bar/R limits and every run rule for 10,000 characteristics at once.

10,000 characteristics x 100 subgroups of n = 5 (5 million measurements), one 3-D
array. The engine (``obeya.quality.xbar_r_batch``) computes subgroup means and
ranges, the limits from the first 25 subgroups, standardises, and applies all 4
Western Electric and all 8 Nelson rules to the X-bar charts and rule 1 to the R
charts. The baseline, in the same process on the same data, is bare NumPy computing
only the X-bar/R limits. Prints the median of 3 runs of each and their ratio; the
target for the engine is under 5 s.

Run: ``uv run python bench/bench_spc.py``
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import numpy as np

from obeya.quality import RuleSet, control_constants, xbar_r_batch

CHARACTERISTICS, SUBGROUPS, N, PHASE1, RUNS = 10_000, 100, 5, 25, 3


def baseline(data: np.ndarray) -> tuple[np.ndarray, ...]:
    """Bare NumPy: X-bar/R centre lines and limits only, no rules."""
    k = control_constants(N)
    xbar = data.mean(axis=-1)
    r = data.max(axis=-1) - data.min(axis=-1)
    grand = xbar[:, :PHASE1].mean(axis=-1)
    r_bar = r[:, :PHASE1].mean(axis=-1)
    return grand + k.A2 * r_bar, grand - k.A2 * r_bar, k.D4 * r_bar, k.D3 * r_bar


def engine(data: np.ndarray) -> int:
    result = xbar_r_batch(data, rule_sets=(RuleSet.WESTERN_ELECTRIC, RuleSet.NELSON), phase1=PHASE1)
    return int(result.out_of_control().sum())


def median_seconds(fn: Callable[[np.ndarray], object], data: np.ndarray) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn(data)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    rng = np.random.default_rng(7)
    data = rng.normal(10.0, 1.0, size=(CHARACTERISTICS, SUBGROUPS, N))
    # A sustained shift of 1.5 sigma in the last 20 subgroups of every tenth characteristic.
    data[::10, -20:, :] += 1.5
    control_constants(N)  # integrate d2/d3 once, outside the timings
    flagged = engine(data)
    base = median_seconds(baseline, data)
    full = median_seconds(engine, data)
    print(f"data: {CHARACTERISTICS:,} characteristics x {SUBGROUPS} subgroups x n={N}")
    print(f"baseline (bare NumPy, X-bar/R limits only): {base:.3f} s (median of {RUNS})")
    print(f"engine (limits + 4 WE + 8 Nelson rules + R rule 1): {full:.3f} s (median of {RUNS})")
    print(
        f"ratio engine/baseline: {full / base:.2f}x; target under 5 s: {'met' if full < 5 else 'missed'}"
    )
    print(f"characteristics with at least one signal: {flagged:,}")


if __name__ == "__main__":
    main()
