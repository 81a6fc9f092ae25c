"""Target status (green, amber, red) for one value or a whole column of values."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from obeya.metrics.spec import Direction, KpiSpec, Status, Thresholds

__all__ = ["status_of", "statuses", "threshold_arrays"]


def status_of(
    value: float | None, thresholds: Thresholds | None, direction: Direction
) -> Status | None:
    """Green at or beyond the amber level, amber up to the red level, red past it.

    None when there is no target or no value.
    """
    if thresholds is None or value is None or not np.isfinite(value):
        return None
    if direction is Direction.HIGHER:
        if value >= thresholds.amber_level:
            return Status.GREEN
        return Status.AMBER if value >= thresholds.red else Status.RED
    if value <= thresholds.amber_level:
        return Status.GREEN
    return Status.AMBER if value <= thresholds.red else Status.RED


def threshold_arrays(kpi: KpiSpec, sites: Sequence[str | None]) -> tuple[NDArray[np.float64], ...]:
    """Target, amber and red levels per row, using a site's override where it has one."""
    n = len(sites)
    if kpi.target is None:
        nan = np.full(n, np.nan)
        return nan, nan.copy(), nan.copy()
    levels = {s: kpi.target.for_site(s) for s in set(sites)}
    value = np.array([levels[s].value for s in sites], dtype=np.float64)
    amber = np.array([levels[s].amber_level for s in sites], dtype=np.float64)
    red = np.array([levels[s].red for s in sites], dtype=np.float64)
    return value, amber, red


def statuses(
    values: NDArray[np.float64],
    amber: NDArray[np.float64],
    red: NDArray[np.float64],
    direction: Direction,
) -> list[str | None]:
    """The status of each value (None where the value or the target is missing)."""
    known = np.isfinite(values) & np.isfinite(amber)
    if direction is Direction.HIGHER:
        green, ok = values >= amber, values >= red
    else:
        green, ok = values <= amber, values <= red
    codes = np.where(green, Status.GREEN.value, np.where(ok, Status.AMBER.value, Status.RED.value))
    return [str(c) if k else None for c, k in zip(codes.tolist(), known.tolist(), strict=True)]
