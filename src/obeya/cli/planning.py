"""``obeya capacity``, ``obeya plan``, ``obeya workforce`` and ``obeya scenario``.

Thin commands over :mod:`obeya.planning`: each reads its inputs (a spec file or the
warehouse), calls the engines and prints a table, CSV or JSON. Notes on where the
numbers came from go to standard error, so ``--format json`` stays clean.
"""

from __future__ import annotations

import datetime as dt
import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import typer

from obeya.cli.data import FormatOption, WarehouseOption
from obeya.cli.output import OutputFormat, err, out, print_rows, to_jsonable
from obeya.errors import SpecError
from obeya.warehouse import Warehouse

__all__ = ["register"]

plan_app = typer.Typer(
    help="Aggregate (S&OP) plans: from a spec file or from the warehouse.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)
workforce_app = typer.Typer(
    help="Staffing: the weekly workforce plan, Erlang C agents, CP-SAT rosters.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)
scenario_app = typer.Typer(
    help="What-if scenarios: overrides of demand, capacity, lead times, wages, resources.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)


def register(app: typer.Typer) -> None:
    app.command(
        "capacity",
        epilog="Examples: obeya capacity --grain week --from 2026-01-05 --to 2026-03-29 | "
        "obeya capacity --calendar calendar.yaml --format json",
    )(capacity)
    plan_app.command(
        "aggregate",
        epilog="Examples: obeya plan aggregate plan.yaml --format json | "
        "obeya plan aggregate --from-warehouse --grain month --horizon 12",
    )(aggregate)
    workforce_app.command(
        "plan", epilog="Example: obeya workforce plan --weeks 13 --config planning.yaml"
    )(workforce_plan)
    workforce_app.command(
        "erlang",
        epilog="Example: obeya workforce erlang --arrivals-per-hour 100 --aht-seconds 180 "
        "--target 0.8 --within-seconds 20 --shrinkage 0.3",
    )(erlang)
    workforce_app.command(
        "roster", epilog="Example: obeya workforce roster roster.yaml --time-limit 30"
    )(roster)
    scenario_app.command(
        "new",
        epilog="Examples: obeya scenario new peak --from peak.yaml | obeya scenario new empty",
    )(scenario_new)
    scenario_app.command("run", epilog="Example: obeya scenario run peak --config planning.yaml")(
        scenario_run
    )
    scenario_app.command(
        "compare", epilog="Example: obeya scenario compare peak line-down --format csv"
    )(scenario_compare)
    scenario_app.command("list", epilog="Example: obeya scenario list --format json")(scenario_list)
    app.add_typer(
        plan_app, name="plan", epilog="Example: obeya plan aggregate plan.yaml --format json"
    )
    app.add_typer(
        workforce_app,
        name="workforce",
        epilog="Examples: obeya workforce plan --weeks 13 | obeya workforce roster roster.yaml",
    )
    app.add_typer(
        scenario_app,
        name="scenario",
        epilog="Examples: obeya scenario new peak --from peak.yaml | obeya scenario run peak | "
        "obeya scenario compare peak",
    )


class Grain(StrEnum):
    """Plan periods (the engines' ``PeriodGrain`` without ``day``)."""

    WEEK = "week"
    MONTH = "month"


class Solver(StrEnum):
    """HiGHS algorithm for the LP (``LpSolver``)."""

    SIMPLEX = "simplex"
    IPM = "ipm"


ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config", help="Planning config YAML (costs, wages, horizons); default: the defaults."
    ),
]
CalendarOption = Annotated[
    Path | None,
    typer.Option(
        "--calendar", help="Calendar YAML (weekdays worked, holidays, per-site overrides)."
    ),
]
RunOption = Annotated[
    str | None, typer.Option("--run", help="Forecast run id (default: the latest run).")
]


def _json(value: Any) -> None:
    def native(v: Any) -> Any:
        if isinstance(v, np.generic):
            return v.item()
        if isinstance(v, pd.Timestamp):
            return v.isoformat()
        return str(v)

    out.print(json.dumps(to_jsonable(value), indent=2, default=native), markup=False)


def _table(frame: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False)


def _note(text: str) -> None:
    err.print(f"note: {text}", markup=False)


def _demand_note(source: str, run_id: str | None, as_of: dt.date) -> None:
    if run_id is not None:
        _note(f"demand: forecast run {run_id} (as of {as_of})")
    else:
        _note(f"demand: no forecast run; trailing order-line demand to {as_of} ({source})")


# ------------------------------------------------------------------ capacity


def capacity(
    grain: Annotated[Grain, typer.Option(help="Period length.")] = Grain.MONTH,
    from_: Annotated[
        dt.datetime | None,
        typer.Option("--from", formats=["%Y-%m-%d"], help="First period (the one holding it)."),
    ] = None,
    to: Annotated[
        dt.datetime | None,
        typer.Option("--to", formats=["%Y-%m-%d"], help="Last period (the one holding it)."),
    ] = None,
    run: RunOption = None,
    calendar: CalendarOption = None,
    threshold: Annotated[float, typer.Option(help="Utilisation above it is overloaded.")] = 1.0,
    horizon: Annotated[
        int, typer.Option(help="Periods without --to when there is no forecast run.")
    ] = 12,
    history_days: Annotated[
        int, typer.Option(help="Days of order lines behind the no-forecast demand rate.")
    ] = 91,
    fmt: FormatOption = OutputFormat.TABLE,
    warehouse: WarehouseOption = None,
) -> None:
    """Rough-cut capacity: forecast load in routing hours against available hours.

    Load per resource and period = forecast units (latest run, or trailing order-line
    demand without one) x routing hours; available = hours per day x working days of
    the calendar. Shows utilisation, overloaded periods and the bottleneck ranking;
    `--format json` adds the chart data (load and available hours, long).
    """
    from obeya.planning.calendar_spec import load_calendar
    from obeya.planning.capacity_plan import capacity_plan
    from obeya.planning.demand_input import read_demand
    from obeya.planning.warehouse_facts import read_resources, read_routings

    period = _grain(grain)
    cal = load_calendar(calendar)
    with Warehouse.open(warehouse, read_only=True) as wh:
        basis = read_demand(wh, run_id=run, history_days=history_days)
        frame = basis.periods(
            period,
            start=from_.date() if from_ else None,
            end=to.date() if to else None,
            horizon=None if (to or basis.run_id) else horizon,
        )
        result = capacity_plan(
            frame, read_routings(wh), read_resources(wh), cal, threshold=threshold
        )
    _demand_note(frame.source.value, frame.run_id, frame.as_of)
    r = result.report
    if not result.moved.empty:
        _note(
            f"{result.moved['units'].sum():,.0f} units shipped from sites that do not make them "
            "load the sites that do (split evenly)"
        )
    if not r.unrouted.empty:
        _note(f"{len(r.unrouted)} SKU x site series are routed nowhere and load nothing")
    match fmt:
        case OutputFormat.JSON:
            _json(result.to_dict())
        case OutputFormat.CSV:
            print_rows(_table(r.load.drop(columns="period_start")), fmt)
        case OutputFormat.TABLE:
            load = r.load[
                [
                    "resource_id",
                    "site_id",
                    "period",
                    "working_days",
                    "load_hours",
                    "available_hours",
                    "utilisation",
                    "overloaded",
                ]
            ]
            print_rows(_table(load), fmt, title=f"capacity by {period.value}")
            print_rows(_table(r.bottlenecks), fmt, title="bottlenecks")
            out.print(
                f"peak utilisation {result.peak_utilisation:.1%}, overall "
                f"{result.mean_utilisation:.1%}; {len(r.overloaded)} overloaded resource-periods",
                markup=False,
            )


def _grain(grain: Grain) -> Any:
    from obeya.planning.capacity import PeriodGrain

    return PeriodGrain(grain.value)


# ------------------------------------------------------------------ plan aggregate


def aggregate(
    spec: Annotated[Path | None, typer.Argument(help="Aggregate plan spec (YAML or JSON).")] = None,
    from_warehouse: Annotated[
        bool,
        typer.Option("--from-warehouse", help="Plan families x sites from the warehouse instead."),
    ] = False,
    solver: Annotated[Solver, typer.Option(help="LP algorithm.")] = Solver.SIMPLEX,
    grain: Annotated[
        Grain | None, typer.Option(help="--from-warehouse: period length (config default month).")
    ] = None,
    horizon: Annotated[
        int | None, typer.Option(help="--from-warehouse: periods (config default 12).")
    ] = None,
    config: ConfigOption = None,
    calendar: CalendarOption = None,
    run: RunOption = None,
    time_limit: Annotated[float | None, typer.Option(help="Solver time limit, seconds.")] = None,
    fmt: FormatOption = OutputFormat.TABLE,
    warehouse: WarehouseOption = None,
) -> None:
    """The least-cost aggregate (S&OP) plan: production, workforce, overtime, stock.

    With SPEC: the single-site plan of the spec file (see docs/planning.md). With
    `--from-warehouse`: product families x sites, demand from the latest forecast (or
    trailing order lines), workforce from labor_hours, hours per unit from routings,
    costs from the planning config. An infeasible plan names the conflicting
    constraints and exits with status 2.
    """
    from obeya.planning import LpSolver

    lp_solver = LpSolver(solver.value)
    if from_warehouse == (spec is not None):
        raise SpecError("give a SPEC file or --from-warehouse (one of the two)")
    if spec is not None:
        from obeya.planning import load_aggregate_spec, plan_aggregate

        plan = plan_aggregate(
            load_aggregate_spec(spec), solver=lp_solver, time_limit_seconds=time_limit
        )
        body = plan.to_dict()
        match fmt:
            case OutputFormat.JSON:
                _json(body)
            case OutputFormat.CSV:
                print_rows(pa.Table.from_pylist(body["periods"]), fmt)
            case OutputFormat.TABLE:
                print_rows(pa.Table.from_pylist(body["periods"]), fmt, title="aggregate plan")
                _cost_line(body)
        return
    _warehouse_plan(warehouse, config, calendar, run, grain, horizon, lp_solver, time_limit, fmt)


def _cost_line(body: dict[str, Any]) -> None:
    parts = ", ".join(f"{k} {v:,.0f}" for k, v in body["cost_breakdown"].items() if v)
    out.print(
        f"status {body['status']}; total cost {body['total_cost']:,.2f} ({parts})", markup=False
    )


def _warehouse_plan(
    warehouse: str | None,
    config: Path | None,
    calendar: Path | None,
    run: str | None,
    grain: Grain | None,
    horizon: int | None,
    solver: Any,
    time_limit: float | None,
    fmt: OutputFormat,
) -> None:
    from obeya.planning.aggregate_warehouse import plan_from_warehouse
    from obeya.planning.calendar_spec import load_calendar
    from obeya.planning.demand_input import read_demand
    from obeya.planning.planning_config import load_planning_config
    from obeya.planning.warehouse_facts import read_facts

    cfg = load_planning_config(config)
    settings = cfg.aggregate
    if grain is not None:
        settings = settings.model_copy(update={"grain": _grain(grain)})
    if horizon is not None:
        if horizon < 1:
            raise SpecError(f"--horizon {horizon}: give at least 1 period")
        settings = settings.model_copy(update={"horizon": horizon})
    cal = load_calendar(calendar)
    with Warehouse.open(warehouse, read_only=True) as wh:
        basis = read_demand(wh, run_id=run or cfg.demand.run, history_days=cfg.demand.history_days)
        facts = read_facts(wh, basis.as_of, cfg)
    frame = basis.periods(settings.grain, horizon=settings.horizon)
    result = plan_from_warehouse(
        frame, facts, settings, cfg.wages, cal, solver=solver, time_limit_seconds=time_limit
    )
    _demand_note(frame.source.value, frame.run_id, frame.as_of)
    body = result.to_dict()
    match fmt:
        case OutputFormat.JSON:
            _json(body)
        case OutputFormat.CSV:
            print_rows(_table(result.site_rows()), fmt)
        case OutputFormat.TABLE:
            rows = result.site_rows().drop(columns=["productive_hours_per_worker"])
            print_rows(_table(rows), fmt, title="aggregate plan by site")
            _cost_line(body)


# ------------------------------------------------------------------ workforce


def workforce_plan(
    weeks: Annotated[int | None, typer.Option(help="Weeks to plan (config default 13).")] = None,
    config: ConfigOption = None,
    run: RunOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
    warehouse: WarehouseOption = None,
) -> None:
    """Weekly hours and FTE the forecast needs, against headcount, and the gap's cost.

    Volume: the forecast (or trailing order lines) per site and week; labour
    standards: units shipped per hour worked by site and department (or configured);
    the gap is filled with overtime, temps and hires at least cost.
    """
    from obeya.planning.capacity import PeriodGrain
    from obeya.planning.demand_input import read_demand
    from obeya.planning.planning_config import load_planning_config
    from obeya.planning.warehouse_facts import read_facts
    from obeya.planning.workforce_warehouse import staffing_from_warehouse

    cfg = load_planning_config(config)
    n = weeks if weeks is not None else cfg.workforce.weeks
    if n < 1:
        raise SpecError(f"--weeks {n}: give at least 1 week")
    with Warehouse.open(warehouse, read_only=True) as wh:
        basis = read_demand(wh, run_id=run or cfg.demand.run, history_days=cfg.demand.history_days)
        facts = read_facts(wh, basis.as_of, cfg)
    frame = basis.periods(PeriodGrain.WEEK, horizon=n)
    result = staffing_from_warehouse(frame, facts, cfg.workforce, cfg.wages)
    _demand_note(frame.source.value, frame.run_id, frame.as_of)
    for skipped in result.skipped:
        _note(f"{skipped}: no labour standard (no hours or nothing shipped); left out")
    match fmt:
        case OutputFormat.JSON:
            _json(result.to_dict())
        case OutputFormat.CSV:
            weekly = result.weekly.assign(week=pd.to_datetime(result.weekly["week"]).dt.date)
            print_rows(_table(weekly), fmt)
        case OutputFormat.TABLE:
            print_rows(_table(result.groups), fmt, title=f"workforce plan, {n} weeks")
            parts = ", ".join(f"{k} {v:,.0f}" for k, v in result.cost_breakdown.items())
            out.print(
                f"headcount {result.headcount:,.0f}; peak required FTE "
                f"{result.peak_required_fte:,.1f}; peak FTE gap {result.peak_fte_gap:,.1f}; "
                f"cost {result.total_cost:,.2f} ({parts})",
                markup=False,
            )


def erlang(
    arrivals_per_hour: Annotated[float, typer.Option(help="Arrivals (calls, tickets) per hour.")],
    aht_seconds: Annotated[float, typer.Option(help="Average handle time in seconds.")],
    target: Annotated[float, typer.Option(help="Service level target, e.g. 0.8.")],
    within_seconds: Annotated[float, typer.Option(help="Answered within this many seconds.")],
    shrinkage: Annotated[
        float | None, typer.Option(help="Share of paid time off the phones, e.g. 0.3.")
    ] = None,
    max_occupancy: Annotated[
        float | None, typer.Option(help="Highest share of time busy, e.g. 0.85.")
    ] = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Erlang C: the fewest agents answering the target share within the time.

    `agents` is after shrinkage when it is given; service level, speed of answer and
    occupancy are those of the agents on the phones.
    """
    from obeya.planning import erlang_c

    r = erlang_c(arrivals_per_hour, aht_seconds, target, within_seconds, shrinkage, max_occupancy)
    body = {
        "agents": r.agents,
        "agents_before_shrinkage": r.agents_before_shrinkage,
        "service_level": r.service_level,
        "asa_seconds": r.asa_seconds,
        "occupancy": r.occupancy,
        "traffic_erlangs": r.traffic_erlangs,
        "probability_of_waiting": r.probability_of_waiting,
    }
    if fmt is OutputFormat.JSON:
        _json(body)
    else:
        print_rows(pa.Table.from_pylist([body]), fmt, title="Erlang C")


def roster(
    spec: Annotated[Path, typer.Argument(help="Roster spec (YAML): requirement, shifts, staff.")],
    time_limit: Annotated[float, typer.Option(help="CP-SAT time limit, seconds.")] = 30.0,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Staff roster with CP-SAT: who works which shift on which day, at least cost.

    Reports the roster, hourly coverage, labour cost, status (optimal or feasible)
    and the optimality gap. The spec format is in docs/planning.md.
    """
    from obeya.planning import solve_roster
    from obeya.planning.roster_spec import load_roster_spec, roster_report

    if not time_limit > 0:
        raise SpecError(f"--time-limit {time_limit}: give a positive number of seconds")
    doc = load_roster_spec(spec)
    report = roster_report(doc, solve_roster(doc.problem(), time_limit_seconds=time_limit))
    match fmt:
        case OutputFormat.JSON:
            _json(report.to_dict())
        case OutputFormat.CSV:
            print_rows(_table(report.result.assignments), fmt)
        case OutputFormat.TABLE:
            r = report.result
            print_rows(_table(report.grid), fmt, title="roster")
            print_rows(_table(report.daily), fmt, title="coverage (person-hours)")
            out.print(
                f"status {r.status.value}; labour cost {r.labour_cost:,.2f}; "
                f"short {r.shortage_hours} person-hours; gap {r.gap:.2%}",
                markup=False,
            )


# ------------------------------------------------------------------ scenarios


def scenario_new(
    name: Annotated[str, typer.Argument(help="Scenario name (letters, digits, _ . -).")],
    from_file: Annotated[
        Path | None, typer.Option("--from", help="Scenario YAML with its drivers.")
    ] = None,
    replace: Annotated[bool, typer.Option(help="Overwrite a scenario of that name.")] = False,
    warehouse: WarehouseOption = None,
) -> None:
    """Create a scenario from a YAML of drivers (without --from: one with no drivers).

    The drivers are checked (schema, then that every family, site, supplier and
    resource named exists in the warehouse) and stored under NAME.
    """
    from obeya.planning.scenario_spec import load_scenario_spec, parse_scenario_spec
    from obeya.planning.scenario_store import check_name, save_scenario
    from obeya.planning.scenarios import read_references

    check_name(name)
    with Warehouse.open(warehouse, create=False) as wh:
        refs = read_references(wh)
        if from_file is not None:
            spec, text = load_scenario_spec(from_file, refs)
        else:
            spec = parse_scenario_spec({"drivers": []}, source=name)
            text = "drivers: []\n"
        save_scenario(
            wh,
            name,
            spec_yaml=text,
            spec_json=spec.to_json(),
            description=spec.description,
            replace=replace,
        )
    out.print(
        f"scenario {name} saved with {len(spec.drivers)} driver(s); run it with "
        f"obeya scenario run {name}",
        markup=False,
    )


def scenario_run(
    name: Annotated[str, typer.Argument(help="The scenario to run.")],
    config: ConfigOption = None,
    calendar: CalendarOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
    warehouse: WarehouseOption = None,
) -> None:
    """Re-plan with the scenario's drivers, and the base without them; store both.

    Recomputes the adjusted demand, capacity, the aggregate plan from the warehouse,
    the inventory policy and staffing, and stores the results under the scenario's
    name (the base under `base`) in the tables scenarios and scenario_results.
    """
    from obeya.planning.calendar_spec import load_calendar
    from obeya.planning.planning_config import load_planning_config
    from obeya.planning.scenario_store import check_name
    from obeya.planning.scenarios import run_stored_scenario

    check_name(name)
    cfg = load_planning_config(config)
    cal = load_calendar(calendar)
    with Warehouse.open(warehouse, create=False) as wh:
        base, table = run_stored_scenario(wh, name, cfg, cal)
    _demand_note(base.demand.source.value, base.demand.run_id, base.demand.as_of)
    _print_compare(table, fmt)


def _print_compare(table: pd.DataFrame, fmt: OutputFormat) -> None:
    if fmt is OutputFormat.JSON:
        _json(table.to_dict(orient="records"))
    else:
        print_rows(_table(table), fmt, title="scenarios")


def scenario_compare(
    names: Annotated[list[str], typer.Argument(help="Scenarios to show beside the base.")],
    fmt: FormatOption = OutputFormat.TABLE,
    warehouse: WarehouseOption = None,
) -> None:
    """Base and scenarios side by side: cost, service, inventory, utilisation, staff.

    Shows the results stored by their latest `obeya scenario run`.
    """
    from obeya.planning.scenario_store import BASE, get_scenario, read_results
    from obeya.planning.scenarios import compare_results

    wanted = [BASE, *[n for n in names if n != BASE]]
    with Warehouse.open(warehouse, create=False) as wh:
        for n in wanted[1:]:
            get_scenario(wh, n)
        results = read_results(wh, wanted)
    missing = [n for n in wanted if n not in set(results["name"])]
    todo = [n for n in missing if n != BASE]
    if todo:
        raise SpecError(
            f"no results for {', '.join(missing)}; run them first: "
            + "; ".join(f"obeya scenario run {n}" for n in todo)
        )
    if missing:
        raise SpecError("no results for base; run any scenario first (obeya scenario run NAME)")
    _print_compare(compare_results(results, wanted), fmt)


def scenario_list(
    fmt: FormatOption = OutputFormat.TABLE, warehouse: WarehouseOption = None
) -> None:
    """The stored scenarios: name, created, status, last run, drivers, description."""
    from obeya.planning.scenario_store import list_scenarios

    with Warehouse.open(warehouse, create=False) as wh:
        table = list_scenarios(wh)
    print_rows(table, fmt, title="scenarios")
