"""Computing KPIs: plan the queries, run them in the database, assemble a tidy table.

The result has one row per KPI, period and member of the requested dimensions::

    kpi | period_start | <dimension>... | value | numerator | denominator | target |
    status | change_vs_prior | change_vs_last_year | reason

Rules (the contract of ``shared/spec/kpis.md``):

- ``as_of`` defaults to the latest event date in the tables the KPIs read (promised
  and planned dates are commitments, not events, and are not looked at);
- a row counts in a period when its attribution date falls in the period and is on
  or before ``as_of`` (so "due in the period" means promised in it and by as_of);
- the current period is partial up to ``as_of`` (``period_days`` counts its elapsed
  days);
- a value is ``numerator / denominator`` of summed measures: a roll-up re-divides
  sums, never averages ratios; an empty denominator gives a null value and a reason;
- changes compare with the previous period and the same period a year earlier,
  cut the same way; ``start`` and ``end`` select whole periods.

Line-level work happens in the database: each group of measures is one aggregation
query (see :mod:`obeya.metrics.measures`); only aggregated rows come back, and
:mod:`obeya.metrics.assemble` turns them into KPI rows with NumPy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeAlias, cast

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.operations as ops
import pyarrow as pa
from ibis.backends import BaseBackend

from obeya.errors import ConfigError, DataError, SpecError
from obeya.metrics.assemble import (
    RESULT_COLUMNS,
    blank_rows,
    build_grid,
    kpi_rows,
    result_schema,
    to_arrow,
)
from obeya.metrics.catalog import Catalog
from obeya.metrics.formulas import (
    formula_alternatives,
    formula_measures,
    measures_of,
)
from obeya.metrics.loader import catalog_for, load_catalog
from obeya.metrics.measures import (
    PERIOD,
    MeasureGroup,
    QueryPlan,
    compiled_sql,
    group_measures,
    measure_dims_ok,
    run_groups,
)
from obeya.metrics.periods import (
    Grain,
    last_year_start,
    parse_period,
    period_label,
    period_start,
    prior_start,
)
from obeya.metrics.spec import Dimension, FormulaSpec, KpiSpec, MeasureSpec
from obeya.model import TABLES, ColumnType
from obeya.warehouse import Warehouse

__all__ = [
    "RESULT_COLUMNS",
    "KpiResult",
    "as_date",
    "compute",
    "detect_as_of",
    "evaluate",
    "parse_dimensions",
    "query_sql",
    "result_schema",
]

_COMMITMENT_DATES = frozenset({"promised_date", "requested_date", "planned_start", "planned_end"})

Source: TypeAlias = Warehouse | BaseBackend


@dataclass(frozen=True)
class KpiResult:
    """A computed KPI table and how it was asked for."""

    table: pa.Table
    kpis: tuple[str, ...]
    grain: Grain
    by: tuple[Dimension, ...]
    filters: Mapping[Dimension, tuple[str, ...]]
    as_of: date
    first_period: date | None
    last_period: date

    def to_arrow(self) -> pa.Table:
        return self.table

    def to_rows(self) -> list[dict[str, Any]]:
        """JSON-ready rows: ``period_start`` as YYYY-MM-DD, nulls as None."""
        rows = cast(list[dict[str, Any]], self.table.to_pylist())
        for row in rows:
            row[PERIOD] = row[PERIOD].isoformat()
        return rows

    def value(self, kpi: str, period: date | str, **members: str | None) -> float | None:
        """The value of one KPI in one period for one member (a convenience for callers)."""
        row = self.row(kpi, period, **members)
        return None if row is None else row["value"]

    def row(self, kpi: str, period: date | str, **members: str | None) -> dict[str, Any] | None:
        start = parse_period(period, self.grain)
        for row in cast(list[dict[str, Any]], self.table.to_pylist()):
            if (
                row["kpi"] == kpi
                and row[PERIOD] == start
                and all(row.get(k) == v for k, v in members.items())
            ):
                return row
        return None


# ------------------------------------------------------------------------ inputs


def _backend(source: Source) -> BaseBackend:
    return source.ibis if isinstance(source, Warehouse) else source


def parse_dimensions(names: Sequence[str | Dimension]) -> tuple[Dimension, ...]:
    out: list[Dimension] = []
    for name in names:
        try:
            out.append(Dimension(name))
        except ValueError:
            known = ", ".join(d.value for d in Dimension)
            raise ConfigError(f"unknown dimension {name!r}; use one of {known}") from None
    return tuple(dict.fromkeys(out))


def _parse_filters(filters: Mapping[str, object] | None) -> dict[Dimension, tuple[str, ...]]:
    out: dict[Dimension, tuple[str, ...]] = {}
    for name, value in (filters or {}).items():
        (dim,) = parse_dimensions([name])
        values = [value] if isinstance(value, str | int | float) else list(value)  # type: ignore[call-overload]
        if not values:
            raise ConfigError(f"filter {name!r} lists no values; give one value or a list")
        out[dim] = tuple(str(v) for v in values)
    return out


def as_date(value: date | str | None, what: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{what} {value!r} is not a date; write YYYY-MM-DD") from None


def detect_as_of(source: Source, catalog: Catalog, kpis: Sequence[KpiSpec]) -> date | None:
    """The latest event date in the tables the KPIs read (None when they are empty)."""
    backend = _backend(source)
    tables: list[str] = []
    for kpi in kpis:
        for mid in measures_of(kpi):
            name = catalog.sources[catalog.measures[mid].source].table_name
            if name not in tables:
                tables.append(name)
    parts = []
    for name in tables:
        t = backend.table(name)
        for column in TABLES[name].columns:
            if column.name in _COMMITMENT_DATES or column.name not in t.columns:
                continue
            value = t[column.name].max()
            match column.type:
                case ColumnType.DATE:
                    parts.append(t.aggregate(d=value))
                case ColumnType.TIMESTAMP:
                    parts.append(t.aggregate(d=value.date()))  # type: ignore[attr-defined]
                case ColumnType.PERIOD:
                    parts.append(t.aggregate(d=ops.Cast(value + "-01", to=dt.date).to_expr()))  # type: ignore[operator]
                case _:
                    continue
    if not parts:
        return None
    found = [
        d
        for d in ibis.union(*parts, distinct=False).to_pyarrow().column("d").to_pylist()
        if d is not None
    ]
    return max(found) if found else None


# ------------------------------------------------------------------------ planning


@dataclass(frozen=True)
class _KpiPlan:
    kpi: KpiSpec
    alternatives: tuple[FormulaSpec, ...]  # usable for this cut, in order of preference
    too_fine: Grain | None  # the data's resolution when the grain is finer than it

    def measures(self, catalog: Catalog) -> list[MeasureSpec]:
        ids: list[str] = []
        for alt in self.alternatives:
            ids += [m for m in formula_measures(alt) if m not in ids]
        return [catalog.measures[m] for m in ids]


def _plan_kpi(catalog: Catalog, kpi: KpiSpec, grain: Grain, dims: Sequence[Dimension]) -> _KpiPlan:
    usable = tuple(
        alt
        for alt in formula_alternatives(kpi.formula)
        if all(measure_dims_ok(catalog, catalog.measures[m], dims) for m in formula_measures(alt))
    )
    if not usable:
        raise SpecError(
            f"KPI {kpi.id!r} cannot be cut by {', '.join(d.value for d in dims)} at once; "
            "use fewer dimensions"
        )
    coarsest = max(
        (catalog.measures[m].resolution for alt in usable for m in formula_measures(alt)),
        key=lambda g: g.rank,
        default=Grain.DAY,
    )
    return _KpiPlan(kpi, usable, coarsest if coarsest.rank > grain.rank else None)


def _check_cut(
    kpis: Sequence[KpiSpec], by: Sequence[Dimension], filters: Mapping[Dimension, object]
) -> None:
    problems = []
    for kpi in kpis:
        bad = [d.value for d in (*by, *filters) if d not in kpi.dimensions]
        if bad:
            allowed = ", ".join(d.value for d in kpi.dimensions) or "none"
            problems.append(
                f"{kpi.id} cannot be cut by {', '.join(dict.fromkeys(bad))} (its dimensions: {allowed})"
            )
    if problems:
        raise SpecError("; ".join(problems))


# ------------------------------------------------------------------------ public


def compute(
    source: Source,
    kpis: Sequence[str],
    grain: Grain | str = Grain.MONTH,
    by: Sequence[str | Dimension] = (),
    filters: Mapping[str, object] | None = None,
    start: date | str | None = None,
    end: date | str | None = None,
    as_of: date | str | None = None,
    catalog: Catalog | None = None,
) -> pa.Table:
    """KPIs per period (and per member of ``by``) as a tidy Arrow table; see the module doc."""
    return evaluate(source, kpis, grain, by, filters, start, end, as_of, catalog).table


@dataclass(frozen=True)
class _Request:
    """A compute request, checked and planned: what evaluate() and query_sql() share."""

    catalog: Catalog
    grain: Grain
    dims: tuple[Dimension, ...]
    cuts: Mapping[Dimension, tuple[str, ...]]
    kpis: tuple[KpiSpec, ...]
    as_of: date
    first: date | None
    last: date
    plans: tuple[_KpiPlan, ...]
    groups: tuple[MeasureGroup, ...]
    query: QueryPlan


def _request(
    source: Source,
    kpis: Sequence[str],
    grain: Grain | str,
    by: Sequence[str | Dimension],
    filters: Mapping[str, object] | None,
    start: date | str | None,
    end: date | str | None,
    as_of: date | str | None,
    catalog: Catalog | None,
) -> _Request:
    if catalog is None:
        catalog = catalog_for(source) if isinstance(source, Warehouse) else load_catalog()
    grain = Grain.parse(grain)
    dims = parse_dimensions(by)
    cuts = _parse_filters(filters)
    specs = tuple(catalog.kpi(k) for k in dict.fromkeys(kpis))
    if not specs:
        raise ConfigError("no KPI asked for; give at least one KPI id")
    _check_cut(specs, dims, cuts)
    as_of_day = as_date(as_of, "as_of") or detect_as_of(source, catalog, specs)
    if as_of_day is None:
        raise DataError("the tables these KPIs read are empty: load data first, or pass as_of")
    last = period_start(as_of_day, grain)
    if end is not None:
        last = min(parse_period(end, grain), last)
    first = None if start is None else parse_period(start, grain)
    if first is not None and first > last:
        raise ConfigError(
            f"start {period_label(first, grain)} is after the last period {period_label(last, grain)}"
        )
    since = None if first is None else _lookback(first, grain)
    plans = tuple(_plan_kpi(catalog, k, grain, (*dims, *cuts)) for k in specs)
    groups = group_measures(m for p in plans if p.too_fine is None for m in p.measures(catalog))
    query = QueryPlan(_backend(source), catalog, grain, as_of_day, since, dims, cuts)
    return _Request(
        catalog, grain, dims, cuts, specs, as_of_day, first, last, plans, tuple(groups), query
    )


def evaluate(
    source: Source,
    kpis: Sequence[str],
    grain: Grain | str = Grain.MONTH,
    by: Sequence[str | Dimension] = (),
    filters: Mapping[str, object] | None = None,
    start: date | str | None = None,
    end: date | str | None = None,
    as_of: date | str | None = None,
    catalog: Catalog | None = None,
) -> KpiResult:
    """As :func:`compute`, returning a :class:`KpiResult` (the table and its context)."""
    r = _request(source, kpis, grain, by, filters, start, end, as_of, catalog)
    grid = build_grid(run_groups(r.query, r.groups), r.dims, r.grain, r.as_of, r.first, r.last)
    group_of = {mid: i for i, g in enumerate(r.groups) for mid in g.ids}
    site_filter = r.cuts.get(Dimension.SITE)
    parts = []
    for p in r.plans:
        if p.too_fine is None:
            parts.append(
                kpi_rows(
                    p.kpi, p.alternatives, r.catalog, grid, group_of, r.dims, site_filter, r.first
                )
            )
        else:
            why = (
                f"{p.kpi.label} is recorded by {p.too_fine.value}; "
                f"use grain {p.too_fine.value} or coarser"
            )
            parts.append(blank_rows(p.kpi, grid, r.dims, r.first, why))
    blank = frozenset(p.kpi.id for p in r.plans if p.too_fine is not None)
    table = to_arrow(parts, grid, r.dims, blank)
    return KpiResult(
        table, tuple(k.id for k in r.kpis), r.grain, r.dims, r.cuts, r.as_of, r.first, r.last
    )


def query_sql(
    source: Source,
    kpis: Sequence[str],
    grain: Grain | str = Grain.MONTH,
    by: Sequence[str | Dimension] = (),
    filters: Mapping[str, object] | None = None,
    start: date | str | None = None,
    end: date | str | None = None,
    as_of: date | str | None = None,
    catalog: Catalog | None = None,
) -> dict[str, str]:
    """The SQL of each query :func:`compute` would run, keyed by its measures.

    For ``obeya kpi show --sql``: one entry per measure group (a source read by one
    attribution date), in the source's own dialect.
    """
    r = _request(source, kpis, grain, by, filters, start, end, as_of, catalog)
    return {
        f"{g.source} by {g.date}: {', '.join(g.ids)}": compiled_sql(r.query, g) for g in r.groups
    }


def _lookback(first: date, grain: Grain) -> date:
    """The first day to read so the first period has its prior and last-year values."""
    candidates = [prior_start(first, grain)]
    year_ago = last_year_start(first, grain)
    candidates.append(
        year_ago if year_ago is not None else first.replace(year=first.year - 1, day=1)
    )
    return min(candidates)
