"""CP-SAT rosters on instances whose optimum is worked out by hand, and the rule
checker on rosters built to break each rule."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from obeya.errors import InfeasibleError, SpecError
from obeya.planning import (
    CoverageMode,
    LabourRules,
    RosterProblem,
    RosterRule,
    RosterStatus,
    ShiftTemplate,
    StaffMember,
    check_roster,
    solve_roster,
)

EARLY = ShiftTemplate("early", 6, 8)
DAY = ShiftTemplate("day", 8, 8)
LATE = ShiftTemplate("late", 16, 8)
NIGHT = ShiftTemplate("night", 22, 8)
A = StaffMember("A", cost_per_hour=10)
B = StaffMember("B", cost_per_hour=12)
LIMIT = {"time_limit_seconds": 5.0}


def need(days: int, *spans: tuple[int, int, int, int]) -> np.ndarray:
    """Requirement grid from (day, first hour, end hour, people) spans."""
    r = np.zeros((days, 24), dtype=np.int64)
    for day, start, end, people in spans:
        r[day, start:end] += people
    return r


def solve(problem: RosterProblem, **kw: Any) -> Any:
    result = solve_roster(problem, **{**LIMIT, **kw})
    assert check_roster(problem, result.assignments) == ()
    return result


def test_cheapest_person_covers_a_day_shift() -> None:
    # One person needed 08-16: A costs 8 h x 10 = 80, B 8 x 12 = 96.
    result = solve(RosterProblem(need(1, (0, 8, 16, 1)), [DAY], [A, B]))
    assert result.status is RosterStatus.OPTIMAL
    assert result.gap == 0
    assert result.objective == pytest.approx(80)
    assert result.labour_cost == pytest.approx(80)
    assert result.assignments[["staff_id", "day", "shift"]].values.tolist() == [["A", 0, "day"]]
    assert result.roster().loc["A", 0] == "day"
    assert result.roster().loc["B", 0] == ""
    assert result.coverage["short"].sum() == 0


@pytest.mark.parametrize(("penalty", "objective", "short"), [(50, 50, 1), (100, 80, 0)])
def test_understaffing_penalty_against_the_cost_of_a_shift(
    penalty: float, objective: float, short: int
) -> None:
    # One person for the single hour 08-09. An 8-hour shift costs 80: at a penalty of 50
    # per staff-hour short, leaving it uncovered (50) is cheaper; at 100 it is not.
    problem = RosterProblem(
        need(1, (0, 8, 9, 1)), [DAY], [A], understaffing_penalty_per_hour=penalty
    )
    result = solve(problem)
    assert result.objective == pytest.approx(objective)
    assert result.shortage_hours == short
    assert result.penalty_cost == pytest.approx(short * penalty)


@pytest.mark.parametrize(("rest", "cost"), [(11, 80 + 96), (6, 80 + 80)])
def test_minimum_rest_between_a_late_and_the_next_early(rest: int, cost: float) -> None:
    # Late 16-24 on day 0, early 06-14 on day 1: 6 h rest in between. With an 11 h
    # minimum A cannot work both, so B takes one: 80 + 96. With 6 h, A works both: 160.
    problem = RosterProblem(
        need(2, (0, 16, 24, 1), (1, 6, 14, 1)),
        [EARLY, LATE],
        [A, B],
        LabourRules(min_rest_hours=rest),
    )
    result = solve(problem)
    assert result.objective == pytest.approx(cost)
    assert result.shortage_hours == 0


@pytest.mark.parametrize(
    ("rules", "worked"),
    [
        # 5 consecutive days at most, no days-off rule: 5 on, 1 off, 1 on = 6 days.
        (LabourRules(max_hours_per_week=56, min_days_off_per_week=0, max_consecutive_days=5), 6),
        # and two days off a week: 5 days.
        (LabourRules(max_hours_per_week=56, min_days_off_per_week=2, max_consecutive_days=5), 5),
        # 24 h a week: three 8-hour shifts.
        (LabourRules(max_hours_per_week=24, min_days_off_per_week=0, max_consecutive_days=7), 3),
    ],
)
def test_week_rules_limit_one_person_covering_every_day(rules: LabourRules, worked: int) -> None:
    # One person A needed 08-16 on all 7 days; each day missed is 8 staff-hours short at
    # 1000 each. Objective = worked x 80 + (7 - worked) x 8 x 1000.
    problem = RosterProblem(need(7, *[(d, 8, 16, 1) for d in range(7)]), [DAY], [A], rules)
    result = solve(problem)
    assert len(result.assignments) == worked
    assert result.objective == pytest.approx(worked * 80 + (7 - worked) * 8_000)


def test_personal_weekly_cap_overrides_the_rule() -> None:
    capped = StaffMember("A", cost_per_hour=10, max_hours_per_week=16)
    rules = LabourRules(max_hours_per_week=56, min_days_off_per_week=0, max_consecutive_days=7)
    problem = RosterProblem(need(7, *[(d, 8, 16, 1) for d in range(7)]), [DAY], [capped], rules)
    # 16 h = two shifts: 160 + 5 x 8 x 1000.
    assert solve(problem).objective == pytest.approx(160 + 40_000)


def test_availability_and_skills_are_respected() -> None:
    # A is off on day 0 and may only work early shifts; B covers what A cannot.
    a = StaffMember(
        "A", cost_per_hour=10, unavailable_days=frozenset({0}), shifts=frozenset({"early"})
    )
    problem = RosterProblem(
        need(2, (0, 6, 14, 1), (1, 6, 14, 1), (1, 16, 24, 1)), [EARLY, LATE], [a, B]
    )
    result = solve(problem)
    got = {(r.staff_id, r.day, r.shift) for r in result.assignments.itertuples()}
    assert got == {("B", 0, "early"), ("A", 1, "early"), ("B", 1, "late")}
    # 96 + 80 + 96
    assert result.objective == pytest.approx(272)


def test_a_night_shift_covers_the_hours_after_midnight() -> None:
    # Night 22-06 from day 0 covers 22-24 on day 0 and 00-06 on day 1: one shift, 80.
    problem = RosterProblem(need(2, (0, 22, 24, 1), (1, 0, 6, 1)), [NIGHT, DAY], [A, B])
    result = solve(problem)
    assert result.objective == pytest.approx(80)
    cov = result.coverage.set_index(["day", "hour"])
    assert cov.loc[(1, 5), "scheduled"] == 1
    assert cov.loc[(1, 6), "scheduled"] == 0


def test_shift_costs_add_to_the_hourly_rate() -> None:
    premium = ShiftTemplate("day", 8, 8, cost_per_hour=2.5, cost_per_shift=15)
    result = solve(RosterProblem(need(1, (0, 8, 16, 1)), [premium], [A]))
    # 8 h x (10 + 2.5) + 15 = 115.
    assert result.labour_cost == pytest.approx(115)


def test_hard_coverage_names_hours_nobody_can_reach() -> None:
    problem = RosterProblem(need(1, (0, 8, 16, 2)), [DAY], [A], coverage=CoverageMode.HARD)
    with pytest.raises(InfeasibleError, match="day 0 08:00 needs 2 but at most 1 can be there"):
        solve_roster(problem, **LIMIT)


def test_hard_coverage_blocked_by_the_rules_says_so() -> None:
    problem = RosterProblem(
        need(7, *[(d, 8, 16, 1) for d in range(7)]), [DAY], [A], coverage=CoverageMode.HARD
    )
    with pytest.raises(InfeasibleError, match="cannot be covered within the labour rules"):
        solve_roster(problem, **LIMIT)


def test_hard_coverage_when_feasible_has_no_shortage() -> None:
    problem = RosterProblem(need(1, (0, 8, 16, 2)), [DAY], [A, B], coverage=CoverageMode.HARD)
    result = solve(problem)
    assert result.objective == pytest.approx(176)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"required": np.zeros((2, 23))}, "one row of 24 hourly staff counts"),
        ({"required": np.full((1, 24), 0.5)}, "whole numbers of people"),
        ({"shifts": [DAY, DAY]}, "unique names"),
        ({"staff": [A, A]}, "staff ids must be unique"),
        (
            {"staff": [StaffMember("C", shifts=frozenset({"swing"}))]},
            r"unknown shift\(s\) \['swing'\]",
        ),
    ],
)
def test_bad_problems_are_refused(kwargs: dict[str, Any], message: str) -> None:
    args: dict[str, Any] = {"required": need(1), "shifts": [DAY], "staff": [A]}
    args.update(kwargs)
    with pytest.raises(SpecError, match=message):
        RosterProblem(**args)


def test_bad_templates_and_rules_are_refused() -> None:
    with pytest.raises(SpecError, match="start_hour 24 must be 0-23"):
        ShiftTemplate("x", 24, 8)
    with pytest.raises(SpecError, match="days off per week 0-7"):
        LabourRules(min_days_off_per_week=8)


# --- the checker -------------------------------------------------------------------


def roster(*rows: tuple[str, int, str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["staff_id", "day", "shift"])


RULES = LabourRules(
    max_hours_per_week=40, min_rest_hours=11, min_days_off_per_week=2, max_consecutive_days=4
)
WEEK = RosterProblem(need(14), [EARLY, DAY, LATE, NIGHT], [A, B], RULES)


def rules_of(violations: tuple[Any, ...]) -> list[tuple[RosterRule, str, int]]:
    return [(v.rule, v.staff_id, v.day) for v in violations]


def test_checker_passes_a_legal_roster() -> None:
    legal = roster(
        ("A", 0, "day"), ("A", 1, "day"), ("A", 2, "late"), ("B", 0, "early"), ("A", 4, "early")
    )
    # late on day 2 ends at 24; early on day 4 starts at 4 x 24 + 6: 30 h rest.
    assert check_roster(WEEK, legal) == ()


def test_checker_finds_short_rest() -> None:
    # Late day 0 ends at hour 24, early day 1 starts at hour 30: 6 h < 11.
    found = check_roster(WEEK, roster(("A", 0, "late"), ("A", 1, "early")))
    assert rules_of(found) == [(RosterRule.MIN_REST, "A", 0)]
    assert "6 h rest" in found[0].detail


def test_checker_finds_overlapping_shifts_as_short_rest_and_two_a_day() -> None:
    found = check_roster(WEEK, roster(("A", 0, "early"), ("A", 0, "day")))
    assert set(rules_of(found)) == {
        (RosterRule.ONE_SHIFT_PER_DAY, "A", 0),
        (RosterRule.MIN_REST, "A", 0),
    }


def test_checker_finds_too_many_hours_and_too_few_days_off() -> None:
    # Six 8-hour day shifts in week 0, with a day off in between: 48 h > 40 and
    # 6 days worked > 7 - 2; runs are 3 and 3 days, within 4 consecutive.
    days = [0, 1, 2, 4, 5, 6]
    found = check_roster(WEEK, roster(*[("A", d, "day") for d in days]))
    assert set(rules_of(found)) == {
        (RosterRule.MAX_HOURS_PER_WEEK, "A", 0),
        (RosterRule.MIN_DAYS_OFF, "A", 0),
    }


def test_checker_finds_a_long_run_across_the_week_boundary() -> None:
    # Days 5, 6, 7, 8, 9 are five in a row (> 4), spread over two weeks.
    found = check_roster(WEEK, roster(*[("B", d, "day") for d in range(5, 10)]))
    assert rules_of(found) == [(RosterRule.MAX_CONSECUTIVE_DAYS, "B", 9)]


def test_checker_finds_availability_skills_and_unknown_names() -> None:
    a = StaffMember("A", unavailable_days=frozenset({3}), shifts=frozenset({"day"}))
    problem = RosterProblem(need(7), [EARLY, DAY], [a], RULES)
    found = check_roster(
        problem, roster(("A", 3, "day"), ("A", 1, "early"), ("Z", 2, "day"), ("A", 5, "swing"))
    )
    assert set(rules_of(found)) == {
        (RosterRule.AVAILABILITY, "A", 3),
        (RosterRule.ALLOWED_SHIFT, "A", 1),
        (RosterRule.UNKNOWN_SHIFT, "Z", 2),
        (RosterRule.UNKNOWN_SHIFT, "A", 5),
    }


# --- property: every solved roster keeps every rule -----------------------------------


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(1, 4),
    st.integers(7, 9),
    st.lists(
        st.tuples(st.integers(0, 8), st.integers(0, 23), st.integers(1, 10), st.integers(1, 3)),
        max_size=10,
    ),
    st.integers(6, 12),
    st.integers(2, 5),
)
def test_solved_rosters_keep_every_rule_and_add_up(
    n_staff: int, days: int, spans: list[tuple[int, int, int, int]], rest: int, consecutive: int
) -> None:
    spans = [(d % days, h, min(h + n, 24), p) for d, h, n, p in spans]
    staff = [StaffMember(f"S{i}", cost_per_hour=10 + i) for i in range(n_staff)]
    rules = LabourRules(
        max_hours_per_week=32,
        min_rest_hours=rest,
        min_days_off_per_week=2,
        max_consecutive_days=consecutive,
    )
    problem = RosterProblem(
        need(days, *spans), [EARLY, LATE, NIGHT], staff, rules, understaffing_penalty_per_hour=40
    )
    result = solve_roster(problem, time_limit_seconds=2.0)
    assert check_roster(problem, result.assignments) == ()
    cov = result.coverage
    assert (cov["scheduled"] - cov["required"] == cov["over"] - cov["short"]).all()
    assert result.shortage_hours == cov["short"].sum()
    if result.status is RosterStatus.OPTIMAL:
        assert result.objective == pytest.approx(result.labour_cost + 40 * result.shortage_hours)
