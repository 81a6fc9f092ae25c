"""Benchmark the executive briefing on the demo company: every format under 30 s.

Assembles the briefing of one month (default 2025-11) from the demo warehouse (built
with the demo generator in a temporary folder unless ``--warehouse`` names one), then
renders it as HTML, PDF and PPTX. Prints the median of ``--runs`` runs (default 3)
of: the assembly (and each section in it), each format's rendering, and the total of
the three formats; the baseline is the KPI scorecard alone in the same process (the
one engine call every briefing needs), so the ratio says what the rest costs.

    uv run python bench/bench_brief.py
    uv run python bench/bench_brief.py --warehouse ./demo.duckdb --period 2025-W46
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from obeya.metrics import catalog_for, scorecard
from obeya.metrics.periods import Grain
from obeya.review import Briefing, Format, assemble_briefing, charts, render
from obeya.warehouse import Warehouse

TARGET_SECONDS = 30.0


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def render_seconds(briefing: Briefing, fmt: Format, out: Path) -> float:
    start = time.perf_counter()
    render(briefing, fmt, out / f"briefing.{fmt.value}")
    return time.perf_counter() - start


def build_demo(folder: Path) -> Path:
    from obeya.demo import DemoConfig, generate
    from obeya.ingest import load_arrow

    path = folder / "demo.duckdb"
    started = time.perf_counter()
    with Warehouse.open(str(path)) as wh:
        chunks: dict[str, list[object]] = defaultdict(list)
        for name, chunk in generate(DemoConfig()):
            chunks[name].append(chunk)
        import pyarrow as pa

        tables = {n: pa.concat_tables(c) for n, c in chunks.items()}  # type: ignore[arg-type]
        load_arrow(wh, tables, label="bench")
    print(f"demo warehouse built in {time.perf_counter() - started:.1f} s: {path}")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", help="a DuckDB file with the demo company")
    parser.add_argument("--period", default="2025-11")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    temp = Path(tempfile.mkdtemp(prefix="obeya-bench-brief-"))
    try:
        path = Path(args.warehouse) if args.warehouse else build_demo(temp)
        out = temp / "out"
        out.mkdir()
        with Warehouse.open(str(path), read_only=True) as wh:
            grain = Grain.WEEK if "-W" in args.period else Grain.MONTH
            catalog = catalog_for(wh)
            baseline = [
                timed(lambda: scorecard(wh, args.period, grain, catalog=catalog))
                for _ in range(args.runs)
            ]
            assembled: list[float] = []
            sections: dict[str, list[float]] = defaultdict(list)
            formats: dict[Format, list[float]] = defaultdict(list)
            briefing: Briefing | None = None
            for _ in range(args.runs):
                start = time.perf_counter()
                briefing = assemble_briefing(wh, args.period)
                assembled.append(time.perf_counter() - start)
                for name, seconds in briefing.timings:
                    sections[name].append(seconds)
                charts.clear_cache()  # each run draws its charts afresh
                for fmt in (Format.HTML, Format.PDF, Format.PPTX):
                    formats[fmt].append(render_seconds(briefing, fmt, out))
        assert briefing is not None
        med = statistics.median
        print(f"briefing {briefing.period} of {path} (median of {args.runs} runs)")
        print(f"  baseline: KPI scorecard alone            {med(baseline):7.2f} s")
        print(
            f"  assemble (every section, the actions)    {med(assembled):7.2f} s  "
            f"({med(assembled) / med(baseline):.1f}x the scorecard)"
        )
        for name, values in sections.items():
            print(f"    {name:<38} {med(values):7.2f} s")
        total_render = 0.0
        for fmt, values in formats.items():
            total_render += med(values)
            size = (out / f"briefing.{fmt.value}").stat().st_size
            print(f"  render {fmt.value:<5} ({size / 1024:,.0f} KiB){'':<17} {med(values):7.2f} s")
        total = med(assembled) + total_render
        verdict = "under" if total < TARGET_SECONDS else "OVER"
        print(
            f"  all three formats, from the warehouse    {total:7.2f} s  "
            f"({verdict} the {TARGET_SECONDS:.0f} s target; {total / med(baseline):.1f}x the scorecard)"
        )
        present = ", ".join(s.kind.value for s in briefing.present)
        absent = ", ".join(f"{s.kind.value} ({s.note})" for s in briefing.absent) or "none"
        print(
            f"  sections present: {present}; left out: {absent}; actions: {len(briefing.actions)}"
        )
    finally:
        shutil.rmtree(temp, ignore_errors=True)


if __name__ == "__main__":
    main()
