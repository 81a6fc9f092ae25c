"""Stock, replenishment and the inventory snapshots.

A weekly simulation per site and SKU: demand draws around the plan, a lagging
forecast (exponential smoothing) sets an order-up-to policy, and replenishments
arrive after their lead time: production for made SKUs, a supplier's lead time
(late and worsening for the story supplier) for bought ones. SKUs with lean
safety stock run out, SKUs with a planner's generous cover carry excess.

Its outputs feed the other tables: the fill ratio of each week cuts order lines
short, the replenishments become purchase order lines and work orders, and the
Monday stock levels are the inventory snapshots.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from obeya.demo.arrow import date_array, make_table
from obeya.demo.config import Calendar, DemoConfig, day_number, stream
from obeya.demo.demand import Demand
from obeya.demo.economics import cost_index
from obeya.demo.reference import Reference
from obeya.demo.stories import BAD_SUPPLIER, Stories

__all__ = [
    "Replenishments",
    "Supply",
    "inventory_tables",
    "reject_rate",
    "simulate_supply",
    "story_ramp",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

SNAPSHOT_ROWS_PER_CHUNK = 1_000_000


@dataclass(frozen=True)
class Replenishments:
    """Orders placed by the simulation: a work order or a purchase order line each."""

    week: IntArray
    site: IntArray
    sku: IntArray
    qty: FloatArray
    order_day: IntArray
    lead_days: IntArray
    received: FloatArray
    rejected: FloatArray


@dataclass(frozen=True)
class Supply:
    fill: npt.NDArray[np.float32]  # (weeks, sites, skus) share of demand served
    on_hand: npt.NDArray[np.float32]  # at the Monday each week starts
    on_order: npt.NDArray[np.float32]
    allocated: npt.NDArray[np.float32]
    orders: Replenishments


def story_ramp(days: npt.NDArray[np.integer], cal: Calendar) -> FloatArray:
    """0 before the last twelve months, rising linearly to 1 at the end date."""
    y2 = day_number(cal.year2_start)
    span = max(cal.last_day - y2, 1)
    return np.clip((days.astype(np.float64) - y2) / span, 0.0, 1.0)


def reject_rate(
    supplier: IntArray, days: npt.NDArray[np.integer], cal: Calendar, story: Stories
) -> FloatArray:
    """Share of received units rejected at goods-in; the story supplier's climbs."""
    normal = 0.002 + 0.0005 * (supplier % 7)
    lo, hi = story.supplier_reject_rate
    bad = lo + (hi - lo) * story_ramp(days, cal)
    return np.where(supplier == BAD_SUPPLIER, bad, normal)


def simulate_supply(
    config: DemoConfig, cal: Calendar, ref: Reference, demand: Demand, story: Stories
) -> Supply:
    """Run the weekly stock simulation over the whole window."""
    rng = stream(config.seed, "supply")
    prod, sup = ref.products, ref.suppliers
    n_weeks, n_sites, n_skus = demand.units.shape
    made = prod.made[None, :]
    plant_of = np.where(prod.made, ref.resources.site[np.maximum(ref.sku_line, 0)], -1)
    own_plant = plant_of[None, :] == np.arange(n_sites)[:, None]
    contract = np.where(prod.made, 0, sup.lead_days[np.maximum(prod.supplier, 0)])
    plan_lead = np.where(made, 2.0, contract[None, :] / 7.0)  # weeks
    review = np.where(made, 2.0, 4.0)
    kind = rng.random(n_skus)
    cover = np.where(
        kind < 0.10,
        0.15,
        np.where(kind > 0.93, rng.uniform(12, 25, n_skus), rng.uniform(1.5, 3.0, n_skus)),
    )[None, :]
    weekday_of_order = np.where(prod.made, 0, prod.supplier % 5)
    crunch_line = ref.resources.ids.index(story.crunch_resource)
    on_crunch = ref.sku_line == crunch_line
    crunch = (day_number(story.crunch_start), day_number(story.crunch_end))

    forecast = demand.units[: min(26, n_weeks)].mean(axis=0)
    on_hand = np.round(forecast * (plan_lead + cover + review / 2))
    horizon = n_weeks + 30
    arrivals = np.zeros((horizon, n_sites, n_skus))
    on_order = np.zeros((n_sites, n_skus))
    fill = np.ones((n_weeks, n_sites, n_skus), dtype=np.float32)
    snap_oh = np.zeros_like(fill)
    snap_oo = np.zeros_like(fill)
    snap_al = np.zeros_like(fill)
    none_i, none_f = np.zeros(0, dtype=np.int64), np.zeros(0)
    parts: list[tuple[IntArray, ...]] = [(none_i,) * 5]  # so an empty run still concatenates
    qparts: list[tuple[FloatArray, ...]] = [(none_f,) * 3]
    for w in range(n_weeks):
        snap_oh[w], snap_oo[w] = on_hand, on_order
        snap_al[w] = np.minimum(on_hand, np.round(0.25 * forecast))
        on_hand = on_hand + arrivals[w]
        on_order = np.maximum(on_order - arrivals[w], 0.0)
        mu = demand.units[w] * rng.gamma(8.0, 1.0 / 8.0, (n_sites, n_skus))
        want = rng.poisson(mu).astype(np.float64)
        served = np.minimum(on_hand, want)
        fill[w] = np.where(want > 0, served / np.maximum(want, 1.0), 1.0)
        on_hand = on_hand - served
        forecast = 0.8 * forecast + 0.2 * want
        position = on_hand + on_order
        need = (position < forecast * (plan_lead + cover)) & (forecast > 0)
        s_idx, k_idx = np.nonzero(need)
        if len(s_idx) == 0:
            continue
        target = forecast * (plan_lead + cover + review)
        qty = np.ceil(target[s_idx, k_idx] - position[s_idx, k_idx])
        order_day = cal.week_start(w) + weekday_of_order[k_idx]
        lead = _lead_days(
            rng,
            prod.made[k_idx],
            own_plant[s_idx, k_idx],
            on_crunch[k_idx],
            contract[k_idx],
            prod.supplier[k_idx],
            order_day,
            crunch,
            cal,
            story,
        )
        short = ~prod.made[k_idx] & (rng.random(len(qty)) < 0.05)
        received = np.where(short, np.floor(qty * rng.uniform(0.85, 0.99, len(qty))), qty)
        rate = np.where(
            prod.made[k_idx], 0.0, reject_rate(prod.supplier[k_idx], order_day + lead, cal, story)
        )
        rejected = rng.binomial(received.astype(np.int64), rate).astype(np.float64)
        arrive = np.minimum(w + (order_day - cal.week_start(w) + lead) // 7, horizon - 1)
        np.add.at(arrivals, (arrive, s_idx, k_idx), received - rejected)
        on_order[s_idx, k_idx] += received - rejected
        parts.append((np.full(len(qty), w), s_idx, k_idx, order_day, lead))
        qparts.append((qty, received, rejected))
    ints = [np.concatenate(c).astype(np.int64) for c in zip(*parts, strict=True)]
    floats = [np.concatenate(c) for c in zip(*qparts, strict=True)]
    orders = Replenishments(
        ints[0], ints[1], ints[2], floats[0], ints[3], ints[4], floats[1], floats[2]
    )
    return Supply(fill, snap_oh, snap_oo, snap_al, orders)


def _lead_days(
    rng: np.random.Generator,
    made: npt.NDArray[np.bool_],
    own_plant: npt.NDArray[np.bool_],
    on_crunch: npt.NDArray[np.bool_],
    contract: IntArray,
    supplier: IntArray,
    order_day: IntArray,
    crunch: tuple[int, int],
    cal: Calendar,
    story: Stories,
) -> IntArray:
    """Days from order to receipt: production (slow on the crunch line in its crunch)
    or the supplier's lead time (the story supplier slipping through the last year)."""
    n = len(made)
    production = np.where(own_plant, 10, 14) + rng.integers(-2, 3, n)
    in_crunch = on_crunch & (order_day >= crunch[0] - 14) & (order_day <= crunch[1])
    production = production + np.where(in_crunch, rng.integers(7, 15, n), 0)
    ramp = story_ramp(order_day, cal)
    slip = np.where(
        supplier == BAD_SUPPLIER,
        ramp * story.supplier_extra_lead_days + np.abs(rng.normal(0, 1 + 4 * ramp, n)),
        0.0,
    )
    bought = contract + np.round(rng.normal(-2.0, 2.0, n) + slip)  # most arrive a little early
    return np.where(made, production, np.maximum(bought, 1)).astype(np.int64)


def inventory_tables(ref: Reference, cal: Calendar, supply: Supply) -> Iterator[pa.Table]:
    """``inventory_snapshots``: every site x SKU each Monday of the window, in chunks."""
    n_weeks, n_sites, n_skus = supply.on_hand.shape
    weeks = [w for w in range(n_weeks) if cal.first_day <= cal.week_start(w) <= cal.last_day]
    per_week = n_sites * n_skus
    step = max(1, SNAPSHOT_ROWS_PER_CHUNK // per_week)
    site = np.repeat(np.arange(n_sites), n_skus)
    sku = np.tile(np.arange(n_skus), n_sites)
    for i in range(0, len(weeks), step):
        chunk = np.array(weeks[i : i + step])
        day = np.repeat(cal.week0 + 7 * chunk, per_week)
        cost = ref.products.cost[np.tile(sku, len(chunk))] * cost_index(day, cal)
        yield make_table(
            "inventory_snapshots",
            {
                "snapshot_date": date_array(day),
                "site_id": ref.site_ids.take(np.tile(site, len(chunk))),
                "sku": ref.products.ids.take(np.tile(sku, len(chunk))),
                "qty_on_hand": supply.on_hand[chunk].astype(np.float64).ravel(),
                "qty_on_order": supply.on_order[chunk].astype(np.float64).ravel(),
                "qty_allocated": supply.allocated[chunk].astype(np.float64).ravel(),
                "unit_cost": np.round(cost, 2),
            },
        )
