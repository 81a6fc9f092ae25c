"""Service KPIs on the hand-made company, on DuckDB and PostgreSQL.

The order lines L0..L13 are listed in tests/metrics/company.py. Every expected
figure below is worked out by hand from them.
"""

from __future__ import annotations

from datetime import date

from obeya.metrics import compute, evaluate, query_sql
from obeya.warehouse import Warehouse
from tests.metrics.helpers import approx, ratio, row

AS_OF = date(2025, 3, 31)
DELIVERY = ["otd", "otif", "fill_rate_units", "fill_rate_lines", "perfect_order_rate"]


def test_delivery_kpis_month_by_month(company: Warehouse) -> None:
    t = compute(company, DELIVERY, "month", start="2025-01", as_of=AS_OF)
    # January: due L1 L2 L3 L4 L6 L7 = 6 lines (L5 is cancelled and never counts).
    # On time: L1 (9 <= 10 Jan), L2 (delivered on the promised day), L6, L7 = 4;
    # L3 was delivered 3 days late, L4 was never delivered and is past its promise.
    assert ratio(t, "otd", "2025-01") == (4, 6, approx(4 / 6))
    # OTIF: L1, L6, L7; L2 is on time but partial (4 of 5).
    assert ratio(t, "otif", "2025-01") == (3, 6, approx(0.5))
    # In full: L1, L3 (late but full), L6, L7.
    assert ratio(t, "fill_rate_lines", "2025-01") == (4, 6, approx(4 / 6))
    # Units: min(shipped, ordered) 10 + 4 + 8 + 0 + 4 + 2 = 28 of 10 + 5 + 8 + 6 + 4 + 2 = 35.
    assert ratio(t, "fill_rate_units", "2025-01") == (28, 35, approx(0.8))
    # Orders due in January (by their latest line): O1 (L2 partial), O2 (late), O3 (not
    # delivered), O5 (returned on 5 Feb), O6 (perfect) -> 1 of 5. O4 is cancelled.
    assert ratio(t, "perfect_order_rate", "2025-01") == (1, 5, approx(0.2))

    # February: due L8 (late), L9, L11 -> 2 of 3, all in full.
    assert ratio(t, "otd", "2025-02") == (2, 3, approx(2 / 3))
    assert ratio(t, "otif", "2025-02") == (2, 3, approx(2 / 3))
    # O7 is due in February (latest line L9 on 20 Feb) and L8 was late -> 0 of 1.
    assert ratio(t, "perfect_order_rate", "2025-02") == (0, 1, 0.0)
    # March: L10 (due 2 Mar although shipped in February) and L12 -> 2 of 2. O8 and O9
    # (its latest line L12 is due 5 Mar) are perfect. L13 is promised in April.
    assert ratio(t, "otd", "2025-03") == (2, 2, 1.0)
    assert ratio(t, "perfect_order_rate", "2025-03") == (2, 2, 1.0)
    # change vs prior: March 1 - February 2/3.
    assert row(t, "otd", "2025-03")["change_vs_prior"] == approx(1 / 3)
    # March 2024: L0 was late, so otd was 0 and March 2025 is 1.0 higher.
    assert row(t, "otd", "2025-03")["change_vs_last_year"] == approx(1.0)
    # status against the company target (95%, red below 90%)
    assert row(t, "otd", "2025-01")["status"] == "red"
    assert row(t, "otd", "2025-03")["status"] == "green"
    assert row(t, "otd", "2025-01")["target"] == 0.95


def test_as_of_cuts_what_is_due(company: Warehouse) -> None:
    # as_of 3 March: L12 (due 5 March) is not due yet, nor is order O9.
    t = compute(
        company, ["otd", "perfect_order_rate"], "month", start="2025-03", as_of=date(2025, 3, 3)
    )
    assert ratio(t, "otd", "2025-03") == (1, 1, 1.0)
    assert ratio(t, "perfect_order_rate", "2025-03") == (1, 1, 1.0)
    # as_of 31 January: O5's return (5 Feb) has not happened yet, so O5 is perfect: 2 of 5.
    t = compute(company, ["perfect_order_rate"], "month", start="2025-01", as_of=date(2025, 1, 31))
    assert ratio(t, "perfect_order_rate", "2025-01") == (2, 5, approx(0.4))
    # as_of 10 April: L13 (promised 5 April, never shipped) is due and late.
    t = compute(company, ["otd"], "month", start="2025-04", as_of=date(2025, 4, 10))
    assert ratio(t, "otd", "2025-04") == (0, 1, 0.0)


def test_default_as_of_is_the_latest_event(company: Warehouse) -> None:
    # The latest event date in order_lines is L13's order date, 20 March 2025
    # (promised dates are commitments, not events, and are ignored).
    result = evaluate(company, ["otd", "throughput_units_per_day"], "month", start="2025-03")
    assert result.as_of == date(2025, 3, 20)
    # March is partial: 1 unit shipped (L12) over the 20 days elapsed.
    assert ratio(result.table, "throughput_units_per_day", "2025-03") == (1, 20, approx(0.05))


def test_empty_periods_are_null_with_a_reason(company: Warehouse) -> None:
    t = compute(company, ["otd"], "month", as_of=AS_OF)
    # From the first period with data (March 2024, L0 late) to March 2025.
    assert t.num_rows == 13
    assert ratio(t, "otd", "2024-03") == (0, 1, 0.0)
    for month in ("2024-04", "2024-09", "2024-12"):
        r = row(t, "otd", month)
        assert r["value"] is None
        assert r["numerator"] is None
        assert r["status"] is None
        assert r["reason"] == "no order lines due in the period"
    assert row(t, "otd", "2025-01")["reason"] is None
    # February 2024 has no value, so February 2025 has no change vs last year.
    assert row(t, "otd", "2025-02")["change_vs_last_year"] is None


def test_cycle_time_mean_and_percentiles(company: Warehouse) -> None:
    kpis = ["order_cycle_time_days", "order_cycle_time_days_p50", "order_cycle_time_days_p90"]
    t = compute(company, kpis, "month", start="2025-01", end="2025-02", as_of=AS_OF)
    # Delivered in January: L1 7 days (2 -> 9 Jan), L2 8, L3 13 (5 -> 18), L6 8, L7 8.
    assert ratio(t, "order_cycle_time_days", "2025-01") == (44, 5, approx(8.8))
    # Sorted 7, 8, 8, 8, 13: median 8; p90 at rank 0.9 x 4 = 3.6 -> 8 + 0.6 x (13 - 8) = 11.
    assert row(t, "order_cycle_time_days_p50", "2025-01")["value"] == approx(8.0)
    assert row(t, "order_cycle_time_days_p90", "2025-01")["value"] == approx(11.0)
    # February: L8 13 days, L9 18, L11 14 -> mean 15; p90 at rank 1.8 -> 14 + 0.8 x 4 = 17.2.
    assert ratio(t, "order_cycle_time_days", "2025-02") == (45, 3, approx(15.0))
    assert row(t, "order_cycle_time_days_p90", "2025-02")["value"] == approx(17.2)
    # A percentile has no numerator or denominator to roll up.
    assert row(t, "order_cycle_time_days_p90", "2025-02")["numerator"] is None


def test_cut_by_dimensions(company: Warehouse) -> None:
    jan = {"start": "2025-01", "end": "2025-01", "as_of": AS_OF}
    t = compute(company, ["otd"], "month", by=["site"], **jan)
    # DAL: L1 L2 L6 L7 all on time; ATL: L3 late, L4 undelivered.
    assert ratio(t, "otd", "2025-01", site="DAL") == (4, 4, 1.0)
    assert ratio(t, "otd", "2025-01", site="ATL") == (0, 2, 0.0)
    assert row(t, "otd", "2025-01", site="ATL")["status"] == "red"
    t = compute(company, ["otd"], "month", by=["channel"], **jan)
    # web = C1's lines L1 L2 L6 (3 of 3); retail = C2's L3 L4 L7 (1 of 3).
    assert ratio(t, "otd", "2025-01", channel="web") == (3, 3, 1.0)
    assert ratio(t, "otd", "2025-01", channel="retail") == (1, 3, approx(1 / 3))
    t = compute(company, ["otd"], "month", by=["family"], **jan)
    # F1 = sku A: L1 L3 L6 L7 (3 of 4); F2 = sku B: L2 L4 (1 of 2).
    assert ratio(t, "otd", "2025-01", family="F1") == (3, 4, 0.75)
    assert ratio(t, "otd", "2025-01", family="F2") == (1, 2, 0.5)
    # Carrier of an order's first shipment: O1 -> S1 by K1 (S2 by K2 came a day later),
    # O2 -> S3 by K2; O3, O5 and O6 have no shipment with an order_id.
    t = compute(company, ["otd"], "month", by=["carrier"], **jan)
    assert ratio(t, "otd", "2025-01", carrier="K1") == (2, 2, 1.0)
    assert ratio(t, "otd", "2025-01", carrier="K2") == (0, 1, 0.0)
    assert ratio(t, "otd", "2025-01", carrier=None) == (2, 3, approx(2 / 3))
    # Perfect orders by site: DAL O1, O5, O6 -> 1 of 3; ATL O2, O3 -> 0 of 2.
    t = compute(company, ["perfect_order_rate"], "month", by=["site"], **jan)
    assert ratio(t, "perfect_order_rate", "2025-01", site="DAL") == (1, 3, approx(1 / 3))
    assert ratio(t, "perfect_order_rate", "2025-01", site="ATL") == (0, 2, 0.0)
    # Two dimensions at once: DAL web L1 L2 L6, DAL retail L7 (C2), ATL retail L3 L4.
    t = compute(company, ["otd"], "month", by=["site", "channel"], **jan)
    assert t.num_rows == 3
    assert ratio(t, "otd", "2025-01", site="DAL", channel="web") == (3, 3, 1.0)
    assert ratio(t, "otd", "2025-01", site="DAL", channel="retail") == (1, 1, 1.0)
    assert ratio(t, "otd", "2025-01", site="ATL", channel="retail") == (0, 2, 0.0)
    # A filter keeps the member's figures (and no site column).
    t = compute(company, ["otd", "perfect_order_rate"], "month", filters={"site": "DAL"}, **jan)
    assert ratio(t, "otd", "2025-01") == (4, 4, 1.0)
    assert ratio(t, "perfect_order_rate", "2025-01") == (1, 3, approx(1 / 3))
    assert "site" not in t.column_names


def test_percentiles_match_the_databases_own_interpolation(company: Warehouse) -> None:
    # The engine computes percentiles from counts of distinct values; the oracle is the
    # database's quantile_cont (DuckDB) or percentile_cont (PostgreSQL) over the lines.
    if company.backend.value == "duckdb":
        agg = "quantile_cont(delivery_date - order_date, {q})"
    else:
        agg = "percentile_cont({q}) WITHIN GROUP (ORDER BY delivery_date - order_date)"
    for q, kpi in ((0.5, "order_cycle_time_days_p50"), (0.9, "order_cycle_time_days_p90")):
        oracle = company.sql_arrow(
            f"SELECT CAST(date_trunc('month', delivery_date) AS DATE) AS m, "
            f"CAST({agg.format(q=q)} AS DOUBLE PRECISION) AS v FROM order_lines "
            "WHERE status <> 'cancelled' AND delivery_date IS NOT NULL GROUP BY 1 ORDER BY 1"
        ).to_pylist()
        t = compute(company, [kpi], "month", as_of=AS_OF)
        for r in oracle:
            assert row(t, kpi, r["m"].isoformat())["value"] == approx(r["v"])
    # one query serves every KPI reading order lines by their promised date
    sql = query_sql(
        company, ["otd", "otif", "fill_rate_units", "fill_rate_lines"], "month", as_of=AS_OF
    )
    assert list(sql) == [
        "order_lines by promised_date: lines_on_time, lines_due, lines_otif, "
        "units_filled, units_due, lines_in_full"
    ]
