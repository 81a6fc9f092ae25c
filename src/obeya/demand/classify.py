"""Syntetos-Boylan demand classes: smooth, erratic, intermittent, lumpy.

Two numbers describe a demand series (Syntetos, Boylan & Croston 2005, "On the
categorization of demand patterns", JORS 56(5), 495-503):

* ADI, the average inter-demand interval: periods per period with demand,
  ``ADI = n / k`` for ``n`` periods of which ``k`` have demand (``y > 0``);
* CV², the squared coefficient of variation of the demand *sizes* (the ``k``
  non-zero values): ``CV² = (sd / mean)²`` with the population standard deviation.

The cut-offs 1.32 (ADI) and 0.49 (CV²) split the plane into four classes; a value
on a cut-off belongs to the higher side. A series with no demand at all has
``ADI = inf`` and ``CV² = 0`` and is intermittent. The computation is one pass of
grouped NumPy sums over the long table, whatever the number of series.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from obeya.demand._frames import encode
from obeya.demand.series import DEFAULT_COLUMNS, SeriesColumns
from obeya.errors import ConfigError

__all__ = [
    "ADI_THRESHOLD",
    "CV2_THRESHOLD",
    "DemandClass",
    "classify",
    "demand_class",
]

ADI_THRESHOLD = 1.32
CV2_THRESHOLD = 0.49


class DemandClass(StrEnum):
    """The Syntetos-Boylan class of a demand series."""

    SMOOTH = "smooth"  # ADI < 1.32, CV² < 0.49
    ERRATIC = "erratic"  # ADI < 1.32, CV² >= 0.49
    INTERMITTENT = "intermittent"  # ADI >= 1.32, CV² < 0.49
    LUMPY = "lumpy"  # ADI >= 1.32, CV² >= 0.49


def demand_class(
    adi: float,
    cv2: float,
    *,
    adi_threshold: float = ADI_THRESHOLD,
    cv2_threshold: float = CV2_THRESHOLD,
) -> DemandClass:
    """The class of one (ADI, CV²) point."""
    frequent = adi < adi_threshold
    steady = cv2 < cv2_threshold
    if frequent:
        return DemandClass.SMOOTH if steady else DemandClass.ERRATIC
    return DemandClass.INTERMITTENT if steady else DemandClass.LUMPY


_CLASS_ORDER = (
    DemandClass.SMOOTH,
    DemandClass.ERRATIC,
    DemandClass.INTERMITTENT,
    DemandClass.LUMPY,
)


def classify(
    data: pa.Table,
    *,
    columns: SeriesColumns = DEFAULT_COLUMNS,
    adi_threshold: float = ADI_THRESHOLD,
    cv2_threshold: float = CV2_THRESHOLD,
) -> pa.Table:
    """ADI, CV² and the demand class of every series of a long table.

    Returns one row per series id (sorted): ``<id>``, ``n_periods``, ``n_demand``,
    ``adi``, ``cv2``, ``demand_class`` (the :class:`DemandClass` value).
    """
    if not (adi_threshold > 1.0 and cv2_threshold > 0.0):
        raise ConfigError(
            f"classification thresholds must be ADI > 1 and CV² > 0, got {adi_threshold} and "
            f"{cv2_threshold}; the published values are {ADI_THRESHOLD} and {CV2_THRESHOLD}"
        )
    ids = data.column(columns.id)
    y = data.column(columns.target).to_numpy(zero_copy_only=False).astype(np.float64)
    names, codes = encode(ids)
    groups = len(names)
    positive = y > 0
    n = np.bincount(codes, minlength=groups).astype(np.float64)
    k = np.bincount(codes, weights=positive.astype(np.float64), minlength=groups)
    sizes = np.where(positive, y, 0.0)
    total = np.bincount(codes, weights=sizes, minlength=groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(k > 0, total / k, 0.0)
        # Two-pass variance of the non-zero sizes: no cancellation for large values.
        dev = np.where(positive, y - mean[codes], 0.0)
        var = np.bincount(codes, weights=dev * dev, minlength=groups) / np.where(k > 0, k, 1.0)
        adi = np.where(k > 0, n / np.where(k > 0, k, 1.0), np.inf)
        cv2 = np.where(mean > 0, var / (mean * mean), 0.0)
    labels = _labels(adi, cv2, adi_threshold, cv2_threshold)
    table = pa.table(
        {
            columns.id: names,
            "n_periods": pa.array(n.astype(np.int64)),
            "n_demand": pa.array(k.astype(np.int64)),
            "adi": pa.array(adi),
            "cv2": pa.array(cv2),
            "demand_class": pa.array(labels),
        }
    )
    return table.take(pc.sort_indices(table, [(columns.id, "ascending")]))


def _labels(
    adi: npt.NDArray[np.float64], cv2: npt.NDArray[np.float64], adi_t: float, cv2_t: float
) -> list[str]:
    index = (adi >= adi_t).astype(np.int64) * 2 + (cv2 >= cv2_t).astype(np.int64)
    values = np.array([c.value for c in _CLASS_ORDER], dtype=object)
    return list(values[index])
