"""The hand-made company of tests/review/company.py, loaded once for the package, and
its November 2025 briefing, assembled once (the renderers and checks reuse it)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from obeya.ingest import load_arrow
from obeya.review import Briefing, assemble_briefing
from obeya.warehouse import Warehouse
from tests.review.company import company_tables

NOW = datetime(2025, 12, 1, 9, 0)


@pytest.fixture(scope="package")
def company_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The company in a DuckDB file (the CLI and the alerts open it by path)."""
    path = tmp_path_factory.mktemp("company") / "company.duckdb"
    with Warehouse.open(str(path)) as wh:
        load_arrow(wh, company_tables(), label="company")
    return path


@pytest.fixture(scope="package")
def company(company_path: Path) -> Iterator[Warehouse]:
    wh = Warehouse.open(str(company_path), read_only=True)
    yield wh
    wh.close()


@pytest.fixture(scope="package")
def briefing(company: Warehouse) -> Briefing:
    return assemble_briefing(company, "2025-11", now=NOW)
