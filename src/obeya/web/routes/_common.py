"""Helpers shared by the parts: cached views over the warehouse, tables as JSON."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any, TypeVar

import pandas as pd
import pyarrow as pa
from pydantic import AfterValidator, BaseModel, ConfigDict

from obeya.errors import ConfigError
from obeya.metrics import Catalog, Dimension, catalog_for
from obeya.warehouse import Warehouse
from obeya.web.context import AppState, Ctx

__all__ = [
    "PERIOD_PATTERN",
    "TableView",
    "UtcDatetime",
    "View",
    "cached",
    "catalog_of",
    "form_dimension",
    "form_period",
    "frame_view",
    "jsonable",
    "table_view",
]

PERIOD_PATTERN = r"^(\d{4}(-(\d{2}|W\d{2}|Q[1-4]|\d{2}-\d{2}))?)?$"


def form_dimension(value: str | None) -> Dimension | None:
    """A page's ``by`` field: empty means none (the company as a whole)."""
    if not value:
        return None
    try:
        return Dimension(value)
    except ValueError:
        known = ", ".join(d.value for d in Dimension)
        raise ConfigError(f"unknown dimension {value!r}; use one of {known}") from None


def form_period(value: str | None) -> str | None:
    """A page's ``period`` field: empty means the latest period."""
    return value.strip() or None if value else None


T = TypeVar("T")


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


# times are kept in UTC without an offset; the API states the offset (RFC 3339)
UtcDatetime = Annotated[dt.datetime, AfterValidator(_utc)]


class View(BaseModel):
    """Base of every view model: immutable, unknown fields refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class TableView(View):
    """Rows of a table as JSON: column names and one list of values per row."""

    columns: list[str]
    rows: list[list[Any]]
    total_rows: int
    truncated: bool = False


def jsonable(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def table_view(
    table: pa.Table, total_rows: int | None = None, truncated: bool = False
) -> TableView:
    columns = table.column_names
    data = [table.column(i).to_pylist() for i in range(table.num_columns)]
    rows = [[jsonable(col[r]) for col in data] for r in range(table.num_rows)]
    return TableView(
        columns=columns,
        rows=rows,
        total_rows=table.num_rows if total_rows is None else total_rows,
        truncated=truncated,
    )


def frame_view(frame: pd.DataFrame, limit: int | None = None) -> TableView:
    """A pandas frame as a :class:`TableView` (the first ``limit`` rows)."""
    table = pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False)
    total = table.num_rows
    if limit is not None and total > limit:
        return table_view(table.slice(0, limit), total, True)
    return table_view(table)


def _state(ctx: Ctx | AppState) -> AppState:
    return ctx.state if isinstance(ctx, Ctx) else ctx


def cached(ctx: Ctx | AppState, key: tuple[Any, ...], compute: Callable[[Warehouse], T]) -> T:
    """``compute(warehouse)``, cached until the warehouse's data changes.

    On a DuckDB file a cached view is served without opening the warehouse.
    """
    state = _state(ctx)
    gate = state.gate
    if gate.versioned_by_files:
        found, value = state.cache.peek((*key, gate.data_version()))
        if found:
            return value  # type: ignore[no-any-return]
    with gate.read() as wh:
        version = gate.data_version(wh)
        return state.cache.get((*key, version), lambda: compute(wh))


def catalog_of(ctx: Ctx | AppState, wh: Warehouse) -> Catalog:
    """The warehouse's KPI catalog (the shipped one plus its kpis.yaml), cached."""
    state = _state(ctx)
    version = state.gate.data_version(wh)
    return state.cache.get(("catalog", version), lambda: catalog_for(wh))
