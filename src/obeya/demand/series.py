"""Demand series from order lines: one zero-filled series per SKU x site.

Demand is what customers asked for, when they wanted it:

* the quantity is ``qty_ordered``, never ``qty_shipped`` (shipments are censored by
  stock-outs: a week with no stock ships nothing although customers asked);
* the date is the customer's ``requested_date`` where given, else ``order_date``,
  and never earlier than ``order_date`` (demand is *wanted-when*; a requested date
  before the order was placed is a data-entry slip and counts on the order date);
* a cancelled line is demand that was expressed. The data model does not say who
  cancelled, and most cancellations in distribution follow a late or short
  delivery, so by default they count (:attr:`CancelledPolicy.INCLUDE`); a company
  whose cancellations are mostly its own (credit holds, duplicates) can drop them.

The aggregation runs in the warehouse (Ibis, so the same code runs on DuckDB and
PostgreSQL): lines are bucketed to ISO weeks (Monday) or months, summed per SKU x
site x period and zero-filled on a complete calendar from each series' first
demand period to the last *complete* period at ``as_of`` (a half-finished week
would look like a collapse in demand).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import assert_never

import ibis
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from obeya.errors import DataError
from obeya.warehouse import Warehouse

__all__ = [
    "DEFAULT_COLUMNS",
    "CancelledPolicy",
    "DemandSeries",
    "Grain",
    "SeriesColumns",
    "demand_series",
    "last_complete_period",
    "period_range",
    "period_start",
    "series_from_table",
    "series_id",
]

SERIES_ID_SEPARATOR = "@"


class Grain(StrEnum):
    """The period of a demand series."""

    WEEK = "week"  # ISO week, starting Monday
    MONTH = "month"

    @property
    def season_length(self) -> int:
        """Periods in a year: the seasonal period of the series."""
        match self:
            case Grain.WEEK:
                return 52
            case Grain.MONTH:
                return 12
            case _:
                assert_never(self)

    @property
    def freq(self) -> str:
        """The pandas frequency statsforecast is given for this grain."""
        match self:
            case Grain.WEEK:
                return "W-MON"
            case Grain.MONTH:
                return "MS"
            case _:
                assert_never(self)

    @property
    def sql_unit(self) -> str:
        match self:
            case Grain.WEEK:
                return "W"
            case Grain.MONTH:
                return "M"
            case _:
                assert_never(self)


class CancelledPolicy(StrEnum):
    """Whether cancelled order lines count as demand."""

    INCLUDE = "include"  # expressed demand (the default; see the module docstring)
    EXCLUDE = "exclude"  # for companies whose cancellations are mostly their own


@dataclass(frozen=True, slots=True)
class SeriesColumns:
    """Names of the long table's columns (the statsforecast contract by default)."""

    id: str = "unique_id"
    time: str = "ds"
    target: str = "y"

    def __post_init__(self) -> None:
        if len({self.id, self.time, self.target}) != 3:
            raise DataError(
                f"series columns must have three different names, got id={self.id!r}, "
                f"time={self.time!r}, target={self.target!r}"
            )


DEFAULT_COLUMNS = SeriesColumns()


@dataclass(frozen=True)
class DemandSeries:
    """Dense demand series as a long table, plus what each series is.

    ``data`` has the columns named by ``columns`` (id: string, time: date32,
    target: float64), sorted by id then time, one row per period from the series'
    first demand period to ``end``. ``keys`` has one row per series: the id, ``sku``,
    ``site_id``, ``family`` and ``first_period``.
    """

    data: pa.Table
    keys: pa.Table
    grain: Grain
    start: date
    end: date
    as_of: date
    columns: SeriesColumns = DEFAULT_COLUMNS

    @property
    def n_series(self) -> int:
        return int(self.keys.num_rows)


def period_start(day: date, grain: Grain) -> date:
    """The first day of the period holding ``day``."""
    match grain:
        case Grain.WEEK:
            return day - timedelta(days=day.weekday())
        case Grain.MONTH:
            return day.replace(day=1)
        case _:
            assert_never(grain)


def _shift(start: date, grain: Grain, periods: int) -> date:
    match grain:
        case Grain.WEEK:
            return start + timedelta(weeks=periods)
        case Grain.MONTH:
            months = start.year * 12 + start.month - 1 + periods
            return date(months // 12, months % 12 + 1, 1)
        case _:
            assert_never(grain)


def last_complete_period(as_of: date, grain: Grain) -> date:
    """Start of the last period that has ended on or before ``as_of``.

    A week is complete on its Sunday, a month on its last day.
    """
    return _shift(period_start(as_of + timedelta(days=1), grain), grain, -1)


def period_range(start: date, end: date, grain: Grain) -> list[date]:
    """Period starts from ``start`` to ``end`` inclusive (both period starts)."""
    out: list[date] = []
    current = start
    while current <= end:
        out.append(current)
        current = _shift(current, grain, 1)
    return out


def series_id(sku: pa.Array | pa.ChunkedArray, site_id: pa.Array | pa.ChunkedArray) -> pa.Array:
    """The series id ``sku@site_id`` of each SKU x site pair."""
    out = pc.binary_join_element_wise(sku, site_id, SERIES_ID_SEPARATOR)
    return out.combine_chunks() if isinstance(out, pa.ChunkedArray) else out


def demand_series(
    warehouse: Warehouse,
    *,
    grain: Grain = Grain.WEEK,
    as_of: date | None = None,
    cancelled: CancelledPolicy = CancelledPolicy.INCLUDE,
    columns: SeriesColumns = DEFAULT_COLUMNS,
) -> DemandSeries:
    """Demand per SKU x site x period from the warehouse's order lines.

    ``as_of`` defaults to the latest ``order_date``; lines ordered after it are not
    known yet and are left out. Raises :class:`DataError` when there is no demand
    before the last complete period.
    """
    lines = warehouse.table("order_lines")
    if as_of is None:
        latest = lines.order_date.max().to_pyarrow().as_py()
        if latest is None:
            raise DataError("order_lines is empty: load order lines before forecasting demand")
        as_of = _as_date(latest)
    end = last_complete_period(as_of, grain)
    after_end = _shift(end, grain, 1)

    demand_date = ibis.greatest(lines.order_date, lines.requested_date.fill_null(lines.order_date))
    kept = lines.filter(lines.order_date <= ibis.literal(as_of))
    match cancelled:
        case CancelledPolicy.INCLUDE:
            pass
        case CancelledPolicy.EXCLUDE:
            kept = kept.filter(kept.status != "cancelled")
        case _:
            assert_never(cancelled)
    dated = kept.mutate(demand_date=demand_date).filter(
        lambda t: t.demand_date < ibis.literal(after_end)
    )
    sums = (
        dated.mutate(period=dated.demand_date.truncate(grain.sql_unit).cast("date"))
        .group_by(["sku", "site_id", "period"])
        .aggregate(qty=lambda t: t.qty_ordered.sum())
    )
    firsts = sums.group_by(["sku", "site_id"]).aggregate(first_period=sums.period.min())
    start_value = firsts.first_period.min().to_pyarrow().as_py()
    if start_value is None:
        raise DataError(
            f"no order lines with a demand date up to {after_end - timedelta(days=1)} "
            f"(as of {as_of}): nothing to forecast; check as_of or load order lines"
        )
    start = _as_date(start_value)
    calendar = ibis.memtable(
        pa.table({"cal_period": pa.array(period_range(start, end, grain), pa.date32())})
    )
    grid = firsts.cross_join(calendar).filter(lambda t: t.cal_period >= t.first_period)
    joined = grid.left_join(
        sums,
        [
            grid.sku == sums.sku,
            grid.site_id == sums.site_id,
            grid.cal_period == sums.period,
        ],
    )
    dense = joined.select(
        sku=grid.sku,
        site_id=grid.site_id,
        period=grid.cal_period,
        y=joined.qty.fill_null(0.0).cast("float64"),
    ).order_by(["sku", "site_id", "period"])
    raw = dense.to_pyarrow()

    products = warehouse.table("products").select("sku", "family")
    key_expr = firsts.left_join(products, firsts.sku == products.sku).select(
        sku=firsts.sku,
        site_id=firsts.site_id,
        family=products.family.fill_null("(no family)"),
        first_period=firsts.first_period,
    )
    keys_raw = key_expr.order_by(["sku", "site_id"]).to_pyarrow()
    return _assemble(raw, keys_raw, grain, start, end, as_of, columns)


def _assemble(
    raw: pa.Table,
    keys_raw: pa.Table,
    grain: Grain,
    start: date,
    end: date,
    as_of: date,
    columns: SeriesColumns,
) -> DemandSeries:
    ids = series_id(raw.column("sku"), raw.column("site_id"))
    data = pa.table(
        {
            columns.id: ids,
            columns.time: raw.column("period").cast(pa.date32()),
            columns.target: raw.column("y").cast(pa.float64()),
        }
    )
    key_ids = series_id(keys_raw.column("sku"), keys_raw.column("site_id"))
    if len(pc.unique(key_ids)) != len(key_ids):
        raise DataError(
            f"two SKU x site pairs give the same series id (a sku or site_id contains "
            f"{SERIES_ID_SEPARATOR!r}); rename the codes so that '{SERIES_ID_SEPARATOR}' "
            "appears in neither"
        )
    keys = pa.table(
        {
            columns.id: key_ids,
            "sku": keys_raw.column("sku").cast(pa.string()),
            "site_id": keys_raw.column("site_id").cast(pa.string()),
            "family": keys_raw.column("family").cast(pa.string()),
            "first_period": keys_raw.column("first_period").cast(pa.date32()),
        }
    )
    order = pc.sort_indices(data, [(columns.id, "ascending"), (columns.time, "ascending")])
    return DemandSeries(
        data=data.take(order),
        keys=keys.take(pc.sort_indices(keys, [(columns.id, "ascending")])),
        grain=grain,
        start=start,
        end=end,
        as_of=as_of,
        columns=columns,
    )


def _as_date(value: object) -> date:
    if isinstance(value, np.datetime64):
        value = value.astype("datetime64[D]").item()
    if hasattr(value, "date") and callable(value.date):
        return value.date()  # type: ignore[no-any-return]
    if isinstance(value, date):
        return value
    raise DataError(f"expected a date from the warehouse, got {value!r}")


def series_from_table(
    data: pa.Table,
    keys: pa.Table,
    *,
    grain: Grain,
    as_of: date | None = None,
    columns: SeriesColumns = DEFAULT_COLUMNS,
) -> DemandSeries:
    """A :class:`DemandSeries` from an in-memory long table (for synthetic data and tests).

    ``data`` needs the id, time (dates that are period starts) and target columns;
    ``keys`` needs the id, ``sku``, ``site_id`` and ``family`` of every series. Every
    series must end on the same, last period and have no gaps.
    """
    for name in (columns.id, columns.time, columns.target):
        if name not in data.column_names:
            raise DataError(f"the series table has no column {name!r}; it has {data.column_names}")
    for name in (columns.id, "sku", "site_id", "family"):
        if name not in keys.column_names:
            raise DataError(f"the keys table has no column {name!r}; it has {keys.column_names}")
    data = data.select([columns.id, columns.time, columns.target]).cast(
        pa.schema(
            [
                pa.field(columns.id, pa.string()),
                pa.field(columns.time, pa.date32()),
                pa.field(columns.target, pa.float64()),
            ]
        )
    )
    data = data.take(
        pc.sort_indices(data, [(columns.id, "ascending"), (columns.time, "ascending")])
    )
    firsts = data.group_by(columns.id).aggregate([(columns.time, "min"), (columns.time, "max")])
    if len(pc.unique(firsts.column(f"{columns.time}_max"))) != 1:
        raise DataError("every series must end on the same period; pad them with zeros")
    start = pc.min(firsts.column(f"{columns.time}_min")).as_py()
    end = pc.max(firsts.column(f"{columns.time}_max")).as_py()
    key_table = keys.select([columns.id, "sku", "site_id", "family"]).join(
        firsts.rename_columns([columns.id, "first_period", "last_period"]).select(
            [columns.id, "first_period"]
        ),
        columns.id,
        join_type="inner",
    )
    if key_table.num_rows != firsts.num_rows:
        raise DataError("every series in the data needs one row in the keys table")
    key_table = key_table.take(pc.sort_indices(key_table, [(columns.id, "ascending")]))
    last = as_of or (_shift(end, grain, 1) - timedelta(days=1))
    return DemandSeries(
        data=data, keys=key_table, grain=grain, start=start, end=end, as_of=last, columns=columns
    )
