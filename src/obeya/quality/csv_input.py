"""Reading a CSV file of measurements or counts for the quality commands.

The one loader of the quality package that reads a file. Every cell is read as text
first, so that a refusal can name the file, the row as the user sees it (the header
is row 1) and the column; numbers are then parsed over whole columns. Subgroup labels
keep the form they have in the file: a column of whole numbers becomes integers (so
JSON prints ``37``, not ``"37"``), anything else stays text (dates, shift codes).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd

from obeya.errors import DataError

__all__ = ["read_measurements_csv"]

_INTEGER = re.compile(r"^[+-]?\d+$")


def _integer_labels(labels: pd.Series) -> bool:
    return bool(labels.str.fullmatch(_INTEGER).all())


def read_measurements_csv(
    path: str | PathLike[str],
    *,
    label: str | None,
    numbers: Sequence[str],
    options: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The ``label`` column and the ``numbers`` columns of a CSV file, in file order.

    ``label`` None reads numbers only (individual values in time order).

    ``options`` maps a column name to the command-line option that names it, so the
    message for an absent column says which option to change (``--value``).
    Refuses, naming file, row and column: an absent file or column, an empty label,
    and a cell of a number column that is empty or not a finite number.
    """
    file = Path(path)
    hint = options or {}
    if not file.is_file():
        raise DataError(f"{file}: no such file; give the path of a CSV file with a header row")
    try:
        frame = pd.read_csv(file, dtype=str, keep_default_na=False, skipinitialspace=True)
    except pd.errors.EmptyDataError:
        raise DataError(f"{file}: the file is empty; it needs a header row and data") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        reason = str(exc).strip().splitlines()[0]
        raise DataError(f"{file}: not a readable CSV file ({reason})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    wanted = [*([] if label is None else [label]), *numbers]
    for column in wanted:
        if column not in frame.columns:
            option = f"; name the right one with {hint[column]}" if column in hint else ""
            raise DataError(
                f"{file}: column {column!r} is not in the file (columns: "
                f"{', '.join(frame.columns)}){option}"
            )
    if frame.empty:
        raise DataError(f"{file}: the file has a header but no data rows")
    frame = frame.loc[:, list(dict.fromkeys(wanted))].apply(lambda s: s.str.strip())
    rows = np.arange(len(frame)) + 2  # the header is row 1
    out = pd.DataFrame(index=frame.index)
    if label is not None:
        empty = (frame[label] == "").to_numpy()
        if empty.any():
            first = int(np.flatnonzero(empty)[0])
            raise DataError(
                f"{file}:{rows[first]}:{label}: the subgroup label is empty; every row must "
                f"name its subgroup"
            )
        labels = frame[label]
        out[label] = labels.astype(np.int64) if _integer_labels(labels) else labels
    for column in numbers:
        text = frame[column]
        values = pd.to_numeric(text, errors="coerce").to_numpy(np.float64)
        bad = ~np.isfinite(values)
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            shown = text.iloc[first]
            what = "is empty" if shown == "" else f"value {shown!r} is not a number"
            raise DataError(
                f"{file}:{rows[first]}:{column}: {what}; every row needs a finite number "
                f"({int(bad.sum())} such row(s) in all)"
            )
        out[column] = values
    return out
