"""Capital rationing MIP: textbook cases, conflicts, and brute force on random instances."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from obeya.errors import InfeasibleError, SpecError
from obeya.finance import PortfolioItem, optimise_portfolio, parse_capex_spec, select_portfolio


def _bma_spec(budget: object) -> dict[str, object]:
    # Brealey, Myers & Allen, Principles of Corporate Finance, 10th ed., ch. 5,
    # section 5-4 (capital rationing), at 10%:
    #   A: -10, +30, +5   NPV = -10 + 27.27 + 4.13 = 21.40 (book: 21)
    #   B:  -5,  +5, +20  NPV =  -5 +  4.55 + 16.53 = 16.07 (book: 16)
    #   C:  -5,  +5, +15  NPV =  -5 +  4.55 + 12.40 = 11.94 (book: 12)
    #   D:   0, -40, +60  NPV = -36.36 + 49.59 = 13.22      (book: 13)
    return {
        "discount_rate": 0.10,
        "budget": budget,
        "projects": [
            {"id": "A", "cash_flows": [-10, 30, 5]},
            {"id": "B", "cash_flows": [-5, 5, 20]},
            {"id": "C", "cash_flows": [-5, 5, 15]},
            {"id": "D", "cash_flows": [0, -40, 60]},
        ],
    }


def test_bma_single_period_rationing() -> None:
    # With 10 to spend at t = 0 only (D needs nothing then and is always worth taking
    # when year 1 is not limited), B + C (16.07 + 11.94) beat A (21.40): the book's
    # point that the project with the highest NPV alone is not the best use of 10.
    spec = parse_capex_spec(_bma_spec(10))
    result = select_portfolio(spec)
    assert set(result.chosen) == {"B", "C", "D"}
    assert result.capex_used == pytest.approx(10)
    assert result.total_npv == pytest.approx(16.07 + 11.94 + 13.22, abs=0.01)


def test_bma_two_period_rationing() -> None:
    # Budgets of 10 at t = 0 and 10 at t = 1: the book finds A + D (NPV 21 + 13 = 34)
    # because A's +30 in year 1 pays for D's -40 (net need 40 - 30 = 10 <= 10), while
    # B + C + D would need 40 - 5 - 5 = 30 > 10 in year 1. A + D = 21.40 + 13.22 = 34.62.
    spec = parse_capex_spec(_bma_spec([10, 10]))
    result = select_portfolio(spec)
    assert set(result.chosen) == {"A", "D"}
    assert result.total_npv == pytest.approx(34.62, abs=0.01)
    assert result.need_by_year == pytest.approx((10, 10))


def test_requires_and_excludes_shape_the_choice() -> None:
    # wms alone loses money (-5) but agv (+50) requires it: the pair is worth 45;
    # agv and agv_lite (+30) exclude each other; budget 100 at t = 0.
    items = [
        PortfolioItem("agv", 50, (60,), requires=("wms",), excludes=("agv_lite",)),
        PortfolioItem("wms", -5, (20,)),
        PortfolioItem("agv_lite", 30, (30,)),
        PortfolioItem("dock", 10, (20,)),
    ]
    result = optimise_portfolio(items, (100,))
    # agv + wms + dock = 50 - 5 + 10 = 55 using 100; agv_lite + dock = 40.
    assert set(result.chosen) == {"agv", "wms", "dock"}
    assert result.total_npv == pytest.approx(55)
    assert result.capex_used == pytest.approx(100)
    tight = optimise_portfolio(items, (60,))
    # 60 cannot hold agv + wms (80): agv_lite + dock = 40 using 50.
    assert set(tight.chosen) == {"agv_lite", "dock"}


def test_required_project_that_is_excluded_is_infeasible() -> None:
    items = [
        PortfolioItem("agv", 50, (60,), requires=("wms",), excludes=("wms",)),
        PortfolioItem("wms", 5, (20,)),
    ]
    with pytest.raises(
        InfeasibleError, match=r"'agv' can never be chosen.*'wms' exclude each other"
    ):
        optimise_portfolio(items, (100,))


def test_conflict_through_a_chain() -> None:
    # a requires b, b requires c, c excludes a.
    items = [
        PortfolioItem("a", 1, (1,), requires=("b",)),
        PortfolioItem("b", 1, (1,), requires=("c",)),
        PortfolioItem("c", 1, (1,), excludes=("a",)),
    ]
    with pytest.raises(InfeasibleError, match=r"'a' can never be chosen.*b requires c"):
        optimise_portfolio(items, ())


def test_mandatory_over_budget_is_infeasible() -> None:
    items = [PortfolioItem("compliance", -10, (150,), mandatory=True), PortfolioItem("x", 5, (10,))]
    with pytest.raises(InfeasibleError, match=r"mandatory projects \(compliance\)"):
        optimise_portfolio(items, (100,))


def test_mandatory_projects_that_exclude_each_other() -> None:
    items = [
        PortfolioItem("a", 1, (1,), mandatory=True, excludes=("b",)),
        PortfolioItem("b", 1, (1,), mandatory=True),
    ]
    with pytest.raises(InfeasibleError, match="exclude each other"):
        optimise_portfolio(items, ())


def test_unknown_reference_and_duplicates() -> None:
    with pytest.raises(SpecError, match="unknown project 'ghost'"):
        optimise_portfolio([PortfolioItem("a", 1, (1,), requires=("ghost",))])
    with pytest.raises(SpecError, match="unique"):
        optimise_portfolio([PortfolioItem("a", 1, (1,)), PortfolioItem("a", 2, (1,))])


# --------------------------------------------------------------------------- brute force


@st.composite
def instances(draw: st.DrawFn) -> tuple[list[PortfolioItem], tuple[float, ...]]:
    n = draw(st.integers(1, 7))
    years = draw(st.integers(1, 2))
    ids = [f"p{i}" for i in range(n)]
    pairs = [(a, b) for a in range(n) for b in range(n) if a != b]
    links = draw(st.lists(st.sampled_from(pairs), max_size=3, unique=True)) if pairs else []
    kinds = draw(st.lists(st.booleans(), min_size=len(links), max_size=len(links)))
    requires: dict[int, list[str]] = {i: [] for i in range(n)}
    excludes: dict[int, list[str]] = {i: [] for i in range(n)}
    for (a, b), is_require in zip(links, kinds, strict=True):
        (requires if is_require else excludes)[a].append(ids[b])
    items = [
        PortfolioItem(
            ids[i],
            float(draw(st.integers(-50, 100))),
            tuple(float(draw(st.integers(-20, 60))) for _ in range(years)),
            requires=tuple(requires[i]),
            excludes=tuple(excludes[i]),
            mandatory=draw(st.integers(0, 9)) == 0,
        )
        for i in range(n)
    ]
    budgets = tuple(float(draw(st.integers(0, 150))) for _ in range(years))
    return items, budgets


def _logically_ok(chosen: set[str], items: list[PortfolioItem]) -> bool:
    by_id = {it.id: it for it in items}
    for pid in chosen:
        if any(r not in chosen for r in by_id[pid].requires):
            return False
        if any(e in chosen for e in by_id[pid].excludes):
            return False
    return True


def _brute_force(items: list[PortfolioItem], budgets: tuple[float, ...]) -> float | None:
    best: float | None = None
    for mask in itertools.product((False, True), repeat=len(items)):
        chosen = {it.id for it, pick in zip(items, mask, strict=True) if pick}
        if any(it.mandatory and it.id not in chosen for it in items):
            continue
        if not _logically_ok(chosen, items):
            continue
        needs = [
            sum(it.cash_needs[t] for it in items if it.id in chosen) for t in range(len(budgets))
        ]
        if any(need > cap + 1e-9 for need, cap in zip(needs, budgets, strict=True)):
            continue
        value = sum(it.npv for it in items if it.id in chosen)
        best = value if best is None else max(best, value)
    return best


def _never_choosable(items: list[PortfolioItem]) -> bool:
    """Some project is in no subset that satisfies requires/excludes."""
    for it in items:
        ok = False
        for mask in itertools.product((False, True), repeat=len(items)):
            chosen = {o.id for o, pick in zip(items, mask, strict=True) if pick}
            if it.id in chosen and _logically_ok(chosen, items):
                ok = True
                break
        if not ok:
            return True
    return False


@settings(max_examples=120, deadline=None)
@given(instance=instances())
def test_mip_matches_brute_force(instance: tuple[list[PortfolioItem], tuple[float, ...]]) -> None:
    items, budgets = instance
    best = _brute_force(items, budgets)
    try:
        result = optimise_portfolio(items, budgets)
    except InfeasibleError:
        # Either a spec conflict (some project can never be chosen) or no feasible set.
        assert best is None or _never_choosable(items)
        return
    assert not _never_choosable(items)
    assert best is not None
    assert result.total_npv == pytest.approx(best, abs=1e-6)
    chosen = set(result.chosen)
    assert _logically_ok(chosen, items)
    for t, cap in enumerate(budgets):
        assert sum(it.cash_needs[t] for it in items if it.id in chosen) <= cap + 1e-9
