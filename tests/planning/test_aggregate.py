"""Aggregate (S&OP) plan: a published case, cases worked by hand, infeasibility,
shadow prices, and properties of the optimum."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from obeya.errors import InfeasibleError
from obeya.planning import (
    AggregateSpec,
    ConstraintKind,
    CostComponent,
    LpSolver,
    PlanDecisions,
    PlanInfeasibleError,
    SolveStatus,
    chase_plan,
    evaluate_plan,
    level_plan,
    parse_aggregate_spec,
    plan_aggregate,
)

COSTS = {
    "material_per_unit": 12,
    "holding_per_unit": 1.5,
    "backlog_per_unit": 6,
    "hire_per_worker": 400,
    "layoff_per_worker": 600,
    "regular_per_hour": 5,
    "overtime_per_hour": 7.5,
    "subcontract_per_unit": 35,
}


def spec(**overrides: Any) -> AggregateSpec:
    doc: dict[str, Any] = {
        "periods": 1,
        "demand": [0],
        "initial_workforce": 10,
        "hours_per_unit": 1,
        "regular_hours_per_worker": 100,
        "costs": dict(COSTS),
    }
    doc.update(overrides)
    return parse_aggregate_spec(doc)


def red_tomato(**overrides: Any) -> AggregateSpec:
    """Chopra & Meindl, *Supply Chain Management: Strategy, Planning, and Operation*,
    ch. 8 "Aggregate Planning in a Supply Chain", the Red Tomato Tools example:
    regular labour $4/h for 8 h x 20 days = $640 per worker-month paid to every
    worker, 4 h per unit, overtime at most 10 h per worker-month at $6/h."""
    doc: dict[str, Any] = {
        "periods": 6,
        "period_labels": ["Jan", "Feb", "Mar", "Apr", "May", "Jun"],
        "demand": [1600, 3000, 3200, 3800, 2200, 2200],
        "initial_workforce": 80,
        "initial_inventory": 1000,
        "initial_backlog": 0,
        "min_final_inventory": 500,
        "max_final_backlog": 0,
        "hours_per_unit": 4,
        "regular_hours_per_worker": 160,
        "max_overtime_hours_per_worker": 10,
        "max_subcontract_units": None,
        "costs": {
            "material_per_unit": 10,
            "holding_per_unit": 2,
            "backlog_per_unit": 5,
            "hire_per_worker": 300,
            "layoff_per_worker": 500,
            "regular_per_hour": 4,
            "overtime_per_hour": 6,
            "subcontract_per_unit": 30,
        },
    }
    doc.update(overrides)
    return parse_aggregate_spec(doc)


def decisions(plan: Any) -> PlanDecisions:
    return PlanDecisions.of(
        [p.workforce for p in plan.periods],
        [p.overtime_hours for p in plan.periods],
        [p.production for p in plan.periods],
        [p.subcontracted for p in plan.periods],
    )


# --- the published case --------------------------------------------------------------


@pytest.mark.parametrize("solver", list(LpSolver))
def test_red_tomato_optimal_cost_is_the_published_422275(solver: LpSolver) -> None:
    # Chopra & Meindl report the LP optimum of Red Tomato Tools as $422,275.
    plan = plan_aggregate(red_tomato(), solver=solver)
    assert plan.status is SolveStatus.OPTIMAL
    assert plan.total_cost == pytest.approx(422_275, abs=0.01)
    last = plan.periods[-1]
    assert last.inventory == pytest.approx(500, abs=1e-6)
    assert last.backlog == pytest.approx(0, abs=1e-6)
    # Every worker is paid 160 h x $4 = $640 a month: regular labour is 640 x sum(W).
    workers = sum(p.workforce for p in plan.periods)
    assert plan.cost_breakdown[CostComponent.REGULAR_LABOUR] == pytest.approx(640 * workers)
    assert sum(plan.cost_breakdown.values()) == pytest.approx(plan.total_cost)


def test_red_tomato_plan_reprices_to_the_same_cost_by_the_independent_evaluator() -> None:
    s = red_tomato()
    plan = plan_aggregate(s)
    ev = evaluate_plan(s, decisions(plan))
    assert ev.feasible, ev.violations
    assert ev.total_cost == pytest.approx(plan.total_cost, rel=1e-9)
    for comp, value in ev.cost_breakdown.items():
        assert plan.cost_breakdown[comp] == pytest.approx(value, abs=1e-6)
    assert [p.inventory for p in plan.periods] == pytest.approx(ev.inventory.tolist(), abs=1e-6)


def test_red_tomato_with_whole_workers_costs_at_least_the_lp() -> None:
    lp = plan_aggregate(red_tomato())
    mip = plan_aggregate(red_tomato(integer=True), mip_rel_gap=0.0)
    assert all(float(p.workforce).is_integer() for p in mip.periods)
    assert mip.total_cost >= lp.total_cost - 1e-6
    assert mip.shadow_prices == ()  # a MIP has no duals
    assert evaluate_plan(red_tomato(integer=True), decisions(mip)).feasible


# --- cases worked by hand ---------------------------------------------------------------

FIXED_CREW = {"max_hires_per_period": 0, "max_layoffs_per_period": 0}


def test_build_ahead_beats_subcontracting_when_holding_is_cheap() -> None:
    # 10 workers x 100 h, 1 h/unit: 1000 units a period; demand 800 then 1200.
    # The 200 short in period 2 are made in period 1 and held: 200 x (12 + 1.5) = 2700,
    # against subcontracting 200 x 35 = 7000. Cost = material 2000 x 12 = 24000
    # + labour 2 periods x 10 x 100 h x $5 = 10000 + holding 200 x 1.5 = 300 = 34300.
    plan = plan_aggregate(spec(periods=2, demand=[800, 1200], **FIXED_CREW))
    assert plan.total_cost == pytest.approx(34_300)
    assert [p.production for p in plan.periods] == pytest.approx([1000, 1000])
    assert [p.inventory for p in plan.periods] == pytest.approx([200, 0])
    assert plan.cost_breakdown[CostComponent.HOLDING] == pytest.approx(300)


def test_backlog_beats_subcontracting_when_customers_can_wait() -> None:
    # Demand 1200 then 800: 200 units are backlogged one period (200 x 6 = 1200)
    # rather than subcontracted (200 x 35 - 200 x 12 material saved = 4600).
    # Cost = 24000 material + 10000 labour + 1200 backlog = 35200.
    plan = plan_aggregate(spec(periods=2, demand=[1200, 800], **FIXED_CREW))
    assert plan.total_cost == pytest.approx(35_200)
    assert [p.backlog for p in plan.periods] == pytest.approx([200, 0])
    assert [p.subcontracted for p in plan.periods] == pytest.approx([0, 0])


def overtime_case(**overrides: Any) -> AggregateSpec:
    return spec(demand=[600], hours_per_unit=2, max_overtime_hours_per_worker=12, **overrides)


def test_overtime_then_hiring_then_subcontracting_in_order_of_unit_cost() -> None:
    # 10 workers x 100 h = 1000 h = 500 units at 2 h/unit; 600 are needed.
    # Per extra unit: overtime 2 h x 7.5 + 12 = 27; a hire costs 400 + 100 h x 5 = 900
    # for 50 units plus 6 more on its 12 overtime hours: (900 + 6 x 15)/56 + 12 = 29.68;
    # subcontracting 35. So overtime is maxed (O = 12 W) and the rest hired:
    # 2 x 600 = 100 W + 12 W  =>  W = 1200/112 = 75/7.
    # Cost = 500 W + 400 (W - 10) + 7.5 x 12 W + 12 x 600
    #      = 37500/7 + 2000/7 + 6750/7 + 7200 = 46250/7 + 7200 = 13807.142857...
    plan = plan_aggregate(overtime_case())
    assert plan.total_cost == pytest.approx(46_250 / 7 + 7_200)
    (p,) = plan.periods
    assert p.workforce == pytest.approx(75 / 7)
    assert p.overtime_hours == pytest.approx(12 * 75 / 7)
    assert p.subcontracted == pytest.approx(0, abs=1e-9)


def test_whole_workers_round_the_crew_and_use_overtime_for_the_rest() -> None:
    # Integer crew: W = 10 and subcontract 40: 5000 + 6720 + 900 (120 OT h) + 1400 = 14020;
    # W = 11: 5500 + 400 hire + 100 OT h x 7.5 + 7200 = 13850;
    # W = 12: 6000 + 800 + 7200 = 14000.  Best: W = 11 at 13850.
    plan = plan_aggregate(overtime_case(integer=True), mip_rel_gap=0.0)
    assert plan.total_cost == pytest.approx(13_850)
    (p,) = plan.periods
    assert p.workforce == 11
    assert p.overtime_hours == pytest.approx(100)


def test_infeasible_spec_names_the_conflicting_constraints() -> None:
    # 10 workers, no hiring, overtime or subcontracting: 1000 units at most, 1200 due,
    # and no backlog may be left at the end.
    bad = spec(
        demand=[1200],
        max_hires_per_period=0,
        max_subcontract_units=0,
        max_overtime_hours_per_worker=0,
    )
    with pytest.raises(InfeasibleError, match=r"infeasible.*capacity.*final_backlog"):
        plan_aggregate(bad)
    with pytest.raises(PlanInfeasibleError) as info:
        plan_aggregate(bad)
    labels = {c.label for c in info.value.conflicts}
    assert {"capacity", "final_backlog", "balance"} <= labels
    assert "Fix:" in str(info.value)


def test_infeasible_workforce_cap_is_named() -> None:
    # The crew may not exceed 5, so at 100 h each only 500 of 800 units can be made.
    bad = spec(demand=[800], max_workforce=5, max_subcontract_units=0)
    with pytest.raises(PlanInfeasibleError, match=r"workforce <= 5") as info:
        plan_aggregate(bad)
    assert any(c.kind == "variable bound" for c in info.value.conflicts)


# --- shadow prices ------------------------------------------------------------------


def test_shadow_prices_match_finite_differences() -> None:
    base = plan_aggregate(red_tomato())
    prices = {(s.constraint, s.period): s.value for s in base.shadow_prices}
    h = 0.01
    demand = [1600, 3000, 3200, 3800, 2200, 2200]
    for t in range(6):
        bumped = list(demand)
        bumped[t] += h
        cost = plan_aggregate(red_tomato(demand=bumped)).total_cost
        assert (cost - base.total_cost) / h == pytest.approx(
            prices[(ConstraintKind.DEMAND, t + 1)], abs=1e-3
        )
    # One more worker on the books at the start saves worker_value[period 1].
    cost = plan_aggregate(red_tomato(initial_workforce=80 + h)).total_cost
    assert (base.total_cost - cost) / h == pytest.approx(
        prices[(ConstraintKind.WORKER, 1)], abs=1e-3
    )
    cost = plan_aggregate(red_tomato(min_final_inventory=500 + h)).total_cost
    assert (cost - base.total_cost) / h == pytest.approx(
        prices[(ConstraintKind.FINAL_INVENTORY, None)], abs=1e-3
    )


def test_capacity_shadow_price_is_the_hire_route_on_the_hand_case() -> None:
    # In the overtime case each extra hour of capacity saves the marginal cost of an
    # hour, which comes from hiring-with-overtime: (900 + 12 x 7.5)/112 h = 990/112.
    plan = plan_aggregate(overtime_case())
    (hour,) = [s for s in plan.shadow_prices if s.constraint is ConstraintKind.CAPACITY_HOUR]
    assert hour.value == pytest.approx(990 / 112)
    assert hour.binding
    assert "capacity" in plan.binding_constraints


def test_to_dict_has_the_documented_shape() -> None:
    d = plan_aggregate(red_tomato()).to_dict()
    assert d["status"] == "optimal"
    assert d["total_cost"] == pytest.approx(422_275, abs=0.01)
    assert [p["label"] for p in d["periods"]] == ["Jan", "Feb", "Mar", "Apr", "May", "Jun"]
    assert set(d["periods"][0]) >= {
        "production",
        "workforce",
        "hired",
        "laid_off",
        "overtime_hours",
        "subcontracted",
        "inventory",
        "backlog",
    }
    assert set(d["cost_breakdown"]) == {c.value for c in CostComponent}
    assert {s["constraint"] for s in d["shadow_prices"]} == {k.value for k in ConstraintKind}


# --- properties -------------------------------------------------------------------


@st.composite
def specs(draw: st.DrawFn) -> AggregateSpec:
    t = draw(st.integers(1, 5))
    money = st.floats(0.5, 50, allow_nan=False)
    return parse_aggregate_spec(
        {
            "periods": t,
            "demand": draw(st.lists(st.integers(0, 3000), min_size=t, max_size=t)),
            "initial_workforce": draw(st.integers(0, 60)),
            "initial_inventory": draw(st.integers(0, 800)),
            "initial_backlog": draw(st.integers(0, 200)),
            "min_final_inventory": draw(st.integers(0, 400)),
            "hours_per_unit": draw(st.floats(0.5, 5)),
            "regular_hours_per_worker": draw(st.floats(80, 200)),
            "max_overtime_hours_per_worker": draw(st.floats(0, 20)),
            "costs": {
                "material_per_unit": draw(money),
                "holding_per_unit": draw(money),
                "backlog_per_unit": draw(money),
                "hire_per_worker": draw(st.floats(0, 1000)),
                "layoff_per_worker": draw(st.floats(0, 1000)),
                "regular_per_hour": draw(money),
                "overtime_per_hour": draw(money),
                "subcontract_per_unit": draw(st.floats(1, 100)),
            },
        }
    )


PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(specs())
def test_optimum_costs_no_more_than_chase_or_level(s: AggregateSpec) -> None:
    plan = plan_aggregate(s)
    for strategy in (chase_plan(s), level_plan(s)):
        ev = evaluate_plan(s, strategy)
        assert ev.feasible, ev.violations
        assert plan.total_cost <= ev.total_cost * (1 + 1e-7) + 1e-6
    ev = evaluate_plan(s, decisions(plan))
    assert ev.feasible, ev.violations
    assert ev.total_cost == pytest.approx(plan.total_cost, rel=1e-7, abs=1e-6)


@PROPERTY
@given(specs(), st.data())
def test_optimum_costs_no_more_than_any_random_feasible_plan(
    s: AggregateSpec, data: st.DataObject
) -> None:
    t = s.periods
    unit = st.floats(0, 1)
    w = np.array(data.draw(st.lists(st.floats(0, 80), min_size=t, max_size=t)))
    o = (
        w
        * s.max_overtime_hours_per_worker
        * np.array(data.draw(st.lists(unit, min_size=t, max_size=t)))
    )
    cap_units = (s.regular_hours_per_worker * w + o) / s.hours_per_unit
    p = cap_units * np.array(data.draw(st.lists(unit, min_size=t, max_size=t)))
    c = np.array(data.draw(st.lists(st.floats(0, 500), min_size=t, max_size=t)))
    # Top up the last period's subcontracting so the horizon ends on target.
    net_end = s.initial_inventory - s.initial_backlog + float(np.sum(p + c - np.array(s.demand)))
    c[-1] += max(s.min_final_inventory - net_end, 0.0)
    ev = evaluate_plan(s, PlanDecisions.of(w, o, p, c))
    assert ev.feasible, ev.violations
    assert plan_aggregate(s).total_cost <= ev.total_cost * (1 + 1e-9) + 1e-6


@PROPERTY
@given(specs(), st.data())
def test_perturbing_the_optimum_in_a_feasible_direction_does_not_lower_cost(
    s: AggregateSpec, data: st.DataObject
) -> None:
    plan = plan_aggregate(s)
    base = decisions(plan)
    t = data.draw(st.integers(0, s.periods - 1))
    step = data.draw(st.sampled_from([0.5, 1.0, 5.0]))
    kind = data.draw(st.sampled_from(["hire", "layoff", "overtime", "make", "subcontract"]))
    w, o, p, c = (
        a.copy() for a in (base.workforce, base.overtime_hours, base.production, base.subcontracted)
    )
    match kind:
        case "hire":
            w[t:] += step
        case "layoff":
            w[t:] = np.maximum(w[t:] - step, 0)
        case "overtime":
            o[t] += step
        case "make":
            p[t] += step
        case "subcontract":
            c[t] += step
    ev = evaluate_plan(s, PlanDecisions.of(w, o, p, c))
    if ev.feasible:
        assert ev.total_cost >= plan.total_cost * (1 - 1e-7) - 1e-6
