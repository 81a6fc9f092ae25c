"""Measuring an improvement project's realised change from per-period KPI values.

Pure: takes the KPI engine's tidy table (one row per period: value, numerator,
denominator) and the project's windows, and returns the before/after comparison
with its significance test and annual value.

* A period counts in a window when it lies wholly inside it; the current period,
  cut at ``as_of``, ends at ``as_of``. An open after window (go-live date only) runs
  to ``as_of``. Periods without a value (no data) are left out.
* The test follows the KPI (``VerifyTest.AUTO``): a ratio KPI whose numerator and
  denominator are whole counts (lines on time of lines due, good units of units
  inspected) is a *rate*: the counts are summed over each window and compared with
  the two-proportion z test. Any other KPI compares its per-period values with
  Welch's t test (``MEAN``), or Mann-Whitney's U (``SKEWED``, asked for explicitly
  for long-tailed values). :func:`obeya.quality.verify_improvement` runs the test.
* Annual saving = improvement (after - before, signed so that better is positive)
  x value per unit x annual volume. The volume is, unless given, the KPI's
  denominator per year in the after window (lines due, units inspected, units
  shipped: sum over the after periods / their days x 365); for a KPI without a
  denominator (revenue, units shipped) it is the number of periods per year, so the
  saving is the change per period valued over a year.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from datetime import date
from typing import Any, assert_never

import numpy as np
import pandas as pd
import pyarrow as pa

from obeya.errors import DataError, SpecError
from obeya.metrics import Direction, KpiSpec, Unit
from obeya.metrics.periods import Grain, elapsed_days, period_end
from obeya.quality._input import FloatArray
from obeya.quality.kaizen import Better, Counts, Improvement, KpiKind, verify_improvement

__all__ = ["KaizenMeasurement", "VerifyTest", "Window", "measure_change"]


class VerifyTest(enum.StrEnum):
    """Which significance test verifies a project: chosen from the KPI, or forced."""

    AUTO = "auto"
    RATE = "rate"
    MEAN = "mean"
    SKEWED = "skewed"


@dataclass(frozen=True, slots=True)
class Window:
    """Inclusive dates; ``end`` None means up to the data's as-of date."""

    start: date
    end: date | None = None

    def label(self, as_of: date) -> str:
        return f"{self.start} to {self.end or f'{as_of} (as of)'}"


@dataclass(frozen=True, slots=True)
class KaizenMeasurement:
    """The comparison of one KPI before and after, with what the change is worth."""

    kpi: str
    unit: Unit
    grain: Grain
    as_of: date
    kind: KpiKind
    why: str
    improvement: Improvement
    before_periods: tuple[date, ...]
    after_periods: tuple[date, ...]
    before_values: tuple[float, ...]
    after_values: tuple[float, ...]
    before_counts: Counts | None
    after_counts: Counts | None
    annual_volume: float
    volume_basis: str
    target: float | None

    @property
    def target_met(self) -> bool | None:
        """The after level reaches the project's target (None without a target)."""
        if self.target is None:
            return None
        match self.improvement.better:
            case Better.HIGHER:
                return self.improvement.after >= self.target
            case Better.LOWER:
                return self.improvement.after <= self.target
            case _:
                assert_never(self.improvement.better)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kpi": self.kpi,
            "unit": self.unit.value,
            "grain": self.grain.value,
            "as_of": self.as_of.isoformat(),
            "kind": self.kind.value,
            "why": self.why,
            **self.improvement.to_dict(),
            "before_periods": [d.isoformat() for d in self.before_periods],
            "after_periods": [d.isoformat() for d in self.after_periods],
            "before_values": list(self.before_values),
            "after_values": list(self.after_values),
            "before_counts": _counts(self.before_counts),
            "after_counts": _counts(self.after_counts),
            "annual_volume": self.annual_volume,
            "volume_basis": self.volume_basis,
            "target": self.target,
            "target_met": self.target_met,
        }


def _counts(counts: Counts | None) -> dict[str, int] | None:
    return None if counts is None else {"events": counts.events, "trials": counts.trials}


@dataclass(frozen=True, slots=True)
class _Side:
    periods: tuple[date, ...]
    values: FloatArray
    numerator: FloatArray
    denominator: FloatArray
    days: FloatArray


def _side(frame: pd.DataFrame, window: Window, grain: Grain, as_of: date, name: str) -> _Side:
    starts = frame["period_start"].tolist()
    ends = [min(period_end(s, grain), as_of) for s in starts]
    last = window.end or as_of
    inside = np.array(
        [s >= window.start and e <= last for s, e in zip(starts, ends, strict=True)], dtype=bool
    )
    kept = frame[inside]
    if kept.empty:
        raise DataError(
            f"the {name} window {window.label(as_of)} holds no whole {grain.value} with a "
            f"value of the KPI; widen the window, use a finer --grain, or load the data"
        )
    periods = tuple(kept["period_start"].tolist())
    return _Side(
        periods=periods,
        values=kept["value"].to_numpy(np.float64),
        numerator=kept["numerator"].to_numpy(np.float64),
        denominator=kept["denominator"].to_numpy(np.float64),
        days=np.array([elapsed_days(p, grain, as_of) for p in periods], dtype=np.float64),
    )


def _whole_counts(side: _Side) -> bool:
    num, den = side.numerator, side.denominator
    finite = np.isfinite(num).all() and np.isfinite(den).all()
    return bool(
        finite
        and np.all(num == np.round(num))
        and np.all(den == np.round(den))
        and np.all((num >= 0) & (num <= den) & (den > 0))
    )


def _choose(spec: KpiSpec, test: VerifyTest, before: _Side, after: _Side) -> tuple[KpiKind, str]:
    counts = (
        spec.unit is Unit.RATIO
        and spec.formula.is_ratio
        and _whole_counts(before)
        and _whole_counts(after)
    )
    match test:
        case VerifyTest.AUTO:
            if counts:
                return KpiKind.RATE, (
                    "a rate of whole counts: two-proportion z test on the summed numerator "
                    "and denominator"
                )
            return KpiKind.MEAN, "not a rate of counts: Welch's t test on the per-period values"
        case VerifyTest.RATE:
            if not counts:
                raise SpecError(
                    f"--test rate: KPI {spec.id!r} is not a share of whole counts in every "
                    f"period (its unit is {spec.unit.value}); use --test mean or skewed"
                )
            return KpiKind.RATE, "asked for: two-proportion z test on the summed counts"
        case VerifyTest.MEAN:
            return KpiKind.MEAN, "asked for: Welch's t test on the per-period values"
        case VerifyTest.SKEWED:
            return KpiKind.SKEWED, "asked for: Mann-Whitney U test on the per-period values"
        case _:
            assert_never(test)


def _volume(spec: KpiSpec, after: _Side, given: float | None) -> tuple[float, str]:
    if given is not None:
        if not (math.isfinite(given) and given >= 0):
            raise SpecError(f"--annual-volume {given}: must be a number >= 0")
        return float(given), "given"
    days = float(after.days.sum())
    if spec.formula.is_ratio and np.isfinite(after.denominator).all():
        total = float(after.denominator.sum())
        return total / days * 365.0, (
            f"the KPI's denominator in the after window, {total:,.6g} over {days:g} days, x 365"
        )
    per_year = 365.0 / float(after.days.mean())
    return per_year, f"{per_year:.6g} periods per year (the KPI has no denominator)"


def measure_change(
    kpi_rows: pa.Table,
    spec: KpiSpec,
    *,
    baseline: Window,
    after: Window,
    grain: Grain,
    as_of: date,
    test: VerifyTest = VerifyTest.AUTO,
    alpha: float = 0.05,
    value_per_unit: float = 0.0,
    annual_volume: float | None = None,
    target: float | None = None,
) -> KaizenMeasurement:
    """Compare the KPI in the baseline and after windows (see the module docstring)."""
    frame = kpi_rows.select(["kpi", "period_start", "value", "numerator", "denominator"])
    data = frame.to_pandas()
    data = data[(data["kpi"] == spec.id) & data["value"].notna()]
    before_side = _side(data, baseline, grain, as_of, "baseline")
    after_side = _side(data, after, grain, as_of, "after")
    kind, why = _choose(spec, test, before_side, after_side)
    better = Better.HIGHER if spec.direction is Direction.HIGHER else Better.LOWER
    volume, basis = _volume(spec, after_side, annual_volume)
    before_counts = after_counts = None
    if kind is KpiKind.RATE:
        before_counts = Counts(int(before_side.numerator.sum()), int(before_side.denominator.sum()))
        after_counts = Counts(int(after_side.numerator.sum()), int(after_side.denominator.sum()))
        result = verify_improvement(
            before_counts,
            after_counts,
            kind=kind,
            better=better,
            alpha=alpha,
            value_per_unit=value_per_unit,
            volume_per_year=volume,
        )
    else:
        for side, name in ((before_side, "baseline"), (after_side, "after")):
            if kind is KpiKind.MEAN and side.values.size < 2:
                raise DataError(
                    f"the {name} window holds {side.values.size} {grain.value} with a value; "
                    f"Welch's t test needs at least 2 on each side: widen the window or use a "
                    f"finer --grain"
                )
        result = verify_improvement(
            before_side.values,
            after_side.values,
            kind=kind,
            better=better,
            alpha=alpha,
            value_per_unit=value_per_unit,
            volume_per_year=volume,
        )
    return KaizenMeasurement(
        kpi=spec.id,
        unit=spec.unit,
        grain=grain,
        as_of=as_of,
        kind=kind,
        why=why,
        improvement=result,
        before_periods=before_side.periods,
        after_periods=after_side.periods,
        before_values=tuple(float(v) for v in before_side.values),
        after_values=tuple(float(v) for v in after_side.values),
        before_counts=before_counts,
        after_counts=after_counts,
        annual_volume=volume,
        volume_basis=basis,
        target=target,
    )
