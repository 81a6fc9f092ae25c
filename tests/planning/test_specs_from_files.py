"""The calendar, planning config and roster documents: days counted by hand, what each
key does, and errors that name the file, the line and the field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from obeya.errors import SpecError
from obeya.planning.calendar_spec import CalendarSpec, load_calendar, parse_calendar
from obeya.planning.capacity_plan import CapacityChange, effective_days
from obeya.planning.planning_config import load_planning_config
from obeya.planning.roster_spec import load_roster_spec, parse_roster_spec

# ------------------------------------------------------------------ calendar


def test_site_overrides_count_their_own_days(tmp_path: Path) -> None:
    path = tmp_path / "cal.yaml"
    path.write_text(
        "workdays: [Monday, tue, wed, thu, fri]\n"
        "holidays: [2026-03-02]\n"
        "sites:\n"
        "  S2: {workdays: [mon, tue, wed, thu, fri, sat], holidays: [2026-03-03], hours_per_day: 20}\n"
        "  S3: {workdays: [mon, tue, wed, thu]}\n"
    )
    cal = load_calendar(path)
    wc = cal.work_calendar(["S1", "S2", "S3"], dt.date(2026, 3, 1), dt.date(2026, 4, 1))
    start = np.array(["2026-03-01"], dtype="datetime64[D]")
    end = np.array(["2026-04-01"], dtype="datetime64[D]")
    # March 2026 starts on a Sunday: 22 weekdays (Mon 2 .. Tue 31), 4 Saturdays, and
    # Mondays to Thursdays are 5 + 5 + 4 + 4 = 18. Less the company holiday (Mon 2):
    # S1 21; S2 22 + 4 - 1 - its own 3 March = 24; S3 18 - 1 = 17.
    days = {s: int(wc.working_days(start, end, s)[0]) for s in ("S1", "S2", "S3")}
    assert days == {"S1": 21, "S2": 24, "S3": 17}
    assert cal.hours_per_day("S2") == 20.0
    assert cal.hours_per_day("S1") is None


def test_calendar_refuses_unknown_days_sites_and_keys(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match=r"workdays\.1: Input should be 'mon', 'tue'"):
        parse_calendar({"workdays": ["mon", "funday"]})
    cal = parse_calendar({"sites": {"X9": {"hours_per_day": 8}}})
    with pytest.raises(SpecError, match=r"sites X9 are not in the warehouse's sites \(P1\)"):
        cal.check_sites(["P1"])
    path = tmp_path / "cal.yaml"
    path.write_text("workdays: [mon]\nsites:\n  P1: {hours: 8}\n")
    with pytest.raises(SpecError, match=rf"{path}:3: sites\.P1\.hours: unknown key 'hours'"):
        load_calendar(path)


@settings(max_examples=50, deadline=None)
@given(
    factors=st.lists(st.floats(min_value=0.0, max_value=1.0), min_size=1, max_size=3),
    offsets=st.lists(st.integers(0, 40), min_size=1, max_size=3),
)
def test_cuts_never_add_days(factors: list[float], offsets: list[int]) -> None:
    wc = CalendarSpec().work_calendar(["P1"], dt.date(2026, 1, 1), dt.date(2026, 3, 1))
    starts = np.array(["2026-01-01", "2026-02-01"], dtype="datetime64[D]")
    ends = np.array(["2026-02-01", "2026-03-01"], dtype="datetime64[D]")
    sites = np.array(["P1", "P1"])
    changes = [
        CapacityChange("P1", f, dt.date(2026, 1, 1) + dt.timedelta(days=o))
        for f, o in zip(factors, offsets, strict=False)
    ]
    full = effective_days(wc, sites, None, starts, ends, ())
    cut = effective_days(wc, sites, None, starts, ends, changes)
    assert full.tolist() == [22.0, 20.0]
    assert np.all(cut <= full + 1e-12)
    assert np.all(cut >= full * min(factors) ** len(changes) - 1e-12)


# ------------------------------------------------------------------ planning config


def test_planning_config_defaults_and_errors(tmp_path: Path) -> None:
    cfg = load_planning_config(None)
    assert cfg.aggregate.horizon == 12
    assert cfg.wages.overtime_premium == 1.5
    path = tmp_path / "planning.yaml"
    path.write_text("aggregate:\n  grain: day\n  costs: {hire: 5}\n")
    with pytest.raises(SpecError) as info:
        load_planning_config(path)
    lines = str(info.value).splitlines()
    assert lines[0] == f"{path}: the spec has 2 problems"
    assert lines[1].startswith(f"{path}:2: aggregate.grain: Value error, plans are made by week")
    assert lines[2].startswith(f"{path}:3: aggregate.costs.hire: unknown key 'hire'")


# ------------------------------------------------------------------ roster


def test_roster_profiles_blocks_and_counts() -> None:
    spec = parse_roster_spec(
        {
            "start_date": "2026-03-02",
            "profiles": {
                "busy": {"blocks": [
                    {"start_hour": 6, "end_hour": 14, "staff": 2},
                    {"start_hour": 10, "end_hour": 12, "staff": 1},
                ]},
                "quiet": {"hours": [0] * 9 + [1] * 8 + [0] * 7},
            },
            "requirement": ["busy", "quiet"],
            "shifts": [{"name": "early", "start_hour": 6, "length_hours": 8}],
            "staff": [{"id": "temp", "count": 3, "cost_per_hour": 30}],
        }
    )  # fmt: skip
    problem = spec.problem()
    # Blocks add up: 2 people 6-14 and 1 more 10-12.
    assert problem.required[0].tolist() == [0] * 6 + [2] * 4 + [3] * 2 + [2] * 2 + [0] * 10
    assert problem.required[1].sum() == 8
    assert [p.staff_id for p in problem.staff] == ["temp-1", "temp-2", "temp-3"]
    assert spec.day_labels() == ["2026-03-02", "2026-03-03"]


def test_roster_rules_report_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "roster.yaml"
    path.write_text(
        "profiles:\n"
        "  a: {hours: [1, 1]}\n"
        "  b: {blocks: [{start_hour: 9, end_hour: 8, staff: 1}]}\n"
        "requirement: [a, b]\n"
        "shifts:\n"
        "  - {name: s, start_hour: 8, length_hours: 8}\n"
        "  - {name: s, start_hour: 9, length_hours: 8}\n"
        "staff:\n"
        "  - {id: x, shifts: [night], unavailable_days: [5]}\n"
    )
    with pytest.raises(SpecError) as info:
        load_roster_spec(path)
    assert str(info.value).splitlines() == [
        f"{path}: the roster has 6 problems",
        f"{path}:2: profiles.a.hours: has 2 counts; give 24, one per hour",
        f"{path}:3: profiles.b.blocks.0: end_hour 8 must be after start_hour 9",
        f"{path}:6: shifts.0.name: shift 's' is defined 2 times",
        f"{path}:7: shifts.1.name: shift 's' is defined 2 times",
        f"{path}:9: staff.0.shifts: unknown shift(s) night; shifts are s",
        f"{path}:9: staff.0.unavailable_days: day(s) [5] are outside the horizon of 2 days "
        "(days count from 0 to 1)",
    ]
