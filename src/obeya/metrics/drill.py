"""Drill-down: the warehouse rows behind one KPI figure.

For a KPI, a period and optionally one member of one dimension, the rows of the
source table that the KPI's measures read in that period, with one column per
measure giving what each row adds to it. For sums and counts the columns add up to
the KPI's numerator and denominator, which is how a Director checks a figure; the
totals are computed over every matching row, the rows shown are capped.

The rows are the engine's own: the relation (lookup joins, ``first_by`` ranking),
the source's base filter, the member, and the attribution date (known, on or before
``as_of``) come from :func:`obeya.metrics.measures.dated_rows`, the function the
aggregation queries start from, and the formula alternative is the one the engine
plans for the cut. A change to how the engine joins or filters therefore moves the
drill-down with it. Each measure's total is the engine's own aggregate of the rows.

Only the first (source, attribution date) the formula reads is listed; measures
read from another source or by another date are named in a note. Measures of a
special kind (whole orders, snapshots, percentiles) and minima or maxima are not a
sum of row contributions: the rows are then the ones they read, and a note says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from obeya.errors import ConfigError, DataError, SpecError
from obeya.metrics.catalog import Catalog
from obeya.metrics.engine import (
    Source,
    _backend,
    _plan_kpi,
    as_date,
    detect_as_of,
    parse_dimensions,
)
from obeya.metrics.expressions import as_float
from obeya.metrics.formulas import formula_measures
from obeya.metrics.measures import QueryPlan, _aggregate, _Source, dated_rows
from obeya.metrics.periods import Grain, parse_period, period_end, period_label
from obeya.metrics.spec import Aggregation, Dimension, MeasureKind, MeasureSpec
from obeya.model import TABLES

__all__ = ["Drill", "DrillMeasure", "drill_rows"]


@dataclass(frozen=True)
class DrillMeasure:
    """One measure of the drilled figure."""

    id: str
    description: str
    kind: MeasureKind
    column: str | None  # the column of the rows holding each row's contribution
    total: float | None  # over every matching row (None when rows do not add up to it)


@dataclass(frozen=True)
class Drill:
    """The rows behind one figure, and what they are.

    ``rows`` holds the source table's own columns, ``_date`` (the attribution date),
    ``_<dimension>`` when cut by a member, and one ``_<measure>`` column per additive
    measure; at most ``limit`` rows, ordered by date and the table's key, while
    ``total_rows`` and each measure's ``total`` cover every matching row.
    """

    kpi: str
    period_start: date
    period_end: date
    period: str
    grain: Grain
    as_of: date
    by: Dimension | None
    member: str | None
    table_name: str
    date_expression: str
    measures: tuple[DrillMeasure, ...]
    rows: pa.Table
    total_rows: int
    notes: tuple[str, ...]

    @property
    def truncated(self) -> bool:
        return self.total_rows > int(self.rows.num_rows)


def _additive(m: MeasureSpec) -> bool:
    """A measure that is the sum of what each row adds (a sum or a count of rows)."""
    return m.kind is MeasureKind.AGGREGATE and m.agg.additive


def _contribution(src: _Source, table: ir.Table, m: MeasureSpec) -> ir.Value:
    """What one row adds to an additive measure: 1/0 for a count, the value for a sum.

    A row whose filter is null adds nothing, as ``FILTER (WHERE ...)`` leaves it out.
    """
    where = src.expr(m.filter, table) if m.filter else ibis.literal(True)
    if m.agg is Aggregation.COUNT:
        return ibis.cases((where, 1), else_=0)
    assert m.expr is not None
    return ibis.cases((where, as_float(src.expr(m.expr, table))), else_=0.0)


def _notes(
    group: Sequence[MeasureSpec], others: Sequence[MeasureSpec], fallbacks: Sequence[str]
) -> list[str]:
    notes = [
        f"{m.id} ({m.kind.value}) is computed from these rows but is not their sum"
        if m.kind is not MeasureKind.AGGREGATE
        else f"{m.id} is the {m.agg.value} over these rows, not their sum"
        for m in group
        if not _additive(m)
    ]
    notes += [
        f"{m.id} reads {m.source} by {m.date}; open its own KPI to see those rows" for m in others
    ]
    if fallbacks:
        notes.append(
            "where these rows give no value, the figure falls back to "
            + ", ".join(fallbacks)
            + "; open those measures' KPIs to see their rows"
        )
    return notes


def drill_rows(
    source: Source,
    catalog: Catalog,
    kpi: str,
    period: date | str,
    grain: Grain | str = Grain.MONTH,
    by: Dimension | str | None = None,
    member: str | None = None,
    as_of: date | str | None = None,
    limit: int = 500,
) -> Drill:
    """The rows behind ``kpi`` in ``period`` (for ``member`` of ``by``); see the module doc.

    ``source`` is a :class:`~obeya.warehouse.Warehouse` or an Ibis backend, as for
    :func:`~obeya.metrics.compute`; ``as_of`` defaults, as there, to the latest event
    date in the tables the KPI reads.
    """
    spec = catalog.kpi(kpi)
    grain = Grain.parse(grain)
    dim = parse_dimensions([by])[0] if by is not None else None
    if (dim is None) != (member is None):
        raise ConfigError(
            f"by={by!r} and member={member!r}: give both a dimension and its member "
            "(such as by=site, member=ATL), or neither for the whole company"
        )
    if dim is not None and dim not in spec.dimensions:
        allowed = ", ".join(d.value for d in spec.dimensions) or "none"
        raise SpecError(f"{kpi} cannot be cut by {dim.value} (its dimensions: {allowed})")
    start = parse_period(period, grain)
    day_as_of = as_date(as_of, "as_of") or detect_as_of(source, catalog, [spec])
    if day_as_of is None:
        raise DataError(f"the tables {kpi} reads are empty: load data first")

    cut = () if dim is None else (dim,)
    kpi_plan = _plan_kpi(catalog, spec, grain, cut)
    formula, *later = kpi_plan.alternatives
    measures = [catalog.measure(m) for m in formula_measures(formula)]
    # the rows of the first (source, date) the formula reads; others are named in a note
    first = measures[0]
    group = [m for m in measures if (m.source, m.date) == (first.source, first.date)]
    others = [m for m in measures if m not in group]
    fallbacks = [m for alt in later for m in formula_measures(alt)]
    notes = _notes(group, others, list(dict.fromkeys(fallbacks)))
    if kpi_plan.too_fine is not None:
        notes.append(
            f"{spec.label} is recorded by {kpi_plan.too_fine.value}, so its figure is blank "
            f"at grain {grain.value}; use grain {kpi_plan.too_fine.value} or coarser"
        )

    filters = {} if dim is None or member is None else {dim: (member,)}
    plan = QueryPlan(_backend(source), catalog, grain, day_as_of, start, (), filters)
    src, counted = dated_rows(plan, first.source, first.date, group)
    last = ibis.literal(period_end(start, grain), type="date")
    t = counted.filter(src.expr(first.date, counted) <= last)

    model = TABLES[src.spec.table_name]
    own = [c for c in model.column_names if c in t.columns]
    extra: dict[str, ir.Value] = {"_date": src.expr(first.date, t)}
    if dim is not None:
        extra |= {f"_{k}": v for k, v in src.dims(t, [dim]).items()}
    additive = {m.id: f"_{m.id}" for m in group if _additive(m)}
    extra |= {additive[m.id]: _contribution(src, t, m) for m in group if m.id in additive}
    aggs = {f"__{m.id}": _aggregate(src, t, m) for m in group if m.id in additive}
    totals = t.aggregate(__n=t.count(), **aggs).to_pyarrow().to_pylist()[0]
    drill_measures = tuple(
        DrillMeasure(
            m.id,
            m.description,
            m.kind,
            additive.get(m.id),
            float(totals[f"__{m.id}"] or 0.0) if m.id in additive else None,
        )
        for m in group
    )
    selected = t.select(*own, **extra)
    keys = [c for c in model.key if c in own]
    rows = selected.order_by(["_date", *keys]).limit(limit).to_pyarrow()
    return Drill(
        kpi=spec.id,
        period_start=start,
        period_end=period_end(start, grain),
        period=period_label(start, grain),
        grain=grain,
        as_of=day_as_of,
        by=dim,
        member=member,
        table_name=src.spec.table_name,
        date_expression=first.date,
        measures=drill_measures,
        rows=rows,
        total_rows=int(totals["__n"]),
        notes=tuple(notes),
    )
