"""Calendar periods (day, ISO week, month) as NumPy ``datetime64[D]`` arrays.

A period is named by its first day; its end is the first day of the next period
(half-open ``[start, end)``). Labels match :func:`~obeya.planning.rough_cut_capacity`:
``2026-01-05`` for a day, ``2026-W02`` for an ISO week, ``2026-01`` for a month.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, assert_never

import numpy as np
from numpy.typing import NDArray

from obeya.planning.capacity import PeriodGrain

__all__ = [
    "DateArray",
    "as_days",
    "floor",
    "labels",
    "next_start",
    "period_range",
    "periods_per_year",
]

DateArray = NDArray[np.datetime64]
DateLike = Any  # dates as a NumPy array, a pandas Series or a list of ``date``
_MONDAY_OFFSET = 3  # 1970-01-01 was a Thursday: (days + 3) % 7 is 0 on Mondays


def as_days(values: DateLike) -> DateArray:
    """Dates (``date``, strings, timestamps) as ``datetime64[D]``."""
    out: DateArray = np.asarray(values, dtype="datetime64[D]")
    return out


def floor(days: DateLike, grain: PeriodGrain) -> DateArray:
    """The first day of the period holding each date."""
    d = as_days(days)
    match grain:
        case PeriodGrain.DAY:
            return d
        case PeriodGrain.WEEK:
            weekday = (d.astype(np.int64) + _MONDAY_OFFSET) % 7
            out: DateArray = d - weekday.astype("timedelta64[D]")
            return out
        case PeriodGrain.MONTH:
            month: DateArray = d.astype("datetime64[M]").astype("datetime64[D]")
            return month
        case _:
            assert_never(grain)


def next_start(starts: DateLike, grain: PeriodGrain, count: int = 1) -> DateArray:
    """The first day of the period ``count`` periods after each period start."""
    s = as_days(starts)
    match grain:
        case PeriodGrain.DAY:
            return s + np.timedelta64(count, "D")
        case PeriodGrain.WEEK:
            return s + np.timedelta64(7 * count, "D")
        case PeriodGrain.MONTH:
            months = s.astype("datetime64[M]") + np.timedelta64(count, "M")
            out: DateArray = months.astype("datetime64[D]")
            return out
        case _:
            assert_never(grain)


def period_range(first: dt.date | np.datetime64, count: int, grain: PeriodGrain) -> DateArray:
    """``count`` consecutive period starts from the period holding ``first``."""
    start = floor(np.array([first], dtype="datetime64[D]"), grain)[0]
    out: DateArray = start + _offsets(start, count, grain)
    return out


def _offsets(start: np.datetime64, count: int, grain: PeriodGrain) -> NDArray[np.timedelta64]:
    steps = np.arange(count)
    match grain:
        case PeriodGrain.DAY:
            return steps.astype("timedelta64[D]")
        case PeriodGrain.WEEK:
            return (7 * steps).astype("timedelta64[D]")
        case PeriodGrain.MONTH:
            months = start.astype("datetime64[M]") + steps.astype("timedelta64[M]")
            out: NDArray[np.timedelta64] = months.astype("datetime64[D]") - start
            return out
        case _:
            assert_never(grain)


def labels(starts: DateLike, grain: PeriodGrain) -> list[str]:
    """Period names: ``YYYY-MM-DD``, ``YYYY-Www`` (ISO week) or ``YYYY-MM``."""
    s = as_days(starts)
    match grain:
        case PeriodGrain.DAY:
            return [str(d) for d in s]
        case PeriodGrain.WEEK:
            return [
                f"{iso[0]}-W{iso[1]:02d}" for iso in (d.isocalendar() for d in s.astype(dt.date))
            ]
        case PeriodGrain.MONTH:
            return [str(m) for m in s.astype("datetime64[M]")]
        case _:
            assert_never(grain)


def periods_per_year(grain: PeriodGrain) -> float:
    """How many periods of the grain make a year (365.25 days)."""
    match grain:
        case PeriodGrain.DAY:
            return 365.25
        case PeriodGrain.WEEK:
            return 365.25 / 7.0
        case PeriodGrain.MONTH:
            return 12.0
        case _:
            assert_never(grain)
