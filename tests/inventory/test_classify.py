"""ABC x XYZ classification."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from obeya.errors import DataError
from obeya.inventory import AbcClass, XyzClass, abc_classify, abc_xyz_classify, xyz_classify


def test_abc_by_hand() -> None:
    # Values 500, 300, 100, 50, 30, 20 (total 1000). Ranked cumulative shares before each
    # item: 0, 0.50, 0.80, 0.90, 0.95, 0.98 -> A, A, B, B, C, C (the 300 crosses 80 %: A;
    # the 100 starts exactly at 80 %: B; the 30 starts exactly at 95 %: C).
    values = np.array([50.0, 500.0, 20.0, 300.0, 30.0, 100.0])
    result = abc_classify(values)
    assert result.abc.tolist() == ["B", "A", "C", "A", "C", "B"]
    assert result.rank.tolist() == [3, 0, 5, 1, 4, 2]
    assert result.cumulative_share.tolist() == pytest.approx([0.95, 0.5, 1.0, 0.8, 0.98, 0.9])


def test_abc_configurable_thresholds_and_enum_codes() -> None:
    values = np.array([500.0, 300.0, 100.0, 50.0, 30.0, 20.0])
    result = abc_classify(values, thresholds=(0.5, 0.9))
    # before-shares 0, .5, .8, .9, .95, .98 with lines 50 % / 90 %: A, B, B, C, C, C
    assert result.abc.tolist() == ["A", "B", "B", "C", "C", "C"]
    assert set(result.abc.tolist()) <= {c.value for c in AbcClass}


def test_abc_top_item_is_a_and_zero_value_is_c() -> None:
    result = abc_classify(np.array([990.0, 10.0, 0.0]))
    assert result.abc.tolist() == ["A", "C", "C"]


def test_abc_refuses_bad_thresholds() -> None:
    with pytest.raises(DataError, match="two increasing numbers"):
        abc_classify(np.ones(3), thresholds=(0.95, 0.8))


def test_abc_refuses_negative_values() -> None:
    with pytest.raises(DataError, match=r"annual_value: 1 row .*index 1: -5.0"):
        abc_classify(np.array([1.0, -5.0]))


@given(hnp.arrays(np.float64, st.integers(1, 60), elements=st.floats(0, 1e6)))
def test_abc_classes_follow_value_order(values: np.ndarray) -> None:
    result = abc_classify(values)
    order = np.argsort(-values, kind="stable")
    ranks = np.array(["ABC".index(c) for c in result.abc[order]])
    assert np.all(np.diff(ranks) >= 0)  # higher value never gets a worse class
    if values.sum() > 0:
        # The A items, crossing item included, hold at least 80 % of the value.
        assert values[result.abc == "A"].sum() >= (0.8 - 1e-9) * values.sum()


def test_xyz_by_hand() -> None:
    demand = np.array(
        [
            [10, 10, 10, 10],  # sd 0 -> cv 0 -> X
            [10, 20, 10, 20],  # mean 15, sample sd sqrt(4 * 25 / 3) = 5.7735 -> cv 0.3849 -> X
            [0, 40, 0, 20],  # mean 15, sample sd sqrt((225+625+225+25)/3) = 19.149 -> 1.2766 Z
            [5, 15, 5, 15],  # mean 10, sample sd 5.7735 -> cv 0.57735 -> Y
            [0, 0, 0, 0],  # no demand -> Z
        ],
        dtype=float,
    )
    result = xyz_classify(demand)
    assert result.cv[:4] == pytest.approx([0.0, 0.384900, 1.276569, 0.577350], abs=1e-6)
    assert result.xyz.tolist() == ["X", "X", "Z", "Y", "Z"]
    assert set(result.xyz.tolist()) <= {c.value for c in XyzClass}


def test_xyz_needs_a_matrix() -> None:
    with pytest.raises(DataError, match=r"expected shape \[n_items, n_periods\]"):
        xyz_classify(np.ones(5))


def test_abc_xyz_matrix() -> None:
    values = np.array([500.0, 300.0, 100.0, 100.0])
    demand = np.array([[10, 10, 10], [1, 9, 1], [0, 0, 9], [5, 5, 5]], dtype=float)
    result = abc_xyz_classify(values, demand)
    # ABC: before-shares 0, .5, .8, .9 -> A, A, B, B. XYZ: X, Z (mean 3.667, sample sd
    # sqrt((7.111 + 28.444 + 7.111) / 2) = 4.6188, cv 1.2597), Z (cv 5.1962 / 3 = 1.7321), X.
    assert result.combined.tolist() == ["AX", "AZ", "BZ", "BX"]
    assert result.counts.tolist() == [[1, 0, 1], [1, 0, 1], [0, 0, 0]]
    assert result.values[0].tolist() == [500.0, 0.0, 300.0]


def test_abc_xyz_refuses_mismatched_items() -> None:
    with pytest.raises(DataError, match="same items in the same order"):
        abc_xyz_classify(np.ones(3), np.ones((2, 4)))
