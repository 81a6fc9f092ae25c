"""Check a roster against the labour rules, independently of the solver.

The checker reads only the problem and an assignments table (staff_id, day, shift),
so it can vet a roster from CP-SAT, from a spreadsheet or from last year alike.
Every rule is a whole-table computation (group-bys, sorted differences, run lengths).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd

from obeya.errors import DataError
from obeya.planning.roster import HOURS, RosterProblem

__all__ = ["RosterRule", "RuleViolation", "check_roster"]


class RosterRule(StrEnum):
    """The rules a roster is checked against."""

    UNKNOWN_SHIFT = "unknown_shift"
    ONE_SHIFT_PER_DAY = "one_shift_per_day"
    AVAILABILITY = "availability"
    ALLOWED_SHIFT = "allowed_shift"
    MAX_HOURS_PER_WEEK = "max_hours_per_week"
    MIN_REST = "min_rest"
    MIN_DAYS_OFF = "min_days_off"
    MAX_CONSECUTIVE_DAYS = "max_consecutive_days"


@dataclass(frozen=True, slots=True)
class RuleViolation:
    """One broken rule for one person (``day`` is where it shows; week rules: its first day)."""

    rule: RosterRule
    staff_id: str
    day: int
    detail: str

    def __str__(self) -> str:
        return f"{self.staff_id} day {self.day}: {self.rule.value}: {self.detail}"


def check_roster(problem: RosterProblem, assignments: pd.DataFrame) -> tuple[RuleViolation, ...]:
    """Every rule the assignments break, sorted by person and day (empty if none)."""
    missing = {"staff_id", "day", "shift"} - set(assignments.columns)
    if missing:
        raise DataError(f"assignments: missing column(s) {', '.join(sorted(missing))}")
    rules = problem.rules
    templates = pd.DataFrame(
        {
            "shift": [k.name for k in problem.shifts],
            "start_hour": [k.start_hour for k in problem.shifts],
            "length_hours": [k.length_hours for k in problem.shifts],
        }
    )
    staff = pd.DataFrame(
        {
            "staff_id": [p.staff_id for p in problem.staff],
            "max_hours": problem.max_hours(),
            "pos": np.arange(len(problem.staff)),
        }
    )
    a = assignments[["staff_id", "day", "shift"]].astype({"staff_id": str, "shift": str})
    a = a.merge(templates, on="shift", how="left").merge(staff, on="staff_id", how="left")
    out: list[RuleViolation] = []

    def add(rows: pd.DataFrame, rule: RosterRule, detail: pd.Series | str) -> None:
        texts = [detail] * len(rows) if isinstance(detail, str) else detail.tolist()
        out.extend(
            RuleViolation(rule, str(s), int(d), str(t))
            for s, d, t in zip(rows["staff_id"], rows["day"], texts, strict=True)
        )

    unknown = a["start_hour"].isna() | a["pos"].isna()
    add(
        a.loc[unknown],
        RosterRule.UNKNOWN_SHIFT,
        "unknown shift or staff id: " + a.loc[unknown, "shift"],
    )
    a = a.loc[~unknown].astype({"start_hour": np.int64, "length_hours": np.int64, "pos": np.int64})

    per_day = a.groupby(["staff_id", "day"], as_index=False).size()
    many = per_day.loc[per_day["size"] > 1]
    add(many, RosterRule.ONE_SHIFT_PER_DAY, many["size"].astype(str) + " shifts on one day")

    allowed = problem.allowed()
    pos = a["pos"].to_numpy(dtype=np.int64)
    day = a["day"].to_numpy(dtype=np.int64)
    kpos = (
        a["shift"].map({k.name: i for i, k in enumerate(problem.shifts)}).to_numpy(dtype=np.int64)
    )
    inside = (day >= 0) & (day < problem.days)
    ok = np.zeros(len(a), dtype=bool)
    ok[inside] = allowed[pos[inside], day[inside], kpos[inside]]
    any_shift = np.zeros(len(a), dtype=bool)
    any_shift[inside] = allowed[pos[inside], day[inside]].any(axis=1)
    off = a.loc[~any_shift]
    add(
        off, RosterRule.AVAILABILITY, "works on a day they are unavailable (or outside the horizon)"
    )
    skill = a.loc[any_shift & ~ok]
    add(
        skill, RosterRule.ALLOWED_SHIFT, "works shift " + skill["shift"] + ", not one they may work"
    )

    a = a.assign(week=a["day"] // 7)
    weekly = (
        a.assign(h=a["length_hours"])
        .groupby(["staff_id", "week"], as_index=False)
        .agg(hours=("h", "sum"), max_hours=("max_hours", "first"), days=("day", "nunique"))
    )
    over = weekly.loc[weekly["hours"] > weekly["max_hours"]].assign(day=lambda w: w["week"] * 7)
    add(
        over,
        RosterRule.MAX_HOURS_PER_WEEK,
        over["hours"].astype(str)
        + " h in week "
        + over["week"].astype(str)
        + " > "
        + over["max_hours"].astype(str),
    )
    full_weeks = problem.days // 7
    limit = 7 - rules.min_days_off_per_week
    busy = weekly.loc[(weekly["week"] < full_weeks) & (weekly["days"] > limit)].assign(
        day=lambda w: w["week"] * 7
    )
    add(
        busy,
        RosterRule.MIN_DAYS_OFF,
        busy["days"].astype(str) + f" days worked in a week; at most {limit} allowed",
    )

    ordered = a.assign(begin=a["day"] * HOURS + a["start_hour"]).sort_values(["staff_id", "begin"])
    end = ordered["begin"] + ordered["length_hours"]
    next_begin = ordered.groupby("staff_id")["begin"].shift(-1)
    rest = next_begin - end
    short = ordered.loc[rest.notna() & (rest < rules.min_rest_hours)]
    add(
        short,
        RosterRule.MIN_REST,
        rest.loc[short.index].astype(int).astype(str)
        + f" h rest before the next shift < {rules.min_rest_hours}",
    )

    worked = np.zeros((len(problem.staff), problem.days + 1), dtype=np.int64)
    worked[pos[inside], day[inside]] = 1
    # Run length of consecutive worked days ending on each day: a cumulative sum that
    # restarts at every day off.
    total = np.cumsum(worked, axis=1)
    restart = np.maximum.accumulate(np.where(worked == 0, total, 0), axis=1)
    run = total - restart
    s_idx, d_idx = np.nonzero(run == rules.max_consecutive_days + 1)
    ids = np.array([p.staff_id for p in problem.staff], dtype=object)
    runs = pd.DataFrame({"staff_id": ids[s_idx], "day": d_idx})
    add(
        runs,
        RosterRule.MAX_CONSECUTIVE_DAYS,
        pd.Series(
            [f"more than {rules.max_consecutive_days} consecutive days worked"] * len(runs),
            dtype=object,
        ),
    )
    return tuple(sorted(out, key=lambda v: (v.staff_id, v.day, v.rule.value)))
