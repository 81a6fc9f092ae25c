"""``obeya flow``: process mining on ``process_events`` or an XES file, and lead times.

Thin over :func:`obeya.quality.analyse_flow` and :func:`obeya.quality.lead_times`; the
engines are imported inside the command so other commands start fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import pyarrow as pa
import pyarrow.csv as pacsv
import typer

from obeya.cli.data import FormatOption, WarehouseOption
from obeya.cli.output import OutputFormat, out, print_rows
from obeya.cli.quality import (
    FromOption,
    ToOption,
    about,
    note,
    parse_date,
    print_json,
    write_chart,
)
from obeya.errors import SpecError
from obeya.warehouse import Warehouse

if TYPE_CHECKING:
    from obeya.quality import FlowAnalysis

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add ``obeya flow`` to ``app``."""
    app.command(
        "flow",
        epilog="Examples: obeya flow --process order-to-cash --value-added Pick,Pack,Ship "
        "--svg flow.svg | obeya flow --xes log.xes --export-lead-times lead_times.csv",
    )(flow_cmd)


def _split(text: str | None) -> list[str]:
    return [] if text is None else [t.strip() for t in text.split(",") if t.strip()]


def flow_cmd(
    process: Annotated[
        str | None, typer.Option(help="The process in process_events (needed if several).")
    ] = None,
    xes: Annotated[Path | None, typer.Option(help="Read an IEEE XES event log instead.")] = None,
    site: Annotated[str | None, typer.Option(help="Only events of this site.")] = None,
    date_from: FromOption = None,
    date_to: ToOption = None,
    value_added: Annotated[
        str | None, typer.Option(help="Value-adding activities, comma-separated (for PCE).")
    ] = None,
    svg: Annotated[
        Path | None, typer.Option("--svg", help="Write the directly-follows graph as SVG.")
    ] = None,
    export_lead_times: Annotated[
        Path | None, typer.Option(help="Write median cycle times per process and activity (CSV).")
    ] = None,
    top: Annotated[int, typer.Option(help="Variants and transitions to show.")] = 10,
    fmt: FormatOption = OutputFormat.TABLE,
    warehouse: WarehouseOption = None,
) -> None:
    """Process mining: variants, throughput, waiting, bottlenecks, rework, PCE and the DFG."""
    from obeya import quality as q

    if xes is not None:
        if site is not None or date_from is not None or date_to is not None:
            raise SpecError(
                "--site, --from and --to cut the warehouse log; they do not apply to --xes"
            )
        log = q.read_xes(xes)
        name = process or xes.stem
        source = str(xes)
    else:
        with Warehouse.open(warehouse, create=False) as wh:
            log, name = q.process_event_log(
                wh,
                process=process,
                site=site,
                start=parse_date(date_from, "--from"),
                end=parse_date(date_to, "--to"),
            )
        source = f"process {name}"
    with about(source):
        result = q.analyse_flow(log, value_added=_split(value_added))
        exported = q.lead_times(log, process=name) if export_lead_times is not None else None
    if svg is not None:
        write_chart(q.dfg_chart_spec(result.dfg), svg, None)
    if exported is not None and export_lead_times is not None:
        pacsv.write_csv(exported, export_lead_times)
        note(f"wrote {export_lead_times} ({exported.num_rows} rows)")
    match fmt:
        case OutputFormat.JSON:
            print_json({"process": name} | result.to_dict())
        case OutputFormat.CSV:
            print_rows(pa.Table.from_pylist([a.to_dict() for a in result.activities]), fmt)
        case OutputFormat.TABLE:
            _flow_tables(name, result, top)


def _flow_tables(name: str, result: FlowAnalysis, top: int) -> None:
    t = result.throughput
    out.print(
        f"{name}: {result.cases} cases, {result.events} events, {len(result.variants)} variants; "
        f"throughput median {t.median_hours:.1f} h, mean {t.mean_hours:.1f} h, p90 "
        f"{t.p90_hours:.1f} h",
        markup=False,
    )
    variants = pa.table(
        {
            "cases": [v.cases for v in result.variants[:top]],
            "share": [v.share for v in result.variants[:top]],
            "variant": [" > ".join(v.activities) for v in result.variants[:top]],
        }
    )
    print_rows(variants, OutputFormat.TABLE, title="variants")
    activities = {
        "activity": [a.activity for a in result.activities],
        "events": [a.events for a in result.activities],
        "cases": [a.cases for a in result.activities],
        "waiting_total": [a.waiting_total_hours for a in result.activities],
        "waiting_median": [a.waiting_median_hours for a in result.activities],
    }
    if result.paired:
        activities["processing_median"] = [a.processing_median_hours for a in result.activities]
    print_rows(pa.table(activities), OutputFormat.TABLE, title="activities (hours)")
    print_rows(
        pa.Table.from_pylist([e.to_dict() for e in result.transitions[:top]]),
        OutputFormat.TABLE,
        title="transitions (hours from one activity to the next)",
    )
    worst = ", ".join(
        f"{b.activity} ({b.waiting_total_hours:,.0f} h waiting)" for b in result.bottlenecks[:3]
    )
    out.print(f"bottlenecks: {worst}", markup=False)
    if result.rework:
        loops = ", ".join(
            f"{r.activity} ({r.repeats} repeats in {r.cases_with_repeat} cases)"
            for r in result.rework
        )
        out.print(f"rework: {result.rework_cases} cases; {loops}", markup=False)
    else:
        out.print("rework: none", markup=False)
    pce = result.cycle_efficiency
    if pce.efficiency is None:
        out.print("process cycle efficiency: name the value-adding steps with --value-added")
    else:
        out.print(
            f"process cycle efficiency: {pce.efficiency:.1%} ({pce.value_added_hours:,.1f} h "
            f"value-added of {pce.lead_time_hours:,.1f} h lead time)",
            markup=False,
        )
