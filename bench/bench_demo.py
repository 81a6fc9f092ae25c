"""Speed and memory of the demo company generator.

1. Order lines per second for the default company (1,000,000 lines; median of
   ``--runs``): drawing the order stream and building its Arrow tables, against a
   baseline run in the same process, NumPy drawing the same number of plain uniform
   random numbers for the 16 order-line columns (the floor any generator pays).
2. The whole default company through ``generate`` (every table, both passes).
3. A scaled run (``--scale``, default 10: about 10 million lines) written to Parquet
   in a temporary folder by ``write_parquet``, in a child process so its peak RSS
   (``ru_maxrss``) is its own; lines per second and peak RSS are printed.

    uv run python bench/bench_demo.py [--runs 3] [--scale 10]
    uv run python bench/bench_demo.py --scale 100     # about 100 million lines
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

from obeya.demo import DemoConfig, generate, write_parquet
from obeya.demo.orders import order_chunks, order_lines_table
from obeya.demo.plan import build_plan
from obeya.model import TABLES

ORDER_LINE_COLUMNS = len(TABLES["order_lines"].columns)  # 16


def _time(fn: object, runs: int) -> tuple[float, int]:
    """Median seconds of ``runs`` calls of ``fn`` and the count it returns."""
    times, count = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        count = fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times), count


def order_lines_stage(runs: int) -> None:
    config = DemoConfig()
    start = time.perf_counter()
    plan = build_plan(config)
    plan_s = time.perf_counter() - start

    def draw() -> int:
        return sum(order_lines_table(plan, c).num_rows for c in order_chunks(plan))

    seconds, lines = _time(draw, runs)
    rng = np.random.default_rng(0)

    def baseline() -> int:
        rng.random((ORDER_LINE_COLUMNS, lines))
        return lines

    base_s, _ = _time(baseline, runs)
    print(f"plan (master data, demand plan, stock simulation, lines): {plan_s:.2f} s")
    print(
        f"order_lines: {lines:,} lines in {seconds:.3f} s = {lines / seconds:,.0f} lines/s "
        f"(median of {runs})"
    )
    print(
        f"baseline: {ORDER_LINE_COLUMNS} x {lines:,} uniform randoms in {base_s:.3f} s; "
        f"the generator takes {seconds / base_s:.1f}x the baseline"
    )


def whole_company(runs: int) -> None:
    def run() -> int:
        return sum(t.num_rows for _, t in generate(DemoConfig()))

    seconds, rows = _time(run, runs)
    print(f"whole default company (generate): {rows:,} rows in {seconds:.2f} s (median of {runs})")


def scaled_child(scale: float) -> None:
    """Run in a child process: write the scaled company and report as JSON."""
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        rows = write_parquet(DemoConfig(scale=scale), folder)
        seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps({"lines": rows["order_lines"], "rows": sum(rows.values()),
                      "seconds": seconds, "peak_mb": peak_mb}))  # fmt: skip


def scaled(scale: float) -> None:
    done = subprocess.run(
        [sys.executable, __file__, "--child-scale", str(scale)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(
        f"scale {scale:g} to Parquet: {result['lines']:,} order lines ({result['rows']:,} rows "
        f"in all) in {result['seconds']:.1f} s = {result['lines'] / result['seconds']:,.0f} "
        f"lines/s end to end; peak RSS {result['peak_mb']:,.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scale", type=float, default=10.0)
    parser.add_argument("--child-scale", type=float, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_scale is not None:
        scaled_child(args.child_scale)
        return
    order_lines_stage(args.runs)
    whole_company(args.runs)
    scaled(args.scale)


if __name__ == "__main__":
    main()
