"""``obeya demo``: build the demo company into the warehouse, then review it."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import pyarrow as pa
import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from obeya.cli.data import WarehouseOption, table_summary
from obeya.cli.output import OutputFormat, err, out, print_rows
from obeya.ingest import LoadReport, load, load_arrow
from obeya.warehouse import Warehouse

__all__ = ["demo", "register"]

# above this many order lines the company is written as Parquet parts and loaded from them,
# so memory stays bounded whatever the scale
PARQUET_FROM_LINES = 5_000_000


def register(app: typer.Typer) -> None:
    app.command(
        "demo",
        epilog="Examples: obeya demo | obeya demo --scale 10 --out ./demo-data | "
        "obeya demo --warehouse ./demo.duckdb --seed 11",
    )(demo)


def _progress() -> tuple[Progress, Callable[[str, int, int], None]]:
    bar = Progress(
        TextColumn("{task.description:<22}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )
    tasks: dict[str, TaskID] = {}

    def advance(table: str, done: int, total: int) -> None:
        if table not in tasks:
            tasks[table] = bar.add_task(table, total=total)
        bar.update(tasks[table], completed=done, total=total)

    return bar, advance


def demo(
    scale: Annotated[float, typer.Option(help="Multiplier of the default ~1M order lines.")] = 1.0,
    seed: Annotated[
        int, typer.Option(help="Random seed; the same seed builds the same company.")
    ] = 7,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Also keep the generated company as Parquet files here."),
    ] = None,
    brief_dir: Annotated[
        Path, typer.Option("--brief-dir", help="Where the weekly review's briefing is written.")
    ] = Path("out/briefing"),
    brief: Annotated[
        bool, typer.Option(help="End by writing the operations review (HTML, PDF, PPTX).")
    ] = True,
    warehouse: WarehouseOption = None,
) -> None:
    """Build the demo company (every table of the model, ~1M order lines), load it, and
    write the operations review of its latest month as HTML, PDF and PPTX.

    The company is deterministic for a seed and carries the stories a Director would
    look for: seasonality and promotions, an intermittent long tail, a deteriorating
    supplier, a late carrier at one site, a Q4 capacity crunch, a quality shift, freight
    and labour over budget, and a cluster of safety incidents. See docs/demo.md.
    """
    from obeya.demo import DemoConfig, generate, write_parquet

    config = DemoConfig(seed=seed, scale=scale)
    started = time.perf_counter()
    bar, advance = _progress()
    with Warehouse.open(warehouse) as wh:
        with bar:
            if out_dir is not None or config.order_lines * scale >= PARQUET_FROM_LINES:
                report = _via_parquet(wh, config, out_dir, advance, write_parquet)
            else:
                chunks: dict[str, list[pa.Table]] = defaultdict(list)
                for name, chunk in generate(config, progress=advance):
                    chunks[name].append(chunk)
                tables = {n: pa.concat_tables(c) if len(c) > 1 else c[0] for n, c in chunks.items()}
                report = load_arrow(wh, tables, label="demo")
        out.print(
            f"demo company built: {report.rows:,} rows in {len(report.tables)} tables "
            f"in {time.perf_counter() - started:.1f} s, warehouse {wh.url}"
        )
        print_rows(table_summary(wh), OutputFormat.TABLE, title="tables")
        if brief:
            from obeya.review import write_briefing

            with err.status("writing the operations review ..."):
                paths = write_briefing(wh, None, ("html", "pdf", "pptx"), brief_dir)
            out.print("operations review written:")
            for path in paths:
                out.print(f"  {path}")


def _via_parquet(
    wh: Warehouse,
    config: object,
    out_dir: Path | None,
    advance: Callable[[str, int, int], None],
    write_parquet: Callable[..., dict[str, int]],
) -> LoadReport:
    folder = out_dir or Path(tempfile.mkdtemp(prefix="obeya-demo-"))
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_parquet(config, folder, progress=advance)
        return load(wh, [folder])
    finally:
        if out_dir is None:
            shutil.rmtree(folder, ignore_errors=True)
