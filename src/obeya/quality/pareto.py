"""Pareto analysis (the vital few causes) and defects per million opportunities.

``pareto`` ranks categories by count or by a summed measure (cost, scrap quantity),
with each one's share and the cumulative share; the *vital few* are the categories up
to and including the one where the cumulative share first reaches the threshold
(80 % by default). ``dpmo`` converts defects into DPMO and the Six Sigma level, which
by the usual convention adds a 1.5σ long-term shift: 3.4 DPMO is "6 sigma".
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from obeya.errors import DataError, SpecError
from obeya.quality._input import TableLike, as_frame, jsonable, numeric

__all__ = ["Dpmo", "Pareto", "ParetoRow", "dpmo", "pareto"]


@dataclass(frozen=True, slots=True)
class ParetoRow:
    """One category: its total, share of the grand total and the running share."""

    category: Hashable
    value: float
    share: float
    cumulative_share: float
    vital: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "category": jsonable(self.category),
            "value": self.value,
            "share": self.share,
            "cumulative_share": self.cumulative_share,
            "vital": self.vital,
        }


@dataclass(frozen=True, slots=True)
class Pareto:
    """Categories from largest to smallest (ties by category name)."""

    rows: tuple[ParetoRow, ...]
    total: float
    threshold: float
    measure: str

    @property
    def vital_few(self) -> tuple[Hashable, ...]:
        return tuple(r.category for r in self.rows if r.vital)

    def to_dict(self) -> dict[str, Any]:
        return {
            "measure": self.measure,
            "total": self.total,
            "threshold": self.threshold,
            "vital_few": [jsonable(c) for c in self.vital_few],
            "rows": [r.to_dict() for r in self.rows],
        }


def pareto(
    data: TableLike,
    *,
    category: str = "category",
    value: str | None = None,
    threshold: float = 0.8,
) -> Pareto:
    """Rank categories by row count (``value=None``) or by the sum of ``value``.

    For the ``inspections`` table: ``category="defect_code", value="qty_defective"``.
    """
    if not 0.0 < threshold <= 1.0:
        raise SpecError(f"pareto: threshold={threshold} must be in (0, 1]; 0.8 is usual")
    columns = [category] if value is None else [category, value]
    frame = as_frame(data, columns, what="pareto")
    if frame[category].isna().any():
        raise DataError(
            f"pareto: column {category!r} has empty categories; fill them (e.g. 'unknown')"
        )
    if value is None:
        weights = np.ones(len(frame))
        measure = "count"
    else:
        weights = numeric(frame, value, what="pareto")
        measure = value
        if (weights < 0).any():
            raise DataError(f"pareto: column {value!r} has negative values; totals must be >= 0")
    totals = (
        pd.DataFrame({"category": frame[category].to_numpy(), "value": weights})
        .groupby("category", sort=False)["value"]
        .sum()
        .reset_index()
    )
    totals["key"] = totals["category"].astype(str)
    totals = totals.sort_values(["value", "key"], ascending=[False, True], kind="stable")
    grand = float(totals["value"].sum())
    if grand == 0:
        raise DataError("pareto: every category totals 0; there is nothing to rank")
    share = totals["value"].to_numpy(np.float64) / grand
    cumulative = np.cumsum(share)
    # Vital: every category before the one that reaches the threshold, and that one.
    reached = np.concatenate([[0.0], cumulative[:-1]]) < threshold - 1e-12
    rows = tuple(
        ParetoRow(c, float(v), float(s), float(cs), bool(vt))
        for c, v, s, cs, vt in zip(
            totals["category"].tolist(),
            totals["value"].tolist(),
            share,
            cumulative,
            reached,
            strict=True,
        )
    )
    return Pareto(rows, grand, threshold, measure)


@dataclass(frozen=True, slots=True)
class Dpmo:
    """Defects per unit, per million opportunities, yield and the shifted sigma level."""

    defects: float
    units: float
    opportunities: float
    shift: float

    @property
    def dpu(self) -> float:
        return self.defects / self.units

    @property
    def dpmo(self) -> float:
        return self.defects / (self.units * self.opportunities) * 1e6

    @property
    def process_yield(self) -> float:
        """Share of opportunities without a defect."""
        return 1.0 - self.dpmo / 1e6

    @property
    def sigma_level(self) -> float | None:
        """Φ⁻¹(1 - DPMO/10⁶) + shift; None when every or no opportunity is a defect."""
        if self.defects in (0.0, self.units * self.opportunities):
            return None
        return float(stats.norm.isf(self.dpmo / 1e6)) + self.shift

    def to_dict(self) -> dict[str, Any]:
        return {
            "defects": self.defects,
            "units": self.units,
            "opportunities": self.opportunities,
            "dpu": self.dpu,
            "dpmo": self.dpmo,
            "yield": self.process_yield,
            "sigma_level": self.sigma_level,
            "shift": self.shift,
        }


def dpmo(defects: float, units: float, opportunities: float = 1.0, *, shift: float = 1.5) -> Dpmo:
    """DPMO = defects / (units × opportunities per unit) × 10⁶, and its sigma level."""
    if units <= 0 or opportunities <= 0:
        raise SpecError(
            f"dpmo: units={units} and opportunities={opportunities} must both be positive"
        )
    if not 0 <= defects <= units * opportunities:
        raise DataError(
            f"dpmo: defects={defects} must be between 0 and units x opportunities "
            f"({units * opportunities:g})"
        )
    return Dpmo(float(defects), float(units), float(opportunities), float(shift))
