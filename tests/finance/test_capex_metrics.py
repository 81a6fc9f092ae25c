"""Capital project metrics against published examples, hand arithmetic and numpy-financial."""

from __future__ import annotations

import math

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from obeya.errors import SpecError
from obeya.finance import (
    IrrStatus,
    discounted_payback,
    evaluate_cash_flows,
    irr,
    mirr,
    npv,
    payback,
    profitability_index,
)

# --------------------------------------------------------------------------- published cases

# Brealey, Myers & Allen, Principles of Corporate Finance, 10th ed., ch. 5, section 5-2
# ("Payback"): three projects at a 10% cost of capital, with the book's NPV and its
# whole-year payback period.
BMA_PAYBACK = [
    # id, flows, book NPV, book payback (whole years)
    ("A", [-2000, 500, 500, 5000], 2624, 3),
    ("B", [-2000, 500, 1800], -58, 2),
    ("C", [-2000, 1800, 500], 50, 2),
]


@pytest.mark.parametrize(("name", "flows", "book_npv", "book_payback"), BMA_PAYBACK)
def test_bma_payback_projects_npv_and_payback(
    name: str, flows: list[float], book_npv: float, book_payback: int
) -> None:
    result = evaluate_cash_flows(name, flows, 0.10)
    assert result.npv == pytest.approx(book_npv, abs=0.5)
    # The book counts whole years; ours is interpolated within the paying-back year.
    assert result.payback_years is not None
    assert math.ceil(result.payback_years) == book_payback


def test_bma_payback_interpolated_by_hand() -> None:
    # A: cumulative -2000, -1500, -1000, +4000: the 1000 left after year 2 is covered
    # by 1000/5000 = 0.2 of year 3's 5000 -> 2.2 years.
    assert payback([-2000, 500, 500, 5000]).value == pytest.approx(2.2)
    # B: cumulative -2000, -1500, +300: 1 + 1500/1800 = 1.8333 years.
    assert payback([-2000, 500, 1800]).value == pytest.approx(1 + 1500 / 1800)
    # C: cumulative -2000, -200, +300: 1 + 200/500 = 1.4 years.
    assert payback([-2000, 1800, 500]).value == pytest.approx(1.4)


def test_bma_lending_versus_borrowing() -> None:
    # BMA 10th ed., ch. 5, "Pitfall 1 - Lending or borrowing?": project A -1,000, +1,500
    # and project B +1,000, -1,500 both have an IRR of 50%; at 10% NPV is +364 and -364
    # (1500 / 1.1 = 1363.64; 1363.64 - 1000 = 363.64).
    lend, borrow = irr([-1000, 1500]), irr([1000, -1500])
    assert lend.rate == pytest.approx(0.50)
    assert borrow.rate == pytest.approx(0.50)
    assert npv(0.10, [-1000, 1500]) == pytest.approx(363.64, abs=0.01)
    assert npv(0.10, [1000, -1500]) == pytest.approx(-363.64, abs=0.01)
    assert lend.note is None
    assert borrow.note is not None
    assert "BELOW the discount rate" in borrow.note


def test_bma_multiple_rates_helmsley_iron() -> None:
    # BMA 10th ed., ch. 5, "Pitfall 2 - Multiple rates of return": Helmsley Iron's mine,
    # C0 = -30, C1..C9 = +10, C10 = -65 (A$ billion), has two IRRs, 3.50% and 19.54%.
    result = irr([-30] + [10] * 9 + [-65])
    assert result.status is IrrStatus.MULTIPLE
    assert result.rate is None
    assert result.rates == pytest.approx([0.0350, 0.1954], abs=5e-5)
    assert result.note is not None
    assert "ambiguous" in result.note


def test_bma_project_with_no_irr() -> None:
    # BMA 10th ed., ch. 5, pitfall 2: C0 = +1,000, C1 = -3,000, C2 = +2,500 has no IRR
    # (1000 - 3000x + 2500x^2 has discriminant 9e6 - 1e7 < 0) and NPV +339 at 10%
    # (1000 - 2727.27 + 2066.12 = 338.84).
    result = irr([1000, -3000, 2500])
    assert result.status is IrrStatus.NO_REAL_ROOT
    assert result.rate is None
    assert npv(0.10, [1000, -3000, 2500]) == pytest.approx(338.84, abs=0.01)


def test_bma_mutually_exclusive_scale() -> None:
    # BMA 10th ed., ch. 5, "Pitfall 3 - Mutually exclusive projects": -10,000 / +20,000
    # has IRR 100% and NPV +8,182 at 10%; -20,000 / +35,000 has IRR 75%, NPV +11,818.
    small, large = [-10_000, 20_000], [-20_000, 35_000]
    assert irr(small).rate == pytest.approx(1.00)
    assert irr(large).rate == pytest.approx(0.75)
    assert npv(0.10, small) == pytest.approx(8182, abs=0.5)
    assert npv(0.10, large) == pytest.approx(11818, abs=0.5)


def test_rwj_profitability_index_hiram_finnegan() -> None:
    # Ross, Westerfield & Jaffe, Corporate Finance, ch. "Net Present Value and Other
    # Investment Rules", section "The Profitability Index" (Hiram Finnegan Inc., 12%):
    # project 1: -20, +70, +10: PV after year 0 = 70/1.12 + 10/1.12^2 = 62.50 + 7.97
    # = 70.47 (book: 70.5), PI = 70.47/20 = 3.52 (book: 3.53 from the rounded PV);
    # project 2: -10, +15, +40: PV = 13.39 + 31.89 = 45.28 (book 45.3), PI 4.53.
    assert profitability_index([-20, 70, 10], 0.12).value == pytest.approx(3.53, abs=0.01)
    assert profitability_index([-10, 15, 40], 0.12).value == pytest.approx(4.53, abs=0.005)
    assert npv(0.12, [-20, 70, 10]) == pytest.approx(50.5, abs=0.05)
    assert npv(0.12, [-10, 15, 40]) == pytest.approx(35.3, abs=0.05)


def test_mirr_excel_documentation_example() -> None:
    # Microsoft Excel, MIRR function documentation: loan 120,000 at 10%, income
    # 39,000, 30,000, 21,000, 37,000, 46,000 reinvested at 12%: MIRR after five years
    # 12.61%, after three years -4.80%, five years reinvested at 14%: 13.48%.
    flows = [-120_000, 39_000, 30_000, 21_000, 37_000, 46_000]
    assert mirr(flows, 0.10, 0.12).value == pytest.approx(0.1261, abs=5e-5)
    assert mirr(flows[:4], 0.10, 0.12).value == pytest.approx(-0.0480, abs=5e-5)
    assert mirr(flows, 0.10, 0.14).value == pytest.approx(0.1348, abs=5e-5)


# --------------------------------------------------------------------------- hand arithmetic


def test_discounted_payback_by_hand() -> None:
    # -100, +60, +60 at 10%: discounted 60/1.1 = 54.545, 60/1.21 = 49.587;
    # cumulative -100, -45.455, +4.132 -> 1 + 45.455/49.587 = 1.9167 years.
    value = discounted_payback([-100, 60, 60], 0.10).value
    assert value == pytest.approx(1 + (100 - 60 / 1.1) / (60 / 1.21))
    assert value == pytest.approx(1.9167, abs=1e-4)


def test_payback_never_and_none_reasons() -> None:
    result = payback([-100, 30, 30])  # cumulative ends at -40
    assert result.value is None
    assert result.note is not None
    assert "never paid back" in result.note
    late = discounted_payback([-100, 55, 55], 0.10)  # 50 + 45.45 < 100
    assert late.value is None


def test_payback_counts_the_last_recovery() -> None:
    # -100, +120, -50, +60: cumulative -100, +20, -30, +30: the stream is under water
    # again after year 2, so payback is when it recovers for good: 2 + 30/60 = 2.5.
    assert payback([-100, 120, -50, 60]).value == pytest.approx(2.5)


def test_no_sign_change_has_no_irr() -> None:
    for flows in ([100, 50, 20], [-100, -50], [0, -5, 0]):
        result = irr(flows)
        assert result.rate is None
        assert result.status is IrrStatus.NO_SIGN_CHANGE
        assert result.note is not None
        assert "never change sign" in result.note
    report = evaluate_cash_flows("gift", [100, 50], 0.1).to_dict()
    assert report["irr"] is None
    assert "never change sign" in str(report["irr_note"])
    assert report["profitability_index"] is None
    assert "profitability_index_note" in report


def test_double_root_irr() -> None:
    # -1 + 2x - x^2 = -(1 - x)^2: NPV touches zero at x = 1, r = 0%, without crossing.
    result = irr([-1, 2, -1])
    assert result.status is IrrStatus.UNIQUE
    assert result.rate == pytest.approx(0.0, abs=1e-7)


def test_irr_with_leading_zero_flows() -> None:
    # 0, -100, 0, 121: -100 x + 121 x^3 = 0 -> x^2 = 100/121, x = 10/11, r = 10%.
    assert irr([0, -100, 0, 121]).rate == pytest.approx(0.10)


def test_project_to_dict_keys() -> None:
    # -100, +110 at 10%: NPV 0, IRR 10%, PI 1.0, payback 100/110 = 0.909 years.
    d = evaluate_cash_flows("p", [-100, 110], 0.10).to_dict()
    assert set(d) == {
        "id",
        "npv",
        "irr",
        "mirr",
        "payback_years",
        "discounted_payback_years",
        "profitability_index",
    }
    assert d["npv"] == pytest.approx(0.0, abs=1e-9)
    assert d["irr"] == pytest.approx(0.10)
    assert d["mirr"] == pytest.approx(0.10)
    assert d["profitability_index"] == pytest.approx(1.0)
    assert d["payback_years"] == pytest.approx(100 / 110)
    assert d["discounted_payback_years"] == pytest.approx(1.0)


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(SpecError, match="finite"):
        npv(0.1, [-100, float("nan")])
    with pytest.raises(SpecError, match="greater than -100%"):
        npv(-1.0, [-100, 50])
    with pytest.raises(SpecError, match="non-empty"):
        irr([])


# --------------------------------------------------------------------------- numpy-financial

# Money in cents: real cash flows have no 1e-300 amounts.
cents = st.integers(min_value=-100_000_000, max_value=100_000_000).map(lambda v: v / 100)
amounts = st.integers(min_value=0, max_value=100_000_000).map(lambda v: v / 100)
rates = st.floats(min_value=-0.5, max_value=1.0, allow_nan=False)


@st.composite
def conventional_flows(draw: st.DrawFn) -> list[float]:
    """An outlay, then non-negative inflows with at least one positive: one sign change."""
    outlay = draw(st.integers(min_value=100, max_value=100_000_000)) / 100
    later = draw(st.lists(amounts, min_size=1, max_size=12))
    if not any(v > 0 for v in later):
        later[-1] = 1.0
    return [-outlay, *later]


@settings(max_examples=150, deadline=None)
@given(flows=st.lists(cents, min_size=1, max_size=15), rate=rates)
def test_npv_matches_numpy_financial(flows: list[float], rate: float) -> None:
    # npf.npv also treats the first value as t = 0.
    expected = npf.npv(rate, flows)
    scale = sum(abs(v) * (1 + rate) ** -t for t, v in enumerate(flows)) + 1.0
    assert abs(npv(rate, flows) - expected) <= 1e-9 * scale


@settings(max_examples=150, deadline=None)
@given(flows=conventional_flows())
def test_irr_matches_numpy_financial_on_conventional_flows(flows: list[float]) -> None:
    result = irr(flows)
    assert result.status is IrrStatus.UNIQUE
    assert result.rate is not None
    scale = sum(abs(v) * (1 + result.rate) ** -t for t, v in enumerate(flows))
    assert abs(npv(result.rate, flows)) <= 1e-7 * scale
    expected = npf.irr(flows)
    if np.isfinite(expected):  # npf drops roots with a tiny imaginary part: nan then
        assert result.rate == pytest.approx(expected, rel=1e-6, abs=1e-9)


@settings(max_examples=150, deadline=None)
@given(flows=st.lists(cents, min_size=2, max_size=8))
def test_every_reported_irr_zeroes_npv(flows: list[float]) -> None:
    result = irr(flows)
    if result.status is IrrStatus.NO_SIGN_CHANGE:
        nonzero = [v for v in flows if v != 0]
        assert all(v > 0 for v in nonzero) or all(v < 0 for v in nonzero)
    for r in result.rates:
        scale = sum(abs(v) * (1 + r) ** -t for t, v in enumerate(flows))
        assert abs(npv(r, flows)) <= 1e-6 * scale
    assert (result.rate is None) == (len(result.rates) != 1)


@settings(max_examples=150, deadline=None)
@given(
    flows=conventional_flows(),
    finance=st.floats(0.0, 0.5),
    reinvest=st.floats(0.0, 0.5),
)
def test_mirr_matches_numpy_financial(flows: list[float], finance: float, reinvest: float) -> None:
    expected = npf.mirr(flows, finance, reinvest)
    assert mirr(flows, finance, reinvest).value == pytest.approx(expected, rel=1e-9, abs=1e-12)


@settings(max_examples=150, deadline=None)
@given(flows=conventional_flows(), rate=st.floats(0.0, 0.5))
def test_payback_and_pi_identities(flows: list[float], rate: float) -> None:
    # Payback: the cumulative flow interpolated at the payback time is zero.
    pb = payback(flows).value
    if pb is not None and pb > 0:
        whole = math.floor(pb)
        frac = pb - whole
        cum = sum(flows[: whole + 1]) + (frac * flows[whole + 1] if frac > 0 else 0.0)
        assert abs(cum) <= 1e-9 * sum(abs(v) for v in flows)
    # PI = 1 + NPV / outlay.
    pi = profitability_index(flows, rate).value
    assert pi == pytest.approx(1 + npf.npv(rate, flows) / -flows[0], rel=1e-9, abs=1e-12)
