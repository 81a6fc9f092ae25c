"""Turning NumPy columns into Arrow tables of the data model, fast.

Keys are built straight into Arrow string buffers (a prefix and zero-padded
digits of a fixed width), dimension columns are gathered from small dictionaries,
and every table is checked against the model's exact column names and types.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from obeya.model import TABLES, ColumnType

__all__ = [
    "ARROW_TYPES",
    "MICROS_PER_DAY",
    "MICROS_PER_HOUR",
    "MICROS_PER_MINUTE",
    "Strings",
    "arrow_schema",
    "date_array",
    "fixed_ids",
    "make_table",
    "timestamp_array",
]

MICROS_PER_MINUTE = 60_000_000
MICROS_PER_HOUR = 60 * MICROS_PER_MINUTE
MICROS_PER_DAY = 24 * MICROS_PER_HOUR

ARROW_TYPES: Mapping[ColumnType, pa.DataType] = {
    ColumnType.STRING: pa.string(),
    ColumnType.DATE: pa.date32(),
    ColumnType.TIMESTAMP: pa.timestamp("us"),
    ColumnType.DECIMAL: pa.float64(),
    ColumnType.INTEGER: pa.int64(),
    ColumnType.BOOLEAN: pa.bool_(),
    ColumnType.PERIOD: pa.string(),
}

ColumnData: TypeAlias = pa.Array | npt.NDArray[np.generic] | Sequence[object]


def arrow_schema(name: str) -> pa.Schema:
    """The Arrow schema of model table ``name``: its columns, in order."""
    return pa.schema([pa.field(c.name, ARROW_TYPES[c.type]) for c in TABLES[name].columns])


def make_table(name: str, columns: Mapping[str, ColumnData]) -> pa.Table:
    """An Arrow table of model table ``name`` from exactly its columns.

    NumPy arrays and Python sequences are converted to the column's Arrow type;
    Arrow arrays must already have it. A missing or extra column is a bug here,
    so it fails loudly.
    """
    schema = arrow_schema(name)
    if set(columns) != set(schema.names):
        missing = sorted(set(schema.names) - set(columns))
        extra = sorted(set(columns) - set(schema.names))
        raise AssertionError(f"{name}: missing columns {missing}, unexpected {extra}")
    arrays = []
    for field in schema:
        data = columns[field.name]
        if isinstance(data, pa.ChunkedArray):
            data = data.combine_chunks()
        arr = data if isinstance(data, pa.Array) else pa.array(data, type=field.type)
        if arr.type != field.type:
            arr = arr.cast(field.type)
        arrays.append(arr)
    return pa.Table.from_arrays(arrays, schema=schema)


def date_array(
    days: npt.NDArray[np.integer], valid: npt.NDArray[np.bool_] | None = None
) -> pa.Array:
    """A ``date32`` array from day numbers; ``valid`` False gives a null."""
    values = days.astype(np.int32, copy=False)
    mask = None if valid is None else ~valid
    return pa.array(values, type=pa.date32(), mask=mask)


def timestamp_array(
    micros: npt.NDArray[np.integer], valid: npt.NDArray[np.bool_] | None = None
) -> pa.Array:
    """A ``timestamp('us')`` array from microseconds since 1970; ``valid`` False gives a null."""
    mask = None if valid is None else ~valid
    return pa.array(micros.astype(np.int64, copy=False), type=pa.timestamp("us"), mask=mask)


def fixed_ids(prefix: str, numbers: npt.NDArray[np.integer], digits: int) -> pa.Array:
    """Strings ``prefix`` + ``numbers`` zero-padded to ``digits``, built as raw buffers.

    About ten times faster than formatting Python strings; the caller keeps the
    numbers below ``10**digits`` (checked).
    """
    head = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    n = len(numbers)
    x = numbers.astype(np.int64, copy=True)
    if n and (x.min() < 0 or x.max() >= 10**digits):
        raise AssertionError(f"{prefix}: numbers outside 0..{10**digits - 1}")
    width = len(head) + digits
    buf = np.empty((n, width), dtype=np.uint8)
    buf[:, : len(head)] = head
    for k in range(width - 1, len(head) - 1, -1):  # one pass per digit
        buf[:, k] = x % 10 + 48
        x //= 10
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int64)
    if offsets[-1] < 2**31:
        return pa.StringArray.from_buffers(
            n, pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(buf)
        )
    return pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(buf)).cast(
        pa.string()
    )


class Strings:
    """A small dictionary of strings to gather from by integer codes."""

    def __init__(self, values: Sequence[str]) -> None:
        self.values = list(values)
        self._array = pa.array(self.values, type=pa.string())
        encoded = [v.encode("utf-8") for v in self.values]
        widths = {len(e) for e in encoded}
        self._fixed: npt.NDArray[np.uint8] | None = None
        if len(widths) == 1 and encoded and len(encoded[0]) > 0:
            self._fixed = np.frombuffer(b"".join(encoded), dtype=np.uint8).reshape(len(encoded), -1)

    def __len__(self) -> int:
        return len(self.values)

    def take(
        self, codes: npt.NDArray[np.integer], valid: npt.NDArray[np.bool_] | None = None
    ) -> pa.Array:
        """The strings at ``codes``; ``valid`` False gives a null."""
        if self._fixed is not None and valid is None:
            n, width = len(codes), self._fixed.shape[1]
            data = self._fixed[codes]
            offsets = np.arange(0, (n + 1) * width, width, dtype=np.int64)
            if offsets[-1] < 2**31:
                return pa.StringArray.from_buffers(
                    n, pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(data)
                )
        idx = pa.array(codes.astype(np.int32, copy=False), mask=None if valid is None else ~valid)
        return self._array.take(idx)
