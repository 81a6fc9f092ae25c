"""Replay the recommended policy of chosen series and compare the service with its target.

For each chosen series of a :class:`~obeya.inventory.planner.PolicyPlan`,
``replications`` independent runs of ``periods`` weeks are stacked as rows and
simulated together by :func:`simulate_policy` (backorders, no warm-up, stock
starting at the policy's top level):

* demand: ``BOOTSTRAP`` resamples the series' own weekly history (the policy's
  demand window); ``NORMAL`` draws ``N(demand_mean, demand_sd)`` (negatives set to 0);
* lead time: each order's lead time is ``N(L, sd_L)`` in weeks, rounded to whole
  weeks and floored at 0;
* the policy: (s, Q) with the reorder point and EOQ, or (R, S) with the order-up-to
  level and review period, as the plan chose.

Per series, fill rate = units met from stock / units demanded and cycle service
level = cycles without a shortage / cycles, both summed over all replications; the
overall figures re-divide the sums over every series.
Series sized by the newsvendor (one buy, no replenishment) and series without
demand are not simulated.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import assert_never

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from obeya.errors import DataError
from obeya.inventory.planner import PolicyPlan
from obeya.inventory.policy import ServiceTarget
from obeya.inventory.simulate import (
    sample_demand_bootstrap,
    sample_demand_normal,
    simulate_policy,
)

__all__ = ["DemandModel", "PolicyCheck", "check_policy", "pick_series"]

IntArray = NDArray[np.int64]


class DemandModel(StrEnum):
    """Where simulated demand comes from."""

    BOOTSTRAP = "bootstrap"
    NORMAL = "normal"


@dataclass(frozen=True, slots=True)
class PolicyCheck:
    """Achieved service per series (``items``) and over all of them (``overall``)."""

    items: pa.Table
    overall: pa.Table
    periods: int
    replications: int
    demand_model: DemandModel


def pick_series(
    plan: PolicyPlan,
    *,
    sku: str | None = None,
    site: str | None = None,
    sample: int = 200,
    rng: np.random.Generator,
) -> IntArray:
    """Rows to simulate: the one SKU x site, or a random sample of simulable series."""
    inputs = plan.inputs
    simulable = (inputs.demand_mean > 0) & ~plan.newsvendor
    if (sku is None) != (site is None):
        raise DataError("give both --sku and --site to simulate one series, or neither")
    if sku is not None:
        match = np.flatnonzero((inputs.sku == sku) & (inputs.site_id == site))
        if match.size == 0:
            raise DataError(
                f"SKU {sku!r} at site {site!r} is not planned: it has no demand, forecast or "
                "stock; check the ids (obeya inventory policy --by item lists them)"
            )
        if not simulable[match[0]]:
            why = (
                "is sized by the newsvendor (one buy)"
                if plan.newsvendor[match[0]]
                else ("has no demand")
            )
            raise DataError(
                f"SKU {sku!r} at site {site!r} {why}, so there is no replenishment policy "
                "to simulate; pick another series"
            )
        return match[:1].astype(np.int64)
    if sample < 1:
        raise DataError(f"sample = {sample!r}: must be at least 1 series")
    candidates = np.flatnonzero(simulable)
    if candidates.size == 0:
        raise DataError("no series has demand and a replenishment policy to simulate")
    chosen = rng.choice(candidates, size=min(sample, candidates.size), replace=False)
    return np.sort(chosen).astype(np.int64)


def check_policy(
    plan: PolicyPlan,
    rows: IntArray,
    *,
    periods: int = 52,
    replications: int = 200,
    demand_model: DemandModel = DemandModel.BOOTSTRAP,
    rng: np.random.Generator,
) -> PolicyCheck:
    """Simulate the plan's policy on ``rows`` (see the module docstring)."""
    if periods < 1 or replications < 1:
        raise DataError(
            f"periods = {periods!r}, replications = {replications!r}: both must be >= 1"
        )
    inputs = plan.inputs
    k = rows.size
    stacked = np.repeat(rows, replications)
    match demand_model:
        case DemandModel.BOOTSTRAP:
            demand = sample_demand_bootstrap(inputs.history[stacked], periods, rng=rng)
        case DemandModel.NORMAL:
            demand = sample_demand_normal(
                inputs.demand_mean[stacked], inputs.demand_sd[stacked], periods, rng=rng
            )
        case _:
            assert_never(demand_model)
    lead_mean = inputs.lead_time_mean_days[stacked] / 7.0
    lead_sd = inputs.lead_time_sd_days[stacked] / 7.0
    lead = np.maximum(
        np.rint(rng.normal(lead_mean[:, None], lead_sd[:, None], size=(stacked.size, periods))),
        0.0,
    )
    chosen = plan.chosen
    result = simulate_policy(
        demand,
        policy=plan.settings.policy,
        lead_time=lead,
        reorder_point=chosen.reorder_point[stacked],
        order_quantity=chosen.order_quantity[stacked],
        order_up_to_level=chosen.order_up_to_level[stacked],
        review_period=plan.settings.review_period,
    )
    met = (result.demand - result.units_short).reshape(k, replications).sum(axis=1)
    demanded = result.demand.reshape(k, replications).sum(axis=1)
    good_cycles = np.nan_to_num(result.cycle_service_level * result.cycles)
    good = good_cycles.reshape(k, replications).sum(axis=1)
    cycles = result.cycles.reshape(k, replications).sum(axis=1).astype(np.float64)
    fill = _ratio(met, demanded)
    csl = _ratio(good, cycles)
    target = plan.service_level[rows]
    achieved = fill if plan.settings.target is ServiceTarget.FILL_RATE else csl
    items = pa.table(
        {
            "sku": inputs.sku[rows],
            "site_id": inputs.site_id[rows],
            "class": plan.classes.combined[rows],
            "target_type": np.full(k, plan.settings.target.value),
            "target": target,
            "fill_rate": fill,
            "cycle_service_level": csl,
            "gap": achieved - target,
            "average_on_hand": result.average_on_hand.reshape(k, replications).mean(axis=1),
            "demand_per_week": demanded / (replications * periods),
        }
    )
    total_fill = _ratio(np.array([met.sum()]), np.array([demanded.sum()]))
    total_csl = _ratio(np.array([good.sum()]), np.array([cycles.sum()]))
    overall_achieved = total_fill if plan.settings.target is ServiceTarget.FILL_RATE else total_csl
    weights = np.maximum(demanded, 0.0)
    mean_target = (
        float(np.average(target, weights=weights)) if weights.sum() > 0 else float(target.mean())
    )
    overall = pa.table(
        {
            "series": [k],
            "replications": [replications],
            "periods": [periods],
            "target_type": [plan.settings.target.value],
            "target": [mean_target],
            "fill_rate": total_fill,
            "cycle_service_level": total_csl,
            "gap": overall_achieved - mean_target,
            "series_below_target": [int(np.count_nonzero(achieved < target))],
        }
    )
    return PolicyCheck(
        items=items,
        overall=overall,
        periods=periods,
        replications=replications,
        demand_model=demand_model,
    )


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    out: np.ndarray = np.divide(
        numerator, denominator, out=np.full(numerator.shape, np.nan), where=denominator > 0
    )
    return out
