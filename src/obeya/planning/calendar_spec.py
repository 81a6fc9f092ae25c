"""The working calendar as a YAML document: weekdays worked, holidays, site overrides.

Example::

    workdays: [mon, tue, wed, thu, fri]   # the company's working week (the default)
    holidays: [2026-01-01, 2026-04-03, 2026-12-25]
    sites:
      P-PL1:
        workdays: [mon, tue, wed, thu, fri, sat]   # this site also works Saturdays
        holidays: [2026-05-03]                     # added to the company's holidays
        hours_per_day: 20                          # replaces resources.hours_per_day here

Unknown keys are refused and every problem is reported at once with its file and
line (see ``docs/planning.md``). :meth:`CalendarSpec.work_calendar` turns the
document into the :class:`~obeya.planning.WorkCalendar` the capacity engine counts
working days with: the weekmask is the union of every site's working week, and a
site that does not work one of those weekdays gets those dates as its own holidays,
which counts exactly the same days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from obeya.errors import SpecError
from obeya.planning._specio import load_document, validate_spec
from obeya.planning.capacity import WorkCalendar

__all__ = ["CalendarSpec", "SiteCalendar", "Weekday", "load_calendar", "parse_calendar"]


class Weekday(StrEnum):
    """A day of the week, written by its first three letters."""

    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"

    @property
    def number(self) -> int:
        """0 for Monday to 6 for Sunday (``datetime.date.weekday``)."""
        return list(Weekday).index(self)


def _weekday(value: Any) -> Any:
    """Accept ``Monday``, ``MON`` or ``mon`` alike."""
    if isinstance(value, str):
        return value.strip().lower()[:3]
    return value


HoursPerDay = Annotated[float, Field(gt=0, le=24, allow_inf_nan=False)]
_WEEK = (Weekday.MON, Weekday.TUE, Weekday.WED, Weekday.THU, Weekday.FRI)


class SiteCalendar(BaseModel):
    """A site's departures from the company calendar."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    workdays: tuple[Weekday, ...] | None = Field(
        default=None, min_length=1, description="The site's working week; default the company's"
    )
    holidays: tuple[dt.date, ...] = Field(
        default=(), description="The site's own holidays, added to the company's"
    )
    hours_per_day: HoursPerDay | None = Field(
        default=None, description="Hours per working day of every resource at the site"
    )

    @field_validator("workdays", mode="before")
    @classmethod
    def _names(cls, value: Any) -> Any:
        return [_weekday(v) for v in value] if isinstance(value, list | tuple) else value


class CalendarSpec(BaseModel):
    """Which days each site works; see the module docstring."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    workdays: tuple[Weekday, ...] = Field(
        default=_WEEK, min_length=1, description="The company's working week"
    )
    holidays: tuple[dt.date, ...] = Field(default=(), description="Days no site works")
    sites: Mapping[str, SiteCalendar] = Field(
        default_factory=lambda: MappingProxyType({}), description="Per-site overrides"
    )

    @field_validator("workdays", mode="before")
    @classmethod
    def _names(cls, value: Any) -> Any:
        return [_weekday(v) for v in value] if isinstance(value, list | tuple) else value

    def site_workdays(self, site: str) -> tuple[int, ...]:
        """Weekday numbers (0 = Monday) the site works."""
        own = self.sites.get(site)
        days = own.workdays if own is not None and own.workdays is not None else self.workdays
        return tuple(sorted({d.number for d in days}))

    def hours_per_day(self, site: str) -> float | None:
        """The site's hours per working day override, if any."""
        own = self.sites.get(site)
        return None if own is None else own.hours_per_day

    def check_sites(self, known: Sequence[str], source: str = "calendar") -> None:
        """Refuse site overrides for sites the warehouse does not have."""
        unknown = sorted(set(self.sites) - set(known))
        if unknown:
            raise SpecError(
                f"{source}: sites {', '.join(unknown)} are not in the warehouse's sites "
                f"({', '.join(sorted(known))}); fix the site ids or remove them"
            )

    def work_calendar(self, sites: Sequence[str], start: dt.date, end: dt.date) -> WorkCalendar:
        """The calendar of ``sites`` for counting working days in ``[start, end)``.

        The weekmask is the union of the sites' working weeks; the dates in
        ``[start, end)`` of a weekday a site does not work become its holidays.
        """
        union = sorted(
            {d for s in sites for d in self.site_workdays(s)} | set(self.workdays_numbers)
        )
        days = np.arange(np.datetime64(start, "D"), np.datetime64(end, "D"))
        weekday = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
        site_holidays: dict[str, tuple[dt.date, ...]] = {}
        for site in sites:  # a handful of sites
            idle = days[~np.isin(weekday, self.site_workdays(site))].astype(dt.date).tolist()
            own = self.sites.get(site)
            extra = list(own.holidays) if own is not None else []
            site_holidays[site] = tuple(sorted(set(idle) | set(extra)))
        return WorkCalendar(
            workdays=tuple(union),
            holidays=tuple(sorted(set(self.holidays))),
            site_holidays=MappingProxyType(site_holidays),
        )

    @property
    def workdays_numbers(self) -> tuple[int, ...]:
        return tuple(sorted({d.number for d in self.workdays}))


def parse_calendar(data: Mapping[str, Any], *, source: str = "<calendar>") -> CalendarSpec:
    """Validate an already-parsed calendar document."""
    return validate_spec(CalendarSpec, data, source=source)


def load_calendar(path: str | Path | None) -> CalendarSpec:
    """Read a calendar YAML file; ``None`` gives the default (Monday to Friday)."""
    if path is None:
        return CalendarSpec()
    data, lines = load_document(path)
    return validate_spec(CalendarSpec, data, source=str(path), lines=lines)
