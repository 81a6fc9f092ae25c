"""The forecast page and ``GET /api/v1/forecasts`` read stored runs through
:mod:`obeya.demand.stored`, checked against runs made by hand.

Weekly runs of two periods, from Monday 2026-03-02 (W1) and 2026-03-09 (W2). The run
``2c2c`` forecasts, per SKU x site (statistical -> the figure to plan with):

    A at ATL: W1 50 -> 70 (a planner's value override), W2 40 -> 40
    A at DAL: W1 100 -> 100,                            W2 60 -> 60
    B at DAL: W1 30 (no adjusted figure stored),        W2 20

so its totals, worked out by hand, are

    W1: forecast 70 + 100 + 30 = 200, statistical 50 + 100 + 30 = 180, 3 series
    W2: forecast 40 + 60 + 20 = 120,  statistical 40 + 60 + 20 = 120,  3 series

and by site ATL 70 + 40 = 110 (statistical 50 + 40 = 90, 1 series), DAL
100 + 60 + 30 + 20 = 210 (statistical the same, 2 series).

``1b1b`` was made at the same moment as ``2c2c``: the latest run is the one with the
greater ``run_id`` (the order of :func:`obeya.demand.latest_run_id`), so the page
shows ``2c2c`` by default. ``0a0a`` is older; ``3d3d`` is older still and has 251
series of 1 unit per week, 502 rows, more than the 500 the page lists.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pytest

from obeya.demand.store import store_run
from obeya.ingest import load_arrow
from obeya.warehouse import Warehouse
from tests.metrics.company import company_tables
from tests.web.conftest import Site, make_site

W1, W2 = date(2026, 3, 2), date(2026, 3, 9)
LATEST, TIED, OLDER, BIG = "2c2c", "1b1b", "0a0a", "3d3d"

# (sku, site, period): (statistical, adjusted as stored, lo80, hi80)
Rows = dict[tuple[str, str, date], tuple[float, float | None, float, float]]
LATEST_ROWS: Rows = {
    ("A", "ATL", W1): (50.0, 70.0, 45.0, 55.0),
    ("A", "ATL", W2): (40.0, 40.0, 35.0, 45.0),
    ("A", "DAL", W1): (100.0, 100.0, 90.0, 110.0),
    ("A", "DAL", W2): (60.0, 60.0, 50.0, 70.0),
    ("B", "DAL", W1): (30.0, None, 25.0, 35.0),
    ("B", "DAL", W2): (20.0, None, 15.0, 25.0),
}
TIED_ROWS: Rows = {("C", "DAL", W1): (5.0, 5.0, 4.0, 6.0), ("C", "DAL", W2): (7.0, 7.0, 6.0, 8.0)}
OLDER_ROWS: Rows = {("A", "DAL", W1): (1.0, 1.0, 1.0, 1.0)}
BIG_ROWS: Rows = {
    (f"S{i:03d}", "DAL", week): (1.0, 1.0, 1.0, 1.0) for i in range(251) for week in (W1, W2)
}


def _forecasts(rows: Rows) -> pa.Table:
    keys = list(rows)
    values = list(rows.values())
    n = len(keys)
    return pa.table(
        {
            "sku": [k[0] for k in keys],
            "site_id": [k[1] for k in keys],
            "period_start": pa.array([k[2] for k in keys], pa.date32()),
            "model": ["ets"] * n,
            "demand_class": ["smooth"] * n,
            "forecast": pa.array([v[0] for v in values], pa.float64()),
            "lo80": pa.array([v[2] for v in values], pa.float64()),
            "hi80": pa.array([v[3] for v in values], pa.float64()),
            "lo95": pa.array([v[2] for v in values], pa.float64()),
            "hi95": pa.array([v[3] for v in values], pa.float64()),
            "adjusted": pa.array([v[1] for v in values], pa.float64()),
        }
    )


def _empty(columns: dict[str, pa.DataType]) -> pa.Table:
    return pa.table({name: pa.array([], kind) for name, kind in columns.items()})


BACKTESTS = _empty(
    {
        "sku": pa.string(),
        "site_id": pa.string(),
        "cutoff": pa.date32(),
        "period_start": pa.date32(),
        "model": pa.string(),
        "actual": pa.float64(),
        "forecast": pa.float64(),
    }
)
# the override of A at ATL in W1, as a CSV override of the run would be kept
OVERRIDES = pa.table(
    {
        "sku": ["A"],
        "site_id": ["ATL"],
        "period_start": pa.array([W1], pa.date32()),
        "kind": ["value"],
        "amount": [70.0],
        "before": [50.0],
        "after": [70.0],
        "who": ["ann"],
        "why": ["tender won"],
        "source": ["overrides.csv:2"],
    }
)


@pytest.fixture(scope="module")
def with_runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hand-made company with the four hand-made runs (copied by each test)."""
    path = tmp_path_factory.mktemp("forecast_page") / "company.duckdb"
    runs: list[tuple[str, datetime, Rows, pa.Table]] = [
        (BIG, datetime(2026, 2, 1, 9, 0), BIG_ROWS, OVERRIDES.slice(0, 0)),
        (OLDER, datetime(2026, 2, 20, 9, 0), OLDER_ROWS, OVERRIDES.slice(0, 0)),
        (TIED, datetime(2026, 2, 28, 9, 0), TIED_ROWS, OVERRIDES.slice(0, 0)),
        (LATEST, datetime(2026, 2, 28, 9, 0), LATEST_ROWS, OVERRIDES),
    ]
    with Warehouse.open(str(path)) as wh:
        load_arrow(wh, company_tables(), label="company")
        for run_id, made, rows, overrides in runs:
            store_run(
                wh,
                run_id=run_id,
                created_at=made,
                grain="week",
                horizon=2,
                params={},
                as_of=made.date(),
                forecasts=_forecasts(rows),
                backtests=BACKTESTS,
                overrides=overrides,
            )
    return path


@pytest.fixture(scope="module")
def one_site(tmp_path_factory: pytest.TempPathFactory, with_runs: Path) -> Site:
    return make_site(tmp_path_factory.mktemp("site"), with_runs)


@pytest.fixture
def site(one_site: Site, with_runs: Path) -> Site:
    """The module's app over a fresh copy of the runs (the app opens the file per request)."""
    shutil.copy(with_runs, one_site.warehouse)
    one_site.app.state.obeya.cache.clear()
    return one_site


def _records(table: dict[str, object]) -> list[dict[str, object]]:
    columns = table["columns"]
    rows = table["rows"]
    assert isinstance(columns, list)
    assert isinstance(rows, list)
    return [dict(zip(columns, row, strict=True)) for row in rows]


def test_the_latest_run_by_the_shared_order_is_shown(site: Site) -> None:
    body = site.api("vic").get("/api/v1/forecasts").json()
    # 2c2c and 1b1b were made at the same moment: the greater run_id is the latest
    assert body["run"]["run_id"] == LATEST
    assert [r["run_id"] for r in body["runs"]] == [LATEST, TIED, OLDER, BIG]
    assert (body["run"]["grain"], body["run"]["horizon"]) == ("week", 2)
    page = site.client("vic").get("/forecast").text
    assert f"Run <code>{LATEST}</code>" in page


def test_totals_use_the_overridden_figure(site: Site) -> None:
    body = site.api("vic").get("/api/v1/forecasts").json()
    # W1: 70 + 100 + 30 = 200 (statistical 50 + 100 + 30 = 180); W2: 40 + 60 + 20 = 120
    assert _records(body["totals"]) == [
        {"period_start": "2026-03-02", "forecast": 200.0, "statistical": 180.0, "n_series": 3},
        {"period_start": "2026-03-09", "forecast": 120.0, "statistical": 120.0, "n_series": 3},
    ]
    # ATL: 70 + 40 = 110 (statistical 90); DAL: 100 + 60 + 30 + 20 = 210
    assert _records(body["by_site"]) == [
        {
            "site_id": "ATL",
            "forecast": 110.0,
            "statistical": 90.0,
            "n_series": 1,
            "first_period": "2026-03-02",
            "last_period": "2026-03-09",
        },
        {
            "site_id": "DAL",
            "forecast": 210.0,
            "statistical": 210.0,
            "n_series": 2,
            "first_period": "2026-03-02",
            "last_period": "2026-03-09",
        },
    ]


def test_totals_have_no_band(site: Site) -> None:
    body = site.api("vic").get("/api/v1/forecasts").json()
    assert not {"lo80", "hi80", "lo95", "hi95", "adjusted"} & set(body["totals"]["columns"])
    chart = body["chart"]
    points = chart["datasets"][chart["data"]["name"]]  # Altair names the inline data
    assert {p["measure"] for p in points} == {"forecast", "statistical"}
    # the chart draws the totals: W1 200 planned against 180 statistical
    w1 = {p["measure"]: p["units"] for p in points if p["period"] == "2026-03-02"}
    assert w1 == {"forecast": 200.0, "statistical": 180.0}


def test_rows_say_where_an_override_applied(site: Site) -> None:
    rows = site.api("vic").get("/api/v1/forecasts").json()["rows"]
    assert rows["total_rows"] == 6
    assert rows["truncated"] is False
    got = [
        (r["sku"], r["site_id"], r["period_start"], r["forecast"], r["statistical"], r["override"])
        for r in _records(rows)
    ]
    assert got == [
        ("A", "ATL", "2026-03-02", 70.0, 50.0, True),
        ("A", "ATL", "2026-03-09", 40.0, 40.0, False),
        ("A", "DAL", "2026-03-02", 100.0, 100.0, False),
        ("A", "DAL", "2026-03-09", 60.0, 60.0, False),
        # no adjusted figure stored: the statistical forecast is the one to plan with
        ("B", "DAL", "2026-03-02", 30.0, 30.0, False),
        ("B", "DAL", "2026-03-09", 20.0, 20.0, False),
    ]
    # the intervals stay per row, those of the statistical forecast
    first = _records(rows)[0]
    assert (first["lo80"], first["hi80"]) == (45.0, 55.0)


def test_another_run_is_shown_when_asked(site: Site) -> None:
    body = site.api("vic").get("/api/v1/forecasts", params={"run": TIED}).json()
    assert body["run"]["run_id"] == TIED
    # one series, C at DAL: 5 then 7
    assert [(r["period_start"], r["forecast"]) for r in _records(body["totals"])] == [
        ("2026-03-02", 5.0),
        ("2026-03-09", 7.0),
    ]


def test_the_rows_are_cut_at_500_but_the_totals_are_not(site: Site) -> None:
    body = site.api("vic").get("/api/v1/forecasts", params={"run": BIG}).json()
    rows = body["rows"]
    # 251 series x 2 weeks = 502 rows, 500 listed
    assert (len(rows["rows"]), rows["total_rows"], rows["truncated"]) == (500, 502, True)
    # every one of the 251 series counts in the totals: 251 x 1 unit per week
    assert [(r["forecast"], r["n_series"]) for r in _records(body["totals"])] == [
        (251.0, 251),
        (251.0, 251),
    ]
    assert _records(body["by_site"])[0]["forecast"] == 502.0  # 251 x 2 weeks at DAL


def test_an_unknown_run_is_not_found_naming_the_latest(site: Site) -> None:
    response = site.api("vic").get("/api/v1/forecasts", params={"run": "ffff"})
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "not_found"
    assert error["message"].startswith(
        f"no forecast run 'ffff' in the warehouse; the latest runs are {LATEST}, {TIED}, "
        f"{OLDER}, {BIG}"
    )
    assert site.client("vic").get("/forecast", params={"run": "ffff"}).status_code == 404


def test_an_override_from_the_war_room_moves_the_totals(site: Site) -> None:
    key = {"sku": "A", "site_id": "DAL", "period": "2026-03-09"}
    response = site.api("ann").post(
        f"/api/v1/forecasts/{LATEST}/overrides",
        json={**key, "kind": "percent", "amount": 10, "why": "promotion"},
    )
    assert response.status_code == 201, response.text
    body = site.api("vic").get("/api/v1/forecasts").json()
    # A at DAL in W2: 60 * 1.10 = 66, so W2 = 40 + 66 + 20 = 126 (statistical still 120)
    w2 = _records(body["totals"])[1]
    assert (w2["forecast"], w2["statistical"]) == (pytest.approx(126.0), 120.0)
    # DAL: 100 + 66 + 30 + 20 = 216
    dal = _records(body["by_site"])[1]
    assert (dal["site_id"], dal["forecast"]) == ("DAL", pytest.approx(216.0))
    overridden = [
        (r["sku"], r["site_id"], r["period_start"]) for r in _records(body["rows"]) if r["override"]
    ]
    assert overridden == [("A", "ATL", "2026-03-02"), ("A", "DAL", "2026-03-09")]


def test_the_page_shows_the_totals_and_keeps_the_override_form(site: Site) -> None:
    page = site.client("ann").get("/forecast").text
    totals = page.split("<h3>Totals per period</h3>", 1)[1].split("</table>", 1)[0]
    assert "<th>forecast</th><th>statistical</th><th>n_series</th>" in totals
    assert "<td>2026-03-02</td><td>200</td><td>180</td><td>3</td>" in totals
    assert "lo80" not in totals
    assert 'id="override-form"' in page
    # the periods offered by the form are the run's
    assert '<option value="2026-03-02"><option value="2026-03-09">' in page
    # the run's CSV override is listed
    assert "<td>tender won</td>" in page
