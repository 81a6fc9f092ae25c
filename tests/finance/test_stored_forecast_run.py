"""The rolling forecast takes its volume from a run stored by ``obeya.demand``.

The company of ``test_rolling.py`` (one site S1, family F1 = sku A1; as of 2025-10 the
months left are November and December; without a forecast November gets the
fallback 22.67 units and December 34). Runs are stored through the demand module's
own writer (``store_run``), weekly:

* ``old`` (created first): A1 at S1, 999 in the week of 2025-11-10 (ignored);
* ``new`` (the latest): A1 at S1 7 a week in the ten weeks from Monday 2025-10-27 to
  Monday 2025-12-29, except
  - the week of 27 Oct: 70; 5 of its days are in October, 2 in November: 70 x 2/7 =
    20 for November (October is actual, not projected);
  - the week of 3 Nov: forecast 7, adjusted by a planner to 14;
  - the week of 29 Dec: 70; 3 of its days are in December: 30 (the 4 January days
    belong to next year);
  and B1 at S2 (family F2) 35 in the week of 1 December.

  November: F1 at S1 20 + 14 + 3 x 7 (weeks of 10, 17, 24 Nov) = 55; December: F1 at
  S1 4 x 7 (weeks of 1, 8, 15, 22 Dec) + 30 = 58, F2 at S2 35.
* ``short``: the same run cut after the week of 8 December covers 14 of December's 31
  days, so December keeps the fallback 34 with a note.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from obeya.finance import build_rolling_forecast
from obeya.warehouse import Warehouse
from tests.demand.test_stored import ForecastRow, store_hand_made
from tests.finance.company import build
from tests.finance.test_rolling import DEC, _facts

NOV_YM, DEC_YM = 2025 * 12 + 10, 2025 * 12 + 11  # month indexes (year x 12 + month - 1)
WEEKS = [date(2025, 10, 27) + timedelta(weeks=k) for k in range(10)]  # to 29 Dec


def _rows(weeks: list[date]) -> list[ForecastRow]:
    special = {date(2025, 10, 27): (70.0, 70.0), date(2025, 11, 3): (7.0, 14.0)}
    special[date(2025, 12, 29)] = (70.0, 70.0)
    rows: list[ForecastRow] = [
        ("A1", "S1", w, "ets", "smooth", *special.get(w, (7.0, None))) for w in weeks
    ]
    rows.append(("B1", "S2", date(2025, 12, 1), "croston_sba", "lumpy", 35.0, None))
    return rows


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> str:
    return build(tmp_path_factory.mktemp("fin_stored") / "w.duckdb", _facts())


def _with_runs(company: str, tmp_path: Path, weeks: list[date], run_id: str) -> str:
    path = str(tmp_path / "w.duckdb")
    shutil.copyfile(company, path)
    with Warehouse.open(path) as wh:
        store_hand_made(
            wh,
            "old",
            created_at=datetime(2025, 10, 20, 9, 0),
            grain="week",
            as_of=date(2025, 10, 19),
            forecasts=[("A1", "S1", date(2025, 11, 10), "ets", "smooth", 999.0, None)],
        )
        store_hand_made(
            wh,
            run_id,
            created_at=datetime(2025, 11, 1, 9, 0),
            grain="week",
            as_of=date(2025, 10, 31),
            forecasts=_rows(weeks),
        )
    return path


def test_the_latest_stored_run_gives_the_volume(company: str, tmp_path: Path) -> None:
    path = _with_runs(company, tmp_path, WEEKS, "new")
    with Warehouse.open(path, read_only=True) as wh:
        fc = build_rolling_forecast(wh, "2025-10")
    assert fc.volume_source == "forecasts run new"  # both months covered: no fallback
    assert not [n for n in fc.notes if "fallback" in n]
    cells = fc.cells.groupby(["ym", "family", "site_id"])["units"].sum().to_dict()
    assert cells == pytest.approx(
        {(NOV_YM, "F1", "S1"): 55.0, (DEC_YM, "F1", "S1"): 58.0, (DEC_YM, "F2", "S2"): 35.0}
    )


def test_a_month_covered_in_part_keeps_the_fallback(company: str, tmp_path: Path) -> None:
    weeks = [w for w in WEEKS if w <= date(2025, 12, 8)]
    path = _with_runs(company, tmp_path, weeks, "short")
    with Warehouse.open(path, read_only=True) as wh:
        fc = build_rolling_forecast(wh, "2025-10")
    assert fc.volume_source.startswith("forecasts run short (months it lacks: fallback")
    assert (
        "forecast run short covers 14 of the 31 days of 2025-12; that month uses the "
        "fallback volume"
    ) in fc.notes
    units = fc.cells.groupby("ym")["units"].sum().to_dict()
    assert units == pytest.approx({NOV_YM: 55.0, DEC_YM: DEC})
