"""Workforce plan and learnt labour standards, against figures worked by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from obeya.errors import DataError, SpecError
from obeya.planning import VolumeColumns, WorkforceSettings, learn_labour_standards, plan_workforce

RATES = WorkforceSettings(regular_rate=25, overtime_rate=37.5, temp_rate=30, hire_cost=500)
STANDARDS = pd.DataFrame({"site_id": ["S1"], "department": ["pick"], "units_per_hour": [100.0]})
HEADCOUNT = pd.DataFrame({"site_id": ["S1"], "department": ["pick"], "headcount": [10]})


def forecast(units: list[float], dept: str = "pick") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "site": "S1",
            "department": dept,
            "week": [f"2026-W{i + 1:02d}" for i in range(len(units))],
            "units": units,
        }
    )


def test_peaks_go_to_overtime_then_temps_without_hiring() -> None:
    # 100 units/h: required hours 400, 480, 560, 360; 10 FTE x 40 h = 400 h available.
    # Gaps 0, 80, 160, -40. Overtime (37.5) is dearer than temps (30), so temps first:
    # temps 0, 80, 160, 0; idle 40 in week 4. A hire (500 + 40 h x 25 x 4 weeks = 4500)
    # would replace at most 40 + 40 temp hours in weeks 2-3 (2400): not worth it.
    plan = plan_workforce(forecast([40_000, 48_000, 56_000, 36_000]), STANDARDS, HEADCOUNT, RATES)
    w = plan.weekly
    assert w["required_hours"].tolist() == pytest.approx([400, 480, 560, 360])
    assert w["required_fte"].tolist() == pytest.approx([10, 12, 14, 9])
    assert w["gap_hours"].tolist() == pytest.approx([0, 80, 160, -40])
    assert w["temp_hours"].tolist() == pytest.approx([0, 80, 160, 0])
    assert w["overtime_hours"].tolist() == pytest.approx([0, 0, 0, 0])
    assert w["idle_hours"].tolist() == pytest.approx([0, 0, 0, 40])
    assert plan.hires["hires"].tolist() == [0]
    assert plan.total_cost == pytest.approx(240 * 30)


def test_overtime_first_when_it_is_the_cheaper_and_capped_per_fte() -> None:
    cheap_ot = WorkforceSettings(regular_rate=25, overtime_rate=28, temp_rate=30, hire_cost=1e6)
    plan = plan_workforce(forecast([56_000]), STANDARDS, HEADCOUNT, cheap_ot)
    # Gap 160 h; overtime capped at 10 FTE x 8 h = 80, temps the other 80.
    (row,) = plan.weekly.itertuples()
    assert (row.overtime_hours, row.temp_hours) == (80, 80)
    assert plan.total_cost == pytest.approx(80 * 28 + 80 * 30)


def test_a_sustained_gap_is_hired_for_when_hiring_is_cheaper() -> None:
    # 600 h a week for 4 weeks against 400 h. With h hires (staff 10 + h), weekly
    # gap 200 - 40 h, temps (30/h, cheaper than overtime) fill it:
    #   h = 0: 200 x 30 x 4 = 24000
    #   h = 5: gap 0, hire 5 x 500 + wages 5 x 40 x 25 x 4 = 2500 + 20000 = 22500
    # and in between cost falls linearly (each hire saves 40 x 30 x 4 = 4800 for 4500).
    plan = plan_workforce(forecast([60_000] * 4), STANDARDS, HEADCOUNT, RATES)
    assert plan.hires["hires"].tolist() == [5]
    assert plan.weekly["staff"].tolist() == [15] * 4
    assert plan.total_cost == pytest.approx(22_500)
    assert dict(plan.cost_breakdown) == pytest.approx(
        {"overtime": 0, "temp": 0, "hiring": 2500, "new_hire_wages": 20_000}
    )


def test_expensive_hires_are_not_made_and_a_lead_time_delays_them() -> None:
    dear = WorkforceSettings(regular_rate=25, overtime_rate=37.5, temp_rate=30, hire_cost=3000)
    # Each hire costs 3000 + 4000 wages to save 4800 of temps: no hires.
    assert plan_workforce(forecast([60_000] * 4), STANDARDS, HEADCOUNT, dear).hires[
        "hires"
    ].tolist() == [0]
    late = WorkforceSettings(
        regular_rate=25, overtime_rate=37.5, temp_rate=30, hire_cost=500, hire_lead_weeks=2
    )
    plan = plan_workforce(forecast([60_000] * 4), STANDARDS, HEADCOUNT, late)
    # Hires help only in weeks 3-4: each costs 500 + 2 x 1000 = 2500 and saves 2 x 1200.
    # 2400 < 2500, so none.
    assert plan.hires["hires"].tolist() == [0]
    assert plan.weekly["temp_hours"].tolist() == pytest.approx([200] * 4)


def test_hires_take_effect_after_the_lead_time() -> None:
    cheap = WorkforceSettings(
        regular_rate=25, overtime_rate=37.5, temp_rate=30, hire_cost=0, hire_lead_weeks=1
    )
    plan = plan_workforce(forecast([60_000] * 3), STANDARDS, HEADCOUNT, cheap)
    # Free hiring: 5 hires from week 2 (wages 1000 each per week < 1200 of temps saved).
    assert plan.hires["hires"].tolist() == [5]
    assert plan.hires["effective_week"].tolist() == ["2026-W02"]
    assert plan.weekly["staff"].tolist() == [10, 15, 15]
    assert plan.weekly["temp_hours"].tolist() == pytest.approx([200, 0, 0])


def test_learn_labour_standards_ratio_of_sums() -> None:
    hours = pd.DataFrame(
        {
            "work_date": ["2026-01-05", "2026-01-06", "2026-01-05", "2026-01-05"],
            "site_id": ["S1", "S1", "S1", "S2"],
            "department": ["pick", "pick", "pack", "pick"],
            "headcount": [5, 5, 2, 3],
            "regular_hours": [40.0, 40.0, 16.0, 24.0],
            "overtime_hours": [10.0, 0.0, 0.0, 0.0],
            "temp_hours": [10.0, None, 4.0, 0.0],
            "labor_cost": [0.0, 0.0, 0.0, 0.0],
        }
    )
    shipped = pd.DataFrame({"site_id": ["S1", "S1", "S2"], "units": [6000.0, 4000.0, 1200.0]})
    std = learn_labour_standards(shipped, hours).set_index(["site_id", "department"])
    # S1 ships 10000 units; pick worked 40+10+10 + 40 = 100 h -> 100 units/h;
    # pack 16 + 4 = 20 h -> 500 units/h. S2 pick: 1200 / 24 = 50.
    assert std.loc[("S1", "pick"), "units_per_hour"] == pytest.approx(100)
    assert std.loc[("S1", "pack"), "units_per_hour"] == pytest.approx(500)
    assert std.loc[("S2", "pick"), "units_per_hour"] == pytest.approx(50)
    by_dept = pd.DataFrame({"site_id": ["S1"], "department": ["pick"], "units": [3000.0]})
    std2 = learn_labour_standards(by_dept, hours).set_index(["site_id", "department"])
    assert std2.loc[("S1", "pick"), "units_per_hour"] == pytest.approx(30)
    assert std2.loc[("S1", "pack"), "units_per_hour"] == 0


def test_custom_column_names() -> None:
    fc = forecast([40_000]).rename(columns={"site": "dc", "week": "wk", "units": "qty"})
    cols = VolumeColumns(site="dc", week="wk", units="qty")
    plan = plan_workforce(fc, STANDARDS, HEADCOUNT, RATES, columns=cols)
    assert plan.weekly["required_hours"].tolist() == pytest.approx([400])


def test_missing_standard_and_bad_settings_are_refused() -> None:
    with pytest.raises(DataError, match=r"no usable labour standard .* for S1/pack"):
        plan_workforce(forecast([100], dept="pack"), STANDARDS, HEADCOUNT, RATES)
    with pytest.raises(DataError, match="forecast: missing column"):
        plan_workforce(forecast([100]).drop(columns="week"), STANDARDS, HEADCOUNT, RATES)
    with pytest.raises(SpecError, match="hours_per_fte = 0"):
        WorkforceSettings(
            regular_rate=1, overtime_rate=1, temp_rate=1, hire_cost=1, hours_per_fte=0
        )


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.floats(0, 100_000), min_size=1, max_size=8),
    st.floats(0, 30),
    st.floats(1, 60),
    st.floats(1, 60),
    st.floats(0, 5000),
)
def test_gaps_are_exactly_filled_and_hiring_never_costs_more_than_not(
    units: list[float], heads: float, ot_rate: float, temp_rate: float, hire_cost: float
) -> None:
    s = WorkforceSettings(
        regular_rate=25, overtime_rate=ot_rate, temp_rate=temp_rate, hire_cost=hire_cost
    )
    hc = HEADCOUNT.assign(headcount=[heads])
    plan = plan_workforce(forecast(units), STANDARDS, hc, s)
    w = plan.weekly
    filled = w["available_hours"] + w["overtime_hours"] + w["temp_hours"] - w["idle_hours"]
    assert np.allclose(filled, w["required_hours"])
    assert (w["overtime_hours"] <= w["staff"] * s.max_overtime_hours_per_fte + 1e-9).all()
    no_hire = plan_workforce(
        forecast(units), STANDARDS, hc, WorkforceSettings(**{**s.__dict__, "allow_hires": False})
    )
    assert plan.total_cost <= no_hire.total_cost + 1e-6
