"""Monte Carlo landing: deterministic cases by hand, moments against closed forms."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from obeya.errors import SpecError
from obeya.finance import RollingForecastInputs, Uncertain, VolumeDistribution, simulate_landing

Z90 = 1.2815515655446004  # standard normal 90th percentile
MONTHS12 = tuple(f"2025-{m:02d}" for m in range(1, 13))


def test_no_uncertainty_is_the_plan() -> None:
    # Units 100 + 120 + 80 = 300; revenue 5000 to date + 300 x 10 = 8000;
    # costs 4000 to date + 300 x (6 + 1) + 3 x 50 = 6250; operating income 1750.
    inputs = RollingForecastInputs(
        months=("2025-10", "2025-11", "2025-12"),
        planned_units=(100, 120, 80),
        volume_sd=0.0,
        price=Uncertain(10),
        unit_cost=Uncertain(6),
        freight_rate=Uncertain(1),
        fixed_costs=Uncertain(50),
        actual_revenue_to_date=5000,
        actual_costs_to_date=4000,
    )
    f = simulate_landing(inputs, paths=100)
    assert (f.revenue.p10, f.revenue.p50, f.revenue.p90) == pytest.approx((8000, 8000, 8000))
    assert f.costs.mean == pytest.approx(6250)
    assert f.operating_income.p50 == pytest.approx(1750)
    assert f.operating_income_paths.shape == (100,)


def test_correlated_normal_volume_matches_closed_form() -> None:
    # 12 months of 100 units at price 10, multiplier sd 0.1, correlation 0.5 between
    # every pair of months. Revenue sd per month = 100 x 10 x 0.1 = 100; the sum's
    # variance = 100^2 x (12 + 0.5 x 12 x 11) = 100^2 x 78, sd = 883.18. Mean 12,000.
    # P90 - P10 = 2 x 1.28155 x 883.18 = 2263.7.
    inputs = RollingForecastInputs(
        months=MONTHS12,
        planned_units=(100.0,) * 12,
        volume_sd=0.1,
        price=Uncertain(10),
        unit_cost=Uncertain(0),
        volume_correlation=0.5,
    )
    f = simulate_landing(inputs, paths=10_000, seed=7)
    sd = 100 * math.sqrt(78)
    # Standard error of the mean over 10,000 paths: 883 / 100 = 8.8; allow 4 of them.
    assert f.revenue.mean == pytest.approx(12_000, abs=4 * sd / 100)
    assert f.revenue.p50 == pytest.approx(12_000, abs=5 * sd / 100)
    assert f.revenue.p90 - f.revenue.p10 == pytest.approx(2 * Z90 * sd, rel=0.04)
    assert np.std(f.revenue_paths) == pytest.approx(sd, rel=0.03)


def test_perfect_correlation_moves_all_months_together() -> None:
    # Correlation 1: the total is 1200 units x 10 x (1 + 0.1 z): sd 1200, not 1200/sqrt(12).
    inputs = RollingForecastInputs(
        months=MONTHS12,
        planned_units=(100.0,) * 12,
        volume_sd=0.1,
        price=Uncertain(10),
        unit_cost=Uncertain(0),
        volume_correlation=1.0,
    )
    f = simulate_landing(inputs, paths=10_000, seed=3)
    assert np.std(f.revenue_paths) == pytest.approx(1200, rel=0.03)


def test_lognormal_volume_keeps_mean_and_skews() -> None:
    # One month, 1000 units at 1.0, multiplier mean 1, sd 0.5: s^2 = ln(1.25) = 0.22314,
    # median multiplier exp(-s^2 / 2) = 0.8944, so P50 = 894.4 while the mean stays 1000.
    inputs = RollingForecastInputs(
        months=("2025-12",),
        planned_units=(1000.0,),
        volume_sd=0.5,
        price=Uncertain(1.0),
        unit_cost=Uncertain(0),
        volume_distribution=VolumeDistribution.LOGNORMAL,
    )
    f = simulate_landing(inputs, paths=10_000, seed=11)
    # Standard error of the mean: 500 / 100 = 5; allow 4.
    assert f.revenue.mean == pytest.approx(1000, abs=20)
    assert f.revenue.p50 == pytest.approx(1000 * math.exp(-math.log(1.25) / 2), rel=0.02)
    assert f.revenue_paths.min() > 0  # a lognormal multiplier never goes negative


def test_price_level_uncertainty() -> None:
    # Volume fixed at 1200 units, price normal(10, 0.5) drawn once per path: revenue
    # sd = 1200 x 0.5 = 600; unit cost 6 fixed, so income sd is also 600.
    inputs = RollingForecastInputs(
        months=MONTHS12,
        planned_units=(100.0,) * 12,
        volume_sd=0.0,
        price=Uncertain(10, 0.5),
        unit_cost=Uncertain(6),
    )
    f = simulate_landing(inputs, paths=10_000, seed=5)
    assert np.std(f.operating_income_paths) == pytest.approx(600, rel=0.03)
    assert f.operating_income.mean == pytest.approx(1200 * 4, abs=4 * 600 / 100)
    assert f.operating_income.p10 < f.operating_income.p50 < f.operating_income.p90


def test_seeded_and_reproducible() -> None:
    inputs = RollingForecastInputs(
        months=("a", "b"),
        planned_units=(10, 20),
        volume_sd=(0.1, 0.2),
        price=Uncertain(5, 0.1),
        unit_cost=Uncertain(3, 0.1),
        fixed_costs=(Uncertain(4, 1), Uncertain(5, 1)),
    )
    one, two = simulate_landing(inputs, 500, seed=42), simulate_landing(inputs, 500, seed=42)
    assert np.array_equal(one.operating_income_paths, two.operating_income_paths)
    other = simulate_landing(inputs, 500, seed=43)
    assert not np.array_equal(one.operating_income_paths, other.operating_income_paths)
    assert one.to_dict()["seed"] == 42


def test_bad_inputs_are_refused() -> None:
    base = RollingForecastInputs(
        months=("a", "b"),
        planned_units=(10, 20),
        volume_sd=0.1,
        price=Uncertain(5),
        unit_cost=Uncertain(3),
    )
    with pytest.raises(SpecError, match="one value per remaining month"):
        simulate_landing(replace(base, planned_units=(1, 2, 3)))
    with pytest.raises(SpecError, match="not a valid correlation matrix"):
        simulate_landing(replace(base, volume_correlation=((1.0, 2.0), (2.0, 1.0))))
    with pytest.raises(SpecError, match="symmetric"):
        simulate_landing(replace(base, volume_correlation=((1.0, 0.2), (0.3, 1.0))))
    with pytest.raises(SpecError, match="fixed_costs"):
        simulate_landing(replace(base, fixed_costs=(Uncertain(1),)))
    with pytest.raises(SpecError, match="at least 1"):
        simulate_landing(base, paths=0)
