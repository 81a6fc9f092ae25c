"""The network plan with per-period hours: a case by hand, and the same optimum as
``plan_network`` whenever the hours do not vary."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from obeya.planning import CostComponent, NetworkPlanInput, plan_network
from obeya.planning.network_hours import plan_network_hours


def _data(**overrides: object) -> NetworkPlanInput:
    values: dict[str, object] = {
        "families": ("f",),
        "sites": ("s",),
        "periods": ("1", "2"),
        "demand": np.array([[[100.0, 100.0]]]),
        "hours_per_unit": 1.0,
        "initial_workforce": 1.0,
        "regular_hours_per_worker": 100.0,
        "max_overtime_hours_per_worker": 0.0,
        "material_cost": 0.0,
        "holding_cost": 0.5,
        "backlog_cost": 10.0,
        "subcontract_cost": 100.0,
        "hire_cost": 1e6,
        "layoff_cost": 1e6,
        "regular_rate": 1.0,
        "overtime_rate": 1.5,
    }
    values.update(overrides)
    return NetworkPlanInput(**values)  # type: ignore[arg-type]


def test_a_short_month_owes_what_it_cannot_make() -> None:
    # One worker paid and productive 80 h in period 1 and 120 h in period 2, 1 h a unit,
    # demand 100 and 100: period 1 makes 80 and owes 20 (10 each: 200), period 2 makes
    # 120. Labour: 1 x (80 + 120) = 200. Total 400. (Subcontracting costs 100 a unit,
    # hiring or laying off 1e6.)
    plan = plan_network_hours(
        _data(), np.array([[80.0, 120.0]]), np.array([[80.0, 120.0]]), np.array([0.0])
    )
    assert plan.production[0, 0].tolist() == pytest.approx([80.0, 120.0])
    assert plan.backlog[0, 0].tolist() == pytest.approx([20.0, 0.0])
    assert plan.total_cost == pytest.approx(400.0)
    assert plan.cost_breakdown[CostComponent.REGULAR_LABOUR] == pytest.approx(200.0)
    # A line down in period 2 (productive 60 of 120 paid h): 140 h for 200 units, so 60
    # must be subcontracted (no backlog may be left at the end). Owing period 1's 20 to
    # period 2 would add 10 each and still end in subcontracting, so each period buys
    # its own shortfall: 20 and 40, 60 x 100 = 6000, plus labour 200: 6200.
    down = plan_network_hours(
        _data(), np.array([[80.0, 120.0]]), np.array([[80.0, 60.0]]), np.array([0.0])
    )
    assert down.subcontracted[0, 0].tolist() == pytest.approx([20.0, 40.0])
    assert down.backlog[0, 0].tolist() == pytest.approx([0.0, 0.0])
    assert down.total_cost == pytest.approx(6200.0)
    assert down.duals is not None
    # One more productive hour in period 2 saves a subcontracted unit (100).
    assert down.duals.hour[0, 1] == pytest.approx(100.0)


@settings(max_examples=25, deadline=None)
@given(
    demand=st.lists(st.integers(0, 400), min_size=3, max_size=3),
    hours=st.sampled_from([80.0, 100.0, 160.0]),
    share=st.sampled_from([0.0, 0.1, 0.25]),
    workers=st.integers(0, 4),
)
def test_constant_hours_give_the_network_optimum(
    demand: list[int], hours: float, share: float, workers: int
) -> None:
    data = _data(
        periods=("1", "2", "3"),
        demand=np.array([[demand]], dtype=float),
        initial_workforce=float(workers),
        regular_hours_per_worker=hours,
        max_overtime_hours_per_worker=share * hours,
        hire_cost=300.0,
        layoff_cost=200.0,
    )
    flat = np.full((1, 3), hours)
    ours = plan_network_hours(data, flat, flat, np.array([share]))
    theirs = plan_network(data)
    assert ours.total_cost == pytest.approx(theirs.total_cost, rel=1e-9, abs=1e-6)
