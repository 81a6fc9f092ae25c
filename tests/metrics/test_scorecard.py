"""The scorecard: every KPI for one period, its comparisons and 13 periods of trend."""

from __future__ import annotations

from datetime import date

from obeya.metrics import Catalog, scorecard
from obeya.warehouse import Warehouse
from tests.metrics.helpers import approx

AS_OF = date(2025, 3, 31)


def test_company_scorecard(company: Warehouse, catalog: Catalog) -> None:
    card = scorecard(company, "2025-02", as_of=AS_OF)
    assert card.period == "2025-02"
    assert [r.kpi for r in card.rows] == list(catalog.ids)
    otd = card.rows[0]
    # February 2 of 3 (L8 late, L9, L11); January 4 of 6: no change; no February 2024.
    assert (otd.numerator, otd.denominator, otd.value) == (2, 3, approx(2 / 3))
    assert otd.change_vs_prior == approx(0.0)
    assert otd.change_vs_last_year is None
    assert otd.status == "red"
    assert otd.display == "66.7%"
    # 13 months ending February 2025; March 2024 holds L0 (late), 2024-04 to 2024-12 nothing.
    spark = [(p.period_start, p.value) for p in otd.sparkline]
    assert len(spark) == 13
    assert spark[0] == (date(2024, 2, 1), None)
    assert spark[1] == (date(2024, 3, 1), 0.0)
    assert spark[-2:] == [(date(2025, 1, 1), approx(2 / 3)), (date(2025, 2, 1), approx(2 / 3))]
    revenue = next(r for r in card.rows if r.kpi == "revenue")
    assert revenue.value == approx(210)
    assert revenue.change_vs_prior == approx(-110)
    nps = next(r for r in card.rows if r.kpi == "nps")
    assert nps.value is None
    assert nps.reason == "no survey responses in the period"
    data = card.to_dict()
    assert data["period_start"] == "2025-02-01"
    assert data["rows"][0]["sparkline"][1] == {"period_start": "2024-03-01", "value": 0.0}


def test_scorecard_by_site(company: Warehouse) -> None:
    card = scorecard(company, "2025-01", by="site", as_of=AS_OF)
    otd = {r.member: r for r in card.rows if r.kpi == "otd"}
    # DAL 4 of 4 on time in January, ATL 0 of 2.
    assert (otd["DAL"].value, otd["ATL"].value) == (1.0, 0.0)
    assert (otd["DAL"].status, otd["ATL"].status) == ("green", "red")
    # NPS has no site: it is shown company-wide (100 x (3 - 1) / 5 = 40).
    nps = [r for r in card.rows if r.kpi == "nps"]
    assert [(r.member, r.value) for r in nps] == [(None, 40.0)]
    assert card.to_arrow().num_rows == len(card.rows)
