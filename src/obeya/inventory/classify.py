"""ABC x XYZ classification of items, vectorised.

ABC ranks items by annual value (usage x unit cost): sorted from the largest, an item
is **A** while the items ranked above it make up less than the first threshold of
the total (80 % by default), **B** below the second (95 %), **C** after that. So the
item that crosses a line still belongs to the class it completes, and the top item
is always A. Ties keep input order. Zero-value items are C.

XYZ grades demand variability by the coefficient of variation of period demand
(sample standard deviation over mean): **X** if ``cv <= 0.5``, **Y** if
``cv <= 1.0``, **Z** above, or with no demand at all (the CV is undefined).

Codes are :class:`AbcClass` and :class:`XyzClass`; the arrays hold their values
(``"A"``, ``"X"``) so they drop into a table column unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from numpy.typing import ArrayLike, NDArray

from obeya.errors import DataError
from obeya.inventory._normal import FloatArray
from obeya.inventory._validate import as_float_array, require

__all__ = [
    "AbcClass",
    "AbcResult",
    "AbcXyzResult",
    "XyzClass",
    "XyzResult",
    "abc_classify",
    "abc_xyz_classify",
    "xyz_classify",
]

StrArray = NDArray[np.str_]


class AbcClass(StrEnum):
    """Value class: A (the few items carrying most value), B, C (the long tail)."""

    A = "A"
    B = "B"
    C = "C"


class XyzClass(StrEnum):
    """Variability class: X (steady), Y (variable), Z (erratic or no demand)."""

    X = "X"
    Y = "Y"
    Z = "Z"


_ABC_CODES = np.array([c.value for c in AbcClass])
_XYZ_CODES = np.array([c.value for c in XyzClass])


@dataclass(frozen=True, slots=True)
class AbcResult:
    """ABC class per item, with its rank (0 = largest value) and cumulative share."""

    abc: StrArray
    rank: NDArray[np.int64]
    share: FloatArray
    cumulative_share: FloatArray
    thresholds: tuple[float, float]


@dataclass(frozen=True, slots=True)
class XyzResult:
    """XYZ class per item with its mean, standard deviation and CV of period demand."""

    xyz: StrArray
    mean: FloatArray
    sd: FloatArray
    cv: FloatArray
    thresholds: tuple[float, float]


@dataclass(frozen=True, slots=True)
class AbcXyzResult:
    """Both classes and the nine-cell matrix (rows A, B, C; columns X, Y, Z)."""

    abc: AbcResult
    xyz: XyzResult
    combined: StrArray
    counts: NDArray[np.int64]
    values: FloatArray


def _thresholds(name: str, pair: tuple[float, float], upper: float | None) -> tuple[float, float]:
    low, high = (float(pair[0]), float(pair[1]))
    bounded = upper is None or high <= upper
    if not (0 < low < high and bounded and np.isfinite(high)):
        limit = "" if upper is None else f" <= {upper}"
        raise DataError(
            f"{name} = {pair!r}: must be two increasing numbers 0 < first < second{limit}; "
            f"for example {(0.8, 0.95) if upper else (0.5, 1.0)}"
        )
    return low, high


def abc_classify(
    annual_value: ArrayLike, *, thresholds: tuple[float, float] = (0.8, 0.95)
) -> AbcResult:
    """ABC class by annual value, with cumulative-share ``thresholds`` (A, B)."""
    value = as_float_array("annual_value", annual_value)
    if value.ndim != 1:
        raise DataError(f"annual_value: expected one value per item (1-D), got shape {value.shape}")
    require(
        "annual_value",
        value,
        (value >= 0) & np.isfinite(value),
        "be finite and >= 0",
        "annual value is usage x unit cost; remove returns or credits first",
    )
    a_cut, b_cut = _thresholds("thresholds", thresholds, 1.0)
    order = np.argsort(-value, kind="stable")
    total = float(value.sum())
    share = value / total if total > 0 else np.zeros_like(value)
    cum_sorted = np.cumsum(share[order])
    before_sorted = cum_sorted - share[order]
    # A share that sums to the line up to float round-off counts as on the line.
    eps = 1e-12
    cls_sorted = np.where(
        before_sorted < a_cut - eps, 0, np.where(before_sorted < b_cut - eps, 1, 2)
    )
    cls_sorted = np.where(value[order] > 0, cls_sorted, 2)
    rank = np.empty(value.size, dtype=np.int64)
    rank[order] = np.arange(value.size)
    cumulative = np.empty_like(value)
    cumulative[order] = cum_sorted
    codes = np.empty(value.size, dtype=np.int64)
    codes[order] = cls_sorted
    return AbcResult(
        abc=_ABC_CODES[codes],
        rank=rank,
        share=share,
        cumulative_share=cumulative,
        thresholds=(a_cut, b_cut),
    )


def xyz_classify(
    period_demand: ArrayLike,
    *,
    thresholds: tuple[float, float] = (0.5, 1.0),
    ddof: int = 1,
) -> XyzResult:
    """XYZ class from a matrix of period demand, shape ``[n_items, n_periods]``.

    Missing periods should be passed as 0 (no demand), not NaN. ``ddof=1`` is the
    sample standard deviation.
    """
    demand = as_float_array("period_demand", period_demand)
    if demand.ndim != 2 or demand.shape[1] <= ddof:
        raise DataError(
            f"period_demand: expected shape [n_items, n_periods] with more than {ddof} "
            f"period(s), got {demand.shape}; pass one row per item"
        )
    require(
        "period_demand",
        demand,
        (demand >= 0) & np.isfinite(demand),
        "be finite and >= 0",
        "net out returns before classifying",
    )
    x_cut, y_cut = _thresholds("thresholds", thresholds, None)
    mean = demand.mean(axis=1)
    sd = demand.std(axis=1, ddof=ddof)
    cv = np.divide(sd, mean, out=np.full_like(mean, np.inf), where=mean > 0)
    codes = np.where(cv <= x_cut, 0, np.where(cv <= y_cut, 1, 2))
    return XyzResult(xyz=_XYZ_CODES[codes], mean=mean, sd=sd, cv=cv, thresholds=(x_cut, y_cut))


def abc_xyz_classify(
    annual_value: ArrayLike,
    period_demand: ArrayLike,
    *,
    abc_thresholds: tuple[float, float] = (0.8, 0.95),
    xyz_thresholds: tuple[float, float] = (0.5, 1.0),
    ddof: int = 1,
) -> AbcXyzResult:
    """Both classifications, the combined code (``"AX"``) and the 3 x 3 matrix."""
    abc = abc_classify(annual_value, thresholds=abc_thresholds)
    xyz = xyz_classify(period_demand, thresholds=xyz_thresholds, ddof=ddof)
    if abc.abc.size != xyz.xyz.size:
        raise DataError(
            f"annual_value has {abc.abc.size} items but period_demand has {xyz.xyz.size} "
            "rows; pass the same items in the same order"
        )
    row = np.searchsorted(_ABC_CODES, abc.abc)
    col = np.searchsorted(_XYZ_CODES, xyz.xyz)
    cell = row * 3 + col
    counts = np.bincount(cell, minlength=9).reshape(3, 3).astype(np.int64)
    value = as_float_array("annual_value", annual_value)
    values = np.bincount(cell, weights=value, minlength=9).reshape(3, 3).astype(np.float64)
    combined = np.char.add(abc.abc, xyz.xyz)
    return AbcXyzResult(abc=abc, xyz=xyz, combined=combined, counts=counts, values=values)
