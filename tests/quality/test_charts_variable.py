"""X-bar/R, X-bar/S and I-MR charts against Montgomery's examples and hand calculations."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from obeya.errors import DataError, SpecError
from obeya.quality import (
    Phase,
    RuleSet,
    Statistic,
    imr_chart,
    xbar_r_chart,
    xbar_s_chart,
)
from tests.quality.published import (
    LOAN_COSTS,
    PISTON_R,
    PISTON_RINGS,
    PISTON_XBAR,
    piston_rings_long,
)

# Hand sums over Table 6.3: the 125 values add to 9250.147, so x-double-bar =
# 9250.147/125 = 74.001176; the 25 ranges add to 0.581, so R-bar = 0.02324.
XBB, RBAR = 9250.147 / 125, 0.581 / 25
A2_5, D4_5 = 0.576819, 2.114497  # 3/(d2*sqrt 5) and 1 + 3*d3/d2 for n = 5, to 6 decimals


def test_piston_rings_xbar_r_example_6_1() -> None:
    chart = xbar_r_chart(piston_rings_long())
    xbar, r = chart.panel(Statistic.XBAR), chart.panel(Statistic.R)
    # The subgroup statistics reproduce the book's columns.
    assert np.round(xbar.values, 3).tolist() == pytest.approx(PISTON_XBAR, abs=1e-9)
    assert np.round(r.values, 3).tolist() == pytest.approx(PISTON_R, abs=1e-9)
    assert xbar.center[0] == pytest.approx(XBB, abs=1e-9)
    assert r.center[0] == pytest.approx(RBAR, abs=1e-12)
    # UCL = 74.001176 + 0.576819 * 0.02324 = 74.014581; LCL = 73.987771.
    assert xbar.ucl[0] == pytest.approx(XBB + A2_5 * RBAR, abs=1e-6)
    assert xbar.lcl[0] == pytest.approx(XBB - A2_5 * RBAR, abs=1e-6)
    # R chart: UCL = 2.114497 * 0.02324 = 0.049141, LCL = 0 (D3 = 0 for n = 5).
    assert r.ucl[0] == pytest.approx(D4_5 * RBAR, abs=1e-7)
    assert r.lcl[0] == 0.0
    # The book's printed figures (computed from R-bar rounded to 0.023): 74.001,
    # UCL 74.014, LCL 73.988, R-chart UCL 0.049; all within the printed precision.
    limits = chart.to_dict()
    assert limits["xbar"]["center"] == pytest.approx(74.001, abs=5e-4)
    assert limits["xbar"]["ucl"] == pytest.approx(74.014, abs=1e-3)
    assert limits["xbar"]["lcl"] == pytest.approx(73.988, abs=1e-3)
    assert limits["r"]["ucl"] == pytest.approx(0.049, abs=5e-4)
    # The book finds the process in control.
    assert chart.signals == ()
    assert chart.phase is Phase.PHASE_I


def test_xbar_s_example_6_3() -> None:
    chart = xbar_s_chart(piston_rings_long())
    s = chart.panel(Statistic.S)
    s_bar = float(PISTON_RINGS.std(axis=1, ddof=1).mean())
    assert s_bar == pytest.approx(0.0094, abs=5e-5)  # book: S-bar = 0.0094
    assert s.center[0] == pytest.approx(s_bar, abs=1e-12)
    # A3(5) = 1.427299, B4(5) = 2.088999: UCL = 74.001176 + 1.427299 * 0.0093995 = 74.014592.
    assert chart.panel(Statistic.XBAR).ucl[0] == pytest.approx(XBB + 1.427299 * s_bar, abs=1e-6)
    assert s.ucl[0] == pytest.approx(2.088999 * s_bar, abs=1e-7)
    # Book: UCL 74.014, LCL 73.988 for x-bar; UCL 0.0196, LCL 0 for s.
    assert chart.to_dict()["xbar"]["ucl"] == pytest.approx(74.014, abs=1e-3)
    assert chart.to_dict()["s"]["ucl"] == pytest.approx(0.0196, abs=1e-4)
    assert s.lcl[0] == 0.0


def test_xbar_s_unequal_sizes_by_hand() -> None:
    # A = 1,2,3 (mean 2, s 1); B = 2,4 (mean 3, s sqrt 2); C = 1,3,5,7 (mean 4, s^2 20/3).
    # Pooled S-bar = sqrt((2*1 + 1*2 + 3*20/3) / (9 - 3)) = sqrt(24/6) = 2.
    # x-double-bar = (3*2 + 2*3 + 4*4)/9 = 28/9 = 3.111111.
    data = {"g": list("AAABBCCCC"), "x": [1, 2, 3, 2, 4, 1, 3, 5, 7]}
    chart = xbar_s_chart(data, subgroup="g", value="x")
    xbar, s = chart.panel(Statistic.XBAR), chart.panel(Statistic.S)
    assert s.center.tolist() == pytest.approx([2.0, 2.0, 2.0])
    # UCL_i = 28/9 + A3(n_i) * 2 with A3 = 1.954 (n=3), 2.659 (n=2), 1.628 (n=4) from Table VI.
    assert xbar.ucl.tolist() == pytest.approx([7.0191, 8.4291, 6.3671], abs=1.5e-3)
    # S limits B4(n_i) * 2: 2.568*2, 3.267*2, 2.266*2.
    assert s.ucl.tolist() == pytest.approx([5.136, 6.534, 4.532], abs=1.5e-3)
    assert chart.to_dict()["xbar"]["center"] == pytest.approx(28 / 9)
    assert isinstance(chart.to_dict()["xbar"]["ucl"], list)


def test_exclusion_recomputes_the_limits() -> None:
    # Without subgroup 14 (mean 369.951/5 = 73.9902, range 0.039):
    # R-bar = (0.581 - 0.039)/24 = 0.0225833; x-double-bar = (9250.147 - 369.951)/120 = 74.001633.
    chart = xbar_r_chart(piston_rings_long(), exclude=[14])
    xbar = chart.panel(Statistic.XBAR)
    assert chart.panel(Statistic.R).center[0] == pytest.approx(0.542 / 24, abs=1e-12)
    assert xbar.center[0] == pytest.approx(8880.196 / 120, abs=1e-9)
    assert xbar.ucl[0] == pytest.approx(8880.196 / 120 + A2_5 * 0.542 / 24, abs=1e-6)
    out = chart.to_dict()["points"]
    assert out["excluded"][13] is True
    assert sum(out["excluded"]) == 1


def test_phase_two_judges_new_subgroups_against_fixed_limits() -> None:
    later = pd.DataFrame(
        {
            "subgroup": np.repeat([26, 27], 5),
            "value": [74.025, 74.030, 74.028, 74.032, 74.027, 74.001, 73.999, 74.003, 74.0, 74.002],
        }
    )
    chart = xbar_r_chart(pd.concat([piston_rings_long(), later]), phase1=25)
    reference = xbar_r_chart(piston_rings_long())
    assert chart.phase is Phase.PHASE_II
    assert chart.to_dict()["xbar"] == reference.to_dict()["xbar"]
    assert chart.to_dict()["r"] == reference.to_dict()["r"]
    # Subgroup 26 averages 74.0284 > UCL 74.0146: rule 1; subgroup 27 (74.001) is fine.
    assert [(s.subgroup, s.rule) for s in chart.signals] == [(26, 1)]
    assert chart.to_dict()["points"]["reference"] == [True] * 25 + [False, False]
    # The reference set can also be given as labels.
    by_label = xbar_r_chart(pd.concat([piston_rings_long(), later]), phase1=list(range(1, 26)))
    assert by_label.to_dict()["xbar"] == reference.to_dict()["xbar"]


def test_loan_costs_imr_example_6_5() -> None:
    chart = imr_chart(
        {"week": list(range(1, 21)), "cost": LOAN_COSTS}, subgroup="week", value="cost"
    )
    i, mr = chart.panel(Statistic.INDIVIDUAL), chart.panel(Statistic.MR)
    # Sum of costs 6010 -> mean 300.5; the 19 moving ranges sum to 148 -> MR-bar 7.789474.
    assert i.center[0] == pytest.approx(300.5)
    assert mr.center[0] == pytest.approx(148 / 19)
    # UCL = 300.5 + 3 * 7.789474 / 1.128379 = 321.2099; book 321.22 (MR-bar rounded to 7.79).
    assert i.ucl[0] == pytest.approx(300.5 + 3 * (148 / 19) / 1.128379, abs=1e-4)
    assert i.ucl[0] == pytest.approx(321.22, abs=0.02)
    assert i.lcl[0] == pytest.approx(279.78, abs=0.02)
    # MR chart UCL = D4(2) * MR-bar = 3.266531 * 7.789474 = 25.4445; book 25.45.
    assert mr.ucl[0] == pytest.approx(25.45, abs=0.01)
    assert np.isnan(mr.values[0])
    assert chart.to_dict()["points"]["mr"][0] is None
    assert [s.rule for s in chart.signals if s.chart is Statistic.INDIVIDUAL and s.rule == 1] == []


def test_imr_exclusion_drops_the_moving_ranges_touching_the_point() -> None:
    # x = 10, 12, 11, 30, 12, 10; exclude label 4 (30): the ranges 19 and 18 go, leaving
    # 2, 1, 2: MR-bar = 5/3; mean of the rest = 55/5 = 11; UCL = 11 + 3*(5/3)/1.128379.
    data = {"t": [1, 2, 3, 4, 5, 6], "x": [10, 12, 11, 30, 12, 10]}
    chart = imr_chart(data, subgroup="t", value="x", exclude=[4])
    assert chart.panel(Statistic.MR).center[0] == pytest.approx(5 / 3)
    assert chart.panel(Statistic.INDIVIDUAL).ucl[0] == pytest.approx(11 + 5 / 1.128379, abs=1e-5)
    # The excluded point is still judged: 30 is far above the UCL 15.43, and its moving
    # ranges 19 and 18 are above the MR limit 3.266531 * 5/3 = 5.44.
    assert (4, 1) in {(s.subgroup, s.rule) for s in chart.signals}
    jumps = [s for s in chart.signals if s.chart is Statistic.MR]
    assert [s.subgroup for s in jumps] == [4, 5]
    assert "Variation jumped" in jumps[0].explanation


def test_dispersion_panels_get_rule_one_unless_asked() -> None:
    # Ranges alternate 1 and 3 around R-bar 2 for 14 subgroups (Nelson rule 4 pattern);
    # subgroup means sit on the centre line 0, so the X-bar chart is quiet.
    values = []
    for i in range(14):
        half = 0.5 if i % 2 == 0 else 1.5
        values += [-half, 0.0, half]
    data = {"subgroup": np.repeat(np.arange(1, 15), 3), "value": values}
    quiet = xbar_r_chart(data, rule_set=RuleSet.NELSON)
    assert quiet.signals == ()
    loud = xbar_r_chart(data, rule_set=RuleSet.NELSON, all_rules_on_dispersion=True)
    assert {(s.chart, s.rule) for s in loud.signals} == {(Statistic.R, 4)}


def test_labels_and_column_names_come_from_the_input() -> None:
    days = pd.date_range("2026-03-01", periods=25, freq="D").strftime("%Y-%m-%d")
    data = pa.table({"day": np.repeat(np.asarray(days), 5), "diameter": PISTON_RINGS.ravel()})
    data = pa.concat_tables(
        [data, pa.table({"day": ["2026-03-26"] * 5, "diameter": [74.03] * 4 + [74.025]})]
    )
    chart = xbar_r_chart(data, subgroup="day", value="diameter", phase1=25)
    assert chart.signals[0].subgroup == "2026-03-26"
    doc = json.loads(json.dumps(chart.to_dict()))
    assert doc["points"]["subgroup"][0] == "2026-03-01"
    assert doc["signals"][0]["points"] == ["2026-03-26"]
    assert doc["signals"][0]["rule_set"] == "western_electric"
    assert set(doc) >= {"xbar", "r", "signals", "points"}


def test_runs_are_reported_once_with_every_point() -> None:
    # 10 subgroups in a row above the centre: one WE rule-4 signal, first due at the 8th.
    rng_free = (
        [1.0, -1.0] * 5 + [1.2, 1.1, 1.3, 1.2, 1.1, 1.2, 1.3, 1.1, 1.2, 1.1] + [-1.0, 1.0] * 5
    )
    labels = [f"s{i:02d}" for i in range(30)]
    data = {
        "subgroup": np.repeat(labels, 2),
        "value": np.repeat(rng_free, 2) + np.tile([-0.5, 0.5], 30),
    }
    chart = xbar_r_chart(data)
    runs = [s for s in chart.signals if s.rule == 4]
    assert len(runs) == 1
    assert runs[0].subgroup == "s17"
    assert runs[0].points == tuple(labels[10:20])
    assert "10 points in a row above the centre line" in runs[0].explanation


def test_refusals_say_what_to_do() -> None:
    data = piston_rings_long()
    with pytest.raises(DataError, match="column 'value' is not in the data"):
        xbar_r_chart(data.rename(columns={"value": "v"}))
    with pytest.raises(DataError, match=r"same size.*use xbar_s_chart"):
        xbar_r_chart(data.iloc[:-1])
    with pytest.raises(DataError, match="missing or not finite"):
        xbar_r_chart(data.assign(value=data["value"].where(data.index != 7)))
    with pytest.raises(SpecError, match="exclude names subgroup 99"):
        xbar_r_chart(data, exclude=[99])
    with pytest.raises(SpecError, match="exclude must be a list"):
        xbar_r_chart(data, exclude=14)  # type: ignore[arg-type]
    with pytest.raises(SpecError, match="only 1 subgroup"):
        xbar_r_chart(data, phase1=1)
    with pytest.raises(DataError, match="one value per label"):
        imr_chart(data)
    with pytest.raises(DataError, match="R-bar of the reference subgroups is 0"):
        xbar_r_chart({"subgroup": [1, 1, 2, 2], "value": [5.0] * 4})
