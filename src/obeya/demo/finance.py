"""Money and resources per month: the general ledger, the budget, the sales budget,
energy and waste.

The ledger is booked from the operational tables: revenue and material cost from
the order lines shipped in the month, freight from the shipments, direct labour
and warehousing from the labour hours, overhead from energy. The budget was set
from the demand plan at last year's freight rates and the wage rise the planners
expected, so freight and labour run over budget in the last twelve months.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from obeya.demo.arrow import Strings, make_table
from obeya.demo.catalog import ACCOUNTS
from obeya.demo.config import as_floats, as_ints, day_number, stream, years_of
from obeya.demo.demand import DAY_WEIGHTS
from obeya.demo.economics import cost_index, price_index
from obeya.demo.orders import DELIVERED, SHIPPED, OrderChunk
from obeya.demo.people import ADMIN, DIRECT, WAREHOUSE, Labour
from obeya.demo.plan import Plan

__all__ = [
    "OrderTotals",
    "energy_table",
    "ledger",
    "sales_budget_table",
    "waste_table",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

PLAN_FILL = 0.985  # the planners' allowance for cancellations and short shipments
MATERIAL_SHARE = 0.65  # of standard cost; labour and overhead are booked from actuals
OVERHEAD_SHARE = 0.05
_ROW = {code: i for i, (code, _, _) in enumerate(ACCOUNTS)}
REVENUE, MATERIALS, DIRECT_LABOUR, OVERHEAD = _ROW["4000"], _ROW["5000"], _ROW["5100"], _ROW["5200"]
FREIGHT, WAREHOUSING, SALARIES, OFFICE, OTHER = (
    _ROW["6000"], _ROW["6100"], _ROW["7000"], _ROW["7100"], _ROW["8000"]
)  # fmt: skip


@dataclass
class OrderTotals:
    """Sums of the order stream per (site, month of ship date), gathered chunk by chunk."""

    revenue: FloatArray
    cogs: FloatArray
    units: FloatArray
    freight: FloatArray

    @classmethod
    def empty(cls, n_sites: int, n_months: int) -> OrderTotals:
        return cls(*(np.zeros((n_sites, n_months)) for _ in range(4)))

    def add(self, plan: Plan, chunk: OrderChunk) -> None:
        n_sites, n_months = self.revenue.shape
        lo = chunk.line_order
        shipped = (chunk.status == SHIPPED) | (chunk.status == DELIVERED)
        cell = chunk.site[lo] * n_months + plan.cal.month_of(chunk.ship[lo])
        cell = np.where(shipped, cell, 0)
        size = n_sites * n_months
        q = np.where(shipped, chunk.qty_shipped, 0.0)
        self.revenue += np.bincount(cell, q * chunk.unit_price, minlength=size).reshape(n_sites, -1)
        self.cogs += np.bincount(cell, q * chunk.unit_cost, minlength=size).reshape(n_sites, -1)
        self.units += np.bincount(cell, q, minlength=size).reshape(n_sites, -1)
        has = chunk.has_shipment
        o_cell = np.where(has, chunk.site * n_months + plan.cal.month_of(chunk.ship), 0)
        self.freight += np.bincount(
            o_cell, np.where(has, chunk.freight, 0.0), minlength=size
        ).reshape(n_sites, -1)


def _grid(*sizes: int) -> tuple[IntArray, ...]:
    """Every combination of indices of arrays shaped ``sizes``, flattened, last fastest."""
    return tuple(as_ints(a.ravel()) for a in np.meshgrid(*map(np.arange, sizes), indexing="ij"))


def _per_month(plan: Plan, values: FloatArray, days: IntArray, site: IntArray) -> FloatArray:
    n_months = len(plan.cal.month_keys)
    cell = site * n_months + plan.cal.month_of(days)
    return as_floats(np.bincount(cell, values, minlength=plan.ref.n_sites * n_months)).reshape(
        plan.ref.n_sites, n_months
    )


def _week_to_month(plan: Plan) -> FloatArray:
    """(weeks, months): the share of each week's orders falling in each month."""
    cal = plan.cal
    day = cal.week0 + np.arange(cal.weeks * 7)
    inside = (day >= cal.first_day) & (day <= cal.last_day)
    weight = np.tile(DAY_WEIGHTS, cal.weeks) * inside
    out = np.zeros((cal.weeks, len(cal.month_keys)))
    np.add.at(
        out, (np.arange(len(day)) // 7, np.clip(cal.month_of(day), 0, out.shape[1] - 1)), weight
    )
    return as_floats(out / np.maximum(out.sum(axis=1, keepdims=True), 1e-12))


@dataclass(frozen=True)
class SalesPlan:
    """The budget's volume and money per (site, family, month)."""

    units: FloatArray
    revenue: FloatArray
    cogs: FloatArray


def sales_plan(plan: Plan) -> SalesPlan:
    rng = stream(plan.config.seed, "budget")
    cal, ref, dem = plan.cal, plan.ref, plan.demand
    prod = ref.products
    to_month = _week_to_month(plan)
    n_fam = len(ref.families)
    onehot = np.zeros((len(prod), n_fam))
    onehot[np.arange(len(prod)), prod.family] = 1.0
    month_day = cal.month_starts
    pidx, cidx = price_index(month_day, cal), cost_index(month_day, cal)
    cust = ref.customers
    pref = np.diff(cust.site_cdf, axis=1, prepend=0.0)
    w = (cust.weight * cust.lines * cust.qty)[:, None] * pref  # revenue weight of each customer
    discount = (w * cust.discount[:, None]).sum(axis=0) / w.sum(axis=0)

    def by_family_month(per_sku: FloatArray) -> FloatArray:
        """(weeks, sites, skus) -> (sites, families, months)."""
        return as_floats(np.einsum("wm,wsf->sfm", to_month, per_sku @ onehot))

    units = by_family_month(dem.units)
    revenue = by_family_month(dem.units * prod.price)
    cogs = by_family_month(dem.units * prod.cost)
    years = years_of(month_day)
    bias = (
        1
        + rng.normal(0.0, 0.04, (1, n_fam, years.max() - years.min() + 1))[
            :, :, years - years.min()
        ]
    )
    bias = bias * PLAN_FILL
    units = np.round(units * bias)
    revenue = revenue * bias * pidx[None, None, :] * (1 - discount)[:, None, None]
    return SalesPlan(units, np.round(revenue, 2), np.round(cogs * bias * cidx[None, None, :], 2))


def sales_budget_table(plan: Plan, sp: SalesPlan) -> pa.Table:
    cal, ref = plan.cal, plan.ref
    n_sites, n_fam, n_months = sp.units.shape
    s, f, m = _grid(n_sites, n_fam, n_months)
    periods = Strings(cal.periods)
    return make_table(
        "sales_budget",
        {
            "period": periods.take(m),
            "site_id": ref.site_ids.take(s),
            "family": Strings([fam.name for fam in ref.families]).take(f),
            "units": sp.units.ravel(),
            "revenue": sp.revenue.ravel(),
            "cogs": sp.cogs.ravel(),
            "version": Strings([f"B{p[:4]}" for p in cal.periods]).take(m),
        },
    )


@dataclass(frozen=True)
class Energy:
    kwh: FloatArray  # (sites, sources, months)
    cost: FloatArray
    budget_cost: FloatArray  # (sites, months)


SOURCES = Strings(["electricity", "natural_gas", "solar_onsite"])
ELECTRICITY, GAS, SOLAR = range(3)
PRICE = np.array([0.20, 0.065, 0.0])  # EUR per kWh; 8% cheaper in the last twelve months


def energy(plan: Plan, totals: OrderTotals) -> Energy:
    rng = stream(plan.config.seed, "energy")
    cal, ref = plan.cal, plan.ref
    n_months = len(cal.month_keys)
    pf = plan.config.people_factor
    prod = plan.production
    month_of_wo = cal.month_of(prod.planned_start // 86_400_000_000)
    made = np.zeros((ref.n_sites, n_months))
    ok = (month_of_wo >= 0) & (month_of_wo < n_months)
    np.add.at(made, (prod.site[ok], month_of_wo[ok]), prod.qty_good[ok] + prod.qty_scrap[ok])
    plant = np.array([s.type == "plant" for s in ref.sites])[:, None]
    month = cal.month_keys % 12
    cold = 1 + 0.8 * np.cos(2 * np.pi * month / 12)[None, :]
    sun = 1 - 0.7 * np.cos(2 * np.pi * month / 12)[None, :]
    kwh = np.zeros((ref.n_sites, 3, n_months))
    kwh[:, ELECTRICITY] = np.where(
        plant, 150_000 * pf + 0.8 * made, 60_000 * pf + 0.05 * totals.units
    )
    kwh[:, GAS] = np.where(plant, 80_000 * pf * cold + 0.3 * made, 30_000 * pf * cold)
    kwh[:, SOLAR] = np.where(plant, 20_000 * pf * sun, 0.0)
    kwh = np.round(kwh * rng.lognormal(0, 0.04, kwh.shape))
    eased = np.where(cal.month_starts >= day_number(plan.story.year2_start), 0.92, 1.0)
    cost = np.round(kwh * PRICE[None, :, None] * eased[None, None, :], 2)
    budget = (kwh * PRICE[None, :, None]).sum(axis=1)
    return Energy(kwh, cost, budget)


def energy_table(plan: Plan, en: Energy) -> pa.Table:
    n_sites, n_src, n_months = en.kwh.shape
    plant = np.array([s.type == "plant" for s in plan.ref.sites])
    s, k, m = _grid(n_sites, n_src, n_months)
    keep = (k != SOLAR) | plant[s]
    s, k, m = s[keep], k[keep], m[keep]
    return make_table(
        "energy",
        {
            "period": Strings(plan.cal.periods).take(m),
            "site_id": plan.ref.site_ids.take(s),
            "source": SOURCES.take(k),
            "kwh": en.kwh[s, k, m],
            "cost": en.cost[s, k, m],
        },
    )


STREAMS = Strings(["cardboard", "plastic", "metal", "general", "hazardous"])
DIVERTED = np.array([0.95, 0.55, 0.98, 0.05, 0.40])


def waste_table(plan: Plan, totals: OrderTotals) -> pa.Table:
    rng = stream(plan.config.seed, "waste")
    cal, ref = plan.cal, plan.ref
    n_months = len(cal.month_keys)
    pf = plan.config.people_factor
    plant = np.array([s.type == "plant" for s in ref.sites])[:, None]
    kg = np.zeros((ref.n_sites, 5, n_months))
    kg[:, 0] = 0.05 * totals.units + 500 * pf
    kg[:, 1] = 0.01 * totals.units + 150 * pf
    kg[:, 2] = np.where(plant, 2_500 * pf, 0.0)
    kg[:, 3] = 900 * pf
    kg[:, 4] = np.where(plant, 60 * pf, 0.0)
    kg = np.round(kg * rng.lognormal(0, 0.08, kg.shape), 1)
    rate = np.broadcast_to(DIVERTED[None, :, None], kg.shape).copy()
    improving = np.linspace(0.55, 0.85, n_months)  # the DC's plastic recycling scheme
    for i, site in enumerate(ref.sites):
        if site.type == "dc":
            rate[i, 1] = improving
    diverted = np.round(kg * rate * rng.uniform(0.97, 1.0, kg.shape), 1)
    diverted = np.minimum(diverted, kg)
    s, k, m = _grid(ref.n_sites, 5, n_months)
    keep = kg[s, k, m] > 0
    s, k, m = s[keep], k[keep], m[keep]
    return make_table(
        "waste",
        {
            "period": Strings(cal.periods).take(m),
            "site_id": ref.site_ids.take(s),
            "stream": STREAMS.take(k),
            "kg": kg[s, k, m],
            "diverted_kg": diverted[s, k, m],
        },
    )


def _ledger(
    plan: Plan, totals: OrderTotals, lab: Labour, en: Energy, sp: SalesPlan
) -> tuple[FloatArray, FloatArray]:
    """(sites, accounts, months) actual and budget amounts; NaN where a site books nothing."""
    rng = stream(plan.config.seed, "ledger")
    cal, ref, story = plan.cal, plan.ref, plan.story
    n_sites, n_months = totals.revenue.shape
    pf = plan.config.people_factor
    plant = np.array([s.type == "plant" for s in ref.sites])[:, None]
    later = (cal.month_starts >= day_number(story.year2_start))[None, :]
    direct = np.isin(lab.department, DIRECT)
    wh = np.isin(lab.department, (WAREHOUSE, ADMIN))
    act = np.full((n_sites, len(ACCOUNTS), n_months), np.nan)
    bud = np.full_like(act, np.nan)

    act[:, REVENUE] = np.round(
        totals.revenue * (1 - rng.uniform(0.004, 0.012, (n_sites, n_months))), 2
    )
    bud[:, REVENUE] = sp.revenue.sum(axis=1)
    act[:, MATERIALS] = (
        totals.cogs * MATERIAL_SHARE * (1 + rng.normal(0, 0.01, (n_sites, n_months)))
    )
    bud[:, MATERIALS] = sp.cogs.sum(axis=1) * MATERIAL_SHARE
    labour_direct = _per_month(plan, np.where(direct, lab.cost, 0.0), lab.day, lab.site)
    budget_direct = _per_month(plan, np.where(direct, lab.budget_cost, 0.0), lab.day, lab.site)
    act[:, DIRECT_LABOUR] = np.where(plant, labour_direct, np.nan)
    bud[:, DIRECT_LABOUR] = np.where(plant, budget_direct, np.nan)
    energy_cost = en.cost.sum(axis=1)
    depreciation = 90_000 * pf
    act[:, OVERHEAD] = np.where(
        plant, energy_cost + depreciation + OVERHEAD_SHARE * totals.cogs, np.nan
    )
    bud[:, OVERHEAD] = np.where(
        plant, en.budget_cost + depreciation + OVERHEAD_SHARE * sp.cogs.sum(axis=1), np.nan
    )
    act[:, FREIGHT] = totals.freight
    first_year = ~later[0]
    units_y1 = totals.units[:, first_year].sum(axis=1)
    rate = totals.freight[:, first_year].sum(axis=1) / np.maximum(units_y1, 1.0)
    bud[:, FREIGHT] = sp.units.sum(axis=1) * rate[:, None] * np.where(later, 1.02, 1.0)
    rent = np.where(plant, 15_000, 120_000) * pf
    wh_actual = _per_month(plan, np.where(wh, lab.cost, 0.0), lab.day, lab.site)
    wh_budget = _per_month(plan, np.where(wh, lab.budget_cost, 0.0), lab.day, lab.site)
    act[:, WAREHOUSING] = wh_actual + rent + np.where(plant, 0.0, energy_cost)
    bud[:, WAREHOUSING] = wh_budget + rent + np.where(plant, 0.0, en.budget_cost)
    salaries = np.where(plant, 60_000, 45_000) * pf * np.ones((n_sites, n_months))
    salaries[0] += 350_000 * pf  # head office sits at the first plant
    act[:, SALARIES] = (
        salaries
        * np.where(later, 1 + story.wage_increase, 1.0)
        * rng.lognormal(-0.0002, 0.02, (n_sites, n_months))
    )
    bud[:, SALARIES] = salaries * np.where(later, 1 + story.budget_wage_increase, 1.0)
    act[:, OFFICE] = 25_000 * pf * rng.lognormal(-0.00125, 0.05, (n_sites, n_months))
    bud[:, OFFICE] = 25_000 * pf
    act[:, OTHER] = 10_000 * pf * rng.lognormal(-0.01125, 0.15, (n_sites, n_months))
    bud[:, OTHER] = 10_000 * pf
    return as_floats(np.round(act, 2)), as_floats(np.round(bud, 2))


def ledger(
    plan: Plan, totals: OrderTotals, lab: Labour, en: Energy, sp: SalesPlan
) -> tuple[pa.Table, pa.Table]:
    """The ``gl_actuals`` and ``budget`` tables."""
    act, bud = _ledger(plan, totals, lab, en, sp)
    cal, ref = plan.cal, plan.ref
    s, a, m = _grid(act.shape[0], act.shape[1], act.shape[2])
    periods = Strings(cal.periods)
    accounts = Strings([acc[0] for acc in ACCOUNTS])
    out = []
    for name, values, extra in (
        (
            "gl_actuals",
            act,
            ("currency", Strings(["EUR"]).take(np.zeros(act.size, dtype=np.int64))),
        ),
        ("budget", bud, ("version", Strings([f"B{p[:4]}" for p in cal.periods]).take(m))),
    ):
        keep = ~np.isnan(values[s, a, m])
        out.append(
            make_table(
                name,
                {
                    "period": periods.take(m[keep]),
                    "site_id": ref.site_ids.take(s[keep]),
                    "account": accounts.take(a[keep]),
                    "amount": values[s, a, m][keep],
                    extra[0]: extra[1].filter(pa.array(keep)),
                },
            )
        )
    return out[0], out[1]
