"""Multi-family, multi-site aggregate (S&OP) plan as one LP solved with HiGHS.

Indices: family f, site s, period t (t = 1..T), transport lane k (origin -> destination).

Decision variables (all >= 0)::

    P[f,s,t]  units made in-house          C[f,s,t]  units subcontracted
    I[f,s,t]  ending inventory             B[f,s,t]  ending backlog
    W[s,t]    workforce on the books       H[s,t], L[s,t]  hires and layoffs
    O[s,t]    overtime hours               X[f,k,t]  units moved on lane k

Constraints::

    balance[f,s,t]:   I[t-1] - B[t-1] + P + C + sum_in X - sum_out X - I[t] + B[t] = D[f,s,t]
    workforce[s,t]:   W[t] - W[t-1] - H[t] + L[t] = 0          (W[0] = initial workforce)
    capacity[s,t]:    sum_f hours_per_unit[f,s] P[f,s,t] - O[s,t] - regular_hours[s] W[s,t] <= 0
    overtime[s,t]:    O[s,t] - max_overtime_hours[s] W[s,t] <= 0
    final_inventory[f,s]:  I[f,s,T] >= min_final_inventory[f,s]
    final_backlog[f,s]:    B[f,s,T] <= max_final_backlog[f,s]

Bounds: C <= max_subcontract, W <= max_workforce, H <= max_hires, L <= max_layoffs,
and P = 0 where a family cannot be made at a site.

Objective: material P + subcontract C + holding I + backlog B + hire H + layoff L
+ regular_rate x regular_hours x W + overtime_rate x O + lane cost x X.

The single-site plan of :mod:`obeya.planning.aggregate` is this model with one family
and one site, so both share one formulation and one set of tests for the algebra.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from obeya.errors import InfeasibleError, SpecError
from obeya.planning._lp import (
    INF,
    Conflict,
    Layout,
    LinearProgram,
    LpSolution,
    LpSolver,
    SolveStatus,
    Triplets,
    solve_lp,
)

__all__ = [
    "BuiltModel",
    "CostComponent",
    "NetworkPlan",
    "NetworkPlanInput",
    "PlanDuals",
    "PlanInfeasibleError",
    "build_network_lp",
    "plan_network",
]

FloatArray = NDArray[np.float64]


class CostComponent(StrEnum):
    """The parts a plan's total cost is broken into."""

    MATERIAL = "material"
    REGULAR_LABOUR = "regular_labour"
    OVERTIME = "overtime"
    HIRING = "hiring"
    LAYOFF = "layoff"
    HOLDING = "holding"
    BACKLOG = "backlog"
    SUBCONTRACT = "subcontract"
    TRANSPORT = "transport"


class PlanInfeasibleError(InfeasibleError):
    """No plan meets every constraint; ``conflicts`` is an irreducible conflicting set."""

    def __init__(self, message: str, conflicts: tuple[Conflict, ...]) -> None:
        super().__init__(message)
        self.conflicts = conflicts


def _arr(
    value: ArrayLike, shape: tuple[int, ...], name: str, *, allow_inf: bool = False
) -> FloatArray:
    """``value`` broadcast to ``shape`` as a float array, checked finite and >= 0."""
    try:
        out = np.broadcast_to(np.asarray(value, dtype=np.float64), shape).copy()
    except ValueError as exc:
        got = np.shape(value)
        raise SpecError(
            f"{name}: shape {got} does not fit {shape}; give a scalar or an array "
            f"broadcastable to {shape}"
        ) from exc
    bad = np.isnan(out) | (np.isinf(out) & (not allow_inf)) | (out < 0)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise SpecError(
            f"{name}{list(first)} = {float(out[first])!r}: must be a finite number >= 0"
            + (" (or inf for no limit)" if allow_inf else "")
        )
    return out


@dataclass(frozen=True)
class NetworkPlanInput:
    """The data of a families x sites x periods plan; arrays broadcast on construction.

    Per (family, site): ``hours_per_unit``, ``initial_inventory``, ``initial_backlog``,
    ``min_final_inventory``, ``max_final_backlog`` (inf: no limit),
    ``max_subcontract_units`` (per period; inf: no limit), ``material_cost``,
    ``holding_cost``, ``backlog_cost``, ``subcontract_cost`` and ``producible``.
    Per site: ``initial_workforce``, ``regular_hours_per_worker``,
    ``max_overtime_hours_per_worker``, ``max_workforce``, ``max_hires_per_period``,
    ``max_layoffs_per_period`` (inf: no limit), ``hire_cost``, ``layoff_cost``,
    ``regular_rate`` and ``overtime_rate`` (per hour).
    ``demand`` is (family, site, period). Lanes are parallel arrays: ``lane_origin``
    and ``lane_destination`` (site positions) and ``lane_cost`` per unit moved, the
    same for every family; a move arrives in the period it leaves.
    """

    families: tuple[str, ...]
    sites: tuple[str, ...]
    periods: tuple[str, ...]
    demand: ArrayLike
    hours_per_unit: ArrayLike
    initial_workforce: ArrayLike
    regular_hours_per_worker: ArrayLike
    max_overtime_hours_per_worker: ArrayLike
    material_cost: ArrayLike
    holding_cost: ArrayLike
    backlog_cost: ArrayLike
    subcontract_cost: ArrayLike
    hire_cost: ArrayLike
    layoff_cost: ArrayLike
    regular_rate: ArrayLike
    overtime_rate: ArrayLike
    initial_inventory: ArrayLike = 0.0
    initial_backlog: ArrayLike = 0.0
    min_final_inventory: ArrayLike = 0.0
    max_final_backlog: ArrayLike = 0.0
    max_subcontract_units: ArrayLike = INF
    max_workforce: ArrayLike = INF
    max_hires_per_period: ArrayLike = INF
    max_layoffs_per_period: ArrayLike = INF
    producible: ArrayLike = True
    lane_origin: ArrayLike = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    lane_destination: ArrayLike = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    lane_cost: ArrayLike = field(default_factory=lambda: np.zeros(0))
    integer_workforce: bool = False

    def __post_init__(self) -> None:
        nf, ns, nt = len(self.families), len(self.sites), len(self.periods)
        if min(nf, ns, nt) == 0:
            raise SpecError(
                f"a plan needs at least one family, site and period; got {nf} families, "
                f"{ns} sites, {nt} periods"
            )
        fs, s = (nf, ns), (ns,)
        set_ = object.__setattr__
        set_(self, "demand", _arr(self.demand, (nf, ns, nt), "demand"))
        for name in ("initial_inventory", "initial_backlog", "min_final_inventory"):
            set_(self, name, _arr(getattr(self, name), fs, name))
        for name in ("material_cost", "holding_cost", "backlog_cost", "subcontract_cost"):
            set_(self, name, _arr(getattr(self, name), fs, name))
        for name in ("max_final_backlog", "max_subcontract_units"):
            set_(self, name, _arr(getattr(self, name), fs, name, allow_inf=True))
        hpu = _arr(self.hours_per_unit, fs, "hours_per_unit")
        set_(self, "hours_per_unit", hpu)
        prod = np.broadcast_to(np.asarray(self.producible, dtype=bool), fs).copy()
        if (prod & (hpu <= 0)).any():
            f, st = (int(i) for i in np.argwhere(prod & (hpu <= 0))[0])
            raise SpecError(
                f"hours_per_unit[{self.families[f]}, {self.sites[st]}] must be > 0 where the "
                "family is producible; mark it producible=False instead"
            )
        set_(self, "producible", prod)
        for name in ("initial_workforce", "regular_hours_per_worker"):
            set_(self, name, _arr(getattr(self, name), s, name))
        for name in ("max_overtime_hours_per_worker", "hire_cost", "layoff_cost"):
            set_(self, name, _arr(getattr(self, name), s, name))
        for name in ("regular_rate", "overtime_rate"):
            set_(self, name, _arr(getattr(self, name), s, name))
        for name in ("max_workforce", "max_hires_per_period", "max_layoffs_per_period"):
            set_(self, name, _arr(getattr(self, name), s, name, allow_inf=True))
        origin = np.asarray(self.lane_origin, dtype=np.int64).ravel()
        dest = np.asarray(self.lane_destination, dtype=np.int64).ravel()
        if origin.shape != dest.shape:
            raise SpecError("lane_origin and lane_destination must have the same length")
        cost = _arr(self.lane_cost, origin.shape, "lane_cost")
        ends = np.concatenate([origin, dest])
        if ends.size and (ends.min() < 0 or ends.max() >= ns):
            raise SpecError(f"lane ends must be site positions 0..{ns - 1}; got {ends.tolist()}")
        if (origin == dest).any():
            raise SpecError("a lane must join two different sites")
        set_(self, "lane_origin", origin)
        set_(self, "lane_destination", dest)
        set_(self, "lane_cost", cost)

    def values(self, name: str) -> FloatArray:
        """A validated array field, typed (fields hold arrays after construction)."""
        value: FloatArray = getattr(self, name)
        return value

    @property
    def lanes(self) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        origin: NDArray[np.int64] = np.asarray(self.lane_origin)
        dest: NDArray[np.int64] = np.asarray(self.lane_destination)
        return origin, dest


@dataclass(frozen=True)
class _Vars:
    """Column index arrays of each variable block."""

    production: NDArray[np.int64]
    subcontract: NDArray[np.int64]
    inventory: NDArray[np.int64]
    backlog: NDArray[np.int64]
    workforce: NDArray[np.int64]
    hires: NDArray[np.int64]
    layoffs: NDArray[np.int64]
    overtime: NDArray[np.int64]
    transport: NDArray[np.int64]


@dataclass(frozen=True)
class _Rows:
    balance: NDArray[np.int64]
    workforce: NDArray[np.int64]
    capacity: NDArray[np.int64]
    overtime: NDArray[np.int64]
    final_inventory: NDArray[np.int64]
    final_backlog: NDArray[np.int64]


@dataclass(frozen=True)
class BuiltModel:
    """The LP and where each variable and constraint block sits in it."""

    lp: LinearProgram
    vars: _Vars
    rows: _Rows


def build_network_lp(data: NetworkPlanInput) -> BuiltModel:
    """Assemble the LP of the module docstring from whole arrays (COO -> CSC)."""
    ns, nt = len(data.sites), len(data.periods)
    origin, dest = data.lanes
    nk = origin.size
    fam = ("family", data.families)
    site = ("site", data.sites)
    per = ("period", data.periods)
    lane_labels = tuple(
        f"{data.sites[o]}->{data.sites[d]}" for o, d in zip(origin, dest, strict=True)
    )
    cols = Layout()
    v = _Vars(
        production=cols.add("production", fam, site, per),
        subcontract=cols.add("subcontracted", fam, site, per),
        inventory=cols.add("inventory", fam, site, per),
        backlog=cols.add("backlog", fam, site, per),
        workforce=cols.add("workforce", site, per),
        hires=cols.add("hired", site, per),
        layoffs=cols.add("laid_off", site, per),
        overtime=cols.add("overtime_hours", site, per),
        transport=cols.add("shipped", fam, ("lane", lane_labels), per),
    )
    rows = Layout()
    r = _Rows(
        balance=rows.add("balance", fam, site, per),
        workforce=rows.add("workforce", site, per),
        capacity=rows.add("capacity", site, per),
        overtime=rows.add("overtime", site, per),
        final_inventory=rows.add("final_inventory", fam, site),
        final_backlog=rows.add("final_backlog", fam, site),
    )
    a = data.values
    n = cols.size
    cost = np.zeros(n)
    lower = np.zeros(n)
    upper = np.full(n, INF)
    cost[v.production] = a("material_cost")[:, :, None]
    cost[v.subcontract] = a("subcontract_cost")[:, :, None]
    cost[v.inventory] = a("holding_cost")[:, :, None]
    cost[v.backlog] = a("backlog_cost")[:, :, None]
    cost[v.workforce] = (a("regular_rate") * a("regular_hours_per_worker"))[:, None]
    cost[v.hires] = a("hire_cost")[:, None]
    cost[v.layoffs] = a("layoff_cost")[:, None]
    cost[v.overtime] = a("overtime_rate")[:, None]
    cost[v.transport] = a("lane_cost")[None, :, None]
    upper[v.subcontract] = a("max_subcontract_units")[:, :, None]
    upper[v.production] = np.where(np.asarray(data.producible), INF, 0.0)[:, :, None]
    upper[v.workforce] = a("max_workforce")[:, None]
    upper[v.hires] = a("max_hires_per_period")[:, None]
    upper[v.layoffs] = a("max_layoffs_per_period")[:, None]

    m = Triplets()
    # balance: I[t-1] - B[t-1] + P + C + in - out - I[t] + B[t] = D
    rb = r.balance
    m.add(rb, v.production, 1.0)
    m.add(rb, v.subcontract, 1.0)
    m.add(rb, v.inventory, -1.0)
    m.add(rb, v.backlog, 1.0)
    m.add(rb[:, :, 1:], v.inventory[:, :, :-1], 1.0)
    m.add(rb[:, :, 1:], v.backlog[:, :, :-1], -1.0)
    if nk:
        m.add(rb[:, dest, :], v.transport, 1.0)
        m.add(rb[:, origin, :], v.transport, -1.0)
    # workforce: W[t] - W[t-1] - H[t] + L[t] = 0 (W[0] moves to the right-hand side)
    m.add(r.workforce, v.workforce, 1.0)
    m.add(r.workforce[:, 1:], v.workforce[:, :-1], -1.0)
    m.add(r.workforce, v.hires, -1.0)
    m.add(r.workforce, v.layoffs, 1.0)
    # capacity: sum_f hpu P - O - regular_hours W <= 0
    m.add(r.capacity[None, :, :], v.production, a("hours_per_unit")[:, :, None])
    m.add(r.capacity, v.overtime, -1.0)
    m.add(r.capacity, v.workforce, -a("regular_hours_per_worker")[:, None])
    # overtime: O - max_overtime W <= 0
    m.add(r.overtime, v.overtime, 1.0)
    m.add(r.overtime, v.workforce, -a("max_overtime_hours_per_worker")[:, None])
    # final inventory and backlog
    m.add(r.final_inventory, v.inventory[:, :, -1], 1.0)
    m.add(r.final_backlog, v.backlog[:, :, -1], 1.0)

    row_lower = np.full(rows.size, -INF)
    row_upper = np.zeros(rows.size)
    rhs = a("demand").copy()
    rhs[:, :, 0] -= a("initial_inventory") - a("initial_backlog")
    row_lower[rb] = rhs
    row_upper[rb] = rhs
    w_rhs = np.zeros((ns, nt))
    w_rhs[:, 0] = a("initial_workforce")
    row_lower[r.workforce] = w_rhs
    row_upper[r.workforce] = w_rhs
    row_lower[r.final_inventory] = a("min_final_inventory")
    row_upper[r.final_inventory] = INF
    row_upper[r.final_backlog] = a("max_final_backlog")
    integer = np.zeros(n, dtype=bool)
    if data.integer_workforce:
        integer[np.concatenate([v.workforce.ravel(), v.hires.ravel(), v.layoffs.ravel()])] = True
    lp = LinearProgram(
        cost=cost,
        col_lower=lower,
        col_upper=upper,
        matrix=m.to_csc(rows.size, n),
        row_lower=row_lower,
        row_upper=row_upper,
        integer=integer,
        columns=cols,
        rows=rows,
    )
    return BuiltModel(lp, v, r)


@dataclass(frozen=True)
class PlanDuals:
    """Shadow prices of an LP plan (HiGHS row duals, signed as a planner reads them).

    ``demand[f,s,t]``: cost of one more unit of demand. ``hour[s,t]``: saving from one
    more hour of capacity. ``worker[s,t]``: saving from one more worker on the books
    from period t on (negative when an extra worker would cost money).
    ``overtime_hour[s,t]``: saving from allowing one more overtime hour.
    ``final_inventory[f,s]``: cost of one more unit of required ending inventory.
    """

    demand: FloatArray
    hour: FloatArray
    worker: FloatArray
    overtime_hour: FloatArray
    final_inventory: FloatArray


@dataclass(frozen=True)
class NetworkPlan:
    """An optimal (or best found) plan; arrays are (family, site, period) or (site, period).

    ``shipped`` is (family, lane, period). ``duals`` is ``None`` for a MIP.
    """

    status: SolveStatus
    total_cost: float
    cost_breakdown: MappingProxyType[CostComponent, float]
    production: FloatArray
    subcontracted: FloatArray
    inventory: FloatArray
    backlog: FloatArray
    workforce: FloatArray
    hired: FloatArray
    laid_off: FloatArray
    overtime_hours: FloatArray
    shipped: FloatArray
    duals: PlanDuals | None
    binding: tuple[str, ...]
    solver: LpSolver
    build_seconds: float
    solve_seconds: float
    iterations: int
    mip_gap: float | None
    model_size: MappingProxyType[str, int]


def _cost_breakdown(data: NetworkPlanInput, x: dict[str, FloatArray]) -> dict[CostComponent, float]:
    a = data.values
    return {
        CostComponent.MATERIAL: float((a("material_cost")[:, :, None] * x["P"]).sum()),
        CostComponent.REGULAR_LABOUR: float(
            ((a("regular_rate") * a("regular_hours_per_worker"))[:, None] * x["W"]).sum()
        ),
        CostComponent.OVERTIME: float((a("overtime_rate")[:, None] * x["O"]).sum()),
        CostComponent.HIRING: float((a("hire_cost")[:, None] * x["H"]).sum()),
        CostComponent.LAYOFF: float((a("layoff_cost")[:, None] * x["L"]).sum()),
        CostComponent.HOLDING: float((a("holding_cost")[:, :, None] * x["I"]).sum()),
        CostComponent.BACKLOG: float((a("backlog_cost")[:, :, None] * x["B"]).sum()),
        CostComponent.SUBCONTRACT: float((a("subcontract_cost")[:, :, None] * x["C"]).sum()),
        CostComponent.TRANSPORT: float((a("lane_cost")[None, :, None] * x["X"]).sum()),
    }


def _binding(model: BuiltModel, sol: LpSolution, tol: float = 1e-6) -> tuple[str, ...]:
    """Labels of inequality constraints that hold with equality at the solution."""
    lp = model.lp
    ineq = lp.row_lower != lp.row_upper
    act = sol.row_activity
    scale = 1.0 + np.abs(act)
    at_lower = np.isfinite(lp.row_lower) & (np.abs(act - lp.row_lower) <= tol * scale)
    at_upper = np.isfinite(lp.row_upper) & (np.abs(act - lp.row_upper) <= tol * scale)
    idx = np.flatnonzero(ineq & (at_lower | at_upper))
    return tuple(lp.rows.label(int(i)) for i in idx)


_MEANINGS: dict[str, str] = {
    "balance": "made + subcontracted + moved in - moved out + last period's (stock - backlog) "
    "- this period's (stock - backlog), which must equal demand (less the opening net stock "
    "in period 1)",
    "workforce": "workers = last period's workers + hires - layoffs",
    "capacity": "hours_per_unit x production - overtime - regular hours x workforce",
    "overtime": "overtime hours - max overtime per worker x workforce",
    "final_inventory": "ending inventory of the last period",
    "final_backlog": "ending backlog of the last period",
}


def infeasible_message(subject: str, conflicts: tuple[Conflict, ...], hint: str) -> str:
    """One readable message naming the conflicting constraints and a way out.

    The first time a kind of constraint appears, its meaning is spelt out.
    """
    if not conflicts:
        return f"{subject} is infeasible: no plan meets every constraint. {hint}"
    seen: set[str] = set()
    parts: list[str] = []
    for c in conflicts[:12]:
        base = c.label.split("[", 1)[0]
        meaning = _MEANINGS.get(base) if c.kind == "constraint" else None
        if meaning is not None and base not in seen:
            parts.append(f"{c} (where {base} is: {meaning})")
        else:
            parts.append(str(c))
        seen.add(base)
    more = f"; ... {len(conflicts) - 12} more" if len(conflicts) > 12 else ""
    return (
        f"{subject} is infeasible: these constraints cannot all hold together "
        f"(an irreducible conflicting set from HiGHS): {'; '.join(parts)}{more}. {hint}"
    )


INFEASIBLE_HINT = (
    "Fix: relax one of them, e.g. allow more hires or a larger workforce, more overtime "
    "or subcontracting, a backlog at the end, or a lower minimum final inventory."
)


def plan_network(
    data: NetworkPlanInput,
    *,
    solver: LpSolver = LpSolver.SIMPLEX,
    time_limit_seconds: float | None = None,
    mip_rel_gap: float | None = None,
) -> NetworkPlan:
    """Solve the multi-family, multi-site plan at least total cost.

    Raises :class:`PlanInfeasibleError` (an ``InfeasibleError``) naming an irreducible
    set of conflicting constraints when no plan exists, and ``InfeasibleError`` when
    the solver stops without any plan (time limit with no incumbent, numerical error).
    """
    start = time.perf_counter()
    model = build_network_lp(data)
    build_seconds = time.perf_counter() - start
    sol = solve_lp(
        model.lp, solver=solver, time_limit_seconds=time_limit_seconds, mip_rel_gap=mip_rel_gap
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
    v = model.vars
    x = sol.x
    clean = np.where(np.abs(x) < 1e-9, 0.0, x)
    # A MIP's integer columns come back within the integrality tolerance; round them.
    clean[model.lp.integer] = np.round(clean[model.lp.integer])

    def take(idx: NDArray[np.int64]) -> FloatArray:
        out: FloatArray = clean[idx]
        return out

    parts = {
        "P": take(v.production),
        "C": take(v.subcontract),
        "I": take(v.inventory),
        "B": take(v.backlog),
        "W": take(v.workforce),
        "H": take(v.hires),
        "L": take(v.layoffs),
        "O": take(v.overtime),
        "X": take(v.transport),
    }
    breakdown = _cost_breakdown(data, parts)
    duals: PlanDuals | None = None
    if sol.has_duals:
        y = np.where(np.abs(sol.row_dual) < 1e-9, 0.0, sol.row_dual)
        r = model.rows
        # HiGHS duals are d(objective)/d(row bound): more demand costs, more capacity saves.
        duals = PlanDuals(
            demand=y[r.balance],
            hour=0.0 - y[r.capacity],
            worker=0.0 - y[r.workforce],
            overtime_hour=0.0 - y[r.overtime],
            final_inventory=y[r.final_inventory],
        )
    lp = model.lp
    size: dict[str, Any] = {"columns": lp.num_cols, "rows": lp.num_rows, "nonzeros": lp.matrix.nnz}
    return NetworkPlan(
        status=sol.status,
        total_cost=float(sum(breakdown.values())),
        cost_breakdown=MappingProxyType(breakdown),
        production=parts["P"],
        subcontracted=parts["C"],
        inventory=parts["I"],
        backlog=parts["B"],
        workforce=parts["W"],
        hired=parts["H"],
        laid_off=parts["L"],
        overtime_hours=parts["O"],
        shipped=parts["X"],
        duals=duals,
        binding=_binding(model, sol),
        solver=solver,
        build_seconds=build_seconds,
        solve_seconds=sol.solve_seconds,
        iterations=sol.iterations,
        mip_gap=sol.mip_gap,
        model_size=MappingProxyType(size),
    )
