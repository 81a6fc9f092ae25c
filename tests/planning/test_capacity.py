"""Rough-cut capacity against loads and calendars worked out by hand."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from obeya.errors import DataError, SpecError
from obeya.planning import ForecastColumns, PeriodGrain, WorkCalendar, rough_cut_capacity

RESOURCES = pd.DataFrame(
    {
        "resource_id": ["R1", "R2", "R3"],
        "site_id": ["S1", "S1", "S2"],
        "name": ["press", "pack", "press"],
        "hours_per_day": [8.0, 16.0, 8.0],
    }
)
ROUTINGS = pd.DataFrame(
    {
        "sku": ["A", "A", "B", "A"],
        "resource_id": ["R1", "R2", "R1", "R3"],
        "hours_per_unit": [0.5, 0.25, 1.0, 0.4],
    }
)
FORECAST = pd.DataFrame(
    {
        "sku": ["A", "B", "A", "B", "A", "B"],
        "site": ["S1", "S1", "S1", "S1", "S2", "S2"],
        "period": ["2026-01", "2026-01", "2026-02", "2026-02", "2026-01", "2026-02"],
        "units": [200, 100, 100, 200, 300, 50],
    }
)
# January 2026 starts on a Thursday: Thu 1, Fri 2, three full weeks (5-25) and
# Mon 26 - Fri 30 give 2 + 15 + 5 = 22 weekdays; New Year's Day off leaves 21.
# February 2026 starts on a Sunday and has exactly four weeks: 20 weekdays;
# site S2 also closes on Monday 16 February: 19.
CALENDAR = WorkCalendar(holidays=(date(2026, 1, 1),), site_holidays={"S2": (date(2026, 2, 16),)})


def report() -> pd.DataFrame:
    return rough_cut_capacity(FORECAST, ROUTINGS, RESOURCES, calendar=CALENDAR).load


def row(load: pd.DataFrame, resource: str, period: str) -> pd.Series:
    return load.loc[(load["resource_id"] == resource) & (load["period"] == period)].iloc[0]


def test_loads_available_hours_and_utilisation_by_hand() -> None:
    load = report()
    assert len(load) == 3 * 2  # every resource in every forecast period
    r1_jan = row(load, "R1", "2026-01")
    # R1 January: 200 A x 0.5 h + 100 B x 1.0 h = 200 h against 8 h x 21 days = 168 h.
    assert r1_jan["working_days"] == 21
    assert r1_jan["load_hours"] == pytest.approx(200)
    assert r1_jan["available_hours"] == pytest.approx(168)
    assert r1_jan["utilisation"] == pytest.approx(200 / 168)
    assert r1_jan["overload_hours"] == pytest.approx(32)
    assert r1_jan["overloaded"]
    # R1 February: 100 x 0.5 + 200 x 1.0 = 250 h against 8 x 20 = 160 h.
    r1_feb = row(load, "R1", "2026-02")
    assert r1_feb["utilisation"] == pytest.approx(250 / 160)
    # R2 January: 200 A x 0.25 = 50 h against 16 x 21 = 336 h.
    assert row(load, "R2", "2026-01")["utilisation"] == pytest.approx(50 / 336)
    # R3 (site S2) January: 300 A x 0.4 = 120 h against 168 h; February: no A
    # forecast at S2 (B has no routing there) against 8 x 19 = 152 h.
    assert row(load, "R3", "2026-01")["utilisation"] == pytest.approx(120 / 168)
    r3_feb = row(load, "R3", "2026-02")
    assert (r3_feb["working_days"], r3_feb["load_hours"], r3_feb["utilisation"]) == (19, 0.0, 0.0)


def test_forecast_loads_only_resources_of_its_own_site() -> None:
    load = report()
    # A at S2 (300 units) must not load R1/R2 at S1: R2 January stays at 50 h.
    assert row(load, "R2", "2026-01")["load_hours"] == pytest.approx(50)


def test_bottlenecks_ranked_by_peak_then_mean_and_unrouted_reported() -> None:
    rep = rough_cut_capacity(FORECAST, ROUTINGS, RESOURCES, calendar=CALENDAR)
    b = rep.bottlenecks
    assert b["resource_id"].tolist() == ["R1", "R3", "R2"]
    assert b["rank"].tolist() == [1, 2, 3]
    first = b.iloc[0]
    assert first["peak_utilisation"] == pytest.approx(250 / 160)
    assert first["peak_period"] == "2026-02"
    assert first["mean_utilisation"] == pytest.approx((200 / 168 + 250 / 160) / 2)
    assert first["overloaded_periods"] == 2
    assert rep.overloaded["resource_id"].tolist() == ["R1", "R1"]
    # B at S2 has no routing there: 50 units load nothing and are flagged.
    assert rep.unrouted.to_dict("records") == [{"sku": "B", "site": "S2", "units": 50.0}]


def test_chart_data_is_long_load_and_available() -> None:
    chart = rough_cut_capacity(FORECAST, ROUTINGS, RESOURCES, calendar=CALENDAR).chart_data()
    assert set(chart["measure"]) == {"load", "available"}
    assert len(chart) == 2 * 6
    r1 = chart[(chart["resource_id"] == "R1") & (chart["period"] == "2026-01")]
    assert dict(zip(r1["measure"], r1["hours"], strict=True)) == {"load": 200.0, "available": 168.0}


def test_threshold_flags_planned_headroom() -> None:
    # At an 85 % threshold R3 January (120/168 = 71 %) is fine and R2 too.
    rep = rough_cut_capacity(
        FORECAST, ROUTINGS, RESOURCES, calendar=CALENDAR, overload_threshold=0.7
    )
    assert set(rep.overloaded["resource_id"]) == {"R1", "R3"}
    r3 = rep.overloaded[rep.overloaded["resource_id"] == "R3"].iloc[0]
    assert r3["overload_hours"] == pytest.approx(120 - 0.7 * 168)


def test_weekly_grain_with_custom_columns_and_a_six_day_week() -> None:
    # Dates anywhere in ISO week 2026-W02 (Mon 5 - Sun 11 January) fall in that week.
    forecast = pd.DataFrame(
        {
            "item": ["A", "A"],
            "location": ["S1", "S1"],
            "week_of": ["2026-01-07", "2026-01-11"],
            "qty": [40, 60],
        }
    )
    cols = ForecastColumns(sku="item", site="location", period="week_of", units="qty")
    cal = WorkCalendar(workdays=(0, 1, 2, 3, 4, 5), holidays=(date(2026, 1, 6),))
    load = rough_cut_capacity(
        forecast, ROUTINGS, RESOURCES, grain=PeriodGrain.WEEK, calendar=cal, columns=cols
    ).load
    r1 = row(load, "R1", "2026-W02")
    # Mon-Sat less Tuesday 6 January: 5 days x 8 h = 40 h; load 100 x 0.5 = 50 h.
    assert r1["working_days"] == 5
    assert r1["load_hours"] == pytest.approx(50)
    assert r1["period_start"] == pd.Timestamp("2026-01-05")


def test_daily_grain_weekend_has_no_capacity() -> None:
    forecast = pd.DataFrame({"sku": ["A"], "site": ["S1"], "period": ["2026-01-03"], "units": [2]})
    load = rough_cut_capacity(forecast, ROUTINGS, RESOURCES, grain=PeriodGrain.DAY).load
    r1 = row(load, "R1", "2026-01-03")  # a Saturday
    assert r1["available_hours"] == 0
    assert r1["utilisation"] == float("inf")
    assert r1["overloaded"]


@pytest.mark.parametrize(
    ("tables", "error", "message"),
    [
        ({"forecast": FORECAST.drop(columns="units")}, DataError, "forecast: missing column"),
        (
            {"routings": pd.concat([ROUTINGS, ROUTINGS.iloc[:1]])},
            DataError,
            r"\(A, R1\) appears more than once",
        ),
        (
            {
                "routings": pd.DataFrame(
                    {"sku": ["A"], "resource_id": ["R9"], "hours_per_unit": [1.0]}
                )
            },
            DataError,
            "resource_id R9 not in resources",
        ),
        (
            {"forecast": FORECAST.assign(units=[-1, 1, 1, 1, 1, 1])},
            DataError,
            r"units = -1 in row 1",
        ),
    ],
)
def test_bad_tables_are_refused(
    tables: dict[str, pd.DataFrame], error: type[Exception], message: str
) -> None:
    args = {"forecast": FORECAST, "routings": ROUTINGS, "resources": RESOURCES, **tables}
    with pytest.raises(error, match=message):
        rough_cut_capacity(args["forecast"], args["routings"], args["resources"])


def test_bad_calendar_and_threshold_are_refused() -> None:
    with pytest.raises(SpecError, match="weekday numbers 0"):
        WorkCalendar(workdays=(7,))
    with pytest.raises(SpecError, match="overload_threshold = 0"):
        rough_cut_capacity(FORECAST, ROUTINGS, RESOURCES, overload_threshold=0)


def test_arrow_tables_give_the_same_report() -> None:
    import pyarrow as pa

    arrow = rough_cut_capacity(
        pa.Table.from_pandas(FORECAST),
        pa.Table.from_pandas(ROUTINGS),
        pa.Table.from_pandas(RESOURCES),
        calendar=CALENDAR,
    )
    pd.testing.assert_frame_equal(arrow.load, report())
