"""Demand series from order lines: demand date, cancellations, zero fill, as-of;
the same series on DuckDB and PostgreSQL."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from obeya.demand import CancelledPolicy, Grain, SeriesColumns, demand_series, last_complete_period
from obeya.errors import DataError
from obeya.warehouse import Warehouse
from tests.demand.warehouse_fixtures import load_hand


@pytest.fixture
def duck(tmp_path: Path) -> Warehouse:
    wh = Warehouse.open(str(tmp_path / "w.duckdb"))
    load_hand(wh)
    return wh


def _as_dict(series) -> dict[str, list[tuple[date, float]]]:  # type: ignore[no-untyped-def]
    c = series.columns
    out: dict[str, list[tuple[date, float]]] = {}
    for r in series.data.to_pylist():
        out.setdefault(r[c.id], []).append((r[c.time], r[c.target]))
    return out


def test_last_complete_period() -> None:
    assert last_complete_period(date(2025, 1, 26), Grain.WEEK) == date(2025, 1, 20)  # a Sunday
    assert last_complete_period(date(2025, 1, 27), Grain.WEEK) == date(2025, 1, 20)  # a Monday
    assert last_complete_period(date(2025, 1, 31), Grain.MONTH) == date(2025, 1, 1)
    assert last_complete_period(date(2025, 2, 27), Grain.MONTH) == date(2025, 1, 1)


def test_weekly_series_by_hand(duck: Warehouse) -> None:
    s = demand_series(duck, grain=Grain.WEEK)
    # as_of = latest order date 2025-01-27, a Monday: the last full week starts 2025-01-20
    assert s.as_of == date(2025, 1, 27)
    assert s.end == date(2025, 1, 20)
    assert _as_dict(s) == {
        "A1@DAL": [
            (date(2024, 12, 30), 10.0),
            (date(2025, 1, 6), 7.0),  # requested before the order: the order date counts
            (date(2025, 1, 13), 5.0),  # the requested date counts
            (date(2025, 1, 20), 0.0),  # zero-filled; the 01-28 request is after the last full week
        ],
        "B2@LYO": [(date(2025, 1, 13), 4.0), (date(2025, 1, 20), 0.0)],  # cancelled still counts
    }
    keys = {r["unique_id"]: r for r in s.keys.to_pylist()}
    assert keys["A1@DAL"]["family"] == "widgets"
    assert keys["B2@LYO"]["first_period"] == date(2025, 1, 13)


def test_cancelled_lines_can_be_left_out(duck: Warehouse) -> None:
    s = demand_series(duck, grain=Grain.WEEK, cancelled=CancelledPolicy.EXCLUDE)
    assert set(_as_dict(s)) == {"A1@DAL"}


def test_monthly_series_and_column_names(duck: Warehouse) -> None:
    cols = SeriesColumns(id="series", time="month", target="units")
    s = demand_series(duck, grain=Grain.MONTH, as_of=date(2025, 2, 28), columns=cols)
    # January: A1 10 + 5 + 7 + 2 (wanted 01-28) = 24; B2 4 + 3 = 7; February empty
    assert s.data.column_names == ["series", "month", "units"]
    assert _as_dict(s) == {
        "A1@DAL": [(date(2025, 1, 1), 24.0), (date(2025, 2, 1), 0.0)],
        "B2@LYO": [(date(2025, 1, 1), 7.0), (date(2025, 2, 1), 0.0)],
    }


def test_no_demand_before_as_of_is_an_error(duck: Warehouse) -> None:
    with pytest.raises(DataError, match="no order lines with a demand date up to 2024-12-29"):
        demand_series(duck, grain=Grain.WEEK, as_of=date(2024, 12, 31))


@pytest.mark.postgres
def test_postgres_gives_the_same_series(duck: Warehouse, pg_url: str) -> None:
    pg = Warehouse.open(pg_url)
    try:
        load_hand(pg)
        for grain, as_of in ((Grain.WEEK, None), (Grain.MONTH, date(2025, 2, 28))):
            d = demand_series(duck, grain=grain, as_of=as_of)
            p = demand_series(pg, grain=grain, as_of=as_of)
            assert p.data.equals(d.data)
            assert p.keys.equals(d.keys)
            assert (p.start, p.end, p.as_of) == (d.start, d.end, d.as_of)
    finally:
        pg.close()
