"""Single-site aggregate (S&OP) plan: the least-cost mix of regular production,
hiring and layoffs, overtime, subcontracting, inventory and backlog.

For each period t = 1..T (W[0], I[0], B[0] are the spec's initial values)::

    min  sum_t  material P[t] + subcontract C[t] + holding I[t] + backlog B[t]
              + hire H[t] + layoff L[t] + regular_rate x regular_hours x W[t]
              + overtime_rate x O[t]
    s.t. I[t-1] - B[t-1] + P[t] + C[t] - D[t] = I[t] - B[t]        (balance)
         W[t] = W[t-1] + H[t] - L[t]                                (workforce)
         hours_per_unit P[t] <= regular_hours W[t] + O[t]           (capacity)
         O[t] <= max_overtime_hours W[t]                            (overtime)
         I[T] >= min_final_inventory;  B[T] <= max_final_backlog
         C[t] <= max_subcontract; W[t] <= max_workforce; H, L <= their limits
         all variables >= 0 (W, H, L integer when ``integer: true``)

It is the multi-site model of :mod:`obeya.planning.network` with one family and one
site, solved with HiGHS (simplex by default, or the interior point method).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any

import numpy as np

from obeya.planning._lp import INF, LpSolver, SolveStatus
from obeya.planning.aggregate_spec import AggregateSpec
from obeya.planning.network import CostComponent, NetworkPlanInput, plan_network

__all__ = [
    "AggregatePlan",
    "ConstraintKind",
    "PeriodPlan",
    "ShadowPrice",
    "network_input_from_spec",
    "plan_aggregate",
]


class ConstraintKind(StrEnum):
    """The resources a shadow price puts a value on."""

    DEMAND = "demand"
    CAPACITY_HOUR = "capacity_hour"
    WORKER = "worker"
    OVERTIME_HOUR = "overtime_hour"
    FINAL_INVENTORY = "final_inventory"


_MEANING: dict[ConstraintKind, str] = {
    ConstraintKind.DEMAND: "cost of one more unit of demand in this period",
    ConstraintKind.CAPACITY_HOUR: "saving from one more hour of capacity in this period",
    ConstraintKind.WORKER: (
        "saving from one more worker on the books from this period on (negative: an "
        "extra worker would cost money)"
    ),
    ConstraintKind.OVERTIME_HOUR: "saving from allowing one more overtime hour in this period",
    ConstraintKind.FINAL_INVENTORY: "cost of one more unit of required ending inventory",
}


@dataclass(frozen=True, slots=True)
class PeriodPlan:
    """The plan of one period (``period`` counts from 1)."""

    period: int
    label: str
    demand: float
    production: float
    workforce: float
    hired: float
    laid_off: float
    overtime_hours: float
    subcontracted: float
    inventory: float
    backlog: float


@dataclass(frozen=True, slots=True)
class ShadowPrice:
    """Marginal value of a constraint's right-hand side at the optimum (LP only)."""

    constraint: ConstraintKind
    period: int | None
    value: float
    binding: bool

    @property
    def meaning(self) -> str:
        return _MEANING[self.constraint]


@dataclass(frozen=True)
class AggregatePlan:
    """The optimal plan, its cost by component, and what the constraints are worth."""

    status: SolveStatus
    total_cost: float
    cost_breakdown: MappingProxyType[CostComponent, float]
    periods: tuple[PeriodPlan, ...]
    shadow_prices: tuple[ShadowPrice, ...]
    binding_constraints: tuple[str, ...]
    solver: LpSolver
    build_seconds: float
    solve_seconds: float
    mip_gap: float | None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: total cost, status, per-period rows, breakdown, prices."""
        return {
            "total_cost": self.total_cost,
            "status": self.status.value,
            "periods": [
                {
                    "period": p.period,
                    "label": p.label,
                    "demand": p.demand,
                    "production": p.production,
                    "workforce": p.workforce,
                    "hired": p.hired,
                    "laid_off": p.laid_off,
                    "overtime_hours": p.overtime_hours,
                    "subcontracted": p.subcontracted,
                    "inventory": p.inventory,
                    "backlog": p.backlog,
                }
                for p in self.periods
            ],
            "cost_breakdown": {k.value: v for k, v in self.cost_breakdown.items()},
            "shadow_prices": [
                {
                    "constraint": s.constraint.value,
                    "period": s.period,
                    "value": s.value,
                    "binding": s.binding,
                    "meaning": s.meaning,
                }
                for s in self.shadow_prices
            ],
            "binding_constraints": list(self.binding_constraints),
            "solver": self.solver.value,
            "mip_gap": self.mip_gap,
        }


def _limit(value: float | None) -> float:
    return INF if value is None else value


def network_input_from_spec(spec: AggregateSpec) -> NetworkPlanInput:
    """The spec as a one-family, one-site :class:`NetworkPlanInput`."""
    c = spec.costs
    return NetworkPlanInput(
        families=("all",),
        sites=("site",),
        periods=spec.labels,
        demand=np.asarray(spec.demand, dtype=np.float64).reshape(1, 1, -1),
        hours_per_unit=spec.hours_per_unit,
        initial_workforce=spec.initial_workforce,
        regular_hours_per_worker=spec.regular_hours_per_worker,
        max_overtime_hours_per_worker=spec.max_overtime_hours_per_worker,
        material_cost=c.material_per_unit,
        holding_cost=c.holding_per_unit,
        backlog_cost=c.backlog_per_unit,
        subcontract_cost=c.subcontract_per_unit,
        hire_cost=c.hire_per_worker,
        layoff_cost=c.layoff_per_worker,
        regular_rate=c.regular_per_hour,
        overtime_rate=c.overtime_per_hour,
        initial_inventory=spec.initial_inventory,
        initial_backlog=spec.initial_backlog,
        min_final_inventory=spec.min_final_inventory,
        max_final_backlog=_limit(spec.max_final_backlog),
        max_subcontract_units=_limit(spec.max_subcontract_units),
        max_workforce=_limit(spec.max_workforce),
        max_hires_per_period=_limit(spec.max_hires_per_period),
        max_layoffs_per_period=_limit(spec.max_layoffs_per_period),
        integer_workforce=spec.integer,
    )


def plan_aggregate(
    spec: AggregateSpec,
    *,
    solver: LpSolver = LpSolver.SIMPLEX,
    time_limit_seconds: float | None = None,
    mip_rel_gap: float | None = None,
) -> AggregatePlan:
    """Solve the spec's aggregate plan at least total cost.

    Raises ``PlanInfeasibleError`` (an :class:`~obeya.errors.InfeasibleError`) naming
    an irreducible set of conflicting constraints when no plan meets the spec.
    """
    net = plan_network(
        network_input_from_spec(spec),
        solver=solver,
        time_limit_seconds=time_limit_seconds,
        mip_rel_gap=mip_rel_gap,
    )
    labels = spec.labels
    rows = tuple(
        PeriodPlan(
            period=t + 1,
            label=labels[t],
            demand=float(spec.demand[t]),
            production=float(net.production[0, 0, t]),
            workforce=float(net.workforce[0, t]),
            hired=float(net.hired[0, t]),
            laid_off=float(net.laid_off[0, t]),
            overtime_hours=float(net.overtime_hours[0, t]),
            subcontracted=float(net.subcontracted[0, 0, t]),
            inventory=float(net.inventory[0, 0, t]),
            backlog=float(net.backlog[0, 0, t]),
        )
        for t in range(spec.periods)
    )
    prices: list[ShadowPrice] = []
    duals = net.duals
    if duals is not None:
        binding = set(net.binding)
        single = spec.periods == 1

        def bound(base: str, t: int) -> bool:
            return (base if single else f"{base}[period={labels[t]}]") in binding

        for t in range(spec.periods):
            prices += [
                ShadowPrice(ConstraintKind.DEMAND, t + 1, float(duals.demand[0, 0, t]), True),
                ShadowPrice(
                    ConstraintKind.CAPACITY_HOUR,
                    t + 1,
                    float(duals.hour[0, t]),
                    bound("capacity", t),
                ),
                ShadowPrice(ConstraintKind.WORKER, t + 1, float(duals.worker[0, t]), True),
                ShadowPrice(
                    ConstraintKind.OVERTIME_HOUR,
                    t + 1,
                    float(duals.overtime_hour[0, t]),
                    bound("overtime", t),
                ),
            ]
        prices.append(
            ShadowPrice(
                ConstraintKind.FINAL_INVENTORY,
                None,
                float(duals.final_inventory[0, 0]),
                "final_inventory" in binding,
            )
        )
    return AggregatePlan(
        status=net.status,
        total_cost=net.total_cost,
        cost_breakdown=net.cost_breakdown,
        periods=rows,
        shadow_prices=tuple(prices),
        binding_constraints=net.binding,
        solver=net.solver,
        build_seconds=net.build_seconds,
        solve_seconds=net.solve_seconds,
        mip_gap=net.mip_gap,
    )
