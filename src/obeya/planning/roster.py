"""Staff roster with OR-Tools CP-SAT: who works which shift on which day.

Given the staff required in every hour of a horizon of days, shift templates, the
staff (cost, weekly hours cap, availability) and labour rules, choose at most one
shift per person per day to cover the requirement at least cost::

    x[s,d,k] = 1  if person s works template k starting on day d
    y[d,k]   = sum_s x[s,d,k]                          (people on each shift)
    sum_{(d,k) covering hour h} y[d,k] + short[h] >= required[h]      for every hour h
    sum_k x[s,d,k] <= 1                                  one shift a day
    sum_{d in week w, k} length[k] x[s,d,k] <= max_hours[s]          every week
    sum_{d in week w} work[s,d] <= 7 - min_days_off      every full week
    sum_{d..d+m} work[s,d] <= m                          m = max consecutive days
    x[s,d,k] + x[s,d+j,k'] <= 1  when the rest between the two shifts < min_rest
    min  sum cost[s,k] x[s,d,k] + penalty x short[h]     (short = 0 when coverage is hard)

A shift belongs to the day it starts on and may run past midnight; hours past the
horizon's end are not counted. Weeks are days 0-6, 7-13, ... of the horizon; nothing
is assumed about the days before it. Costs are scaled to cents for CP-SAT, which
needs integers. The result carries the solver status, best bound and gap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from ortools.sat.python import cp_model

from obeya.errors import InfeasibleError, SpecError

__all__ = [
    "CoverageMode",
    "LabourRules",
    "RosterProblem",
    "RosterResult",
    "RosterStatus",
    "ShiftTemplate",
    "StaffMember",
    "solve_roster",
]

COST_SCALE: Final = 100  # CP-SAT works in integers: costs are rounded to cents
HOURS: Final = 24


class CoverageMode(StrEnum):
    """Whether the requirement may be missed (at a penalty) or must be met."""

    SOFT = "soft"
    HARD = "hard"


class RosterStatus(StrEnum):
    """CP-SAT's verdict: proven optimal, or the best roster found in the time limit."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"


@dataclass(frozen=True, slots=True)
class ShiftTemplate:
    """A shift that starts at ``start_hour`` (0-23) and lasts ``length_hours`` (1-24)."""

    name: str
    start_hour: int
    length_hours: int
    cost_per_hour: float = 0.0
    cost_per_shift: float = 0.0

    def __post_init__(self) -> None:
        if not 0 <= self.start_hour < HOURS or not 1 <= self.length_hours <= HOURS:
            raise SpecError(
                f"shift {self.name!r}: start_hour {self.start_hour} must be 0-23 and "
                f"length_hours {self.length_hours} must be 1-24"
            )
        if self.cost_per_hour < 0 or self.cost_per_shift < 0:
            raise SpecError(f"shift {self.name!r}: costs must be >= 0")


@dataclass(frozen=True, slots=True)
class StaffMember:
    """A person: hourly cost, own weekly cap, days they cannot work, shifts they may work.

    ``shifts`` is ``None`` when every template is allowed.
    """

    staff_id: str
    cost_per_hour: float = 0.0
    max_hours_per_week: int | None = None
    unavailable_days: frozenset[int] = frozenset()
    shifts: frozenset[str] | None = None

    def __post_init__(self) -> None:
        if self.cost_per_hour < 0:
            raise SpecError(f"staff {self.staff_id!r}: cost_per_hour must be >= 0")
        if self.max_hours_per_week is not None and self.max_hours_per_week < 0:
            raise SpecError(f"staff {self.staff_id!r}: max_hours_per_week must be >= 0")


@dataclass(frozen=True, slots=True)
class LabourRules:
    """Rules every person's roster must keep."""

    max_hours_per_week: int = 40
    min_rest_hours: int = 11
    min_days_off_per_week: int = 2
    max_consecutive_days: int = 6

    def __post_init__(self) -> None:
        if (
            self.max_hours_per_week < 0
            or self.min_rest_hours < 0
            or not 0 <= self.min_days_off_per_week <= 7
            or self.max_consecutive_days < 1
        ):
            raise SpecError(
                f"labour rules {self}: hours and rest must be >= 0, days off per week 0-7, "
                "max consecutive days >= 1"
            )


@dataclass(frozen=True)
class RosterProblem:
    """Requirement (days x 24 whole people per hour), shifts, staff, rules, penalty."""

    required: NDArray[np.int64]
    shifts: tuple[ShiftTemplate, ...]
    staff: tuple[StaffMember, ...]
    rules: LabourRules = field(default_factory=LabourRules)
    understaffing_penalty_per_hour: float = 1000.0
    coverage: CoverageMode = CoverageMode.SOFT

    def __init__(
        self,
        required: ArrayLike,
        shifts: Sequence[ShiftTemplate],
        staff: Sequence[StaffMember],
        rules: LabourRules | None = None,
        understaffing_penalty_per_hour: float = 1000.0,
        coverage: CoverageMode = CoverageMode.SOFT,
    ) -> None:
        req = np.asarray(required)
        if req.ndim != 2 or req.shape[1] != HOURS or req.shape[0] == 0:
            raise SpecError(
                f"required has shape {req.shape}; give one row of 24 hourly staff counts per day"
            )
        if not np.all(np.isfinite(req)) or (req < 0).any() or not np.all(req == np.round(req)):
            raise SpecError("required must hold whole numbers of people >= 0")
        names = [s.name for s in shifts]
        ids = [s.staff_id for s in staff]
        if not shifts or len(set(names)) != len(names):
            raise SpecError(f"give at least one shift template, with unique names; got {names}")
        if len(set(ids)) != len(ids):
            raise SpecError("staff ids must be unique")
        for person in staff:
            unknown = (person.shifts or frozenset()) - set(names)
            if unknown:
                raise SpecError(
                    f"staff {person.staff_id!r} may work unknown shift(s) {sorted(unknown)}; "
                    f"templates are {names}"
                )
        if understaffing_penalty_per_hour < 0:
            raise SpecError("understaffing_penalty_per_hour must be >= 0")
        set_ = object.__setattr__
        set_(self, "required", req.astype(np.int64))
        set_(self, "shifts", tuple(shifts))
        set_(self, "staff", tuple(staff))
        set_(self, "rules", rules or LabourRules())
        set_(self, "understaffing_penalty_per_hour", float(understaffing_penalty_per_hour))
        set_(self, "coverage", CoverageMode(coverage))

    @property
    def days(self) -> int:
        return int(self.required.shape[0])

    def allowed(self) -> NDArray[np.bool_]:
        """(staff, day, shift) mask of assignments availability and skills allow."""
        mask = np.ones((len(self.staff), self.days, len(self.shifts)), dtype=bool)
        names = [k.name for k in self.shifts]
        for s, person in enumerate(self.staff):
            off = [d for d in person.unavailable_days if 0 <= d < self.days]
            mask[s, off, :] = False
            if person.shifts is not None:
                mask[s, :, [n not in person.shifts for n in names]] = False
        return mask

    def shift_costs(self) -> NDArray[np.float64]:
        """(staff, shift) cost of one shift."""
        rate = np.array([p.cost_per_hour for p in self.staff])[:, None]
        length = np.array([k.length_hours for k in self.shifts], dtype=float)[None, :]
        per_hour = np.array([k.cost_per_hour for k in self.shifts])[None, :]
        fixed = np.array([k.cost_per_shift for k in self.shifts])[None, :]
        out: NDArray[np.float64] = length * (rate + per_hour) + fixed
        return out

    def max_hours(self) -> NDArray[np.int64]:
        return np.array(
            [
                self.rules.max_hours_per_week
                if p.max_hours_per_week is None
                else p.max_hours_per_week
                for p in self.staff
            ],
            dtype=np.int64,
        )

    def rest_conflicts(self) -> list[tuple[int, int, int]]:
        """(k, gap_days, k2): a shift k then k2 ``gap_days`` later leaves too little rest."""
        rest = self.rules.min_rest_hours
        out: list[tuple[int, int, int]] = []
        longest = max(k.start_hour + k.length_hours for k in self.shifts)
        max_gap = (longest + rest) // HOURS + 1
        for i, a in enumerate(self.shifts):
            end = a.start_hour + a.length_hours
            for j, b in enumerate(self.shifts):
                out.extend(
                    (i, gap, j)
                    for gap in range(1, max_gap + 1)
                    if gap * HOURS + b.start_hour - end < rest
                )
        return out

    def cover(self) -> NDArray[np.bool_]:
        """(day, shift, horizon hour) mask: which absolute hours each shift start covers."""
        n_hours = self.days * HOURS
        start = np.arange(self.days)[:, None] * HOURS + np.array(
            [k.start_hour for k in self.shifts]
        )
        length = np.array([k.length_hours for k in self.shifts])
        t = np.arange(n_hours)[None, None, :]
        out: NDArray[np.bool_] = (t >= start[:, :, None]) & (t < (start + length)[:, :, None])
        return out


@dataclass(frozen=True)
class RosterResult:
    """The roster found, how well it covers the requirement, and what it costs.

    ``assignments``: staff_id, day, shift, start_hour, length_hours, cost.
    ``coverage``: day, hour, required, scheduled, short, over.
    ``gap`` is (objective - best bound) / objective: 0 when proven optimal.
    """

    status: RosterStatus
    labour_cost: float
    shortage_hours: int
    penalty_cost: float
    objective: float
    best_bound: float
    gap: float
    wall_seconds: float
    assignments: pd.DataFrame
    coverage: pd.DataFrame
    staff_ids: tuple[str, ...]
    days: int

    def roster(self) -> pd.DataFrame:
        """Staff x day grid of shift names ("" = day off)."""
        grid = np.full((len(self.staff_ids), self.days), "", dtype=object)
        position = {sid: i for i, sid in enumerate(self.staff_ids)}
        a = self.assignments
        rows = a["staff_id"].map(position).to_numpy(dtype=np.int64)
        grid[rows, a["day"].to_numpy(dtype=np.int64)] = a["shift"].to_numpy()
        return pd.DataFrame(
            grid, index=pd.Index(self.staff_ids, name="staff_id"), columns=range(self.days)
        )


def _build(
    problem: RosterProblem,
) -> tuple[cp_model.CpModel, NDArray[np.object_], NDArray[np.float64]]:
    """The CP-SAT model of the module docstring; x[s, d, k] is None where not allowed."""
    model = cp_model.CpModel()
    total = cp_model.LinearExpr.sum
    weighted = cp_model.LinearExpr.weighted_sum
    rules = problem.rules
    allowed = problem.allowed()
    n_staff, n_days, n_shift = allowed.shape
    x = np.full(allowed.shape, None, dtype=object)
    for s, d, k in zip(*np.nonzero(allowed), strict=True):
        x[s, d, k] = model.new_bool_var(f"x_{s}_{d}_{k}")
    length = [k.length_hours for k in problem.shifts]
    max_hours = problem.max_hours()
    conflicts = problem.rest_conflicts()
    m = rules.max_consecutive_days
    for s in range(n_staff):
        work = [[v for v in x[s, d] if v is not None] for d in range(n_days)]
        for shifts_today in work:
            if len(shifts_today) > 1:
                model.add_at_most_one(shifts_today)
        for w0 in range(0, n_days, 7):
            days = range(w0, min(w0 + 7, n_days))
            pairs = [
                (x[s, d, k], length[k])
                for d in days
                for k in range(n_shift)
                if x[s, d, k] is not None
            ]
            if sum(c for _, c in pairs) > max_hours[s]:
                model.add(
                    weighted([v for v, _ in pairs], [c for _, c in pairs]) <= int(max_hours[s])
                )
            if len(days) == 7 and rules.min_days_off_per_week > 0:
                week = [v for d in days for v in work[d]]
                if len(week) > 7 - rules.min_days_off_per_week:
                    model.add(total(week) <= 7 - rules.min_days_off_per_week)
        for d0 in range(n_days - m):
            window = [v for d in range(d0, d0 + m + 1) for v in work[d]]
            if len(window) > m:
                model.add(total(window) <= m)
        for k, gap, k2 in conflicts:
            for d in range(n_days - gap):
                a, b = x[s, d, k], x[s, d + gap, k2]
                if a is not None and b is not None:
                    model.add_bool_or([a.Not(), b.Not()])
    cover = problem.cover()
    y = np.full((n_days, n_shift), None, dtype=object)
    for d in range(n_days):
        for k in range(n_shift):
            column = [v for v in x[:, d, k] if v is not None]
            if column:
                y[d, k] = model.new_int_var(0, len(column), f"y_{d}_{k}")
                model.add(y[d, k] == total(column))
    required = problem.required.ravel()
    soft = problem.coverage is CoverageMode.SOFT
    penalty = round(problem.understaffing_penalty_per_hour * COST_SCALE)
    short_vars = []
    for h in np.flatnonzero(required > 0):
        terms = [
            y[d, k] for d, k in zip(*np.nonzero(cover[:, :, h]), strict=True) if y[d, k] is not None
        ]
        if soft:
            short = model.new_int_var(0, int(required[h]), f"short_{h}")
            short_vars.append(short)
            model.add(total([*terms, short]) >= int(required[h]))
        else:
            model.add(total(terms) >= int(required[h]))
    cost = problem.shift_costs()
    scaled = np.rint(cost * COST_SCALE).astype(np.int64)
    s_idx, d_idx, k_idx = np.nonzero(allowed)
    coefficients = scaled[s_idx, k_idx]
    model.minimize(
        weighted(
            [*x[s_idx, d_idx, k_idx].tolist(), *short_vars],
            [*coefficients.tolist(), *([penalty] * len(short_vars))],
        )
    )
    return model, x, cost


def solve_roster(
    problem: RosterProblem,
    *,
    time_limit_seconds: float = 10.0,
    num_workers: int = 2,
    random_seed: int = 0,
) -> RosterResult:
    """Roster ``problem`` with CP-SAT within the time limit on ``num_workers`` threads.

    Raises :class:`~obeya.errors.InfeasibleError` when hard coverage cannot be met
    (naming hours no one can cover, if any) or when no roster is found in time.
    """
    model, x, cost = _build(problem)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit_seconds)
    solver.parameters.num_workers = int(num_workers)
    solver.parameters.random_seed = int(random_seed)
    code = solver.solve(model)
    if code == cp_model.INFEASIBLE:
        raise InfeasibleError(_why_infeasible(problem))
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise InfeasibleError(
            f"no roster found: CP-SAT stopped with status {solver.status_name(code)} after "
            f"{solver.wall_time:.1f} s. Fix: raise time_limit_seconds, or use coverage='soft'."
        )
    status = RosterStatus.OPTIMAL if code == cp_model.OPTIMAL else RosterStatus.FEASIBLE
    n_staff, n_days, _ = x.shape
    chosen = np.array(
        [
            [[v is not None and solver.boolean_value(v) for v in x[s, d]] for d in range(n_days)]
            for s in range(n_staff)
        ],
        dtype=bool,
    ).reshape(x.shape)
    s_idx, d_idx, k_idx = np.nonzero(chosen)
    shifts = problem.shifts
    assignments = pd.DataFrame(
        {
            "staff_id": np.array([p.staff_id for p in problem.staff], dtype=object)[s_idx],
            "day": d_idx.astype(np.int64),
            "shift": np.array([k.name for k in shifts], dtype=object)[k_idx],
            "start_hour": np.array([k.start_hour for k in shifts], dtype=np.int64)[k_idx],
            "length_hours": np.array([k.length_hours for k in shifts], dtype=np.int64)[k_idx],
            "cost": cost[s_idx, k_idx],
        }
    )
    coverage = coverage_table(problem, assignments)
    shortage = int(coverage["short"].sum()) if problem.coverage is CoverageMode.SOFT else 0
    objective = solver.objective_value / COST_SCALE
    bound = solver.best_objective_bound / COST_SCALE
    gap = (
        0.0
        if status is RosterStatus.OPTIMAL
        else abs(objective - bound) / max(abs(objective), 1e-9)
    )
    return RosterResult(
        status=status,
        labour_cost=float(assignments["cost"].sum()),
        shortage_hours=shortage,
        penalty_cost=shortage * problem.understaffing_penalty_per_hour,
        objective=objective,
        best_bound=bound,
        gap=gap,
        wall_seconds=float(solver.wall_time),
        assignments=assignments,
        coverage=coverage,
        staff_ids=tuple(p.staff_id for p in problem.staff),
        days=n_days,
    )


def coverage_table(problem: RosterProblem, assignments: pd.DataFrame) -> pd.DataFrame:
    """Required vs scheduled people for every hour of the horizon."""
    n_hours = problem.days * HOURS
    start = assignments["day"].to_numpy() * HOURS + assignments["start_hour"].to_numpy()
    length = assignments["length_hours"].to_numpy()
    # +1 at each shift start and -1 at its end, then a running sum over the horizon.
    delta = np.zeros(n_hours + 2 * HOURS + 1, dtype=np.int64)
    np.add.at(delta, start, 1)
    np.add.at(delta, start + length, -1)
    scheduled = np.cumsum(delta)[:n_hours]
    required = problem.required.ravel()
    hours = np.arange(n_hours)
    return pd.DataFrame(
        {
            "day": hours // HOURS,
            "hour": hours % HOURS,
            "required": required,
            "scheduled": scheduled,
            "short": np.maximum(required - scheduled, 0),
            "over": np.maximum(scheduled - required, 0),
        }
    )


def _why_infeasible(problem: RosterProblem) -> str:
    """Hours whose requirement exceeds everyone who could possibly be there."""
    allowed = problem.allowed()
    cover = problem.cover()
    # Staff who could be on duty in hour h: some allowed (day, shift) of theirs covers h.
    possible = np.einsum("sdk,dkh->sh", allowed.astype(np.int64), cover.astype(np.int64)) > 0
    reach = possible.sum(axis=0)
    required = problem.required.ravel()
    bad = np.flatnonzero(required > reach)
    if bad.size:
        shown = ", ".join(
            f"day {h // HOURS} {h % HOURS:02d}:00 needs {required[h]} but at most {reach[h]} can be there"
            for h in bad[:5]
        )
        more = f" (and {bad.size - 5} more hours)" if bad.size > 5 else ""
        return (
            f"the requirement cannot be covered: {shown}{more}. Fix: add staff or shifts covering "
            "those hours, or use coverage='soft' to see the best partial roster."
        )
    return (
        "the requirement cannot be covered within the labour rules (weekly hours, rest, days "
        "off, consecutive days) with these staff. Fix: add staff, relax a rule, or use "
        "coverage='soft' to see where the shortfall falls."
    )
