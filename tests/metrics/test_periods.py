"""Periods: ISO weeks across a year end, labels, shifts, and the same truncation in SQL."""

from __future__ import annotations

from datetime import date

import ibis
import pyarrow as pa
import pytest

from obeya.errors import ConfigError
from obeya.ingest import load_arrow
from obeya.metrics import Grain, compute, parse_period, period_label
from obeya.metrics.periods import (
    elapsed_days,
    last_year_start,
    period_start,
    periods_between,
    truncate,
)
from tests.metrics.company import reference
from tests.metrics.conftest import BACKENDS, open_backend
from tests.metrics.helpers import ratio

D = date


@pytest.mark.parametrize(
    ("day", "grain", "start", "label"),
    [
        (D(2024, 12, 30), Grain.WEEK, D(2024, 12, 30), "2025-W01"),  # a Monday in ISO 2025
        (D(2025, 1, 5), Grain.WEEK, D(2024, 12, 30), "2025-W01"),  # the Sunday of that week
        (D(2024, 12, 29), Grain.WEEK, D(2024, 12, 23), "2024-W52"),
        (D(2021, 1, 3), Grain.WEEK, D(2020, 12, 28), "2020-W53"),  # 2020 had 53 ISO weeks
        (D(2025, 2, 14), Grain.MONTH, D(2025, 2, 1), "2025-02"),
        (D(2025, 8, 31), Grain.QUARTER, D(2025, 7, 1), "2025-Q3"),
        (D(2025, 8, 31), Grain.YEAR, D(2025, 1, 1), "2025"),
        (D(2025, 8, 31), Grain.DAY, D(2025, 8, 31), "2025-08-31"),
    ],
)
def test_period_start_and_label(day: date, grain: Grain, start: date, label: str) -> None:
    assert period_start(day, grain) == start
    assert period_label(start, grain) == label
    assert parse_period(label, grain) == start


def test_shifts_and_days() -> None:
    # The same ISO week a year earlier: 2025-W01 -> 2024-W01, which starts 1 Jan 2024.
    assert last_year_start(D(2024, 12, 30), Grain.WEEK) == D(2024, 1, 1)
    # 2020-W53 has no week 53 in 2019.
    assert last_year_start(D(2020, 12, 28), Grain.WEEK) is None
    assert last_year_start(D(2024, 2, 29), Grain.DAY) is None
    assert last_year_start(D(2025, 4, 1), Grain.QUARTER) == D(2024, 4, 1)
    # 20 days of March have elapsed at as_of 20 March; February 2024 had 29 days.
    assert elapsed_days(D(2025, 3, 1), Grain.MONTH, D(2025, 3, 20)) == 20
    assert elapsed_days(D(2024, 2, 1), Grain.MONTH, D(2025, 3, 20)) == 29
    assert periods_between(D(2024, 11, 15), D(2025, 2, 1), Grain.MONTH) == [
        D(2024, 11, 1),
        D(2024, 12, 1),
        D(2025, 1, 1),
        D(2025, 2, 1),
    ]
    with pytest.raises(ConfigError, match="not a date or a period label"):
        parse_period("March", Grain.MONTH)
    with pytest.raises(ConfigError, match="unknown grain 'fortnight'"):
        Grain.parse("fortnight")


DAYS = [
    D(2024, 12, 28),
    D(2024, 12, 29),
    D(2024, 12, 30),
    D(2025, 1, 1),
    D(2025, 1, 5),
    D(2025, 1, 6),
    D(2025, 3, 31),
    D(2025, 4, 1),
]


@pytest.mark.parametrize("backend", BACKENDS)
def test_database_truncation_matches_python(request: pytest.FixtureRequest, backend: str) -> None:
    wh = open_backend(request, backend)
    try:
        t = ibis.memtable(pa.table({"d": pa.array(DAYS, pa.date32())}))
        for grain in Grain:
            out = wh.ibis.to_pyarrow(t.select(p=truncate(t.d, grain)))
            assert out.column("p").to_pylist() == [period_start(d, grain) for d in DAYS], grain
    finally:
        wh.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_weekly_otd_across_the_year_end(request: pytest.FixtureRequest, backend: str) -> None:
    wh = open_backend(request, backend)
    lines = [  # (promised, delivered): each line of one unit, ordered on 20 Dec 2024
        (D(2024, 12, 29), D(2024, 12, 29)),  # ISO 2024-W52, on time
        (D(2024, 12, 30), D(2024, 12, 31)),  # 2025-W01 (Monday 30 Dec), late
        (D(2025, 1, 1), D(2025, 1, 1)),  # 2025-W01, on time
        (D(2025, 1, 5), D(2025, 1, 4)),  # 2025-W01 (Sunday), on time
        (D(2025, 1, 6), D(2025, 1, 6)),  # 2025-W02, on time
    ]
    order_lines = pa.table(
        {
            "order_id": [f"W{i}" for i in range(len(lines))],
            "line_no": [1] * len(lines),
            "customer_id": ["C1"] * len(lines),
            "sku": ["A"] * len(lines),
            "site_id": ["DAL"] * len(lines),
            "order_date": [D(2024, 12, 20)] * len(lines),
            "promised_date": [p for p, _ in lines],
            "ship_date": [d for _, d in lines],
            "delivery_date": [d for _, d in lines],
            "qty_ordered": [1.0] * len(lines),
            "qty_shipped": [1.0] * len(lines),
            "unit_price": [10.0] * len(lines),
            "unit_cost": [5.0] * len(lines),
            "status": ["delivered"] * len(lines),
        }
    )
    try:
        load_arrow(wh, {**reference(), "order_lines": order_lines}, label="weeks")
        t = compute(wh, ["otd"], "week", as_of=D(2025, 1, 12))
        # 2025-W01 starts on Monday 30 Dec 2024 and holds 3 lines, 2 on time.
        assert ratio(t, "otd", "2025-W01", Grain.WEEK) == (2, 3, pytest.approx(2 / 3))
        assert ratio(t, "otd", "2024-W52", Grain.WEEK) == (1, 1, 1.0)
        assert ratio(t, "otd", "2025-W02", Grain.WEEK) == (1, 1, 1.0)
        assert t.column("period_start").to_pylist() == [
            D(2024, 12, 23),
            D(2024, 12, 30),
            D(2025, 1, 6),
        ]
        # Years are calendar years: 2024 holds 29 Dec (on time) and 30 Dec (late)
        # although 30 Dec opens ISO week 2025-W01; 2025 holds the other three, on time.
        t = compute(wh, ["otd"], "year", as_of=D(2025, 1, 12))
        assert ratio(t, "otd", "2024", Grain.YEAR) == (1, 2, 0.5)
        assert ratio(t, "otd", "2025", Grain.YEAR) == (3, 3, 1.0)
    finally:
        wh.close()
