"""Scenarios through the API: create one from YAML drivers, run it with the base
through the planning engines, and compare stored results side by side."""

from __future__ import annotations

from pathlib import Path

import pytest

from obeya.planning.scenario_store import Metric, ensure_base, save_results, save_scenario
from obeya.warehouse import Warehouse
from tests.web.conftest import Site, make_site


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory, company_file: Path) -> Site:
    return make_site(tmp_path_factory.mktemp("scenarios"), company_file)


def test_no_scenario_yet_is_said_plainly(planned: Site) -> None:
    assert planned.api("vic").get("/api/v1/scenarios").json() == []
    page = planned.client("vic").get("/scenarios").text
    assert "no scenario yet" in page


def test_create_and_run_a_demand_scenario(planned: Site) -> None:
    analyst = planned.api("ann")
    created = analyst.post(
        "/api/v1/scenarios",
        json={
            "name": "peak",
            "spec_yaml": "description: a fifth more demand\n"
            "drivers:\n  - kind: demand\n    change: 0.2\n",
        },
    )
    assert created.status_code == 201
    assert (created.json()["drivers"], created.json()["status"]) == (1, "new")
    ran = analyst.post("/api/v1/scenarios/peak/run").json()
    assert ran["names"] == ["base", "peak"]
    values = {r["metric"]: r["values"] for r in ran["rows"]}
    # +20 % demand on every family and site: the planned demand is 1.2 times the base's
    assert values["demand_units"]["peak"] == pytest.approx(1.2 * values["demand_units"]["base"])
    # headcount is read from labour hours (DAL 5 + ATL 8), the same for both
    assert values["headcount"] == {"base": 13.0, "peak": 13.0}
    entries = planned.api("ada").get("/api/v1/audit").json()
    assert [(e["action"], e["target"]) for e in entries[:2]] == [
        ("scenario.run", "peak"),
        ("scenario.create", "peak"),
    ]


def test_a_bad_driver_is_refused_with_the_fix(planned: Site) -> None:
    response = planned.api("ann").post(
        "/api/v1/scenarios",
        json={"name": "bad", "spec_yaml": "drivers:\n  - kind: demand\n    factor: 2\n"},
    )
    assert response.status_code == 400
    assert "unknown key 'factor'" in response.json()["error"]["message"]


def test_viewers_cannot_create_scenarios(planned: Site) -> None:
    response = planned.api("vic").post("/api/v1/scenarios", json={"name": "x"})
    assert response.status_code == 403


def test_compare_stored_results_side_by_side(tmp_path: Path, company_file: Path) -> None:
    own = make_site(tmp_path, company_file)
    with Warehouse.open(str(own.warehouse)) as wh:
        ensure_base(wh)
        for name in ("peak", "line-down"):
            save_scenario(
                wh, name, spec_yaml="drivers: []\n", spec_json={"drivers": []}, description=None
            )
        save_results(wh, "base", [Metric("total_cost", 100.0, "currency", {})])
        save_results(wh, "peak", [Metric("total_cost", 120.0, "currency", {})])
    body = (
        own.api("vic")
        .get("/api/v1/scenarios/compare", params=[("name", "peak"), ("name", "line-down")])
        .json()
    )
    assert body["names"] == ["base", "peak"]
    assert body["missing"] == ["line-down"]  # created, never run
    assert body["rows"] == [
        {"metric": "total_cost", "unit": "currency", "values": {"base": 100.0, "peak": 120.0}}
    ]
