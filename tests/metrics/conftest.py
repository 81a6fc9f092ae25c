"""The hand-made company loaded into DuckDB and into PostgreSQL.

The company is read-only in the tests, so it is loaded once per test module and
backend: into an in-memory DuckDB, and into a database of its own on the session's
PostgreSQL server (created and dropped here, as ``pg_url`` does for one test).
Tests that load data of their own use ``pg_url``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest

from obeya.ingest import load_arrow
from obeya.metrics import Catalog, load_catalog
from obeya.warehouse import Warehouse
from tests.metrics.company import company_tables

BACKENDS = ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]


def open_backend(request: pytest.FixtureRequest, backend: str) -> Warehouse:
    """A fresh, empty warehouse of one backend for one test."""
    if backend == "duckdb":
        return Warehouse.open(":memory:")
    return Warehouse.open(request.getfixturevalue("pg_url"))


@pytest.fixture(scope="module", params=BACKENDS)
def company(request: pytest.FixtureRequest) -> Iterator[Warehouse]:
    """The company of tests/metrics/company.py, once per module and backend."""
    if request.param == "duckdb":
        wh = Warehouse.open(":memory:")
        load_arrow(wh, company_tables(), label="company")
        yield wh
        wh.close()
        return
    server: str = request.getfixturevalue("pg_server_url")
    name = "company_" + uuid.uuid4().hex[:12]
    admin = server.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    wh = Warehouse.open(server.rsplit("/", 1)[0] + "/" + name)
    try:
        load_arrow(wh, company_tables(), label="company")
        yield wh
    finally:
        wh.close()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()
