"""Rough-cut capacity of a demand frame, with a calendar and scenario changes.

:func:`capacity_plan` loads every resource with the demand through its routings
(:func:`~obeya.planning.rough_cut_capacity`), counts available hours with the
calendar (:class:`~obeya.planning.calendar_spec.CalendarSpec`), then applies the
scenario's changes:

* a :class:`CapacityChange` multiplies the hours of a site's (or one resource's)
  working days from ``start`` to ``end`` (inclusive) by ``factor``; changes that
  overlap multiply. ``available = hours_per_day x sum over working days of the
  product of the factors active that day``.
* demand shipped from a site that cannot make the SKU (a distribution centre: no
  routing of the SKU at that site) loads the sites that can, split evenly between
  them (:func:`source_demand`); demand of a SKU routed nowhere stays unrouted;
* a :class:`NewResource` adds a resource with its hours per day; with ``like`` it is
  a parallel line of an existing resource: the two share that resource's load in
  proportion to their available hours (equal utilisation).

The summary utilisation is a ratio of sums: total load over total available hours
of the resources some routing uses (a resource no routing uses cannot be a
bottleneck), never a mean of ratios.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from obeya.errors import SpecError
from obeya.planning._periods import DateArray, as_days, next_start
from obeya.planning.calendar_spec import CalendarSpec
from obeya.planning.capacity import (
    CapacityReport,
    ForecastColumns,
    WorkCalendar,
    _bottlenecks,  # the ranking rule lives with the engine; reused, not copied
    rough_cut_capacity,
)
from obeya.planning.demand_input import DemandFrame

__all__ = [
    "CapacityChange",
    "CapacityOutcome",
    "NewResource",
    "capacity_plan",
    "effective_days",
    "source_demand",
]


@dataclass(frozen=True, slots=True)
class CapacityChange:
    """Hours of ``site`` (or only ``resource`` there) x ``factor`` from ``start`` to ``end``."""

    site: str
    factor: float
    start: dt.date | None = None
    end: dt.date | None = None  # inclusive
    resource: str | None = None


@dataclass(frozen=True, slots=True)
class NewResource:
    """A resource added by a scenario; ``like`` makes it a parallel line of that one."""

    resource_id: str
    site_id: str
    hours_per_day: float
    like: str | None = None
    name: str = "new resource"
    kind: str = "line"


def _working_days(
    wc: WorkCalendar, sites: np.ndarray, starts: DateArray, ends: DateArray
) -> np.ndarray:
    out = np.zeros(sites.size, dtype=np.float64)
    for site in np.unique(sites):  # a handful of sites, each counted as one array
        mask = sites == site
        out[mask] = wc.working_days(starts[mask], np.maximum(ends[mask], starts[mask]), str(site))
    return out


def effective_days(
    wc: WorkCalendar,
    sites: np.ndarray,
    resources: np.ndarray | None,
    starts: DateArray,
    ends: DateArray,
    changes: Sequence[CapacityChange],
) -> np.ndarray:
    """Working days of each row ``[start, end)``, each weighted by the changes active.

    The changes' bounds cut time into segments in which every change is either on or
    off; a row's effective days are the sum over segments of its working days there
    times the product of the factors of the changes on (and matching its site and
    resource) in that segment.
    """
    total = _working_days(wc, sites, starts, ends)
    if not changes:
        return total
    bounds = sorted(
        {np.datetime64(c.start, "D") for c in changes if c.start is not None}
        | {np.datetime64(c.end, "D") + np.timedelta64(1, "D") for c in changes if c.end is not None}
    )

    def before(day: np.datetime64) -> np.ndarray:
        """Working days of each row before ``day``."""
        cut = np.clip(np.full(starts.shape, day), starts, ends)
        return _working_days(wc, sites, starts, cut)

    cumulative = [np.zeros_like(total), *(before(b) for b in bounds), total]
    edges: list[np.datetime64 | None] = [None, *bounds, None]
    out = np.zeros_like(total)
    for i in range(len(edges) - 1):  # at most 2 x changes + 1 segments
        lo, hi = edges[i], edges[i + 1]
        factor = np.ones_like(total)
        for c in changes:
            c_lo = None if c.start is None else np.datetime64(c.start, "D")
            c_hi = None if c.end is None else np.datetime64(c.end, "D") + np.timedelta64(1, "D")
            on = (c_lo is None or (lo is not None and c_lo <= lo)) and (
                c_hi is None or (hi is not None and hi <= c_hi)
            )
            if on:
                match = sites == c.site
                if c.resource is not None and resources is not None:
                    match &= resources == c.resource
                factor = np.where(match, factor * c.factor, factor)
        out += (cumulative[i + 1] - cumulative[i]) * factor
    return out


def source_demand(
    demand: pd.DataFrame, routings: pd.DataFrame, resources: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Demand moved to the sites that make it; and what moved (from, to, units).

    ``demand`` has sku, site_id, period_start, units. A row whose site has a routing of
    its SKU stays; a row whose SKU is routed only elsewhere goes to those sites, its
    units split evenly; a row whose SKU is routed nowhere stays (and loads nothing).
    """
    makers = (
        routings[["sku", "resource_id"]]
        .merge(resources[["resource_id", "site_id"]], on="resource_id")[["sku", "site_id"]]
        .drop_duplicates()
        .rename(columns={"site_id": "maker"})
    )
    makers["makers"] = makers.groupby("sku")["maker"].transform("size")
    rows = demand.reset_index(drop=True).assign(_row=lambda d: np.arange(len(d)))
    home = rows.merge(makers, left_on=["sku", "site_id"], right_on=["sku", "maker"], how="inner")
    routed_nowhere = ~rows["sku"].isin(makers["sku"])
    stays = rows["_row"].isin(home["_row"]) | routed_nowhere
    away = rows.loc[~stays].merge(makers, on="sku")
    away = away.assign(units=away["units"] / away["makers"])
    moved = (
        away.groupby(["site_id", "maker"], as_index=False)["units"]
        .sum()
        .rename(columns={"site_id": "from_site", "maker": "to_site"})
    )
    away = away.drop(columns=["site_id", "makers"]).rename(columns={"maker": "site_id"})
    out = pd.concat([rows.loc[stays], away], ignore_index=True).drop(columns="_row")
    grouped = out.groupby(["sku", "site_id", "period_start"], as_index=False)["units"].sum()
    return grouped, moved


@dataclass(frozen=True)
class CapacityOutcome:
    """The capacity report of a demand frame and the totals a scenario compares."""

    report: CapacityReport
    demand: DemandFrame
    routed: frozenset[str]
    moved: pd.DataFrame

    @property
    def peak_utilisation(self) -> float:
        util = self.report.load["utilisation"].to_numpy(dtype=np.float64)
        util = util[~np.isnan(util)]
        return float(util.max()) if util.size else 0.0

    @property
    def mean_utilisation(self) -> float:
        """Total load / total available hours of the routed resources (ratio of sums)."""
        load = self.report.load
        used = load.loc[load["resource_id"].isin(self.routed)]
        available = float(used["available_hours"].sum())
        return float(used["load_hours"].sum()) / available if available > 0 else 0.0

    @property
    def bottleneck(self) -> str | None:
        ranked = self.report.bottlenecks
        return None if ranked.empty else str(ranked["resource_id"].iloc[0])

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready object: summary, load, overloaded periods, ranking, chart data."""
        r = self.report

        def rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
            out = frame.copy()
            if "period_start" in out:
                out["period_start"] = pd.to_datetime(out["period_start"]).dt.strftime("%Y-%m-%d")
            records: list[dict[str, Any]] = out.to_dict(orient="records")
            return records

        return {
            "grain": r.grain.value,
            "demand_source": self.demand.source.value,
            "run_id": self.demand.run_id,
            "as_of": self.demand.as_of.isoformat(),
            "threshold": r.threshold,
            "periods": self.demand.labels,
            "summary": {
                "peak_utilisation": self.peak_utilisation,
                "mean_utilisation": self.mean_utilisation,
                "overloaded_periods": int(r.load["overloaded"].sum()),
                "bottleneck": self.bottleneck,
            },
            "load": rows(r.load),
            "overloaded": rows(r.overloaded),
            "bottlenecks": rows(r.bottlenecks),
            "chart": rows(r.chart_data()),
            "unrouted": rows(r.unrouted),
            "moved": rows(self.moved),
        }


def _resources(
    resources: pd.DataFrame, calendar: CalendarSpec, new: Sequence[NewResource]
) -> pd.DataFrame:
    res = resources[["resource_id", "site_id", "hours_per_day"]].copy()
    own = {s: c.hours_per_day for s, c in calendar.sites.items() if c.hours_per_day is not None}
    override = res["site_id"].map(own).astype(float)
    res["hours_per_day"] = override.fillna(res["hours_per_day"].astype(float))
    known = set(res["resource_id"])
    for n in new:  # a scenario's handful of new resources
        if n.resource_id in known:
            raise SpecError(
                f"new resource {n.resource_id!r} already exists in resources; give it a new id"
            )
        if n.like is not None:
            like = res.loc[res["resource_id"] == n.like]
            if like.empty or str(like["site_id"].iloc[0]) != n.site_id:
                raise SpecError(
                    f"new resource {n.resource_id!r}: like {n.like!r} must be a resource of "
                    f"site {n.site_id!r}"
                )
        known.add(n.resource_id)
    extra = pd.DataFrame(
        {
            "resource_id": [n.resource_id for n in new],
            "site_id": [n.site_id for n in new],
            "hours_per_day": [float(n.hours_per_day) for n in new],
        }
    )
    return pd.concat([res, extra], ignore_index=True) if new else res


def capacity_plan(
    demand: DemandFrame,
    routings: pd.DataFrame,
    resources: pd.DataFrame,
    calendar: CalendarSpec,
    *,
    threshold: float = 1.0,
    changes: Sequence[CapacityChange] = (),
    new_resources: Sequence[NewResource] = (),
) -> CapacityOutcome:
    """Load against available hours per resource and period, after the changes."""
    res = _resources(resources, calendar, new_resources)
    sites = sorted(set(res["site_id"].astype(str)))
    calendar.check_sites(sites)
    starts, ends = demand.starts, demand.ends
    wc = calendar.work_calendar(sites, starts[0].astype(dt.date), ends[-1].astype(dt.date))
    sourced, moved = source_demand(
        demand.table[["sku", "site_id", "period_start", "units"]], routings, res
    )
    report = rough_cut_capacity(
        sourced,
        routings,
        res,
        grain=demand.grain,
        calendar=wc,
        columns=ForecastColumns(site="site_id", period="period_start"),
        overload_threshold=threshold,
    )
    routed = frozenset(routings["resource_id"].astype(str)) | {
        n.resource_id for n in new_resources if n.like is not None
    }
    if not changes and not any(n.like for n in new_resources):
        return CapacityOutcome(report, demand, routed, moved)
    load = report.load.copy()
    p_start = as_days(pd.to_datetime(load["period_start"]).to_numpy())
    p_end = next_start(p_start, demand.grain)
    site_arr = load["site_id"].to_numpy(dtype=str)
    res_arr = load["resource_id"].to_numpy(dtype=str)
    days = effective_days(wc, site_arr, res_arr, p_start, p_end, changes)
    hours = load["resource_id"].map(res.set_index("resource_id")["hours_per_day"]).to_numpy()
    load["available_hours"] = hours * days
    for n in new_resources:  # parallel lines share their twin's load
        if n.like is None:
            continue
        pair = load["resource_id"].isin([n.like, n.resource_id])
        grouped = load.loc[pair].groupby("period_start")
        pooled_load = grouped["load_hours"].transform("sum")
        pooled_hours = grouped["available_hours"].transform("sum")
        share = np.where(pooled_hours > 0, load.loc[pair, "available_hours"] / pooled_hours, 0.5)
        load.loc[pair, "load_hours"] = pooled_load * share
    avail = load["available_hours"].to_numpy(dtype=np.float64)
    used = load["load_hours"].to_numpy(dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        load["utilisation"] = np.where(avail > 0, used / avail, np.where(used > 0, np.inf, np.nan))
    load["overload_hours"] = np.maximum(used - threshold * avail, 0.0)
    load["overloaded"] = used > threshold * avail
    adjusted = CapacityReport(
        load=load,
        bottlenecks=_bottlenecks(load),
        unrouted=report.unrouted,
        grain=report.grain,
        threshold=report.threshold,
    )
    return CapacityOutcome(adjusted, demand, routed, moved)
