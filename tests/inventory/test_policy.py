"""Vectorised SKU x site policy: hand-worked rows, invariants, agreement with the scalars."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from obeya.errors import DataError
from obeya.inventory import (
    ReviewPolicy,
    ServiceTarget,
    inventory_policy,
    newsvendor,
    newsvendor_quantities,
    normal_loss,
    policy_totals,
    reorder_point,
)

BASE = {
    "demand_mean": 100.0,
    "demand_sd": 20.0,
    "lead_time_mean": 4.0,
    "lead_time_sd": 1.0,
    "unit_cost": 10.0,
    "order_cost": 50.0,
    "holding_rate": 0.25,
}


def test_continuous_csl_row_by_hand() -> None:
    # sigma_L = sqrt(4 * 20^2 + 100^2 * 1^2) = 107.7033; z(0.95) = 1.644854; SS = 177.1562;
    # s = 400 + 177.1562 = 577.1562. Annual demand 100 * 52 = 5200, h = 0.25 * 10 = 2.5,
    # EOQ = sqrt(2 * 5200 * 50 / 2.5) = sqrt(208000) = 456.0702.
    # Average inventory 177.1562 + 228.0351 = 405.1913 -> investment 4051.913;
    # turns 5200 / 405.1913 = 12.8334; ordering 50 * 5200 / 456.0702 = 570.088/yr.
    p = inventory_policy(**BASE, service_level=0.95)
    assert p.safety_stock == pytest.approx(177.1562, abs=1e-4)
    assert p.reorder_point == pytest.approx(577.1562, abs=1e-4)
    assert p.order_quantity == pytest.approx(456.0702, abs=1e-4)
    assert p.order_up_to_level == pytest.approx(577.1562 + 456.0702, abs=1e-3)
    assert p.inventory_investment == pytest.approx(4051.913, abs=1e-3)
    assert p.expected_turns == pytest.approx(12.8334, abs=1e-4)
    assert p.annual_ordering_cost == pytest.approx(570.088, abs=1e-3)


def test_continuous_fill_rate_row_by_hand() -> None:
    # G(k) = Q (1 - 0.99) / sigma_L = 456.0702 * 0.01 / 107.7033 = 0.042345.
    # Table: G(1.33) = 0.16474 - 1.33 * 0.09176 = 0.04270; G(1.34) = 0.16256 - 1.34 * 0.09012
    # = 0.04180; interpolating, k = 1.33 + (0.04270 - 0.042345) / 0.00090 * 0.01 = 1.3339.
    p = inventory_policy(**BASE, service_level=0.99, target=ServiceTarget.FILL_RATE)
    assert float(p.safety_factor) == pytest.approx(1.3339, abs=5e-4)
    assert float(normal_loss(p.safety_factor)) == pytest.approx(0.042345, abs=1e-6)
    assert p.safety_stock == pytest.approx(float(p.safety_factor) * 107.7033, rel=1e-6)


def test_periodic_csl_row_by_hand() -> None:
    # (R, S), R = 2, L = 4, no lead-time variability: sigma = 20 * sqrt(6) = 48.9898;
    # z(0.90) = 1.281552; SS = 62.7830; S = 100 * 6 + 62.7830 = 662.7830.
    # Mean order per review 200, cycle stock 100; 26 orders/yr -> ordering 1300/yr.
    p = inventory_policy(
        **{**BASE, "lead_time_sd": 0.0},
        service_level=0.90,
        policy=ReviewPolicy.PERIODIC,
        review_period=2,
    )
    assert p.safety_stock == pytest.approx(62.7830, abs=1e-4)
    assert p.order_up_to_level == pytest.approx(662.7830, abs=1e-4)
    assert p.order_quantity == pytest.approx(200.0)
    assert p.annual_ordering_cost == pytest.approx(1300.0)


def test_vector_rows_match_the_scalar_reorder_point() -> None:
    rng = np.random.default_rng(7)
    n = 50
    d, sd = rng.uniform(1, 500, n), rng.uniform(0, 100, n)
    lt, sdl = rng.uniform(0.5, 10, n), rng.uniform(0, 2, n)
    csl = rng.uniform(0.5, 0.999, n)
    p = inventory_policy(
        demand_mean=d,
        demand_sd=sd,
        lead_time_mean=lt,
        lead_time_sd=sdl,
        unit_cost=1.0,
        order_cost=10.0,
        holding_rate=0.2,
        service_level=csl,
    )
    for i in range(n):
        one = reorder_point(
            demand_mean=d[i],
            demand_sd=sd[i],
            lead_time_mean=lt[i],
            lead_time_sd=sdl[i],
            service_level=csl[i],
        )
        assert p.reorder_point[i] == pytest.approx(one.reorder_point, rel=1e-12)


rows = st.integers(1, 30)
positive = st.floats(0.1, 1000)


@settings(max_examples=60, deadline=None)
@given(
    n=rows,
    data=st.data(),
    policy=st.sampled_from(ReviewPolicy),
    target=st.sampled_from(ServiceTarget),
)
def test_safety_stock_rises_with_service_level(
    n: int, data: st.DataObject, policy: ReviewPolicy, target: ServiceTarget
) -> None:
    arr = lambda lo, hi: data.draw(hnp.arrays(np.float64, n, elements=st.floats(lo, hi)))  # noqa: E731
    inputs = {
        "demand_mean": arr(0.1, 1000),
        "demand_sd": arr(0.0, 300),
        "lead_time_mean": arr(0, 20),
        "lead_time_sd": arr(0, 3),
        "unit_cost": arr(0.1, 100),
        "order_cost": arr(0, 500),
        "holding_rate": arr(0.01, 0.5),
        "review_period": arr(1, 8),
    }
    low = arr(0.5, 0.98)
    high = np.minimum(low + arr(0.0, 0.5), 0.999)
    a = inventory_policy(**inputs, service_level=low, policy=policy, target=target)
    b = inventory_policy(**inputs, service_level=high, policy=policy, target=target)
    assert np.all(b.safety_stock >= a.safety_stock - 1e-9 * (1 + a.safety_stock))
    assert np.all(b.safety_factor >= a.safety_factor - 1e-9)


@settings(max_examples=60, deadline=None)
@given(
    d=hnp.arrays(np.float64, 20, elements=st.floats(0.1, 1e4)),
    sd=hnp.arrays(np.float64, 20, elements=st.floats(0.01, 1e3)),
    fill=hnp.arrays(np.float64, 20, elements=st.floats(0.5, 0.9999)),
    policy=st.sampled_from(ReviewPolicy),
)
def test_fill_rate_solution_satisfies_its_equation(
    d: np.ndarray, sd: np.ndarray, fill: np.ndarray, policy: ReviewPolicy
) -> None:
    p = inventory_policy(
        **{**BASE, "demand_mean": d, "demand_sd": sd},
        service_level=fill,
        target=ServiceTarget.FILL_RATE,
        policy=policy,
        review_period=3,
        allow_negative_safety_stock=True,
    )
    # G(k) sigma = Q (1 - fill): expected shortage per cycle = allowed shortage.
    lhs = normal_loss(p.safety_factor) * p.protection_sd
    rhs = p.order_quantity * (1 - fill)
    solvable = p.safety_factor < 8.4  # beyond, float64 cannot tell G from 0
    np.testing.assert_allclose(lhs[solvable], rhs[solvable], rtol=1e-6)
    np.testing.assert_allclose(p.safety_stock, p.safety_factor * p.protection_sd, rtol=1e-12)


@given(
    target=st.sampled_from(ServiceTarget),
    policy=st.sampled_from(ReviewPolicy),
    level=st.floats(0.5, 0.9999),
)
def test_zero_sd_gives_zero_safety_stock(
    target: ServiceTarget, policy: ReviewPolicy, level: float
) -> None:
    p = inventory_policy(
        **{**BASE, "demand_sd": 0.0, "lead_time_sd": 0.0},
        service_level=level,
        target=target,
        policy=policy,
    )
    assert float(p.safety_stock) == 0.0


def test_negative_safety_stock_is_floored_unless_allowed() -> None:
    # A 50 % fill rate with a big EOQ needs k < 0; floored at 0 by default.
    floored = inventory_policy(**BASE, service_level=0.5, target=ServiceTarget.FILL_RATE)
    raw = inventory_policy(
        **BASE, service_level=0.5, target=ServiceTarget.FILL_RATE, allow_negative_safety_stock=True
    )
    assert float(raw.safety_factor) < 0
    assert float(floored.safety_stock) == 0.0
    assert float(raw.safety_stock) < 0


def test_totals_add_up_the_rows() -> None:
    cost = np.array([10.0, 2.0, 5.0])
    p = inventory_policy(
        **{**BASE, "demand_mean": np.array([100.0, 0.0, 30.0]), "unit_cost": cost},
        service_level=0.95,
    )
    t = policy_totals(p, cost)
    assert t.rows == 3
    assert t.inventory_investment == pytest.approx(float(np.sum(p.inventory_investment)))
    assert t.safety_stock_value + t.cycle_stock_value == pytest.approx(t.inventory_investment)
    # Cost of goods: (100 + 0 + 30 * 5 / 10 ...) = 5200 * 10 + 0 + 1560 * 5 = 59800.
    assert t.annual_cost_of_goods == pytest.approx(59800.0)
    assert t.expected_turns == pytest.approx(59800.0 / t.inventory_investment)


def test_bad_rows_are_named() -> None:
    sd = np.array([1.0, 2.0, -3.0, -1.0])
    with pytest.raises(DataError, match=r"demand_sd: 2 rows .*\(first at index 2: -3.0\)"):
        inventory_policy(**{**BASE, "demand_sd": sd}, service_level=0.9)


def test_misaligned_inputs_are_refused() -> None:
    with pytest.raises(DataError, match="inputs do not line up"):
        inventory_policy(
            **{**BASE, "demand_mean": np.ones(3), "demand_sd": np.ones(4)}, service_level=0.9
        )


def test_seasonal_quantities_match_the_scalar_newsvendor() -> None:
    mean = np.array([50.0, 100.0, 0.0, 30.0])
    sd = np.array([8.0, 20.0, 0.0, 0.0])
    cost = np.array([0.18, 6.0, 1.0, 2.0])
    price = np.array([0.88, 10.0, 2.0, 5.0])
    salvage = np.array([0.0, 2.0, 0.5, 0.0])
    v = newsvendor_quantities(mean=mean, sd=sd, unit_cost=cost, price=price, salvage=salvage)
    for i in range(4):
        one = newsvendor(mean[i], sd[i], cost[i], price[i], salvage[i])
        assert v.order_quantity[i] == pytest.approx(one.order_quantity, abs=1e-12)
        assert v.expected_profit[i] == pytest.approx(one.expected_profit, abs=1e-9)
    # Certain demand: buy the mean, sell it all: profit (5 - 2) * 30 = 90.
    assert v.expected_profit[3] == pytest.approx(90.0)
    assert v.fill_rate[3] == pytest.approx(1.0)
