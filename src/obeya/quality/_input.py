"""Reading columns from the tables the quality engines accept.

Every engine takes a long table: a pandas DataFrame, a pyarrow Table, or a mapping
of column name to array. Column names are parameters of the engine, so a table
straight from the warehouse (``quality_samples``, ``inspections``,
``process_events``) can be passed without renaming.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from obeya.errors import DataError, SpecError

FloatArray: TypeAlias = npt.NDArray[np.float64]
IntArray: TypeAlias = npt.NDArray[np.int64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]
TableLike: TypeAlias = pd.DataFrame | pa.Table | Mapping[str, Any]


def as_frame(data: TableLike, columns: Sequence[str], *, what: str) -> pd.DataFrame:
    """The named columns of ``data`` as a DataFrame (refusing absent columns)."""
    if isinstance(data, pd.DataFrame):
        frame = data
    elif isinstance(data, pa.Table):
        frame = data.select([c for c in columns if c in data.column_names]).to_pandas()
    elif isinstance(data, Mapping):
        frame = pd.DataFrame({k: data[k] for k in columns if k in data})
    else:
        raise DataError(
            f"{what}: expected a pandas DataFrame, a pyarrow Table or a mapping of "
            f"column name to array, got {type(data).__name__}"
        )
    available = [str(c) for c in (data.column_names if isinstance(data, pa.Table) else data)]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(
            f"{what}: column {missing[0]!r} is not in the data (columns: "
            f"{', '.join(available) or 'none'}); name the right column with the "
            f"matching keyword argument"
        )
    return frame.loc[:, list(columns)]


def numeric(frame: pd.DataFrame, column: str, *, what: str) -> FloatArray:
    """A column as float64, refusing text and missing values with the first bad row."""
    values = np.asarray(pd.to_numeric(frame[column], errors="coerce"), dtype=np.float64)
    bad = ~np.isfinite(values)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"{what}: {int(bad.sum())} value(s) in column {column!r} are missing or not "
            f"finite numbers (first at row {first}: {frame[column].iloc[first]!r}); drop "
            f"or correct them before charting"
        )
    return values


def jsonable(label: Hashable) -> Any:
    """A subgroup label as a JSON value (numpy scalars unwrapped, times as ISO text)."""
    if isinstance(label, np.generic):
        return label.item()
    if isinstance(label, pd.Timestamp):
        return label.isoformat()
    if isinstance(label, (str, int, float, bool)) or label is None:
        return label
    return str(label)


def float_list(values: FloatArray) -> list[float | None]:
    """Floats for JSON: NaN (an undefined point, such as the first moving range) as null."""
    return [None if not np.isfinite(v) else float(v) for v in values.tolist()]


@dataclass(frozen=True, slots=True)
class Grouping:
    """Rows mapped onto subgroups, in order of first appearance in the table.

    ``codes[i]`` is the subgroup of row ``i``; ``labels[j]`` the label of subgroup ``j``.
    """

    labels: tuple[Hashable, ...]
    codes: IntArray

    @property
    def size(self) -> int:
        return len(self.labels)


def group(frame: pd.DataFrame, column: str, *, what: str) -> Grouping:
    """Factorise the subgroup column without sorting: the table's order is time order."""
    codes, uniques = pd.factorize(frame[column], sort=False)
    if (codes < 0).any():
        first = int(np.flatnonzero(codes < 0)[0])
        raise DataError(
            f"{what}: column {column!r} has an empty subgroup label at row {first}; "
            f"every row must name its subgroup"
        )
    return Grouping(tuple(uniques.tolist()), codes.astype(np.int64))


def label_mask(
    grouping: Grouping, chosen: Sequence[Hashable], *, what: str, argument: str
) -> BoolArray:
    """A boolean mask over subgroups for the labels the user named."""
    index = {label: i for i, label in enumerate(grouping.labels)}
    mask = np.zeros(grouping.size, dtype=bool)
    for label in chosen:
        if label not in index:
            shown = ", ".join(repr(x) for x in grouping.labels[:5])
            raise SpecError(
                f"{what}: {argument} names subgroup {label!r}, which is not in the data "
                f"(subgroups start {shown}{', ...' if grouping.size > 5 else ''}); use the "
                f"labels of the subgroup column"
            )
        mask[index[label]] = True
    return mask
