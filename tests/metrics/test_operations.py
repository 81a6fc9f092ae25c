"""Finance, inventory, logistics, labour and safety KPIs on the hand-made company.

Both backends; every figure is worked out by hand from tests/metrics/company.py.
"""

from __future__ import annotations

from datetime import date

from obeya.metrics import compute
from obeya.warehouse import Warehouse
from tests.metrics.helpers import approx, ratio, row

AS_OF = date(2025, 3, 31)
Q1 = {"start": "2025-01", "end": "2025-03", "as_of": AS_OF}


def test_finance(company: Warehouse) -> None:
    kpis = ["revenue", "gross_margin_pct", "units_shipped", "throughput_units_per_day"]
    t = compute(company, kpis, "month", **Q1)
    # Shipped in January: L1 10 x 10 = 100, L2 4 x 20 = 80, L3 8 x 10 = 80, L6 4 x 10 = 40,
    # L7 2 x 10 = 20 -> 320; cost 50 + 32 + 40 + 20 + 10 = 152; units 10 + 4 + 8 + 4 + 2 = 28.
    assert row(t, "revenue", "2025-01")["value"] == approx(320)
    assert ratio(t, "gross_margin_pct", "2025-01") == (approx(168), approx(320), approx(0.525))
    assert row(t, "units_shipped", "2025-01")["value"] == 28
    # February: L8 3 x 20 = 60, L9 6 x 10 = 60, L10 5 x 10 = 50, L11 2 x 20 = 40 -> 210;
    # cost 24 + 30 + 25 + 16 = 95; units 16.
    assert ratio(t, "gross_margin_pct", "2025-02") == (approx(115), approx(210), approx(115 / 210))
    assert row(t, "revenue", "2025-02")["change_vs_prior"] == approx(-110)
    # Throughput: 28 units over the 31 days of January, 16 over February's 28.
    assert ratio(t, "throughput_units_per_day", "2025-01") == (28, 31, approx(28 / 31))
    assert ratio(t, "throughput_units_per_day", "2025-02") == (16, 28, approx(16 / 28))
    # By site: DAL ships L1 L2 L6 L7 = 240, ATL L3 = 80; the sum is the company's 320.
    t = compute(
        company, ["revenue"], "month", by=["site"], start="2025-01", end="2025-01", as_of=AS_OF
    )
    assert row(t, "revenue", "2025-01", site="DAL")["value"] == approx(240)
    assert row(t, "revenue", "2025-01", site="ATL")["value"] == approx(80)


def test_inventory(company: Warehouse) -> None:
    kpis = ["inventory_value", "inventory_turns", "days_of_supply", "stockout_rate"]
    t = compute(company, kpis, "month", **Q1)
    # Snapshots (DAL A, DAL B, ATL A, ATL B, DAL C) x cost (5, 8, 5, 8, 3):
    #   15 Jan: 100, 0, 50, 10, 0 -> 500 + 0 + 250 + 80 + 0 = 830
    #   31 Jan:  80, 0,  0, 20, 0 -> 400 + 160 = 560 (the latest of January)
    #   28 Feb:  60, 5, 40,  0, 0 -> 300 + 40 + 200 = 540
    assert row(t, "inventory_value", "2025-01")["value"] == approx(560)
    assert row(t, "inventory_value", "2025-02")["value"] == approx(540)
    # Turns: January COGS 152 x 365 / 31 days over the mean of 830 and 560 = 695.
    num, den, value = ratio(t, "inventory_turns", "2025-01")
    assert (num, den) == (approx(152 * 365 / 31), approx(695))
    assert value == approx(152 * 365 / 31 / 695)
    # Days of supply: 695 over COGS per day 152 / 31.
    assert row(t, "days_of_supply", "2025-01")["value"] == approx(695 / (152 / 31))
    assert row(t, "days_of_supply", "2025-02")["value"] == approx(540 / (95 / 28))
    # March has no snapshot: no value (not zero), whatever was shipped.
    for kpi in kpis:
        assert row(t, kpi, "2025-03")["value"] is None
    assert row(t, "days_of_supply", "2025-03")["reason"] == "no inventory snapshot in the period"
    # Stock-outs at 31 Jan: pairs with orders in the 90 days before: DAL A, DAL B, ATL A,
    # ATL B (DAL C has no demand and does not count); out of stock: DAL B, ATL A -> 2 of 4.
    assert ratio(t, "stockout_rate", "2025-01") == (2, 4, 0.5)
    # At 28 Feb: ATL B is out (DAL C too, but without demand) -> 1 of 4.
    assert ratio(t, "stockout_rate", "2025-02") == (1, 4, 0.25)
    # By site, January: DAL COGS L1 50 + L2 32 + L6 20 + L7 10 = 112, mean stock
    # (500 + 400) / 2 = 450; ATL COGS 40, mean stock (330 + 160) / 2 = 245.
    t = compute(
        company,
        ["inventory_turns", "stockout_rate"],
        "month",
        by=["site"],
        start="2025-01",
        end="2025-01",
        as_of=AS_OF,
    )
    assert ratio(t, "inventory_turns", "2025-01", site="DAL")[:2] == (
        approx(112 * 365 / 31),
        approx(450),
    )
    assert ratio(t, "inventory_turns", "2025-01", site="ATL")[:2] == (
        approx(40 * 365 / 31),
        approx(245),
    )
    assert ratio(t, "stockout_rate", "2025-01", site="DAL") == (1, 2, 0.5)
    assert ratio(t, "stockout_rate", "2025-01", site="ATL") == (1, 2, 0.5)


def test_logistics_and_labour(company: Warehouse) -> None:
    kpis = [
        "freight_cost_per_unit",
        "fulfillment_cost_per_unit",
        "units_per_labor_hour",
        "overtime_pct",
        "co2e_kg_per_unit",
    ]
    t = compute(company, kpis, "month", **Q1)
    # Shipments in January: S1 50 / 10 units, S2 20 / 4, S3 40 / 8 -> 110 / 22.
    assert ratio(t, "freight_cost_per_unit", "2025-01") == (110, 22, 5.0)
    assert ratio(t, "freight_cost_per_unit", "2025-02") == (60, 10, 6.0)
    # CO2e (kg) = tonnes x km x factor: S1 0.5 x 100 x 0.12366 (truck) = 6.183,
    # S2 0.1 x 50 x 0.5907 (parcel) = 2.9535, S3 0.2 x 300 x 0.5907 = 35.442 -> 44.5785.
    assert ratio(t, "co2e_kg_per_unit", "2025-01")[:2] == (approx(44.5785), 22)
    # Labour cost 9000 + 12000 plus freight 110 over the 28 units shipped.
    assert ratio(t, "fulfillment_cost_per_unit", "2025-01") == (
        approx(21110),
        28,
        approx(21110 / 28),
    )
    # Hours worked: DAL 400 + 40 + 60 temp, ATL 600 + 0 (temp hours empty) = 1100.
    assert ratio(t, "units_per_labor_hour", "2025-01") == (28, 1100, approx(28 / 1100))
    # Overtime share: 40 over 400 + 40 + 600.
    assert ratio(t, "overtime_pct", "2025-01") == (40, 1040, approx(40 / 1040))
    # March has units shipped but no labour hours recorded: unknown, not zero.
    assert row(t, "units_per_labor_hour", "2025-03")["value"] is None
    assert (
        row(t, "fulfillment_cost_per_unit", "2025-03")["reason"]
        == "no labour hours recorded in the period"
    )
    cut = {"start": "2025-01", "end": "2025-01", "as_of": AS_OF}
    t = compute(
        company, ["fulfillment_cost_per_unit", "units_per_labor_hour"], "month", by=["site"], **cut
    )
    # DAL: (9000 + 50 + 20) / 20 units; ATL: (12000 + 40) / 8 units.
    assert row(t, "fulfillment_cost_per_unit", "2025-01", site="DAL")["value"] == approx(453.5)
    assert row(t, "fulfillment_cost_per_unit", "2025-01", site="ATL")["value"] == approx(1505)
    assert ratio(t, "units_per_labor_hour", "2025-01", site="DAL") == (20, 500, 0.04)
    t = compute(company, ["co2e_kg_per_unit", "freight_cost_per_unit"], "month", by=["mode"], **cut)
    assert ratio(t, "co2e_kg_per_unit", "2025-01", mode="truck") == (
        approx(6.183),
        10,
        approx(0.6183),
    )
    assert ratio(t, "freight_cost_per_unit", "2025-01", mode="parcel") == (60, 12, 5.0)
    t = compute(company, ["overtime_pct"], "month", by=["department"], **cut)
    assert ratio(t, "overtime_pct", "2025-01", department="warehouse") == (
        40,
        440,
        approx(40 / 440),
    )
    assert ratio(t, "overtime_pct", "2025-01", department="production") == (0, 600, 0.0)


def test_safety(company: Warehouse) -> None:
    t = compute(company, ["trir", "dart_rate", "ltir"], "month", **Q1)
    # January: X1 (DAL, recordable, 2 lost days) and X2 (ATL, recordable, 3 restricted
    # days) are recordable and DART; X1 is lost-time; X3 is a near miss. 1100 hours.
    assert ratio(t, "trir", "2025-01") == (400_000, 1100, approx(2 * 200_000 / 1100))
    assert row(t, "dart_rate", "2025-01")["value"] == approx(2 * 200_000 / 1100)
    assert row(t, "ltir", "2025-01")["value"] == approx(200_000 / 1100)
    # February: no incident in 360 hours is a rate of zero.
    assert ratio(t, "trir", "2025-02") == (0, 360, 0.0)
    t = compute(
        company, ["trir"], "month", by=["site"], start="2025-01", end="2025-01", as_of=AS_OF
    )
    assert row(t, "trir", "2025-01", site="DAL")["value"] == approx(200_000 / 500)
    assert row(t, "trir", "2025-01", site="ATL")["value"] == approx(200_000 / 600)
