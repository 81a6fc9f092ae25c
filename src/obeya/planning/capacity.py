"""Rough-cut capacity: is the forecast makeable on each resource, period by period?

    load[r, p]      = sum over SKUs of forecast units[sku, site(r), p] x hours_per_unit[sku, r]
    available[r, p] = hours_per_day[r] x working days of site(r) in p
    utilisation     = load / available

A forecast row loads only the resources of its own site that its SKU is routed
through. Working days come from a :class:`WorkCalendar` (the weekdays worked, company
holidays and per-site holidays) counted with ``numpy.busday_count``. Everything is
joins and group-bys over whole tables; the only Python loop is over sites for their
calendars.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from types import MappingProxyType
from typing import assert_never

import numpy as np
import pandas as pd

from obeya.errors import DataError, SpecError
from obeya.planning._tables import Table, as_frame, require_columns

__all__ = [
    "CapacityReport",
    "ForecastColumns",
    "PeriodGrain",
    "WorkCalendar",
    "rough_cut_capacity",
]

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class PeriodGrain(StrEnum):
    """Length of a forecast period; a period is named by any date inside it."""

    DAY = "day"
    WEEK = "week"  # ISO weeks, Monday to Sunday
    MONTH = "month"


@dataclass(frozen=True)
class WorkCalendar:
    """Which days a site works: ``workdays`` (0 = Monday) less holidays.

    ``holidays`` apply to every site; ``site_holidays`` adds a site's own.
    """

    workdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    holidays: tuple[date, ...] = ()
    site_holidays: Mapping[str, tuple[date, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )

    def __post_init__(self) -> None:
        if not self.workdays or any(d not in range(7) for d in self.workdays):
            raise SpecError(
                f"workdays = {self.workdays!r}: give weekday numbers 0 (Monday) to 6 (Sunday), "
                "at least one"
            )

    @property
    def weekmask(self) -> str:
        return " ".join(_WEEKDAYS[d] for d in sorted(set(self.workdays)))

    def working_days(
        self, starts: np.ndarray, ends: np.ndarray, site: str | None = None
    ) -> np.ndarray:
        """Working days in each half-open range ``[start, end)`` (datetime64[D] arrays)."""
        days = list(self.holidays) + list(self.site_holidays.get(site, ()) if site else ())
        holidays = np.array(days, dtype="datetime64[D]")
        return np.busday_count(
            starts.astype("datetime64[D]"),
            ends.astype("datetime64[D]"),
            weekmask=self.weekmask,
            holidays=holidays,
        )


@dataclass(frozen=True)
class ForecastColumns:
    """Column names of the forecast table (defaults follow the long-format contract)."""

    sku: str = "sku"
    site: str = "site"
    period: str = "period"
    units: str = "units"


@dataclass(frozen=True)
class CapacityReport:
    """Load against capacity per resource and period, and the bottleneck ranking.

    ``load`` columns: resource_id, site_id, period, period_start, working_days,
    load_hours, available_hours, utilisation, overload_hours, overloaded.
    ``bottlenecks``: resource_id, site_id, peak_utilisation, peak_period,
    mean_utilisation, overloaded_periods, overload_hours, rank (1 = worst).
    ``unrouted``: forecast units of SKUs with no routing at their site (they load
    nothing, which usually means a gap in the routing master data).
    """

    load: pd.DataFrame
    bottlenecks: pd.DataFrame
    unrouted: pd.DataFrame
    grain: PeriodGrain
    threshold: float

    @property
    def overloaded(self) -> pd.DataFrame:
        """The (resource, period) rows whose load exceeds the threshold."""
        return self.load.loc[self.load["overloaded"]].reset_index(drop=True)

    def chart_data(self) -> pd.DataFrame:
        """Long table for a load-vs-capacity chart: resource_id, site_id, period,
        period_start, measure (``load`` or ``available``), hours."""
        return self.load.melt(
            id_vars=["resource_id", "site_id", "period", "period_start"],
            value_vars=["load_hours", "available_hours"],
            var_name="measure",
            value_name="hours",
        ).assign(measure=lambda d: d["measure"].str.removesuffix("_hours"))


def _non_negative(frame: pd.DataFrame, column: str, table: str) -> None:
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = values.isna() | ~np.isfinite(values) | (values < 0)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"{table}: {column} = {frame[column].iloc[row]} in row {row + 1} (counting data "
            f"rows from 1): must be a finite number >= 0 ({int(bad.sum())} such rows)"
        )


def _period_bounds(values: pd.Series, grain: PeriodGrain) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(start, end, label) of the period holding each date, for the grain."""
    stamps = pd.to_datetime(values).dt.normalize()
    match grain:
        case PeriodGrain.DAY:
            start = stamps
            end = start + pd.Timedelta(days=1)
            label = start.dt.strftime("%Y-%m-%d")
        case PeriodGrain.WEEK:
            start = stamps - pd.to_timedelta(stamps.dt.day_of_week, unit="D")
            end = start + pd.Timedelta(days=7)
            iso = start.dt.isocalendar()
            label = iso["year"].astype(str) + "-W" + iso["week"].astype(str).str.zfill(2)
        case PeriodGrain.MONTH:
            start = stamps.dt.to_period("M").dt.start_time
            end = start + pd.offsets.MonthBegin(1)
            label = start.dt.strftime("%Y-%m")
        case _:
            assert_never(grain)
    return start, end, label


def rough_cut_capacity(
    forecast: Table,
    routings: Table,
    resources: Table,
    *,
    grain: PeriodGrain = PeriodGrain.MONTH,
    calendar: WorkCalendar | None = None,
    columns: ForecastColumns | None = None,
    overload_threshold: float = 1.0,
) -> CapacityReport:
    """Load every resource with the forecast and compare with its available hours.

    ``forecast`` (sku, site, period, units; names configurable with ``columns``),
    ``routings`` (sku, resource_id, hours_per_unit) and ``resources`` (resource_id,
    site_id, hours_per_day) are long tables as in the data model. A period is
    overloaded when utilisation exceeds ``overload_threshold`` (1.0 = 100 %).
    """
    forecast = as_frame(forecast)
    routings = as_frame(routings)
    resources = as_frame(resources)
    cal = calendar or WorkCalendar()
    col = columns or ForecastColumns()
    if not overload_threshold > 0:
        raise SpecError(
            f"overload_threshold = {overload_threshold!r}: must be > 0, e.g. 1.0 or 0.85"
        )
    require_columns(forecast, [col.sku, col.site, col.period, col.units], "forecast")
    require_columns(routings, ["sku", "resource_id", "hours_per_unit"], "routings")
    require_columns(resources, ["resource_id", "site_id", "hours_per_day"], "resources")
    _non_negative(forecast, col.units, "forecast")
    _non_negative(routings, "hours_per_unit", "routings")
    _non_negative(resources, "hours_per_day", "resources")
    dup = routings.duplicated(["sku", "resource_id"])
    if dup.any():
        first = routings.loc[dup].iloc[0]
        raise DataError(
            f"routings: ({first['sku']}, {first['resource_id']}) appears more than once; "
            "the key (sku, resource_id) must be unique"
        )
    unknown = ~routings["resource_id"].isin(resources["resource_id"])
    if unknown.any():
        names = sorted(routings.loc[unknown, "resource_id"].astype(str).unique())[:5]
        raise DataError(
            f"routings: resource_id {', '.join(names)} not in resources; add the resource "
            "or fix the routing"
        )

    fc = pd.DataFrame(
        {
            "sku": forecast[col.sku].astype(str),
            "site_id": forecast[col.site].astype(str),
            "units": pd.to_numeric(forecast[col.units]).astype(float),
        }
    )
    fc["period_start"], fc["period_end"], fc["period"] = _period_bounds(forecast[col.period], grain)
    res = resources[["resource_id", "site_id", "hours_per_day"]].astype(
        {"resource_id": str, "site_id": str, "hours_per_day": float}
    )
    rout = routings[["sku", "resource_id", "hours_per_unit"]].astype(
        {"sku": str, "resource_id": str, "hours_per_unit": float}
    )
    # Routings restricted to resources of the forecast row's own site.
    routed = rout.merge(res[["resource_id", "site_id"]], on="resource_id")
    lines = fc.merge(routed, on=["sku", "site_id"], how="left", indicator=True)
    unrouted = (
        lines.loc[lines["_merge"] == "left_only"]
        .groupby(["sku", "site_id"], as_index=False)["units"]
        .sum()
        .rename(columns={"site_id": "site"})
    )
    lines = lines.loc[lines["_merge"] == "both"]
    lines = lines.assign(load_hours=lines["units"] * lines["hours_per_unit"])
    load = lines.groupby(["resource_id", "period_start"], as_index=False)["load_hours"].sum()

    periods = fc[["period_start", "period_end", "period"]].drop_duplicates("period_start")
    grid = res.merge(periods, how="cross")
    grid["working_days"] = 0
    for site, idx in grid.groupby("site_id").groups.items():
        part = grid.loc[idx]
        grid.loc[idx, "working_days"] = cal.working_days(
            part["period_start"].to_numpy(), part["period_end"].to_numpy(), str(site)
        )
    grid = grid.merge(load, on=["resource_id", "period_start"], how="left")
    grid["load_hours"] = grid["load_hours"].fillna(0.0)
    grid["available_hours"] = grid["hours_per_day"] * grid["working_days"]
    avail = grid["available_hours"].to_numpy()
    ld = grid["load_hours"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        util = np.where(avail > 0, ld / avail, np.where(ld > 0, np.inf, np.nan))
    grid["utilisation"] = util
    grid["overload_hours"] = np.maximum(ld - overload_threshold * avail, 0.0)
    grid["overloaded"] = ld > overload_threshold * avail
    grid = grid.sort_values(["resource_id", "period_start"]).reset_index(drop=True)
    load_table = grid[
        [
            "resource_id",
            "site_id",
            "period",
            "period_start",
            "working_days",
            "load_hours",
            "available_hours",
            "utilisation",
            "overload_hours",
            "overloaded",
        ]
    ]
    return CapacityReport(
        load=load_table,
        bottlenecks=_bottlenecks(load_table),
        unrouted=unrouted.reset_index(drop=True),
        grain=grain,
        threshold=overload_threshold,
    )


def _bottlenecks(load: pd.DataFrame) -> pd.DataFrame:
    """Resources ranked by peak utilisation, then mean utilisation (1 = worst)."""
    util = load["utilisation"].fillna(0.0)
    peak_idx = util.groupby(load["resource_id"]).idxmax()
    stats = (
        load.assign(u=util)
        .groupby(["resource_id", "site_id"], as_index=False)
        .agg(
            peak_utilisation=("u", "max"),
            mean_utilisation=("u", "mean"),
            overloaded_periods=("overloaded", "sum"),
            overload_hours=("overload_hours", "sum"),
        )
    )
    stats["peak_period"] = stats["resource_id"].map(
        load.loc[peak_idx.to_numpy()].set_index("resource_id")["period"]
    )
    stats = stats.sort_values(
        ["peak_utilisation", "mean_utilisation", "resource_id"], ascending=[False, False, True]
    ).reset_index(drop=True)
    stats["rank"] = np.arange(1, len(stats) + 1)
    return stats[
        [
            "rank",
            "resource_id",
            "site_id",
            "peak_utilisation",
            "peak_period",
            "mean_utilisation",
            "overloaded_periods",
            "overload_hours",
        ]
    ]
