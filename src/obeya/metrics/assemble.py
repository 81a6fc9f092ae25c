"""From aggregated query results to the tidy KPI table, with NumPy on one grid.

Every query returns rows keyed by period and members of the requested dimensions.
They are laid on one *grid*: every period from the first to the last, times every
member seen in any query, period-major, so that the row of (period ``p``, member
``m``) is ``p * members + m``. The previous period and the same period last year are
then plain index arithmetic, and each KPI is a handful of vectorised operations on
columns of the grid; no row of a fact table ever reaches Python.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
from numpy.typing import NDArray

from obeya.metrics.catalog import Catalog
from obeya.metrics.formulas import (
    PERIOD_DAYS,
    Additivity,
    additivity,
    evaluate_formula,
    formula_measures,
    parse_formula,
)
from obeya.metrics.measures import PERIOD, ROWS
from obeya.metrics.periods import Grain, elapsed_days, last_year_start, periods_between, prior_start
from obeya.metrics.spec import Dimension, FormulaSpec, KpiSpec, MeasureSpec
from obeya.metrics.targets import statuses, threshold_arrays

__all__ = [
    "RESULT_COLUMNS",
    "Grid",
    "KpiRows",
    "build_grid",
    "kpi_rows",
    "result_schema",
    "to_arrow",
]

RESULT_COLUMNS = (
    "value",
    "numerator",
    "denominator",
    "target",
    "status",
    "change_vs_prior",
    "change_vs_last_year",
    "reason",
)
_NULL = "\x00null"  # stands for a null member while members are indexed

Floats = NDArray[np.float64]


def result_schema(by: Sequence[Dimension]) -> pa.Schema:
    fields = [pa.field("kpi", pa.string()), pa.field(PERIOD, pa.date32())]
    fields += [pa.field(d.value, pa.string()) for d in by]
    fields += [pa.field(n, pa.float64()) for n in ("value", "numerator", "denominator", "target")]
    fields += [pa.field("status", pa.string())]
    fields += [pa.field(n, pa.float64()) for n in ("change_vs_prior", "change_vs_last_year")]
    fields += [pa.field("reason", pa.string())]
    return pa.schema(fields)


@dataclass(frozen=True)
class Grid:
    """Aggregated measures on every period x member, with the rows to compare with."""

    periods: list[date]
    members: pd.DataFrame  # one row per member, a column per dimension (_NULL for null)
    columns: Mapping[str, Floats]  # measure id (and ROWS_i) -> value per grid row
    period_days: Floats
    prior: NDArray[np.int64]  # grid row of the previous period (-1: outside the grid)
    last_year: NDArray[np.int64]

    @property
    def size(self) -> int:
        return len(self.periods) * len(self.members)

    @property
    def period_index(self) -> NDArray[np.int64]:
        return np.repeat(np.arange(len(self.periods)), len(self.members))

    @property
    def member_index(self) -> NDArray[np.int64]:
        return np.tile(np.arange(len(self.members)), len(self.periods))


def rows_column(group: int) -> str:
    return f"{ROWS}_{group}"


def build_grid(
    tables: Sequence[pa.Table],
    dims: Sequence[Dimension],
    grain: Grain,
    as_of: date,
    first: date | None,
    last: date,
) -> Grid:
    """Lay the groups' results on one grid from the earliest period read to ``last``."""
    names = [d.value for d in dims]
    frames = []
    for t in tables:
        df = t.to_pandas()
        df[PERIOD] = pd.to_datetime(df[PERIOD]).dt.date
        for name in names:
            df[name] = df[name].astype(object).where(df[name].notna(), _NULL)
        frames.append(df[df[PERIOD] <= last])
    seen = [p for f in frames for p in f[PERIOD].unique().tolist()]
    periods = periods_between(min([*seen, *([first] if first else []), last]), last, grain)
    if names:
        keys = pd.concat([f[names] for f in frames]) if frames else pd.DataFrame(columns=names)
        members = keys.drop_duplicates().sort_values(names, kind="stable").reset_index(drop=True)
    else:
        members = pd.DataFrame(index=[0])
    if members.empty:  # no data at all: one null member keeps the grid's arithmetic
        members = pd.DataFrame({name: [_NULL] for name in names}, index=[0])
    width = len(members)
    slot = {p: i for i, p in enumerate(periods)}

    columns: dict[str, Floats] = {}
    for g, df in enumerate(frames):
        rows = df[PERIOD].map(slot).to_numpy(dtype=np.int64) * width
        if names:
            rows = rows + pd.MultiIndex.from_frame(members[names]).get_indexer(
                pd.MultiIndex.from_frame(df[names])
            )
        for name in df.columns:
            if name == PERIOD or name in names:
                continue
            column = np.full(len(periods) * width, np.nan)
            column[rows] = df[name].to_numpy(dtype=np.float64)
            columns[rows_column(g) if name == ROWS else name] = column

    days = np.array([float(elapsed_days(p, grain, as_of)) for p in periods])

    def shifted(to: date | None) -> int:
        return slot.get(to, -1) if to is not None else -1

    prior = np.array([shifted(prior_start(p, grain)) for p in periods], dtype=np.int64)
    year = np.array([shifted(last_year_start(p, grain)) for p in periods], dtype=np.int64)
    member = np.tile(np.arange(width), len(periods))

    def to_rows(per_period: NDArray[np.int64]) -> NDArray[np.int64]:
        target = np.repeat(per_period, width)
        return np.where(target >= 0, target * width + member, -1)

    return Grid(periods, members, columns, np.repeat(days, width), to_rows(prior), to_rows(year))


@dataclass(frozen=True)
class KpiRows:
    """One KPI's rows of the result, as columns."""

    kpi: str
    grid_rows: NDArray[np.int64]
    value: Floats
    numerator: Floats
    denominator: Floats
    target: Floats
    status: list[str | None]
    change_vs_prior: Floats
    change_vs_last_year: Floats
    reason: NDArray[np.object_]


def kpi_rows(
    kpi: KpiSpec,
    alternatives: Sequence[FormulaSpec],
    catalog: Catalog,
    grid: Grid,
    group_of: Mapping[str, int],
    dims: Sequence[Dimension],
    site_filter: tuple[str, ...] | None,
    first: date | None,
) -> KpiRows:
    """Evaluate one KPI on the whole grid, then keep its members and periods."""
    measures: list[MeasureSpec] = []
    for alt in alternatives:
        measures += [
            catalog.measures[m]
            for m in formula_measures(alt)
            if catalog.measures[m] not in measures
        ]
    n = grid.size
    values: dict[str, Floats] = {PERIOD_DAYS: grid.period_days}
    present: dict[str, NDArray[np.bool_]] = {}
    for m in measures:
        present[m.id] = np.nan_to_num(grid.columns[rows_column(group_of[m.id])], nan=0.0) > 0
        raw = grid.columns[m.id]
        values[m.id] = np.nan_to_num(raw, nan=0.0) if m.additive else raw
    value, num, den, reason = _evaluate(kpi, alternatives, catalog, values, present, n)

    # members with data for this KPI in any period; periods from the first asked (or seen)
    seen = np.zeros(n, dtype=bool)
    for flags in present.values():
        seen |= flags
    member_seen = np.zeros(len(grid.members), dtype=bool)
    member_seen[grid.member_index[seen]] = True
    if first is not None:
        start = next((i for i, p in enumerate(grid.periods) if p >= first), len(grid.periods))
    else:
        start = int(grid.period_index[seen].min()) if seen.any() else len(grid.periods) - 1
    keep = member_seen[grid.member_index] & (grid.period_index >= start)
    if not dims:
        keep = grid.period_index >= start
    rows = np.flatnonzero(keep)

    if Dimension.SITE in dims:
        site_of = grid.members[Dimension.SITE.value].tolist()
        sites: list[str | None] = [
            None if site_of[i] == _NULL else site_of[i] for i in grid.member_index[rows]
        ]
    else:
        only = site_filter[0] if site_filter and len(site_filter) == 1 else None
        sites = [only] * len(rows)
    target, amber, red = threshold_arrays(kpi, sites)

    def change(other: NDArray[np.int64]) -> Floats:
        ref = other[rows]
        past = np.where(ref >= 0, value[np.maximum(ref, 0)], np.nan)
        return value[rows] - past

    return KpiRows(
        kpi.id,
        rows,
        value[rows],
        num[rows],
        den[rows],
        target,
        statuses(value[rows], amber, red, kpi.direction),
        change(grid.prior),
        change(grid.last_year),
        reason[rows],
    )


def _evaluate(
    kpi: KpiSpec,
    alternatives: Sequence[FormulaSpec],
    catalog: Catalog,
    values: Mapping[str, Floats],
    present: Mapping[str, NDArray[np.bool_]],
    n: int,
) -> tuple[Floats, Floats, Floats, NDArray[np.object_]]:
    """Value, numerator, denominator and reason per grid row.

    A row needs data behind at least one of the formula's measures, and behind every
    measure read from a *record* source (one with ``missing`` set: snapshots, hours,
    meter readings), where no rows means unknown rather than zero. A fallback fills
    the rows the formula before it leaves without a value.
    """
    value, num, den = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    reason = np.full(n, kpi.empty_reason, dtype=object)
    todo = np.ones(n, dtype=bool)
    for alt in alternatives:
        ids = formula_measures(alt)
        seen = np.zeros(n, dtype=bool)
        unknown = np.zeros(n, dtype=bool)
        for mid in ids:
            seen |= present[mid]
            missing = catalog.sources[catalog.measures[mid].source].missing
            if missing is not None:
                reason[todo & ~present[mid] & ~unknown] = missing
                unknown |= ~present[mid]
        known = todo & seen & ~unknown
        if alt.is_ratio:
            assert alt.numerator is not None
            assert alt.denominator is not None
            a = np.broadcast_to(evaluate_formula(parse_formula(alt.numerator), values), (n,))
            b = np.broadcast_to(evaluate_formula(parse_formula(alt.denominator), values), (n,))
            with np.errstate(divide="ignore", invalid="ignore"):
                v = np.where((b != 0) & np.isfinite(b), a / np.where(b == 0, 1.0, b), np.nan)
            usable = known & np.isfinite(b) & (b != 0)
            fill = usable | (known & (alt is alternatives[-1]))
            num[fill], den[fill] = a[fill], b[fill]
        else:
            assert alt.value is not None
            tree = parse_formula(alt.value)
            v = np.broadcast_to(evaluate_formula(tree, values), (n,)).astype(np.float64)
            usable = known & np.isfinite(v)
            additive = {m: catalog.measures[m].additive for m in ids}
            if additivity(tree, additive) is Additivity.ADDITIVE:
                num[usable] = v[usable]
        value[usable] = v[usable]
        todo &= ~usable
    reason[~todo] = None
    return value, num, den, reason


def blank_rows(
    kpi: KpiSpec, grid: Grid, dims: Sequence[Dimension], first: date | None, reason: str
) -> KpiRows:
    """Rows without values (a grain finer than the data), one per period, members null."""
    start = 0
    if first is not None:
        start = next((i for i, p in enumerate(grid.periods) if p >= first), len(grid.periods))
    periods = np.arange(start, len(grid.periods))
    rows = periods * len(grid.members)  # the first member's row of each period
    nan = np.full(len(rows), np.nan)
    return KpiRows(
        kpi.id,
        rows,
        nan,
        nan,
        nan,
        nan,
        [None] * len(rows),
        nan,
        nan,
        np.full(len(rows), reason, dtype=object),
    )


def to_arrow(
    parts: Sequence[KpiRows],
    grid: Grid,
    dims: Sequence[Dimension],
    blank: frozenset[str] = frozenset(),
) -> pa.Table:
    """The tidy table of all KPIs' rows (members of ``blank`` KPIs shown as null)."""
    schema = result_schema(dims)
    if not parts:
        return schema.empty_table()
    rows = np.concatenate([p.grid_rows for p in parts])
    width = len(grid.members)
    periods = np.array(grid.periods, dtype="datetime64[D]")
    data: dict[str, pa.Array] = {
        "kpi": pa.array(
            np.repeat([p.kpi for p in parts], [len(p.grid_rows) for p in parts]).tolist(),
            pa.string(),
        ),
        PERIOD: pa.array(periods[rows // width], pa.date32()),
    }
    is_blank = np.concatenate([np.full(len(p.grid_rows), p.kpi in blank) for p in parts])
    for d in dims:
        names = grid.members[d.value].to_numpy(dtype=object)[rows % width]
        names = np.where((names == _NULL) | is_blank, None, names)
        data[d.value] = pa.array(names, pa.string())
    for name in ("value", "numerator", "denominator", "target"):
        data[name] = pa.array(
            np.concatenate([getattr(p, name) for p in parts]), pa.float64(), from_pandas=True
        )
    data["status"] = pa.array([s for p in parts for s in p.status], pa.string())
    for name in ("change_vs_prior", "change_vs_last_year"):
        data[name] = pa.array(
            np.concatenate([getattr(p, name) for p in parts]), pa.float64(), from_pandas=True
        )
    data["reason"] = pa.array(
        np.concatenate([p.reason for p in parts]), pa.string(), from_pandas=True
    )
    return pa.Table.from_pydict(data, schema=schema)
