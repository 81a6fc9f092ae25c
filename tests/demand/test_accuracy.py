"""Accuracy measures against hand computation.

MASE follows Hyndman & Koehler (2006), "Another look at measures of forecast
accuracy", IJF 22(4), 679-688, section 3.4: errors scaled by the in-sample MAE of
the naive (or seasonal naive) forecast. Conformal half-widths follow the
split-conformal quantile of Angelopoulos & Bates (2021), section 1.1.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from obeya.demand import bias, conformal_halfwidths, group_accuracy, mase, series_accuracy, wape


def test_wape_and_bias_by_hand() -> None:
    actual = [10, 20, 30, 0]
    forecast = [12, 18, 33, 1]
    # errors f - a = 2, -2, 3, 1; Σ|e| = 8, Σe = 4, Σa = 60
    assert wape(actual, forecast) == pytest.approx(8 / 60)
    assert bias(actual, forecast) == pytest.approx(4 / 60)
    assert np.isnan(wape([0, 0], [1, 1]))


def test_mase_naive_and_seasonal_scale_by_hand() -> None:
    insample = [5, 7, 6, 9, 8]
    actual, forecast = [10, 20, 30, 0], [12, 18, 33, 1]  # MAE = 8/4 = 2
    # naive: |7-5|, |6-7|, |9-6|, |8-9| = 2, 1, 3, 1: scale 7/4; MASE = 2 / 1.75
    assert mase(actual, forecast, insample) == pytest.approx(2 / 1.75)
    # seasonal m=2: |6-5|, |9-7|, |8-6| = 1, 2, 2: scale 5/3; MASE = 2 / (5/3) = 1.2
    assert mase(actual, forecast, insample, season_length=2) == pytest.approx(1.2)
    assert np.isnan(mase([1], [2], [4, 4, 4]))  # a constant history has no scale


def _backtest_rows() -> tuple[pa.Table, pa.Table]:
    rows = {
        "unique_id": ["A", "A", "B", "B"] * 2,
        "model": ["m"] * 4 + ["bench"] * 4,
        "actual": [10.0, 10.0, 5.0, 5.0] * 2,
        "forecast": [12.0, 9.0, 5.0, 8.0, 10.0, 14.0, 0.0, 5.0],
    }
    fc = pa.table(rows)
    choice = pa.table(
        {
            "unique_id": ["A", "B"],
            "model": ["m", "m"],
            "scale": [2.0, 1.0],
            "family": ["F", "F"],
        }
    )
    return fc, choice


def test_group_roll_up_re_divides_sums() -> None:
    fc, choice = _backtest_rows()
    per = series_accuracy(fc, choice, "bench")
    by_family = group_accuracy(per, ["family"]).to_pylist()[0]
    # A: |e| = 2 + 1 = 3, e = +1; B: |e| = 0 + 3 = 3, e = +3; Σa = 30
    assert by_family["n_series"] == 2
    assert by_family["wape"] == pytest.approx(6 / 30)
    assert by_family["bias"] == pytest.approx(4 / 30)
    # q = 2/2, 1/2, 0/1, 3/1: mean 4.5 / 4
    assert by_family["mase"] == pytest.approx(1.125)
    # benchmark: A |0| + |4|, B |5| + |0| = 9 -> WAPE 0.3, value added 0.3 - 0.2
    assert by_family["bench_wape"] == pytest.approx(0.3)
    assert by_family["fva"] == pytest.approx(0.1)
    a = next(r for r in per.to_pylist() if r["unique_id"] == "A")
    assert a["wape"] == pytest.approx(3 / 20)
    assert a["mase"] == pytest.approx((1 + 0.5) / 2)


def test_conformal_halfwidth_by_hand() -> None:
    codes = np.zeros(10, dtype=np.int64)
    errors = np.arange(10, 0, -1, dtype=np.float64)  # 10 errors 1..10, unsorted
    # 80 %: rank ceil(11 * 0.8) = 9 -> 9; 95 %: ceil(11 * 0.95) = 11 > 10 -> the largest
    assert conformal_halfwidths(codes, errors, 1, 80)[0] == 9.0
    assert conformal_halfwidths(codes, errors, 1, 95)[0] == 10.0
    two = conformal_halfwidths(np.array([0, 1, 1]), np.array([4.0, 1.0, 2.0]), 3, 80)
    assert two[0] == 4.0
    assert two[1] == 2.0
    assert np.isnan(two[2])
