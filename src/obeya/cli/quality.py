"""Quality commands: ``spc``, ``capability``, ``pareto``, ``flow`` and the ``kaizen`` register.

Thin commands over :mod:`obeya.quality`: each reads a CSV file or the warehouse,
calls an engine and prints a table, CSV or JSON. The engines (SciPy, statsmodels,
Altair) are imported inside the commands, so that other commands start fast; the
choices of the options mirror the engines' enums by value (a test keeps them
equal). Notes (files written) go to standard error so ``--format json`` output
stays clean. A mistake in the input is one ``error:`` line naming the file, row
and column, and exit status 2.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, assert_never

import pyarrow as pa
import pyarrow.csv as pacsv
import typer

from obeya.cli.data import FormatOption, WarehouseOption
from obeya.cli.output import OutputFormat, err, out, print_rows
from obeya.errors import ConfigError, DataError, SpecError
from obeya.metrics.periods import Grain
from obeya.warehouse import Warehouse

if TYPE_CHECKING:
    import pandas as pd

    from obeya.quality import ControlChart, CusumChart, FlowAnalysis, InspectionCut

__all__ = ["register"]


class ChartName(StrEnum):
    """The charts ``obeya spc`` draws."""

    XBAR_R = "xbar-r"
    XBAR_S = "xbar-s"
    IMR = "imr"
    P = "p"
    NP = "np"
    C = "c"
    U = "u"
    EWMA = "ewma"
    CUSUM = "cusum"

    @property
    def attribute(self) -> bool:
        return self in (ChartName.P, ChartName.NP, ChartName.C, ChartName.U)


class RuleSetChoice(StrEnum):  # obeya.quality.RuleSet
    WESTERN_ELECTRIC = "western_electric"
    NELSON = "nelson"


class GrainChoice(StrEnum):  # obeya.quality.SubgroupGrain
    DAY = "day"
    WEEK = "week"


class ParetoByChoice(StrEnum):  # obeya.quality.ParetoBy
    DEFECT_CODE = "defect_code"
    SITE = "site"
    SUPPLIER = "supplier"
    SKU = "sku"


class MethodChoice(StrEnum):  # obeya.quality.CapabilityMethod
    NORMAL = "normal"
    BOX_COX = "box_cox"
    PERCENTILE = "percentile"


class WithinChoice(StrEnum):  # obeya.quality.WithinMethod
    R_BAR = "r_bar"
    S_BAR = "s_bar"
    POOLED = "pooled"
    MR_BAR = "mr_bar"


class KaizenMethodChoice(StrEnum):  # obeya.quality.KaizenMethod
    DMAIC = "dmaic"
    KAIZEN = "kaizen"


class KaizenStatusChoice(StrEnum):  # obeya.quality.KaizenStatus
    PLANNED = "planned"
    ACTIVE = "active"
    VERIFIED = "verified"
    CLOSED = "closed"


class TestChoice(StrEnum):  # obeya.quality.VerifyTest
    AUTO = "auto"
    RATE = "rate"
    MEAN = "mean"
    SKEWED = "skewed"


def register(app: typer.Typer) -> None:
    """Add the quality commands and the ``kaizen`` group to ``app``."""
    app.command(
        "spc",
        epilog="Examples: obeya spc xbar-r --input rings.csv --subgroup sample --value diameter "
        "--phase1 1-25 --format json | obeya spc p --site P-DE1 --grain week --svg p.svg | "
        "obeya spc imr --characteristic QC-P-DE1-01 --rules nelson",
    )(spc)
    app.command(
        "capability",
        epilog="Examples: obeya capability --input rings.csv --subgroup sample --value diameter "
        "--lsl 73.95 --usl 74.05 | obeya capability --characteristic QC-P-DE1-01 --format json",
    )(capability_cmd)
    app.command(
        "pareto",
        epilog="Example: obeya pareto --by defect_code --from 2025-01-01 --opportunities 4",
    )(pareto_cmd)
    app.command(
        "flow",
        epilog="Examples: obeya flow --process order-to-cash --value-added Pick,Pack,Ship "
        "--svg flow.svg | obeya flow --xes log.xes --export-lead-times lead_times.csv",
    )(flow_cmd)
    kaizen = typer.Typer(
        name="kaizen",
        help="The improvement register: projects, and the before/after proof that they worked.",
        no_args_is_help=True,
    )
    kaizen.command(
        "add",
        epilog='Example: obeya kaizen add --title "SMED on line 2" --kpi first_pass_yield '
        "--filter site=P-DE1 --baseline-from 2025-03-03 --baseline-to 2025-03-30 "
        "--go-live 2025-04-07 --value-per-unit 12",
    )(kaizen_add)
    kaizen.command("list", epilog="Example: obeya kaizen list --format json")(kaizen_list)
    kaizen.command(
        "verify", epilog="Example: obeya kaizen verify KZ-001 --grain week --format json"
    )(kaizen_verify)
    app.add_typer(kaizen)


# ------------------------------------------------------------------ shared helpers


def _date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{option} {value!r}: not a date; write YYYY-MM-DD") from None


def _print_json(value: Any) -> None:
    out.print(json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False), markup=False)


def _note(text: str) -> None:
    err.print(f"note: {text}", markup=False)


@contextmanager
def _about(source: str) -> Iterator[None]:
    """Prefix an engine's refusal with where the data came from."""
    try:
        yield
    except (DataError, SpecError, ConfigError) as exc:
        if type(exc) in (DataError, SpecError, ConfigError):
            raise type(exc)(f"{source}: {exc}") from exc
        raise


def _write_chart(chart: Any, svg: Path | None, png: Path | None) -> None:
    from obeya.quality import to_png, to_svg

    if svg is not None:
        svg.write_text(to_svg(chart), encoding="utf-8")
        _note(f"wrote {svg}")
    if png is not None:
        png.write_bytes(to_png(chart))
        _note(f"wrote {png}")


InputOption = Annotated[
    Path | None, typer.Option("--input", "-i", help="A CSV file with a header row.")
]
FromOption = Annotated[
    str | None, typer.Option("--from", help="First date (YYYY-MM-DD) of warehouse data.")
]
ToOption = Annotated[
    str | None, typer.Option("--to", help="Last date (YYYY-MM-DD) of warehouse data.")
]
SiteOption = Annotated[str | None, typer.Option(help="Only inspections of this site.")]
SkuOption = Annotated[str | None, typer.Option(help="Only inspections of this SKU.")]
SupplierOption = Annotated[str | None, typer.Option(help="Only inspections of this supplier.")]
SvgOption = Annotated[Path | None, typer.Option("--svg", help="Also write the chart as SVG.")]
PngOption = Annotated[Path | None, typer.Option("--png", help="Also write the chart as PNG.")]


# ------------------------------------------------------------------ spc


def _spc_data(
    chart: ChartName,
    input_file: Path | None,
    characteristic: str | None,
    columns: dict[str, str],
    cut: InspectionCut,
    grain: GrainChoice,
    warehouse: str | None,
) -> tuple[pd.DataFrame, str]:
    """The chart's long table with standard column names, and where it came from."""
    from obeya import quality as q

    filters = {"--site": cut.site, "--sku": cut.sku, "--supplier": cut.supplier}
    given = [name for name, v in filters.items() if v is not None]
    if input_file is not None and characteristic is not None:
        raise SpecError("give --input FILE.csv or --characteristic ID, not both")
    if input_file is not None:
        if given:
            raise SpecError(
                f"{given[0]} filters warehouse inspections; it does not apply to --input"
            )
        if chart.attribute:
            numbers = [columns["defects"]] + ([] if chart is ChartName.C else [columns["size"]])
        else:
            numbers = [columns["value"]]
        options = {v: f"--{k}" for k, v in columns.items()}
        frame = q.read_measurements_csv(
            input_file, label=columns["subgroup"], numbers=numbers, options=options
        )
        renamed = {columns["subgroup"]: "subgroup", columns["value"]: "value"}
        renamed |= {columns["defects"]: "defects", columns["size"]: "size"}
        return frame.rename(columns={k: v for k, v in renamed.items() if k in frame}), str(
            input_file
        )
    with Warehouse.open(warehouse, create=False) as wh:
        if chart.attribute:
            if characteristic is not None:
                raise SpecError(
                    f"{chart.value} charts count defectives from inspections; --characteristic "
                    f"is for measurement charts (xbar-r, xbar-s, imr, ewma, cusum)"
                )
            table = q.inspection_subgroups(wh, q.SubgroupGrain(grain.value), cut)
            frame = table.to_pandas().rename(columns={"defectives": "defects", "inspected": "size"})
            return frame, f"inspections per {grain.value} ({cut.describe()})"
        if characteristic is None:
            raise SpecError(
                f"a {chart.value} chart needs measurements: give --input FILE.csv or "
                f"--characteristic ID (quality_samples in the warehouse)"
            )
        if given:
            raise SpecError(
                f"{given[0]} filters inspections; it does not apply to --characteristic"
            )
        q.read_characteristic(wh, characteristic)
        samples = q.characteristic_samples(wh, characteristic, start=cut.start, end=cut.end)
        return samples.to_pandas(), f"characteristic {characteristic}"


def _draw(
    chart: ChartName,
    frame: pd.DataFrame,
    *,
    phase1: int | list[Any] | None,
    exclude: list[Any],
    rules: RuleSetChoice,
    lam: float,
    width: float,
    k: float,
    h: float,
    target: float | None,
    sigma: float | None,
) -> ControlChart | CusumChart:
    from obeya import quality as q

    common: dict[str, Any] = {
        "exclude": exclude,
        "phase1": phase1,
        "rule_set": q.RuleSet(rules.value),
    }
    timed = {"target": target, "sigma": sigma} | common
    match chart:
        case ChartName.XBAR_R:
            return q.xbar_r_chart(frame, **common)
        case ChartName.XBAR_S:
            return q.xbar_s_chart(frame, **common)
        case ChartName.IMR:
            return q.imr_chart(frame, **common)
        case ChartName.P:
            return q.p_chart(frame, defectives="defects", size="size", **common)
        case ChartName.NP:
            return q.np_chart(frame, defectives="defects", size="size", **common)
        case ChartName.C:
            return q.c_chart(frame, count="defects", **common)
        case ChartName.U:
            return q.u_chart(frame, count="defects", units="size", **common)
        case ChartName.EWMA:
            return q.ewma_chart(frame, lam=lam, width=width, **timed)
        case ChartName.CUSUM:
            return q.cusum_chart(frame, k=k, h=h, **timed)
        case _:
            assert_never(chart)


def spc(
    chart: Annotated[ChartName, typer.Argument(help="The control chart to draw.")],
    input_file: InputOption = None,
    subgroup: Annotated[str, typer.Option(help="CSV column with the subgroup label.")] = (
        "subgroup"
    ),
    value: Annotated[str, typer.Option(help="CSV column with the measurement.")] = "value",
    defects: Annotated[
        str, typer.Option(help="CSV column with defectives (p, np) or defects (c, u).")
    ] = "defects",
    size: Annotated[
        str, typer.Option(help="CSV column with the sample size (p, np) or units (u).")
    ] = "size",
    characteristic: Annotated[
        str | None, typer.Option(help="Chart quality_samples of this characteristic.")
    ] = None,
    site: SiteOption = None,
    sku: SkuOption = None,
    supplier: SupplierOption = None,
    grain: Annotated[
        GrainChoice, typer.Option(help="Subgroups of inspections: one day or one ISO week.")
    ] = GrainChoice.DAY,
    date_from: FromOption = None,
    date_to: ToOption = None,
    phase1: Annotated[
        str | None,
        typer.Option(help="Trial subgroups setting the limits: a count (25) or labels (1-25)."),
    ] = None,
    exclude: Annotated[
        str | None, typer.Option(help="Subgroups with assignable causes, left out of the limits.")
    ] = None,
    rules: Annotated[RuleSetChoice, typer.Option(help="Run rules to apply.")] = (
        RuleSetChoice.WESTERN_ELECTRIC
    ),
    lam: Annotated[float, typer.Option("--lambda", help="EWMA weight (0, 1].")] = 0.2,
    width: Annotated[float, typer.Option(help="EWMA limit width L in sigma.")] = 3.0,
    k: Annotated[float, typer.Option("--k", help="CUSUM reference value k in sigma.")] = 0.5,
    h: Annotated[float, typer.Option("--h", help="CUSUM decision interval h in sigma.")] = 5.0,
    target: Annotated[
        float | None, typer.Option(help="EWMA/CUSUM target (default: the trial mean).")
    ] = None,
    sigma: Annotated[
        float | None, typer.Option(help="EWMA/CUSUM process sigma (default: estimated).")
    ] = None,
    svg: SvgOption = None,
    png: PngOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
    warehouse: WarehouseOption = None,
) -> None:
    """Control chart with limits, run rules and signals, from a CSV file or the warehouse.

    Measurement charts (xbar-r, xbar-s, imr, ewma, cusum) read --input FILE.csv
    (--subgroup, --value) or --characteristic ID. Attribute charts (p, np, c, u) read
    --input (--defects, and --size for p, np and u) or warehouse inspections per day
    or week, cut by --site, --sku, --supplier. --phase1 fixes the limits from trial
    subgroups and judges the rest; --exclude drops subgroups with assignable causes
    from the limits.
    """
    from obeya import quality as q

    columns = {"subgroup": subgroup, "value": value, "defects": defects, "size": size}
    cut = q.InspectionCut(
        site=site,
        sku=sku,
        supplier=supplier,
        start=_date(date_from, "--from"),
        end=_date(date_to, "--to"),
    )
    frame, source = _spc_data(chart, input_file, characteristic, columns, cut, grain, warehouse)
    labels = q.subgroup_labels(frame["subgroup"].tolist())
    if len(labels) < 2:
        raise DataError(
            f"{source}: {len(labels)} subgroup; a control chart needs at least 2 (20 to 25 "
            f"are recommended for trial limits)"
        )
    trial = q.parse_phase1(phase1, labels, source=source)
    dropped = q.parse_exclude(exclude, labels, source=source)
    with _about(source):
        result = _draw(
            chart,
            frame,
            phase1=trial,
            exclude=dropped,
            rules=rules,
            lam=lam,
            width=width,
            k=k,
            h=h,
            target=target,
            sigma=sigma,
        )
    _write_chart(q.spc_chart_spec(result), svg, png)
    match fmt:
        case OutputFormat.JSON:
            _print_json(result.to_dict())
        case OutputFormat.CSV:
            print_rows(pa.table(result.to_dict()["points"]), fmt)
        case OutputFormat.TABLE:
            out.print(q.chart_heading(result, source), markup=False)
            print_rows(q.limit_rows(result), fmt)
            for line in q.signal_lines(result):
                out.print(line, markup=False)


# ------------------------------------------------------------------ capability


def capability_cmd(
    input_file: InputOption = None,
    subgroup: Annotated[
        str | None, typer.Option(help="CSV column with subgroups (none: individual values).")
    ] = None,
    value: Annotated[str, typer.Option(help="CSV column with the measurement.")] = "value",
    characteristic: Annotated[
        str | None, typer.Option(help="Use quality_samples and the limits of characteristics.")
    ] = None,
    lsl: Annotated[float | None, typer.Option(help="Lower specification limit.")] = None,
    usl: Annotated[float | None, typer.Option(help="Upper specification limit.")] = None,
    target: Annotated[float | None, typer.Option(help="Nominal value (for Cpm).")] = None,
    method: Annotated[
        MethodChoice | None,
        typer.Option(help="Force a method (default: normal, else box_cox, else percentile)."),
    ] = None,
    within: Annotated[
        WithinChoice | None, typer.Option(help="Estimator of the within-subgroup sigma.")
    ] = None,
    alpha: Annotated[float, typer.Option(help="Level of the normality test.")] = 0.05,
    date_from: FromOption = None,
    date_to: ToOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
    warehouse: WarehouseOption = None,
) -> None:
    """Process capability: Cp, Cpk, Pp, Ppk, Cpm, expected PPM and the sigma level.

    Normality is checked with Anderson-Darling; non-normal data are assessed with a
    Box-Cox transform (positive data) or the ISO 22514-2 percentile method, and the
    output says which was used. --characteristic takes lsl, usl and target from the
    characteristics table (options given here override them).
    """
    from obeya import quality as q

    if input_file is not None and characteristic is not None:
        raise SpecError("give --input FILE.csv or --characteristic ID, not both")
    if input_file is not None:
        options = {value: "--value"} | ({} if subgroup is None else {subgroup: "--subgroup"})
        frame = q.read_measurements_csv(
            input_file, label=subgroup, numbers=[value], options=options
        )
        source, group = str(input_file), subgroup
    elif characteristic is not None:
        with Warehouse.open(warehouse, create=False) as wh:
            spec = q.read_characteristic(wh, characteristic)
            samples = q.characteristic_samples(
                wh, characteristic, start=_date(date_from, "--from"), end=_date(date_to, "--to")
            )
        frame, source, group = samples.to_pandas(), f"characteristic {characteristic}", "subgroup"
        value = "value"
        lsl = spec.lsl if lsl is None else lsl
        usl = spec.usl if usl is None else usl
        target = spec.target if target is None else target
    else:
        raise SpecError("give --input FILE.csv (with --value) or --characteristic ID")
    with _about(source):
        result = q.capability(
            frame,
            value=value,
            subgroup=group,
            lsl=lsl,
            usl=usl,
            target=target,
            within=None if within is None else q.WithinMethod(within.value),
            method=None if method is None else q.CapabilityMethod(method.value),
            alpha=alpha,
        )
    match fmt:
        case OutputFormat.JSON:
            _print_json(result.to_dict() | {"source": source})
        case OutputFormat.CSV:
            print_rows(q.capability_rows(result), fmt)
        case OutputFormat.TABLE:
            limits = f"LSL {lsl if lsl is not None else '-'}, USL {usl if usl is not None else '-'}"
            out.print(f"capability of {source} ({limits})", markup=False)
            print_rows(q.capability_rows(result), fmt)
            out.print(q.capability_method_text(result), markup=False)
            for note in result.notes:
                out.print(f"note: {note}", markup=False)


# ------------------------------------------------------------------ pareto


def pareto_cmd(
    by: Annotated[ParetoByChoice, typer.Option(help="What to rank.")] = (
        ParetoByChoice.DEFECT_CODE
    ),
    cost: Annotated[
        bool, typer.Option("--cost", help="Rank by cost of defectives (qty x unit_cost).")
    ] = False,
    date_from: FromOption = None,
    date_to: ToOption = None,
    site: SiteOption = None,
    sku: SkuOption = None,
    supplier: SupplierOption = None,
    threshold: Annotated[
        float, typer.Option(help="Cumulative share that closes the vital few.")
    ] = 0.8,
    opportunities: Annotated[
        float, typer.Option(help="Defect opportunities per inspected unit (for DPMO).")
    ] = 1.0,
    fmt: FormatOption = OutputFormat.TABLE,
    warehouse: WarehouseOption = None,
) -> None:
    """Pareto of defectives from inspections, the vital few, DPMO and the sigma level."""
    from obeya import quality as q

    cut = q.InspectionCut(
        site=site,
        sku=sku,
        supplier=supplier,
        start=_date(date_from, "--from"),
        end=_date(date_to, "--to"),
    )
    with Warehouse.open(warehouse, create=False) as wh:
        categories = q.inspection_categories(wh, q.ParetoBy(by.value), cut)
    frame = categories.to_pandas()
    measure = "cost" if cost else "defectives"
    ranked = q.pareto(
        frame[frame[measure] > 0], category="category", value=measure, threshold=threshold
    )
    defects = float(frame["defectives"].sum())
    units = float(frame["inspected"].sum())
    sigma = q.dpmo(defects, units, opportunities)
    match fmt:
        case OutputFormat.JSON:
            _print_json({"by": by.value} | ranked.to_dict() | {"dpmo": sigma.to_dict()})
        case OutputFormat.CSV:
            print_rows(pa.Table.from_pylist([r.to_dict() for r in ranked.rows]), fmt)
        case OutputFormat.TABLE:
            what = "cost of defectives" if cost else "defectives"
            out.print(f"Pareto of {what} by {by.value} ({cut.describe()})", markup=False)
            print_rows(pa.Table.from_pylist([r.to_dict() for r in ranked.rows]), fmt)
            vital = ", ".join(str(c) for c in ranked.vital_few)
            out.print(
                f"vital few ({threshold:.0%} of {what}): {vital}",
                markup=False,
            )
            level = "n/a" if sigma.sigma_level is None else f"{sigma.sigma_level:.2f}"
            out.print(
                f"DPMO {sigma.dpmo:,.0f} ({defects:,.0f} defectives in {units:,.0f} units x "
                f"{opportunities:g} opportunities); sigma level {level} (with the 1.5 shift)",
                markup=False,
            )


# ------------------------------------------------------------------ flow


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
                start=_date(date_from, "--from"),
                end=_date(date_to, "--to"),
            )
        source = f"process {name}"
    with _about(source):
        result = q.analyse_flow(log, value_added=_split(value_added))
        exported = q.lead_times(log, process=name) if export_lead_times is not None else None
    if svg is not None:
        _write_chart(q.dfg_chart_spec(result.dfg), svg, None)
    if exported is not None and export_lead_times is not None:
        pacsv.write_csv(exported, export_lead_times)
        _note(f"wrote {export_lead_times} ({exported.num_rows} rows)")
    match fmt:
        case OutputFormat.JSON:
            _print_json({"process": name} | result.to_dict())
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


# ------------------------------------------------------------------ kaizen


def _filters(values: list[str] | None) -> dict[str, list[str]]:
    out_: dict[str, list[str]] = {}
    for text in values or []:
        name, sep, value = text.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise ConfigError(f"--filter {text!r}: write DIMENSION=VALUE, e.g. --filter site=P-DE1")
        out_.setdefault(name.strip(), []).append(value.strip())
    return out_


def _required_date(value: str, option: str) -> dt.date:
    day = _date(value, option)
    assert day is not None
    return day


def kaizen_add(
    title: Annotated[str, typer.Option(help="What is being improved.")],
    kpi: Annotated[str, typer.Option(help="A KPI id of the catalog (obeya kpi list).")],
    baseline_from: Annotated[str, typer.Option(help="First day of the baseline.")],
    baseline_to: Annotated[str, typer.Option(help="Last day of the baseline.")],
    after_from: Annotated[str | None, typer.Option(help="First day of the after window.")] = None,
    go_live: Annotated[
        str | None, typer.Option(help="Go-live date: the after window runs from it to today.")
    ] = None,
    after_to: Annotated[
        str | None, typer.Option(help="Last day of the after window (default: as of the data).")
    ] = None,
    method: Annotated[
        KaizenMethodChoice,
        typer.Option(case_sensitive=False, help="DMAIC project or kaizen event."),
    ] = KaizenMethodChoice.KAIZEN,
    filter_: Annotated[
        list[str] | None,
        typer.Option("--filter", help="Cut of the KPI, DIMENSION=VALUE (repeatable)."),
    ] = None,
    target: Annotated[float | None, typer.Option(help="Target value of the KPI.")] = None,
    owner: Annotated[str, typer.Option(help="Who owns the project.")] = "",
    status: Annotated[KaizenStatusChoice, typer.Option(help="Where the project stands.")] = (
        KaizenStatusChoice.ACTIVE
    ),
    value_per_unit: Annotated[
        float, typer.Option(help="Money per unit of KPI improvement per unit of volume.")
    ] = 0.0,
    project_id: Annotated[
        str | None, typer.Option("--id", help="Project id (default: KZ-001, KZ-002, ...).")
    ] = None,
    warehouse: WarehouseOption = None,
) -> None:
    """Add a project to the improvement register (stored in the warehouse)."""
    from obeya import quality as q

    if (after_from is None) == (go_live is None):
        raise ConfigError("give the after window's start: --after-from DATE or --go-live DATE")
    start = _required_date(
        after_from or go_live or "", "--after-from" if after_from else "--go-live"
    )
    with Warehouse.open(warehouse, create=False) as wh:
        project = q.add_project(
            wh,
            title=title,
            kpi=kpi,
            method=q.KaizenMethod(method.value),
            filters=_filters(filter_),
            baseline_from=_required_date(baseline_from, "--baseline-from"),
            baseline_to=_required_date(baseline_to, "--baseline-to"),
            after_from=start,
            after_to=_date(after_to, "--after-to"),
            target=target,
            owner=owner,
            status=q.KaizenStatus(status.value),
            value_per_unit=value_per_unit,
            project_id=project_id,
        )
    after = (
        f"{project.after_from} to {project.after_to}"
        if project.after_to
        else (f"since {project.after_from}")
    )
    out.print(
        f"added {project.id} {project.title!r}: {project.kpi} ({project.filters_text()}), "
        f"baseline {project.baseline_from} to {project.baseline_to}, after {after}",
        markup=False,
    )


def kaizen_list(fmt: FormatOption = OutputFormat.TABLE, warehouse: WarehouseOption = None) -> None:
    """The projects of the register with their latest verification."""
    from obeya import quality as q

    with Warehouse.open(warehouse, create=False) as wh:
        projects = q.list_projects(wh)
        latest = {v.project_id: v for v in q.latest_verifications(wh)}
    if fmt is OutputFormat.JSON:
        _print_json(
            [
                p.to_dict()
                | {"latest_verification": (v.to_dict() if (v := latest.get(p.id)) else None)}
                for p in projects
            ]
        )
        return
    rows = []
    for p in projects:
        v = latest.get(p.id)
        rows.append(
            {
                "id": p.id,
                "title": p.title,
                "kpi": p.kpi,
                "cut": p.filters_text(),
                "status": p.status.value,
                "before": None if v is None else v.before_value,
                "after": None if v is None else v.after_value,
                "p_value": None if v is None else v.p_value,
                "annual_saving": None if v is None else v.annual_saving,
            }
        )
    if not rows:
        _note("the register is empty; add a project with `obeya kaizen add`")
    schema = pa.schema(
        [pa.field(n, pa.string()) for n in ("id", "title", "kpi", "cut", "status")]
        + [pa.field(n, pa.float64()) for n in ("before", "after", "p_value", "annual_saving")]
    )
    print_rows(pa.Table.from_pylist(rows, schema=schema), fmt, title="kaizen register")


def kaizen_verify(
    project_id: Annotated[str, typer.Argument(help="The project id (see obeya kaizen list).")],
    grain: Annotated[Grain, typer.Option(help="Periods the KPI is computed over.")] = Grain.WEEK,
    test: Annotated[
        TestChoice, typer.Option(help="Significance test (auto: by the kind of KPI).")
    ] = TestChoice.AUTO,
    alpha: Annotated[float, typer.Option(help="Significance level.")] = 0.05,
    annual_volume: Annotated[
        float | None, typer.Option(help="Units per year (default: from the after window).")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option(help="Date the data are taken at (default: the latest).")
    ] = None,
    fmt: FormatOption = OutputFormat.TABLE,
    warehouse: WarehouseOption = None,
) -> None:
    """Measure a project's KPI before and after, test the change, value it, store it."""
    from obeya import quality as q

    with Warehouse.open(warehouse, create=False) as wh:
        verification, measurement = q.verify_project(
            wh,
            project_id,
            grain=grain,
            test=q.VerifyTest(test.value),
            alpha=alpha,
            annual_volume=annual_volume,
            as_of=_date(as_of, "--as-of"),
        )
        project = q.get_project(wh, project_id)
    match fmt:
        case OutputFormat.JSON:
            _print_json(
                {
                    "project": project.to_dict(),
                    "verification": verification.to_dict(),
                    "detail": measurement.to_dict(),
                }
            )
        case OutputFormat.CSV | OutputFormat.TABLE:
            periods = pa.table(
                {
                    "window": ["baseline"] * len(measurement.before_periods)
                    + ["after"] * len(measurement.after_periods),
                    "period_start": [
                        *measurement.before_periods,
                        *measurement.after_periods,
                    ],
                    "value": [*measurement.before_values, *measurement.after_values],
                }
            )
            print_rows(periods, fmt, title=f"{project.kpi} per {grain.value}")
            if fmt is OutputFormat.TABLE:
                out.print(q.verification_sentence(project, verification), markup=False)
                out.print(f"test: {measurement.why}", markup=False)
                out.print(f"status: {project.status.value}", markup=False)
