"""Reporting periods: grains, truncation (in Python and in Ibis), labels and shifts.

A period is identified by its first day (``period_start``). Weeks are ISO weeks and
start on Monday, so 2024-12-30 opens ISO week 2025-W01. The same truncation runs in
the database (``truncate``) and in Python (``period_start``); the tests check that
they agree across year ends.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from enum import StrEnum
from typing import assert_never

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.operations as ops
import ibis.expr.types as ir

from obeya.errors import ConfigError

__all__ = [
    "Grain",
    "calendar_days",
    "elapsed_days",
    "last_year_start",
    "parse_period",
    "period_end",
    "period_label",
    "period_start",
    "periods_between",
    "prior_start",
    "shift",
    "truncate",
]


class Grain(StrEnum):
    """How finely a KPI is cut in time."""

    DAY = "day"
    WEEK = "week"  # ISO week, Monday to Sunday
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"

    @property
    def rank(self) -> int:
        """0 for day up to 4 for year: a larger rank is a coarser grain."""
        return list(Grain).index(self)

    @property
    def periods_per_year(self) -> int:
        match self:
            case Grain.DAY:
                return 365
            case Grain.WEEK:
                return 52
            case Grain.MONTH:
                return 12
            case Grain.QUARTER:
                return 4
            case Grain.YEAR:
                return 1
            case _:
                assert_never(self)

    @classmethod
    def parse(cls, value: str | Grain) -> Grain:
        try:
            return cls(value)
        except ValueError:
            known = ", ".join(g.value for g in cls)
            raise ConfigError(f"unknown grain {value!r}; use one of {known}") from None


def period_start(day: date, grain: Grain) -> date:
    """The first day of the period of ``grain`` that contains ``day``."""
    match grain:
        case Grain.DAY:
            return day
        case Grain.WEEK:
            return day - timedelta(days=day.weekday())
        case Grain.MONTH:
            return day.replace(day=1)
        case Grain.QUARTER:
            return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        case Grain.YEAR:
            return date(day.year, 1, 1)
        case _:
            assert_never(grain)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def shift(start: date, grain: Grain, n: int) -> date:
    """The start of the period ``n`` periods after (negative: before) ``start``."""
    match grain:
        case Grain.DAY:
            return start + timedelta(days=n)
        case Grain.WEEK:
            return start + timedelta(weeks=n)
        case Grain.MONTH:
            return _add_months(start, n)
        case Grain.QUARTER:
            return _add_months(start, 3 * n)
        case Grain.YEAR:
            return _add_months(start, 12 * n)
        case _:
            assert_never(grain)


def prior_start(start: date, grain: Grain) -> date:
    return shift(start, grain, -1)


def last_year_start(start: date, grain: Grain) -> date | None:
    """The same period one year earlier, or None when it does not exist.

    Days compare with the same calendar date (29 February has none), weeks with the
    same ISO week number of the previous ISO year (week 53 may have none), months,
    quarters and years with the same one a year before.
    """
    match grain:
        case Grain.DAY:
            try:
                return start.replace(year=start.year - 1)
            except ValueError:
                return None
        case Grain.WEEK:
            iso = start.isocalendar()
            try:
                return date.fromisocalendar(iso.year - 1, iso.week, 1)
            except ValueError:
                return None
        case Grain.MONTH | Grain.QUARTER | Grain.YEAR:
            return start.replace(year=start.year - 1)
        case _:
            assert_never(grain)


def period_end(start: date, grain: Grain) -> date:
    """The last day of the period starting at ``start``."""
    return shift(start, grain, 1) - timedelta(days=1)


def calendar_days(start: date, grain: Grain) -> int:
    return (period_end(start, grain) - start).days + 1


def elapsed_days(start: date, grain: Grain, as_of: date) -> int:
    """Calendar days of the period up to ``as_of`` (all of them for a past period)."""
    last = min(period_end(start, grain), as_of)
    return max((last - start).days + 1, 0)


def periods_between(first: date, last: date, grain: Grain) -> list[date]:
    """Starts of every period from the one holding ``first`` to the one holding ``last``."""
    out: list[date] = []
    current, stop = period_start(first, grain), period_start(last, grain)
    while current <= stop:
        out.append(current)
        current = shift(current, grain, 1)
    return out


def period_label(start: date, grain: Grain) -> str:
    """``2025-01-31``, ``2025-W01``, ``2025-01``, ``2025-Q1`` or ``2025``."""
    match grain:
        case Grain.DAY:
            return start.isoformat()
        case Grain.WEEK:
            iso = start.isocalendar()
            return f"{iso.year}-W{iso.week:02d}"
        case Grain.MONTH:
            return f"{start.year}-{start.month:02d}"
        case Grain.QUARTER:
            return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
        case Grain.YEAR:
            return f"{start.year}"
        case _:
            assert_never(grain)


_WEEK = re.compile(r"(\d{4})-W(\d{2})")
_QUARTER = re.compile(r"(\d{4})-Q([1-4])")
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_YEAR = re.compile(r"(\d{4})")


def parse_period(value: date | str, grain: Grain) -> date:
    """The start of the period named by a date or a label (any grain's label form).

    ``2025-03-14`` with grain month gives 2025-03-01; ``2025-W01`` gives 2024-12-30.
    """
    if isinstance(value, date):
        return period_start(value, grain)
    text = value.strip()
    try:
        if m := _WEEK.fullmatch(text):
            day = date.fromisocalendar(int(m[1]), int(m[2]), 1)
        elif m := _QUARTER.fullmatch(text):
            day = date(int(m[1]), 3 * (int(m[2]) - 1) + 1, 1)
        elif m := _MONTH.fullmatch(text):
            day = date(int(m[1]), int(m[2]), 1)
        elif m := _YEAR.fullmatch(text):
            day = date(int(m[1]), 1, 1)
        else:
            day = date.fromisoformat(text)
    except ValueError:
        raise ConfigError(
            f"period {value!r} is not a date or a period label; write 2025-03-14, "
            "2025-W11, 2025-03, 2025-Q1 or 2025"
        ) from None
    return period_start(day, grain)


_IBIS_UNITS = {
    Grain.DAY: "D",
    Grain.WEEK: "W",
    Grain.MONTH: "M",
    Grain.QUARTER: "Q",
    Grain.YEAR: "Y",
}


def truncate(value: ir.DateValue, grain: Grain) -> ir.DateValue:
    """The period start of a date column, computed in the database.

    ``date_trunc('week', ...)`` starts weeks on Monday on DuckDB and PostgreSQL alike.
    PostgreSQL returns a timestamp, so the result is cast back to a date explicitly
    (Ibis would otherwise drop a cast it thinks is a no-op).
    """
    if grain is Grain.DAY:
        return value
    truncated = value.truncate(_IBIS_UNITS[grain])  # type: ignore[arg-type]
    return ops.Cast(truncated, to=dt.date).to_expr()  # type: ignore[return-value]


def date_literal(day: date) -> ir.DateValue:
    return ibis.literal(day, type="date")  # type: ignore[return-value]
