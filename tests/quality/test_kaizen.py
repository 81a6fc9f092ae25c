"""Before/after verification of improvements: each test against a hand calculation."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from obeya.errors import DataError, SpecError
from obeya.quality import (
    Better,
    Counts,
    KpiKind,
    SignificanceTest,
    verify_improvement,
)


def test_defect_rate_two_proportion_z() -> None:
    # Before 30/500 = 6 %, after 15/500 = 3 %. Pooled p = 45/1000 = 0.045;
    # SE = sqrt(0.045*0.955*(1/500 + 1/500)) = 0.0131111; z = -0.03/0.0131111 = -2.28814;
    # p = 2*Phi(-2.28814) = 0.02213.
    result = verify_improvement(
        Counts(30, 500),
        Counts(15, 500),
        kind=KpiKind.RATE,
        better=Better.LOWER,
        value_per_unit=40.0,
        volume_per_year=100_000,
    )
    assert result.test is SignificanceTest.TWO_PROPORTION_Z
    assert result.change == pytest.approx(-0.03)
    assert result.statistic == pytest.approx(-2.28814, abs=1e-5)
    assert result.p_value == pytest.approx(2 * stats.norm.cdf(-2.28814), abs=1e-6)
    assert result.p_value == pytest.approx(0.02213, abs=1e-5)
    # Wald interval: SE = sqrt(0.06*0.94/500 + 0.03*0.97/500) = 0.0130767;
    # -0.03 -+ 1.959964*0.0130767 = (-0.0556299, -0.0043701).
    assert result.ci == pytest.approx((-0.0556299, -0.0043701), abs=1e-6)
    assert result.significant
    assert result.improved
    # Saving: 0.03 fewer defects per unit * $40 * 100,000 units = $120,000 a year;
    # interval 0.0043701*4e6 = 17,480 to 0.0556299*4e6 = 222,520.
    assert result.annual_saving == pytest.approx(120_000)
    assert result.annual_saving_ci == pytest.approx((17_480.4, 222_519.6), abs=1.0)
    doc = result.to_dict()
    assert doc["test"] == "two_proportion_z"
    assert doc["improved"] is True


def test_cycle_time_welch_t() -> None:
    # Before 10, 12, 14 (mean 12, var 4); after 8..12 (mean 10, var 2.5).
    # SE = sqrt(4/3 + 2.5/5) = sqrt(1.833333) = 1.354006; t = -2/1.354006 = -1.477098;
    # df = 1.833333^2 / ((4/3)^2/2 + 0.5^2/4) = 3.361111/0.951389 = 3.532847.
    result = verify_improvement(
        [10, 12, 14], [8, 9, 10, 11, 12], kind=KpiKind.MEAN, better=Better.LOWER
    )
    assert result.test is SignificanceTest.WELCH_T
    assert result.change == pytest.approx(-2.0)
    assert result.statistic == pytest.approx(-1.477098, abs=1e-6)
    df, se = 3.532847, 1.354006
    assert result.p_value == pytest.approx(2 * stats.t.sf(1.477098, df), abs=1e-6)
    half = stats.t.isf(0.025, df) * se
    assert result.ci == pytest.approx((-2 - half, -2 + half), abs=1e-5)
    # p = 0.22: not significant, so not counted as improved although the mean fell.
    assert not result.significant
    assert not result.improved
    assert result.improvement == pytest.approx(2.0)


def test_lead_time_mann_whitney() -> None:
    # After 1, 2, 3, 6 against before 5, 7, 9, 11: only (6 > 5) favours "after", so U = 1.
    # Exact two-sided p: 2 * P(U <= 1) = 2 * 2/70 = 0.057143 (70 = C(8,4) orderings).
    result = verify_improvement(
        [5, 7, 9, 11], [1, 2, 3, 6], kind=KpiKind.SKEWED, better=Better.LOWER
    )
    assert result.test is SignificanceTest.MANN_WHITNEY_U
    assert result.statistic == 1.0
    assert result.p_value == pytest.approx(4 / 70)
    # The 16 differences after - before, sorted: -10 -9 -8 -8 -7 -6 -6 -5 -5 -4 -4 -3 -3 -2 -1 1;
    # Hodges-Lehmann shift = median = -5.
    assert result.change == -5.0
    assert (result.before, result.after) == (8.0, 2.5)
    # k = floor(16/2 - 1.959964*sqrt(4*4*9/12)) = floor(8 - 6.789) = 1: interval (-10, 1).
    assert result.ci == (-10.0, 1.0)
    assert not result.significant


def test_higher_is_better() -> None:
    # On-time deliveries 400/500 before, 460/500 after: change +0.12, worth 0.12 * $15 * 20,000.
    result = verify_improvement(
        Counts(400, 500),
        Counts(460, 500),
        kind=KpiKind.RATE,
        better=Better.HIGHER,
        value_per_unit=15.0,
        volume_per_year=20_000,
    )
    assert result.improvement == pytest.approx(0.12)
    assert result.improved
    assert result.annual_saving == pytest.approx(0.12 * 15 * 20_000)
    assert result.relative_change == pytest.approx(0.12 / 0.8)
    assert math.isfinite(result.annual_saving_ci[0])


def test_kaizen_refusals() -> None:
    with pytest.raises(SpecError, match="RATE KPI takes Counts"):
        verify_improvement([1.0, 2.0], [1.0, 2.0], kind=KpiKind.RATE, better=Better.LOWER)
    with pytest.raises(SpecError, match="MEAN KPI takes the measured values"):
        verify_improvement(Counts(1, 10), Counts(2, 10), kind=KpiKind.MEAN, better=Better.LOWER)
    with pytest.raises(DataError, match="events between 0 and trials"):
        Counts(11, 10)
    with pytest.raises(DataError, match="at least 2 finite numbers"):
        verify_improvement([1.0], [1.0, 2.0], kind=KpiKind.MEAN, better=Better.LOWER)
    with pytest.raises(SpecError, match="alpha=2"):
        verify_improvement([1.0, 2.0], [1.0, 2.0], kind=KpiKind.MEAN, better=Better.LOWER, alpha=2)
    with pytest.raises(DataError, match="no variation to test"):
        verify_improvement(Counts(0, 10), Counts(0, 10), kind=KpiKind.RATE, better=Better.LOWER)
