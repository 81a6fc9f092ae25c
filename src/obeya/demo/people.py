"""People: labour hours per site, department and working day, and safety incidents.

Headcount follows the size of each site; regular hours dip in the summer and at
Christmas; overtime follows the work: production overtime rises with the load
of the plant's lines (the story line's Q4 crunch above all), warehouse overtime
and agency temps with the order peak. Wages rise more in the last twelve months
than the budget assumed. Incidents arrive at a steady rate per hour worked,
except for the story site's cluster of months.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from obeya.demo.arrow import Strings, date_array, fixed_ids, make_table
from obeya.demo.config import months_since_epoch, stream, weekday
from obeya.demo.economics import wage_index
from obeya.demo.plan import Plan
from obeya.demo.production import WEEK_HOURS

__all__ = [
    "ADMIN",
    "DEPARTMENTS",
    "DIRECT",
    "WAREHOUSE",
    "Labour",
    "incidents_table",
    "labor_hours_table",
    "labour",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

DEPARTMENTS = Strings(["production", "maintenance", "quality", "warehouse", "admin"])
PRODUCTION, MAINTENANCE, QUALITY, WAREHOUSE, ADMIN = range(5)
DIRECT = (PRODUCTION, MAINTENANCE, QUALITY)  # booked to direct labour (COGS)
WAGE = {
    "DE": 34.0,
    "NL": 30.0,
    "PL": 16.0,
    "FR": 31.0,
    "CZ": 15.0,
    "ES": 22.0,
    "IT": 25.0,
    "SE": 33.0,
}
DEPT_WAGE = np.array([1.0, 1.25, 1.15, 0.9, 1.1])
CREW_PER_LINE_HOUR = 12.0
SHIFT_HOURS = 8.0
PLANNED_OVERTIME = 0.03  # the budget's overtime, as a share of regular hours


@dataclass(frozen=True)
class Labour:
    day: IntArray
    site: IntArray
    department: IntArray
    headcount: FloatArray
    regular: FloatArray
    overtime: FloatArray
    temp: FloatArray
    cost: FloatArray
    budget_cost: FloatArray  # the same heads at budget wages and planned overtime

    @property
    def hours(self) -> FloatArray:
        return self.regular + self.overtime + self.temp


def _headcount(plan: Plan) -> FloatArray:
    """(sites, departments) heads of the default company, times the people factor."""
    ref = plan.ref
    lines = np.bincount(ref.resources.site[ref.resources.lines], minlength=ref.n_sites)
    share = plan.demand.site_share
    heads = np.zeros((ref.n_sites, len(DEPARTMENTS)))
    for s, site in enumerate(ref.sites):
        if site.type == "plant":
            heads[s, PRODUCTION] = 2 * 9 * lines[s] + 12
            heads[s, MAINTENANCE] = 3 * lines[s] + 4
            heads[s, QUALITY] = 2 * lines[s] + 3
            heads[s, WAREHOUSE] = 12 + 60 * share[s]
        else:
            heads[s, WAREHOUSE] = 20 + 110 * share[s]
            heads[s, ADMIN] = 12
    return np.round(heads * plan.config.people_factor)


def labour(plan: Plan) -> Labour:
    """Hours and cost per working day, site and department."""
    rng = stream(plan.config.seed, "labour")
    cal, ref, story = plan.cal, plan.ref, plan.story
    heads = _headcount(plan)
    site_idx, dept_idx = np.nonzero(heads)
    days = cal.day_numbers[weekday(cal.day_numbers) < 5]
    n_pairs, n_days = len(site_idx), len(days)
    day = np.repeat(days, n_pairs)
    site = np.tile(site_idx, n_days)
    dept = np.tile(dept_idx, n_days)
    hc = heads[site, dept]
    n = len(day)

    month = months_since_epoch(day) % 12 + 1
    week = np.clip(cal.week_of(day), 0, cal.weeks - 1)
    holiday = np.where(np.isin(month, (7, 8)), 0.82, 1.0)
    day_of_month = (
        day
        - day.astype("datetime64[D]")
        .astype("datetime64[M]")
        .astype("datetime64[D]")
        .astype(np.int64)
    ) + 1
    xmas = (month == 12) & (day_of_month >= 23)
    attendance = rng.uniform(0.92, 0.97, n) * holiday * np.where(xmas, 0.6, 1.0)
    regular = np.round(hc * SHIFT_HOURS * attendance, 1)

    # Production overtime: line hours above 85% of capacity, worked by the crew.
    res = ref.resources
    prod = plan.production
    line_week = np.zeros((len(res.ids), cal.weeks))
    np.add.at(
        line_week,
        (prod.resource, np.clip(prod.week, 0, cal.weeks - 1)),
        prod.run_hours + prod.downtime_hours,
    )
    excess = np.maximum(line_week - 0.85 * WEEK_HOURS, 0.0)
    site_excess = np.zeros((ref.n_sites, cal.weeks))
    np.add.at(site_excess, res.site, excess)
    crew = CREW_PER_LINE_HOUR * plan.config.people_factor
    peak = plan.demand.weekly_lines / plan.demand.weekly_lines.mean()
    base_ot = regular * rng.uniform(0.01, 0.035, n)
    prod_ot = site_excess[site, week] * crew / 5.0
    crunch_site = ref.site_ids.values.index(story.crunch_site)
    maint_ot = np.where((site == crunch_site) & (site_excess[site, week] > 0), regular * 0.10, 0.0)
    wh_ot = regular * 0.12 * np.maximum(peak[week] - 1.0, 0.0)
    overtime = base_ot + np.select(
        [dept == PRODUCTION, dept == MAINTENANCE, dept == WAREHOUSE],
        [prod_ot, maint_ot, wh_ot],
        0.0,
    )
    temp = np.where(
        dept == WAREHOUSE, regular * 0.25 * np.maximum(peak[week] - 1.1, 0.0), 0.0
    ) + np.where(dept == PRODUCTION, prod_ot * 0.3, 0.0)
    overtime, temp = np.round(overtime, 1), np.round(temp, 1)

    wage = np.array([WAGE[s.country] for s in ref.sites])[site] * DEPT_WAGE[dept]
    cost = wage * wage_index(day, story) * (regular + 1.5 * overtime + 1.35 * temp)
    planned = hc * SHIFT_HOURS * 0.95 * holiday * np.where(xmas, 0.6, 1.0)
    budget = wage * wage_index(day, story, budget=True) * planned * (1 + 1.5 * PLANNED_OVERTIME)
    return Labour(day, site, dept, hc, regular, overtime, temp, np.round(cost, 2), budget)


def labor_hours_table(plan: Plan, lab: Labour) -> pa.Table:
    return make_table(
        "labor_hours",
        {
            "work_date": date_array(lab.day),
            "site_id": plan.ref.site_ids.take(lab.site),
            "department": DEPARTMENTS.take(lab.department),
            "headcount": lab.headcount,
            "regular_hours": lab.regular,
            "overtime_hours": lab.overtime,
            "temp_hours": lab.temp,
            "labor_cost": lab.cost,
        },
    )


INCIDENT_TYPES = Strings(["injury", "illness", "near_miss", "environmental", "property"])
_TYPE_P = [0.25, 0.03, 0.60, 0.04, 0.08]  # near misses are reported most
_CLUSTER_TYPE_P = [0.55, 0.03, 0.35, 0.02, 0.05]
_DESCRIPTIONS = (
    ("Hand laceration at packing", "Back strain lifting cartons", "Slip on wet floor",
     "Finger caught in conveyor guard"),
    ("Heat exhaustion at moulding", "Respiratory irritation", "Dermatitis from solvent",
     "Noise-induced discomfort"),
    ("Forklift near miss in aisle", "Pallet fell from rack", "Unguarded machine found",
     "Blocked fire exit found"),
    ("Oil spill at loading dock", "Coolant leak to drain", "Refrigerant release",
     "Waste bin overflow outdoors"),
    ("Forklift hit rack upright", "Dock door damaged by truck", "Conveyor motor burnt out",
     "Racking beam bent"),
)  # fmt: skip
# All incidents per 200,000 hours; with half the injuries and illnesses recordable the
# recordable rate (TRIR) is about 25 x (0.25 + 0.03) x 0.5 = 3.5, typical of manufacturing.
INCIDENTS_PER_200K_HOURS = {"plant": 25.0, "dc": 27.0}


def incidents_table(plan: Plan, lab: Labour) -> pa.Table:
    """Incidents per site and month at a rate per hour worked; the story cluster at 5x."""
    rng = stream(plan.config.seed, "incidents")
    cal, ref, story = plan.cal, plan.ref, plan.story
    n_months = len(cal.month_keys)
    month = cal.month_of(lab.day)
    hours = np.bincount(lab.site * n_months + month, lab.hours, minlength=ref.n_sites * n_months)
    rate = np.repeat([INCIDENTS_PER_200K_HOURS[s.type] for s in ref.sites], n_months)
    periods = cal.periods
    cluster_site = ref.site_ids.values.index(story.incident_site)
    boost = np.ones(ref.n_sites * n_months)
    for p in story.incident_months:
        if p in periods:
            boost[cluster_site * n_months + periods.index(p)] = story.incident_multiplier
    count = rng.poisson(hours / 200_000 * rate * boost)
    cell = np.repeat(np.arange(len(count)), count)
    site, mon = cell // n_months, cell % n_months
    starts = np.append(cal.month_starts, cal.month_starts[-1] + 31)
    first = np.maximum(starts[mon], cal.first_day)  # the window may start or end mid-month
    length = np.minimum(starts[mon + 1], cal.last_day + 1) - first
    day = first + np.floor(rng.random(len(cell)) * length).astype(np.int64)
    m = len(day)
    in_cluster = boost[cell] > 1  # the cluster is injuries above all
    u = rng.random(m)
    kind = np.where(
        in_cluster,
        np.searchsorted(np.cumsum(_CLUSTER_TYPE_P), u, side="right"),
        np.searchsorted(np.cumsum(_TYPE_P), u, side="right"),
    )
    kind = np.minimum(kind, 4)
    recordable = (kind <= 1) & (rng.random(m) < 0.5)
    lost = np.where(recordable & (rng.random(m) < 0.35), rng.geometric(1 / 8, m), 0)
    restricted = np.where(recordable & (rng.random(m) < 0.30), rng.geometric(1 / 6, m), 0)
    flat = [d for group in _DESCRIPTIONS for d in group]
    text = kind * 4 + rng.integers(0, 4, m)
    order = np.lexsort((site, day))
    return make_table(
        "incidents",
        {
            "incident_id": fixed_ids("INC", np.arange(1, m + 1), 6),
            "site_id": ref.site_ids.take(site[order]),
            "incident_date": date_array(day[order]),
            "type": INCIDENT_TYPES.take(kind[order]),
            "recordable": recordable[order],
            "lost_days": lost[order].astype(np.float64),
            "restricted_days": restricted[order].astype(np.float64),
            "description": Strings(flat).take(text[order]),
        },
    )
