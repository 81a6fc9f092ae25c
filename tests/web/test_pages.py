"""Pages render from the same view models as their JSON twins, and say plainly when
their data is absent."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from obeya.warehouse import Warehouse
from obeya.web import Role, Settings, create_app
from tests.web.conftest import Site, make_site

NAV = [
    "/scorecard",
    "/kpis",
    "/kpis/otd",
    "/forecast",
    "/plans",
    "/scenarios",
    "/pnl",
    "/spc",
    "/briefings",
    "/loads",
    "/account",
]


@pytest.mark.parametrize("path", NAV)
def test_every_page_renders_for_a_viewer(site: Site, path: str) -> None:
    response = site.client("vic").get(path)
    assert response.status_code == 200
    assert "<h1>" in response.text


def test_navigation_follows_the_role(site: Site) -> None:
    viewer = site.client("vic").get("/scorecard").text
    admin = site.client("ada").get("/scorecard").text
    assert 'href="/sql"' not in viewer
    assert 'href="/users"' not in viewer
    assert 'href="/sql"' in admin
    assert 'href="/users"' in admin


def test_scorecard_page_shows_the_api_figures(site: Site) -> None:
    api = site.api("vic").get("/api/v1/scorecard", params={"period": "2025-01"}).json()
    page = site.client("vic").get("/scorecard", params={"period": "2025-01", "by": ""}).text
    for row in api["rows"]:
        cells = re.search(rf'<tr data-kpi="{row["kpi"]}">(.*?)</tr>', page, re.S)
        assert cells is not None, row["kpi"]
        assert f">{row['display']}<" in cells[1]
        assert f">{row['target_display']}<" in cells[1]


def test_drill_page_lists_the_rows(site: Site) -> None:
    page = (
        site.client("vic")
        .get("/kpis/otd/rows", params={"period": "2025-01", "by": "site", "member": "ATL"})
        .text
    )
    assert "2 of 2 rows" in page
    assert page.count("<td>O2</td>") == 1
    assert page.count("<td>O3</td>") == 1


def test_absent_data_is_said_plainly(site: Site) -> None:
    client = site.client("vic")
    assert "no forecast run yet: run `obeya forecast run`" in client.get("/forecast").text
    assert "no P&amp;L: gl_actuals is empty" in client.get("/pnl").text
    assert "No briefing in the archive" in client.get("/briefings").text


def test_an_empty_warehouse_scorecard_says_so(tmp_path: Path) -> None:
    path = tmp_path / "empty.duckdb"
    Warehouse.open(str(path)).close()
    app = create_app(Settings.build(warehouse=str(path), prewarm=False))
    app.state.obeya.auth.add_user("vic", Role.VIEWER, "viewer-password-1")
    from fastapi.testclient import TestClient

    token = app.state.obeya.auth.new_token("vic")
    body = (
        TestClient(app)
        .get("/api/v1/scorecard", headers={"Authorization": f"Bearer {token}"})
        .json()
    )
    assert body["rows"] == []
    assert body["note"].startswith("no KPI data yet")


def test_prewarm_computes_the_default_scorecard(tmp_path: Path, company_file: Path) -> None:
    own = make_site(tmp_path, company_file, prewarm=True)
    state = own.app.state.obeya
    thread = state.warm()
    assert thread is not None
    thread.join(timeout=120)
    from obeya.metrics import Grain

    found, view = state.cache.peek(
        ("scorecard", None, Grain.MONTH, None, state.gate.data_version())
    )
    assert found
    assert view.period == "2025-03"


def test_static_assets_are_served_by_the_app(site: Site) -> None:
    client = site.client()
    css = client.get("/static/obeya.css")
    assert css.headers["content-type"].startswith("text/css")
    vega = site.client("vic").get("/static/vega.js")
    assert "vegaEmbed" in vega.text
    assert client.get("/static/../app.py").status_code == 404
