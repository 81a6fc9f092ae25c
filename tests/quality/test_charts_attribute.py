"""p, np, c and u charts against Montgomery's examples and hand calculations."""

from __future__ import annotations

import math

import pandas as pd
import pyarrow as pa
import pytest

from obeya.errors import DataError
from obeya.quality import Statistic, c_chart, np_chart, p_chart, u_chart
from tests.quality.published import CIRCUIT_BOARDS, COMPUTERS, ORANGE_JUICE


def juice(**columns: str) -> dict[str, list[int]]:
    names = {"subgroup": "subgroup", "defectives": "defectives", "size": "size"} | columns
    return {
        names["subgroup"]: list(range(1, 31)),
        names["defectives"]: ORANGE_JUICE,
        names["size"]: [50] * 30,
    }


def beyond_limits(chart: object) -> list[object]:
    return [s.subgroup for s in chart.signals if s.rule == 1]  # type: ignore[attr-defined]


def test_orange_juice_p_chart_example_7_1() -> None:
    chart = p_chart(juice())
    p = chart.to_dict()["p"]
    # 347 defectives in 1500 cans: p-bar = 0.231333; sigma = sqrt(0.231333*0.768667/50) = 0.059634.
    assert p["center"] == pytest.approx(347 / 1500)
    assert p["ucl"] == pytest.approx(0.4102, abs=5e-5)
    assert p["lcl"] == pytest.approx(0.0524, abs=5e-5)
    assert beyond_limits(chart) == [15, 23]


def test_orange_juice_revised_limits_after_excluding_assignable_causes() -> None:
    chart = p_chart(juice(), exclude=[15, 23])
    p = chart.to_dict()["p"]
    # Without samples 15 (22) and 23 (24): 301/1400 = 0.2150.
    assert p["center"] == pytest.approx(301 / 1400)
    assert p["ucl"] == pytest.approx(0.3893, abs=5e-5)
    assert p["lcl"] == pytest.approx(0.0407, abs=5e-5)
    # Sample 21 (20/50 = 0.40) is now above 0.3893, as the book notes.
    assert beyond_limits(chart) == [15, 21, 23]


def test_np_chart_same_data_by_hand() -> None:
    chart = np_chart(juice(defectives="bad", size="n"), defectives="bad", size="n")
    np_ = chart.panel(Statistic.NP)
    # n p-bar = 50 * 0.231333 = 11.5667; sigma = sqrt(11.5667 * 0.768667) = 2.98175.
    assert np_.center[0] == pytest.approx(347 / 30)
    assert np_.ucl[0] == pytest.approx(347 / 30 + 3 * math.sqrt(347 / 30 * (1 - 347 / 1500)))
    assert np_.ucl[0] == pytest.approx(20.512, abs=1e-3)
    assert np_.lcl[0] == pytest.approx(2.621, abs=1e-3)
    assert beyond_limits(chart) == [15, 23]


def test_p_chart_with_variable_sample_sizes_by_hand() -> None:
    # 10/100, 12/200, 8/50: p-bar = 30/350 = 0.0857143, p(1-p) = 0.0783673.
    # sigma: n=100 -> 0.0279942, n=200 -> 0.0197947, n=50 -> 0.0395897.
    chart = p_chart(
        {"subgroup": ["a", "b", "c"], "defectives": [10, 12, 8], "size": [100, 200, 50]}
    )
    doc = chart.to_dict()["p"]
    assert doc["center"] == pytest.approx(30 / 350)
    assert doc["ucl"] == pytest.approx([0.1696968, 0.1450984, 0.2044833], abs=1e-6)
    # LCLs: 0.0857143 - 0.0839826 = 0.0017317; 0.0857143 - 0.0593841 = 0.0263302; negative -> 0.
    assert doc["lcl"] == pytest.approx([0.0017317, 0.0263302, 0.0], abs=1e-6)


def test_several_inspections_of_one_subgroup_add_up() -> None:
    # Two inspections on day 1 (3/40 and 2/60) make 5/100.
    data = pd.DataFrame(
        {"day": [1, 1, 2, 3], "qty_defective": [3, 2, 6, 4], "qty_inspected": [40, 60, 100, 100]}
    )
    chart = p_chart(data, subgroup="day", defectives="qty_defective", size="qty_inspected")
    assert chart.panel(Statistic.P).values.tolist() == pytest.approx([0.05, 0.06, 0.04])
    assert chart.to_dict()["points"]["n"] == [100.0, 100.0, 100.0]


def test_circuit_board_c_chart_example_7_3() -> None:
    data = pa.table({"sample": list(range(1, 27)), "nonconformities": CIRCUIT_BOARDS})
    chart = c_chart(data, subgroup="sample", count="nonconformities")
    c = chart.to_dict()["c"]
    # 516 nonconformities in 26 samples: c-bar = 19.846; 19.846 +- 3*4.45493 = 33.2109, 6.4814.
    # The book prints 33.22 from c-bar rounded to 19.85 (19.85 + 3*sqrt(19.85) = 33.216).
    assert c["center"] == pytest.approx(516 / 26)
    assert c["ucl"] == pytest.approx(516 / 26 + 3 * math.sqrt(516 / 26))
    assert c["ucl"] == pytest.approx(33.22, abs=0.01)
    assert c["lcl"] == pytest.approx(6.48, abs=5e-3)
    assert beyond_limits(chart) == [6, 20]
    revised = c_chart(data, subgroup="sample", count="nonconformities", exclude=[6, 20]).to_dict()
    # Without 5 and 39: 472/24 = 19.667; 19.667 +- 3*4.4347.
    assert revised["c"]["center"] == pytest.approx(472 / 24)
    assert revised["c"]["ucl"] == pytest.approx(32.97, abs=5e-3)
    assert revised["c"]["lcl"] == pytest.approx(6.36, abs=5e-3)


def test_computer_u_chart_example_7_4() -> None:
    data = {"subgroup": list(range(1, 21)), "count": COMPUTERS, "units": [5] * 20}
    chart = u_chart(data)
    u = chart.to_dict()["u"]
    # 193 nonconformities in 100 computers: u-bar = 1.93; sigma = sqrt(1.93/5) = 0.62129.
    assert u["center"] == pytest.approx(1.93)
    assert u["ucl"] == pytest.approx(3.79, abs=5e-3)
    assert u["lcl"] == pytest.approx(0.07, abs=5e-3)
    assert beyond_limits(chart) == []


def test_u_chart_with_variable_units_by_hand() -> None:
    # 4 in 2 units, 9 in 1 unit, 2 in 4 units: u-bar = 15/7 = 2.142857.
    # UCL = 2.142857 + 3*sqrt(2.142857/n): n=2 -> 2.142857 + 3*1.0350983 = 5.248152,
    # n=1 -> 2.142857 + 3*1.4638501 = 6.534407, n=4 -> 2.142857 + 3*0.7319251 = 4.338632.
    chart = u_chart({"subgroup": [1, 2, 3], "count": [4, 9, 2], "units": [2, 1, 4]})
    doc = chart.to_dict()["u"]
    assert doc["center"] == pytest.approx(15 / 7)
    assert doc["ucl"] == pytest.approx([5.248152, 6.534407, 4.338632], abs=1e-6)
    # Every LCL is negative before flooring, so the LCL is one number in JSON.
    assert doc["lcl"] == 0.0
    # Subgroup 2: 9 per unit > 6.534.
    assert beyond_limits(chart) == [2]


def test_attribute_refusals() -> None:
    with pytest.raises(DataError, match="subgroup 2 has 60 defectives in a sample of 50"):
        p_chart({"subgroup": [1, 2], "defectives": [3, 60], "size": [50, 50]})
    with pytest.raises(DataError, match="negative count"):
        c_chart({"subgroup": [1, 2], "count": [3, -1]})
    with pytest.raises(DataError, match=r"same size.*use p_chart"):
        np_chart({"subgroup": [1, 2], "defectives": [3, 4], "size": [50, 60]})
    with pytest.raises(DataError, match="p-bar"):
        p_chart({"subgroup": [1, 2], "defectives": [0, 0], "size": [50, 50]})
    with pytest.raises(DataError, match="number of units must be positive"):
        u_chart({"subgroup": [1, 2], "count": [3, 4], "units": [1, 0]})
