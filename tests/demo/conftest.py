"""A small demo company shared by the demo tests (generated once per session)."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest

from obeya.demo import DemoConfig, generate
from obeya.model import TABLES, TableKind
from tests.demo.integrity import register

# 20,000 order lines in chunks of about 8,000, so the chunked path is exercised too.
SMALL = DemoConfig(order_lines=20_000, chunk_lines=8_000)
# Enough order lines that demand shapes (trend, promotions) stand clear of the noise.
DEMAND = DemoConfig(order_lines=200_000)


@pytest.fixture(scope="session")
def small_chunks() -> list[tuple[str, pa.Table]]:
    """The (table, chunk) pairs of the small company, in the order generated."""
    return list(generate(SMALL))


@pytest.fixture(scope="session")
def small_company(small_chunks: list[tuple[str, pa.Table]]) -> dict[str, list[pa.Table]]:
    out: dict[str, list[pa.Table]] = {}
    for name, table in small_chunks:
        out.setdefault(name, []).append(table)
    return out


@pytest.fixture(scope="session")
def small_db(small_company: dict[str, list[pa.Table]]) -> duckdb.DuckDBPyConnection:
    """DuckDB with every table of the small company registered under its name."""
    return register(small_company)


@pytest.fixture(scope="session")
def demand_db() -> duckdb.DuckDBPyConnection:
    """The reference tables and order lines of a 200,000-line company (nothing after)."""
    tables: dict[str, list[pa.Table]] = {}
    for name, table in generate(DEMAND):
        if TABLES[name].kind is TableKind.FACT and name != "order_lines":
            break
        tables.setdefault(name, []).append(table)
    return register(tables)
