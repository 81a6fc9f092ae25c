"""Long tables in, pandas frames inside: the edges of the table-based engines."""

from __future__ import annotations

from typing import TypeAlias

import pandas as pd
import pyarrow as pa

from obeya.errors import DataError

__all__ = ["Table", "as_frame", "require_columns"]

Table: TypeAlias = "pd.DataFrame | pa.Table"


def as_frame(table: Table) -> pd.DataFrame:
    """A pandas frame of a pandas or Arrow table (Arrow is converted once, whole)."""
    if isinstance(table, pa.Table):
        return table.to_pandas()
    return table


def require_columns(frame: pd.DataFrame, columns: list[str], table: str) -> None:
    """Raise a DataError naming every missing column and the columns there are."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(
            f"{table}: missing column(s) {', '.join(missing)}; "
            f"it has {', '.join(map(str, frame.columns))}"
        )
