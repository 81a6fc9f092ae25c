"""Rate and mix effects: a case worked by hand, the identity as a property, and explain()."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from obeya.errors import SpecError
from obeya.metrics import (
    Against,
    Method,
    decompose_additive,
    decompose_against_target,
    decompose_ratio,
    explain,
)
from obeya.warehouse import Warehouse
from tests.metrics.helpers import approx

AS_OF = date(2025, 3, 31)


def test_rate_and_mix_by_hand() -> None:
    # Baseline: DAL 90 of 100 (0.9), ATL 40 of 50 (0.8): R0 = 130 / 150 = 0.8667.
    # Period:   DAL 80 of 100 (0.8), ATL 90 of 100 (0.9): R1 = 170 / 200 = 0.85.
    d = decompose_ratio([90, 40], [100, 50], [80, 90], [100, 100])
    assert d.baseline == approx(130 / 150)
    assert d.current == approx(0.85)
    # shares: s0 = (2/3, 1/3), s1 = (1/2, 1/2)
    # rate: DAL 0.5 x (0.8 - 0.9) = -0.05; ATL 0.5 x (0.9 - 0.8) = +0.05
    assert d.rate_effect.tolist() == [approx(-0.05), approx(0.05)]
    # mix: DAL (1/2 - 2/3)(0.9 - 13/15) = -1/180; ATL (1/2 - 1/3)(0.8 - 13/15) = -1/90
    assert d.mix_effect.tolist() == [approx(-1 / 180), approx(-1 / 90)]
    # -0.05 + 0.05 - 1/180 - 1/90 = -1/60 = 0.85 - 13/15
    assert math.fsum(d.contribution) == approx(d.total)
    assert d.total == approx(-1 / 60)


def test_members_in_one_period_only() -> None:
    # NEW appears with 10 of 10; OLD (5 of 10) is gone; BOTH stays at 8 of 10.
    d = decompose_ratio([0, 5, 8], [0, 10, 10], [10, 0, 8], [10, 0, 10])
    # R0 = 13 / 20 = 0.65, R1 = 18 / 20 = 0.9
    # NEW: all mix, s1 (r1 - R0) = 0.5 x (1 - 0.65) = 0.175
    # OLD: all mix, -s0 (r0 - R0) = -0.5 x (0.5 - 0.65) = 0.075
    # BOTH: rate 0.5 x 0 = 0, mix 0 x (0.8 - 0.65) = 0
    assert d.rate_effect.tolist() == [0.0, 0.0, 0.0]
    assert d.mix_effect.tolist() == [approx(0.175), approx(0.075), 0.0]
    assert math.fsum(d.contribution) == approx(0.25)


def test_gap_to_target_by_hand() -> None:
    # 90 of 100 at DAL (target 0.95), 45 of 50 at ATL (target 0.85); company target 0.9.
    d = decompose_against_target([90, 45], [100, 50], [0.95, 0.85], 0.9)
    # R1 = 135 / 150 = 0.9: on target overall.
    # rate: DAL 2/3 x (0.9 - 0.95) = -1/30; ATL 1/3 x (0.9 - 0.85) = +1/60
    # mix:  DAL 2/3 x (0.95 - 0.9) = +1/30; ATL 1/3 x (0.85 - 0.9) = -1/60
    assert d.rate_effect.tolist() == [approx(-1 / 30), approx(1 / 60)]
    assert d.mix_effect.tolist() == [approx(1 / 30), approx(-1 / 60)]
    assert d.total == approx(0.0)


counts = st.lists(
    st.tuples(st.integers(0, 50), st.integers(0, 50), st.integers(0, 50), st.integers(0, 50)),
    min_size=1,
    max_size=8,
)


@given(counts)
@settings(max_examples=200, deadline=None)
def test_contributions_add_up_to_the_change(rows: list[tuple[int, int, int, int]]) -> None:
    # numerators are at most their denominators, as in a share of lines
    n0 = [min(a, b) for a, b, _, _ in rows]
    d0 = [b for _, b, _, _ in rows]
    n1 = [min(c, e) for _, _, c, e in rows]
    d1 = [e for _, _, _, e in rows]
    if sum(d0) == 0 or sum(d1) == 0:
        with pytest.raises(ValueError, match="positive total denominator"):
            decompose_ratio(n0, d0, n1, d1)
        return
    d = decompose_ratio(n0, d0, n1, d1)
    assert math.fsum(d.contribution) == pytest.approx(
        sum(n1) / sum(d1) - sum(n0) / sum(d0), abs=1e-12
    )
    additive = decompose_additive(np.array(n0, float), np.array(n1, float))
    assert math.fsum(additive.contribution) == pytest.approx(sum(n1) - sum(n0), abs=1e-9)


def test_explain_a_change_by_site(company: Warehouse) -> None:
    r = explain(company, "otd", "2025-03", "site", as_of=AS_OF)
    # February: DAL 1 of 2 (L8 late, L9), ATL 1 of 1 (L11) -> R0 = 2/3.
    # March: ATL 2 of 2 (L10, L12), DAL none -> R1 = 1.
    # DAL left: mix -(2/3)(0.5 - 2/3) = 1/9; ATL: rate 1 x (1 - 1) = 0,
    # mix (1 - 1/3)(1 - 2/3) = 2/9. Together 1/3.
    assert r.method is Method.RATE_MIX
    assert r.change == approx(1 / 3)
    assert [(m.member, m.rate_effect, m.mix_effect) for m in r.members] == [
        ("ATL", approx(0.0), approx(2 / 9)),
        ("DAL", approx(0.0), approx(1 / 9)),
    ]
    assert r.sentence() == (
        "OTD rose 33.3 pts to 100.0% vs 2025-02; the larger share of site ATL explains "
        "22.2 pts, the smaller share of site DAL explains 11.1 pts."
    )
    data = r.to_dict()
    assert data["period_start"] == "2025-03-01"
    assert data["baseline_start"] == "2025-02-01"
    assert sum(m["contribution"] for m in data["members"]) == approx(data["change"])


def test_explain_offsetting_rates(company: Warehouse) -> None:
    r = explain(company, "otd", "2025-02", "channel", as_of=AS_OF)
    # January: web 3 of 3, retail 1 of 3 -> 4/6. February: web 1 of 2, retail 1 of 1 -> 2/3.
    # web: rate (2/3)(0.5 - 1) = -1/3, mix (2/3 - 1/2)(1 - 2/3) = +1/18
    # retail: rate (1/3)(1 - 1/3) = +2/9, mix (1/3 - 1/2)(1/3 - 2/3) = +1/18
    effects = {m.member: (m.rate_effect, m.mix_effect) for m in r.members}
    assert effects == {
        "web": (approx(-1 / 3), approx(1 / 18)),
        "retail": (approx(2 / 9), approx(1 / 18)),
    }
    assert r.sentence() == (
        "OTD was unchanged at 66.7% vs 2025-01; channel retail's own rate added 22.2 pts, "
        "channel web's own rate took off 33.3 pts."
    )


def test_explain_additive_target_and_refusals(company: Warehouse) -> None:
    r = explain(company, "revenue", "2025-02", "site", as_of=AS_OF)
    # January DAL 240, ATL 80; February DAL 60 + 60 = 120, ATL 50 + 40 = 90.
    assert r.method is Method.ADDITIVE
    assert [(m.member, m.contribution) for m in r.members] == [("DAL", -120), ("ATL", 10)]
    assert (
        r.sentence()
        == "Revenue fell 110 to 210 vs 2025-01; site DAL explains 120, site ATL offsets 10."
    )
    # March against the 95% target: ATL (all of March's lines) 2 of 2 -> +5 pts of rate.
    r = explain(company, "otd", "2025-03", "site", against=Against.TARGET, as_of=AS_OF)
    assert r.change == approx(0.05)
    assert r.members[0].rate_effect == approx(0.05)
    with pytest.raises(SpecError, match="order_cycle_time_days_p90 does not split"):
        explain(company, "order_cycle_time_days_p90", "2025-02", "site", as_of=AS_OF)
    with pytest.raises(SpecError, match="revenue has no target"):
        explain(company, "revenue", "2025-02", "site", against="target", as_of=AS_OF)
    # No baseline: nothing was due in December 2024.
    r = explain(company, "otd", "2025-01", "site", as_of=AS_OF)
    assert r.change is None
    assert r.reason == "no order lines due in the period (2024-12)"
    assert (
        r.sentence()
        == "OTD: no comparison vs 2024-12 (no order lines due in the period (2024-12))."
    )


def test_sentence_leaves_out_contributions_too_small_to_show() -> None:
    from obeya.metrics import Against, Dimension, Direction, DriverResult, Grain, MemberEffect, Unit

    # OTD 90.0% -> 80.0%: site A's rate takes 9.99 pts, site B's 0.01 pts ("0.0 pts").
    r = DriverResult(
        kpi="otd",
        label="On-time delivery",
        unit=Unit.RATIO,
        direction=Direction.HIGHER,
        dimension=Dimension.SITE,
        grain=Grain.MONTH,
        period_start=date(2025, 3, 1),
        against=Against.PRIOR,
        baseline_start=date(2025, 2, 1),
        value_0=0.9,
        value_1=0.8,
        method=Method.RATE_MIX,
        members=(
            MemberEffect("A", 0.9, 0.7, 0.5, 0.5, -0.0999, 0.0),
            MemberEffect("B", 0.9, 0.9, 0.5, 0.5, -0.0001, 0.0),
        ),
    )
    assert (
        r.sentence()
        == "OTD fell 10.0 pts to 80.0% vs 2025-02; site A's own rate explains 10.0 pts."
    )
