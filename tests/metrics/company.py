"""A tiny hand-made company whose KPIs are worked out by hand in the tests.

Two sites (DAL a distribution centre, ATL a plant), three SKUs, two customers, two
carriers, two suppliers, two resources. Order lines (``L1``..``L13`` in the comments
of the tests) are listed one per row below with what makes each one interesting.
"""

from __future__ import annotations

from datetime import date, datetime

import pyarrow as pa

D = date
T = datetime


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
                },
                {
                    "sku": "B",
                    "description": "gadget",
                    "family": "F2",
                    "unit_cost": 8.0,
                    "unit_price": 20.0,
                },
                {
                    "sku": "C",
                    "description": "spare",
                    "family": "F1",
                    "unit_cost": 3.0,
                    "unit_price": 6.0,
                },
            ]
        ),
        "customers": _table(
            [
                {"customer_id": "C1", "name": "Acme", "segment": "retail", "channel": "web"},
                {"customer_id": "C2", "name": "Bolt", "segment": "wholesale", "channel": "retail"},
            ]
        ),
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
                    "hours_per_day": 16.0,
                    "ideal_units_per_hour": 100.0,
                },
                {
                    "resource_id": "R2",
                    "site_id": "ATL",
                    "name": "Press 2",
                    "kind": "machine",
                    "hours_per_day": 16.0,
                    "ideal_units_per_hour": 50.0,
                },
            ]
        ),
    }


def _line(
    order: str,
    no: int,
    customer: str,
    sku: str,
    site: str,
    ordered_on: date,
    promised: date,
    shipped_on: date | None,
    delivered_on: date | None,
    qty: float,
    shipped: float,
    status: str,
) -> dict[str, object]:
    price, cost = {"A": (10.0, 5.0), "B": (20.0, 8.0), "C": (6.0, 3.0)}[sku]
    return {
        "order_id": order,
        "line_no": no,
        "customer_id": customer,
        "sku": sku,
        "site_id": site,
        "order_date": ordered_on,
        "promised_date": promised,
        "ship_date": shipped_on,
        "delivery_date": delivered_on,
        "qty_ordered": qty,
        "qty_shipped": shipped,
        "unit_price": price,
        "unit_cost": cost,
        "status": status,
    }


ORDER_LINES = [
    # L0: March 2024, delivered two days late (last year's comparison for March 2025)
    _line(
        "O0",
        1,
        "C1",
        "A",
        "DAL",
        D(2024, 3, 1),
        D(2024, 3, 10),
        D(2024, 3, 11),
        D(2024, 3, 12),
        2,
        2,
        "delivered",
    ),
    # L1: on time, in full
    _line(
        "O1",
        1,
        "C1",
        "A",
        "DAL",
        D(2025, 1, 2),
        D(2025, 1, 10),
        D(2025, 1, 8),
        D(2025, 1, 9),
        10,
        10,
        "delivered",
    ),
    # L2: delivered on the promised day, partial (4 of 5)
    _line(
        "O1",
        2,
        "C1",
        "B",
        "DAL",
        D(2025, 1, 2),
        D(2025, 1, 10),
        D(2025, 1, 9),
        D(2025, 1, 10),
        5,
        4,
        "delivered",
    ),
    # L3: late, in full
    _line(
        "O2",
        1,
        "C2",
        "A",
        "ATL",
        D(2025, 1, 5),
        D(2025, 1, 15),
        D(2025, 1, 16),
        D(2025, 1, 18),
        8,
        8,
        "delivered",
    ),
    # L4: never shipped, past its promise: late
    _line("O3", 1, "C2", "B", "ATL", D(2025, 1, 10), D(2025, 1, 20), None, None, 6, 0, "open"),
    # L5: cancelled: never counts
    _line("O4", 1, "C1", "A", "DAL", D(2025, 1, 3), D(2025, 1, 12), None, None, 3, 0, "cancelled"),
    # L6: on time, in full, but the order is returned (not perfect)
    _line(
        "O5",
        1,
        "C1",
        "A",
        "DAL",
        D(2025, 1, 20),
        D(2025, 1, 28),
        D(2025, 1, 27),
        D(2025, 1, 28),
        4,
        4,
        "delivered",
    ),
    # L7: on time, in full: the one perfect order of January
    _line(
        "O6",
        1,
        "C2",
        "A",
        "DAL",
        D(2025, 1, 6),
        D(2025, 1, 14),
        D(2025, 1, 13),
        D(2025, 1, 14),
        2,
        2,
        "delivered",
    ),
    # L8: late (order O7 is due in February by its latest line, L9)
    _line(
        "O7",
        1,
        "C1",
        "B",
        "DAL",
        D(2025, 2, 1),
        D(2025, 2, 10),
        D(2025, 2, 12),
        D(2025, 2, 14),
        3,
        3,
        "delivered",
    ),
    # L9: on time
    _line(
        "O7",
        2,
        "C1",
        "A",
        "DAL",
        D(2025, 2, 1),
        D(2025, 2, 20),
        D(2025, 2, 18),
        D(2025, 2, 19),
        6,
        6,
        "delivered",
    ),
    # L10: shipped in February, due in March, on time
    _line(
        "O8",
        1,
        "C2",
        "A",
        "ATL",
        D(2025, 2, 3),
        D(2025, 3, 2),
        D(2025, 2, 27),
        D(2025, 3, 1),
        5,
        5,
        "delivered",
    ),
    # L11: due in February, on time; its order O9 is due in March (L12)
    _line(
        "O9",
        1,
        "C2",
        "B",
        "ATL",
        D(2025, 2, 10),
        D(2025, 2, 25),
        D(2025, 2, 23),
        D(2025, 2, 24),
        2,
        2,
        "delivered",
    ),
    # L12: due 5 March, on time
    _line(
        "O9",
        2,
        "C2",
        "A",
        "ATL",
        D(2025, 2, 10),
        D(2025, 3, 5),
        D(2025, 3, 3),
        D(2025, 3, 4),
        1,
        1,
        "delivered",
    ),
    # L13: ordered 20 March (the latest event date), promised in April: not due by as_of
    _line("O10", 1, "C1", "A", "DAL", D(2025, 3, 20), D(2025, 4, 5), None, None, 7, 0, "open"),
]


def _snapshot(day: date, site: str, sku: str, qty: float) -> dict[str, object]:
    cost = {"A": 5.0, "B": 8.0, "C": 3.0}[sku]
    return {
        "snapshot_date": day,
        "site_id": site,
        "sku": sku,
        "qty_on_hand": qty,
        "unit_cost": cost,
    }


def _snapshots() -> list[dict[str, object]]:
    rows = []
    on_hand = {  # (DAL A, DAL B, ATL A, ATL B, DAL C)
        D(2025, 1, 15): (100, 0, 50, 10, 0),
        D(2025, 1, 31): (80, 0, 0, 20, 0),
        D(2025, 2, 28): (60, 5, 40, 0, 0),
    }
    for day, qty in on_hand.items():
        pairs = [("DAL", "A"), ("DAL", "B"), ("ATL", "A"), ("ATL", "B"), ("DAL", "C")]
        rows += [_snapshot(day, s, k, float(q)) for (s, k), q in zip(pairs, qty, strict=True)]
    return rows


def facts() -> dict[str, pa.Table]:
    return {
        "order_lines": _table(ORDER_LINES),
        "shipments": _table(
            [
                {
                    "shipment_id": "S1",
                    "site_id": "DAL",
                    "carrier_id": "K1",
                    "mode": "truck",
                    "ship_date": D(2025, 1, 8),
                    "delivery_date": D(2025, 1, 9),
                    "units": 10.0,
                    "weight_kg": 500.0,
                    "distance_km": 100.0,
                    "freight_cost": 50.0,
                    "order_id": "O1",
                },
                {
                    "shipment_id": "S2",
                    "site_id": "DAL",
                    "carrier_id": "K2",
                    "mode": "parcel",
                    "ship_date": D(2025, 1, 9),
                    "delivery_date": D(2025, 1, 10),
                    "units": 4.0,
                    "weight_kg": 100.0,
                    "distance_km": 50.0,
                    "freight_cost": 20.0,
                    "order_id": "O1",
                },
                {
                    "shipment_id": "S3",
                    "site_id": "ATL",
                    "carrier_id": "K2",
                    "mode": "parcel",
                    "ship_date": D(2025, 1, 16),
                    "delivery_date": D(2025, 1, 18),
                    "units": 8.0,
                    "weight_kg": 200.0,
                    "distance_km": 300.0,
                    "freight_cost": 40.0,
                    "order_id": "O2",
                },
                {
                    "shipment_id": "S4",
                    "site_id": "DAL",
                    "carrier_id": "K1",
                    "mode": "truck",
                    "ship_date": D(2025, 2, 12),
                    "delivery_date": D(2025, 2, 14),
                    "units": 10.0,
                    "weight_kg": 1000.0,
                    "distance_km": 200.0,
                    "freight_cost": 60.0,
                    "order_id": None,
                },
            ],
            {"order_id": pa.string()},
        ),
        "inventory_snapshots": _table(_snapshots()),
        "purchase_order_lines": _table(
            [
                {
                    "po_id": "P1",
                    "line_no": 1,
                    "supplier_id": "S1",
                    "sku": "A",
                    "site_id": "ATL",
                    "order_date": D(2025, 1, 2),
                    "promised_date": D(2025, 1, 12),
                    "receipt_date": D(2025, 1, 10),
                    "qty_ordered": 100.0,
                    "qty_received": 100.0,
                    "qty_rejected": 2.0,
                    "unit_price": 5.2,
                    "contract_price": 5.0,
                },
                {
                    "po_id": "P1",
                    "line_no": 2,
                    "supplier_id": "S1",
                    "sku": "B",
                    "site_id": "ATL",
                    "order_date": D(2025, 1, 2),
                    "promised_date": D(2025, 1, 15),
                    "receipt_date": D(2025, 1, 20),
                    "qty_ordered": 50.0,
                    "qty_received": 50.0,
                    "qty_rejected": 0.0,
                    "unit_price": 8.0,
                    "contract_price": None,
                },
                {
                    "po_id": "P2",
                    "line_no": 1,
                    "supplier_id": "S2",
                    "sku": "A",
                    "site_id": "DAL",
                    "order_date": D(2025, 1, 5),
                    "promised_date": D(2025, 1, 25),
                    "receipt_date": None,
                    "qty_ordered": 40.0,
                    "qty_received": 0.0,
                    "qty_rejected": None,
                    "unit_price": 5.0,
                    "contract_price": 5.0,
                },
            ],
            {
                "receipt_date": pa.date32(),
                "qty_rejected": pa.float64(),
                "contract_price": pa.float64(),
            },
        ),
        "work_orders": _table(
            [
                {
                    "work_order_id": "W1",
                    "site_id": "ATL",
                    "resource_id": "R1",
                    "sku": "A",
                    "planned_start": T(2025, 1, 5, 8),
                    "actual_start": T(2025, 1, 5, 8),
                    "actual_end": T(2025, 1, 5, 23),
                    "qty_planned": 1000.0,
                    "qty_good": 900.0,
                    "qty_scrap": 100.0,
                    "run_hours": 12.0,
                    "downtime_hours": 3.0,
                    "ideal_units_per_hour": None,
                },
                {
                    "work_order_id": "W2",
                    "site_id": "ATL",
                    "resource_id": "R2",
                    "sku": "B",
                    "planned_start": T(2025, 1, 20, 6),
                    "actual_start": T(2025, 1, 20, 6),
                    "actual_end": T(2025, 1, 20, 12),
                    "qty_planned": 200.0,
                    "qty_good": 190.0,
                    "qty_scrap": 10.0,
                    "run_hours": 5.0,
                    "downtime_hours": 1.0,
                    "ideal_units_per_hour": 40.0,
                },
                {
                    "work_order_id": "W3",
                    "site_id": "ATL",
                    "resource_id": "R1",
                    "sku": "A",
                    "planned_start": T(2025, 1, 30, 6),
                    "actual_start": None,
                    "actual_end": None,
                    "qty_planned": 300.0,
                    "qty_good": 0.0,
                    "qty_scrap": 0.0,
                    "run_hours": 0.0,
                    "downtime_hours": 0.0,
                    "ideal_units_per_hour": None,
                },
                {
                    "work_order_id": "W4",
                    "site_id": "ATL",
                    "resource_id": "R1",
                    "sku": "A",
                    "planned_start": T(2025, 2, 10, 6),
                    "actual_start": T(2025, 2, 10, 6),
                    "actual_end": T(2025, 2, 10, 12),
                    "qty_planned": 500.0,
                    "qty_good": 480.0,
                    "qty_scrap": 20.0,
                    "run_hours": 6.0,
                    "downtime_hours": 0.0,
                    "ideal_units_per_hour": None,
                },
            ],
            {
                "ideal_units_per_hour": pa.float64(),
                "actual_start": pa.timestamp("us"),
                "actual_end": pa.timestamp("us"),
            },
        ),
        "inspections": _table(
            [
                {
                    "inspection_id": "I1",
                    "site_id": "ATL",
                    "sku": "A",
                    "inspected_at": T(2025, 1, 12, 10),
                    "qty_inspected": 200.0,
                    "qty_defective": 6.0,
                },
            ]
        ),
        "labor_hours": _table(
            [
                {
                    "work_date": D(2025, 1, 10),
                    "site_id": "DAL",
                    "department": "warehouse",
                    "headcount": 5.0,
                    "regular_hours": 400.0,
                    "overtime_hours": 40.0,
                    "temp_hours": 60.0,
                    "labor_cost": 9000.0,
                },
                {
                    "work_date": D(2025, 1, 10),
                    "site_id": "ATL",
                    "department": "production",
                    "headcount": 8.0,
                    "regular_hours": 600.0,
                    "overtime_hours": 0.0,
                    "temp_hours": None,
                    "labor_cost": 12000.0,
                },
                {
                    "work_date": D(2025, 2, 10),
                    "site_id": "DAL",
                    "department": "warehouse",
                    "headcount": 5.0,
                    "regular_hours": 300.0,
                    "overtime_hours": 60.0,
                    "temp_hours": 0.0,
                    "labor_cost": 7000.0,
                },
            ],
            {"temp_hours": pa.float64()},
        ),
        "returns": _table(
            [
                {
                    "return_id": "RT1",
                    "order_id": "O5",
                    "sku": "A",
                    "customer_id": "C1",
                    "return_date": D(2025, 2, 5),
                    "qty": 1.0,
                    "reason": "damaged",
                },
            ]
        ),
        "nps_responses": _table(
            [
                {
                    "response_id": "N1",
                    "customer_id": "C1",
                    "response_date": D(2025, 1, 5),
                    "score": 10,
                },
                {
                    "response_id": "N2",
                    "customer_id": "C1",
                    "response_date": D(2025, 1, 6),
                    "score": 9,
                },
                {
                    "response_id": "N3",
                    "customer_id": "C2",
                    "response_date": D(2025, 1, 7),
                    "score": 9,
                },
                {
                    "response_id": "N4",
                    "customer_id": "C2",
                    "response_date": D(2025, 1, 8),
                    "score": 7,
                },
                {
                    "response_id": "N5",
                    "customer_id": None,
                    "response_date": D(2025, 1, 9),
                    "score": 3,
                },
            ],
            {"customer_id": pa.string()},
        ),
        "tickets": _table(
            [
                {
                    "ticket_id": "T1",
                    "opened_at": T(2025, 1, 5, 9),
                    "first_response_at": T(2025, 1, 5, 10),
                    "resolved_at": T(2025, 1, 5, 17),
                    "priority": "high",
                    "sla_hours": 24.0,
                    "escalated": False,
                    "category": "billing",
                },
                {
                    "ticket_id": "T2",
                    "opened_at": T(2025, 1, 10, 9),
                    "first_response_at": T(2025, 1, 10, 12),
                    "resolved_at": T(2025, 1, 12, 9),
                    "priority": "high",
                    "sla_hours": 24.0,
                    "escalated": True,
                    "category": "delivery",
                },
                {
                    "ticket_id": "T3",
                    "opened_at": T(2025, 1, 20, 10),
                    "first_response_at": None,
                    "resolved_at": None,
                    "priority": "low",
                    "sla_hours": 48.0,
                    "escalated": False,
                    "category": "delivery",
                },
                {
                    "ticket_id": "T4",
                    "opened_at": T(2025, 1, 30, 10),
                    "first_response_at": T(2025, 1, 30, 11),
                    "resolved_at": T(2025, 1, 31, 10),
                    "priority": "low",
                    "sla_hours": 24.0,
                    "escalated": False,
                    "category": "billing",
                },
            ],
            {"first_response_at": pa.timestamp("us"), "resolved_at": pa.timestamp("us")},
        ),
        "incidents": _table(
            [
                {
                    "incident_id": "X1",
                    "site_id": "DAL",
                    "incident_date": D(2025, 1, 14),
                    "type": "injury",
                    "recordable": True,
                    "lost_days": 2.0,
                    "restricted_days": 0.0,
                },
                {
                    "incident_id": "X2",
                    "site_id": "ATL",
                    "incident_date": D(2025, 1, 22),
                    "type": "injury",
                    "recordable": True,
                    "lost_days": 0.0,
                    "restricted_days": 3.0,
                },
                {
                    "incident_id": "X3",
                    "site_id": "ATL",
                    "incident_date": D(2025, 1, 23),
                    "type": "near_miss",
                    "recordable": False,
                    "lost_days": 0.0,
                    "restricted_days": 0.0,
                },
            ]
        ),
        "energy": _table(
            [
                {"period": "2025-01", "site_id": "ATL", "source": "electricity", "kwh": 5000.0},
                {"period": "2025-01", "site_id": "DAL", "source": "electricity", "kwh": 1000.0},
            ]
        ),
        "waste": _table(
            [
                {
                    "period": "2025-01",
                    "site_id": "ATL",
                    "stream": "metal",
                    "kg": 1000.0,
                    "diverted_kg": 700.0,
                },
                {
                    "period": "2025-01",
                    "site_id": "DAL",
                    "stream": "cardboard",
                    "kg": 200.0,
                    "diverted_kg": 50.0,
                },
            ]
        ),
    }


def company_tables() -> dict[str, pa.Table]:
    return {**reference(), **facts()}
