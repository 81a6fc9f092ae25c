"""The November 2025 briefing of the hand-made company: every section's message and
the actions, with the figures worked out by hand (see tests/review/company.py)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from obeya.errors import ConfigError, DataError
from obeya.metrics.periods import Grain
from obeya.review import (
    ActionRule,
    Briefing,
    BriefingSettings,
    MoneyKind,
    SectionKind,
    assemble_briefing,
    default_period,
    resolve_period,
)
from obeya.warehouse import Warehouse


def test_period_and_sections(briefing: Briefing) -> None:
    assert (briefing.period, briefing.grain) == ("2025-11", "month")
    assert (briefing.period_start, briefing.period_end) == (date(2025, 11, 1), date(2025, 11, 30))
    assert briefing.as_of == date(2025, 11, 30)  # the labour record of 30 November
    assert [s.kind for s in briefing.sections] == list(SectionKind)
    assert briefing.title == "Monthly operations review 2025-11"


def test_sections_without_data_are_left_out_with_a_note(briefing: Briefing) -> None:
    absent = {s.kind: s.note for s in briefing.absent}
    assert absent == {
        SectionKind.SPC: "no characteristics in the warehouse: load characteristics and quality_samples",
        SectionKind.INVENTORY: (
            "inventory_snapshots is empty, so there is no stock to project from; load "
            "inventory snapshots (obeya load) or run obeya demo"
        ),
        SectionKind.FORECAST: "no forecast run in the warehouse: run a forecast first",
    }
    for s in briefing.absent:  # nothing is filled in for them
        assert (s.headline, s.facts, s.findings, s.table, s.chart) == ("", (), (), None, None)


def test_scorecard(briefing: Briefing) -> None:
    s = briefing.section(SectionKind.SCORECARD)
    # furthest beyond target in bands: supplier OTD (0.95 - 0.25) / 0.07 = 10.0,
    # OTD (0.95 - 0.70) / 0.05 = 5.0, OTIF (0.92 - 0.70) / 0.07 = 3.1
    assert s.headline.endswith(
        "furthest from target: Supplier on-time delivery 25.0% (target 95.0%), "
        "OTD 70.0% (target 95.0%), OTIF 70.0% (target 92.0%)."
    )
    assert s.table is not None
    otd = next(r for r in s.table.rows if r.cells[0] == "OTD")
    assert otd.cells == ("OTD", "70.0%", "95.0%", "red", "-20.0 pts", "-")
    assert otd.chart is not None
    assert s.notes[0].startswith("No figure in 2025-11 for Inventory value (no inventory snapshot")


def test_movers_section(briefing: Briefing) -> None:
    s = briefing.section(SectionKind.MOVERS)
    headlines = [f.headline for f in s.findings]
    assert (
        "OTD fell 20.0 pts to 70.0% against 2025-10; 28.0 pts of the fall come from site DAL "
        "(Dallas DC), carrier K2 (Quick Parcel)."
    ) in headlines
    assert all(f.chart is not None for f in s.findings)  # the trend with its target band


def test_capacity(briefing: Briefing) -> None:
    """R1: 2 work orders x 100 h in November; 8 h x 20 weekdays = 160 h available."""
    s = briefing.section(SectionKind.CAPACITY)
    assert s.headline == (
        "1 resource ran above 100% of available hours in 2025-11; the worst is Line 1 (R1) at 125%."
    )
    assert s.findings[0].headline == (
        "Line 1 (R1, site ATL (Atlanta plant)) ran at 125% of its available hours in 2025-11 "
        "(200 of 160 h), downtime 0.0% of its hours."
    )
    facts = {f.label: f.value for f in s.findings[0].facts}
    assert facts["hours over capacity"] == pytest.approx(40.0)


def test_suppliers(briefing: Briefing) -> None:
    """S2: 4 lines due, 1 on time; lead times 30, 40, 40, 40 days -> mean 37.5."""
    s = briefing.section(SectionKind.SUPPLIERS)
    assert s.findings[0].headline == (
        "supplier S2 (Parts Inc): on time 25.0% of 4 PO lines due (target 95.0%); 0 ppm "
        "rejected (target 500 ppm); lead time 37.5 days."
    )


def test_pnl(briefing: Briefing) -> None:
    """Actual: revenue 1,000, freight 300 -> 700; budget: 1,200 and 200 -> 1,000.
    Revenue -200 (-16.7%), freight +100 (+50.0%), operating income -300 (-30.0%)."""
    s = briefing.section(SectionKind.PNL)
    assert s.headline == (
        "Operating income in 2025-11 was 700, 300 (30.0%) below budget; revenue 200 (16.7%) "
        "under budget, freight 100 (50.0%) over budget. Year to date: 700, -300 against budget."
    )
    assert s.chart is not None
    steps = {r["label"]: r["value"] for r in s.chart.spec["data"]["values"]}
    # budget 1,000, revenue -200, freight -100, actual 700: the steps add up to the gap
    assert steps == {"Budget": 1000.0, "Revenue": -200.0, "Freight": -100.0, "Actual": 700.0}
    assert s.notes == ("No gross margin bridge: the sales budget has no rows for 2025-11.",)


def test_actions(briefing: Briefing) -> None:
    actions = briefing.actions
    assert [a.rule for a in actions] == [
        ActionRule.CAPACITY_OVERLOAD,  # 3,000
        ActionRule.CARRIER_AT_SITE,  # 300
        ActionRule.PNL_VARIANCE,  # revenue 200
        ActionRule.PNL_VARIANCE,  # freight 100
    ]
    capacity, carrier, revenue, freight = actions
    # 40 h over x (10,000 / 200 line hours = 50 per hour) x 1.5 = 3,000
    assert capacity.impact_money == pytest.approx(3000.0)
    assert capacity.money_kind is MoneyKind.COST
    assert capacity.impact == (
        "40 hours over capacity in 2025-11; covering them on overtime costs about 3,000 "
        "(at 1.5x the site's production labour cost per line hour)."
    )
    # K2 at DAL: 4 lines x (1.00 - 0.25) = 3 lines; 3 / 10 lines due = 30.0 pts;
    # 3 x 100 (every line due at DAL is worth 10 x 10) = 300
    assert carrier.title == "Review carrier K2 (Quick Parcel) at site DAL (Dallas DC)"
    assert carrier.impact_service_pts == pytest.approx(30.0)
    assert carrier.impact_money == pytest.approx(300.0)
    assert carrier.impact == (
        "If K2 matched the other carriers at DAL (100.0%), 3 more lines would have been on "
        "time: +30.0 pts of company OTD, 300 of order value."
    )
    assert revenue.title == "Act on revenue: 200 under budget year to date"
    assert revenue.impact_money == pytest.approx(200.0)
    assert freight.because == (
        "Freight is 100 (50.0%) over budget year to date; site DAL (Dallas DC) accounts for "
        "100 of it; Freight cost per unit in 2025-11 is 1.00 per unit."
    )
    section = briefing.section(SectionKind.ACTIONS)
    assert section.headline == "4 actions, ranked by the money at stake (3,600 in all)."


def test_every_fact_has_a_source_and_json_round_trips(briefing: Briefing) -> None:
    for s in briefing.present:
        for f in (*s.facts, *(x for finding in s.findings for x in finding.facts)):
            assert f.source
            assert f.display
    data = json.loads(json.dumps(briefing.to_dict()))
    assert data["period"] == "2025-11"
    assert [s["presence"] for s in data["sections"]].count("absent") == 3


def test_periods() -> None:
    sunday = date(2025, 11, 30)
    assert default_period(sunday, Grain.MONTH) == date(2025, 11, 1)
    assert default_period(date(2025, 11, 29), Grain.MONTH) == date(2025, 10, 1)
    assert default_period(sunday, Grain.WEEK) == date(2025, 11, 24)  # 2025-W48
    assert resolve_period("2025-W46", None, sunday) == (date(2025, 11, 10), Grain.WEEK)
    assert resolve_period("2025-11", None, sunday) == (date(2025, 11, 1), Grain.MONTH)
    with pytest.raises(
        ConfigError,
        match=r"period 2025-12 starts after the latest data \(2025-11-30\); pick 2025-11",
    ):
        resolve_period("2025-12", None, sunday)
    with pytest.raises(ConfigError, match="a briefing is weekly or monthly"):
        resolve_period("2025-11", "year", sunday)
    with pytest.raises(ConfigError, match=r"period '2025-Q4': a briefing is weekly or monthly"):
        resolve_period("2025-Q4", None, sunday)


def test_settings_are_checked() -> None:
    with pytest.raises(ConfigError, match="movers = -1: must be a whole number >= 0"):
        BriefingSettings(movers=-1)
    with pytest.raises(ConfigError, match=r"service_level = 1\.0: give a probability"):
        BriefingSettings(service_level=1.0)


def test_an_empty_warehouse_is_refused() -> None:
    with Warehouse.open(":memory:") as wh, pytest.raises(DataError, match="no dated facts"):
        assemble_briefing(wh, "2025-11")
