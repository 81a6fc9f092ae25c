"""A small hand-made company for the briefing, every figure worked out by hand.

Two sites (DAL a DC, ATL a plant), one SKU ``A`` (price 10, cost 5), one customer,
two carriers, two suppliers, one production line. Data in October and November
2025 only; the latest event is a labour record on 2025-11-30, so November is the
complete period under review.

Order lines (one per order, 10 units ordered and shipped, value 10 x 10 = 100 each;
ordered 8 days before the promise; on time = delivered the day before the promise,
late = two days after; each order's one shipment carries the carrier):

=========  ======  ============  ==========  ===========
month      site    carrier       lines due   on time
=========  ======  ============  ==========  ===========
2025-10    DAL     K1            3           3
2025-10    DAL     K2            2           2
2025-10    ATL     K1            5           4
2025-11    DAL     K1            2           2
2025-11    DAL     K2            4           1
2025-11    ATL     K1            4           4
=========  ======  ============  ==========  ===========

OTD October = 9/10 = 90.0%, November = 7/10 = 70.0%: a fall of 20.0 pts (see
test_movers.py for the split). Purchase order lines: S1 one line due 2025-10-10
received on time (lead time 37 days); S2 four lines due 2025-11-10, one received on
the day, three on 2025-11-20 (supplier OTD 1/4 = 25.0%). Line R1 (8 hours a day)
runs 100 hours in October and 200 hours in November (20 working days, 160 hours
available: 125%). The ledger of November: revenue 1,000 against a budget of 1,200
at ATL, freight 300 against 200 at DAL. No inventory snapshots, characteristics or
forecast runs: those sections are left out.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pyarrow as pa

D = date


def _table(rows: list[dict[str, object]], types: dict[str, pa.DataType] | None = None) -> pa.Table:
    columns = list(rows[0])
    types = types or {}
    return pa.table({c: pa.array([r[c] for r in rows], type=types.get(c)) for c in columns})


def reference() -> dict[str, pa.Table]:
    return {
        "sites": _table(
            [
                {"site_id": "DAL", "name": "Dallas DC", "type": "dc", "country": "US"},
                {"site_id": "ATL", "name": "Atlanta plant", "type": "plant", "country": "US"},
            ]
        ),
        "products": _table(
            [
                {
                    "sku": "A",
                    "description": "widget",
                    "family": "F1",
                    "unit_cost": 5.0,
                    "unit_price": 10.0,
                }
            ]
        ),
        "customers": _table([{"customer_id": "C1", "name": "Acme"}]),
        "suppliers": _table(
            [
                {"supplier_id": "S1", "name": "Steel Co", "country": "US"},
                {"supplier_id": "S2", "name": "Parts Inc", "country": "MX"},
            ]
        ),
        "carriers": _table(
            [
                {"carrier_id": "K1", "name": "Big Truck", "mode": "truck"},
                {"carrier_id": "K2", "name": "Quick Parcel", "mode": "parcel"},
            ]
        ),
        "resources": _table(
            [
                {
                    "resource_id": "R1",
                    "site_id": "ATL",
                    "name": "Line 1",
                    "kind": "line",
                    "hours_per_day": 8.0,
                    "ideal_units_per_hour": 10.0,
                }
            ]
        ),
        "routings": _table([{"sku": "A", "resource_id": "R1", "hours_per_unit": 0.1}]),
        "accounts": _table(
            [
                {"account": "4000", "name": "Sales", "pl_line": "revenue"},
                {"account": "6000", "name": "Freight", "pl_line": "freight"},
            ]
        ),
    }


# (promise day, site, carrier, lines due, of them on time)
GROUPS = [
    (D(2025, 10, 15), "DAL", "K1", 3, 3),
    (D(2025, 10, 15), "DAL", "K2", 2, 2),
    (D(2025, 10, 15), "ATL", "K1", 5, 4),
    (D(2025, 11, 14), "DAL", "K1", 2, 2),
    (D(2025, 11, 14), "DAL", "K2", 4, 1),
    (D(2025, 11, 14), "ATL", "K1", 4, 4),
]


def _orders() -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    lines: list[dict[str, object]] = []
    shipments: list[dict[str, object]] = []
    n = 0
    for promised, site, carrier, due, on_time in GROUPS:  # six groups of a few lines
        for i in range(due):
            n += 1
            late = i >= on_time
            delivered = promised + timedelta(days=2 if late else -1)
            shipped = delivered - timedelta(days=1)
            order = f"O{n:03d}"
            lines.append(
                {
                    "order_id": order,
                    "line_no": 1,
                    "customer_id": "C1",
                    "sku": "A",
                    "site_id": site,
                    "order_date": promised - timedelta(days=8),
                    "promised_date": promised,
                    "ship_date": shipped,
                    "delivery_date": delivered,
                    "qty_ordered": 10.0,
                    "qty_shipped": 10.0,
                    "unit_price": 10.0,
                    "unit_cost": 5.0,
                    "status": "delivered",
                }
            )
            shipments.append(
                {
                    "shipment_id": f"S{n:03d}",
                    "site_id": site,
                    "carrier_id": carrier,
                    "mode": "truck" if carrier == "K1" else "parcel",
                    "ship_date": shipped,
                    "delivery_date": delivered,
                    "units": 10.0,
                    "weight_kg": 50.0,
                    "distance_km": 100.0,
                    "freight_cost": 10.0,
                    "order_id": order,
                }
            )
    return lines, shipments


def _po(po: str, supplier: str, ordered: date, promised: date, received: date) -> dict[str, object]:
    return {
        "po_id": po,
        "line_no": 1,
        "supplier_id": supplier,
        "sku": "A",
        "site_id": "ATL",
        "order_date": ordered,
        "promised_date": promised,
        "receipt_date": received,
        "qty_ordered": 100.0,
        "qty_received": 100.0,
        "qty_rejected": 0.0,
        "unit_price": 5.0,
    }


def _work_order(wo: str, day: date, run: float) -> dict[str, object]:
    start = datetime(day.year, day.month, day.day, 6)
    return {
        "work_order_id": wo,
        "site_id": "ATL",
        "resource_id": "R1",
        "sku": "A",
        "planned_start": start,
        "actual_start": start,
        "actual_end": start + timedelta(hours=run),
        "qty_planned": 900.0,
        "qty_good": 900.0,
        "qty_scrap": 0.0,
        "run_hours": run,
        "downtime_hours": 0.0,
    }


def _labour(day: date, hours: float, cost: float) -> dict[str, object]:
    return {
        "work_date": day,
        "site_id": "ATL",
        "department": "production",
        "headcount": 10.0,
        "regular_hours": hours,
        "overtime_hours": 0.0,
        "labor_cost": cost,
    }


def _ledger(amounts: list[tuple[str, str, float]]) -> pa.Table:
    return _table(
        [{"period": "2025-11", "site_id": s, "account": a, "amount": v} for s, a, v in amounts]
    )


def facts() -> dict[str, pa.Table]:
    lines, shipments = _orders()
    return {
        "order_lines": _table(lines),
        "shipments": _table(shipments),
        "purchase_order_lines": _table(
            [
                _po("P1", "S1", D(2025, 9, 3), D(2025, 10, 10), D(2025, 10, 10)),
                _po("P2", "S2", D(2025, 10, 11), D(2025, 11, 10), D(2025, 11, 10)),
                _po("P3", "S2", D(2025, 10, 11), D(2025, 11, 10), D(2025, 11, 20)),
                _po("P4", "S2", D(2025, 10, 11), D(2025, 11, 10), D(2025, 11, 20)),
                _po("P5", "S2", D(2025, 10, 11), D(2025, 11, 10), D(2025, 11, 20)),
            ]
        ),
        "work_orders": _table(
            [
                _work_order("W1", D(2025, 10, 8), 100.0),
                _work_order("W2", D(2025, 11, 5), 100.0),
                _work_order("W3", D(2025, 11, 19), 100.0),
            ]
        ),
        # 10,000 of production labour at ATL in November; the 30th is the latest event
        "labor_hours": _table(
            [_labour(D(2025, 11, 3), 120.0, 6000.0), _labour(D(2025, 11, 30), 80.0, 4000.0)]
        ),
        "gl_actuals": _ledger([("ATL", "4000", 1000.0), ("DAL", "6000", 300.0)]),
        "budget": _ledger([("ATL", "4000", 1200.0), ("DAL", "6000", 200.0)]),
    }


def company_tables() -> dict[str, pa.Table]:
    return {**reference(), **facts()}
