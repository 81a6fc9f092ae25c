"""EWMA and tabular CUSUM against Montgomery Example 9.1 data and hand recursions."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from obeya.errors import DataError, SpecError
from obeya.quality import Phase, Statistic, cusum_chart, ewma_chart
from tests.quality.published import CUSUM_9_1

DATA = {"subgroup": list(range(1, 31)), "value": CUSUM_9_1}


def test_cusum_example_9_1() -> None:
    chart = cusum_chart(DATA, target=10.0, sigma=1.0, k=0.5, h=5.0)
    # By hand: C-1 = max(0, 9.5 - 9.45) = 0.05; C-2 = 0.05 + 9.5 - 7.99 = 1.56.
    assert chart.c_minus[:2].tolist() == pytest.approx([0.05, 1.56])
    # C+4 = max(0, 11.66 - 10.5) = 1.16; C+5 = 1.16 + 12.16 - 10.5 = 2.82.
    assert chart.c_plus[3:5].tolist() == pytest.approx([1.16, 2.82])
    # Book: C+29 = 5.28 > H = 5 with N+ = 7 (zero last at period 22).
    assert chart.c_plus[28] == pytest.approx(5.28, abs=1e-9)
    assert chart.n_plus[28] == 7
    assert [(s.subgroup, s.rule, s.chart) for s in chart.signals] == [(29, 1, Statistic.CUSUM)]
    signal = chart.signals[0]
    assert signal.points == tuple(range(23, 31))
    # Estimated new mean 10 + 0.5 + 5.28/7 = 11.254.
    assert "to about 11.25" in signal.explanation
    doc = chart.to_dict()
    assert doc["cusum"] == {"center": 0.0, "ucl": 5.0, "lcl": -5.0}
    assert doc["points"]["c_plus"][28] == pytest.approx(5.28)


def _cusum_loop(x: list[float], target: float, k: float) -> list[float]:
    out, c = [], 0.0
    for v in x:
        c = max(0.0, v - (target + k) + c)
        out.append(c)
    return out


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(min_value=-5, max_value=5, allow_nan=False), min_size=3, max_size=40),
    st.floats(min_value=0.0, max_value=1.5),
)
def test_vectorised_cusum_equals_the_recursion(x: list[float], k: float) -> None:
    data = {"subgroup": list(range(len(x))), "value": x}
    chart = cusum_chart(data, target=0.0, sigma=1.0, k=k, h=4.0)
    assert chart.c_plus.tolist() == pytest.approx(_cusum_loop(x, 0.0, k), abs=1e-9)
    assert chart.c_minus.tolist() == pytest.approx(_cusum_loop([-v for v in x], 0.0, k), abs=1e-9)


def test_ewma_on_example_9_1_data() -> None:
    chart = ewma_chart(DATA, target=10.0, sigma=1.0, lam=0.1, width=2.7)
    ewma = chart.panel(Statistic.EWMA)
    # z1 = 0.1*9.45 + 0.9*10 = 9.945; z2 = 0.1*7.99 + 0.9*9.945 = 9.7495.
    assert ewma.values[:2].tolist() == pytest.approx([9.945, 9.7495])
    # UCL1 = 10 + 2.7*sqrt(0.1/1.9*(1 - 0.9^2)) = 10 + 2.7*0.1 = 10.27;
    # UCL2 = 10 + 2.7*sqrt(0.1/1.9*(1 - 0.9^4)) = 10 + 2.7*0.134536 = 10.363247.
    assert ewma.ucl[:2].tolist() == pytest.approx([10.27, 10.363247], abs=1e-6)
    # Limits approach 10 +- 2.7*sqrt(0.1/1.9) = 10 +- 2.7*0.2294157 = 10 +- 0.6194225; at
    # i = 30 the factor sqrt(1 - 0.9^60) = sqrt(1 - 0.0017970) = 0.9991011 gives 10.618866.
    assert ewma.ucl[-1] == pytest.approx(10.618866, abs=2e-6)
    # The recursion written out as a loop is the oracle for every point.
    z, expected = 10.0, []
    for v in CUSUM_9_1:
        z = 0.1 * v + 0.9 * z
        expected.append(z)
    assert ewma.values.tolist() == pytest.approx(expected)
    # z28 = 10.5731 < UCL 10.6186; z29 = 10.6468 > 10.6187: first signal at 29.
    assert [s.subgroup for s in chart.signals] == [29, 30]
    doc = chart.to_dict()
    assert isinstance(doc["ewma"]["ucl"], list)
    assert doc["parameters"]["lambda"] == 0.1


def test_sigma_and_target_estimated_from_the_reference_set() -> None:
    # Individuals 10, 12, 11, 13 in phase 1: mean 11.5, moving ranges 2, 1, 2 -> MR-bar 5/3,
    # sigma = (5/3)/1.128379 = 1.477083.
    data = {"t": [1, 2, 3, 4, 5, 6], "x": [10, 12, 11, 13, 20, 21]}
    chart = ewma_chart(data, subgroup="t", value="x", phase1=4)
    assert chart.phase is Phase.PHASE_II
    assert chart.parameters["target"] == pytest.approx(11.5)
    assert chart.parameters["sigma"] == pytest.approx((5 / 3) / 1.128379, rel=1e-6)
    cusum = cusum_chart(data, subgroup="t", value="x", phase1=4)
    assert cusum.target == pytest.approx(11.5)
    assert cusum.sigma == pytest.approx((5 / 3) / 1.128379, rel=1e-6)


def test_subgroup_means_use_sigma_over_root_n() -> None:
    # Subgroups of 4 with ranges 2 and 2: sigma = 2/d2(4) = 2/2.058751 = 0.971463;
    # sigma of the mean = 0.971463/2 = 0.485731; K = 0.5*0.485731 = 0.242866.
    data = {"g": [1] * 4 + [2] * 4, "x": [9, 10, 11, 10, 10, 11, 12, 11]}
    chart = cusum_chart(data, subgroup="g", value="x", target=10.0)
    assert chart.sigma == pytest.approx(2 / 2.058751 / 2, rel=1e-6)
    assert chart.reference_value == pytest.approx(0.242866, abs=1e-6)


def test_time_weighted_refusals() -> None:
    with pytest.raises(SpecError, match=r"lam=1\.5 must be in"):
        ewma_chart(DATA, lam=1.5)
    with pytest.raises(SpecError, match="h=0 must be positive"):
        cusum_chart(DATA, h=0)
    with pytest.raises(SpecError, match="sigma=-1"):
        cusum_chart(DATA, sigma=-1)
    uneven = {"g": [1, 1, 2, 2, 2], "x": [1.0, 2.0, 3.0, 4.0, 5.0]}
    with pytest.raises(DataError, match="pass sigma="):
        ewma_chart(uneven, subgroup="g", value="x")
    # With a sigma given, unequal subgroups are fine.
    assert np.isfinite(ewma_chart(uneven, subgroup="g", value="x", sigma=1.0).panels[0].ucl).all()
