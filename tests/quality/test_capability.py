"""Capability indices on the piston-ring data (Montgomery Table 6.3) and hand examples."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from obeya.errors import DataError, SpecError
from obeya.quality import (
    CapabilityMethod,
    WithinMethod,
    anderson_darling,
    capability,
)
from obeya.quality.capability import _ad_p_value
from tests.quality.published import PISTON_RINGS, piston_rings_long

LSL, USL = 73.95, 74.05  # the piston-ring specification 74.000 +- 0.05 mm (Montgomery §6.2)
MEAN = 9250.147 / 125  # 74.001176
SIGMA_R = (0.581 / 25) / 2.325929  # R-bar/d2 = 0.02324/2.325929 = 0.00999171


def test_piston_rings_capability() -> None:
    cap = capability(piston_rings_long(), lsl=LSL, usl=USL)
    assert cap.method is CapabilityMethod.NORMAL
    assert cap.within_method is WithinMethod.R_BAR
    assert cap.sigma_within == pytest.approx(SIGMA_R, rel=1e-6)
    # Cp = 0.10/(6*0.00999171) = 1.66805. Montgomery prints 1.68 because he uses
    # sigma = 0.023/2.326 = 0.0099 (R-bar rounded): 0.10/(6*0.0099) = 1.68.
    assert cap.cp == pytest.approx(0.10 / (6 * SIGMA_R), rel=1e-6)
    assert cap.cp == pytest.approx(1.668, abs=5e-4)
    # Nearer limit is the USL: Cpk = (74.05 - 74.001176)/(3*0.00999171) = 1.62882.
    assert cap.cpk == pytest.approx((USL - MEAN) / (3 * SIGMA_R), rel=1e-6)
    s = float(PISTON_RINGS.std(ddof=1))
    assert cap.sigma_overall == pytest.approx(s)
    assert cap.pp == pytest.approx(0.10 / (6 * s))
    assert cap.ppk == pytest.approx((USL - MEAN) / (3 * s))
    # Cpm with target 74.000 (the middle): tau = sqrt(s^2 + 0.001176^2).
    assert cap.cpm == pytest.approx(0.10 / (6 * math.sqrt(s**2 + (MEAN - 74.0) ** 2)))
    # Expected PPM within: z_USL = 0.048824/0.00999171 = 4.88645, z_LSL = 0.051176/0.00999171 = 5.12185.
    assert cap.ppm_expected_within is not None
    assert cap.ppm_expected_within.above_usl == pytest.approx(
        1e6 * stats.norm.sf(4.88645), rel=1e-4
    )
    assert cap.ppm_expected_within.below_lsl == pytest.approx(
        1e6 * stats.norm.sf(5.12185), rel=1e-4
    )
    assert cap.ppm_observed.total == 0.0
    # Bissell: 1.62882 +- 1.959964*sqrt(1/1125 + 1.62882^2/248) = 1.62882 +- 0.21097.
    assert cap.cpk_ci == pytest.approx((1.41785, 1.83979), abs=1e-4)
    # Sigma level: Z.bench within = isf(total within fraction) = 4.8353.
    total = stats.norm.sf(4.88645) + stats.norm.sf(5.12185)
    assert cap.sigma_level == pytest.approx(stats.norm.isf(total), abs=1e-3)
    doc = cap.to_dict()
    assert set(doc) >= {
        "cp", "cpk", "pp", "ppk", "cpm", "sigma_within", "sigma_overall",
        "ppm_expected", "method", "normality", "cpk_ci",
    }  # fmt: skip
    assert doc["method"] == "normal"


def test_other_within_estimators() -> None:
    data = piston_rings_long()
    s_bar = float(PISTON_RINGS.std(axis=1, ddof=1).mean())
    by_s = capability(data, lsl=LSL, usl=USL, within=WithinMethod.S_BAR)
    # S-bar/c4(5) = 0.0093995/0.939986.
    assert by_s.sigma_within == pytest.approx(s_bar / 0.939986, rel=1e-5)
    pooled = capability(data, lsl=LSL, usl=USL, within=WithinMethod.POOLED)
    # Pooled over 25*4 = 100 degrees of freedom, divided by c4(101) = 0.997506.
    sp = math.sqrt(float(PISTON_RINGS.var(axis=1, ddof=1).mean()))
    assert pooled.sigma_within == pytest.approx(sp / 0.997506, rel=1e-5)


def test_individuals_use_moving_ranges() -> None:
    # 10 individuals; moving ranges 1,2,1,1,2,1,1,2,1 sum to 12 -> MR-bar 4/3; sigma = (4/3)/1.128379.
    values = [10, 11, 13, 12, 11, 13, 12, 11, 13, 12]
    cap = capability({"value": values}, subgroup=None, usl=16.0)
    sigma = (4 / 3) / 1.128379
    assert cap.within_method is WithinMethod.MR_BAR
    assert cap.sigma_within == pytest.approx(sigma, rel=1e-6)
    # One-sided: Cp, Pp and Cpm need both limits; Cpk = CPU = (16 - 11.8)/(3 sigma).
    assert cap.cp is None
    assert cap.pp is None
    assert cap.cpm is None
    assert cap.cpk == pytest.approx((16 - 11.8) / (3 * sigma), rel=1e-6)
    assert cap.ppm_expected.below_lsl == 0.0


def test_anderson_darling_statistic_and_p_value() -> None:
    x = PISTON_RINGS.ravel()
    result = anderson_darling(x)
    # The statistic agrees with SciPy's independent implementation.
    assert result.statistic == pytest.approx(stats.anderson(x, method="interpolate").statistic)
    # A*2 = A2 (1 + 0.75/125 + 2.25/125^2) = A2 * 1.006144.
    assert result.adjusted == pytest.approx(result.statistic * 1.006144)
    # A*2 = 0.19452 < 0.2: p = 1 - exp(-13.436 + 101.14*0.19452 - 223.73*0.19452^2) = 0.8922.
    assert result.p_value == pytest.approx(0.8922, abs=5e-4)
    assert result.normal


@pytest.mark.parametrize(
    ("a_star", "p"),
    [
        # Published critical values of A*2 (mean and variance estimated), Stephens (1974),
        # as tabulated by D'Agostino & Stephens (1986), Table 4.7: 10 %, 5 %, 2.5 %, 1 %.
        (0.631, 0.10),
        (0.752, 0.05),
        (0.873, 0.025),
        (1.035, 0.01),
        # The two lower branches by hand: A* = 0.25 -> 1 - exp(-8.318 + 10.699 - 3.74613)
        # = 0.74464; A* = 0.1 -> 1 - exp(-13.436 + 10.114 - 2.2373) = 0.99615.
        (0.25, 0.74464),
        (0.1, 0.99615),
    ],
)
def test_anderson_darling_p_value_table(a_star: float, p: float) -> None:
    assert _ad_p_value(a_star) == pytest.approx(p, rel=0.03)


def _lognormal_sample() -> np.ndarray:
    # exp of the 100 normal quantiles at (i - 0.5)/100: lognormal, log-scale sd ~ 1.
    return np.exp(stats.norm.ppf((np.arange(1, 101) - 0.5) / 100))


def test_skewed_positive_data_use_box_cox() -> None:
    x = _lognormal_sample()
    cap = capability({"value": x}, subgroup=None, usl=math.exp(3.0))
    assert not cap.normality.normal
    assert cap.method is CapabilityMethod.BOX_COX
    assert cap.box_cox_lambda == pytest.approx(0.0, abs=0.05)
    # Near lambda = 0 the transform is the log: the data become the normal quantiles
    # (mean 0, sd 0.9757), the USL becomes 3, so Ppk ~ 3/(3*0.9757) = 1.025.
    assert cap.ppk == pytest.approx(1.025, rel=0.08)
    assert cap.to_dict()["method"] == "box_cox"


def test_percentile_method_reduces_to_normal_for_symmetric_data() -> None:
    # Normal quantiles: skewness 0, so the Pearson III curve is the normal curve and
    # its 0.135 % and 99.865 % points are mean -+ 3 s: Pp = (USL - LSL)/(6 s).
    x = stats.norm.ppf((np.arange(1, 201) - 0.5) / 200) * 2.0 + 50.0
    normal = capability({"value": x}, subgroup=None, lsl=40.0, usl=62.0)
    pct = capability(
        {"value": x}, subgroup=None, lsl=40.0, usl=62.0, method=CapabilityMethod.PERCENTILE
    )
    assert pct.method is CapabilityMethod.PERCENTILE
    # (The sample skewness is zero only to rounding, hence 1e-4.)
    assert pct.pp == pytest.approx(normal.pp, rel=1e-4)
    assert pct.ppk == pytest.approx(normal.ppk, rel=1e-4)
    assert pct.cp is None
    assert pct.cpk_ci is None


def test_skewed_data_with_negatives_use_percentiles() -> None:
    x = _lognormal_sample() - 2.0
    cap = capability({"value": x}, subgroup=None, usl=20.0)
    assert cap.method is CapabilityMethod.PERCENTILE
    # A long right tail puts the 99.865 % point further out than mean + 3 s.
    mean, s = float(x.mean()), float(x.std(ddof=1))
    assert cap.ppk is not None
    assert cap.ppk < (20.0 - mean) / (3 * s)


def test_capability_refusals() -> None:
    data = piston_rings_long()
    with pytest.raises(SpecError, match="at least one specification limit"):
        capability(data)
    with pytest.raises(SpecError, match=r"lsl=74\.1 must be below usl=74\.0"):
        capability(data, lsl=74.1, usl=74.0)
    with pytest.raises(DataError, match="at least 8 are needed"):
        capability({"value": [1.0, 2.0, 3.0]}, subgroup=None, usl=5.0)
    with pytest.raises(SpecError, match="MR_BAR is for individual values"):
        capability(data, usl=USL, within=WithinMethod.MR_BAR)
    uneven = data.iloc[:-1]
    with pytest.raises(DataError, match=r"use within=WithinMethod\.POOLED"):
        capability(uneven, usl=USL, within=WithinMethod.R_BAR)


@settings(max_examples=40, deadline=None)
@given(
    st.floats(min_value=0.01, max_value=100.0),
    st.floats(min_value=-1000.0, max_value=1000.0),
)
def test_indices_do_not_depend_on_units(scale: float, shift: float) -> None:
    base = capability(piston_rings_long(), lsl=LSL, usl=USL, method=CapabilityMethod.NORMAL)
    moved = piston_rings_long().assign(value=lambda d: d["value"] * scale + shift)
    other = capability(
        moved, lsl=LSL * scale + shift, usl=USL * scale + shift, method=CapabilityMethod.NORMAL
    )
    for name in ("cp", "cpk", "pp", "ppk", "cpm"):
        assert getattr(other, name) == pytest.approx(getattr(base, name), rel=1e-6)
    assert base.cpk is not None
    assert base.cp is not None
    assert base.ppk is not None
    assert base.cpk <= base.cp
    assert base.pp is not None
    assert base.ppk <= base.pp
