"""The warehouse-based planning commands on PostgreSQL give the DuckDB figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from obeya.ingest import load_arrow
from obeya.warehouse import Warehouse
from tests.planning.company import tables
from tests.planning.test_cli_planning import run

pytestmark = pytest.mark.postgres


def test_capacity_plan_and_scenarios_on_postgres(
    capsys: pytest.CaptureFixture[str], pg_url: str, tmp_path: Path
) -> None:
    with Warehouse.open(pg_url) as wh:
        load_arrow(wh, tables(), label="t")
    code, out, err = run(capsys, "capacity", "-w", pg_url, "--horizon", "2", "-f", "json")
    assert code == 0, err
    jan = next(r for r in json.loads(out)["load"] if r["resource_id"] == "L1")
    # As on DuckDB: 10 A + 5 B a day, January 310 h of load against 22 x 8 = 176 h.
    assert jan["load_hours"] == pytest.approx(310.0)
    assert jan["available_hours"] == pytest.approx(176.0)
    config = tmp_path / "planning.yaml"
    config.write_text(
        "aggregate:\n  horizon: 2\n  costs: {hire_per_worker: 100000, layoff_per_worker: 100000}\n"
    )
    spec = tmp_path / "pay.yaml"
    spec.write_text("drivers:\n  - {kind: wages, change: 0.05}\n")
    assert run(capsys, "scenario", "new", "pay", "--from", str(spec), "-w", pg_url)[0] == 0
    code, out, err = run(
        capsys, "scenario", "run", "pay", "--config", str(config), "-f", "json", "-w", pg_url
    )
    assert code == 0, err
    rows = {r["metric"]: r for r in json.loads(out)}
    # The figures of test_wages_scenario_on_the_aggregate_and_staffing (DuckDB).
    assert rows["total_cost"]["base"] == pytest.approx(20520.0)
    assert rows["total_cost"]["pay"] == pytest.approx(21192.0)
    assert rows["workforce_cost"]["pay"] == pytest.approx(9213.75)
    code, out, _ = run(capsys, "scenario", "list", "-f", "json", "-w", pg_url)
    assert {r["name"]: r["status"] for r in json.loads(out)} == {"pay": "ran", "base": "ran"}
