"""Quality commands: ``spc``, ``capability`` and ``pareto``; ``flow`` and ``kaizen`` are added
from :mod:`obeya.cli.flow` and :mod:`obeya.cli.kaizen`.

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
import typer

from obeya.cli.data import FormatOption, WarehouseOption
from obeya.cli.output import OutputFormat, err, out, print_rows
from obeya.errors import ConfigError, DataError, SpecError
from obeya.warehouse import Warehouse

if TYPE_CHECKING:
    import pandas as pd

    from obeya.quality import ControlChart, CusumChart, InspectionCut

__all__ = [
    "FromOption",
    "ToOption",
    "about",
    "note",
    "parse_date",
    "print_json",
    "register",
    "write_chart",
]


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


def register(app: typer.Typer) -> None:
    """Add the quality commands and the ``kaizen`` group to ``app``."""
    app.command(
        "spc",
        epilog="Examples: obeya spc xbar-r --input rings.csv --subgroup sample --value diameter "
        "--phase1 1-25 --format json | obeya spc p --site P-DE1 --grain week --svg p.svg | "
        "obeya spc xbar-s --characteristic QC-P-DE1-01 --rules nelson",
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
    from obeya.cli import flow as flow_cli
    from obeya.cli import kaizen as kaizen_cli

    flow_cli.register(app)
    kaizen_cli.register(app)


# ------------------------------------------------------------------ shared helpers


def parse_date(value: str | None, option: str) -> dt.date | None:
    """An ISO date from an option, or a refusal naming the option."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{option} {value!r}: not a date; write YYYY-MM-DD") from None


def print_json(value: Any) -> None:
    """Strict JSON on standard output."""
    out.print(json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False), markup=False)


def note(text: str) -> None:
    """A note on standard error (files written), so JSON on standard output stays clean."""
    err.print(f"note: {text}", markup=False)


@contextmanager
def about(source: str) -> Iterator[None]:
    """Prefix an engine's refusal with where the data came from."""
    try:
        yield
    except (DataError, SpecError, ConfigError) as exc:
        if type(exc) in (DataError, SpecError, ConfigError):
            raise type(exc)(f"{source}: {exc}") from exc
        raise


def write_chart(chart: Any, svg: Path | None, png: Path | None) -> None:
    """Render an Altair chart to the SVG and/or PNG files asked for."""
    from obeya.quality import to_png, to_svg

    if svg is not None:
        svg.write_text(to_svg(chart), encoding="utf-8")
        note(f"wrote {svg}")
    if png is not None:
        png.write_bytes(to_png(chart))
        note(f"wrote {png}")


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
    if not chart.attribute:
        # the arguments are checked before the warehouse is opened
        if characteristic is None:
            raise SpecError(
                f"a {chart.value} chart needs measurements: give --input FILE.csv or "
                f"--characteristic ID (quality_samples in the warehouse)"
            )
        if given:
            raise SpecError(
                f"{given[0]} filters inspections; it does not apply to --characteristic"
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
        assert characteristic is not None  # checked above, before opening the warehouse
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
        start=parse_date(date_from, "--from"),
        end=parse_date(date_to, "--to"),
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
    with about(source):
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
    write_chart(q.spc_chart_spec(result), svg, png)
    match fmt:
        case OutputFormat.JSON:
            print_json(result.to_dict())
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
                wh,
                characteristic,
                start=parse_date(date_from, "--from"),
                end=parse_date(date_to, "--to"),
            )
        frame, source, group = samples.to_pandas(), f"characteristic {characteristic}", "subgroup"
        value = "value"
        lsl = spec.lsl if lsl is None else lsl
        usl = spec.usl if usl is None else usl
        target = spec.target if target is None else target
    else:
        raise SpecError("give --input FILE.csv (with --value) or --characteristic ID")
    with about(source):
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
            print_json(result.to_dict() | {"source": source})
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
        start=parse_date(date_from, "--from"),
        end=parse_date(date_to, "--to"),
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
            print_json({"by": by.value} | ranked.to_dict() | {"dpmo": sigma.to_dict()})
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
