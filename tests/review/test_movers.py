"""Top movers of the hand-made company, ranked and explained, every number by hand.

OTD by site and carrier (lines due / on time), October -> November 2025:

    DAL K1  3/3 -> 2/2     DAL K2  2/2 -> 4/1     ATL K1  5/4 -> 4/4
    company 10/9 = 90.0%  ->  10/7 = 70.0%: change -0.20 (20.0 pts)

By site (s = share of lines due, r = own rate; R0 = 0.9):
    DAL  s 0.5 -> 0.6, r 1.0 -> 0.5:  rate 0.6 x (0.5 - 1.0) = -0.30,
                                      mix (0.6 - 0.5) x (1.0 - 0.9) = +0.01  -> -0.29
    ATL  s 0.5 -> 0.4, r 0.8 -> 1.0:  rate 0.4 x 0.2 = +0.08,
                                      mix (-0.1) x (0.8 - 0.9) = +0.01      -> +0.09
By site x carrier, the cells of DAL:
    DAL K2  s 0.2 -> 0.4, r 1.0 -> 0.25: rate 0.4 x (-0.75) = -0.30,
                                         mix 0.2 x (1.0 - 0.9) = +0.02      -> -0.28
    DAL K1  s 0.3 -> 0.2, r 1.0 -> 1.0:  rate 0, mix (-0.1) x 0.1 = -0.01
(-0.28 - 0.01 + 0.09 = -0.20.) DAL K2 carries 0.28 >= half of DAL's 0.29, so it names
the driver: "28.0 pts of the fall come from site DAL, carrier K2".
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from obeya.metrics import (
    Against,
    Area,
    Dimension,
    Direction,
    ScorecardRow,
    SparkPoint,
    Unit,
    load_catalog,
    scorecard,
)
from obeya.metrics.periods import Grain
from obeya.review.context import read_names
from obeya.review.movers import cell_detail, explain_mover, rank_movers
from obeya.warehouse import Warehouse

NOV = date(2025, 11, 1)
CATALOG = load_catalog()


def _movers(company: Warehouse) -> dict[str, object]:
    card = scorecard(company, NOV, Grain.MONTH, catalog=CATALOG)
    ranked = rank_movers(card.rows, CATALOG, min_size=0.5)
    names = read_names(company)
    out: dict[str, object] = {"ranked": ranked, "names": names, "as_of": card.as_of}
    for c in ranked:
        out[c.spec.id] = explain_mover(company, c, NOV, Grain.MONTH, card.as_of, CATALOG, names)
    return out


@pytest.fixture(scope="module")
def movers(company: Warehouse) -> dict[str, object]:
    return _movers(company)


def test_sizes_are_counted_in_tolerance_bands(movers: dict[str, object]) -> None:
    ranked = {c.spec.id: c for c in movers["ranked"]}  # type: ignore[attr-defined]
    otd = ranked["otd"]
    # OTD: target 95%, red 90%: band 0.05; the sparkline has two values (no swing)
    assert otd.against is Against.PRIOR
    assert otd.change == pytest.approx(-0.20)
    assert otd.size == pytest.approx(0.20 / 0.05)
    # supplier OTD: 1/1 -> 1/4, -0.75 over a band of 0.95 - 0.88 = 0.07
    assert ranked["supplier_otd"].size == pytest.approx(0.75 / 0.07)
    # OTIF is OTD here (every line in full): band 0.92 - 0.85 = 0.07
    assert ranked["otif"].size == pytest.approx(0.20 / 0.07)
    order = [c.spec.id for c in movers["ranked"]]  # type: ignore[attr-defined]
    assert order.index("supplier_otd") < order.index("otd") < order.index("otif")


def test_otd_is_explained_by_site_and_carrier(movers: dict[str, object]) -> None:
    m = movers["otd"]
    assert m.sentence == (  # type: ignore[attr-defined]
        "OTD fell 20.0 pts to 70.0% against 2025-10; 28.0 pts of the fall come from "
        "site DAL (Dallas DC), carrier K2 (Quick Parcel)."
    )
    assert m.top.member == "DAL"  # type: ignore[attr-defined]
    assert m.top.contribution == pytest.approx(-0.29)  # type: ignore[attr-defined]
    cell = m.cell  # type: ignore[attr-defined]
    assert (cell.first, cell.first_member, cell.second, cell.second_member) == (
        Dimension.SITE,
        "DAL",
        Dimension.CARRIER,
        "K2",
    )
    assert cell.rate_effect == pytest.approx(-0.30)
    assert cell.mix_effect == pytest.approx(0.02)
    assert (cell.share_0, cell.share_1) == pytest.approx((0.2, 0.4))
    assert (cell.value_0, cell.value_1, cell.rest_value_1) == pytest.approx((1.0, 0.25, 1.0))
    assert (cell.numerator_1, cell.denominator_1) == pytest.approx((1.0, 4.0))
    assert cell_detail(m, movers["names"], Grain.MONTH) == (  # type: ignore[arg-type]
        "At site DAL (Dallas DC), carrier K2 (Quick Parcel), OTD went from 100.0% in 2025-10 "
        "to 25.0%; the other carriers there reached 100.0%."
    )


def test_a_member_without_a_split_is_named_alone(movers: dict[str, object]) -> None:
    """Perfect orders cut by site and customer or channel only; the company has one
    customer and no channel, so DAL does not split and names the driver alone (-0.29)."""
    m = movers["perfect_order_rate"]
    assert m.cell is None  # type: ignore[attr-defined]
    assert m.sentence == (  # type: ignore[attr-defined]
        "Perfect order rate fell 20.0 pts to 70.0% against 2025-10; 29.0 pts of the fall "
        "come from site DAL (Dallas DC)."
    )


def test_a_new_member_is_all_mix(movers: dict[str, object]) -> None:
    """Supplier OTD at ATL: S1 1/1 in October, S2 1/4 in November. S2 is new: rate 0,
    mix 1.0 x (0.25 - 1.0) = -0.75, the whole change."""
    m = movers["supplier_otd"]
    assert m.sentence == (  # type: ignore[attr-defined]
        "Supplier on-time delivery fell 75.0 pts to 25.0% against 2025-10; 75.0 pts of the "
        "fall come from site ATL (Atlanta plant), supplier S2 (Parts Inc)."
    )
    assert m.cell.rate_effect == pytest.approx(0.0)  # type: ignore[attr-defined]
    assert m.cell.mix_effect == pytest.approx(-0.75)  # type: ignore[attr-defined]


def test_a_percentile_is_not_a_mover(movers: dict[str, object]) -> None:
    """Lead time p90: 37 days -> 40 days (30, 40, 40, 40), +3 over a band of 10% of 37 =
    0.81: a candidate, but percentiles do not split, so it is left out."""
    ranked = {c.spec.id for c in movers["ranked"]}  # type: ignore[attr-defined]
    assert "supplier_lead_time_days_p90" in ranked
    assert movers["supplier_lead_time_days_p90"] is None


def _row(kpi: str, value: float, prior: float | None, last_year: float | None) -> ScorecardRow:
    return ScorecardRow(
        kpi, kpi, Area.SERVICE, Unit.RATIO, Direction.HIGHER, "", None, value,
        None, None, 0.95, None, prior, last_year, None,
        (SparkPoint(date(2025, 10, 1), value - (prior or 0.0)), SparkPoint(NOV, value)),
    )  # fmt: skip


changes = st.floats(min_value=-0.3, max_value=0.3, allow_nan=False).filter(lambda x: abs(x) > 1e-6)


@given(st.lists(st.tuples(changes, changes), min_size=1, max_size=6))
def test_ranking_invariants(moves: list[tuple[float, float]]) -> None:
    """Ranked by score; every size at least the minimum; a fall of OTD outranks the same
    rise (problems first)."""
    ids = ["otd", "otif", "fill_rate_units", "fill_rate_lines", "perfect_order_rate", "oee"]
    rows = [_row(k, 0.6, p, y) for k, (p, y) in zip(ids, moves, strict=False)]
    ranked = rank_movers(rows, CATALOG, min_size=0.5)
    scores = [c.score for c in ranked]
    assert scores == sorted(scores, reverse=True)
    assert all(c.size >= 0.5 for c in ranked)
    fall, rise = (
        rank_movers(
            [_row("otd", 0.6, -0.1, None), _row("otif", 0.6, None, None)], CATALOG, min_size=0.0
        ),
        rank_movers([_row("otd", 0.6, 0.1, None)], CATALOG, min_size=0.0),
    )
    assert fall[0].score == pytest.approx(2 * rise[0].score)
