"""The families x sites aggregate plan built from the warehouse.

Inputs, each from the warehouse or the planning config (``docs/planning.md``,
"obeya plan aggregate --from-warehouse" has the rules and defaults):

* demand per family, site and period: the demand frame (forecast or order history);
* sites: those with demand and those that can make something (a routing there);
* hours per unit of a family at a site: the demand-weighted mean over its SKUs of
  the SKU's routing hours at that site (summed over its resources), times the site's
  labour hours per resource hour (configured, or learned as the production
  departments' hours over the work orders' run hours in the labour window; 1 when
  there is no history). A family with no routing at a site cannot be made there;
* workforce: the production departments' headcount on the site's latest labour day;
  paid hours per worker and period: hours per day x the site's working days in the
  period; productive hours: the same after scenario capacity changes;
* wages: ``wages.regular_per_hour``, else labour cost over premium-weighted hours of
  the site's production departments (all of the site's departments, then the whole
  company, when those have no cost); overtime at ``overtime_premium`` times that;
* unit costs of a family: demand-weighted ``unit_cost`` and ``unit_price`` of its
  SKUs times the config's shares (material, holding per period, backlog, subcontract);
* opening stock: on hand at the latest snapshot; opening backlog: open lines past
  their promised date (``include_open_backlog``); the plan ends with at least the
  opening stock (``keep_opening_inventory``);
* lanes: from every site that can make something to every other site, at the
  configured cost per unit or the origin's freight cost per unit shipped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from obeya.errors import DataError
from obeya.planning._lp import INF, LpSolver
from obeya.planning._periods import periods_per_year
from obeya.planning.calendar_spec import CalendarSpec
from obeya.planning.capacity_plan import CapacityChange, effective_days
from obeya.planning.demand_input import DemandFrame
from obeya.planning.network import NetworkPlan, NetworkPlanInput
from obeya.planning.network_hours import plan_network_hours
from obeya.planning.planning_config import AggregateSettings, WageSettings
from obeya.planning.warehouse_facts import PlanningFacts, labour_rates

__all__ = ["WarehousePlan", "plan_from_warehouse", "site_wage_rates"]

FloatArray = NDArray[np.float64]


def _index(values: pd.Series, labels: Sequence[str]) -> NDArray[np.int64]:
    position = {v: i for i, v in enumerate(labels)}
    out: NDArray[np.int64] = values.map(position).to_numpy(dtype=np.int64)
    return out


def site_wage_rates(
    facts: PlanningFacts, sites: Sequence[str], wages: WageSettings, departments: Sequence[str]
) -> FloatArray:
    """Regular hourly rate per site (see the module docstring for the fallbacks)."""
    if wages.regular_per_hour is not None:
        return np.full(len(sites), float(wages.regular_per_hour))
    rates = labour_rates(facts.labour, wages.overtime_premium, wages.temp_premium)

    def pooled(frame: pd.DataFrame) -> pd.Series:
        sums = frame.groupby("site_id")[["labor_cost", "paid"]].sum()
        ok = sums["paid"] > 0
        return (sums.loc[ok, "labor_cost"] / sums.loc[ok, "paid"]).astype(float)

    production = pooled(rates.loc[rates["department"].isin(departments)])
    everyone = pooled(rates)
    total_paid = float(rates["paid"].sum())
    company = float(rates["labor_cost"].sum()) / total_paid if total_paid > 0 else np.nan
    site_index = pd.Index(list(sites))
    out = production.reindex(site_index).fillna(everyone.reindex(site_index)).fillna(company)
    if out.isna().any():
        raise DataError(
            "labor_hours has no labour cost to learn wage rates from; load labor_hours or "
            "give wages.regular_per_hour in the planning config"
        )
    result: FloatArray = out.to_numpy(dtype=np.float64)
    return result


@dataclass(frozen=True)
class WarehousePlan:
    """The plan, the input it was solved from, and the hours behind it."""

    plan: NetworkPlan
    data: NetworkPlanInput
    demand: DemandFrame
    paid_hours: FloatArray
    productive_hours: FloatArray
    crew: FloatArray
    opening_backlog: FloatArray

    def site_rows(self) -> pd.DataFrame:
        """One row per site and period: demand, the plan, and the hours per worker."""
        d, p = self.data, self.plan
        ns, nt = len(d.sites), len(d.periods)
        origin, dest = d.lanes
        moved = p.shipped.sum(axis=0)  # (lane, period)
        shipped_in = np.zeros((ns, nt))
        shipped_out = np.zeros((ns, nt))
        np.add.at(shipped_in, dest, moved)
        np.add.at(shipped_out, origin, moved)
        demand = np.asarray(d.demand).sum(axis=0)
        return pd.DataFrame(
            {
                "site_id": np.repeat(d.sites, nt),
                "period": np.tile(d.periods, ns),
                "demand": demand.ravel(),
                "production": p.production.sum(axis=0).ravel(),
                "subcontracted": p.subcontracted.sum(axis=0).ravel(),
                "shipped_in": shipped_in.ravel(),
                "shipped_out": shipped_out.ravel(),
                "inventory": p.inventory.sum(axis=0).ravel(),
                "backlog": p.backlog.sum(axis=0).ravel(),
                "workforce": p.workforce.ravel(),
                "hired": p.hired.ravel(),
                "laid_off": p.laid_off.ravel(),
                "overtime_hours": p.overtime_hours.ravel(),
                "paid_hours_per_worker": self.paid_hours.ravel(),
                "productive_hours_per_worker": self.productive_hours.ravel(),
            }
        )

    def family_rows(self) -> pd.DataFrame:
        """One row per family, site and period with demand or activity."""
        d, p = self.data, self.plan
        nf, ns, nt = len(d.families), len(d.sites), len(d.periods)
        frame = pd.DataFrame(
            {
                "family": np.repeat(d.families, ns * nt),
                "site_id": np.tile(np.repeat(d.sites, nt), nf),
                "period": np.tile(d.periods, nf * ns),
                "demand": np.asarray(d.demand).ravel(),
                "production": p.production.ravel(),
                "subcontracted": p.subcontracted.ravel(),
                "inventory": p.inventory.ravel(),
                "backlog": p.backlog.ravel(),
            }
        )
        active = frame[["demand", "production", "subcontracted", "inventory", "backlog"]].abs()
        return frame.loc[active.sum(axis=1) > 0].reset_index(drop=True)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready object (see docs/planning.md for every key)."""
        d, p = self.data, self.plan
        origin, dest = d.lanes
        lanes = [f"{d.sites[o]}->{d.sites[t]}" for o, t in zip(origin, dest, strict=True)]
        nz = np.argwhere(p.shipped > 1e-9)
        prices: list[dict[str, Any]] = []
        if p.duals is not None:
            for name, values in (
                ("capacity_hour", p.duals.hour),
                ("worker", p.duals.worker),
                ("overtime_hour", p.duals.overtime_hour),
            ):
                s_idx, t_idx = np.nonzero(np.abs(values) > 1e-9)
                prices += [
                    {
                        "constraint": name,
                        "site_id": d.sites[s],
                        "period": d.periods[t],
                        "value": float(values[s, t]),
                    }
                    for s, t in zip(s_idx, t_idx, strict=True)
                ]
        a = d.values
        return {
            "total_cost": p.total_cost,
            "status": p.status.value,
            "solver": p.solver.value,
            "mip_gap": p.mip_gap,
            "grain": self.demand.grain.value,
            "demand_source": self.demand.source.value,
            "run_id": self.demand.run_id,
            "as_of": self.demand.as_of.isoformat(),
            "periods": self.site_rows().to_dict(orient="records"),
            "families": self.family_rows().to_dict(orient="records"),
            "shipments": [
                {
                    "family": d.families[f],
                    "lane": lanes[k],
                    "period": d.periods[t],
                    "units": float(p.shipped[f, k, t]),
                }
                for f, k, t in nz
            ],
            "cost_breakdown": {k.value: v for k, v in p.cost_breakdown.items()},
            "binding_constraints": list(p.binding),
            "shadow_prices": prices,
            "inputs": {
                "sites": [
                    {
                        "site_id": s,
                        "initial_workforce": float(a("initial_workforce")[i]),
                        "regular_rate": float(a("regular_rate")[i]),
                        "overtime_rate": float(a("overtime_rate")[i]),
                        "labour_hours_per_resource_hour": float(self.crew[i]),
                    }
                    for i, s in enumerate(d.sites)
                ],
                "families": [
                    {
                        "family": fam,
                        "site_id": s,
                        "hours_per_unit": float(a("hours_per_unit")[f, i]),
                        "producible": bool(np.asarray(d.producible)[f, i]),
                        "material_cost": float(a("material_cost")[f, i]),
                        "holding_cost": float(a("holding_cost")[f, i]),
                        "backlog_cost": float(a("backlog_cost")[f, i]),
                        "subcontract_cost": float(a("subcontract_cost")[f, i]),
                        "opening_inventory": float(a("initial_inventory")[f, i]),
                        "opening_backlog": float(self.opening_backlog[f, i]),
                    }
                    for f, fam in enumerate(d.families)
                    for i, s in enumerate(d.sites)
                ],
                "lanes": [
                    {"lane": lanes[k], "cost_per_unit": float(a("lane_cost")[k])}
                    for k in range(len(lanes))
                ],
            },
        }


def _family_values(
    frame: pd.DataFrame, families: Sequence[str], sites: Sequence[str], column: str
) -> FloatArray:
    """A (family, site) array of ``column`` summed by family and site."""
    out = np.zeros((len(families), len(sites)))
    keep = frame["family"].isin(families) & frame["site_id"].isin(sites)
    part = frame.loc[keep].groupby(["family", "site_id"], as_index=False)[column].sum()
    out[_index(part["family"], families), _index(part["site_id"], sites)] = part[column].to_numpy()
    return out


def plan_from_warehouse(
    demand: DemandFrame,
    facts: PlanningFacts,
    settings: AggregateSettings,
    wages: WageSettings,
    calendar: CalendarSpec,
    *,
    wage_factors: Mapping[str | None, float] | None = None,
    changes: Sequence[CapacityChange] = (),
    solver: LpSolver = LpSolver.SIMPLEX,
    time_limit_seconds: float | None = None,
) -> WarehousePlan:
    """Build the families x sites plan from the facts and solve it (module docstring).

    ``wage_factors`` multiplies the rates of a site (key: site id) or of every site
    (key: ``None``); ``changes`` cut or add productive hours from a date.
    """
    calendar.check_sites(list(facts.sites["site_id"]))
    table = demand.table.loc[demand.table["units"] > 0]
    families = sorted(set(table["family"].astype(str)))
    routed = facts.routings.merge(
        facts.resources[["resource_id", "site_id"]], on="resource_id"
    ).merge(facts.products[["sku", "family"]], on="sku")
    sites = sorted(
        (set(table["site_id"].astype(str)) | set(routed["site_id"].astype(str)))
        & set(facts.sites["site_id"])
    )
    if not families or not sites:
        raise DataError(
            f"no demand to plan between {demand.labels[0]} and {demand.labels[-1]} "
            f"({demand.source.value}); load order lines or forecast first"
        )
    periods = demand.labels
    nf, ns, nt = len(families), len(sites), len(periods)
    t_index = {np.datetime64(s, "D"): i for i, s in enumerate(demand.starts)}
    d_arr = np.zeros((nf, ns, nt))
    part = table.loc[table["site_id"].isin(sites)]
    part = part.groupby(["family", "site_id", "period_start"], as_index=False)["units"].sum()
    t_pos = np.array([t_index[np.datetime64(v, "D")] for v in part["period_start"].to_numpy()])
    d_arr[_index(part["family"], families), _index(part["site_id"], sites), t_pos] = part["units"]

    # Demand-weighted means over a family's SKUs: hours per unit, unit cost and price.
    weight = table.groupby("sku")["units"].sum()
    per_sku = routed.groupby(["sku", "family", "site_id"], as_index=False)["hours_per_unit"].sum()
    per_sku["w"] = per_sku["sku"].map(weight).fillna(0.0)
    per_sku["wh"] = per_sku["w"] * per_sku["hours_per_unit"]
    hours = _family_values(per_sku, families, sites, "wh")
    w_sum = _family_values(per_sku, families, sites, "w")
    plain = _family_values(per_sku.assign(n=1.0), families, sites, "n")
    plain_hours = _family_values(per_sku, families, sites, "hours_per_unit")
    producible = plain > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        routing_hours = np.where(
            w_sum > 0, hours / w_sum, np.where(plain > 0, plain_hours / np.maximum(plain, 1), 0.0)
        )
    labour = facts.labour
    prod_labour = labour.loc[labour["department"].isin(settings.production_departments)]
    if settings.labour_hours_per_resource_hour is not None:
        crew = np.full(ns, float(settings.labour_hours_per_resource_hour))
    else:
        worked = (
            prod_labour.assign(
                h=prod_labour["regular_hours"]
                + prod_labour["overtime_hours"]
                + prod_labour["temp_hours"]
            )
            .groupby("site_id")["h"]
            .sum()
        )
        run = facts.work_hours.set_index("site_id")["run_hours"]
        ratio = (worked.reindex(sites) / run.reindex(sites)).replace([np.inf, -np.inf], np.nan)
        crew = ratio.where(ratio > 0).fillna(1.0).to_numpy(dtype=np.float64)
    hpu = routing_hours * crew[None, :]

    fam_of = facts.products[["sku", "family"]]
    sku_w = facts.products.assign(w=facts.products["sku"].map(weight).fillna(0.0))
    sku_w = sku_w.assign(wc=sku_w["w"] * sku_w["unit_cost"], wp=sku_w["w"] * sku_w["unit_price"])
    fam = sku_w.groupby("family").agg(
        w=("w", "sum"),
        wc=("wc", "sum"),
        wp=("wp", "sum"),
        mean_cost=("unit_cost", "mean"),
        mean_price=("unit_price", "mean"),
    )
    fam = fam.reindex(families).fillna(0.0)
    weighted = fam["w"].to_numpy() > 0
    w_safe = np.where(weighted, fam["w"].to_numpy(), 1.0)
    cost = np.where(weighted, fam["wc"].to_numpy() / w_safe, fam["mean_cost"].to_numpy())[:, None]
    price = np.where(weighted, fam["wp"].to_numpy() / w_safe, fam["mean_price"].to_numpy())[:, None]
    c = settings.costs

    stock = facts.stock.merge(fam_of, on="sku")
    opening = _family_values(stock.rename(columns={"on_hand": "v"}), families, sites, "v")
    backlog = facts.backlog.merge(fam_of, on="sku")
    owed = _family_values(backlog.rename(columns={"backlog": "v"}), families, sites, "v")
    if not settings.include_open_backlog:
        owed = np.zeros_like(owed)

    heads = prod_labour.groupby("site_id")["headcount"].sum().reindex(sites).fillna(0.0)
    rates = site_wage_rates(facts, sites, wages, settings.production_departments)
    factors = dict(wage_factors or {})
    rates = rates * factors.get(None, 1.0) * np.array([factors.get(s, 1.0) for s in sites])

    starts, ends = demand.starts, demand.ends
    s_grid = np.repeat(np.array(sites), nt)
    st, en = np.tile(starts, ns), np.tile(ends, ns)
    wc = calendar.work_calendar(sites, starts[0].astype(object), ends[-1].astype(object))
    days = effective_days(wc, s_grid, None, st, en, ()).reshape(ns, nt)
    site_changes = [ch for ch in changes if ch.resource is None]
    eff = effective_days(wc, s_grid, None, st, en, site_changes).reshape(ns, nt)
    paid = settings.hours_per_worker_per_day * days
    productive = settings.hours_per_worker_per_day * eff
    mean_paid = np.where(paid.mean(axis=1) > 0, paid.mean(axis=1), 1.0)

    makers = np.flatnonzero(producible.any(axis=0))
    pairs = [(o, t) for o in makers for t in range(ns) if t != o]
    freight = facts.freight.set_index("site_id")["freight_per_unit"].reindex(sites)
    fallback = float(freight.mean()) if freight.notna().any() else 0.0
    lane_cost = [
        float(c.transport_per_unit)
        if c.transport_per_unit is not None
        else float(freight.iloc[o])
        if pd.notna(freight.iloc[o])
        else fallback
        for o, _ in pairs
    ]
    data = NetworkPlanInput(
        families=tuple(families),
        sites=tuple(sites),
        periods=tuple(periods),
        demand=d_arr,
        hours_per_unit=hpu,
        producible=producible,
        initial_workforce=heads.to_numpy(dtype=np.float64),
        regular_hours_per_worker=mean_paid,
        max_overtime_hours_per_worker=settings.max_overtime_share * mean_paid,
        material_cost=c.material_share * cost,
        holding_cost=c.holding_rate_per_year / periods_per_year(demand.grain) * cost,
        backlog_cost=c.backlog_share_of_price * price,
        subcontract_cost=c.subcontract_premium * cost,
        hire_cost=c.hire_per_worker,
        layoff_cost=c.layoff_per_worker,
        regular_rate=rates,
        overtime_rate=rates * wages.overtime_premium,
        initial_inventory=opening,
        initial_backlog=owed,
        min_final_inventory=opening if settings.keep_opening_inventory else 0.0,
        max_final_backlog=INF if settings.max_final_backlog is None else settings.max_final_backlog,
        lane_origin=np.array([o for o, _ in pairs], dtype=np.int64),
        lane_destination=np.array([t for _, t in pairs], dtype=np.int64),
        lane_cost=np.array(lane_cost, dtype=np.float64),
        integer_workforce=settings.integer,
    )
    plan = plan_network_hours(
        data,
        paid,
        productive,
        np.full(ns, settings.max_overtime_share),
        solver=solver,
        time_limit_seconds=time_limit_seconds,
    )
    return WarehousePlan(plan, data, demand, paid, productive, crew, owed)
