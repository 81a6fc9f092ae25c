"""Run a scenario: re-plan everything its drivers touch, and compare with the base.

A run reads the warehouse once (:func:`read_scenario_inputs`: the demand and the
facts of :mod:`~obeya.planning.warehouse_facts`) and then, purely:

1. adjusts demand: every ``demand`` driver multiplies the units of its family/site
   in the periods starting within its from..to;
2. rough-cut capacity at ``capacity.grain`` over the aggregate plan's dates, with the
   ``capacity`` and ``new_resource`` drivers (:func:`capacity_plan`);
3. the families x sites aggregate plan with ``wages`` and site ``capacity`` drivers
   (:func:`plan_from_warehouse`);
4. the inventory policy with ``lead_time`` drivers (:func:`inventory_from_warehouse`);
5. the weekly staffing plan with ``wages`` drivers (:func:`staffing_from_warehouse`).

The base is the same run with no drivers. :meth:`ScenarioRun.metrics` gives the
figures a scenario is compared on (:data:`METRICS`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from obeya.inventory import SeriesInputs
from obeya.planning._periods import as_days
from obeya.planning.aggregate_warehouse import WarehousePlan, plan_from_warehouse
from obeya.planning.calendar_spec import CalendarSpec
from obeya.planning.capacity import PeriodGrain
from obeya.planning.capacity_plan import CapacityChange, CapacityOutcome, NewResource, capacity_plan
from obeya.planning.demand_input import DemandBasis, DemandFrame, read_demand
from obeya.planning.inventory_warehouse import (
    InventoryOutcome,
    LeadTimeChange,
    inventory_from_inputs,
    read_policy_inputs,
)
from obeya.planning.planning_config import PlanningConfig
from obeya.planning.scenario_spec import (
    CapacityDriver,
    DemandDriver,
    LeadTimeDriver,
    NewResourceDriver,
    OverrideKind,
    References,
    ScenarioSpec,
    WagesDriver,
    parse_scenario_spec,
)
from obeya.planning.scenario_store import (
    BASE,
    Metric,
    ensure_base,
    get_scenario,
    read_results,
    save_results,
)
from obeya.planning.warehouse_facts import PlanningFacts, read_facts
from obeya.planning.workforce_warehouse import StaffingPlan, staffing_from_warehouse
from obeya.warehouse import Warehouse

__all__ = [
    "METRICS",
    "ScenarioInputs",
    "ScenarioRun",
    "adjust_demand",
    "compare_results",
    "demand_ratio",
    "read_references",
    "read_scenario_inputs",
    "run_scenario",
    "run_stored_scenario",
    "wage_factors",
]

METRICS: tuple[tuple[str, str, str], ...] = (
    ("demand_units", "units", "demand over the aggregate plan's horizon"),
    ("total_cost", "currency", "the aggregate plan's total cost"),
    ("service_level_target", "share", "the inventory policy's service target"),
    ("expected_fill_rate", "share", "the policy's expected fill rate (demand-weighted)"),
    ("inventory_value", "currency", "average inventory (safety + cycle stock) at unit cost"),
    ("utilisation_peak", "share", "highest load / available hours of a resource in a period"),
    ("utilisation_mean", "share", "total load / total available hours of routed resources"),
    ("overloaded_periods", "count", "resource-periods loaded above the threshold"),
    ("headcount", "people", "current headcount of the planned departments"),
    ("fte_gap_peak", "FTE", "highest weekly required FTE - headcount (company)"),
    ("workforce_cost", "currency", "overtime, temps and hires closing the staffing gaps"),
)


@dataclass(frozen=True)
class ScenarioInputs:
    """What a run reads from the warehouse (read once, shared by base and scenarios)."""

    basis: DemandBasis
    facts: PlanningFacts
    policy: SeriesInputs
    config: PlanningConfig
    calendar: CalendarSpec


def read_scenario_inputs(
    wh: Warehouse, config: PlanningConfig, calendar: CalendarSpec
) -> ScenarioInputs:
    """Demand, facts and the inventory engine's series statistics, at one as-of date."""
    basis = read_demand(wh, run_id=config.demand.run, history_days=config.demand.history_days)
    facts = read_facts(wh, basis.as_of, config)
    policy = read_policy_inputs(wh, basis.as_of, config.inventory, config.demand.run)
    return ScenarioInputs(basis, facts, policy, config, calendar)


def read_references(wh: Warehouse) -> References:
    """The families, sites, suppliers and resources a scenario may name."""
    families = wh.table("products").select("family").distinct().to_pandas()["family"]
    sites = wh.table("sites").select("site_id").to_pandas()["site_id"]
    suppliers = wh.table("suppliers").select("supplier_id").to_pandas()["supplier_id"]
    res = wh.table("resources").select("resource_id", "site_id").to_pandas()
    return References(
        families=frozenset(families.astype(str)),
        sites=frozenset(sites.astype(str)),
        suppliers=frozenset(suppliers.astype(str)),
        resources=dict(
            zip(res["resource_id"].astype(str), res["site_id"].astype(str), strict=True)
        ),
    )


def adjust_demand(frame: DemandFrame, drivers: Sequence[DemandDriver]) -> DemandFrame:
    """Units x (1 + change) for the rows each driver selects (drivers multiply)."""
    if not drivers:
        return frame
    t = frame.table
    units = t["units"].to_numpy(dtype=np.float64).copy()
    start = as_days(t["period_start"].to_numpy())
    for d in drivers:  # a scenario's handful of drivers
        hit = np.ones(len(t), dtype=bool)
        if d.family is not None:
            hit &= (t["family"] == d.family).to_numpy()
        if d.site is not None:
            hit &= (t["site_id"] == d.site).to_numpy()
        if d.start is not None:
            hit &= start >= np.datetime64(d.start, "D")
        if d.end is not None:
            hit &= start <= np.datetime64(d.end, "D")
        units = np.where(hit, units * (1.0 + d.change), units)
    return frame.with_units(units)


def demand_ratio(base: DemandFrame, adjusted: DemandFrame) -> pd.DataFrame:
    """sku, site_id, factor: adjusted over base units per series over the horizon."""
    keys = ["sku", "site_id"]
    b = base.table.groupby(keys)["units"].sum()
    a = adjusted.table.groupby(keys)["units"].sum().reindex(b.index)
    factor = np.where(b.to_numpy() > 0, a.to_numpy() / np.where(b > 0, b, 1.0), 1.0)
    return b.index.to_frame(index=False).assign(factor=factor)


def wage_factors(drivers: Sequence[WagesDriver]) -> dict[str | None, float]:
    """Rate multipliers by site (``None``: every site); drivers of one scope multiply."""
    out: dict[str | None, float] = {}
    for d in drivers:
        out[d.site] = out.get(d.site, 1.0) * (1.0 + d.change)
    return out


@dataclass(frozen=True)
class ScenarioRun:
    """Every plan of one run (the base, or a scenario)."""

    name: str
    demand: DemandFrame
    capacity: CapacityOutcome
    plan: WarehousePlan
    inventory: InventoryOutcome
    staffing: StaffingPlan

    def metrics(self) -> list[Metric]:
        """The figures of :data:`METRICS`, each with what lies behind it."""
        cap = self.capacity
        load = cap.report.load
        util = load["utilisation"].to_numpy(dtype=np.float64)
        valid = ~np.isnan(util)
        peak_at: dict[str, Any] = {}
        if valid.any():
            i = int(np.flatnonzero(valid)[np.argmax(util[valid])])
            peak_at = {"resource_id": load["resource_id"].iloc[i], "period": load["period"].iloc[i]}
        plan = self.plan.plan
        inv = self.inventory
        staff = self.staffing
        heads = staff.groups.groupby("site_id")["headcount"].sum()
        values: dict[str, tuple[float, dict[str, Any]]] = {
            "demand_units": (
                self.demand.total,
                {
                    "source": self.demand.source.value,
                    "run_id": self.demand.run_id,
                    "grain": self.demand.grain.value,
                    "periods": [self.demand.labels[0], self.demand.labels[-1]],
                },
            ),
            "total_cost": (
                plan.total_cost,
                {
                    "status": plan.status.value,
                    "cost_breakdown": {k.value: v for k, v in plan.cost_breakdown.items()},
                },
            ),
            "service_level_target": (inv.service_level, {"target": inv.plan.settings.target.value}),
            "expected_fill_rate": (inv.expected_fill_rate, {"series": int(inv.plan.inputs.size)}),
            "inventory_value": (inv.inventory_value, inv.to_dict()),
            "utilisation_peak": (cap.peak_utilisation, peak_at),
            "utilisation_mean": (cap.mean_utilisation, {"grain": cap.report.grain.value}),
            "overloaded_periods": (
                float(load["overloaded"].sum()),
                {
                    "bottlenecks": cap.report.bottlenecks.head(5)[
                        ["rank", "resource_id", "peak_utilisation", "peak_period"]
                    ].to_dict(orient="records")
                },
            ),
            "headcount": (staff.headcount, {"by_site": heads.to_dict()}),
            "fte_gap_peak": (staff.peak_fte_gap, {"peak_required_fte": staff.peak_required_fte}),
            "workforce_cost": (staff.total_cost, dict(staff.cost_breakdown)),
        }
        return [
            Metric(name, float(values[name][0]), unit, values[name][1]) for name, unit, _ in METRICS
        ]


def run_scenario(inputs: ScenarioInputs, spec: ScenarioSpec, name: str = BASE) -> ScenarioRun:
    """Every plan under the spec's drivers (none: the base); see the module docstring."""
    cfg = inputs.config
    demand_drivers = spec.of(OverrideKind.DEMAND)
    wages = wage_factors(spec.of(OverrideKind.WAGES))
    changes = [
        CapacityChange(d.site, 1.0 + d.change, d.start, d.end, d.resource)
        for d in spec.of(OverrideKind.CAPACITY)
        if isinstance(d, CapacityDriver)
    ]
    new = [
        NewResource(d.resource, d.site, d.hours_per_day, d.like, d.name or "new resource")
        for d in spec.of(OverrideKind.NEW_RESOURCE)
        if isinstance(d, NewResourceDriver)
    ]
    leads = [
        LeadTimeChange(d.supplier, d.days, d.site)
        for d in spec.of(OverrideKind.LEAD_TIME)
        if isinstance(d, LeadTimeDriver)
    ]
    agg = cfg.aggregate
    basis = inputs.basis
    base_months = basis.periods(agg.grain, horizon=agg.horizon)
    months = adjust_demand(base_months, demand_drivers)
    last_day = (months.ends[-1] - np.timedelta64(1, "D")).astype(dt.date)
    cap_frame = adjust_demand(
        basis.periods(cfg.capacity.grain, start=months.starts[0].astype(dt.date), end=last_day),
        demand_drivers,
    )
    weeks = adjust_demand(
        basis.periods(PeriodGrain.WEEK, horizon=cfg.workforce.weeks), demand_drivers
    )
    facts = inputs.facts
    capacity = capacity_plan(
        cap_frame,
        facts.routings,
        facts.resources,
        inputs.calendar,
        threshold=cfg.capacity.overload_threshold,
        changes=changes,
        new_resources=new,
    )
    plan = plan_from_warehouse(
        months, facts, agg, cfg.wages, inputs.calendar, wage_factors=wages, changes=changes
    )
    inventory = inventory_from_inputs(
        inputs.policy,
        cfg.inventory,
        demand_factor=demand_ratio(base_months, months) if demand_drivers else None,
        main_supplier=facts.suppliers,
        lead_time_changes=leads,
    )
    staffing = staffing_from_warehouse(weeks, facts, cfg.workforce, cfg.wages, wage_factors=wages)
    return ScenarioRun(name, months, capacity, plan, inventory, staffing)


def compare_results(results: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    """Metrics side by side: metric, unit, then one column per name (base first)."""
    order = {m: i for i, (m, _, _) in enumerate(METRICS)}
    wide = results.pivot_table(index=["metric", "unit"], columns="name", values="value")
    wide = wide.reindex(columns=list(names)).reset_index()
    wide["order"] = wide["metric"].map(order).fillna(len(order))
    wide = wide.sort_values(["order", "metric"]).drop(columns="order").reset_index(drop=True)
    wide.columns.name = None
    return wide


def run_stored_scenario(
    wh: Warehouse, name: str, config: PlanningConfig, calendar: CalendarSpec
) -> tuple[ScenarioRun, pd.DataFrame]:
    """Run the stored scenario ``name`` and the base, store both, and compare them.

    The stored drivers are checked again against the warehouse (its data may have
    changed since ``scenario new``). Returns the base run and the comparison table.
    """
    stored = get_scenario(wh, name)
    spec = parse_scenario_spec(
        stored.spec_json, source=f"scenario {name}", references=read_references(wh)
    )
    inputs = read_scenario_inputs(wh, config, calendar)
    base = run_scenario(inputs, ScenarioSpec(), BASE)
    mine = run_scenario(inputs, spec, name)
    ensure_base(wh)
    save_results(wh, BASE, base.metrics())
    save_results(wh, name, mine.metrics())
    return base, compare_results(read_results(wh, [BASE, name]), [BASE, name])
