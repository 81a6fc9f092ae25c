"""Benchmarks of the planning engines; prints figures and ratios, asserts nothing.

    uv run python bench/bench_planning.py [--quick]

1. Aggregate plan, 20 families x 6 sites x 52 weeks with transport between every pair
   of sites: LP build time (arrays -> CSC -> HighsLp) and solve time with simplex and
   with the interior point method, medians of 3 runs (target: under 10 s in all).
   Baseline: the same model built the scalar way, one coefficient per Python step and
   one highspy ``addVar``/``addRow`` call per column/row, on a 2-family instance and
   scaled by the number of nonzeros; the ratio to the array build is printed, and so
   is the ratio measured at the small size itself.
2. Roster, 200 staff over 4 weeks with requirement from Erlang C: CP-SAT on 2 workers
   with a 55 s limit (target: under 60 s); prints the status, bound and gap.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from highspy._core import _Highs

from obeya.planning import (
    LabourRules,
    LpSolver,
    NetworkPlanInput,
    RosterProblem,
    ShiftTemplate,
    StaffMember,
    build_network_lp,
    check_roster,
    erlang_c_staffing,
    solve_lp,
    solve_roster,
)


def median_time(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def network(families: int, sites: int, weeks: int, seed: int = 7) -> NetworkPlanInput:
    rng = np.random.default_rng(seed)
    season = 1 + 0.3 * np.sin(np.arange(weeks) / weeks * 2 * np.pi)
    base = rng.uniform(200, 1200, size=(families, sites, 1))
    demand = np.round(
        base * season[None, None, :] * rng.uniform(0.8, 1.2, size=(families, sites, weeks))
    )
    origin, dest = np.nonzero(~np.eye(sites, dtype=bool))
    hpu = rng.uniform(0.5, 3.0, size=(families, sites))
    return NetworkPlanInput(
        families=tuple(f"F{i:02d}" for i in range(families)),
        sites=tuple(f"S{i}" for i in range(sites)),
        periods=tuple(f"W{i + 1:02d}" for i in range(weeks)),
        demand=demand,
        hours_per_unit=hpu,
        initial_workforce=(demand[:, :, 0] * hpu).sum(axis=0) / 40 * 0.9,
        regular_hours_per_worker=40,
        max_overtime_hours_per_worker=8,
        material_cost=rng.uniform(5, 20, size=(families, 1)),
        holding_cost=rng.uniform(0.1, 0.5, size=(families, 1)),
        backlog_cost=rng.uniform(2, 6, size=(families, 1)),
        subcontract_cost=rng.uniform(40, 80, size=(families, 1)),
        hire_cost=800,
        layoff_cost=1200,
        regular_rate=rng.uniform(18, 30, size=sites),
        overtime_rate=rng.uniform(27, 45, size=sites),
        initial_inventory=base[:, :, 0],
        min_final_inventory=base[:, :, 0] / 2,
        max_layoffs_per_period=5,
        lane_origin=origin,
        lane_destination=dest,
        lane_cost=rng.uniform(0.5, 3.0, size=origin.size),
    )


def scalar_build(data: NetworkPlanInput) -> _Highs:
    """The same LP, built the scalar way: a Python step per coefficient, one highspy
    call per column and per row. Column and row order match build_network_lp."""
    fam, sites, per = len(data.families), len(data.sites), len(data.periods)
    origin, dest = data.lanes
    lanes = origin.size
    a = data.values
    inf = float("inf")
    h = _Highs()
    h.setOptionValue("output_flag", False)
    col = 0
    index: dict[tuple[Any, ...], int] = {}
    costs: list[float] = []
    uppers: list[float] = []

    def var(key: tuple[Any, ...], cost: float, upper: float = inf) -> None:
        nonlocal col
        index[key] = col
        costs.append(cost)
        uppers.append(upper)
        col += 1

    for name, cost_name, upper_name in (
        ("P", "material_cost", None),
        ("C", "subcontract_cost", "max_subcontract_units"),
        ("I", "holding_cost", None),
        ("B", "backlog_cost", None),
    ):
        for f in range(fam):
            for s in range(sites):
                for t in range(per):
                    upper = inf if upper_name is None else float(a(upper_name)[f, s])
                    var((name, f, s, t), float(a(cost_name)[f, s]), upper)
    for name in ("W", "H", "L", "O"):
        for s in range(sites):
            for t in range(per):
                cost = {
                    "W": float(a("regular_rate")[s] * a("regular_hours_per_worker")[s]),
                    "H": float(a("hire_cost")[s]),
                    "L": float(a("layoff_cost")[s]),
                    "O": float(a("overtime_rate")[s]),
                }[name]
                upper = {
                    "W": float(a("max_workforce")[s]),
                    "H": float(a("max_hires_per_period")[s]),
                    "L": float(a("max_layoffs_per_period")[s]),
                    "O": inf,
                }[name]
                var((name, s, t), cost, upper)
    for f in range(fam):
        for k in range(lanes):
            for t in range(per):
                var(("X", f, k, t), float(a("lane_cost")[k]))
    for j in range(col):
        h.addVar(0.0, uppers[j])
        h.changeColCost(j, costs[j])

    def row(lower: float, upper: float, terms: list[tuple[int, float]]) -> None:
        idx = np.array([c for c, _ in terms], dtype=np.int32)
        val = np.array([v for _, v in terms], dtype=np.float64)
        h.addRow(lower, upper, len(terms), idx, val)

    for f in range(fam):
        for s in range(sites):
            for t in range(per):
                terms = [(index[("P", f, s, t)], 1.0), (index[("C", f, s, t)], 1.0)]
                terms += [(index[("I", f, s, t)], -1.0), (index[("B", f, s, t)], 1.0)]
                rhs = float(a("demand")[f, s, t])
                if t > 0:
                    terms += [(index[("I", f, s, t - 1)], 1.0), (index[("B", f, s, t - 1)], -1.0)]
                else:
                    rhs -= float(a("initial_inventory")[f, s] - a("initial_backlog")[f, s])
                for k in range(lanes):
                    if dest[k] == s:
                        terms.append((index[("X", f, k, t)], 1.0))
                    if origin[k] == s:
                        terms.append((index[("X", f, k, t)], -1.0))
                row(rhs, rhs, terms)
    for s in range(sites):
        for t in range(per):
            terms = [
                (index[("W", s, t)], 1.0),
                (index[("H", s, t)], -1.0),
                (index[("L", s, t)], 1.0),
            ]
            if t > 0:
                terms.append((index[("W", s, t - 1)], -1.0))
            rhs = float(a("initial_workforce")[s]) if t == 0 else 0.0
            row(rhs, rhs, terms)
    for s in range(sites):
        for t in range(per):
            terms = [(index[("P", f, s, t)], float(a("hours_per_unit")[f, s])) for f in range(fam)]
            terms += [
                (index[("O", s, t)], -1.0),
                (index[("W", s, t)], -float(a("regular_hours_per_worker")[s])),
            ]
            row(-inf, 0.0, terms)
    for s in range(sites):
        for t in range(per):
            cap = -float(a("max_overtime_hours_per_worker")[s])
            row(-inf, 0.0, [(index[("O", s, t)], 1.0), (index[("W", s, t)], cap)])
    for f in range(fam):
        for s in range(sites):
            row(float(a("min_final_inventory")[f, s]), inf, [(index[("I", f, s, per - 1)], 1.0)])
    for f in range(fam):
        for s in range(sites):
            row(-inf, float(a("max_final_backlog")[f, s]), [(index[("B", f, s, per - 1)], 1.0)])
    return h


def array_build(data: NetworkPlanInput) -> _Highs:
    """build_network_lp and hand the CSC arrays to HiGHS in one passModel."""
    model = build_network_lp(data)
    h = _Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(model.lp.to_highs())
    return h


def bench_lp(runs: int) -> None:
    full = network(20, 6, 52)
    small = network(2, 6, 52)
    print("== aggregate plan LP: 20 families x 6 sites x 52 weeks, 30 lanes ==")
    build_s, model = median_time(lambda: build_network_lp(full), runs)
    lp = model.lp
    print(f"model: {lp.num_cols:,} columns, {lp.num_rows:,} rows, {lp.matrix.nnz:,} nonzeros")
    print(f"build (arrays -> CSC):                 {build_s * 1000:8.1f} ms  (median of {runs})")
    pass_s, _ = median_time(lambda: array_build(full), runs)
    print(f"build + passModel into HiGHS:          {pass_s * 1000:8.1f} ms")
    objectives = {}
    for solver in LpSolver:
        secs, sol = median_time(lambda s=solver: solve_lp(lp, solver=s), runs)
        objectives[solver] = sol.objective
        print(
            f"solve {solver.value:<8} {sol.status.value:<9} objective {sol.objective:,.2f}  "
            f"{secs:6.2f} s  ({sol.iterations:,} iterations, median of {runs})"
        )
        print(f"   build + solve: {build_s + secs:6.2f} s (target < 10 s)")
    gap = abs(objectives[LpSolver.SIMPLEX] - objectives[LpSolver.IPM])
    print(f"simplex vs IPM objective difference: {gap:.3g}")

    small_model = build_network_lp(small)
    small_nnz = small_model.lp.matrix.nnz
    scalar_s, h_scalar = median_time(lambda: scalar_build(small), runs)
    array_small_s, _ = median_time(lambda: array_build(small), runs)
    h_scalar.run()
    check = solve_lp(small_model.lp).objective
    same = abs(h_scalar.getInfo().objective_function_value - check) <= 1e-6 * max(1.0, abs(check))
    print(
        "-- baseline: scalar build (one Python step per coefficient, addVar/addRow per column/row)"
    )
    print(
        f"2 families ({small_nnz:,} nonzeros): scalar {scalar_s * 1000:8.1f} ms, arrays {array_small_s * 1000:6.1f} ms, "
        f"ratio {scalar_s / array_small_s:5.1f}x; same optimum: {same}"
    )
    scaled = scalar_s * lp.matrix.nnz / small_nnz
    print(f"scalar build scaled to 20 families:    {scaled * 1000:8.1f} ms (by nonzeros)")
    direct_s, _ = median_time(lambda: scalar_build(full), runs)
    print(f"scalar build measured at 20 families:  {direct_s * 1000:8.1f} ms")
    print(
        f"array build + passModel:               {pass_s * 1000:8.1f} ms  -> "
        f"{scaled / pass_s:5.1f}x faster than scaled, {direct_s / pass_s:5.1f}x than measured"
    )


def bench_roster(time_limit: float) -> None:
    days, n_staff = 28, 200
    print(
        f"== roster: {n_staff} staff x {days} days x 24 h, CP-SAT 2 workers, limit {time_limit:.0f} s =="
    )
    hour = np.arange(24)
    curve = np.exp(-((hour - 11) ** 2) / 18) + 0.8 * np.exp(-((hour - 17) ** 2) / 10) + 0.05
    weekday = np.array([1.0, 1.0, 1.0, 1.0, 0.9, 0.5, 0.3])
    arrivals = 420 * curve[None, :] * np.tile(weekday, 4)[:, None]
    required = erlang_c_staffing(arrivals.ravel(), 300, 0.8, 20).reshape(days, 24)
    rng = np.random.default_rng(3)
    shifts = [
        ShiftTemplate("early", 6, 8),
        ShiftTemplate("day", 9, 8),
        ShiftTemplate("mid", 12, 8),
        ShiftTemplate("late", 15, 8),
        ShiftTemplate("night", 22, 8, cost_per_hour=4),
    ]
    staff = [
        StaffMember(
            f"E{i:03d}",
            cost_per_hour=float(rng.choice([18, 20, 22, 25])),
            unavailable_days=frozenset(rng.choice(days, size=2, replace=False).tolist()),
        )
        for i in range(n_staff)
    ]
    rules = LabourRules(
        max_hours_per_week=40, min_rest_hours=11, min_days_off_per_week=2, max_consecutive_days=5
    )
    problem = RosterProblem(required, shifts, staff, rules, understaffing_penalty_per_hour=200)
    print(f"requirement: {int(required.sum()):,} staff-hours, peak {int(required.max())} people")
    t0 = time.perf_counter()
    result = solve_roster(problem, time_limit_seconds=time_limit, num_workers=2)
    total = time.perf_counter() - t0
    violations = check_roster(problem, result.assignments)
    print(
        f"status {result.status.value}; objective {result.objective:,.2f}; bound {result.best_bound:,.2f}; "
        f"gap {result.gap:.3%}"
    )
    print(
        f"labour {result.labour_cost:,.2f}; short {result.shortage_hours} staff-hours; "
        f"{len(result.assignments):,} shifts; rule violations found by the checker: {len(violations)}"
    )
    print(
        f"solver wall {result.wall_seconds:.1f} s; build + solve + extract {total:.1f} s (target < 60 s)"
    )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1 run each and a 10 s roster")
    args = parser.parse_args(argv)
    bench_lp(1 if args.quick else 3)
    bench_roster(10.0 if args.quick else 55.0)


if __name__ == "__main__":
    main(sys.argv[1:])
