"""A small company in a warehouse for the series and run tests."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pyarrow as pa

from obeya.ingest import load_arrow
from obeya.warehouse import Warehouse

REFERENCE = {
    "sites": pa.table(
        {
            "site_id": ["DAL", "LYO"],
            "name": ["Dallas DC", "Lyon plant"],
            "type": ["dc", "plant"],
            "country": ["US", "FR"],
        }
    ),
    "products": pa.table(
        {
            "sku": ["A1", "B2", "C3"],
            "description": ["Widget", "Gadget", "Gizmo"],
            "family": ["widgets", "gadgets", "widgets"],
            "unit_cost": [2.5, 3.0, 1.0],
            "unit_price": [4.0, 5.5, 2.0],
        }
    ),
    "customers": pa.table({"customer_id": ["C1"], "name": ["Acme"]}),
}


def order_lines(rows: list[tuple[str, str, date, date | None, float, str]]) -> pa.Table:
    """Order lines from (sku, site, order_date, requested_date, qty, status)."""
    n = len(rows)
    return pa.table(
        {
            "order_id": [f"O{i}" for i in range(n)],
            "line_no": pa.array([1] * n, pa.int64()),
            "customer_id": ["C1"] * n,
            "sku": [r[0] for r in rows],
            "site_id": [r[1] for r in rows],
            "order_date": pa.array([r[2] for r in rows], pa.date32()),
            "requested_date": pa.array([r[3] for r in rows], pa.date32()),
            "promised_date": pa.array([r[2] + timedelta(days=7) for r in rows], pa.date32()),
            "ship_date": pa.array([None] * n, pa.date32()),
            "delivery_date": pa.array([None] * n, pa.date32()),
            "qty_ordered": [r[4] for r in rows],
            "qty_shipped": [0.0] * n,
            "unit_price": [4.0] * n,
            "unit_cost": [2.5] * n,
            "status": [r[5] for r in rows],
        }
    )


# Hand-placed lines (dates are Thursdays etc.; weeks start on Monday):
HAND_LINES = [
    ("A1", "DAL", date(2025, 1, 2), None, 10.0, "open"),  # week of 2024-12-30
    ("A1", "DAL", date(2025, 1, 2), date(2025, 1, 14), 5.0, "open"),  # wanted in week 2025-01-13
    (
        "A1",
        "DAL",
        date(2025, 1, 8),
        date(2025, 1, 3),
        7.0,
        "open",
    ),  # asked before ordering: 01-08, week 01-06
    ("B2", "LYO", date(2025, 1, 15), None, 4.0, "cancelled"),  # week 01-13, expressed demand
    (
        "A1",
        "DAL",
        date(2025, 1, 20),
        date(2025, 1, 28),
        2.0,
        "open",
    ),  # wanted after the last full week
    ("B2", "LYO", date(2025, 1, 27), None, 3.0, "open"),  # the latest order: as_of = 2025-01-27
]


def load_hand(wh: Warehouse) -> None:
    load_arrow(wh, {**REFERENCE, "order_lines": order_lines(HAND_LINES)}, label="hand")


def load_history(wh: Warehouse, weeks: int = 60, seed: int = 3) -> None:
    """Weekly demand for A1@DAL (seasonal-ish), B2@LYO (steady), C3@DAL (intermittent)."""
    rng = np.random.default_rng(seed)
    first = date(2024, 1, 1)
    rows = []
    for w in range(weeks):
        monday = first + timedelta(weeks=w)
        rows.append(
            (
                "A1",
                "DAL",
                monday + timedelta(days=1),
                None,
                float(20 + 8 * np.sin(w / 4) + rng.integers(0, 5)),
                "open",
            )
        )
        rows.append(("B2", "LYO", monday + timedelta(days=2), None, float(rng.poisson(12)), "open"))
        if w % 3 == 0:
            rows.append(
                ("C3", "DAL", monday + timedelta(days=3), None, float(rng.integers(1, 6)), "open")
            )
    load_arrow(wh, {**REFERENCE, "order_lines": order_lines(rows)}, label="history")
