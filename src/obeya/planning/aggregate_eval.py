"""Cost any single-site plan, and the two classic pure strategies to compare with.

``evaluate_plan`` prices a plan given by its workforce, overtime, production and
subcontracting per period: hires, layoffs, inventory and backlog follow from the
balance equations, and every broken constraint is listed. It is written directly
from the spec, independently of the LP, so it also checks the optimiser's answer.

* Chase: the workforce follows demand; each period makes what it must ship (no
  inventory build-up, no backlog), on regular time only.
* Level: a constant workforce makes the same quantity every period; inventory and
  backlog absorb the swings, and the horizon ends on the required final inventory.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
from numpy.typing import ArrayLike, NDArray

from obeya.errors import SpecError
from obeya.planning.aggregate_spec import AggregateSpec
from obeya.planning.network import CostComponent

__all__ = ["PlanDecisions", "PlanEvaluation", "chase_plan", "evaluate_plan", "level_plan"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class PlanDecisions:
    """The four decisions of each period; the rest of a plan follows from them."""

    workforce: FloatArray
    overtime_hours: FloatArray
    production: FloatArray
    subcontracted: FloatArray

    @classmethod
    def of(
        cls,
        workforce: ArrayLike,
        overtime_hours: ArrayLike,
        production: ArrayLike,
        subcontracted: ArrayLike,
    ) -> PlanDecisions:
        arrays = [
            np.asarray(a, dtype=np.float64).ravel()
            for a in (workforce, overtime_hours, production, subcontracted)
        ]
        if len({a.size for a in arrays}) != 1:
            raise SpecError(
                "workforce, overtime, production and subcontracting need one value per period"
            )
        return cls(*arrays)


@dataclass(frozen=True)
class PlanEvaluation:
    """A plan's derived quantities, cost by component, and the constraints it breaks."""

    total_cost: float
    cost_breakdown: MappingProxyType[CostComponent, float]
    hired: FloatArray
    laid_off: FloatArray
    inventory: FloatArray
    backlog: FloatArray
    violations: tuple[str, ...]

    @property
    def feasible(self) -> bool:
        return not self.violations


def evaluate_plan(spec: AggregateSpec, plan: PlanDecisions, *, tol: float = 1e-6) -> PlanEvaluation:
    """Price ``plan`` under ``spec`` and list every constraint it breaks."""
    t_count = spec.periods
    if plan.workforce.size != t_count:
        raise SpecError(f"the plan has {plan.workforce.size} periods but the spec has {t_count}")
    c = spec.costs
    w, o, p, sub = plan.workforce, plan.overtime_hours, plan.production, plan.subcontracted
    demand = np.asarray(spec.demand, dtype=np.float64)
    change = np.diff(np.concatenate([[spec.initial_workforce], w]))
    hired, laid_off = np.maximum(change, 0.0), np.maximum(-change, 0.0)
    net = spec.initial_inventory - spec.initial_backlog + np.cumsum(p + sub - demand)
    inventory, backlog = np.maximum(net, 0.0), np.maximum(-net, 0.0)
    v: list[str] = []
    labels = spec.labels

    def check(mask: NDArray[np.bool_], what: str) -> None:
        v.extend(f"{what} in period {labels[i]}" for i in np.flatnonzero(mask))

    for name, arr in (
        ("workforce", w),
        ("overtime", o),
        ("production", p),
        ("subcontracting", sub),
    ):
        check(arr < -tol, f"negative {name}")
    scale = 1.0 + np.abs(p) * spec.hours_per_unit
    check(
        p * spec.hours_per_unit > spec.regular_hours_per_worker * w + o + tol * scale,
        "production needs more hours than regular time plus overtime",
    )
    check(o > spec.max_overtime_hours_per_worker * w + tol * (1 + o), "overtime above its limit")
    for limit, arr, what in (
        (spec.max_subcontract_units, sub, "subcontracting above its limit"),
        (spec.max_workforce, w, "workforce above its limit"),
        (spec.max_hires_per_period, hired, "hires above their limit"),
        (spec.max_layoffs_per_period, laid_off, "layoffs above their limit"),
    ):
        if limit is not None:
            check(arr > limit + tol * (1 + arr), what)
    if spec.integer:
        check(np.abs(w - np.round(w)) > tol, "a fractional workforce (integer: true)")
    if inventory[-1] < spec.min_final_inventory - tol * (1 + inventory[-1]):
        v.append(f"final inventory {inventory[-1]:g} below {spec.min_final_inventory:g}")
    if spec.max_final_backlog is not None and backlog[-1] > spec.max_final_backlog + tol * (
        1 + backlog[-1]
    ):
        v.append(f"final backlog {backlog[-1]:g} above {spec.max_final_backlog:g}")
    breakdown = {
        CostComponent.MATERIAL: float(c.material_per_unit * p.sum()),
        CostComponent.REGULAR_LABOUR: float(
            c.regular_per_hour * spec.regular_hours_per_worker * w.sum()
        ),
        CostComponent.OVERTIME: float(c.overtime_per_hour * o.sum()),
        CostComponent.HIRING: float(c.hire_per_worker * hired.sum()),
        CostComponent.LAYOFF: float(c.layoff_per_worker * laid_off.sum()),
        CostComponent.HOLDING: float(c.holding_per_unit * inventory.sum()),
        CostComponent.BACKLOG: float(c.backlog_per_unit * backlog.sum()),
        CostComponent.SUBCONTRACT: float(c.subcontract_per_unit * sub.sum()),
        CostComponent.TRANSPORT: 0.0,
    }
    return PlanEvaluation(
        total_cost=float(sum(breakdown.values())),
        cost_breakdown=MappingProxyType(breakdown),
        hired=hired,
        laid_off=laid_off,
        inventory=inventory,
        backlog=backlog,
        violations=tuple(v),
    )


def _workers(spec: AggregateSpec, hours: FloatArray) -> FloatArray:
    w = hours / spec.regular_hours_per_worker
    return np.ceil(w - 1e-9) if spec.integer else w


def chase_plan(spec: AggregateSpec) -> PlanDecisions:
    """Make each period what it must ship, with the workforce to match (regular time).

    Cumulative production is the running maximum of cumulative demand less the
    opening net stock (plus the final inventory target in the last period), so no
    period carries a backlog and inventory is only what the opening stock leaves.
    """
    demand = np.asarray(spec.demand, dtype=np.float64)
    need = np.cumsum(demand) - (spec.initial_inventory - spec.initial_backlog)
    need[-1] += spec.min_final_inventory
    cumulative = np.maximum.accumulate(np.maximum(need, 0.0))
    production = np.diff(np.concatenate([[0.0], cumulative]))
    zeros = np.zeros(spec.periods)
    return PlanDecisions(_workers(spec, production * spec.hours_per_unit), zeros, production, zeros)


def level_plan(spec: AggregateSpec) -> PlanDecisions:
    """Make the same quantity every period with a constant workforce (regular time).

    The quantity covers total demand, the opening backlog and the final inventory
    target, less the opening inventory, so the horizon ends exactly on target;
    inventory and backlog absorb the swings in between.
    """
    total = (
        float(np.sum(spec.demand))
        + spec.min_final_inventory
        - spec.initial_inventory
        + spec.initial_backlog
    )
    rate = max(total, 0.0) / spec.periods
    production = np.full(spec.periods, rate)
    workers = _workers(spec, np.array([rate * spec.hours_per_unit]))[0]
    zeros = np.zeros(spec.periods)
    return PlanDecisions(np.full(spec.periods, workers), zeros, production, zeros)
