"""Production: how fast each line runs, and the work orders that make the made SKUs.

Line speeds are designed from the demand plan so an ordinary line peaks near 85%
of its two-shift capacity, while the story line (kettles, at the first plant)
meets its Q4 peak with too little capacity: in the crunch its work orders start
late, break down more (downtime up), run slower and scrap more, and the plant
works overtime (see ``people.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from obeya.demo.arrow import MICROS_PER_DAY, MICROS_PER_HOUR, fixed_ids, make_table, timestamp_array
from obeya.demo.config import Calendar, DemoConfig, as_floats, day_number, stream
from obeya.demo.inventory import Supply
from obeya.demo.reference import Reference
from obeya.demo.stories import Stories

__all__ = [
    "WEEK_HOURS",
    "LineDesign",
    "Production",
    "design_lines",
    "make_production",
    "work_orders_table",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

WEEK_HOURS = 80.0  # two 8-hour shifts, five days
HOURS_FACTOR = 1.17  # run hours per ideal hour at 92% performance and 8% downtime


@dataclass(frozen=True)
class LineDesign:
    hours_per_unit: FloatArray  # per SKU, on its line (0 for bought SKUs)
    rate: FloatArray  # per resource: ideal units per hour of the line's family (nan elsewhere)


def design_lines(cal: Calendar, ref: Reference, supply: Supply, story: Stories) -> LineDesign:
    """Hours per unit so that lines peak near 100% and the story line is short in its Q4.

    Sized on the work the stock simulation actually orders: an ordinary line's
    busiest week loads it to 85% in ideal hours (about 100% with real speed and
    downtime); the story line's crunch weeks to 100% ideal on average (far above in
    practice).
    """
    prod, res, orders = ref.products, ref.resources, supply.orders
    made = prod.made[orders.sku]
    work = np.zeros((len(res.ids), cal.weeks))
    np.add.at(
        work,
        (ref.sku_line[orders.sku[made]], orders.week[made]),
        orders.qty[made] * prod.complexity[orders.sku[made]],
    )
    week_start = cal.week0 + 7 * np.arange(cal.weeks)
    crunch = (week_start >= day_number(story.crunch_start)) & (
        week_start <= day_number(story.crunch_end)
    )
    hours_per_unit = np.zeros(len(prod))
    rate = np.full(len(res.ids), np.nan)
    for r in res.lines.tolist():  # a handful of lines
        load = work[r]
        size, target = float(load.max(initial=0.0)), 0.85
        in_crunch = float(load[crunch].mean()) if crunch.any() else 0.0
        if res.ids[r] == story.crunch_resource and in_crunch > 0.25 * size:
            size, target = in_crunch, 1.0
        size = size if size > 0 else 1.0  # a line with no work at all keeps a nominal speed
        per_unit = target * WEEK_HOURS / (HOURS_FACTOR * size)
        on_line = ref.sku_line == r
        hours_per_unit[on_line] = per_unit * prod.complexity[on_line]
        rate[r] = 1.0 / per_unit
    return LineDesign(hours_per_unit, rate)


@dataclass(frozen=True)
class Production:
    """Work orders: one per made SKU and week with replenishment ordered."""

    resource: IntArray
    site: IntArray
    sku: IntArray
    week: IntArray
    planned_start: IntArray  # microseconds
    planned_end: IntArray
    actual_start: IntArray
    actual_end: IntArray
    started: npt.NDArray[np.bool_]
    finished: npt.NDArray[np.bool_]
    qty_planned: FloatArray
    qty_good: FloatArray
    qty_scrap: FloatArray
    run_hours: FloatArray
    downtime_hours: FloatArray
    ideal_rate: FloatArray

    def hours_by_site_week(self, n_sites: int, n_weeks: int) -> FloatArray:
        """Run plus downtime hours per (site, week of planned start)."""
        w = np.clip(self.week, 0, n_weeks - 1)
        out = np.bincount(
            self.site * n_weeks + w,
            self.run_hours + self.downtime_hours,
            minlength=n_sites * n_weeks,
        )
        return as_floats(out).reshape(n_sites, n_weeks)


def make_production(
    config: DemoConfig,
    cal: Calendar,
    ref: Reference,
    supply: Supply,
    lines: LineDesign,
    story: Stories,
) -> Production:
    """Work orders from the simulation's replenishments of made SKUs."""
    rng = stream(config.seed, "production")
    orders = supply.orders
    made = ref.products.made[orders.sku]
    n_skus = len(ref.products)
    key = orders.week[made] * n_skus + orders.sku[made]
    keys, inverse = np.unique(key, return_inverse=True)
    qty = as_floats(np.bincount(inverse, orders.qty[made]))
    week, sku = keys // n_skus, keys % n_skus
    n = len(keys)
    resource = ref.sku_line[sku]
    site = ref.resources.site[resource]
    h = lines.hours_per_unit[sku]

    start_day = cal.week0 + 7 * week + rng.integers(0, 5, n)
    planned_start = (
        start_day * MICROS_PER_DAY + (6 * MICROS_PER_HOUR) + rng.integers(0, 8 * MICROS_PER_HOUR, n)
    )
    planned_end = planned_start + np.rint(qty * h / 0.9 * MICROS_PER_HOUR).astype(np.int64)
    crunch_id = ref.resources.ids.index(story.crunch_resource)
    in_crunch = (
        (resource == crunch_id)
        & (start_day >= day_number(story.crunch_start))
        & (start_day <= day_number(story.crunch_end))
    )
    delay_h = rng.exponential(np.where(in_crunch, 20.0, 2.0))
    actual_start = planned_start + np.rint(delay_h * MICROS_PER_HOUR).astype(np.int64)
    produced = np.rint(qty * rng.uniform(0.97, 1.02, n))
    scrap_rate = np.where(in_crunch, 0.035, 0.015) * rng.lognormal(0, 0.3, n)
    scrap = rng.binomial(produced.astype(np.int64), np.minimum(scrap_rate, 0.5)).astype(np.float64)
    performance = np.where(in_crunch, rng.uniform(0.80, 0.88, n), rng.uniform(0.88, 0.96, n))
    run = produced * h / performance
    downtime = run * rng.gamma(4.0, np.where(in_crunch, 0.20, 0.07) / 4.0)
    actual_end = actual_start + np.rint((run + downtime) * MICROS_PER_HOUR).astype(np.int64)

    as_of = (cal.last_day + 1) * MICROS_PER_DAY
    started = actual_start < as_of
    finished = actual_end <= as_of
    done = np.where(
        finished,
        1.0,
        np.clip((as_of - actual_start) / np.maximum(actual_end - actual_start, 1), 0, 1),
    )
    done = np.where(started, done, 0.0)
    return Production(
        resource=resource,
        site=site,
        sku=sku,
        week=week,
        planned_start=planned_start,
        planned_end=planned_end,
        actual_start=actual_start,
        actual_end=actual_end,
        started=started,
        finished=finished,
        qty_planned=qty,
        qty_good=np.floor((produced - scrap) * done),
        qty_scrap=np.floor(scrap * done),
        run_hours=np.round(run * done, 3),
        downtime_hours=np.round(downtime * done, 3),
        ideal_rate=np.round(1.0 / np.maximum(h, 1e-12), 4),
    )


def work_orders_table(ref: Reference, production: Production) -> pa.Table:
    p = production
    order = np.argsort(p.planned_start, kind="stable")
    return make_table(
        "work_orders",
        {
            "work_order_id": fixed_ids("WO", np.arange(1, len(order) + 1), 7),
            "site_id": ref.site_ids.take(p.site[order]),
            "resource_id": pa.array(ref.resources.ids).take(pa.array(p.resource[order])),
            "sku": ref.products.ids.take(p.sku[order]),
            "planned_start": timestamp_array(p.planned_start[order]),
            "planned_end": timestamp_array(p.planned_end[order]),
            "actual_start": timestamp_array(p.actual_start[order], p.started[order]),
            "actual_end": timestamp_array(p.actual_end[order], p.finished[order]),
            "qty_planned": p.qty_planned[order],
            "qty_good": p.qty_good[order],
            "qty_scrap": p.qty_scrap[order],
            "run_hours": p.run_hours[order],
            "downtime_hours": p.downtime_hours[order],
            "ideal_units_per_hour": p.ideal_rate[order],
        },
    )
