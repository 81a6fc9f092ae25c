"""A small, valid company in the model's shape, as CSV text, for the load tests."""

from __future__ import annotations

import csv
import io
from pathlib import Path

# table -> header + rows, as a person would type them in a spreadsheet
VALID: dict[str, list[list[str]]] = {
    "sites": [
        ["site_id", "name", "type", "country", "region", "lat", "lon"],
        ["DAL", "Dallas DC", "dc", "US", "Americas", "32.78", "-96.80"],
        ["LYO", "Lyon plant", "plant", "FR", "EMEA", "45.76", "4.84"],
    ],
    "products": [
        ["sku", "description", "family", "unit_cost", "unit_price", "lifecycle"],
        ["A1", "Widget", "widgets", "2.5", "4", "active"],
        ["B2", "Gadget", "gadgets", "3", "5.5", "new"],
    ],
    "customers": [
        ["customer_id", "name", "segment", "country"],
        ["C1", "Acme", "key", "US"],
        ["C2", "Bolt", "smb", "FR"],
    ],
    "carriers": [
        ["carrier_id", "name", "mode"],
        ["RC", "RoadCo", "truck"],
    ],
    "order_lines": [
        [
            "order_id",
            "line_no",
            "customer_id",
            "sku",
            "site_id",
            "order_date",
            "promised_date",
            "ship_date",
            "delivery_date",
            "qty_ordered",
            "qty_shipped",
            "unit_price",
            "unit_cost",
            "status",
        ],
        [
            "O1",
            "1",
            "C1",
            "A1",
            "DAL",
            "2025-01-02",
            "2025-01-10",
            "2025-01-05",
            "2025-01-08",
            "10",
            "10",
            "4",
            "2.5",
            "delivered",
        ],
        [
            "O1",
            "2",
            "C1",
            "B2",
            "DAL",
            "2025-01-02",
            "2025-01-10",
            "",
            "",
            "5",
            "0",
            "5.5",
            "3",
            "open",
        ],
        [
            "O2",
            "1",
            "C2",
            "A1",
            "LYO",
            "2025-01-03",
            "2025-01-12",
            "2025-01-04",
            "",
            "8",
            "6",
            "4",
            "2.5",
            "shipped",
        ],
        [
            "O3",
            "1",
            "C2",
            "B2",
            "LYO",
            "2025-01-03",
            "2025-01-12",
            "",
            "",
            "4",
            "0",
            "5.5",
            "3",
            "cancelled",
        ],
    ],
    "shipments": [
        [
            "shipment_id",
            "site_id",
            "carrier_id",
            "mode",
            "ship_date",
            "delivery_date",
            "units",
            "weight_kg",
            "distance_km",
            "freight_cost",
            "order_id",
        ],
        ["S1", "DAL", "RC", "truck", "2025-01-05", "2025-01-08", "10", "12.5", "300", "80", "O1"],
    ],
    "nps_responses": [
        ["response_id", "customer_id", "response_date", "score"],
        ["R1", "C1", "2025-01-20", "9"],
        ["R2", "", "2025-01-21", "3"],
    ],
    "tickets": [
        [
            "ticket_id",
            "opened_at",
            "first_response_at",
            "resolved_at",
            "priority",
            "sla_hours",
            "escalated",
        ],
        [
            "T1",
            "2025-01-05T08:00:00",
            "2025-01-05T09:00:00",
            "2025-01-06T08:00:00",
            "high",
            "24",
            "false",
        ],
    ],
    "gl_actuals": [
        ["period", "site_id", "account", "amount"],
        ["2025-01", "DAL", "4000", "1000"],
    ],
    "accounts": [
        ["account", "name", "pl_line"],
        ["4000", "Sales", "revenue"],
    ],
}


def write_company(folder: Path, tables: dict[str, list[list[str]]] | None = None) -> Path:
    """Write the tables as CSV files named after them; return the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in (tables or VALID).items():
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows)
        (folder / f"{name}.csv").write_text(buf.getvalue())
    return folder


def with_cell(table: str, row: int, column: str, value: str) -> dict[str, list[list[str]]]:
    """A copy of VALID with one cell changed; ``row`` is the user's row (header = 1)."""
    tables = {k: [list(r) for r in v] for k, v in VALID.items()}
    header = tables[table][0]
    tables[table][row - 1][header.index(column)] = value
    return tables
