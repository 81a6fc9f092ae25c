"""Price / volume / mix / cost bridge: hand-worked cases and the adding-up property."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from obeya.errors import DataError
from obeya.finance import (
    BridgeColumns,
    BridgeMeasure,
    Effect,
    MixConvention,
    WaterfallGrouping,
    variance_bridge,
)

# Comparison (budget):  x 100 u, revenue 1000 (p 10), cost 550 (c 5.50), margin 450 (m 4.5)
#                       y  50 u, revenue  600 (p 12), cost 300 (c 6.00), margin 300 (m 6.0)
#                       w  10 u, revenue  100,        cost  80,          margin  20 (lost)
# Actual:               x 110 u, revenue 1100 (p 10), cost 600,          margin 500
#                       y  60 u, revenue  720 (p 12), cost 400,          margin 320
#                       z   5 u, revenue   50,        cost  30,          margin  20 (new)
BUDGET = pd.DataFrame(
    {
        "member": ["x", "y", "w"],
        "units": [100.0, 50.0, 10.0],
        "revenue": [1000.0, 600.0, 100.0],
        "cost": [550.0, 300.0, 80.0],
    }
)
ACTUAL = pd.DataFrame(
    {
        "member": ["x", "y", "z"],
        "units": [110.0, 60.0, 5.0],
        "revenue": [1100.0, 720.0, 50.0],
        "cost": [600.0, 400.0, 30.0],
    }
)


def _row(bridge_members: pd.DataFrame, member: str) -> pd.Series:
    return bridge_members.set_index("member").loc[member]


def test_revenue_bridge_by_hand() -> None:
    # Continuing x, y: U_b = 150, U_a = 170, average budget price 1600/150 = 10.6667.
    # volume: (110-100) x 10.6667 = 106.67 each for x and y, total 20 x 10.6667 = 213.33.
    # shares: budget 2/3, 1/3; actual 11/17, 6/17; share change -1/51, +1/51.
    # mix x = 170 x (-1/51) x (10 - 10.6667) = 20/9 = 2.22; y = 170 x (1/51) x (12 -
    # 10.6667) = 40/9 = 4.44; total 20/3 = 6.67. Prices unchanged: price effect 0.
    # new z = +50, lost w = -100. Change = 1870 - 1700 = 170 = 213.33 + 6.67 + 50 - 100.
    b = variance_bridge(ACTUAL, BUDGET, BridgeMeasure.REVENUE)
    assert b.comparison_total == 1700
    assert b.actual_total == 1870
    assert set(b.effects) == {Effect.VOLUME, Effect.MIX, Effect.PRICE, Effect.NEW, Effect.LOST}
    assert b.effects[Effect.VOLUME] == pytest.approx(640 / 3)
    assert b.effects[Effect.MIX] == pytest.approx(20 / 3)
    assert b.effects[Effect.PRICE] == pytest.approx(0.0, abs=1e-12)
    assert b.effects[Effect.NEW] == pytest.approx(50)
    assert b.effects[Effect.LOST] == pytest.approx(-100)
    x = _row(b.members, "x")
    assert x["volume"] == pytest.approx(320 / 3)
    assert x["mix"] == pytest.approx(20 / 9)
    assert _row(b.members, "y")["mix"] == pytest.approx(40 / 9)
    assert _row(b.members, "w")["status"] == "lost"
    assert _row(b.members, "z")["status"] == "new"


def test_margin_bridge_by_hand() -> None:
    # Average budget margin of continuing members (450 + 300) / 150 = 5.0.
    # volume: 10 x 5 = 50 for x and for y (total 100).
    # mix x = 170 x (-1/51) x (4.5 - 5) = 5/3; y = 170 x (1/51) x (6 - 5) = 10/3 (total 5).
    # cost x = -(600/110 - 5.5) x 110 = -(600 - 605) = +5; y = -(400/60 - 6) x 60 = -40.
    # new +20, lost -20. Change 840 - 770 = 70 = 100 + 5 + 0 - 35 + 20 - 20.
    b = variance_bridge(ACTUAL, BUDGET)
    assert b.change == pytest.approx(70)
    assert b.effects[Effect.VOLUME] == pytest.approx(100)
    assert b.effects[Effect.MIX] == pytest.approx(5)
    assert b.effects[Effect.COST] == pytest.approx(-35)
    assert b.effects[Effect.NEW] == pytest.approx(20)
    assert b.effects[Effect.LOST] == pytest.approx(-20)
    assert _row(b.members, "x")["cost"] == pytest.approx(5)
    assert _row(b.members, "y")["cost"] == pytest.approx(-40)
    # Ranked by |total|: x 50 + 5/3 + 5 = 56.67, then w -20 and z +20 (tie broken by
    # name), then y 50 + 10/3 - 40 = 13.33.
    assert b.members["member"].tolist() == ["x", "w", "z", "y"]
    assert b.members["rank"].tolist() == [1, 2, 3, 4]


def test_member_convention_by_hand() -> None:
    # Horngren's sales-quantity and sales-mix variances per member:
    # volume x = (170 - 150) x 2/3 x 4.5 = 60; y = 20 x 1/3 x 6 = 40 (total 100 again);
    # mix x = 170 x (-1/51) x 4.5 = -15; y = 170 x (1/51) x 6 = +20 (total 5 again).
    # Each member now adds up to its own change: x 60 - 15 + 5 = 50 = 500 - 450;
    # y 40 + 20 - 40 = 20 = 320 - 300.
    b = variance_bridge(ACTUAL, BUDGET, convention=MixConvention.MEMBER)
    x, y = _row(b.members, "x"), _row(b.members, "y")
    assert (x["volume"], x["mix"]) == pytest.approx((60, -15))
    assert (y["volume"], y["mix"]) == pytest.approx((40, 20))
    assert x["total"] == pytest.approx(x["change"]) == pytest.approx(50)
    assert y["total"] == pytest.approx(20)
    assert b.effects[Effect.VOLUME] == pytest.approx(100)
    assert b.effects[Effect.MIX] == pytest.approx(5)


def test_price_and_mix_by_hand() -> None:
    # Budget x 100 u at 10, y 100 u at 20 (average 15); actual x 150 u at 11, y 50 u at 20.
    # volume: (+50 - 50) x 15 = 0; mix x = 200 x 0.25 x (10 - 15) = -250,
    # y = 200 x (-0.25) x (20 - 15) = -250; price x = (11 - 10) x 150 = +150.
    # Change = (1650 + 1000) - (1000 + 2000) = -350 = 0 - 500 + 150.
    budget = pd.DataFrame(
        {"member": ["x", "y"], "units": [100, 100], "revenue": [1000, 2000], "cost": [0, 0]}
    )
    actual = pd.DataFrame(
        {"member": ["x", "y"], "units": [150, 50], "revenue": [1650, 1000], "cost": [0, 0]}
    )
    b = variance_bridge(actual, budget, BridgeMeasure.REVENUE)
    assert b.effects[Effect.VOLUME] == pytest.approx(0, abs=1e-9)
    assert b.effects[Effect.MIX] == pytest.approx(-500)
    assert b.effects[Effect.PRICE] == pytest.approx(150)
    assert b.change == pytest.approx(-350)


def test_waterfall_by_effect_and_member() -> None:
    b = variance_bridge(ACTUAL, BUDGET, comparison_label="last year")
    w = b.waterfall()
    assert w.start_label == "last year"
    assert w.start == 770
    assert w.end == 840
    assert [s.label for s in w.steps] == ["volume", "mix", "price", "cost", "new", "lost"]
    assert w.steps[0].start == 770
    assert w.steps[0].end == pytest.approx(870)
    assert w.steps[-1].end == pytest.approx(840)
    top = b.waterfall(WaterfallGrouping.MEMBER, top=2)
    assert [s.label for s in top.steps] == ["x", "w", "other (2 members)"]
    assert top.steps[-1].end == pytest.approx(840)
    assert top.to_dict()["end"] == {"label": "actual", "value": 840.0}


def test_custom_columns_arrow_input_and_duplicate_rows() -> None:
    cols = BridgeColumns(member="family", units="qty", revenue="sales", cost="cogs")
    renamed = {"member": "family", "units": "qty", "revenue": "sales", "cost": "cogs"}
    # x's actual split over two rows: summed per member first.
    actual = pd.concat([ACTUAL, ACTUAL.iloc[[0]].assign(units=0.0, revenue=0.0, cost=0.0)])
    b = variance_bridge(
        pa.Table.from_pandas(actual.rename(columns=renamed), preserve_index=False),
        BUDGET.rename(columns=renamed),
        columns=cols,
    )
    assert b.change == pytest.approx(70)
    assert b.effects[Effect.COST] == pytest.approx(-35)


def test_bad_tables_are_refused() -> None:
    with pytest.raises(DataError, match="lacks column"):
        variance_bridge(ACTUAL.drop(columns="cost"), BUDGET)
    with pytest.raises(DataError, match="units must not be negative"):
        variance_bridge(ACTUAL.assign(units=-1.0), BUDGET)
    with pytest.raises(DataError, match="non-numeric"):
        variance_bridge(ACTUAL.assign(revenue=["a", "b", "c"]), BUDGET)


# --------------------------------------------------------------------------- property

money = st.integers(0, 10_000_000).map(lambda v: v / 100)
units = st.one_of(st.just(0.0), st.integers(1, 100_000).map(float))


@st.composite
def side(draw: st.DrawFn, names: list[str]) -> pd.DataFrame:
    chosen = draw(st.lists(st.sampled_from(names), unique=True, max_size=len(names)))
    n = len(chosen)
    return pd.DataFrame(
        {
            "member": chosen,
            "units": draw(st.lists(units, min_size=n, max_size=n)),
            "revenue": draw(st.lists(money, min_size=n, max_size=n)),
            "cost": draw(st.lists(money, min_size=n, max_size=n)),
        },
        columns=["member", "units", "revenue", "cost"],
    )


NAMES = [f"m{i}" for i in range(8)]


@settings(max_examples=200, deadline=None)
@given(
    actual=side(NAMES),
    comparison=side(NAMES),
    measure=st.sampled_from(BridgeMeasure),
    convention=st.sampled_from(MixConvention),
)
def test_effects_add_up_exactly(
    actual: pd.DataFrame,
    comparison: pd.DataFrame,
    measure: BridgeMeasure,
    convention: MixConvention,
) -> None:
    b = variance_bridge(actual, comparison, measure, convention=convention)
    value = (
        (lambda t: t["revenue"].sum())
        if measure is BridgeMeasure.REVENUE
        else (lambda t: t["revenue"].sum() - t["cost"].sum())
    )
    expected_change = float(value(actual)) - float(value(comparison))
    scale = max(
        1.0,
        float(
            np.abs(actual[["revenue", "cost"]].to_numpy()).sum()
            + np.abs(comparison[["revenue", "cost"]].to_numpy()).sum()
        ),
    )
    assert abs(math.fsum(b.effects.values()) - expected_change) <= 1e-9 * scale
    assert abs(math.fsum(b.members["total"]) - expected_change) <= 1e-9 * scale
    # Every effect column sums to its total.
    for effect, total in b.effects.items():
        assert b.members[effect.value].sum() == pytest.approx(total, abs=1e-9 * scale)
    # The two conventions split volume and mix differently per member, never in total.
    other = variance_bridge(
        actual,
        comparison,
        measure,
        convention=MixConvention.MEMBER
        if convention is MixConvention.DEVIATION
        else MixConvention.DEVIATION,
    )
    for effect in b.effects:
        assert other.effects[effect] == pytest.approx(b.effects[effect], abs=1e-9 * scale)
    if convention is MixConvention.MEMBER:
        assert np.allclose(b.members["total"], b.members["change"], atol=1e-9 * scale, rtol=0)
