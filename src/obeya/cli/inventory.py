"""``obeya inventory``: policies, multi-echelon stock, projection, simulation, classes.

Thin commands: each reads the warehouse through :mod:`obeya.inventory` and prints a
table, CSV or JSON. Notes on where the numbers came from go to standard error, so
``--format json`` output stays clean.
"""

from __future__ import annotations

import datetime as dt
import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pyarrow as pa
import typer
import yaml

from obeya.cli.data import FormatOption, WarehouseOption
from obeya.cli.output import OutputFormat, err, out, print_rows, to_jsonable
from obeya.errors import ConfigError
from obeya.inventory import (
    DemandModel,
    GroupBy,
    InputSettings,
    OutlookSettings,
    PlannerSettings,
    PolicyPlan,
    ReviewPolicy,
    ServiceTarget,
    SiteNetworkSettings,
    check_policy,
    class_codes,
    gsm_result_to_dict,
    gsm_tree,
    inventory_outlook,
    load_network,
    network_from_warehouse,
    parse_class_targets,
    pick_series,
    plan_policy,
    plan_summary,
    read_series_inputs,
)
from obeya.warehouse import Warehouse

__all__ = ["register"]


class ByOption(StrEnum):
    SITE = "site"
    CLASS = "class"
    ITEM = "item"


ServiceLevelOption = Annotated[
    float,
    typer.Option(help="Target for every class not in --class-targets, a share in (0, 1)."),
]
ClassTargetsOption = Annotated[
    str | None,
    typer.Option(help='Targets per ABC x XYZ class, e.g. "AX=0.98,AY=0.97,CZ=0.85".'),
]
FillRateOption = Annotated[
    bool, typer.Option("--fill-rate", help="Targets are fill rates, not cycle service levels.")
]
OrderCostOption = Annotated[float, typer.Option(help="Cost of placing one order.")]
HoldingRateOption = Annotated[
    float, typer.Option(help="Holding cost per year as a share of unit cost.")
]
ReviewPeriodOption = Annotated[int, typer.Option(help="Weeks between reviews for (R, S).")]
PolicyOption = Annotated[
    ReviewPolicy,
    typer.Option(help="Which policy sets safety and target stock: (s, Q) or (R, S)."),
]
RunOption = Annotated[
    str | None, typer.Option("--run", help="Forecast run id (default: the latest run).")
]
AsOfOption = Annotated[
    str | None,
    typer.Option(help="Plan as of this date, YYYY-MM-DD (default: the latest order date)."),
]
LeadTimeOption = Annotated[
    float, typer.Option(help="Lead time in days where receipts and contracts say nothing.")
]


def register(app: typer.Typer) -> None:
    """Add the ``inventory`` command group to ``app``."""
    group = typer.Typer(
        name="inventory",
        help="Inventory policies, multi-echelon stock, projection, simulation and classes.",
        epilog="Example: obeya inventory policy --by class --format csv",
        no_args_is_help=True,
    )
    group.command(
        "policy",
        epilog='Example: obeya inventory policy --class-targets "AX=0.98,CZ=0.85" --by class',
    )(policy)
    group.command(
        "mei",
        epilog="Examples: obeya inventory mei network.yaml --format json | "
        "obeya inventory mei --from-warehouse --service-level 0.97",
    )(mei)
    group.command(
        "projection", epilog="Example: obeya inventory projection --weeks 26 --excess-weeks 12"
    )(projection)
    group.command(
        "simulate",
        epilog="Examples: obeya inventory simulate --sample 100 | "
        "obeya inventory simulate --sku KET-0003 --site DC-NL1 --demand normal",
    )(simulate)
    group.command("classify", epilog="Example: obeya inventory classify --format json")(classify)
    app.add_typer(group)


def _date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"--as-of {value!r}: not a date; write YYYY-MM-DD") from None


def _planner(
    service_level: float,
    class_targets: str | None,
    fill_rate: bool,
    order_cost: float,
    holding_rate: float,
    review_period: int,
    policy: ReviewPolicy,
) -> PlannerSettings:
    return PlannerSettings(
        service_level=service_level,
        class_targets=parse_class_targets(class_targets or ""),
        target=ServiceTarget.FILL_RATE if fill_rate else ServiceTarget.CYCLE_SERVICE_LEVEL,
        order_cost=order_cost,
        holding_rate=holding_rate,
        review_period=review_period,
        policy=policy,
    )


def _plan(
    warehouse: str | None,
    settings: PlannerSettings,
    run: str | None,
    as_of: str | None,
    default_lead_time_days: float,
) -> PolicyPlan:
    inputs_settings = InputSettings(
        as_of=_date(as_of), run_id=run, default_lead_time_days=default_lead_time_days
    )
    with Warehouse.open(warehouse, create=False) as wh:
        inputs = read_series_inputs(wh, inputs_settings)
    plan = plan_policy(inputs, settings)
    _note_sources(plan)
    return plan


def _note_sources(plan: PolicyPlan) -> None:
    i = plan.inputs
    window = f"{i.weeks[0]} to {i.weeks[-1] + dt.timedelta(days=6)}"
    run = f"forecast run {i.run.run_id}" if i.run else "no forecast run"
    names, counts_of = np.unique(i.lead_time_source, return_counts=True)
    counts = ", ".join(f"{n} {c}" for n, c in zip(names, counts_of, strict=True))
    err.print(
        f"note: as of {i.as_of}; demand history {window}; {run}; "
        f"{int(np.count_nonzero(i.demand_source == 'forecast'))} of {i.size} series "
        f"from the forecast; lead times from {counts}",
        markup=False,
    )


def _print_json(value: Any) -> None:
    out.print(json.dumps(to_jsonable(value), indent=2, ensure_ascii=False), markup=False)


def _rows(table: pa.Table) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = table.to_pylist()
    return rows


def policy(
    service_level: ServiceLevelOption = 0.95,
    class_targets: ClassTargetsOption = None,
    fill_rate: FillRateOption = False,
    order_cost: OrderCostOption = 50.0,
    holding_rate: HoldingRateOption = 0.25,
    review_period: ReviewPeriodOption = 1,
    policy: PolicyOption = ReviewPolicy.CONTINUOUS,
    run: RunOption = None,
    by: Annotated[ByOption, typer.Option(help="Totals per site or class, or every item.")] = (
        ByOption.SITE
    ),
    as_of: AsOfOption = None,
    default_lead_time_days: LeadTimeOption = 14.0,
    fmt: FormatOption = OutputFormat.TABLE,
    warehouse: WarehouseOption = None,
) -> None:
    """Size safety stock, reorder point, EOQ and order-up-to level for every SKU x site.

    Demand comes from the latest forecast run (its backtest errors for the sd), else
    from the last 26 weeks of order lines; lead times from purchase receipts, else
    supplier contracts, else the default. Phase-out and seasonal series get a
    newsvendor buy. Totals show the investment, turns and the money released or
    needed against today's stock. See docs/inventory.md.
    """
    settings = _planner(
        service_level, class_targets, fill_rate, order_cost, holding_rate, review_period, policy
    )
    plan = _plan(warehouse, settings, run, as_of, default_lead_time_days)
    print_rows(plan_summary(plan, GroupBy(by.value)), fmt, title=f"inventory policy by {by}")


def mei(
    network: Annotated[
        Path | None, typer.Argument(help="Network YAML (see docs/inventory.md).")
    ] = None,
    from_warehouse: Annotated[
        bool, typer.Option("--from-warehouse", help="Derive the network from the warehouse.")
    ] = False,
    service_level: ServiceLevelOption = 0.95,
    holding_rate: HoldingRateOption = 0.25,
    transfer_weeks: Annotated[
        int, typer.Option(help="Plant-to-DC transfer time in weeks (not in the data model).")
    ] = 1,
    default_lead_time_days: LeadTimeOption = 14.0,
    save: Annotated[
        Path | None, typer.Option(help="Also write the derived network as YAML here.")
    ] = None,
    fmt: FormatOption = OutputFormat.TABLE,
    warehouse: WarehouseOption = None,
) -> None:
    """Place safety stock in a multi-echelon tree (guaranteed-service model).

    Give a network file, or --from-warehouse to derive suppliers -> plants -> DCs
    from sites, work orders, routings, purchase receipts and order lines.
    """
    if (network is None) == (not from_warehouse):
        raise ConfigError("give a network file or --from-warehouse (one of the two)")
    if network is not None:
        net = load_network(network)
    else:
        settings = SiteNetworkSettings(
            service_level=_level(service_level),
            holding_rate=holding_rate,
            transfer_weeks=transfer_weeks,
            default_lead_time_days=default_lead_time_days,
        )
        with Warehouse.open(warehouse, create=False) as wh:
            derived = network_from_warehouse(wh, settings)
        net = derived.network
        for row in derived.stages.itertuples():
            err.print(f"note: {row.id}: {row.derivation}", markup=False)
        if save is not None:
            save.write_text(yaml.safe_dump(derived.as_dict(), sort_keys=False))
            err.print(f"note: network written to {save}", markup=False)
    result = gsm_tree(net)
    if fmt is OutputFormat.JSON:
        _print_json(gsm_result_to_dict(result))
        return
    rows = pa.Table.from_pylist(gsm_result_to_dict(result)["nodes"])
    print_rows(rows, fmt, title=f"guaranteed-service stock, total cost {result.total_cost:,.2f}")


def _level(value: float) -> float:
    if not (np.isfinite(value) and 0.0 < value < 1.0):
        raise ConfigError(
            f"service level = {value!r}: must lie strictly between 0 and 1; "
            "give a share such as 0.95, not a percentage"
        )
    return value


def projection(
    weeks: Annotated[int, typer.Option(help="Weeks to project.")] = 26,
    excess_weeks: Annotated[
        int, typer.Option(help="Stock beyond this many weeks of forecast is excess.")
    ] = 12,
    run: RunOption = None,
    worst: Annotated[int, typer.Option(help="How many of the worst items to list.")] = 10,
    fmt: FormatOption = OutputFormat.TABLE,
    warehouse: WarehouseOption = None,
) -> None:
    """Project stock week by week: on hand + scheduled receipts - forecast.

    Flags the first stock-out week, units short and revenue at risk, and stock
    beyond --excess-weeks of forecast with its value; totals per site and the worst
    items.
    """
    settings = OutlookSettings(weeks=weeks, excess_weeks=excess_weeks, run_id=run, worst=worst)
    with Warehouse.open(warehouse, create=False) as wh:
        outlook = inventory_outlook(wh, settings)
    head = {
        "snapshot_date": outlook.snapshot_date,
        "start_week": outlook.start_week,
        "weeks": weeks,
        "excess_weeks": excess_weeks,
        "forecast_source": outlook.forecast_source,
    }
    if fmt is OutputFormat.JSON:
        _print_json(
            {
                **head,
                "by_site": _rows(outlook.by_site),
                "stockouts": _rows(outlook.stockouts),
                "excess": _rows(outlook.excess),
            }
        )
        return
    err.print(
        f"note: stock at {outlook.snapshot_date}; week 0 starts {outlook.start_week}; "
        f"demand from {outlook.forecast_source}",
        markup=False,
    )
    print_rows(outlook.by_site, fmt, title=f"projection by site, {weeks} weeks")
    if fmt is OutputFormat.TABLE:
        print_rows(outlook.stockouts, fmt, title="worst stock-outs (revenue at risk)")
        print_rows(outlook.excess, fmt, title=f"worst excess (beyond {excess_weeks} weeks)")


def simulate(
    periods: Annotated[int, typer.Option(help="Weeks per replication.")] = 52,
    replications: Annotated[int, typer.Option(help="Independent runs per series.")] = 200,
    service_level: ServiceLevelOption = 0.95,
    class_targets: ClassTargetsOption = None,
    fill_rate: FillRateOption = False,
    order_cost: OrderCostOption = 50.0,
    holding_rate: HoldingRateOption = 0.25,
    review_period: ReviewPeriodOption = 1,
    policy: PolicyOption = ReviewPolicy.CONTINUOUS,
    sku: Annotated[str | None, typer.Option(help="Simulate this SKU (with --site).")] = None,
    site: Annotated[str | None, typer.Option(help="The site of --sku.")] = None,
    sample: Annotated[int, typer.Option(help="Else simulate this many random series.")] = 200,
    demand: Annotated[
        DemandModel, typer.Option(help="Resample history, or draw normal demand.")
    ] = DemandModel.BOOTSTRAP,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 7,
    run: RunOption = None,
    as_of: AsOfOption = None,
    default_lead_time_days: LeadTimeOption = 14.0,
    fmt: FormatOption = OutputFormat.TABLE,
    warehouse: WarehouseOption = None,
) -> None:
    """Replay the recommended policy against demand and report the service achieved.

    Fill rate and cycle service level per series and overall, against the target,
    with random lead times from the receipt history.
    """
    settings = _planner(
        service_level, class_targets, fill_rate, order_cost, holding_rate, review_period, policy
    )
    plan = _plan(warehouse, settings, run, as_of, default_lead_time_days)
    rng = np.random.default_rng(seed)
    rows = pick_series(plan, sku=sku, site=site, sample=sample, rng=rng)
    check = check_policy(
        plan, rows, periods=periods, replications=replications, demand_model=demand, rng=rng
    )
    if fmt is OutputFormat.JSON:
        _print_json({"overall": _rows(check.overall)[0], "items": _rows(check.items)})
        return
    print_rows(check.overall, fmt, title=f"simulated service, {demand} demand")
    if fmt is OutputFormat.TABLE:
        print_rows(check.items, fmt, title="per series")


def classify(
    run: RunOption = None,
    as_of: AsOfOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
    warehouse: WarehouseOption = None,
) -> None:
    """ABC (annual value) x XYZ (demand variability) matrix: items and value per class.

    ABC ranks SKU x site series by weekly planning demand x 52 x unit cost (A to 80 %
    of the value, B to 95 %); XYZ by the CV of weekly demand (X <= 0.5, Y <= 1.0).
    """
    plan = _plan(warehouse, PlannerSettings(), run, as_of, 14.0)
    result = plan.classes
    total = float(result.values.sum())
    codes = list(class_codes())
    counts = result.counts.ravel()
    values = result.values.ravel()
    table = pa.table(
        {
            "class": codes,
            "abc": [c[0] for c in codes],
            "xyz": [c[1] for c in codes],
            "items": counts.astype(np.int64),
            "annual_value": values,
            "value_share": values / total if total > 0 else np.zeros(values.size),
        }
    )
    print_rows(table, fmt, title="ABC x XYZ")
