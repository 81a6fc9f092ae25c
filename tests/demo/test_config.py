"""DemoConfig validation, the calendar, the story dates and the price levels, by hand."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

import numpy as np
import pytest

from obeya.demo import DemoConfig, Promotion, stories
from obeya.demo.config import Calendar, day_number, from_day_number
from obeya.demo.economics import cost_index, freight_index, price_index, wage_index
from obeya.errors import ConfigError


def test_defaults_describe_the_default_company() -> None:
    cfg = DemoConfig()
    assert (cfg.seed, cfg.sites, cfg.skus, cfg.customers, cfg.suppliers, cfg.years) == (
        7, 3, 500, 200, 20, 2
    )  # fmt: skip
    assert cfg.end_date == date(2025, 12, 31)
    assert cfg.total_lines == 1_000_000
    assert DemoConfig(scale=2.5).total_lines == 2_500_000
    assert DemoConfig(order_lines=20_000).volume_factor == pytest.approx(0.02)
    assert DemoConfig(order_lines=20_000).people_factor == 1.0  # never below the default
    assert DemoConfig(scale=10).people_factor == 10.0


def test_config_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        DemoConfig().seed = 8  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sites": 1}, r"sites must be between 2 and 8, got 1"),
        ({"sites": 9}, r"sites must be between 2 and 8, got 9"),
        ({"sites": True}, r"sites must be a whole number"),
        ({"skus": 29}, r"skus must be between 30 and 5,000"),
        ({"customers": 5}, r"customers must be between 10"),
        ({"suppliers": 2}, r"suppliers must be between 3"),
        ({"years": 0}, r"years must be between 1 and 10"),
        ({"seed": -1}, r"seed must be between 0"),
        ({"order_lines": 999}, r"order_lines must be between 1,000"),
        ({"chunk_lines": 10_000_000}, r"chunk_lines must be between 1,000 and 5,000,000"),
        ({"scale": 0}, r"scale must be above 0 and at most 1000"),
        ({"scale": float("nan")}, r"scale must be above 0"),
        ({"scale": 1001}, r"scale must be above 0 and at most 1000, got 1001"),
        ({"scale": "10"}, r"scale must be a number"),
        (
            {"order_lines": 1000, "scale": 0.5},
            r"order_lines x scale must be at least 1,000, got 500",
        ),
        ({"end_date": "2025-12-31"}, r"end_date must be a date such as 2025-12-31"),
        ({"end_date": datetime(2025, 12, 31, 12)}, r"end_date must be a date"),
        ({"end_date": date(1999, 12, 31)}, r"end_date must lie between 2000-01-01 and 2100-12-31"),
    ],
)
def test_bad_settings_are_refused_with_the_rule(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        DemoConfig(**kwargs)  # type: ignore[arg-type]


def test_calendar_of_the_default_window() -> None:
    cal = Calendar.of(DemoConfig())
    # 2024-01-01 .. 2025-12-31: 366 days in leap 2024 + 365 = 731 days.
    assert (cal.start, cal.end, cal.days) == (date(2024, 1, 1), date(2025, 12, 31), 731)
    # 2024-01-01 is a Monday, so week 0 starts on it; 731 = 104 * 7 + 3 -> 105 weeks.
    assert from_day_number(cal.week0) == date(2024, 1, 1)
    assert cal.weeks == 105
    assert cal.periods[0] == "2024-01"
    assert cal.periods[-1] == "2025-12"
    assert len(cal.periods) == 24
    assert cal.year2_start == date(2025, 1, 1)
    # 1970-01-01 + 55 years = 55 * 365 + 14 leap days (1972 .. 2024) = 20,089 days.
    assert day_number(date(2025, 1, 1)) == 20_089
    days = np.array([day_number(date(2024, 1, 31)), day_number(date(2025, 12, 1))])
    assert cal.month_of(days).tolist() == [0, 23]
    assert cal.week_of(days).tolist() == [4, 100]  # 30 days -> week 4; 700 days -> week 100


def test_calendar_ending_on_a_leap_day() -> None:
    cal = Calendar.of(DemoConfig(years=1, end_date=date(2024, 2, 29)))
    # One year before 29 Feb 2024 is 28 Feb 2023 (no 29th): the window starts 1 March 2023.
    assert (cal.start, cal.days) == (date(2023, 3, 1), 366)


def test_story_dates_of_the_default_company() -> None:
    st = stories(DemoConfig())
    assert st.year2_start == date(2025, 1, 1)
    assert (st.bad_site, st.bad_carrier, st.bad_supplier) == ("DC-NL1", "CR02", "SUP002")
    assert (st.crunch_site, st.crunch_resource) == ("P-DE1", "P-DE1-L1")
    assert (st.crunch_start, st.crunch_end) == (date(2025, 10, 1), date(2025, 12, 31))
    assert (st.shift_characteristic, st.shift_date) == ("QC-P-PL1-01", date(2025, 6, 1))
    assert st.shift_amount == pytest.approx(1.5 * 0.030)  # 1.5 sigma of a 0.030 mm process
    assert (st.incident_site, st.incident_months) == ("P-PL1", ("2025-04", "2025-05", "2025-06"))
    assert st.freight_increase_from == date(2025, 2, 1)
    # Promotions start on the first Monday on or after the 8th, 20 .. 2 months back:
    # 2024-04-08 is a Monday; 2024-09-08 a Sunday -> 09-09; 2025-01-08 a Wednesday -> 01-13.
    assert st.promotions[:3] == (
        Promotion("KET-0002", date(2024, 4, 8), date(2024, 4, 21)),
        Promotion("COF-0002", date(2024, 9, 9), date(2024, 9, 22)),
        Promotion("TOA-0002", date(2025, 1, 13), date(2025, 1, 26)),
    )
    assert "KET-0001" in st.fast_movers
    assert "SPA-0089" in st.intermittent_skus


def test_story_places_of_a_two_site_company() -> None:
    st = stories(DemoConfig(sites=2, skus=30))
    # A plant and a DC: the quality shift moves to the plant, the incidents to the DC.
    assert (st.shift_site, st.incident_site, st.crunch_site) == ("P-DE1", "DC-NL1", "P-DE1")
    # 30 SKUs make 3 families (kettles, coffee makers, spare parts): of the promotions
    # only the kettle and coffee-maker ones have a family to run in.
    assert [p.sku for p in st.promotions] == ["KET-0002", "COF-0002"]


def test_price_cost_freight_and_wage_levels() -> None:
    cfg = DemoConfig()
    cal, st = Calendar.of(cfg), stories(cfg)
    days = np.array(
        [
            day_number(d)
            for d in (date(2024, 3, 1), date(2024, 9, 1), date(2025, 3, 1), date(2025, 9, 1))
        ]
    )
    # List prices rise 3.5% each January: 2024 is 1/1.035 = 0.966184 of 2025.
    assert price_index(days, cal) == pytest.approx([1 / 1.035, 1 / 1.035, 1.0, 1.0])
    # Costs rise 3% each half-year: H1 2024 = 1.03^-3 = 0.915142, H2 2024 = 1.03^-2 = 0.942596.
    assert cost_index(days, cal) == pytest.approx([0.915142, 0.942596, 1 / 1.03, 1.0], rel=1e-6)
    # Freight rates jump 15% from 2025-02-01; wages 6% (budget 3%) from 2025-01-01.
    assert freight_index(days, st).tolist() == [1.0, 1.0, 1.15, 1.15]
    assert wage_index(days, st).tolist() == [1.0, 1.0, 1.06, 1.06]
    assert wage_index(days, st, budget=True).tolist() == [1.0, 1.0, 1.03, 1.03]
