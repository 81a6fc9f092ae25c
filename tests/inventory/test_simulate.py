"""Policy simulation: hand-traced runs and long runs that land on their targets."""

from __future__ import annotations

import numpy as np
import pytest

from obeya.errors import DataError
from obeya.inventory import (
    ReviewPolicy,
    ServiceTarget,
    ShortageModel,
    inventory_policy,
    sample_demand_bootstrap,
    sample_demand_normal,
    simulate_policy,
)


def test_s_q_traced_by_hand() -> None:
    # Demand 10 a period, s = 20, Q = 50, start with s + Q = 70 on hand.
    # Lead time 3: net after demand 60, 50, 40, 30, 20 (t4: position 20 <= s -> order 50,
    # due end of t7), 10, 0, t7: 10 demanded with 0 on hand -> 10 short, receipt -> 40.
    # Fill rate (80 - 10) / 80 = 0.875; the one cycle closed (receipt at t7) had a stock-out.
    demand = np.full((1, 8), 10.0)
    late = simulate_policy(
        demand, policy=ReviewPolicy.CONTINUOUS, lead_time=3, reorder_point=20, order_quantity=50
    )
    assert late.fill_rate.tolist() == [0.875]
    assert late.cycles.tolist() == [1]
    assert late.cycle_service_level.tolist() == [0.0]
    assert late.orders_placed.tolist() == [1]
    # Backorders: net -10 during t7 is booked before the receipt, so the end-of-period
    # backorder level stays 0; on hand at period ends 60, 50, 40, 30, 20, 10, 0, 40 -> 31.25.
    assert late.average_on_hand.tolist() == [31.25]
    # Lead time 2: the order lands at the end of t6, before the stock runs out.
    on_time = simulate_policy(
        demand, policy=ReviewPolicy.CONTINUOUS, lead_time=2, reorder_point=20, order_quantity=50
    )
    assert on_time.fill_rate.tolist() == [1.0]
    assert on_time.cycle_service_level.tolist() == [1.0]


def test_r_s_traced_by_hand() -> None:
    # (R, S) with R = 2, L = 1, demand 10: S must cover R + L = 3 periods = 30.
    # t0 review: 30 - 10 = 20 -> order 10 (arrives end of t1); t1: 10 + 10 = 20;
    # t2 review: 10 -> order 20 (end of t3); t3: 0 + 20 = 20; ... never short with S = 30,
    # and with S = 29 one unit is short in every cycle after the first review.
    demand = np.full((2, 9), 10.0)
    r = simulate_policy(
        demand,
        policy=ReviewPolicy.PERIODIC,
        lead_time=1,
        order_up_to_level=np.array([30.0, 29.0]),
        review_period=2,
        initial_on_hand=np.array([30.0, 29.0]),
    )
    assert r.fill_rate[0] == 1.0
    # Series 2: t0 29 - 10 = 19, order 10; t1 9 + 10 = 19; t2 9, order 20; t3 demand 10 from 9
    # -> 1 short, net -1, + 20 = 19; t5 and t7 likewise -> 3 short of 90.
    assert r.units_short[1] == pytest.approx(3.0)
    assert r.fill_rate[1] == pytest.approx(87 / 90)


def test_lost_sales_never_go_negative() -> None:
    demand = np.full((1, 6), 10.0)
    r = simulate_policy(
        demand,
        policy=ReviewPolicy.PERIODIC,
        lead_time=0,
        review_period=3,
        order_up_to_level=15.0,
        shortage=ShortageModel.LOST_SALES,
    )
    # t0: 15 - 10 = 5, order 10 now (L = 0) -> 15; t1: 5; t2: 10 asked, 5 sold, 5 lost -> 0;
    # t3: 10 lost, review: order 15 -> 15; t4: 5; t5: 5 lost -> 0. Lost 20 of 60.
    assert r.units_short.tolist() == [20.0]
    assert r.average_backorders.tolist() == [0.0]


@pytest.mark.parametrize(
    ("target", "level", "review_period"),
    [
        (ServiceTarget.CYCLE_SERVICE_LEVEL, 0.90, 1),
        (ServiceTarget.CYCLE_SERVICE_LEVEL, 0.95, 4),
        (ServiceTarget.FILL_RATE, 0.98, 1),
        (ServiceTarget.FILL_RATE, 0.95, 4),
    ],
)
def test_long_run_lands_on_the_target(
    target: ServiceTarget, level: float, review_period: int
) -> None:
    # 4 series x 20,000 periods of N(100, 25^2) demand (CV 0.25, so truncation at 0 is
    # negligible), lead time 2. Sampling error of the pooled rates is below 0.003.
    rng = np.random.default_rng(20260101)
    mean, sd = np.full(4, 100.0), np.full(4, 25.0)
    policy = inventory_policy(
        demand_mean=mean,
        demand_sd=sd,
        lead_time_mean=2,
        unit_cost=1.0,
        order_cost=50.0,
        holding_rate=0.25,
        service_level=level,
        target=target,
        policy=ReviewPolicy.PERIODIC,
        review_period=review_period,
    )
    demand = sample_demand_normal(mean, sd, 20_000, rng=rng)
    r = simulate_policy(
        demand,
        policy=ReviewPolicy.PERIODIC,
        lead_time=2,
        order_up_to_level=policy.order_up_to_level,
        review_period=review_period,
        warmup=100,
    )
    achieved = (
        float(np.average(r.cycle_service_level, weights=r.cycles))
        if target is ServiceTarget.CYCLE_SERVICE_LEVEL
        else float(1 - r.units_short.sum() / r.demand.sum())
    )
    assert achieved == pytest.approx(level, abs=0.01)


def test_s_q_undershoot_only_lowers_service() -> None:
    # Reviewing (s, Q) once a period lets the position fall below s before an order goes
    # out (undershoot), so the continuous-review formulas overstate the service achieved.
    rng = np.random.default_rng(5)
    mean, sd = np.full(4, 10.0), np.full(4, 3.0)
    policy = inventory_policy(
        demand_mean=mean,
        demand_sd=sd,
        lead_time_mean=4,
        unit_cost=1.0,
        order_cost=2.0,
        holding_rate=0.25,
        service_level=0.9,
    )
    demand = sample_demand_normal(mean, sd, 20_000, rng=rng)
    r = simulate_policy(
        demand,
        policy=ReviewPolicy.CONTINUOUS,
        lead_time=4,
        reorder_point=policy.reorder_point,
        order_quantity=policy.order_quantity,
        warmup=100,
    )
    assert float(np.average(r.cycle_service_level, weights=r.cycles)) < 0.9


def test_random_lead_times_per_order_equal_fixed_ones_when_constant() -> None:
    rng = np.random.default_rng(11)
    demand = sample_demand_normal(np.array([50.0, 80.0]), np.array([10.0, 20.0]), 300, rng=rng)
    fixed = simulate_policy(
        demand, policy=ReviewPolicy.PERIODIC, lead_time=[2, 3], order_up_to_level=[200.0, 400.0]
    )
    varying = simulate_policy(
        demand,
        policy=ReviewPolicy.PERIODIC,
        lead_time=np.repeat([[2], [3]], 300, axis=1),
        order_up_to_level=[200.0, 400.0],
    )
    np.testing.assert_array_equal(fixed.fill_rate, varying.fill_rate)


def test_bootstrap_draws_only_from_history() -> None:
    history = np.array([[1.0, 2.0, 3.0], [10.0, 10.0, 10.0]])
    draws = sample_demand_bootstrap(history, 500, rng=np.random.default_rng(0))
    assert draws.shape == (2, 500)
    assert set(np.unique(draws[0])) == {1.0, 2.0, 3.0}
    assert np.all(draws[1] == 10.0)


def test_fractional_lead_time_is_refused() -> None:
    with pytest.raises(DataError, match=r"lead_time = 1\.5: must be a whole number of periods"):
        simulate_policy(
            np.ones((1, 5)), policy=ReviewPolicy.PERIODIC, lead_time=1.5, order_up_to_level=3.0
        )


def test_s_q_needs_an_order_quantity() -> None:
    with pytest.raises(DataError, match="order_quantity"):
        simulate_policy(
            np.ones((1, 5)), policy=ReviewPolicy.CONTINUOUS, lead_time=1, reorder_point=3.0
        )
