"""Invariants of the engine on generated order books (Hypothesis, in-memory DuckDB).

- every share KPI stays within [0, 1];
- OTIF never exceeds OTD (an OTIF line is an on-time line);
- a roll-up equals the recomputation from raw sums: the company figure of a month is
  the sum of the sites' numerators over the sum of their denominators, and a quarter
  is the sum of its months';
- the rate and mix effects of explain() add up to the change of the KPI.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date, timedelta

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from obeya.ingest import load_arrow
from obeya.metrics import Catalog, compute, explain
from obeya.warehouse import Warehouse
from tests.metrics.company import reference
from tests.metrics.helpers import replace_rows

START = date(2025, 1, 1)
AS_OF = date(2025, 6, 30)
SHARES = [
    "otd",
    "otif",
    "fill_rate_units",
    "fill_rate_lines",
    "perfect_order_rate",
    "gross_margin_pct",
]


@st.composite
def order_lines(draw: st.DrawFn) -> pa.Table:
    """1 to 30 valid order lines on 1 to 12 orders over the first half of 2025."""
    rows = []
    n = draw(st.integers(1, 30))
    for i in range(n):
        ordered_on = START + timedelta(days=draw(st.integers(0, 150)))
        promised = ordered_on + timedelta(days=draw(st.integers(0, 20)))
        qty = float(draw(st.integers(1, 10)))
        status = draw(st.sampled_from(["open", "shipped", "delivered", "cancelled"]))
        shipped_on = delivered_on = None
        shipped = 0.0
        if status in ("shipped", "delivered"):
            shipped_on = ordered_on + timedelta(days=draw(st.integers(0, 25)))
            shipped = float(draw(st.integers(0, int(qty))))
        if status == "delivered":
            assert shipped_on is not None
            delivered_on = shipped_on + timedelta(days=draw(st.integers(0, 5)))
        sku = draw(st.sampled_from(["A", "B"]))
        rows.append(
            {
                "order_id": f"O{draw(st.integers(0, 11))}",
                "line_no": i,
                "customer_id": draw(st.sampled_from(["C1", "C2"])),
                "sku": sku,
                "site_id": draw(st.sampled_from(["DAL", "ATL"])),
                "order_date": ordered_on,
                "promised_date": promised,
                "ship_date": shipped_on,
                "delivery_date": delivered_on,
                "qty_ordered": qty,
                "qty_shipped": shipped,
                "unit_price": 10.0 if sku == "A" else 20.0,
                "unit_cost": 5.0 if sku == "A" else 8.0,
                "status": status,
            }
        )
    types = {"ship_date": pa.date32(), "delivery_date": pa.date32()}
    return pa.table({c: pa.array([r[c] for r in rows], type=types.get(c)) for c in rows[0]})


@pytest.fixture(scope="module")
def book() -> Iterator[Warehouse]:
    """An in-memory DuckDB with the reference tables; each example replaces its order lines."""
    wh = Warehouse.open(":memory:")
    load_arrow(wh, reference(), label="reference")
    yield wh
    wh.close()


@given(order_lines())
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_shares_bounded_otif_within_otd_and_rollups(
    book: Warehouse, catalog: Catalog, lines: pa.Table
) -> None:
    replace_rows(book, "order_lines", lines)
    total = compute(book, SHARES, "month", as_of=AS_OF, catalog=catalog).to_pylist()
    by_site = compute(book, SHARES, "month", by=["site"], as_of=AS_OF, catalog=catalog).to_pylist()
    quarters = compute(book, SHARES, "quarter", as_of=AS_OF, catalog=catalog).to_pylist()
    for r in total + by_site + quarters:
        assert r["value"] is None or 0.0 <= r["value"] <= 1.0, r
    values = {(r["kpi"], r["period_start"]): r for r in total}
    for (kpi, start), r in values.items():
        if kpi == "otif" and r["value"] is not None:
            assert r["value"] <= values[("otd", start)]["value"] + 1e-12
    for (kpi, start), r in values.items():
        parts = [
            s
            for s in by_site
            if s["kpi"] == kpi and s["period_start"] == start and s["value"] is not None
        ]
        if r["value"] is None:
            assert not parts
            continue
        num = math.fsum(s["numerator"] for s in parts)
        den = math.fsum(s["denominator"] for s in parts)
        assert r["numerator"] == pytest.approx(num, abs=1e-9)
        assert r["denominator"] == pytest.approx(den, abs=1e-9)
        assert r["value"] == pytest.approx(num / den, abs=1e-12)
    for q in quarters:
        months = [
            r
            for (k, s), r in values.items()
            if k == q["kpi"]
            and q["period_start"] <= s < _next_quarter(q["period_start"])
            and r["denominator"] is not None
        ]
        if q["value"] is not None:
            num = math.fsum(m["numerator"] for m in months)
            den = math.fsum(m["denominator"] for m in months)
            assert q["value"] == pytest.approx(num / den, abs=1e-12)


def _next_quarter(start: date) -> date:
    month = start.month + 3
    return date(start.year + (month > 12), (month - 1) % 12 + 1, 1)


@given(
    order_lines(),
    st.sampled_from(["otd", "fill_rate_units", "perfect_order_rate", "revenue"]),
    st.sampled_from(["site", "customer"]),
)
@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_explained_contributions_add_up(
    book: Warehouse, catalog: Catalog, lines: pa.Table, kpi: str, by: str
) -> None:
    replace_rows(book, "order_lines", lines)
    for month in ("2025-03", "2025-05"):
        r = explain(book, kpi, month, by, as_of=AS_OF, catalog=catalog)
        if r.change is None:
            assert r.reason is not None
            continue
        assert math.fsum(m.contribution for m in r.members) == pytest.approx(r.change, abs=1e-9)
