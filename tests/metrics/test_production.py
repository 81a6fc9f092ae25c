"""Production, quality, procurement, customer and sustainability KPIs, by hand.

Both backends; the data are in tests/metrics/company.py.
"""

from __future__ import annotations

from datetime import date

from obeya.metrics import compute
from obeya.warehouse import Warehouse
from tests.metrics.helpers import approx, ratio, row

AS_OF = date(2025, 3, 31)
Q1 = {"start": "2025-01", "end": "2025-03", "as_of": AS_OF}
JAN = {"start": "2025-01", "end": "2025-01", "as_of": AS_OF}


def test_oee_and_its_factors(company: Warehouse) -> None:
    kpis = ["oee", "availability", "performance", "quality_rate", "first_pass_yield"]
    t = compute(company, kpis, "month", **Q1)
    # W1 has no ideal rate: R1's 100/h applies; W2 has its own 40/h (R2 says 50/h).
    # W3 never started and does not count.
    # OEE = (900 / 100 + 190 / 40) / ((12 + 3) + (5 + 1)) = 13.75 / 21
    assert ratio(t, "oee", "2025-01") == (approx(13.75), 21, approx(13.75 / 21))
    assert ratio(t, "availability", "2025-01") == (17, 21, approx(17 / 21))
    # performance = (1000 / 100 + 200 / 40) / 17 run hours
    assert ratio(t, "performance", "2025-01") == (approx(15), 17, approx(15 / 17))
    assert ratio(t, "quality_rate", "2025-01") == (1090, 1200, approx(1090 / 1200))
    # First pass yield: January has an inspection: 1 - 6 / 200; February has none, so
    # the work orders give it: W4 480 good of 500.
    assert ratio(t, "first_pass_yield", "2025-01") == (194, 200, approx(0.97))
    assert ratio(t, "first_pass_yield", "2025-02") == (480, 500, approx(0.96))
    assert ratio(t, "oee", "2025-02") == (approx(4.8), 6, approx(0.8))
    assert row(t, "oee", "2025-03")["reason"] == "no work order started in the period"
    # By resource (inspections carry no resource, so FPY comes from work orders).
    t = compute(company, ["oee", "first_pass_yield"], "month", by=["resource"], **JAN)
    assert ratio(t, "oee", "2025-01", resource="R1") == (9, 15, 0.6)
    assert ratio(t, "oee", "2025-01", resource="R2") == (approx(4.75), 6, approx(4.75 / 6))
    assert ratio(t, "first_pass_yield", "2025-01", resource="R1") == (900, 1000, 0.9)
    assert ratio(t, "first_pass_yield", "2025-01", resource="R2") == (190, 200, 0.95)


def test_procurement(company: Warehouse) -> None:
    kpis = [
        "supplier_otd",
        "supplier_ppm",
        "supplier_lead_time_days",
        "supplier_lead_time_days_p90",
        "purchase_price_variance",
    ]
    t = compute(company, kpis, "month", **Q1)
    # Due in January: P1-1 (received 10 Jan, due 12: on time), P1-2 (20 Jan, due 15:
    # late), P2-1 (never received, due 25 Jan: late) -> 1 of 3.
    assert ratio(t, "supplier_otd", "2025-01") == (1, 3, approx(1 / 3))
    # Received in January: 150 units, 2 rejected -> 2 / 150 x 1e6.
    assert ratio(t, "supplier_ppm", "2025-01") == (2_000_000, 150, approx(2 / 150 * 1e6))
    # Lead times 8 and 18 days: mean 13, p90 = 8 + 0.9 x 10 = 17.
    assert ratio(t, "supplier_lead_time_days", "2025-01") == (26, 2, 13.0)
    assert row(t, "supplier_lead_time_days_p90", "2025-01")["value"] == approx(17.0)
    # PPV: (5.2 - 5.0) x 100 for P1-1; P1-2 has no contract price.
    assert row(t, "purchase_price_variance", "2025-01")["value"] == approx(20.0)
    assert row(t, "supplier_otd", "2025-02")["reason"] == "no PO lines due in the period"
    t = compute(company, ["supplier_otd"], "month", by=["supplier"], **JAN)
    assert ratio(t, "supplier_otd", "2025-01", supplier="S1") == (1, 2, 0.5)
    assert ratio(t, "supplier_otd", "2025-01", supplier="S2") == (0, 1, 0.0)


def test_customer(company: Warehouse) -> None:
    kpis = ["return_rate_units", "nps", "ticket_sla_attainment", "escalation_rate"]
    t = compute(company, kpis, "month", **Q1)
    # One unit of O5 returned on 5 Feb over the 16 units shipped in February.
    assert ratio(t, "return_rate_units", "2025-02") == (1, 16, 0.0625)
    # No return in January is a rate of zero, not unknown.
    assert ratio(t, "return_rate_units", "2025-01") == (0, 28, 0.0)
    # Scores 10, 9, 9, 7, 3: 3 promoters, 1 detractor of 5 -> 100 x (3 - 1) / 5 = 40.
    assert ratio(t, "nps", "2025-01") == (200, 5, 40.0)
    # T1 8 h (SLA 24): in; T2 48 h (24): out; T3 never resolved, past its 48 h: missed;
    # T4 exactly 24 h (24): in -> 2 of 4. T2 was escalated -> 1 of 4.
    assert ratio(t, "ticket_sla_attainment", "2025-01") == (2, 4, 0.5)
    assert ratio(t, "escalation_rate", "2025-01") == (1, 4, 0.25)
    # The returned line shipped from DAL: 1 of DAL's 9 February units; ATL 0 of 7.
    t = compute(
        company,
        ["return_rate_units"],
        "month",
        by=["site"],
        start="2025-02",
        end="2025-02",
        as_of=AS_OF,
    )
    assert ratio(t, "return_rate_units", "2025-02", site="DAL") == (1, 9, approx(1 / 9))
    assert ratio(t, "return_rate_units", "2025-02", site="ATL") == (0, 7, 0.0)
    # By segment: retail (C1) 10, 9 -> 100; wholesale (C2) 9, 7 -> 50; no customer: 3 -> -100.
    t = compute(company, ["nps"], "month", by=["segment"], **JAN)
    assert row(t, "nps", "2025-01", segment="retail")["value"] == 100.0
    assert row(t, "nps", "2025-01", segment="wholesale")["value"] == 50.0
    assert row(t, "nps", "2025-01", segment=None)["value"] == -100.0
    t = compute(company, ["ticket_sla_attainment"], "month", by=["priority"], **JAN)
    assert ratio(t, "ticket_sla_attainment", "2025-01", priority="high") == (1, 2, 0.5)
    # as_of 30 Jan: T4 (opened 30 Jan) is not resolved yet, so it is not attained.
    t = compute(
        company, ["ticket_sla_attainment"], "month", start="2025-01", as_of=date(2025, 1, 30)
    )
    assert ratio(t, "ticket_sla_attainment", "2025-01") == (1, 4, 0.25)


def test_sustainability(company: Warehouse) -> None:
    t = compute(company, ["energy_kwh_per_unit", "waste_diversion_pct"], "month", **Q1)
    # kWh 5000 + 1000 over units: DAL (a DC) shipped 20 in January; ATL (a plant)
    # produced 900 + 190 good units (its 8 shipped units do not count).
    assert ratio(t, "energy_kwh_per_unit", "2025-01") == (6000, 1110, approx(6000 / 1110))
    assert ratio(t, "waste_diversion_pct", "2025-01") == (750, 1200, 0.625)
    # No energy reading in February: unknown, although units were shipped and made.
    assert (
        row(t, "energy_kwh_per_unit", "2025-02")["reason"] == "no energy use recorded in the period"
    )
    t = compute(company, ["energy_kwh_per_unit"], "month", by=["site"], **JAN)
    assert ratio(t, "energy_kwh_per_unit", "2025-01", site="DAL") == (1000, 20, 50.0)
    assert ratio(t, "energy_kwh_per_unit", "2025-01", site="ATL") == (
        5000,
        1090,
        approx(5000 / 1090),
    )
    # Energy is recorded by month: a weekly figure is refused with a reason.
    t = compute(
        company, ["energy_kwh_per_unit"], "week", start="2025-01-06", end="2025-01-13", as_of=AS_OF
    )
    assert t.column("value").to_pylist() == [None, None]
    assert set(t.column("reason").to_pylist()) == {
        "Energy per unit is recorded by month; use grain month or coarser"
    }
