"""Sentences from numbers: the formats of every figure in the briefing's text."""

from __future__ import annotations

import pytest

from obeya.metrics import Dimension, Unit
from obeya.review.narrative import (
    change_sentence,
    driver_clause,
    kpi_name,
    member_text,
    money,
    pct,
    signed_money,
)

NAMES = {Dimension.SITE: {"DAL": "Dallas DC"}, Dimension.CARRIER: {"RoadCo": "RoadCo"}}


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1_234_567.0, "1.23 M"),  # 1,234,567 / 1e6 = 1.234567 -> 1.23
        (-4_860_000.0, "4.86 M"),  # no sign: the sentence says over or under
        (45_600.0, "46 k"),  # 45,600 / 1e3 = 45.6 -> 46
        (9_999.0, "9,999"),  # below 10,000 in full
        (0.4, "0"),
    ],
)
def test_money(value: float, text: str) -> None:
    assert money(value) == text


def test_money_with_currency_and_sign() -> None:
    assert money(1_500_000, "EUR") == "EUR 1.50 M"
    assert signed_money(-456_000) == "-456 k"
    assert signed_money(456_000) == "+456 k"
    assert pct(0.0831) == "8.3%"
    assert pct(1.256, 0) == "126%"


def test_the_issue_example_sentence() -> None:
    """The example of the issue: OTIF 92.3% -> 88.2% (-4.1 pts), 3.0 pts from DAL/RoadCo."""
    head = change_sentence(
        kpi_name("otif", "On time in full"), Unit.RATIO, 0.882, -0.041, "2025-10"
    )
    clause = driver_clause(
        Unit.RATIO, -0.041, -0.030, [(Dimension.SITE, "DAL"), (Dimension.CARRIER, "RoadCo")], NAMES
    )
    assert f"{head}; {clause}." == (
        "OTIF fell 4.1 pts to 88.2% against 2025-10; 3.0 pts of the fall come from "
        "site DAL (Dallas DC), carrier RoadCo."
    )


def test_rises_and_units() -> None:
    assert (
        change_sentence("Freight cost per unit", Unit.CURRENCY_PER_UNIT, 2.13, 0.26, "2024-11")
        == "Freight cost per unit rose 0.26 per unit to 2.13 per unit against 2024-11"
    )
    assert change_sentence("NPS", Unit.SCORE, 23.1, 0.0, "2025-10") == (
        "NPS was unchanged at 23.1 against 2025-10"
    )
    assert driver_clause(Unit.UNITS, 500.0, 300.0, [(Dimension.SITE, "ATL")], NAMES) == (
        "300 of the rise come from site ATL"
    )


def test_names() -> None:
    assert kpi_name("otd", "On-time delivery") == "OTD"
    assert kpi_name("supplier_otd", "Supplier on-time delivery") == "Supplier on-time delivery"
    assert member_text(Dimension.SITE, "DAL", NAMES) == "site DAL (Dallas DC)"
    assert member_text(Dimension.CUSTOMER, "C9", NAMES) == "customer C9"
    assert member_text(Dimension.SITE, None, NAMES) == "site (none)"
