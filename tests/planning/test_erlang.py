"""Erlang C: exact hand values, an independent exact-arithmetic oracle, properties."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from obeya.errors import SpecError
from obeya.planning import (
    erlang_b,
    erlang_c,
    erlang_c_probability,
    erlang_c_staffing,
    service_level,
)


def textbook_erlang_c(traffic: Fraction, agents: int) -> Fraction:
    """The textbook formula written out with factorials, in exact rational arithmetic:

    C = (A^N / N! * N / (N - A)) / (sum_{k=0}^{N-1} A^k / k! + A^N / N! * N / (N - A))
    """
    top = traffic**agents / math.factorial(agents) * Fraction(agents) / (agents - traffic)
    bottom = sum(traffic**k / math.factorial(k) for k in range(agents)) + top
    return top / bottom


def test_hand_worked_two_erlangs_on_three_agents() -> None:
    # B(3, 2) = (2^3/3!) / (1 + 2 + 2^2/2! + 2^3/3!) = (4/3) / (19/3) = 4/19.
    # C(3, 2) = 3 B / (3 - 2 (1 - B)) = (12/19) / (27/19) = 4/9.
    assert erlang_b(2, 3) == pytest.approx(4 / 19, rel=1e-12)
    assert erlang_c_probability(2, 3) == pytest.approx(4 / 9, rel=1e-12)
    # SL within 30 s at AHT 60 s: 1 - 4/9 * exp(-(3 - 2) * 30/60) = 1 - 4/9 e^-0.5.
    assert service_level(2, 3, 60, 30) == pytest.approx(1 - 4 / 9 * math.exp(-0.5), rel=1e-12)


def test_one_agent_is_the_mm1_queue() -> None:
    # With one agent, C(1, A) = A (the M/M/1 probability of waiting is the utilisation).
    for a in (0.1, 0.5, 0.9):
        assert erlang_c_probability(a, 1) == pytest.approx(a, rel=1e-12)


@pytest.mark.parametrize(
    ("traffic", "agents"),
    [
        (Fraction(10), 11),
        (Fraction(10), 14),
        (Fraction(5, 2), 4),
        (Fraction(503, 10), 57),
        (Fraction(100), 112),
    ],
)
def test_matches_the_exact_textbook_formula(traffic: Fraction, agents: int) -> None:
    expected = float(textbook_erlang_c(traffic, agents))
    assert erlang_c_probability(float(traffic), agents) == pytest.approx(expected, rel=1e-10)


def test_hundred_calls_per_half_hour_at_three_minutes() -> None:
    # 100 calls per half hour = 200 per hour; AHT 180 s: A = 200 x 180 / 3600 = 10 erlangs.
    # Target 80 % within 20 s. Using the exact oracle: 13 agents give
    # SL = 1 - C(13, 10) e^{-3 x 20/180} < 0.8, 14 agents give > 0.8.
    a = Fraction(10)
    sl = {n: 1 - float(textbook_erlang_c(a, n)) * math.exp(-(n - 10) * 20 / 180) for n in (13, 14)}
    assert sl[13] < 0.8 < sl[14]
    result = erlang_c(200, 180, 0.8, 20)
    assert result.agents == result.agents_before_shrinkage == 14
    assert result.traffic_erlangs == pytest.approx(10)
    assert result.service_level == pytest.approx(sl[14], rel=1e-10)
    c14 = float(textbook_erlang_c(a, 14))
    assert result.probability_of_waiting == pytest.approx(c14, rel=1e-10)
    assert result.asa_seconds == pytest.approx(c14 * 180 / (14 - 10), rel=1e-10)
    assert result.occupancy == pytest.approx(10 / 14)


def test_shrinkage_grosses_up_and_occupancy_cap_adds_agents() -> None:
    # 14 on the phones with 30 % shrinkage: ceil(14 / 0.7) = ceil(20) = 20 (not 21).
    assert erlang_c(200, 180, 0.8, 20, shrinkage=0.3).agents == 20
    # An occupancy cap of 65 %: 10 / N <= 0.65 needs N >= 15.38, so 16.
    capped = erlang_c(200, 180, 0.8, 20, max_occupancy=0.65)
    assert capped.agents_before_shrinkage == 16
    assert capped.occupancy <= 0.65


def test_no_arrivals_need_no_agents() -> None:
    r = erlang_c(0, 180, 0.8, 20, shrinkage=0.3)
    assert (r.agents, r.service_level, r.asa_seconds, r.occupancy) == (0, 1.0, 0.0, 0.0)


def test_huge_traffic_does_not_overflow() -> None:
    # 50 000 erlangs: factorials would overflow a float long before this.
    r = erlang_c(600_000, 300, 0.8, 20)
    assert r.traffic_erlangs == pytest.approx(50_000)
    assert math.isfinite(r.asa_seconds)
    assert r.agents > 50_000
    assert r.service_level >= 0.8
    assert service_level(50_000, r.agents - 1, 300, 20) < 0.8


def test_staffing_is_vectorised_over_intervals() -> None:
    arrivals = np.array([0, 40, 200, 1000])
    needed = erlang_c_staffing(arrivals, 180, 0.8, 20)
    assert needed.shape == (4,)
    assert needed[0] == 0
    assert needed[2] == erlang_c(200, 180, 0.8, 20).agents


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"target": 1.0}, "strictly between 0 and 1"),
        ({"target": 0.0}, "strictly between 0 and 1"),
        ({"shrinkage": 1.0}, r"shrinkage = 1.0: must be a share in \[0, 1\)"),
        ({"max_occupancy": 0.0}, r"max_occupancy = 0.0"),
        ({"within_seconds": -1.0}, "within_seconds = -1.0: must be >= 0"),
        ({"arrivals_per_hour": -5.0}, "arrivals_per_hour must be finite and >= 0"),
        ({"aht_seconds": 0.0}, "aht_seconds must be finite and > 0"),
    ],
)
def test_bad_inputs_are_refused(kwargs: dict[str, float], message: str) -> None:
    args: dict[str, float] = {
        "arrivals_per_hour": 200.0,
        "aht_seconds": 180.0,
        "target": 0.8,
        "within_seconds": 20.0,
    }
    args.update(kwargs)
    with pytest.raises(SpecError, match=message):
        erlang_c(**args)  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None)
@given(
    st.floats(0.1, 300),
    st.floats(5, 900),
    st.floats(0.5, 0.95),
    st.floats(0, 120),
)
def test_result_is_the_smallest_head_count_and_consistent(
    arrivals: float, aht: float, target: float, within: float
) -> None:
    r = erlang_c(arrivals, aht, target, within)
    a = arrivals * aht / 3600
    n = r.agents_before_shrinkage
    assert r.service_level >= target
    assert service_level(a, n - 1, aht, within) < target  # one fewer would miss
    assert r.occupancy == pytest.approx(a / n)


@settings(max_examples=60, deadline=None)
@given(st.floats(0.1, 500), st.floats(5, 900), st.floats(0, 120))
def test_more_agents_never_lower_service_or_raise_waiting(
    traffic: float, aht: float, within: float
) -> None:
    n = np.arange(math.floor(traffic) + 1, math.floor(traffic) + 40)
    sl = service_level(traffic, n, aht, within)
    pw = erlang_c_probability(traffic, n)
    assert np.all(np.diff(sl) >= -1e-12)
    assert np.all(np.diff(pw) <= 1e-12)
    assert np.all((sl >= 0) & (sl <= 1))
