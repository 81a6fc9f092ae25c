"""Running the CLI in-process, writing CSV files and small warehouses for the quality tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa

from obeya.ingest import load_arrow
from obeya.warehouse import Warehouse


def write_csv(path: Path, columns: Mapping[str, Sequence[object]]) -> Path:
    pd.DataFrame(dict(columns)).to_csv(path, index=False)
    return path


def table(
    rows: Sequence[Mapping[str, object]], types: Mapping[str, pa.DataType] | None = None
) -> pa.Table:
    """An Arrow table from rows (all rows have the same keys)."""
    names = list(rows[0])
    kinds = types or {}
    return pa.table({c: pa.array([r[c] for r in rows], type=kinds.get(c)) for c in names})


def reference() -> dict[str, pa.Table]:
    """Two sites, two products (unit costs 5 and 8), two suppliers, one customer."""
    return {
        "sites": table(
            [
                {"site_id": "P1", "name": "Plant one", "type": "plant", "country": "DE"},
                {"site_id": "P2", "name": "Plant two", "type": "plant", "country": "PL"},
            ]
        ),
        "products": table(
            [
                {
                    "sku": "A",
                    "description": "kettle",
                    "family": "K",
                    "unit_cost": 5.0,
                    "unit_price": 9.0,
                },
                {
                    "sku": "B",
                    "description": "toaster",
                    "family": "T",
                    "unit_cost": 8.0,
                    "unit_price": 15.0,
                },
            ]
        ),
        "suppliers": table(
            [
                {"supplier_id": "S1", "name": "Steel Co", "country": "DE"},
                {"supplier_id": "S2", "name": "Label Co", "country": "PL"},
            ]
        ),
        "customers": table([{"customer_id": "C1", "name": "Retailer"}]),
    }


def warehouse(path: Path, tables: Mapping[str, pa.Table]) -> str:
    """A DuckDB warehouse file at ``path`` holding the reference tables and ``tables``."""
    with Warehouse.open(str(path)) as wh:
        load_arrow(wh, reference() | dict(tables), label="t")
    return str(path)


T = datetime
