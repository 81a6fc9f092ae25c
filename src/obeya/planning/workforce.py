"""Workforce plan: the hours, FTE, overtime, temps and hires a volume forecast needs.

For each site, department and week::

    required_hours = units / units_per_hour            (the labour standard)
    required_fte   = required_hours / hours_per_fte
    staff          = headcount + hires (from the week hires take effect)
    gap            = required_hours - staff x hours_per_fte
    the gap is filled by the cheaper of overtime (at most max_overtime_hours_per_fte
    x staff) and temp hours first, the rest by the other; a negative gap is idle time.

Hires are chosen per site and department: every whole number of hires from 0 up to
the number that would close the largest weekly gap is costed over the horizon (hire
cost + the new people's regular wages + the overtime and temps still needed), and
the cheapest is kept. All of it is array arithmetic over (group, week, candidate).

Labour standards can be learnt from history with :func:`learn_labour_standards`:
units (shipped, picked, made) over the hours worked (regular + overtime + temp).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

from obeya.errors import DataError, SpecError
from obeya.planning._tables import Table, as_frame, require_columns

__all__ = [
    "VolumeColumns",
    "WorkforcePlan",
    "WorkforceSettings",
    "learn_labour_standards",
    "plan_workforce",
]

KEYS = ["site_id", "department"]


@dataclass(frozen=True)
class VolumeColumns:
    """Column names of the volume forecast (defaults: site, department, week, units)."""

    site: str = "site"
    department: str = "department"
    week: str = "week"
    units: str = "units"


@dataclass(frozen=True)
class WorkforceSettings:
    """Hours per FTE and the overtime cap are per week; rates per hour; hire cost once."""

    regular_rate: float
    overtime_rate: float
    temp_rate: float
    hire_cost: float
    hours_per_fte: float = 40.0
    max_overtime_hours_per_fte: float = 8.0
    hire_lead_weeks: int = 0
    allow_hires: bool = True

    def __post_init__(self) -> None:
        money = (self.regular_rate, self.overtime_rate, self.temp_rate, self.hire_cost)
        if any(not np.isfinite(v) or v < 0 for v in money):
            raise SpecError(f"workforce rates and hire cost must be finite and >= 0; got {money}")
        if not self.hours_per_fte > 0:
            raise SpecError(f"hours_per_fte = {self.hours_per_fte!r}: must be > 0, e.g. 40")
        if self.max_overtime_hours_per_fte < 0 or self.hire_lead_weeks < 0:
            raise SpecError("max_overtime_hours_per_fte and hire_lead_weeks must be >= 0")


@dataclass(frozen=True)
class WorkforcePlan:
    """Weekly hours and FTE against headcount, how each gap is filled, and its cost.

    ``weekly``: site_id, department, week, units, units_per_hour, required_hours,
    required_fte, headcount, staff, available_hours, gap_hours, overtime_hours,
    temp_hours, idle_hours, overtime_cost, temp_cost.
    ``hires``: site_id, department, hires, effective_week, hire_cost, wages.
    """

    weekly: pd.DataFrame
    hires: pd.DataFrame
    cost_breakdown: MappingProxyType[str, float]

    @property
    def total_cost(self) -> float:
        """Cost of closing the gaps: overtime, temps, hiring and the new hires' wages."""
        return float(sum(self.cost_breakdown.values()))


def learn_labour_standards(volume: Table, hours: Table) -> pd.DataFrame:
    """Units per hour by site and department: total units over total hours worked.

    ``volume`` has site_id, units and optionally department (without it, a site's
    units drive every department there, as units shipped drive picking and packing).
    ``hours`` is shaped like ``labor_hours``: site_id, department, regular_hours,
    overtime_hours and optionally temp_hours. Ratio of sums, not a mean of ratios, so
    busy weeks weigh more. ``units_per_hour`` is NaN where no hours were worked.
    """
    volume = as_frame(volume)
    hours = as_frame(hours)
    require_columns(volume, ["site_id", "units"], "volume")
    require_columns(
        hours, ["site_id", "department", "regular_hours", "overtime_hours"], "labor_hours"
    )
    h = hours.assign(
        hours=hours["regular_hours"]
        + hours["overtime_hours"]
        + (hours["temp_hours"].fillna(0) if "temp_hours" in hours.columns else 0.0)
    )
    worked = h.groupby(KEYS, as_index=False)["hours"].sum()
    by = KEYS if "department" in volume.columns else ["site_id"]
    units = volume.groupby(by, as_index=False)["units"].sum()
    out = worked.merge(units, on=by, how="left")
    out["units"] = out["units"].fillna(0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["units_per_hour"] = np.where(out["hours"] > 0, out["units"] / out["hours"], np.nan)
    return out[[*KEYS, "units", "hours", "units_per_hour"]]


def plan_workforce(
    forecast: Table,
    standards: Table,
    headcount: Table,
    settings: WorkforceSettings,
    *,
    columns: VolumeColumns | None = None,
) -> WorkforcePlan:
    """Required hours and FTE per week against headcount, and how to fill the gaps.

    ``standards``: site_id, department, units_per_hour. ``headcount``: site_id,
    department, headcount (missing means nobody). Weeks are ordered by value within
    each site and department; hires take effect ``hire_lead_weeks`` weeks in.
    """
    forecast = as_frame(forecast)
    standards = as_frame(standards)
    headcount = as_frame(headcount)
    col = columns or VolumeColumns()
    require_columns(forecast, [col.site, col.department, col.week, col.units], "forecast")
    require_columns(standards, [*KEYS, "units_per_hour"], "standards")
    require_columns(headcount, [*KEYS, "headcount"], "headcount")
    s = settings
    fc = pd.DataFrame(
        {
            "site_id": forecast[col.site].astype(str),
            "department": forecast[col.department].astype(str),
            "week": forecast[col.week],
            "units": pd.to_numeric(forecast[col.units]).astype(float),
        }
    )
    if (fc["units"] < 0).any() or not np.isfinite(fc["units"]).all():
        raise DataError("forecast: units must be finite and >= 0")
    if fc.duplicated([*KEYS, "week"]).any():
        raise DataError(
            "forecast: (site, department, week) must be unique; aggregate the volume first"
        )
    std = standards[[*KEYS, "units_per_hour"]].astype({"site_id": str, "department": str})
    hc = headcount[[*KEYS, "headcount"]].astype({"site_id": str, "department": str})
    df = fc.merge(std, on=KEYS, how="left").merge(hc, on=KEYS, how="left")
    bad = ~(df["units_per_hour"] > 0) & (df["units"] > 0)
    if bad.any():
        pairs = df.loc[bad, KEYS].drop_duplicates().astype(str).agg("/".join, axis=1).tolist()
        raise DataError(
            f"no usable labour standard (units_per_hour > 0) for {', '.join(pairs[:5])}; "
            "add it to the standards or learn it with learn_labour_standards"
        )
    df["headcount"] = df["headcount"].fillna(0.0).astype(float)
    df = df.sort_values([*KEYS, "week"]).reset_index(drop=True)
    df["required_hours"] = np.where(df["units"] > 0, df["units"] / df["units_per_hour"], 0.0)
    df["required_fte"] = df["required_hours"] / s.hours_per_fte
    df["week_index"] = df.groupby(KEYS).cumcount()

    # Dense (group, week) matrices for the hire search; padding weeks need nothing.
    group = df.groupby(KEYS, sort=True).ngroup().to_numpy()
    n_groups, n_weeks = (
        int(group.max()) + 1 if len(df) else 0,
        int(df["week_index"].max()) + 1 if len(df) else 0,
    )
    need = np.zeros((n_groups, n_weeks))
    need[group, df["week_index"].to_numpy()] = df["required_hours"].to_numpy()
    present = np.zeros((n_groups, n_weeks), dtype=bool)
    present[group, df["week_index"].to_numpy()] = True
    base = np.zeros(n_groups)
    base[group] = df["headcount"].to_numpy()
    effective = (np.arange(n_weeks) >= s.hire_lead_weeks)[None, :] & present
    if s.allow_hires and n_groups:
        shortfall = np.where(effective, need - base[:, None] * s.hours_per_fte, 0.0)
        top = int(np.ceil(max(shortfall.max(), 0.0) / s.hours_per_fte))
        candidates = np.arange(top + 1, dtype=float)
        staff = base[:, None, None] + candidates[None, :, None] * effective[:, None, :]
        cost = _fill_cost(need[:, None, :], staff, s).sum(axis=2)
        cost += candidates[None, :] * (
            s.hire_cost + s.hours_per_fte * s.regular_rate * effective.sum(axis=1)[:, None]
        )
        hires = candidates[np.argmin(cost, axis=1)]  # the first (fewest) of equal costs
    else:
        hires = np.zeros(n_groups)
    hired_now = hires[group] * effective[group, df["week_index"].to_numpy()]
    df["staff"] = df["headcount"] + hired_now
    df["available_hours"] = df["staff"] * s.hours_per_fte
    df["gap_hours"] = df["required_hours"] - df["available_hours"]
    ot, temp = _split(df["gap_hours"].to_numpy(), df["staff"].to_numpy(), s)
    df["overtime_hours"] = ot
    df["temp_hours"] = temp
    df["idle_hours"] = np.maximum(-df["gap_hours"].to_numpy(), 0.0)
    df["overtime_cost"] = ot * s.overtime_rate
    df["temp_cost"] = temp * s.temp_rate
    weekly = df[
        [
            *KEYS,
            "week",
            "units",
            "units_per_hour",
            "required_hours",
            "required_fte",
            "headcount",
            "staff",
            "available_hours",
            "gap_hours",
            "overtime_hours",
            "temp_hours",
            "idle_hours",
            "overtime_cost",
            "temp_cost",
        ]
    ]
    keys = df.groupby(KEYS, sort=True).first().reset_index()
    first_effective = df.loc[df["week_index"] == s.hire_lead_weeks].set_index(KEYS)["week"]
    hire_table = keys[KEYS].assign(
        hires=hires,
        effective_week=keys.set_index(KEYS).index.map(first_effective),
        hire_cost=hires * s.hire_cost,
        wages=hires * s.hours_per_fte * s.regular_rate * effective.sum(axis=1),
    )
    breakdown = {
        "overtime": float(weekly["overtime_cost"].sum()),
        "temp": float(weekly["temp_cost"].sum()),
        "hiring": float(hire_table["hire_cost"].sum()),
        "new_hire_wages": float(hire_table["wages"].sum()),
    }
    return WorkforcePlan(
        weekly=weekly, hires=hire_table, cost_breakdown=MappingProxyType(breakdown)
    )


def _split(
    gap: np.ndarray, staff: np.ndarray, s: WorkforceSettings
) -> tuple[np.ndarray, np.ndarray]:
    """Overtime and temp hours filling ``gap``: the cheaper first, overtime capped."""
    short = np.maximum(gap, 0.0)
    cap = staff * s.max_overtime_hours_per_fte
    if s.overtime_rate <= s.temp_rate:
        ot = np.minimum(short, cap)
        return ot, short - ot
    # Temps are cheaper and unlimited: overtime is never worth it.
    return np.zeros_like(short), short


def _fill_cost(need: np.ndarray, staff: np.ndarray, s: WorkforceSettings) -> np.ndarray:
    ot, temp = _split(need - staff * s.hours_per_fte, staff, s)
    out: np.ndarray = ot * s.overtime_rate + temp * s.temp_rate
    return out
