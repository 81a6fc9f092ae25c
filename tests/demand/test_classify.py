"""Syntetos-Boylan classification against hand-worked ADI and CV² values.

Cut-offs ADI = 1.32 and CV² = 0.49 from Syntetos, Boylan & Croston (2005), "On the
categorization of demand patterns", JORS 56(5), 495-503. ADI = periods / periods
with demand; CV² uses the population standard deviation of the non-zero sizes.
"""

from __future__ import annotations

import math

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from obeya.demand import DEFAULT_COLUMNS, DemandClass, SeriesColumns, classify, demand_class
from obeya.errors import ConfigError


def _table(series: dict[str, list[float]], cols: SeriesColumns = DEFAULT_COLUMNS) -> pa.Table:
    ids, times, values = [], [], []
    for sid, ys in series.items():
        ids += [sid] * len(ys)
        times += list(range(len(ys)))
        values += ys
    return pa.table({cols.id: ids, cols.time: times, cols.target: values})


def _row(table: pa.Table, sid: str, cols: SeriesColumns = DEFAULT_COLUMNS) -> dict[str, object]:
    return next(r for r in table.to_pylist() if r[cols.id] == sid)


def test_hand_worked_examples() -> None:
    out = classify(
        _table(
            {
                # n=4, k=4: ADI 1; sizes 10,12,8,10: mean 10, var (0+4+4+0)/4 = 2, CV² 2/100
                "smooth": [10, 12, 8, 10],
                # ADI 1; sizes 1,9,1,9: mean 5, var 16, CV² 16/25 = 0.64
                "erratic": [1, 9, 1, 9],
                # n=6, k=3: ADI 2; sizes all 3: CV² 0
                "intermittent": [3, 0, 3, 0, 3, 0],
                # n=6, k=2: ADI 3; sizes 1,9: CV² 0.64
                "lumpy": [0, 1, 0, 0, 9, 0],
            }
        )
    )
    expect = {
        "smooth": (1.0, 0.02, DemandClass.SMOOTH),
        "erratic": (1.0, 0.64, DemandClass.ERRATIC),
        "intermittent": (2.0, 0.0, DemandClass.INTERMITTENT),
        "lumpy": (3.0, 0.64, DemandClass.LUMPY),
    }
    for sid, (adi, cv2, cls) in expect.items():
        row = _row(out, sid)
        assert row["adi"] == pytest.approx(adi)
        assert row["cv2"] == pytest.approx(cv2)
        assert row["demand_class"] == cls.value


def test_values_on_a_cutoff_go_to_the_higher_side() -> None:
    # 25 equal demands in 33 periods: ADI = 33/25 = 1.32 exactly -> intermittent
    # sizes 3 and 17: mean 10, sd 7, CV² = 49/100 = 0.49 exactly -> erratic
    out = classify(_table({"adi_edge": [5.0] * 25 + [0.0] * 8, "cv_edge": [3.0, 17.0]}))
    assert _row(out, "adi_edge")["adi"] == 1.32
    assert _row(out, "adi_edge")["demand_class"] == DemandClass.INTERMITTENT.value
    assert _row(out, "cv_edge")["cv2"] == 0.49
    assert _row(out, "cv_edge")["demand_class"] == DemandClass.ERRATIC.value


def test_no_demand_is_intermittent_with_infinite_adi() -> None:
    row = _row(classify(_table({"dead": [0.0, 0.0, 0.0]})), "dead")
    assert math.isinf(row["adi"])
    assert row["cv2"] == 0.0
    assert row["demand_class"] == DemandClass.INTERMITTENT.value


def test_other_column_names() -> None:
    cols = SeriesColumns(id="series", time="week", target="units")
    out = classify(_table({"a": [1, 9, 1, 9]}, cols), columns=cols)
    assert out.column("series").to_pylist() == ["a"]
    assert _row(out, "a", cols)["demand_class"] == DemandClass.ERRATIC.value


def test_thresholds_must_be_sensible() -> None:
    with pytest.raises(ConfigError, match="thresholds must be ADI > 1"):
        classify(_table({"a": [1.0]}), adi_threshold=0.5)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=40))
def test_vectorised_matches_the_definition(values: list[int]) -> None:
    ys = [float(v) for v in values]
    row = _row(classify(_table({"s": ys})), "s")
    sizes = [v for v in ys if v > 0]
    if not sizes:
        assert row["demand_class"] == DemandClass.INTERMITTENT.value
        return
    adi = len(ys) / len(sizes)
    mean = sum(sizes) / len(sizes)
    cv2 = (sum((v - mean) ** 2 for v in sizes) / len(sizes)) / mean**2
    assert row["adi"] == pytest.approx(adi)
    assert row["cv2"] == pytest.approx(cv2, abs=1e-12)
    assert row["demand_class"] == demand_class(adi, cv2).value
