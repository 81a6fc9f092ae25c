"""Fixtures of the web tests: the hand-made company in a warehouse file, an app over
it with one user per role, and clients signed in as each of them.

The company is ``tests/metrics/company.py`` (its KPI values are worked out by hand
in ``tests/metrics``); it is loaded once per test session into a DuckDB file, and
each test module gets its own copy and its own user store.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from obeya.ingest import load_arrow
from obeya.warehouse import Warehouse
from obeya.web import Role, Settings, create_app
from tests.metrics.company import company_tables

PASSWORDS = {
    "ada": "admin-password-1",
    "ann": "analyst-password-1",
    "vic": "viewer-password-1",
}
ROLES = {"ada": Role.ADMIN, "ann": Role.ANALYST, "vic": Role.VIEWER}
USER_OF = {role: name for name, role in ROLES.items()}


@pytest.fixture(scope="session")
def company_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hand-made company in a DuckDB file (built once, copied by each module)."""
    path = tmp_path_factory.mktemp("company") / "company.duckdb"
    with Warehouse.open(str(path)) as wh:
        load_arrow(wh, company_tables(), label="company")
    return path


@dataclass
class Site:
    """One app over its own copy of the company, with a token per user."""

    app: FastAPI
    folder: Path
    warehouse: Path
    tokens: dict[str, str]

    def client(self, user: str | None = None, *, https: bool = False) -> TestClient:
        base = "https://testserver" if https else "http://testserver"
        client = TestClient(self.app, base_url=base, follow_redirects=False)
        if user is not None:
            login(client, user, PASSWORDS[user])
        return client

    def api(self, user: str) -> TestClient:
        return TestClient(
            self.app,
            headers={"Authorization": f"Bearer {self.tokens[user]}"},
            follow_redirects=False,
        )


def make_site(folder: Path, company_file: Path, **settings: object) -> Site:
    folder.mkdir(parents=True, exist_ok=True)
    warehouse = folder / "warehouse.duckdb"
    shutil.copy(company_file, warehouse)
    # no background warm-up unless a test asks for it: it would compete for the CPU
    settings.setdefault("prewarm", False)
    app = create_app(Settings.build(warehouse=str(warehouse), **settings))
    auth = app.state.obeya.auth
    tokens = {}
    for name, role in ROLES.items():
        auth.add_user(name, role, PASSWORDS[name])
        tokens[name] = auth.new_token(name, "tests")
    return Site(app, folder, warehouse, tokens)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, company_file: Path) -> Site:
    return make_site(tmp_path_factory.mktemp("site"), company_file)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None, "the page has no CSRF field"
    return found[1]


def login(client: TestClient, user: str, password: str) -> None:
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"username": user, "password": password, "csrf_token": csrf_of(page.text)},
    )
    assert response.status_code == 303, response.text


@pytest.fixture
def admin(site: Site) -> Iterator[TestClient]:
    with site.api("ada") as client:
        yield client


ORDER_LINES_HEADER = (
    "order_id,line_no,customer_id,sku,site_id,order_date,promised_date,ship_date,"
    "delivery_date,qty_ordered,qty_shipped,unit_price,unit_cost,status\n"
)


def order_lines_csv(qty: list[int], prefix: str) -> bytes:
    """Open order lines PREFIX1, PREFIX2, ... of SKU A at DAL, one per quantity.

    The header is row 1, so the line of ``qty[i]`` is row ``i + 2`` of the file.
    """
    rows = [
        f"{prefix}{i},1,C1,A,DAL,2025-02-01,2025-02-10,,,{q},0,10,5,open\n"
        for i, q in enumerate(qty, start=1)
    ]
    return (ORDER_LINES_HEADER + "".join(rows)).encode()


def count_rows(site: Site, sql: str) -> int:
    """The first value of ``sql`` (a count) on the site's warehouse, read-only."""
    with Warehouse.open(str(site.warehouse), read_only=True) as wh:
        return int(wh.sql_arrow(sql).column(0)[0].as_py())
