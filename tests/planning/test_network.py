"""Multi-family, multi-site plan: shared site capacity and transport, worked by hand."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from obeya.errors import SpecError
from obeya.planning import (
    CostComponent,
    NetworkPlanInput,
    PlanInfeasibleError,
    build_network_lp,
    network_input_from_spec,
    parse_aggregate_spec,
    plan_network,
)

BASE: dict[str, Any] = {
    "regular_hours_per_worker": 100,
    "max_overtime_hours_per_worker": 0,
    "material_cost": 12,
    "holding_cost": 1.5,
    "backlog_cost": 6,
    "subcontract_cost": 35,
    "hire_cost": 400,
    "layoff_cost": 600,
    "regular_rate": 5,
    "overtime_rate": 7.5,
    "max_hires_per_period": 0,
    "max_layoffs_per_period": 0,
}


def test_transport_lane_feeds_a_site_without_a_crew() -> None:
    # Site A: 10 workers x 100 h at 1 h/unit = 1000 units; site B has no crew.
    # Demand A 500, B 800. A makes 1000 and ships 500 to B at $2 (cheaper than
    # subcontracting at $35); B subcontracts the other 300.
    # Cost = material 1000 x 12 + labour 10 x 100 x 5 + lane 500 x 2 + 300 x 35
    #      = 12000 + 5000 + 1000 + 10500 = 28500.
    data = NetworkPlanInput(
        families=("f",),
        sites=("A", "B"),
        periods=("w1",),
        demand=[[[500], [800]]],
        hours_per_unit=1,
        initial_workforce=[10, 0],
        lane_origin=[0],
        lane_destination=[1],
        lane_cost=[2.0],
        **BASE,
    )
    plan = plan_network(data)
    assert plan.total_cost == pytest.approx(28_500)
    assert plan.shipped[0, 0, 0] == pytest.approx(500)
    assert plan.subcontracted[0, :, 0] == pytest.approx([0, 300])
    assert plan.cost_breakdown[CostComponent.TRANSPORT] == pytest.approx(1000)


def test_families_share_a_site_and_the_cheaper_hours_are_freed() -> None:
    # One site, 1000 h. Family f1 takes 1 h/unit, f2 2 h/unit; demand 400 and 400
    # needs 1200 h, so 200 h must be freed by subcontracting. Subcontracting f2 frees
    # 2 h per unit at 35 - 12 = 23 net: 100 units = 2300; f1 would need 200 units = 4600.
    # Cost = material (400 + 300) x 12 + labour 5000 + 100 x 35 = 8400 + 5000 + 3500 = 16900.
    data = NetworkPlanInput(
        families=("f1", "f2"),
        sites=("A",),
        periods=("w1",),
        demand=[[[400]], [[400]]],
        hours_per_unit=[[1], [2]],
        initial_workforce=10,
        **BASE,
    )
    plan = plan_network(data)
    assert plan.total_cost == pytest.approx(16_900)
    assert plan.production[:, 0, 0] == pytest.approx([400, 300])
    assert plan.subcontracted[:, 0, 0] == pytest.approx([0, 100])
    assert plan.duals is not None
    # An hour of capacity is worth what subcontracting f2 costs per hour freed: 23/2.
    assert plan.duals.hour[0, 0] == pytest.approx(11.5)


def test_single_site_spec_is_the_one_by_one_network() -> None:
    spec = parse_aggregate_spec(
        {
            "periods": 2,
            "demand": [800, 1200],
            "initial_workforce": 10,
            "hours_per_unit": 1,
            "regular_hours_per_worker": 100,
            "max_hires_per_period": 0,
            "costs": {
                "material_per_unit": 12,
                "holding_per_unit": 1.5,
                "backlog_per_unit": 6,
                "hire_per_worker": 400,
                "layoff_per_worker": 600,
                "regular_per_hour": 5,
                "overtime_per_hour": 7.5,
                "subcontract_per_unit": 35,
            },
        }
    )
    model = build_network_lp(network_input_from_spec(spec))
    # 9 variable blocks over 2 periods (the lane block is empty) and 6 row blocks.
    assert model.lp.num_cols == 8 * 2
    assert model.lp.num_rows == 4 * 2 + 2
    assert model.lp.rows.label(int(model.rows.capacity[0, 1])) == "capacity[period=2]"


def test_labels_name_every_axis_with_more_than_one_label() -> None:
    data = NetworkPlanInput(
        families=("f1", "f2"),
        sites=("A", "B"),
        periods=("w1", "w2"),
        demand=0,
        hours_per_unit=1,
        initial_workforce=1,
        **BASE,
    )
    model = build_network_lp(data)
    idx = int(model.rows.balance[1, 0, 1])
    assert model.lp.rows.label(idx) == "balance[family=f2, site=A, period=w2]"
    assert model.lp.columns.label(int(model.vars.workforce[1, 0])) == "workforce[site=B, period=w1]"


def test_infeasible_network_names_site_and_period() -> None:
    data = NetworkPlanInput(
        families=("f",),
        sites=("A", "B"),
        periods=("w1",),
        demand=[[[0], [100]]],
        hours_per_unit=1,
        initial_workforce=[10, 0],
        max_subcontract_units=0,
        **BASE,
    )
    with pytest.raises(PlanInfeasibleError, match=r"balance\[site=B\] = 100"):
        plan_network(data)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("demand", np.ones((2, 2)), r"demand: shape \(2, 2\) does not fit \(1, 1, 3\)"),
        ("holding_cost", -1, r"holding_cost\[0, 0\] = -1.0: must be a finite number >= 0"),
        ("hours_per_unit", 0, "must be > 0 where the family is producible"),
        ("lane_origin", [0], "lane_origin and lane_destination must have the same length"),
    ],
)
def test_bad_arrays_are_refused_with_the_rule(field: str, value: Any, message: str) -> None:
    kwargs: dict[str, Any] = {
        "families": ("f",),
        "sites": ("A",),
        "periods": ("1", "2", "3"),
        "demand": 1,
        "hours_per_unit": 1,
        "initial_workforce": 1,
        **BASE,
    }
    kwargs[field] = value
    with pytest.raises(SpecError, match=message):
        NetworkPlanInput(**kwargs)


def test_a_family_not_producible_at_a_site_is_bought_in() -> None:
    data = NetworkPlanInput(
        families=("f",),
        sites=("A",),
        periods=("w1",),
        demand=10,
        hours_per_unit=0,
        producible=False,
        initial_workforce=1,
        **BASE,
    )
    plan = plan_network(data)
    # 1 worker is paid 100 h x 5 = 500 and cannot be laid off; 10 units at 35 = 350.
    assert plan.total_cost == pytest.approx(850)
    assert plan.production.sum() == 0
