"""Finance commands: ``obeya pnl`` (bridge, forecast, scenario) and ``cost-to-serve``;
``obeya capex`` is in :mod:`obeya.cli.capex`, registered from here.

Each command reads the warehouse (or a spec file), calls one engine of
:mod:`obeya.finance` and prints the result as a table, CSV or JSON. Fractions
(``*_pct``, IRR) are numbers in CSV and JSON and percentages in tables.

The engines (pandas, SciPy, HiGHS) are imported inside the commands, so that they
stay off the start-up path of every other command; the option choices below are
therefore the engines' codes restated, and a test keeps them equal.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from collections.abc import Callable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import pyarrow as pa
import typer

from obeya.cli.data import FormatOption, WarehouseOption
from obeya.cli.output import OutputFormat, err, out, print_rows, to_jsonable
from obeya.errors import ConfigError
from obeya.warehouse import Warehouse

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["opt", "print_json", "register", "show"]


class PnlBy(StrEnum):
    SITE = "site"


class PnlMode(StrEnum):  # obeya.finance.PnlMode
    MONTH = "month"
    QUARTER = "quarter"
    YTD = "ytd"
    FULL_YEAR = "full_year"


class Comparison(StrEnum):  # obeya.finance.Comparison
    BUDGET = "budget"
    LAST_YEAR = "last_year"


class BridgeBy(StrEnum):  # obeya.finance.BridgeBy
    FAMILY = "family"
    CUSTOMER = "customer"
    SITE = "site"


class BridgeMeasure(StrEnum):  # obeya.finance.BridgeMeasure
    REVENUE = "revenue"
    GROSS_MARGIN = "gross_margin"


class CostToServeBy(StrEnum):  # obeya.finance.CostToServeBy
    CUSTOMER = "customer"
    CHANNEL = "channel"


class ScenarioBaseKind(StrEnum):  # obeya.finance.ScenarioBaseKind
    LAST_12_MONTHS = "last_12_months"
    FORECAST = "forecast"


def opt(*names: str, **kw: Any) -> Any:
    """A Typer option; defaults are not shown unless ``show_default=True``."""
    kw.setdefault("show_default", False)
    return typer.Option(*names, **kw)


ModeOption = Annotated[PnlMode, opt("--mode", help="Months: the month, quarter to date, YTD or year.", show_default=True)]  # fmt: skip
YtdOption = Annotated[bool, opt("--ytd", help="Shorthand for --mode ytd.")]
VsOption = Annotated[Comparison, opt("--vs", help="Compare with the budget or last year.", show_default=True)]  # fmt: skip
PeriodOption = Annotated[str | None, opt("--period", "-p", help="Month YYYY-MM (default: the last month of gl_actuals).")]  # fmt: skip
VersionOption = Annotated[str | None, opt("--budget-version", help="Budget version, when there are several.")]  # fmt: skip


def register(app: typer.Typer) -> None:
    pnl_app = typer.Typer(rich_markup_mode="markdown")
    pnl_app.callback(invoke_without_command=True)(pnl_cmd)
    commands: tuple[tuple[str, Callable[..., None], str], ...] = (
        ("bridge", bridge_cmd, "obeya pnl bridge --period 2025-11 | obeya pnl bridge --period 2025-11 --vs last_year --by customer --measure revenue --format json"),
        ("forecast", forecast_cmd, "obeya pnl forecast --as-of 2025-10 | obeya pnl forecast --paths 20000 --seed 3 --price-change 0.02 --wage-change 0.04"),
        ("scenario", scenario_cmd, "obeya pnl scenario squeeze.yaml | obeya pnl scenario squeeze.yaml --tornado 0.1 --base forecast"),
    )  # fmt: skip
    for name, fn, example in commands:
        pnl_app.command(name, epilog=f"Examples: {example}")(fn)
    app.add_typer(
        pnl_app,
        name="pnl",
        epilog="Examples: obeya pnl --period 2025-11 | obeya pnl --period 2025-11 --ytd --by site "
        "--vs last_year --format json",
    )
    from obeya.cli import capex  # it imports the helpers below

    capex.register(app)
    app.command(
        "cost-to-serve",
        epilog="Examples: obeya cost-to-serve --by customer --period 2025 | obeya cost-to-serve "
        "--by channel --from 2025-01-01 --to 2025-06-30 --format json",
    )(cost_to_serve_cmd)


# ------------------------------------------------------------------ helpers


def _pct(value: float | None) -> str:
    return "" if value is None or math.isnan(value) else f"{value:+.1%}"


def print_json(payload: object) -> None:
    out.print(json.dumps(to_jsonable(payload), indent=2, ensure_ascii=False), markup=False)


def show(
    records: Sequence[dict[str, Any]],
    fmt: OutputFormat,
    title: str | None = None,
    pct: tuple[str, ...] = (),
) -> None:
    """Print row records; in a table the ``pct`` fields read as percentages."""
    rows = [to_jsonable(dict(r)) for r in records]
    if fmt is OutputFormat.TABLE:
        rows = [r | {k: _pct(r[k]) for k in pct if k in r} for r in rows]
    print_rows(pa.Table.from_pylist(rows), fmt, title=title)


def _frame_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    clean = frame.astype(object).where(frame.notna(), None)
    return [dict(r) for r in clean.to_dict(orient="records")]


def _months(months: Sequence[str]) -> str:
    return months[0] if len(months) == 1 else f"{months[0]}..{months[-1]}"


def _note(message: str) -> None:
    err.print(f"note: {message}", markup=False)


# ------------------------------------------------------------------ obeya pnl


def pnl_cmd(
    ctx: typer.Context,
    period: PeriodOption = None,
    mode: ModeOption = PnlMode.MONTH,
    ytd: YtdOption = False,
    by: Annotated[PnlBy | None, opt("--by", help="Also every site's lines.")] = None,
    vs: VsOption = Comparison.BUDGET,
    budget_version: VersionOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
    warehouse: WarehouseOption = None,
) -> None:
    """The P&L against budget or last year: actual, comparison, variance, favourable or not.

    Lines come from gl_actuals and budget through the accounts' pl_line; the margins
    are computed from the lines. A favourable variance raises profit. Subcommands:
    `bridge` (price/volume/mix), `forecast` (the year's landing), `scenario` (drivers).
    """
    if ctx.invoked_subcommand is not None:
        return
    from obeya import finance as f

    with Warehouse.open(warehouse, create=False) as wh:
        report = f.pnl(
            wh.ibis,
            period or f.latest_actual_month(wh.ibis),
            f.PnlMode(PnlMode.YTD if ytd else mode),
            comparison=f.Comparison(vs),
            by_site=by is PnlBy.SITE,
            budget_version=budget_version,
        )
    frame = report.to_frame()
    if by is None:
        frame = frame.drop(columns=["site_id"])
    else:
        frame["site_id"] = frame["site_id"].fillna("(all)")
    title = (
        f"P&L {report.period} ({report.mode.value}: {_months(report.months)}) "
        f"vs {vs.value} ({_months(report.comparison_months)})"
    )
    show(_frame_records(frame), fmt, title, pct=("variance_pct",))


def bridge_cmd(
    period: PeriodOption = None,
    mode: ModeOption = PnlMode.MONTH,
    ytd: YtdOption = False,
    vs: VsOption = Comparison.BUDGET,
    by: Annotated[
        BridgeBy, opt("--by", help="Decompose by this member.", show_default=True)
    ] = BridgeBy.FAMILY,
    measure: Annotated[
        BridgeMeasure, opt("--measure", help="Revenue or gross margin.", show_default=True)
    ] = BridgeMeasure.GROSS_MARGIN,
    top: Annotated[
        int,
        opt(
            "--top",
            help="Members shown in the table (the JSON waterfall's top).",
            show_default=True,
            min=1,
        ),
    ] = 15,
    budget_version: VersionOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
    warehouse: WarehouseOption = None,
) -> None:
    """Bridge revenue or gross margin from budget or last year to actual: price, volume, mix, cost.

    Actual: order lines shipped in the months (by ship_date). Budget: sales_budget
    (by family and site; so --by customer needs --vs last_year). Last year: order
    lines of the same months a year earlier. The effects add up exactly to the change;
    members are ranked by their total effect. JSON carries the waterfall chart data.
    """  # fmt: skip
    from obeya import finance as f

    with Warehouse.open(warehouse, create=False) as wh:
        result = f.bridge_from_orders(
            wh.ibis,
            period or f.latest_actual_month(wh.ibis),
            f.PnlMode(PnlMode.YTD if ytd else mode),
            comparison=f.Comparison(vs),
            by=f.BridgeBy(by),
            measure=f.BridgeMeasure(measure),
            budget_version=budget_version,
        )
    b = result.bridge
    if fmt is not OutputFormat.TABLE:
        if fmt is OutputFormat.JSON:
            print_json(result.to_dict(top=top))
        else:
            show(_frame_records(b.members), fmt)
        return
    w = b.waterfall()
    steps = [{"step": w.start_label, "value": w.start, "running_total": w.start}]
    steps += [{"step": s.label, "value": s.value, "running_total": s.end} for s in w.steps]
    steps += [{"step": w.end_label, "value": w.end, "running_total": w.end}]
    show(
        steps,
        fmt,
        f"{measure.value} bridge {_months(result.months)} vs {vs.value} "
        f"({_months(result.comparison_months)}), by {by.value}",
    )
    members = b.members.head(top).drop(columns=["rank"])
    quiet = [c for c in ("new", "lost") if c in members and not b.members[c].any()]
    if (b.members["status"] == "continuing").all():
        quiet.append("status")
    show(_frame_records(members.drop(columns=quiet)), fmt, f"{by.value}: top {top} by |total|")
    effects = " + ".join(f"{e.value} {v:,.2f}" for e, v in b.effects.items())
    out.print(f"change {b.change:,.2f} = {effects}; {len(b.members)} members", markup=False)


def forecast_cmd(
    as_of: Annotated[
        str | None, opt("--as-of", help="Last month of actuals, YYYY-MM (default: the latest).")
    ] = None,
    paths: Annotated[
        int, opt("--paths", help="Monte Carlo paths.", show_default=True, min=1)
    ] = 10_000,
    seed: Annotated[
        int, opt("--seed", help="Random seed (the same seed, the same paths).", show_default=True)
    ] = 0,
    price_change: Annotated[
        float, opt("--price-change", help="Move all prices, e.g. 0.02 = +2%.")
    ] = 0.0,
    volume_change: Annotated[float, opt("--volume-change", help="Move all volumes.")] = 0.0,
    unit_cost_change: Annotated[
        float, opt("--unit-cost-change", help="Move material cost per unit.")
    ] = 0.0,
    freight_change: Annotated[float, opt("--freight-change", help="Move the freight rate.")] = 0.0,
    wage_change: Annotated[float, opt("--wage-change", help="Move direct labour cost.")] = 0.0,
    use_forecasts: Annotated[
        bool,
        opt(
            "--use-forecasts/--no-forecasts",
            help="Use the stored demand forecast, if any.",
            show_default=True,
        ),
    ] = True,
    budget_version: VersionOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
    warehouse: WarehouseOption = None,
) -> None:
    """Rolling forecast: actuals to date plus a driver-based projection, against the budget.

    Volume from the latest stored demand forecast, else trailing 12 months x last
    year's seasonality; price and costs per unit from the trailing 3 months; fixed
    costs at run rate. P10/P50/P90 by Monte Carlo over volume, price, unit cost,
    freight and fixed costs (volatilities from the trailing 12 months). See
    docs/finance.md.
    """  # fmt: skip
    from obeya.finance import Driver, DriverKind, build_rolling_forecast, simulate_landing

    changes = {
        "--price-change": (DriverKind.PRICE, price_change),
        "--volume-change": (DriverKind.VOLUME, volume_change),
        "--unit-cost-change": (DriverKind.UNIT_COST, unit_cost_change),
        "--freight-change": (DriverKind.FREIGHT_RATE, freight_change),
        "--wage-change": (DriverKind.WAGES, wage_change),
    }
    for option, (_, change) in changes.items():
        if change <= -1.0:
            raise ConfigError(f"{option} must be above -1 (-100%), got {change}; 0.02 means +2%")
    drivers = [Driver(kind=k, change=c) for k, c in changes.values() if c != 0.0]
    with Warehouse.open(warehouse, create=False) as wh:
        fc = build_rolling_forecast(
            wh.ibis,
            as_of,
            drivers=drivers,
            use_forecasts=use_forecasts,
            budget_version=budget_version,
        )
    sim = simulate_landing(fc.inputs(), paths, seed) if fc.remaining_months else None
    for note in fc.notes:
        _note(note)
    if sim is None:
        _note(f"{fc.as_of} closes the year: the landing is the actuals, no range to simulate")
    if fmt is OutputFormat.JSON:
        print_json(fc.to_dict(sim))
        return
    title = f"Landing {fc.year}: actuals {_months(fc.actual_months)} + projection " + (
        _months(fc.remaining_months) if fc.remaining_months else "(none)"
    )
    show([dataclasses.asdict(ln) for ln in fc.landing()], fmt, title, pct=("variance_pct",))
    if fmt is OutputFormat.CSV:
        return
    out.print(f"volume: {fc.volume_source}", markup=False)
    if fc.adjustments:
        moved = ", ".join(f"{d.label} {d.change:+.1%}" for d in fc.adjustments)
        out.print(f"adjusted: {moved}", markup=False)
    show([dataclasses.asdict(r) for r in fc.rates], fmt, "Drivers of the projection")
    if sim is not None:
        ranges = [
            {"measure": name, **{k: v for k, v in q.items() if k != "paths"}}
            for name, q in sim.to_dict().items()
            if isinstance(q, dict)
        ]
        show(ranges, fmt, f"Full-year range, Monte Carlo {sim.paths:,} paths, seed {sim.seed}")


def scenario_cmd(
    file: Annotated[Path, typer.Argument(help="The scenario YAML file.")],
    tornado: Annotated[
        float | None, opt("--tornado", help="Also each driver alone at -/+ this change, e.g. 0.1.")
    ] = None,
    base: Annotated[
        ScenarioBaseKind | None, opt("--base", help="Override the file's base.")
    ] = None,
    as_of: Annotated[
        str | None, opt("--as-of", help="Override the file's as_of (YYYY-MM).")
    ] = None,
    fmt: FormatOption = OutputFormat.TABLE,
    warehouse: WarehouseOption = None,
) -> None:
    """Apply driver scenarios (price, volume, unit cost, freight, wages, ...) to the P&L.

    The base is the last 12 months of actuals, or the rolling forecast year
    (drivers then move only the projected months). Unknown keys in the file are
    refused; errors name file:line and the field. See docs/finance.md.
    """  # fmt: skip
    from obeya.finance import ScenarioBaseKind as BaseKind
    from obeya.finance import load_scenario, run_scenario, scenario_base

    spec = load_scenario(file)
    kind = spec.base if base is None else BaseKind(base)
    with Warehouse.open(warehouse, create=False) as wh:
        driver_base = scenario_base(wh.ibis, kind, as_of or spec.as_of)
    result = run_scenario(spec, driver_base, tornado_step=tornado)
    if fmt is OutputFormat.JSON:
        print_json(result.to_dict())
        return
    title = f"Scenario {result.name!r} on {result.base_label}: {'; '.join(result.drivers)}"
    show([dataclasses.asdict(ln) for ln in result.lines], fmt, title, pct=("change_pct",))
    if result.tornado and fmt is OutputFormat.TABLE:
        show(
            [dataclasses.asdict(b) | {"swing": b.swing} for b in result.tornado],
            fmt,
            f"Tornado: operating income with each driver alone at -{tornado:.0%} (low) and "
            f"+{tornado:.0%} (high); impact = at its own change",
            pct=("change",),
        )


# ------------------------------------------------------------------ cost to serve


def cost_to_serve_cmd(
    by: Annotated[
        CostToServeBy, opt("--by", help="Customers or channels.", show_default=True)
    ] = CostToServeBy.CUSTOMER,
    period: Annotated[
        str | None,
        opt("--period", "-p", help="A year YYYY or a month YYYY-MM (default: the last 12 months)."),
    ] = None,
    start: Annotated[
        dt.datetime | None, opt("--from", formats=["%Y-%m-%d"], help="First day, YYYY-MM-DD.")
    ] = None,
    end: Annotated[
        dt.datetime | None, opt("--to", formats=["%Y-%m-%d"], help="Last day, YYYY-MM-DD.")
    ] = None,
    config: Annotated[
        Path | None, opt("--config", help="Settings YAML (see docs/finance.md).")
    ] = None,
    line_share: Annotated[
        float | None,
        opt("--line-share", help="Share of handling driven by order lines (default 0.5)."),
    ] = None,
    departments: Annotated[
        str | None,
        opt(
            "--departments",
            help="labor_hours departments counted as handling, comma-separated (default: all).",
        ),
    ] = None,
    cost_of_capital: Annotated[
        float | None,
        opt("--cost-of-capital", help="Yearly rate for payment terms (default 0.08)."),
    ] = None,
    ticket_cost: Annotated[
        float | None, opt("--ticket-cost", help="Cost of a ticket of weight 1 (default 25).")
    ] = None,
    return_cost: Annotated[
        float | None, opt("--return-cost", help="Handling cost per return (default 15).")
    ] = None,
    limit: Annotated[
        int,
        opt(
            "--limit",
            help="Table: the N most and N least profitable (0 = all).",
            show_default=True,
            min=0,
        ),
    ] = 10,
    fmt: FormatOption = OutputFormat.TABLE,
    warehouse: WarehouseOption = None,
) -> None:
    """Cost to serve and net profit per customer or channel, and the whale curve.

    Freight (shipments by order, else by units), handling (labour by order lines and
    units), returns, service tickets (by priority) and payment terms are allocated;
    net profit = gross margin - cost to serve. Unprofitable members list the pools
    that push them below zero. See docs/finance.md for the settings.
    """  # fmt: skip
    import pandas as pd
    from pydantic import ValidationError

    from obeya import finance as f

    settings = f.load_cost_to_serve_settings(config) if config else f.CostToServeSettings()
    split = None if departments is None else tuple(d.strip() for d in departments.split(","))
    overrides = {
        "line_share": line_share,
        "cost_of_capital": cost_of_capital,
        "ticket_cost": ticket_cost,
        "return_handling_cost": return_cost,
        "departments": split,
    }
    given = {k: v for k, v in overrides.items() if v is not None}
    if given:
        try:
            settings = f.CostToServeSettings.model_validate(settings.model_dump() | given)
        except ValidationError as exc:
            option = {"return_handling_cost": "return_cost"}
            problems = "; ".join(
                f"--{option.get(str(e['loc'][0]), str(e['loc'][0])).replace('_', '-')}: "
                f"{e['msg']} (got {e['input']!r})"
                for e in exc.errors()
            )
            raise ConfigError(problems) from None
    with Warehouse.open(warehouse, create=False) as wh:
        first, last = f.cost_to_serve_window(
            wh.ibis, period, start.date() if start else None, end.date() if end else None
        )
        result = f.cost_to_serve(wh.ibis, first, last, by=f.CostToServeBy(by), settings=settings)
    if fmt is OutputFormat.JSON:
        print_json(result.to_dict())
        return
    rows = result.table()
    title = f"Cost to serve by {by.value}, {first}..{last}"
    hidden = 0
    if fmt is OutputFormat.TABLE:
        detail = ["name", "cogs", "cost_to_serve", "orders", "lines", "units", "return_count"]
        if not rows["main_drivers"].any():
            detail.append("main_drivers")  # nobody loses money: no drivers to show
        rows = rows.drop(columns=[c for c in [*detail, "tickets"] if c in rows])
        if limit and len(rows) > 2 * limit:
            hidden = len(rows) - 2 * limit
            rows = pd.concat([rows.head(limit), rows.tail(limit)])
    show(_frame_records(rows), fmt, title, pct=("net_margin_pct",))
    if hidden:
        out.print(f"... {hidden} more in the middle (--limit 0 shows all)", markup=False)
    if fmt is OutputFormat.CSV:
        return
    w = result.whale
    n = max(len(w.members), 1)
    of_total = f", {w.peak_pct_of_total:.0%} of the total" if w.peak_pct_of_total else ""
    out.print(
        f"whale curve: net profit {w.total:,.0f}; peak {w.peak:,.0f} after {w.peak_customers} of "
        f"{len(w.members)} customers ({w.peak_customers / n:.0%}){of_total}; "
        f"{w.unprofitable} customers ({w.unprofitable_share:.0%}) destroy {w.profit_destroyed:,.0f}",
        markup=False,
    )
    for pool, amount in result.unallocated.items():
        if amount:
            _note(f"{amount:,.2f} of {pool} cost has no customer to carry it")
