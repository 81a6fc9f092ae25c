"""The demand plan: expected order lines per day and the SKU mix of every week.

Weekly line rates per SKU are ``base x season x trend x noise``, with promotions,
launches, phase-outs and, for the tail, intermittent weeks with nothing. The
order generator draws lines from this plan chunk by chunk, and the inventory
simulation, production and the budget read the same expected units, so every
table tells one story.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from obeya.demo.config import (
    Calendar,
    DemoConfig,
    as_floats,
    as_ints,
    day_number,
    stream,
    weekday,
)
from obeya.demo.reference import Reference
from obeya.demo.stories import Stories

__all__ = ["DAY_WEIGHTS", "Demand", "build_demand", "day_of_year"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# Orders by weekday, Monday first: business buys in the week, a trickle online at weekends.
DAY_WEIGHTS = np.array([1.15, 1.10, 1.05, 1.00, 0.90, 0.12, 0.06])


@dataclass(frozen=True)
class Demand:
    lines_per_day: FloatArray  # expected order lines on each day of the window
    weekly_lines: FloatArray  # (weeks,)
    sku_share: FloatArray  # (weeks, skus): share of the week's lines per SKU
    sku_cdf: FloatArray  # flattened cumulative sku_share, row w offset by w
    price_factor: FloatArray  # (weeks, skus): 1 - promotion discount
    mean_lines: float  # expected lines per order
    site_share: FloatArray  # (sites,): share of lines shipped from each site
    site_qty: FloatArray  # (sites,): units-per-line multiplier of each site's customers
    units: FloatArray  # (weeks, sites, skus): expected units ordered

    def draw_skus(self, weeks: IntArray, u: FloatArray) -> IntArray:
        """SKUs for lines in ``weeks`` from uniforms ``u`` (inverse CDF, all at once)."""
        k = self.sku_share.shape[1]
        idx = np.searchsorted(self.sku_cdf, weeks + u, side="right") - weeks * k
        return as_ints(np.clip(idx, 0, k - 1))


def day_of_year(days: npt.NDArray[np.integer]) -> IntArray:
    d = days.astype("datetime64[D]")
    return as_ints((d - d.astype("datetime64[Y]").astype("datetime64[D]")).astype(np.int64) + 1)


def build_demand(config: DemoConfig, cal: Calendar, ref: Reference, story: Stories) -> Demand:
    """The demand plan of the company."""
    rng = stream(config.seed, "demand")
    prod = ref.products
    n_weeks, n_skus = cal.weeks, len(prod)
    mid = cal.week0 + 7 * np.arange(n_weeks) + 3
    doy = day_of_year(mid)[:, None].astype(np.float64)
    t_years = ((mid - cal.last_day) / 365.25)[:, None]
    fams = ref.families
    amp = np.array([f.amp for f in fams])[None, :]
    peak = np.array([f.peak_doy for f in fams])[None, :]
    bump = np.array([f.q4_bump for f in fams])[None, :]
    growth = np.array([f.trend for f in fams])[None, :]
    season = 1.0 + amp * np.cos(2 * np.pi * (doy - peak) / 365.25)
    season += bump * np.exp(-0.5 * ((doy - 330.0) / 18.0) ** 2)
    trend = np.exp(growth * t_years)

    # Within a family: a Pareto of SKUs, the intermittent tail small.
    base = (prod.position + 1.0) ** -0.8 * rng.lognormal(0.0, 0.25, n_skus)
    base *= np.where(prod.intermittent, 0.35, 1.0)
    fam_total = np.bincount(prod.family, base)
    share = np.array([f.share for f in fams])
    base = base / fam_total[prod.family] * share[prod.family] / share.sum()

    noise = rng.lognormal(-0.5 * 0.12**2, 0.12, (n_weeks, n_skus))
    lam = base[None, :] * season[:, prod.family] * trend[:, prod.family] * noise
    occurrence = rng.uniform(0.08, 0.30, n_skus)
    active = rng.random((n_weeks, n_skus)) < occurrence[None, :]
    lam = np.where(prod.intermittent[None, :], lam * active / occurrence[None, :], lam)

    week_idx = np.arange(n_weeks)
    # The story line's Q4: a new retail listing lifts kettle demand on top of the season.
    crunch = (mid >= day_number(story.crunch_start)) & (mid <= day_number(story.crunch_end))
    kettles = [i for i, f in enumerate(fams) if f.code == "KET"]
    lam[np.ix_(crunch, np.isin(prod.family, kettles))] *= story.crunch_demand_uplift
    sku_index = {s: i for i, s in enumerate(prod.ids.values)}
    price_factor = np.ones((n_weeks, n_skus))
    for promo in story.promotions:
        k = sku_index[promo.sku]
        w0 = int(cal.week_of(np.array([day_number(promo.start)]))[0])
        w1 = int(cal.week_of(np.array([day_number(promo.end)]))[0])
        lam[w0 : w1 + 1, k] *= promo.uplift
        lam[w1 + 1 : w1 + 3, k] *= 0.75  # the dip after: customers bought ahead
        price_factor[w0 : w1 + 1, k] = 1.0 - promo.discount
    for sku, launch in story.new_skus:
        w0 = int(cal.week_of(np.array([day_number(launch)]))[0])
        lam[:, sku_index[sku]] *= np.clip((week_idx - w0 + 1) / 6.0, 0.0, 1.0)
    for sku in story.phase_out_skus:
        fade = np.clip((n_weeks - 1 - week_idx) / 26.0, 0.0, 1.0)
        lam[:, sku_index[sku]] *= 0.1 + 0.9 * fade

    weekly = lam.sum(axis=1)
    days = cal.day_numbers
    per_day = weekly[cal.week_of(days)] * DAY_WEIGHTS[weekday(days)]
    per_day *= config.total_lines / per_day.sum()
    weekly_lines = as_floats(np.bincount(cal.week_of(days), per_day, minlength=n_weeks))
    sku_share = lam / weekly[:, None]
    cdf = np.cumsum(sku_share, axis=1)
    cdf[:, -1] = 1.0

    cust = ref.customers
    pref = np.diff(cust.site_cdf, axis=1, prepend=0.0)
    lines = cust.weight * cust.lines
    by_site = lines[:, None] * pref
    site_share = by_site.sum(axis=0) / lines.sum()
    site_qty = (by_site * cust.qty[:, None]).sum(axis=0) / by_site.sum(axis=0)
    units = (
        weekly_lines[:, None, None]
        * sku_share[:, None, :]
        * (site_share * site_qty)[None, :, None]
        * prod.qty[None, None, :]
    )
    return Demand(
        lines_per_day=per_day,
        weekly_lines=weekly_lines,
        sku_share=sku_share,
        sku_cdf=as_floats((cdf + week_idx[:, None]).ravel()),
        price_factor=price_factor,
        mean_lines=float(np.sum(cust.weight * cust.lines)),
        site_share=site_share,
        site_qty=site_qty,
        units=units,
    )
