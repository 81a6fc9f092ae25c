"""The 2-D batch engine agrees with the one-chart engine, characteristic by characteristic."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from obeya.errors import DataError, SpecError
from obeya.quality import RuleSet, Statistic, xbar_r_batch, xbar_r_chart
from tests.quality.published import PISTON_RINGS


def test_batch_matches_single_charts() -> None:
    rng = np.random.default_rng(11)
    data = rng.normal(0.0, 1.0, size=(4, 30, 5))
    data[2, 20:, :] += 2.0  # a shift late in characteristic 2
    batch = xbar_r_batch(data, rule_sets=(RuleSet.WESTERN_ELECTRIC, RuleSet.NELSON), phase1=20)
    for i in range(data.shape[0]):
        frame = pd.DataFrame({"subgroup": np.repeat(np.arange(1, 31), 5), "value": data[i].ravel()})
        for rule_set in (RuleSet.WESTERN_ELECTRIC, RuleSet.NELSON):
            chart = xbar_r_chart(frame, phase1=20, rule_set=rule_set)
            xbar, r = chart.panel(Statistic.XBAR), chart.panel(Statistic.R)
            assert batch.center[i] == pytest.approx(xbar.center[0])
            assert batch.ucl[i] == pytest.approx(xbar.ucl[0])
            assert batch.r_ucl[i] == pytest.approx(r.ucl[0])
            fired = {(s.rule, int(s.subgroup)) for s in chart.signals if s.chart is Statistic.XBAR}
            # Each single-chart signal is reported where the rule first fires.
            for rule, subgroup in fired:
                assert batch.xbar_rules[rule_set][rule][i, subgroup - 1]
        r_fired = np.flatnonzero(batch.r_beyond[i]) + 1
        chart = xbar_r_chart(frame, phase1=20)
        assert r_fired.tolist() == [s.subgroup for s in chart.signals if s.chart is Statistic.R]
    assert batch.out_of_control()[2]


def test_batch_on_piston_rings() -> None:
    batch = xbar_r_batch(PISTON_RINGS[None, :, :])
    # R-bar = 0.581/25; UCL = 74.001176 + 0.576819*0.02324.
    assert batch.r_center[0] == pytest.approx(0.581 / 25)
    assert batch.ucl[0] == pytest.approx(9250.147 / 125 + 0.576819 * 0.581 / 25, abs=1e-6)
    assert not batch.out_of_control()[0]


def test_batch_refusals() -> None:
    with pytest.raises(DataError, match="shaped \\(characteristics, subgroups, n\\)"):
        xbar_r_batch(np.zeros((3, 4)))
    with pytest.raises(SpecError, match="phase1=1"):
        xbar_r_batch(np.ones((1, 5, 3)) * np.arange(3), phase1=1)
    with pytest.raises(DataError, match="R-bar 0"):
        xbar_r_batch(np.ones((2, 5, 3)))
