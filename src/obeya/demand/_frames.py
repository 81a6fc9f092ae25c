"""Conversions at the statsforecast edge and grouped array helpers.

statsforecast takes pandas frames (``unique_id``, ``ds``, ``y``); everything else
in the package works on Arrow tables with the caller's column names. These helpers
keep both sides columnar: no loop touches a row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from obeya.demand.series import SeriesColumns

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

SF_ID, SF_TIME, SF_TARGET = "unique_id", "ds", "y"


@dataclass(frozen=True)
class Layout:
    """Where each series sits in a long table sorted by id then time.

    ``ids`` are the series ids in order, ``codes`` the series index of every row,
    ``offsets[i]`` the first row of series ``i`` and ``lengths[i]`` its row count,
    ``position`` the index of every row within its series.
    """

    ids: pa.Array
    codes: IntArray
    offsets: IntArray
    lengths: IntArray
    position: IntArray

    @property
    def n_series(self) -> int:
        return len(self.ids)


def layout(data: pa.Table, columns: SeriesColumns) -> Layout:
    """The :class:`Layout` of a long table that is sorted by id then time."""
    ids = data.column(columns.id).combine_chunks()
    n = len(ids)
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Layout(pa.array([], pa.string()), empty, empty, empty, empty)
    changed = pc.not_equal(ids.slice(1), ids.slice(0, n - 1)).to_numpy(zero_copy_only=False)
    starts = np.concatenate([[0], np.flatnonzero(changed) + 1]).astype(np.int64)
    lengths = np.diff(np.append(starts, n)).astype(np.int64)
    codes = np.repeat(np.arange(len(starts), dtype=np.int64), lengths)
    position = np.arange(n, dtype=np.int64) - starts[codes]
    return Layout(ids.take(pa.array(starts)), codes, starts, lengths, position)


def index_of(names: pa.Array | pa.ChunkedArray, values: pa.Array | pa.ChunkedArray) -> IntArray:
    """Position of each value in ``names`` (-1 where absent)."""
    found = pc.index_in(values, value_set=names)
    return np.asarray(found.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)


def to_statsforecast(
    data: pa.Table, columns: SeriesColumns, rows: BoolArray | None = None
) -> pd.DataFrame:
    """The pandas frame statsforecast expects, for the selected rows."""
    table = data if rows is None else data.filter(pa.array(rows))
    return pd.DataFrame(
        {
            SF_ID: table.column(columns.id).to_numpy(zero_copy_only=False),
            SF_TIME: table.column(columns.time).cast(pa.timestamp("ns")).to_numpy(),
            SF_TARGET: table.column(columns.target).to_numpy(zero_copy_only=False),
        }
    )


def dates(values: pd.Series | npt.NDArray[np.datetime64]) -> pa.Array:
    """Timestamps from statsforecast back to Arrow dates."""
    arr = np.asarray(values, dtype="datetime64[D]")
    return pa.array(arr, pa.date32())


def group_sum(codes: IntArray, values: FloatArray, groups: int) -> FloatArray:
    return np.bincount(codes, weights=values, minlength=groups).astype(np.float64)


def encode(values: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, IntArray]:
    """(distinct values in order of first appearance, code of every value)."""
    whole = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    enc = pc.dictionary_encode(whole)
    return enc.dictionary, enc.indices.to_numpy(zero_copy_only=False).astype(np.int64)
