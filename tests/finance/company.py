"""Small hand-made companies for the finance command tests, loaded like real data.

``build(path, facts)`` loads the reference tables below plus the given fact rows
with :func:`obeya.ingest.load_arrow` (every integrity rule applies) into a DuckDB
file and returns its path. Rows are plain dicts, dates as ``YYYY-MM-DD`` text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa

from obeya.ingest import load_arrow
from obeya.warehouse import Warehouse

Row = dict[str, Any]

REFERENCE: dict[str, list[Row]] = {
    "sites": [
        {"site_id": "S1", "name": "Plant One", "type": "plant", "country": "DE"},
        {"site_id": "S2", "name": "DC Two", "type": "dc", "country": "NL"},
    ],
    "products": [
        {
            "sku": "A1",
            "description": "Kettle",
            "family": "F1",
            "unit_cost": 6.0,
            "unit_price": 10.0,
        },
        {
            "sku": "B1",
            "description": "Toaster",
            "family": "F2",
            "unit_cost": 3.0,
            "unit_price": 5.0,
        },
    ],
    "customers": [
        {"customer_id": "C1", "name": "Acme", "channel": "retail", "payment_terms_days": 30.0},
        {"customer_id": "C2", "name": "Bolt", "channel": "online", "payment_terms_days": 60.0},
        {"customer_id": "C3", "name": "Cray", "channel": None, "payment_terms_days": None},
    ],
    "carriers": [{"carrier_id": "K1", "name": "RoadCo", "mode": "truck"}],
    "accounts": [
        {"account": "4000", "name": "Sales", "pl_line": "revenue"},
        {"account": "5000", "name": "Material", "pl_line": "cogs_material"},
        {"account": "5100", "name": "Direct labour", "pl_line": "cogs_labor"},
        {"account": "5200", "name": "Overhead", "pl_line": "cogs_overhead"},
        {"account": "6000", "name": "Freight", "pl_line": "freight"},
        {"account": "6100", "name": "Warehousing", "pl_line": "warehousing"},
        {"account": "7000", "name": "SG&A", "pl_line": "sga"},
        {"account": "8000", "name": "Other", "pl_line": "other"},
    ],
}
ACCOUNT_OF = {
    "revenue": "4000",
    "cogs_material": "5000",
    "cogs_labor": "5100",
    "cogs_overhead": "5200",
    "freight": "6000",
    "warehousing": "6100",
    "sga": "7000",
    "other": "8000",
}


def order_line(
    order_id: str,
    line_no: int,
    customer: str,
    sku: str,
    site: str,
    ship: str,
    qty: float,
    price: float,
    cost: float,
) -> Row:
    """A shipped order line (ordered, promised and shipped on ``ship``)."""
    return {
        "order_id": order_id,
        "line_no": line_no,
        "customer_id": customer,
        "sku": sku,
        "site_id": site,
        "order_date": ship,
        "promised_date": ship,
        "ship_date": ship,
        "delivery_date": None,
        "qty_ordered": qty,
        "qty_shipped": qty,
        "unit_price": price,
        "unit_cost": cost,
        "status": "shipped",
    }


def ledger(period: str, site: str, lines: Mapping[str, float]) -> list[Row]:
    """gl_actuals or budget rows: one per P&L line with a non-zero amount."""
    return [
        {"period": period, "site_id": site, "account": ACCOUNT_OF[line], "amount": amount}
        for line, amount in lines.items()
        if amount
    ]


def build(path: Path | str, facts: Mapping[str, Iterable[Row]]) -> str:
    """Load the company into the DuckDB file or PostgreSQL URL ``path``."""
    tables = {name: pa.Table.from_pylist(rows) for name, rows in REFERENCE.items()}
    tables |= {name: pa.Table.from_pylist(list(rows)) for name, rows in facts.items()}
    with Warehouse.open(str(path)) as wh:
        load_arrow(wh, tables, label="finance-test")
    return str(path)
