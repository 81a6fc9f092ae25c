"""X-bar/R limits and run rules for many characteristics at once, as 2-D arrays.

A plant charts thousands of characteristics; looping over them in Python would
dominate the run time. Here the measurements are one array shaped
(characteristics, subgroups, n) and every step (subgroup means and ranges, limits,
standardisation, every rule) is one NumPy operation over the whole array.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from obeya.errors import DataError, SpecError
from obeya.quality._input import BoolArray, FloatArray
from obeya.quality.constants import control_constants
from obeya.quality.rules import RuleSet, rule_masks

__all__ = ["XbarRBatch", "xbar_r_batch"]


@dataclass(frozen=True, eq=False, slots=True)
class XbarRBatch:
    """Limits per characteristic (shape (k,)) and rule firings (shape (k, m)).

    ``xbar_rules[rule_set][number]`` is True where that rule fires on the X-bar chart;
    ``r_beyond`` where a range is beyond its limits (rule 1, the only rule applied to R).
    """

    xbar: FloatArray
    r: FloatArray
    center: FloatArray
    ucl: FloatArray
    lcl: FloatArray
    r_center: FloatArray
    r_ucl: FloatArray
    r_lcl: FloatArray
    xbar_rules: Mapping[RuleSet, Mapping[int, BoolArray]]
    r_beyond: BoolArray

    def out_of_control(self) -> BoolArray:
        """Per characteristic: did any rule fire on either chart."""
        flags = self.r_beyond.any(axis=-1)
        for masks in self.xbar_rules.values():
            for mask in masks.values():
                flags = flags | mask.any(axis=-1)
        return np.asarray(flags)


def xbar_r_batch(
    values: npt.ArrayLike,
    *,
    rule_sets: Collection[RuleSet] = (RuleSet.WESTERN_ELECTRIC,),
    phase1: int | None = None,
) -> XbarRBatch:
    """X-bar/R charts for an array shaped (characteristics, subgroups, n).

    Limits come from the first ``phase1`` subgroups (all when None); every subgroup is
    then judged against them with every rule of each set in ``rule_sets``.
    """
    data = np.asarray(values, dtype=np.float64)
    if data.ndim != 3 or data.shape[-1] < 2:
        raise DataError(
            f"xbar_r_batch: expected an array shaped (characteristics, subgroups, n) with "
            f"n >= 2, got shape {data.shape}"
        )
    if not np.isfinite(data).all():
        raise DataError(
            "xbar_r_batch: the array holds missing or infinite values; fill or drop them"
        )
    m = data.shape[1]
    ref = m if phase1 is None else phase1
    if not 2 <= ref <= m:
        raise SpecError(f"xbar_r_batch: phase1={phase1} must be between 2 and {m} subgroups")
    k = control_constants(data.shape[-1])
    xbar = data.mean(axis=-1)
    r = data.max(axis=-1) - data.min(axis=-1)
    grand = xbar[:, :ref].mean(axis=-1)
    r_bar = r[:, :ref].mean(axis=-1)
    if (r_bar == 0).any():
        bad = int(np.flatnonzero(r_bar == 0)[0])
        raise DataError(
            f"xbar_r_batch: characteristic {bad} has R-bar 0 (no variation in the reference "
            f"subgroups); check its measurement resolution"
        )
    sigma_x = (r_bar / (k.d2 * np.sqrt(k.n)))[:, None]
    z = (xbar - grand[:, None]) / sigma_x
    r_ucl, r_lcl = k.D4 * r_bar, k.D3 * r_bar
    return XbarRBatch(
        xbar=xbar,
        r=r,
        center=grand,
        ucl=grand + k.A2 * r_bar,
        lcl=grand - k.A2 * r_bar,
        r_center=r_bar,
        r_ucl=r_ucl,
        r_lcl=r_lcl,
        xbar_rules={rs: rule_masks(z, rs) for rs in rule_sets},
        r_beyond=np.asarray((r > r_ucl[:, None]) | (r < r_lcl[:, None])),
    )
