"""Depreciation schedules and after-tax cash flows derived from project drivers."""

from __future__ import annotations

import math

import pytest

from obeya.finance import (
    MACRS_HALF_YEAR_PERCENT,
    CashFlowDrivers,
    DepreciationMethod,
    book_value,
    depreciation_schedule,
    derive_cash_flows,
    npv,
)


def _macrs_by_rule(recovery: int, factor: float) -> list[float]:
    """Percentages from the rule IRS Publication 946 states for Table A-1.

    Declining balance at factor / recovery per year, switching to straight line over
    the remaining recovery period when that deducts more; half a year in year 1 (so
    the recovery runs over recovery + 1 tax years) and the rest in the last year.
    """
    remaining_basis = 100.0
    out = []
    for year in range(1, recovery + 2):
        if year == recovery + 1:
            out.append(remaining_basis)
            break
        half = 0.5 if year == 1 else 1.0
        declining = remaining_basis * factor / recovery * half
        years_left = recovery - (year - 1) + (0.5 if year > 1 else 0.0)
        straight = remaining_basis / years_left * half
        deduction = max(declining, straight)
        out.append(deduction)
        remaining_basis -= deduction
    return out


@pytest.mark.parametrize(
    ("recovery", "factor"), [(3, 2.0), (5, 2.0), (7, 2.0), (10, 2.0), (15, 1.5), (20, 1.5)]
)
def test_macrs_table_a1_matches_its_rule(recovery: int, factor: float) -> None:
    # IRS Publication 946, Table A-1: 200% DB for 3-10 year, 150% DB for 15 and 20 year
    # property, half-year convention; printed rounded to 2 (3 for 20-year) decimals and
    # adjusted so each column adds up to exactly 100.
    table = MACRS_HALF_YEAR_PERCENT[recovery]
    assert len(table) == recovery + 1
    assert math.fsum(table) == pytest.approx(100.0, abs=1e-9)
    tolerance = 0.0011 if recovery == 20 else 0.011
    for printed, derived in zip(table, _macrs_by_rule(recovery, factor), strict=True):
        assert printed == pytest.approx(derived, abs=tolerance)


def test_macrs_5_schedule_by_hand() -> None:
    # 100,000 of 5-year property: 20%, 32%, 19.2%, 11.52%, 11.52%, 5.76% (Table A-1).
    schedule = depreciation_schedule(DepreciationMethod.MACRS_5, 100_000, 6)
    assert schedule.tolist() == pytest.approx([20_000, 32_000, 19_200, 11_520, 11_520, 5_760])
    assert book_value(DepreciationMethod.MACRS_5, 100_000, 6) == 0.0
    # Cut at 3 years: 100,000 - 71,200 = 28,800 stays on the books.
    assert book_value(DepreciationMethod.MACRS_5, 100_000, 3) == pytest.approx(28_800)
    # A life beyond the recovery period deducts nothing more.
    assert depreciation_schedule(DepreciationMethod.MACRS_3, 1000, 6).tolist()[4:] == [0.0, 0.0]


def test_straight_line_by_hand() -> None:
    assert depreciation_schedule(DepreciationMethod.STRAIGHT_LINE, 90_000, 3).tolist() == [
        30_000,
        30_000,
        30_000,
    ]


def test_agv_derived_cash_flows_by_hand() -> None:
    # capex 400,000, savings 120,000/yr, life 6, tax 25%, MACRS 5-year, salvage 20,000.
    # Depreciation: 80,000; 128,000; 76,800; 46,080; 46,080; 23,040 (sum 400,000).
    # Operating CF = 120,000 x 0.75 + dep x 0.25 = 90,000 + 20,000 / 32,000 / 19,200 /
    # 11,520 / 11,520 / 5,760. Year 6 adds salvage after tax on the gain over a book
    # value of 0: 20,000 - 0.25 x 20,000 = 15,000 -> 95,760 + 15,000 = 110,760.
    d = CashFlowDrivers(
        capex=400_000,
        annual_savings=120_000,
        life=6,
        tax_rate=0.25,
        depreciation=DepreciationMethod.MACRS_5,
        salvage=20_000,
    )
    flows = derive_cash_flows(d)
    assert flows.tolist() == pytest.approx(
        [-400_000, 110_000, 122_000, 109_200, 101_520, 101_520, 110_760]
    )
    # At 9%: 110,000/1.09 = 100,917.43; 122,000/1.09^2 = 102,684.96; 109,200/1.09^3 =
    # 84,322.44; 101,520/1.09^4 = 71,919.33; 101,520/1.09^5 = 65,981.03;
    # 110,760/1.09^6 = 66,042.57; sum 491,867.76 - 400,000 = 91,867.76.
    assert npv(0.09, flows) == pytest.approx(91_867.76, abs=0.01)


def test_straight_line_with_opex_working_capital_and_salvage() -> None:
    # capex 100,000 + working capital 8,000 at year 0; savings 40,000, extra opex 5,000;
    # tax 30%; straight line 20,000/yr over 5 years (book value 0 at the end).
    # Operating CF = (40,000 - 5,000) x 0.7 + 20,000 x 0.3 = 24,500 + 6,000 = 30,500.
    # Year 5: + salvage 10,000 - 0.3 x 10,000 = 7,000, + working capital back 8,000.
    d = CashFlowDrivers(
        capex=100_000,
        annual_savings=40_000,
        opex_change=5_000,
        life=5,
        tax_rate=0.30,
        salvage=10_000,
        working_capital=8_000,
    )
    assert derive_cash_flows(d).tolist() == pytest.approx(
        [-108_000, 30_500, 30_500, 30_500, 30_500, 45_500]
    )


def test_salvage_taxed_against_remaining_book_value() -> None:
    # 7-year MACRS cut at 3 years: depreciation 14,290 + 24,490 + 17,490 = 56,270 of
    # 100,000, book value 43,730. Salvage 50,000: gain 6,270, tax at 20% = 1,254.
    # Year 3: savings 30,000 x 0.8 = 24,000 + 17,490 x 0.2 = 3,498 -> 27,498, plus
    # 50,000 - 1,254 = 48,746 -> 76,244.
    d = CashFlowDrivers(
        capex=100_000,
        annual_savings=30_000,
        life=3,
        tax_rate=0.20,
        depreciation=DepreciationMethod.MACRS_7,
        salvage=50_000,
    )
    assert derive_cash_flows(d).tolist() == pytest.approx(
        [-100_000, 24_000 + 2_858, 24_000 + 4_898, 76_244]
    )


def test_life_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1 year"):
        depreciation_schedule(DepreciationMethod.STRAIGHT_LINE, 100, 0)
