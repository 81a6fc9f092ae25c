"""The weekly staffing plan built from the warehouse (``obeya workforce plan``).

* volume: the weekly demand frame's units per site; every planned department of a
  site is driven by the site's volume (units shipped drive picking, packing, making);
* labour standards: units shipped at the site over hours worked (regular + overtime
  + temp) in each department, both over the labour window
  (:func:`~obeya.planning.learn_labour_standards`), unless the config gives them;
* headcount: each department's headcount on the site's latest labour day;
* rates: ``wages.regular_per_hour``, else the department's labour cost over its
  premium-weighted hours (the site's, then the company's, when it has none); overtime
  and temps at their premiums; hires cost ``hire_cost`` and start after
  ``hire_lead_weeks``.

:func:`~obeya.planning.plan_workforce` then fills each week's gap with overtime,
temps and hires at least cost, one call per site and department (each has its own
rates; there are a handful).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from obeya.errors import DataError
from obeya.planning.demand_input import DemandFrame
from obeya.planning.planning_config import WageSettings, WorkforceConfig
from obeya.planning.warehouse_facts import PlanningFacts, labour_rates
from obeya.planning.workforce import WorkforceSettings, learn_labour_standards, plan_workforce

__all__ = ["StaffingPlan", "staffing_from_warehouse"]

KEYS = ["site_id", "department"]


@dataclass(frozen=True)
class StaffingPlan:
    """Weekly hours and FTE against headcount per site and department, and the cost.

    ``weekly``: the workforce plan's weekly table plus ``regular_rate`` and
    ``fte_gap`` (required FTE - headcount). ``groups``: one row per site and
    department (headcount, units_per_hour, mean and peak required FTE, peak gap,
    hires, overtime and temp hours, cost). ``skipped``: departments without a usable
    labour standard (no hours worked or nothing shipped), left out of the plan.
    """

    weekly: pd.DataFrame
    hires: pd.DataFrame
    groups: pd.DataFrame
    cost_breakdown: MappingProxyType[str, float]
    skipped: tuple[str, ...]
    demand: DemandFrame

    @property
    def total_cost(self) -> float:
        return float(sum(self.cost_breakdown.values()))

    @property
    def headcount(self) -> float:
        return float(self.groups["headcount"].sum())

    def weekly_totals(self) -> pd.DataFrame:
        """Company totals per week: required FTE, headcount and the gap."""
        per = self.weekly.groupby("week", as_index=False)[["required_fte", "headcount"]].sum()
        return per.assign(fte_gap=per["required_fte"] - per["headcount"])

    @property
    def peak_required_fte(self) -> float:
        totals = self.weekly_totals()
        return float(totals["required_fte"].max()) if not totals.empty else 0.0

    @property
    def peak_fte_gap(self) -> float:
        totals = self.weekly_totals()
        return float(totals["fte_gap"].max()) if not totals.empty else 0.0

    def to_dict(self) -> dict[str, Any]:
        weekly = self.weekly.assign(
            week=pd.to_datetime(self.weekly["week"]).dt.strftime("%Y-%m-%d")
        )
        totals = self.weekly_totals()
        totals["week"] = pd.to_datetime(totals["week"]).dt.strftime("%Y-%m-%d")
        hires = self.hires.assign(
            effective_week=pd.to_datetime(self.hires["effective_week"]).dt.strftime("%Y-%m-%d")
        )
        return {
            "demand_source": self.demand.source.value,
            "run_id": self.demand.run_id,
            "as_of": self.demand.as_of.isoformat(),
            "weeks": self.demand.labels,
            "total_cost": self.total_cost,
            "cost_breakdown": dict(self.cost_breakdown),
            "headcount": self.headcount,
            "peak_required_fte": self.peak_required_fte,
            "peak_fte_gap": self.peak_fte_gap,
            "groups": self.groups.to_dict(orient="records"),
            "totals": totals.to_dict(orient="records"),
            "weekly": weekly.to_dict(orient="records"),
            "hires": hires.to_dict(orient="records"),
            "skipped": list(self.skipped),
        }


def _rates(facts: PlanningFacts, groups: pd.DataFrame, wages: WageSettings) -> np.ndarray:
    if wages.regular_per_hour is not None:
        return np.full(len(groups), float(wages.regular_per_hour))
    rates = labour_rates(facts.labour, wages.overtime_premium, wages.temp_premium)
    own = groups.merge(rates, on=KEYS, how="left")["rate"]
    site = rates.groupby("site_id")[["labor_cost", "paid"]].sum()
    site = site.loc[site["paid"] > 0]
    by_site = groups["site_id"].map(site["labor_cost"] / site["paid"])
    paid = float(rates["paid"].sum())
    company = float(rates["labor_cost"].sum()) / paid if paid > 0 else np.nan
    out: np.ndarray = own.fillna(by_site).fillna(company).to_numpy(dtype=np.float64)
    if np.isnan(out).any():
        raise DataError(
            "labor_hours has no labour cost to learn wage rates from; load labor_hours or "
            "give wages.regular_per_hour in the planning config"
        )
    return out


def staffing_from_warehouse(
    demand: DemandFrame,
    facts: PlanningFacts,
    config: WorkforceConfig,
    wages: WageSettings,
    *,
    wage_factors: Mapping[str | None, float] | None = None,
) -> StaffingPlan:
    """Plan the weeks of ``demand`` (a weekly frame) for every site and department."""
    labour = facts.labour
    groups = labour.loc[
        (labour["headcount"] > 0) | (labour["regular_hours"] + labour["overtime_hours"] > 0),
        [*KEYS, "headcount"],
    ]
    if config.departments is not None:
        groups = groups.loc[groups["department"].isin(config.departments)]
    groups = groups.sort_values(KEYS).reset_index(drop=True)
    if groups.empty:
        raise DataError(
            "labor_hours has no site and department to plan (no headcount or hours up to "
            f"{facts.as_of}); load labor_hours or check workforce.departments"
        )
    learned = learn_labour_standards(facts.shipped, labour)[[*KEYS, "units_per_hour"]]
    groups = groups.merge(learned, on=KEYS, how="left")
    configured = [
        (site, dept, float(v)) for site, per in config.standards.items() for dept, v in per.items()
    ]
    if configured:
        given = pd.DataFrame(configured, columns=[*KEYS, "given"])
        groups = groups.merge(given, on=KEYS, how="left")
        groups["units_per_hour"] = groups["given"].fillna(groups["units_per_hour"])
        groups = groups.drop(columns="given")
    usable = groups["units_per_hour"] > 0
    bad = groups.loc[~usable]
    skipped = tuple(f"{s}/{d}" for s, d in zip(bad["site_id"], bad["department"], strict=True))
    groups = groups.loc[usable].reset_index(drop=True)
    factors = dict(wage_factors or {})
    rate = _rates(facts, groups[KEYS], wages) * factors.get(None, 1.0)
    rate = rate * groups["site_id"].map(lambda s: factors.get(str(s), 1.0)).to_numpy(float)
    groups["regular_rate"] = rate

    weeks = demand.starts
    volume = demand.table.groupby(["site_id", "period_start"], as_index=False)["units"].sum()
    grid = groups[KEYS].merge(pd.DataFrame({"period_start": weeks}), how="cross")
    grid = grid.merge(volume, on=["site_id", "period_start"], how="left")
    grid["units"] = grid["units"].fillna(0.0)
    grid = grid.rename(columns={"site_id": "site", "period_start": "week"})

    weekly_parts: list[pd.DataFrame] = []
    hire_parts: list[pd.DataFrame] = []
    breakdown = dict.fromkeys(("overtime", "temp", "hiring", "new_hire_wages"), 0.0)
    for row in groups.itertuples(index=False):  # one call per site and department
        settings = WorkforceSettings(
            regular_rate=float(row.regular_rate),
            overtime_rate=float(row.regular_rate) * wages.overtime_premium,
            temp_rate=float(row.regular_rate) * wages.temp_premium,
            hire_cost=config.hire_cost,
            hours_per_fte=config.hours_per_fte,
            max_overtime_hours_per_fte=config.max_overtime_hours_per_fte,
            hire_lead_weeks=config.hire_lead_weeks,
            allow_hires=config.allow_hires,
        )
        mine = grid.loc[(grid["site"] == row.site_id) & (grid["department"] == row.department)]
        plan = plan_workforce(
            mine,
            groups.loc[
                (groups["site_id"] == row.site_id) & (groups["department"] == row.department),
                [*KEYS, "units_per_hour"],
            ],
            groups.loc[
                (groups["site_id"] == row.site_id) & (groups["department"] == row.department),
                [*KEYS, "headcount"],
            ],
            settings,
        )
        weekly_parts.append(plan.weekly.assign(regular_rate=float(row.regular_rate)))
        hire_parts.append(plan.hires)
        for key, value in plan.cost_breakdown.items():
            breakdown[key] += value
    weekly = pd.concat(weekly_parts, ignore_index=True)
    weekly["fte_gap"] = weekly["required_fte"] - weekly["headcount"]
    hires = pd.concat(hire_parts, ignore_index=True)
    cost = weekly.groupby(KEYS)[["overtime_cost", "temp_cost"]].sum().sum(axis=1)
    summary = weekly.groupby(KEYS, as_index=False).agg(
        headcount=("headcount", "first"),
        units_per_hour=("units_per_hour", "first"),
        regular_rate=("regular_rate", "first"),
        mean_required_fte=("required_fte", "mean"),
        peak_required_fte=("required_fte", "max"),
        peak_fte_gap=("fte_gap", "max"),
        overtime_hours=("overtime_hours", "sum"),
        temp_hours=("temp_hours", "sum"),
    )
    summary = summary.merge(hires[[*KEYS, "hires", "hire_cost", "wages"]], on=KEYS, how="left")
    summary["cost"] = (
        summary.set_index(KEYS).index.map(cost).to_numpy(dtype=float)
        + summary["hire_cost"].fillna(0.0).to_numpy()
        + summary["wages"].fillna(0.0).to_numpy()
    )
    summary = summary.drop(columns=["hire_cost", "wages"])
    return StaffingPlan(
        weekly=weekly,
        hires=hires,
        groups=summary,
        cost_breakdown=MappingProxyType(breakdown),
        skipped=skipped,
        demand=demand,
    )
