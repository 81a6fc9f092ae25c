"""Pareto ranking and DPMO / sigma level, by hand and against the Six Sigma table."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from obeya.errors import DataError, SpecError
from obeya.quality import dpmo, pareto

COUNTS = {"scratch": 40, "dent": 25, "paint": 15, "crack": 10, "other": 6, "label": 4}


def defect_rows() -> pd.DataFrame:
    codes = [code for code, n in COUNTS.items() for _ in range(n)]
    return pd.DataFrame({"defect_code": codes[::-1]})  # order of rows must not matter


def test_pareto_of_counts_by_hand() -> None:
    result = pareto(defect_rows(), category="defect_code")
    # 100 defects: shares 0.40, 0.25, 0.15, 0.10, 0.06, 0.04;
    # cumulative 0.40, 0.65, 0.80, 0.90, 0.96, 1.00.
    assert [r.category for r in result.rows] == [
        "scratch",
        "dent",
        "paint",
        "crack",
        "other",
        "label",
    ]
    assert [r.share for r in result.rows] == pytest.approx([0.40, 0.25, 0.15, 0.10, 0.06, 0.04])
    assert [r.cumulative_share for r in result.rows] == pytest.approx(
        [0.40, 0.65, 0.80, 0.90, 0.96, 1.00]
    )
    # The vital few reach 80 %: scratch, dent and paint (which brings the total to 0.80).
    assert result.vital_few == ("scratch", "dent", "paint")
    assert result.total == 100
    doc = result.to_dict()
    assert doc["vital_few"] == ["scratch", "dent", "paint"]
    assert doc["measure"] == "count"


def test_pareto_of_costs_and_a_lower_threshold() -> None:
    data = {
        "reason": ["late", "damaged", "late", "wrong item", "damaged", "late"],
        "cost": [100.0, 500.0, 50.0, 80.0, 300.0, 70.0],
    }
    result = pareto(data, category="reason", value="cost", threshold=0.5)
    # damaged 800, late 220, wrong item 80; total 1100; damaged alone is 72.7 % >= 50 %.
    assert [(r.category, r.value) for r in result.rows] == [
        ("damaged", 800.0),
        ("late", 220.0),
        ("wrong item", 80.0),
    ]
    assert result.vital_few == ("damaged",)
    assert result.rows[0].share == pytest.approx(800 / 1100)


def test_ties_are_ordered_by_category() -> None:
    result = pareto({"category": ["b", "a", "c", "c"]})
    assert [r.category for r in result.rows] == ["c", "a", "b"]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.sampled_from("abcdefgh"), min_size=1, max_size=60), st.floats(0.05, 1.0))
def test_pareto_invariants(codes: list[str], threshold: float) -> None:
    result = pareto({"category": codes}, threshold=threshold)
    values = [r.value for r in result.rows]
    assert values == sorted(values, reverse=True)
    assert result.rows[-1].cumulative_share == pytest.approx(1.0)
    assert sum(values) == len(codes)
    vital = [r for r in result.rows if r.vital]
    # The vital few are a prefix, reach the threshold, and drop none they need.
    assert result.rows[: len(vital)] == tuple(vital)
    assert vital[-1].cumulative_share >= threshold - 1e-9
    if len(vital) > 1:
        assert vital[-2].cumulative_share < threshold


@pytest.mark.parametrize(
    ("dpmo_value", "sigma"),
    # The conventional Six Sigma conversion with the 1.5 sigma shift (Motorola):
    # 6 sigma = 3.4 DPMO, 5 = 233, 4 = 6,210, 3 = 66,807, 2 = 308,537.
    [(3.4, 6.0), (233, 5.0), (6210, 4.0), (66807, 3.0), (308537, 2.0)],
)
def test_sigma_level_matches_the_six_sigma_table(dpmo_value: float, sigma: float) -> None:
    result = dpmo(dpmo_value, 1e6)
    assert result.dpmo == pytest.approx(dpmo_value)
    assert result.sigma_level == pytest.approx(sigma, abs=0.01)


def test_dpmo_by_hand() -> None:
    # 25 defects on 500 invoices with 10 fields each: 25/(500*10) * 1e6 = 5,000 DPMO;
    # DPU = 0.05; yield 99.5 %; sigma = isf(0.005) + 1.5 = 2.5758 + 1.5 = 4.0758.
    result = dpmo(25, 500, 10)
    assert result.dpmo == pytest.approx(5000)
    assert result.dpu == pytest.approx(0.05)
    assert result.process_yield == pytest.approx(0.995)
    assert result.sigma_level == pytest.approx(4.0758, abs=1e-4)
    assert dpmo(0, 500, 10).sigma_level is None
    assert dpmo(25, 500, 10, shift=0.0).to_dict()["sigma_level"] == pytest.approx(2.5758, abs=1e-4)


def test_pareto_and_dpmo_refusals() -> None:
    with pytest.raises(SpecError, match=r"threshold=1\.5"):
        pareto({"category": ["a"]}, threshold=1.5)
    with pytest.raises(DataError, match="negative values"):
        pareto({"category": ["a", "b"], "cost": [1.0, -2.0]}, value="cost")
    with pytest.raises(DataError, match="column 'category' is not in the data"):
        pareto({"code": ["a"]})
    with pytest.raises(DataError, match="empty categories"):
        pareto({"category": ["a", None]})
    with pytest.raises(SpecError, match="must both be positive"):
        dpmo(1, 0)
    with pytest.raises(DataError, match="between 0 and units x opportunities"):
        dpmo(11, 10, 1)
