"""Planner overrides from the war room: the forecast page's form and
``/api/v1/forecasts/{run_id}/overrides``, on a stored run made by hand.

The run (weekly, two weeks from Monday 2026-03-02) forecasts, per SKU x site:

    A at DAL: 120 (2026-03-02), 80 (2026-03-09)
    B at ATL:  50 (2026-03-02), 40 (2026-03-09)

so every figure after an override is worked out below from these four numbers.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pytest
from fastapi.testclient import TestClient

from obeya.demand.overrides import OverrideKind, OverridesRefused, validate_overrides
from obeya.demand.series import Grain
from obeya.demand.store import store_run
from obeya.demand.stored import stored_forecast
from obeya.ingest import load_arrow
from obeya.warehouse import Warehouse
from tests.metrics.company import company_tables
from tests.web.conftest import Site, csrf_of, make_site

RUN = "abc123def456"
MON1, MON2 = date(2026, 3, 2), date(2026, 3, 9)
FORECAST = {("A", "DAL", MON1): 120.0, ("A", "DAL", MON2): 80.0}
FORECAST |= {("B", "ATL", MON1): 50.0, ("B", "ATL", MON2): 40.0}


def _run_tables() -> dict[str, pa.Table]:
    keys = list(FORECAST)
    value = pa.array(list(FORECAST.values()), pa.float64())
    forecasts = pa.table(
        {
            "sku": [k[0] for k in keys],
            "site_id": [k[1] for k in keys],
            "period_start": pa.array([k[2] for k in keys], pa.date32()),
            "model": ["ets"] * 4,
            "demand_class": ["smooth"] * 4,
            "forecast": value,
            "lo80": value,
            "hi80": value,
            "lo95": value,
            "hi95": value,
            "adjusted": value,
        }
    )
    backtests = pa.table(
        {
            "sku": pa.array([], pa.string()),
            "site_id": pa.array([], pa.string()),
            "cutoff": pa.array([], pa.date32()),
            "period_start": pa.array([], pa.date32()),
            "model": pa.array([], pa.string()),
            "actual": pa.array([], pa.float64()),
            "forecast": pa.array([], pa.float64()),
        }
    )
    overrides = pa.table(
        {
            "sku": pa.array([], pa.string()),
            "site_id": pa.array([], pa.string()),
            "period_start": pa.array([], pa.date32()),
            "kind": pa.array([], pa.string()),
            "amount": pa.array([], pa.float64()),
            "before": pa.array([], pa.float64()),
            "after": pa.array([], pa.float64()),
            "who": pa.array([], pa.string()),
            "why": pa.array([], pa.string()),
            "source": pa.array([], pa.string()),
        }
    )
    return {"forecasts": forecasts, "backtests": backtests, "overrides": overrides}


@pytest.fixture(scope="module")
def with_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hand-made company with the hand-made run stored (copied by each test)."""
    path = tmp_path_factory.mktemp("overrides") / "company.duckdb"
    with Warehouse.open(str(path)) as wh:
        load_arrow(wh, company_tables(), label="company")
        store_run(
            wh,
            run_id=RUN,
            created_at=datetime(2026, 2, 28, 9, 0),
            grain="week",
            horizon=2,
            params={},
            as_of=date(2026, 2, 28),
            **_run_tables(),
        )
    return path


@pytest.fixture(scope="module")
def one_site(tmp_path_factory: pytest.TempPathFactory, with_run: Path) -> Site:
    return make_site(tmp_path_factory.mktemp("site"), with_run)


@pytest.fixture
def site(one_site: Site, with_run: Path) -> Site:
    """The module's app over a fresh copy of the run (the app opens the file per request)."""
    shutil.copy(with_run, one_site.warehouse)
    one_site.app.state.obeya.cache.clear()
    return one_site


def _adjusted(site: Site) -> dict[tuple[str, str, date], float]:
    with Warehouse.open(str(site.warehouse), read_only=True) as wh:
        rows = wh.sql_arrow(
            "SELECT sku, site_id, period_start, adjusted FROM forecasts WHERE run_id = ?", [RUN]
        ).to_pylist()
    return {(r["sku"], r["site_id"], r["period_start"]): r["adjusted"] for r in rows}


def _stored_overrides(site: Site) -> list[dict[str, object]]:
    with Warehouse.open(str(site.warehouse), read_only=True) as wh:
        rows: list[dict[str, object]] = wh.sql_arrow(
            "SELECT sku, site_id, period_start, kind, amount, before, after, who, why, source "
            "FROM forecast_overrides WHERE run_id = ?",
            [RUN],
        ).to_pylist()
    return rows


def _audit(site: Site) -> list[dict[str, str]]:
    """The audit log, newest first."""
    entries: list[dict[str, str]] = site.api("ada").get("/api/v1/audit").json()
    return entries


def _actions_since(site: Site, entries: list[dict[str, str]]) -> list[str]:
    """The actions audited after ``entries`` (an earlier read of the log), newest first."""
    last = max((int(e["entry_id"]) for e in entries), default=0)
    return [e["action"] for e in _audit(site) if int(e["entry_id"]) > last]


def _form(client: TestClient, **fields: str) -> dict[str, str]:
    """The override form's fields; the CSRF token is the session's, read from a light page."""
    page = client.get("/account")
    assert page.status_code == 200
    return {"csrf_token": csrf_of(page.text), "run": RUN, **fields}


OVERRIDE = "/api/v1/forecasts/" + RUN + "/overrides"


def test_api_percent_override_applies_and_is_audited(site: Site) -> None:
    before = _audit(site)
    response = site.api("ann").post(
        OVERRIDE,
        json={
            "sku": "A",
            "site_id": "DAL",
            "period": "2026-03-02",
            "kind": "percent",
            "amount": 10,
            "why": "promotion agreed with Acme",
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    # 120 * (1 + 10 / 100) = 132
    assert (body["before"], body["after"], body["who"]) == (120.0, pytest.approx(132.0), "ann")
    # the source of a web override is web:<the UTC time it was entered>, given as "at"
    entered = datetime.fromisoformat(body["at"])
    assert entered.utcoffset() is not None
    assert body["source"] == "web:" + entered.replace(tzinfo=None).isoformat(
        timespec="microseconds"
    )
    assert _adjusted(site)[("A", "DAL", MON1)] == pytest.approx(132.0)
    # the other three figures are untouched
    assert _adjusted(site)[("A", "DAL", MON2)] == 80.0
    assert _adjusted(site)[("B", "ATL", MON1)] == 50.0
    stored = _stored_overrides(site)
    assert len(stored) == 1
    assert stored[0]["kind"] == OverrideKind.PERCENT.value
    assert (stored[0]["amount"], stored[0]["who"]) == (10.0, "ann")
    assert stored[0]["why"] == "promotion agreed with Acme"
    # the run's totals re-sum the figure to plan with: week 1 = 132 + 50 = 182, while
    # the statistical total stays 120 + 50 = 170
    totals = site.api("vic").get("/api/v1/forecasts", params={"run": RUN}).json()["totals"]
    week1 = dict(zip(totals["columns"], totals["rows"][0], strict=True))
    assert week1["forecast"] == pytest.approx(182.0)
    assert week1["statistical"] == 170.0
    # and every reader of stored runs plans with it
    with Warehouse.open(str(site.warehouse), read_only=True) as wh:
        planned = stored_forecast(wh, RUN).to_pyarrow().to_pylist()
    assert planned[0]["forecast"] == pytest.approx(132.0)
    assert planned[0]["statistical"] == 120.0
    assert _actions_since(site, before) == ["override"]
    entry = _audit(site)[0]
    assert (entry["action"], entry["user"], entry["target"]) == ("override", "ann", RUN)
    assert "A at DAL for 2026-03-02: percent +10 %, 120 -> 132" in entry["detail"]
    assert entry["at"]
    listed = site.api("vic").get(OVERRIDE).json()
    assert [(o["sku"], o["after"], o["who"]) for o in listed] == [
        ("A", pytest.approx(132.0), "ann")
    ]


def test_a_second_override_applies_to_the_figure_in_force(site: Site) -> None:
    api = site.api("ann")
    before = _audit(site)
    key = {"sku": "A", "site_id": "DAL", "period": "2026-03-09"}
    first = api.post(OVERRIDE, json={**key, "kind": "percent", "amount": 25, "why": "launch"})
    second = api.post(OVERRIDE, json={**key, "kind": "percent", "amount": -50, "why": "recall"})
    # 80 * 1.25 = 100, then 100 * (1 - 50 / 100) = 50
    assert (first.json()["before"], first.json()["after"]) == (80.0, 100.0)
    assert (second.json()["before"], second.json()["after"]) == (100.0, 50.0)
    third = api.post(OVERRIDE, json={**key, "kind": "value", "amount": 70, "why": "agreed"})
    assert (third.json()["before"], third.json()["after"]) == (50.0, 70.0)
    assert _adjusted(site)[("A", "DAL", MON2)] == 70.0
    listed = site.api("vic").get(OVERRIDE).json()
    # newest first
    assert [o["why"] for o in listed] == ["agreed", "recall", "launch"]
    assert _actions_since(site, before) == ["override"] * 3


def test_form_override_redirects_and_lists_it(site: Site) -> None:
    client = site.client("ann")
    before = _audit(site)
    fields = _form(
        client,
        sku="B",
        site_id="ATL",
        period="2026-03-09",
        kind="value",
        amount="150",
        why="tender",
    )
    response = client.post("/forecast/overrides", data=fields)
    assert response.status_code == 303
    assert response.headers["location"] == f"/forecast?run={RUN}#overrides"
    # value replaces the figure: 40 -> 150
    assert _adjusted(site)[("B", "ATL", MON2)] == 150.0
    stored = _stored_overrides(site)
    assert [(s["before"], s["after"], s["who"], s["why"]) for s in stored] == [
        (40.0, 150.0, "ann", "tender")
    ]
    page = client.get(f"/forecast?run={RUN}").text
    assert 'id="override-list"' in page
    assert "<td>tender</td>" in page
    assert "<td>ann</td>" in page
    assert _actions_since(site, before) == ["override"]


def test_viewer_is_refused(site: Site) -> None:
    body = {"sku": "A", "site_id": "DAL", "period": "2026-03-02", "kind": "value", "amount": 1}
    response = site.api("vic").post(OVERRIDE, json={**body, "why": "x"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    client = site.client("vic")
    page = client.get(f"/forecast?run={RUN}").text
    assert 'id="override-form"' not in page  # the form is for analysts
    fields = {"csrf_token": csrf_of(page), "run": RUN, **{k: str(v) for k, v in body.items()}}
    assert client.post("/forecast/overrides", data={**fields, "why": "x"}).status_code == 403
    assert _adjusted(site)[("A", "DAL", MON1)] == 120.0
    assert _stored_overrides(site) == []


def test_anonymous_is_refused(site: Site) -> None:
    assert site.client().get(OVERRIDE).status_code == 401
    assert site.client().post(OVERRIDE, json={}).status_code == 401


def test_the_form_needs_its_csrf_token(site: Site) -> None:
    client = site.client("ann")
    fields = _form(
        client, sku="A", site_id="DAL", period="2026-03-02", kind="value", amount="1", why="x"
    )
    del fields["csrf_token"]
    response = client.post("/forecast/overrides", data=fields)
    assert response.status_code == 403
    assert "CSRF token is missing or stale" in response.text
    assert _adjusted(site)[("A", "DAL", MON1)] == 120.0
    assert _stored_overrides(site) == []


def test_a_bad_form_row_shows_the_rule_and_writes_nothing(site: Site) -> None:
    client = site.client("ann")
    before = _audit(site)
    fields = _form(
        client, sku="A", site_id="DAL", period="2026-03-04", kind="percent", amount="10", why=""
    )
    response = client.post("/forecast/overrides", data=fields)
    assert response.status_code == 422
    assert 'id="override-refused"' in response.text
    # both rules broken are shown, by field (the quotes are escaped in the page)
    assert (
        "period: &#39;2026-03-04&#39;: a weekly period starts on a Monday; 2026-03-04 is a "
        "Wednesday: use 2026-03-02"
    ) in response.text
    assert "why: &#39;&#39;: why is required" in response.text
    # what was typed is kept in the form
    assert 'name="period" value="2026-03-04"' in response.text
    assert _adjusted(site) == FORECAST
    assert _stored_overrides(site) == []
    assert _actions_since(site, before) == []


def test_a_bad_api_body_is_refused_with_the_rule(site: Site) -> None:
    api = site.api("ann")
    before = _audit(site)
    key = {"sku": "A", "site_id": "DAL", "period": "2026-03-02", "why": "x"}
    below = api.post(OVERRIDE, json={**key, "kind": "percent", "amount": -150})
    assert below.status_code == 422
    error = below.json()["error"]
    assert error["code"] == "override_refused"
    assert error["details"] == [
        "amount: '-150': a percent below -100 would make the forecast negative"
    ]
    unknown = api.post(OVERRIDE, json={**key, "sku": "Z", "kind": "value", "amount": 5})
    assert unknown.json()["error"]["details"] == [
        "sku: 'Z': no forecast for sku Z at site DAL in the period starting 2026-03-02; "
        "this run forecasts 2026-03-02 to 2026-03-09: check the codes and the period"
    ]
    negative = api.post(OVERRIDE, json={**key, "kind": "value", "amount": -1})
    assert negative.json()["error"]["details"] == [
        "amount: '-1': a demand forecast cannot be negative"
    ]
    assert _adjusted(site) == FORECAST
    assert _stored_overrides(site) == []
    assert _actions_since(site, before) == []


def test_an_unknown_run_is_not_found(site: Site) -> None:
    body = {"sku": "A", "site_id": "DAL", "period": "2026-03-02", "kind": "value", "amount": 1}
    response = site.api("ann").post("/api/v1/forecasts/0123/overrides", json={**body, "why": "x"})
    assert response.status_code == 404
    assert site.api("vic").get("/api/v1/forecasts/0123/overrides").status_code == 404


def test_the_api_is_in_the_openapi_document(site: Site) -> None:
    document = site.api("vic").get("/api/v1/openapi.json").json()
    path = document["paths"]["/api/v1/forecasts/{run_id}/overrides"]
    assert set(path) == {"get", "post"}
    body = path["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["$ref"].endswith("/NewOverride")
    assert set(document["components"]["schemas"]["NewOverride"]["required"]) == {
        "sku",
        "site_id",
        "period",
        "kind",
        "amount",
        "why",
    }


def test_validate_overrides_checks_a_table_as_the_csv() -> None:
    table = pa.table(
        {
            "sku": ["A", "B"],
            "site_id": ["DAL", "ATL"],
            "period": pa.array([MON1, date(2026, 3, 3)], pa.date32()),
            "value": pa.array([150.0, None], pa.float64()),
            "percent": pa.array([None, -20.0], pa.float64()),
            "who": ["ann", "ann"],
            "why": ["tender", None],
        }
    )
    with pytest.raises(OverridesRefused, match=r"2 problems") as info:
        validate_overrides(table, source="form", grain=Grain.WEEK)
    assert [str(p) for p in info.value.problems] == [
        "form:2:period: '2026-03-03': a weekly period starts on a Monday; "
        "2026-03-03 is a Tuesday: use 2026-03-02",
        "form:2:why: '': why is required",
    ]
    good = validate_overrides(table.slice(0, 1), source="form", grain=Grain.WEEK)
    assert good.table.select(["sku", "period_start", "kind", "amount"]).to_pylist() == [
        {"sku": "A", "period_start": MON1, "kind": "value", "amount": 150.0}
    ]
