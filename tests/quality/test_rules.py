"""Run rules: one constructed series per rule that triggers that rule and no other.

Series are in σ units about the centre line (z = (x - CL)/σ). The reasoning for
"no other rule" is written next to each series. A brute-force oracle written from
the rule definitions checks the vectorised rules on random series.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from obeya.errors import SpecError
from obeya.quality import RuleSet, rule_masks, rules_of

WE, NELSON = RuleSet.WESTERN_ELECTRIC, RuleSet.NELSON


def fired(z: list[float], rule_set: RuleSet) -> dict[int, list[int]]:
    """Rule number -> indices where it fires (only rules that fire)."""
    masks = rule_masks(np.array(z, dtype=float), rule_set)
    return {k: np.flatnonzero(m).tolist() for k, m in masks.items() if m.any()}


# Each case: rule set, rule, series, indices where that rule (and only it) fires.
CASES = [
    # One point at 3.5 sigma. Only one point beyond 1 sigma, so no zone rule; 5 points
    # are too few for any run, trend or alternation rule.
    (WE, 1, [0.5, -0.5, 3.5, -0.5, 0.5], [2]),
    (NELSON, 1, [0.5, -0.5, 3.5, -0.5, 0.5], [2]),
    # Points 2 and 3 at 2.5 sigma: windows (1,2,3) and (2,3,4) hold 2 beyond 2 sigma.
    # Only 2 points beyond 1 sigma (zone B needs 4); none beyond 3; 4 points only.
    (WE, 2, [0.2, 2.5, 2.5, 0.2], [2, 3]),
    (NELSON, 5, [0.2, 2.5, 2.5, 0.2], [2, 3]),
    # 4 of 5 at 1.5 sigma above. None beyond 2; 5 points (< 6 for a trend, < 8 for runs).
    (WE, 3, [1.5, 1.5, 0.5, 1.5, 1.5], [4]),
    (NELSON, 6, [1.5, 1.5, 0.5, 1.5, 1.5], [4]),
    # 8 points above the centre, zig-zagging within 1 sigma: a WE run of 8. Only 8
    # points alternate (Nelson needs 14), none beyond 1 sigma.
    (WE, 4, [0.5, 0.3] * 4, [7]),
    # 9 above within 1 sigma: Nelson run of 9; alternation of 9 < 14, nothing beyond 1.
    (NELSON, 2, [0.5, 0.3] * 4 + [0.5], [8]),
    # 6 points rising from -0.5 to 0.5: a trend; sides are mixed, nothing beyond 1.
    (NELSON, 3, [-0.5, -0.3, -0.1, 0.1, 0.3, 0.5], [5]),
    # 14 points alternating +-0.5: no run (sides alternate), no trend, 14 < 15 points
    # for stratification, nothing beyond 1 sigma.
    (NELSON, 4, [0.5, -0.5] * 7, [13]),
    # 15 points within 1 sigma, in pairs (+,+,-,-,...): the steps 0, -1, 0, +1 contain
    # zeros, so neither trend nor alternation; runs on one side are 2 long.
    (NELSON, 7, ([0.5, 0.5, -0.5, -0.5] * 4)[:15], [14]),
    # 8 points at +-1.5 alternating sides: none within 1 sigma (mixture). At most 3 of 5
    # on one side beyond 1 sigma, none beyond 2, only 8 alternating points.
    (NELSON, 8, [1.5, -1.5] * 4, [7]),
]


@pytest.mark.parametrize(("rule_set", "rule", "z", "where"), CASES)
def test_series_triggers_exactly_its_rule(
    rule_set: RuleSet, rule: int, z: list[float], where: list[int]
) -> None:
    assert fired(z, rule_set) == {rule: where}


def test_every_rule_has_a_case() -> None:
    covered = {(rs, rule) for rs, rule, _, _ in CASES}
    assert covered == {(r.rule_set, r.number) for rs in RuleSet for r in rules_of(rs)}


def test_quiet_series_fires_nothing() -> None:
    # Within 1 sigma, sides change every 2 points, steps include zeros, 12 points (< 14).
    z = [0.5, 0.5, -0.5, -0.5, 0.2, 0.2, -0.2, -0.2, 0.7, 0.7, -0.7, -0.7]
    assert fired(z, WE) == {}
    assert fired(z, NELSON) == {}


def test_boundaries_are_strict() -> None:
    # Exactly 3, 2 and 1 sigma are not "beyond"; a point on the centre line ends a run.
    assert fired([3.0], WE) == {}
    assert fired([2.0, 2.0, 2.0], WE) == {}
    assert fired([1.0] * 5, WE) == {}
    assert fired([0.5] * 4 + [0.0] + [0.5] * 4, WE) == {}


def test_rule_one_width_follows_the_limits() -> None:
    # For an EWMA chart with L = 2.7 the decision limit is 2.7 sigma.
    masks = rule_masks(np.array([2.8, 2.6]), WE, (1,), limit=2.7)
    assert masks[1].tolist() == [True, False]


def test_unknown_rule_is_refused() -> None:
    with pytest.raises(SpecError, match="rule 9 is not a rule of the western_electric set"):
        rule_masks(np.zeros(5), WE, (1, 9))


# ---- oracle: the rules written out point by point ---------------------------------------


def _oracle(z: list[float], rule_set: RuleSet) -> dict[int, list[bool]]:
    n = len(z)

    def window(i: int, w: int) -> list[float] | None:
        return z[i - w + 1 : i + 1] if i >= w - 1 else None

    def check(i: int, pattern: str, w: int) -> bool:
        win = window(i, w)
        if win is None:
            return False
        if pattern == "beyond":
            return abs(win[-1]) > 3
        if pattern == "zone_a":
            return sum(v > 2 for v in win) >= 2 or sum(v < -2 for v in win) >= 2
        if pattern == "zone_b":
            return sum(v > 1 for v in win) >= 4 or sum(v < -1 for v in win) >= 4
        if pattern == "run":
            return all(v > 0 for v in win) or all(v < 0 for v in win)
        if pattern == "trend":
            steps = [b - a for a, b in itertools.pairwise(win)]
            return all(s > 0 for s in steps) or all(s < 0 for s in steps)
        if pattern == "alternation":
            steps = [b - a for a, b in itertools.pairwise(win)]
            return all(s1 * s2 < 0 for s1, s2 in itertools.pairwise(steps))
        if pattern == "stratification":
            return all(abs(v) < 1 for v in win)
        return all(abs(v) > 1 for v in win)  # mixture

    table = {
        WE: {1: ("beyond", 1), 2: ("zone_a", 3), 3: ("zone_b", 5), 4: ("run", 8)},
        NELSON: {
            1: ("beyond", 1),
            2: ("run", 9),
            3: ("trend", 6),
            4: ("alternation", 14),
            5: ("zone_a", 3),
            6: ("zone_b", 5),
            7: ("stratification", 15),
            8: ("mixture", 8),
        },
    }[rule_set]
    return {k: [check(i, p, w) for i in range(n)] for k, (p, w) in table.items()}


LEVELS = [-3.5, -2.5, -1.5, -0.5, 0.0, 0.5, 1.5, 2.5, 3.5, 0.25, -0.25, 0.75]
series = st.lists(st.sampled_from(LEVELS), min_size=1, max_size=40)


@settings(max_examples=150, deadline=None)
@given(series, st.sampled_from(list(RuleSet)))
def test_vectorised_rules_match_the_oracle(z: list[float], rule_set: RuleSet) -> None:
    masks = rule_masks(np.array(z), rule_set)
    expected = _oracle(z, rule_set)
    assert {k: m.tolist() for k, m in masks.items()} == expected


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(LEVELS), min_size=20, max_size=20), min_size=1, max_size=4)
)
def test_two_dimensional_input_is_row_by_row(rows: list[list[float]]) -> None:
    matrix = np.array(rows)
    for rule_set in RuleSet:
        together = rule_masks(matrix, rule_set)
        for i, row in enumerate(rows):
            alone = rule_masks(np.array(row), rule_set)
            for k in alone:
                assert together[k][i].tolist() == alone[k].tolist()


@settings(max_examples=80, deadline=None)
@given(series)
def test_rules_are_symmetric_about_the_centre_line(z: list[float]) -> None:
    for rule_set in RuleSet:
        up = rule_masks(np.array(z), rule_set)
        down = rule_masks(-np.array(z), rule_set)
        assert {k: m.tolist() for k, m in up.items()} == {k: m.tolist() for k, m in down.items()}
