"""Textbook single-item models against published and hand-worked cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import integrate, stats

from obeya.errors import DataError, InfeasibleError
from obeya.inventory import RQMethod, eoq, newsvendor, reorder_point, rq_policy
from obeya.inventory.models import _exact_cost

# --- EOQ ------------------------------------------------------------------------------


def test_eoq_snyder_shen_example_3_1() -> None:
    # Snyder & Shen, Fundamentals of Supply Chain Theory, 2nd ed. (2019), Example 3.1:
    # K = 8, h = 0.75 * 0.30 = 0.225 per year, lambda = 1300 per year
    # -> Q* = 304.05, g(Q*) = 68.41 (also asserted in the authors' stockpyl test_eoq.py).
    # By hand: Q* = sqrt(2 * 1300 * 8 / 0.225) = sqrt(92444.44) = 304.0468;
    #          g* = sqrt(2 * 1300 * 8 * 0.225) = sqrt(4680) = 68.4105.
    result = eoq(demand=1300, order_cost=8, holding_cost=0.225)
    assert result.order_quantity == pytest.approx(304.05, abs=0.005)
    assert result.total_cost == pytest.approx(68.41, abs=0.005)
    assert result.ordering_cost == pytest.approx(result.holding_cost)


def test_eoq_zero_demand_orders_nothing() -> None:
    result = eoq(demand=0, order_cost=8, holding_cost=0.225)
    assert (result.order_quantity, result.total_cost) == (0.0, 0.0)


@given(st.floats(1.0, 1e6), st.floats(0.1, 1e4), st.floats(0.01, 100), st.floats(0.5, 2.0))
def test_eoq_costs_no_more_than_any_other_quantity(
    demand: float, order_cost: float, holding: float, factor: float
) -> None:
    best = eoq(demand=demand, order_cost=order_cost, holding_cost=holding)
    other_q = best.order_quantity * factor
    other_cost = order_cost * demand / other_q + holding * other_q / 2
    assert best.total_cost <= other_cost * (1 + 1e-12)


def test_eoq_refuses_nonpositive_holding_cost() -> None:
    with pytest.raises(DataError, match=r"holding_cost = 0\.0: must be greater than 0"):
        eoq(demand=100, order_cost=5, holding_cost=0)


# --- Newsvendor -----------------------------------------------------------------------


def test_newsvendor_snyder_shen_chapter_4_example() -> None:
    # Snyder & Shen, 2nd ed., ch. 4 newsvendor example: h = 0.18, p = 0.70, D ~ N(50, 8^2)
    # -> S* = 56.60, g(S*) = 2.00 (stockpyl test_newsvendor.py, example 4.3: 56.6040, 1.9976).
    # In price terms: overage c - s = 0.18 with c = 0.18, s = 0; underage price - c = 0.70,
    # so price = 0.88. Critical ratio 0.70 / 0.88 = 0.795455; z = 0.825494;
    # Q* = 50 + 8 * 0.825494 = 56.6040.
    # Expected cost at the optimum (p + h) sigma phi(z) = 0.88 * 8 * 0.283751 = 1.99761,
    # so expected profit = 0.70 * 50 - 1.99761 = 33.00239.
    result = newsvendor(mean=50, sd=8, unit_cost=0.18, price=0.88)
    assert result.critical_ratio == pytest.approx(0.795455, abs=1e-6)
    assert result.order_quantity == pytest.approx(56.60, abs=0.005)
    assert result.expected_profit == pytest.approx(33.0024, abs=1e-4)


def test_newsvendor_with_salvage_by_hand() -> None:
    # Worked by hand: c = 6, price = 10, salvage = 2, D ~ N(100, 20^2).
    # ratio = (10 - 6) / (10 - 2) = 0.5 -> z = 0, Q* = 100.
    # Expected shortage = 20 * G(0) = 20 * 0.398942 = 7.97885; leftover = 7.97885.
    # Profit = (10 - 6) * 100 - (10 - 2) * 20 * phi(0) = 400 - 160 * 0.398942 = 336.1693.
    result = newsvendor(mean=100, sd=20, unit_cost=6, price=10, salvage=2)
    assert result.order_quantity == pytest.approx(100.0)
    assert result.expected_shortage == pytest.approx(7.97885, abs=1e-5)
    assert result.expected_leftover == pytest.approx(7.97885, abs=1e-5)
    assert result.expected_profit == pytest.approx(336.1693, abs=1e-4)


@given(st.floats(0.5, 2.0).filter(lambda f: abs(f - 1) > 1e-3))
def test_newsvendor_profit_beats_other_quantities(factor: float) -> None:
    best = newsvendor(mean=200, sd=40, unit_cost=3, price=7, salvage=1)
    q = best.order_quantity * factor
    # Profit of any Q: price * E[min(D, Q)] + salvage * E[(Q - D)+] - cost * Q.
    shortage = 40 * float(stats.norm.pdf((q - 200) / 40)) - (q - 200) * float(
        stats.norm.sf((q - 200) / 40)
    )
    sales = 200 - shortage
    profit = 7 * sales + 1 * (q - sales) - 3 * q
    assert best.expected_profit >= profit


def test_newsvendor_refuses_price_below_cost() -> None:
    with pytest.raises(DataError, match=r"price = 5\.0 must exceed unit_cost = 6\.0"):
        newsvendor(mean=100, sd=20, unit_cost=6, price=5)


# --- Reorder point --------------------------------------------------------------------


def test_reorder_point_with_lead_time_variability_by_hand() -> None:
    # Worked by hand: d = 100/week, sd_d = 20, L = 4 weeks, sd_L = 1 week, CSL 95 %.
    # sigma_LT = sqrt(4 * 20^2 + 100^2 * 1^2) = sqrt(1600 + 10000) = sqrt(11600) = 107.7033
    # z = 1.644854; SS = 1.644854 * 107.7033 = 177.1562; ROP = 400 + 177.1562 = 577.1562.
    result = reorder_point(
        demand_mean=100, demand_sd=20, lead_time_mean=4, lead_time_sd=1, service_level=0.95
    )
    assert result.lead_time_demand_sd == pytest.approx(107.7033, abs=1e-4)
    assert result.safety_stock == pytest.approx(177.1562, abs=1e-4)
    assert result.reorder_point == pytest.approx(577.1562, abs=1e-4)


def test_reorder_point_refuses_percentages() -> None:
    with pytest.raises(
        DataError, match=r"service_level = 95\.0: must lie strictly between 0 and 1"
    ):
        reorder_point(
            demand_mean=100, demand_sd=20, lead_time_mean=4, lead_time_sd=0, service_level=95
        )


# --- (r, Q) ---------------------------------------------------------------------------

# Nahmias, Production and Operations Analysis, §5.4, Harvey's Specialty Shop: a jar costs
# $10, holding at 20 %/yr -> h = $2 per jar-year; K = $50; goodwill loss p = $25 per jar;
# six-month lead time with mean 100 and sd 25 jars -> lambda = 200/yr.
# Our units: demand_sd per year = 25 / sqrt(0.5) so that over L = 0.5 yr the sd is 25.
HARVEY = {
    "demand_mean": 200.0,
    "demand_sd": 25.0 / math.sqrt(0.5),
    "lead_time": 0.5,
    "order_cost": 50.0,
    "holding_cost": 2.0,
    "stockout_cost": 25.0,
}


def test_rq_hadley_whitin_harvey_worked_by_hand() -> None:
    # The iteration worked by hand (normal-table values, rounded as a student would):
    # Q0 = EOQ = sqrt(2 * 200 * 50 / 2) = 100.
    # 1 - F(R) = Q h / (p lambda) = 100 * 2 / (25 * 200) = 0.04 -> z = 1.75, R = 143.75,
    #   n(R) = 25 * G(1.75) = 25 * 0.0162 = 0.405.
    # Q1 = sqrt(2 * 200 * (50 + 25 * 0.405) / 2) = sqrt(12025) = 109.66.
    # 1 - F(R) = 109.66 * 2 / 5000 = 0.0439 -> z = 1.71, R = 142.7, n(R) = 25 * 0.0178 = 0.445
    # Q2 = sqrt(200 * (50 + 11.12)) = 110.6; 1 - F(R) = 0.0442 -> z = 1.70, R = 142.5.
    # Converged to table precision: Q ~ 111, R ~ 143.
    result = rq_policy(**HARVEY)
    assert round(result.order_quantity) == 111
    assert round(result.reorder_point) == 143
    assert result.order_quantity == pytest.approx(110.8, abs=0.3)
    assert result.reorder_point == pytest.approx(142.6, abs=0.3)


def test_rq_hadley_whitin_satisfies_both_optimality_equations() -> None:
    r = rq_policy(**HARVEY)
    lam, h, p, k = 200.0, 2.0, 25.0, 50.0
    sigma = 25.0
    shortage = sigma * float(
        stats.norm.pdf((r.reorder_point - 100) / sigma)
        - (r.reorder_point - 100) / sigma * stats.norm.sf((r.reorder_point - 100) / sigma)
    )
    assert r.order_quantity == pytest.approx(math.sqrt(2 * lam * (k + p * shortage) / h), rel=1e-9)
    tail = float(stats.norm.sf((r.reorder_point - 100) / sigma))
    assert tail == pytest.approx(r.order_quantity * h / (p * lam), rel=1e-9)
    # Hadley-Whitin cost: K l / Q + h (Q/2 + R - mu) + p l n(R) / Q.
    cost = k * lam / r.order_quantity + h * (r.order_quantity / 2 + r.reorder_point - 100)
    cost += p * lam * shortage / r.order_quantity
    assert r.total_cost == pytest.approx(cost, rel=1e-12)
    assert r.method is RQMethod.HADLEY_WHITIN


def test_rq_exact_is_a_minimum_of_the_exact_cost() -> None:
    exact = rq_policy(**HARVEY, method=RQMethod.EXACT)
    approx = rq_policy(**HARVEY)
    args = (200.0, 100.0, 25.0, 50.0, 2.0, 25.0)
    assert exact.total_cost == pytest.approx(
        _exact_cost(exact.order_quantity, exact.reorder_point, *args), rel=1e-12
    )
    assert exact.total_cost <= _exact_cost(approx.order_quantity, approx.reorder_point, *args)
    for dq, dr in [(1, 0), (-1, 0), (0, 1), (0, -1), (0.5, 0.5), (-0.5, -0.5)]:
        neighbour = _exact_cost(exact.order_quantity + dq, exact.reorder_point + dr, *args)
        assert exact.total_cost <= neighbour


def test_rq_exact_cost_matches_a_direct_integration() -> None:
    # E[on hand] = E[(IP - D_L)+] with IP ~ U[r, r + Q]; backorders per cycle n(r) - n(r+Q).
    q, r, mu, sigma = 110.0, 140.0, 100.0, 25.0

    def on_hand(y: float) -> float:
        value, _ = integrate.quad(lambda x: (y - x) * stats.norm.pdf(x, mu, sigma), -np.inf, y)
        return value

    mean_on_hand, _ = integrate.quad(on_hand, r, r + q)
    mean_on_hand /= q

    def loss(y: float) -> float:
        z = (y - mu) / sigma
        return sigma * float(stats.norm.pdf(z) - z * stats.norm.sf(z))

    expected = 50 * 200 / q + 2 * mean_on_hand + 25 * 200 * (loss(r) - loss(r + q)) / q
    assert _exact_cost(q, r, 200.0, mu, sigma, 50.0, 2.0, 25.0) == pytest.approx(expected, rel=1e-7)


def test_rq_refuses_a_stockout_cost_too_low_to_hold_stock() -> None:
    with pytest.raises(InfeasibleError, match="too low"):
        rq_policy(**{**HARVEY, "stockout_cost": 0.5})


def test_rq_exact_needs_uncertain_demand() -> None:
    with pytest.raises(InfeasibleError, match=r"EXACT .* needs uncertain lead-time demand"):
        rq_policy(**{**HARVEY, "demand_sd": 0.0}, method=RQMethod.EXACT)


def test_rq_certain_demand_is_the_eoq() -> None:
    # No uncertainty: r = mean lead-time demand = 200 * 0.5 = 100 and Q = EOQ = 100.
    result = rq_policy(**{**HARVEY, "demand_sd": 0.0})
    assert (result.reorder_point, result.order_quantity) == (100.0, 100.0)


def test_rq_refuses_zero_order_cost() -> None:
    with pytest.raises(DataError, match=r"order_cost = 0\.0: must be greater than 0"):
        rq_policy(**{**HARVEY, "order_cost": 0.0})
