"""The network plan with working hours that vary by site and period.

:func:`~obeya.planning.plan_network` gives every worker of a site the same regular
hours in every period. Plans built from the warehouse need more: a month of 23
working days is longer than one of 19, and a scenario may cut a site's capacity from
a date. :func:`plan_network_hours` solves the same LP (built by
:func:`~obeya.planning.build_network_lp`) with two per-(site, period) arrays:

* ``paid_hours[s,t]``: regular hours paid per worker; the workforce cost of period t
  is ``regular_rate[s] x paid_hours[s,t] x W[s,t]``;
* ``productive_hours[s,t]``: regular hours a worker can make product in (paid hours
  x the capacity factor); the capacity and overtime rows become::

      capacity[s,t]:  sum_f hours_per_unit P - O - productive_hours[s,t] W <= 0
      overtime[s,t]:  O - overtime_share x productive_hours[s,t] W <= 0

Everything else (balance, workforce, bounds, lanes, duals, the IIS on
infeasibility) is the network model unchanged.
"""

from __future__ import annotations

import time
from types import MappingProxyType

import numpy as np
from numpy.typing import NDArray

from obeya.errors import InfeasibleError, SpecError
from obeya.planning._lp import LinearProgram, LpSolver, SolveStatus, solve_lp
from obeya.planning.network import (
    INFEASIBLE_HINT,
    BuiltModel,
    CostComponent,
    NetworkPlan,
    NetworkPlanInput,
    PlanDuals,
    PlanInfeasibleError,
    _binding,  # the binding-row rule lives with the engine; reused, not copied
    build_network_lp,
    infeasible_message,
)

__all__ = ["plan_network_hours"]

FloatArray = NDArray[np.float64]


def _set_pair(
    rows: NDArray[np.int64],
    cols: NDArray[np.int64],
    entry_rows: NDArray[np.int32],
    entry_cols: NDArray[np.int32],
    values: FloatArray,
    size: int,
    data: FloatArray,
) -> None:
    """Overwrite the matrix entries at (rows[i], cols[i]) with values[i], in place."""
    partner = np.full(size, -1, dtype=np.int64)
    partner[rows.ravel()] = cols.ravel()
    new = np.zeros(size)
    new[rows.ravel()] = values.ravel()
    hit = partner[entry_rows] == entry_cols
    data[hit] = new[entry_rows[hit]]


def plan_network_hours(
    data: NetworkPlanInput,
    paid_hours: FloatArray,
    productive_hours: FloatArray,
    overtime_share: FloatArray,
    *,
    solver: LpSolver = LpSolver.SIMPLEX,
    time_limit_seconds: float | None = None,
    mip_rel_gap: float | None = None,
) -> NetworkPlan:
    """Solve the network plan with per-period paid and productive hours (see module doc).

    ``paid_hours`` and ``productive_hours`` are (site, period); ``overtime_share``
    (site,) is the overtime a worker may add as a share of productive hours.
    """
    ns, nt = len(data.sites), len(data.periods)
    paid = np.asarray(paid_hours, dtype=np.float64)
    productive = np.asarray(productive_hours, dtype=np.float64)
    if paid.shape != (ns, nt) or productive.shape != (ns, nt):
        raise SpecError(f"paid and productive hours must be (sites, periods) = {(ns, nt)}")
    if (paid < 0).any() or (productive < 0).any():
        raise SpecError("paid and productive hours must be >= 0")
    share = np.broadcast_to(np.asarray(overtime_share, dtype=np.float64), (ns,))
    start = time.perf_counter()
    built = build_network_lp(data)
    lp, v, r = built.lp, built.vars, built.rows
    cost = lp.cost.copy()
    cost[v.workforce] = np.asarray(data.regular_rate, dtype=np.float64)[:, None] * paid
    coo = lp.matrix.tocoo()
    values = coo.data.astype(np.float64).copy()
    rows_i, cols_i = coo.row, coo.col
    _set_pair(r.capacity, v.workforce, rows_i, cols_i, -productive, lp.num_rows, values)
    if (share > 0).any():
        _set_pair(
            r.overtime,
            v.workforce,
            rows_i,
            cols_i,
            -share[:, None] * productive,
            lp.num_rows,
            values,
        )
    matrix = type(lp.matrix)((values, (rows_i, cols_i)), shape=lp.matrix.shape).tocsc()
    matrix.eliminate_zeros()
    changed = LinearProgram(
        cost=cost,
        col_lower=lp.col_lower,
        col_upper=lp.col_upper,
        matrix=matrix,
        row_lower=lp.row_lower,
        row_upper=lp.row_upper,
        integer=lp.integer,
        columns=lp.columns,
        rows=lp.rows,
    )
    build_seconds = time.perf_counter() - start
    sol = solve_lp(
        changed, solver=solver, time_limit_seconds=time_limit_seconds, mip_rel_gap=mip_rel_gap
    )
    if sol.status in (SolveStatus.INFEASIBLE, SolveStatus.UNBOUNDED_OR_INFEASIBLE):
        raise PlanInfeasibleError(
            infeasible_message("the aggregate plan", sol.conflicts, INFEASIBLE_HINT), sol.conflicts
        )
    if sol.x.size == 0:
        raise InfeasibleError(
            f"the aggregate plan could not be solved: HiGHS stopped with status "
            f"{sol.status.value} and no plan. Fix: raise the time limit, or solve the LP "
            "(integer: false) instead of the MIP."
        )
    x = np.where(np.abs(sol.x) < 1e-9, 0.0, sol.x)
    x[changed.integer] = np.round(x[changed.integer])

    def take(idx: NDArray[np.int64]) -> FloatArray:
        out: FloatArray = x[idx]
        return out

    p, c, i, b = take(v.production), take(v.subcontract), take(v.inventory), take(v.backlog)
    w, h, lo, o = take(v.workforce), take(v.hires), take(v.layoffs), take(v.overtime)
    moved = take(v.transport)
    a = data.values
    breakdown = {
        CostComponent.MATERIAL: float((a("material_cost")[:, :, None] * p).sum()),
        CostComponent.REGULAR_LABOUR: float((a("regular_rate")[:, None] * paid * w).sum()),
        CostComponent.OVERTIME: float((a("overtime_rate")[:, None] * o).sum()),
        CostComponent.HIRING: float((a("hire_cost")[:, None] * h).sum()),
        CostComponent.LAYOFF: float((a("layoff_cost")[:, None] * lo).sum()),
        CostComponent.HOLDING: float((a("holding_cost")[:, :, None] * i).sum()),
        CostComponent.BACKLOG: float((a("backlog_cost")[:, :, None] * b).sum()),
        CostComponent.SUBCONTRACT: float((a("subcontract_cost")[:, :, None] * c).sum()),
        CostComponent.TRANSPORT: float((a("lane_cost")[None, :, None] * moved).sum()),
    }
    duals: PlanDuals | None = None
    if sol.has_duals:
        y = np.where(np.abs(sol.row_dual) < 1e-9, 0.0, sol.row_dual)
        duals = PlanDuals(
            demand=y[r.balance],
            hour=0.0 - y[r.capacity],
            worker=0.0 - y[r.workforce],
            overtime_hour=0.0 - y[r.overtime],
            final_inventory=y[r.final_inventory],
        )
    size = {"columns": changed.num_cols, "rows": changed.num_rows, "nonzeros": matrix.nnz}
    return NetworkPlan(
        status=sol.status,
        total_cost=float(sum(breakdown.values())),
        cost_breakdown=MappingProxyType(breakdown),
        production=p,
        subcontracted=c,
        inventory=i,
        backlog=b,
        workforce=w,
        hired=h,
        laid_off=lo,
        overtime_hours=o,
        shipped=moved,
        duals=duals,
        binding=_binding(BuiltModel(changed, v, r), sol),
        solver=solver,
        build_seconds=build_seconds,
        solve_seconds=sol.solve_seconds,
        iterations=sol.iterations,
        mip_gap=sol.mip_gap,
        model_size=MappingProxyType(size),
    )
