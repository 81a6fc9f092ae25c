"""The list of runs, the run made before a day and a run's totals over a window, on
hand-made runs.

The company and runs are those of ``tests/demand/test_stored.py`` (weekly, weeks start
Monday 2025-01-06 = w0):

* run ``r0``: as of 2025-02-09, created 2025-02-10;
* run ``r1``: as of 2025-02-16, created 2025-02-17; forecasts for w6, w7: A1@DAL 10,
  10 with the first adjusted to 12; B2@DAL 4, 4 (adjusted 4, 4); Z9@LYO (no product
  row) 1, 1 with the second adjusted to 2. Families: A1 widgets, B2 gadgets.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from obeya.demand import (
    NO_FAMILY,
    Level,
    latest_run_before,
    latest_run_id,
    stored_forecast_totals,
    stored_runs,
)
from obeya.errors import DataError, WarehouseError
from obeya.ingest import load_arrow
from obeya.warehouse import Warehouse
from tests.demand.test_stored import (
    AS_OF,
    GENERATED,
    SERIES,
    store_generated,
    store_hand_made,
    store_hand_runs,
    week,
)
from tests.demand.warehouse_fixtures import REFERENCE

Row = dict[str, Any]


@pytest.fixture(scope="module")
def hand(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = str(tmp_path_factory.mktemp("totals") / "hand.duckdb")
    with Warehouse.open(path) as wh:
        store_hand_runs(wh)
    return path


def _rows(expr: object) -> list[Row]:
    return expr.to_pyarrow().to_pylist()  # type: ignore[attr-defined, no-any-return]


def test_runs_are_listed_latest_first(hand: str, tmp_path: Path) -> None:
    with Warehouse.open(hand, read_only=True) as wh:
        runs = stored_runs(wh)
        latest = stored_runs(wh.ibis, limit=1)
        with pytest.raises(DataError, match="limit must be a number of runs >= 0, got -1"):
            stored_runs(wh, limit=-1)
    # r1 created 2025-02-17, r0 2025-02-10
    assert [(r.run_id, r.created_at, r.as_of, r.horizon) for r in runs] == [
        ("r1", datetime(2025, 2, 17, 8, 0), AS_OF, 2),
        ("r0", datetime(2025, 2, 10, 8, 0), date(2025, 2, 9), 1),
    ]
    assert runs[1].params["cutoffs"] == ["2025-01-20"]  # r0's first origin is w2
    assert [r.run_id for r in latest] == ["r1"]
    with Warehouse.open(str(tmp_path / "empty.duckdb")) as wh:
        assert stored_runs(wh) == []
        assert "forecast_runs" not in wh.existing_tables()  # reading created nothing


def test_latest_run_before_a_day(hand: str, tmp_path: Path) -> None:
    with Warehouse.open(hand, read_only=True) as wh:
        after_r1 = latest_run_before(wh, date(2025, 2, 17))
        on_r1 = latest_run_before(wh, AS_OF)
        before_all = latest_run_before(wh.ibis, date(2025, 2, 9))  # a bare backend works too
    # r1 is as of 2025-02-16, r0 as of 2025-02-09; "before" is strictly earlier
    assert after_r1 is not None
    assert (after_r1.run_id, after_r1.grain, after_r1.as_of) == ("r1", "week", AS_OF)
    assert after_r1.params["cutoffs"] == ["2025-01-27"]
    assert on_r1 is not None
    assert on_r1.run_id == "r0"
    assert before_all is None
    with Warehouse.open(str(tmp_path / "empty.duckdb")) as wh:
        assert latest_run_before(wh, date(2025, 1, 1)) is None
        assert "forecast_runs" not in wh.existing_tables()  # reading created nothing


def test_made_before_goes_by_as_of_then_created_at_then_run_id(tmp_path: Path) -> None:
    runs = [  # (run_id, as_of, created_at)
        ("redo", date(2025, 1, 5), datetime(2025, 2, 1)),  # old data, run last
        ("b", date(2025, 1, 12), datetime(2025, 1, 13)),
        ("c", date(2025, 1, 12), datetime(2025, 1, 14)),
        ("d", date(2025, 1, 19), datetime(2025, 1, 20)),
        ("e", date(2025, 1, 19), datetime(2025, 1, 20)),
    ]
    with Warehouse.open(str(tmp_path / "w.duckdb")) as wh:
        for rid, as_of, created in runs:
            store_hand_made(wh, rid, created_at=created, grain="week", as_of=as_of, forecasts=[])
        assert latest_run_id(wh) == "redo"  # the latest by created_at
        listed = [r.run_id for r in stored_runs(wh)]
        picked = [latest_run_before(wh, date(2025, 1, d)) for d in (6, 13, 19, 20)]
    # listed by created_at; d and e tie, the greater run id first, as latest_run_id does
    assert listed == ["redo", "e", "d", "c", "b"]
    # before the 6th only redo (as of the 5th); before the 13th and the 19th the
    # greatest as_of is the 12th, where c was created after b; before the 20th d and e
    # tie on as_of and created_at, and the greater run id wins
    assert [p.run_id if p else None for p in picked] == ["redo", "c", "c", "e"]


def test_totals_sum_each_level_over_a_window(hand: str) -> None:
    with Warehouse.open(hand, read_only=True) as wh:
        series = _rows(stored_forecast_totals(wh))
        last_week = _rows(stored_forecast_totals(wh, "r1", start=week(7), end=week(7)))
        site = _rows(stored_forecast_totals(wh, level=Level.SITE))
        family_site = _rows(stored_forecast_totals(wh, level="family_site"))
        total = _rows(stored_forecast_totals(wh, level="total"))
        total_plain = _rows(stored_forecast_totals(wh, level="total", use_adjusted=False))
        from_w7 = _rows(stored_forecast_totals(wh, level="total", start=week(7)))
        to_w6 = _rows(stored_forecast_totals(wh, level="site", end=week(6)))
        nothing = [
            _rows(stored_forecast_totals(wh, level=lvl, start=week(8)))
            for lvl in ("sku_site", "site", "total")
        ]
    # A1@DAL 12 (adjusted) + 10 = 22, statistical 10 + 10 = 20; B2 4 + 4 = 8;
    # Z9@LYO 1 + 2 (adjusted) = 3, statistical 1 + 1 = 2
    assert [(r["sku"], r["forecast"], r["statistical"], r["n_series"]) for r in series] == [
        ("A1", 22.0, 20.0, 1),
        ("B2", 8.0, 8.0, 1),
        ("Z9", 3.0, 2.0, 1),
    ]
    assert {(r["first_period"], r["last_period"]) for r in series} == {(week(6), week(7))}
    # week 7 alone: A1 10, B2 4, Z9 2
    assert [(r["sku"], r["forecast"], r["first_period"]) for r in last_week] == [
        ("A1", 10.0, week(7)),
        ("B2", 4.0, week(7)),
        ("Z9", 2.0, week(7)),
    ]
    # DAL = A1 + B2 = 22 + 8 = 30 over 2 series (statistical 20 + 8 = 28); LYO = Z9
    assert [(r["site_id"], r["forecast"], r["statistical"], r["n_series"]) for r in site] == [
        ("DAL", 30.0, 28.0, 2),
        ("LYO", 3.0, 2.0, 1),
    ]
    assert [(r["family"], r["site_id"], r["forecast"]) for r in family_site] == [
        (NO_FAMILY, "LYO", 3.0),
        ("gadgets", "DAL", 8.0),
        ("widgets", "DAL", 22.0),
    ]
    # total: 22 + 8 + 3 = 33 (statistical 20 + 8 + 2 = 30); from week 7: 10 + 4 + 2 = 16
    assert total == [
        {
            "forecast": 33.0,
            "statistical": 30.0,
            "n_series": 3,
            "first_period": week(6),
            "last_period": week(7),
        }
    ]
    assert total_plain[0]["forecast"] == 30.0
    assert (from_w7[0]["forecast"], from_w7[0]["first_period"]) == (16.0, week(7))
    # up to week 6: DAL 12 + 4 = 16, LYO 1
    assert [(r["site_id"], r["forecast"], r["last_period"]) for r in to_w6] == [
        ("DAL", 16.0, week(6)),
        ("LYO", 1.0, week(6)),
    ]
    assert nothing == [[], [], []]  # the run stops at week 7


def test_totals_refuse_an_unknown_run_or_level(hand: str, tmp_path: Path) -> None:
    with Warehouse.open(hand, read_only=True) as wh:
        with pytest.raises(WarehouseError, match=r"no forecast run 'nope' in the warehouse"):
            stored_forecast_totals(wh, "nope")
        with pytest.raises(DataError, match=r"level must be one of .*got 'region'"):
            stored_forecast_totals(wh, level="region")
    with (
        Warehouse.open(str(tmp_path / "empty.duckdb")) as wh,
        pytest.raises(WarehouseError, match=r"no forecast run yet: run `obeya forecast run`"),
    ):
        stored_forecast_totals(wh)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    wh = Warehouse.open(str(tmp_path_factory.mktemp("totals_prop") / "p.duckdb"))
    load_arrow(wh, dict(REFERENCE), label="ref")
    return wh


LEVELS = ("sku_site", "family", "site", "family_site", "total")


@settings(max_examples=20, deadline=None)
@given(
    data=GENERATED,
    window=st.tuples(st.integers(-1, 3), st.integers(-1, 3)),
)
def test_totals_are_the_window_sums_at_every_level(
    scratch: Warehouse, data: list[tuple[float, float | None]], window: tuple[int, int]
) -> None:
    rid, value = store_generated(scratch, data)
    lo, hi = window
    inside = [k for k in range(3) if lo <= k <= hi]  # the run's weeks 0..2 in the window
    want = float(value[:, inside].sum())
    for level in LEVELS:
        got = _rows(stored_forecast_totals(scratch, rid, level=level, start=week(lo), end=week(hi)))
        if not inside:
            assert got == [], level
            continue
        forecast = sum(float(r["forecast"]) for r in got)
        assert forecast == pytest.approx(want, rel=1e-9, abs=1e-6), level
        assert sum(int(r["n_series"]) for r in got) == len(SERIES), level
        periods = {(r["first_period"], r["last_period"]) for r in got}
        assert periods == {(week(inside[0]), week(inside[-1]))}, level
