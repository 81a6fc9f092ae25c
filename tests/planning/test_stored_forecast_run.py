"""Capacity planning takes its demand from a run stored by ``obeya.demand``.

The plant of ``company.py`` without its hand-made forecast tables; instead a weekly
run ``w1`` is stored through the demand module's own writer (``store_run``), as of
2025-12-31: A 70 a week in the weeks of Monday 2025-12-29, 2026-01-05, -12, -19 and
-26; B in the week of 2026-01-26 forecast 7, adjusted by a planner to 14.

A week's units are spread over its days, so January 2026 gets: A, the week of 29 Dec
4 of 7 days (40), three whole weeks (210) and 26-31 Jan 6 of 7 days (60): 310; B 6/7
of 14 = 12. February is only partly covered by the run, so January is the one month.
Line L1 (A 0.5 h, B 1.0 h a unit): 310 x 0.5 + 12 x 1.0 = 167 h; packing cell L2
(A 0.1 h): 31 h.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest

from obeya.warehouse import Warehouse
from tests.demand.test_stored import store_hand_made
from tests.planning.company import build
from tests.planning.test_cli_planning import run


def test_capacity_reads_the_latest_stored_run(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = build(tmp_path / "w.duckdb", with_forecast=False)
    weeks = [date(2025, 12, 29), date(2026, 1, 5), date(2026, 1, 12), date(2026, 1, 19)]
    with Warehouse.open(path) as wh:
        store_hand_made(
            wh,
            "w1",
            created_at=datetime(2026, 1, 1, 8, 0),
            grain="week",
            as_of=date(2025, 12, 31),
            forecasts=[
                *[("A", "P1", w, "ets", "smooth", 70.0, None) for w in weeks],
                ("A", "P1", date(2026, 1, 26), "ets", "smooth", 70.0, 70.0),
                ("B", "P1", date(2026, 1, 26), "average", "lumpy", 7.0, 14.0),
            ],
        )
    code, out, err = run(capsys, "capacity", "-w", path, "-f", "json")
    assert code == 0, err
    body = json.loads(out)
    assert body["demand_source"] == "forecast"
    assert body["run_id"] == "w1"
    assert body["periods"] == ["2026-01"]
    load = {r["resource_id"]: r["load_hours"] for r in body["load"] if r["period"] == "2026-01"}
    assert load == pytest.approx({"L1": 310 * 0.5 + 12 * 1.0, "L2": 310 * 0.1})
    assert "note: demand: forecast run w1" in err
