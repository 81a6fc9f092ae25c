"""Drill-down: the warehouse rows behind one KPI figure.

For a KPI, a period and optionally one member of one dimension, the rows of the
source table that the KPI's measures read in that period (the source's base filter,
the measure's attribution date inside the period and on or before as_of, the
member), with one column per measure giving what each row adds to it. For sums and
counts the columns add up to the KPI's numerator and denominator, which is how a
Director checks a figure; the totals are computed over every matching row, the
rows shown are capped.

Measures of a special kind (whole orders, snapshots, percentiles) are not a sum of
row contributions; the rows are then the ones they read, and the note says so.

This reads the KPI catalog's public definitions (sources, joins, expressions) and
compiles them with :mod:`obeya.metrics.expressions`, as the engine does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from obeya.errors import DataError
from obeya.metrics import Catalog, Dimension, Grain, MeasureKind, MeasureSpec, detect_as_of
from obeya.metrics.catalog import source_columns
from obeya.metrics.expressions import IbisScope, as_float, compile_ibis, parse, references
from obeya.metrics.periods import parse_period, period_end, period_label, truncate
from obeya.metrics.rules import formula_alternatives, formula_measures
from obeya.metrics.spec import Aggregation, SourceSpec
from obeya.model import TABLES
from obeya.warehouse import Warehouse

__all__ = ["Drill", "DrillMeasure", "drill_rows"]

_ADDITIVE_KINDS = frozenset({MeasureKind.AGGREGATE})


@dataclass(frozen=True)
class DrillMeasure:
    id: str
    description: str
    kind: MeasureKind
    column: str | None  # the column of the rows holding each row's contribution
    total: float | None  # over every matching row (None when rows do not add up to it)


@dataclass(frozen=True)
class Drill:
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


def _joins_needed(source: SourceSpec, texts: Sequence[str | None]) -> dict[str, set[str]]:
    names = {j.name for j in source.joins}
    needed: dict[str, set[str]] = {}
    for text in texts:
        if text is None:
            continue
        for qualifier, column in references(parse(text)):
            if qualifier is not None and qualifier in names:
                needed.setdefault(qualifier, set()).add(column)
    return needed


def _relation(wh: Warehouse, source: SourceSpec, needed: dict[str, set[str]]) -> ir.Table:
    """The source table with the lookup joins that the expressions read."""
    t = wh.ibis.table(source.table_name)
    for join in source.joins:
        if join.name not in needed:
            continue
        r = wh.ibis.table(join.table)
        right = list(join.keys.values())
        if join.first_by:
            r = r.filter(*[r[k].notnull() for k in right])
            rank = ibis.row_number().over(
                group_by=[r[k] for k in right], order_by=[r[c] for c in join.first_by]
            )
            r = r.mutate(__rank=rank).filter(lambda x: x["__rank"] == 0)
        keys = [f"{join.name}__key{i}" for i in range(len(right))]
        cols = {k: r[c] for k, c in zip(keys, right, strict=True)}
        cols |= {f"{join.name}__{c}": r[c] for c in sorted(needed[join.name])}
        r = r.select(**cols)
        t = t.left_join(r, [t[a] == r[b] for a, b in zip(join.keys, keys, strict=True)]).drop(*keys)
    return t


def _contribution(m: MeasureSpec, compile_text: object, table: ir.Table) -> ir.Value:
    """What one row adds to an additive measure: 1/0 for a count, the value for a sum."""
    assert callable(compile_text)
    where = compile_text(m.filter) if m.filter else ibis.literal(True)
    if m.agg is Aggregation.COUNT:
        return ibis.cases((where, 1), else_=0)
    value = as_float(compile_text(m.expr))
    return ibis.cases((where, value), else_=0.0)


def drill_rows(
    wh: Warehouse,
    catalog: Catalog,
    kpi: str,
    period: date | str,
    grain: Grain | str = Grain.MONTH,
    by: Dimension | str | None = None,
    member: str | None = None,
    as_of: date | None = None,
    limit: int = 500,
) -> Drill:
    """The rows behind ``kpi`` in ``period`` (for ``member`` of ``by``); see the module doc."""
    spec = catalog.kpi(kpi)
    grain = Grain.parse(grain)
    dim = Dimension(by) if by is not None else None
    if (dim is None) != (member is None):
        raise DataError("give both a dimension and its member, or neither")
    if dim is not None and dim not in spec.dimensions:
        allowed = ", ".join(d.value for d in spec.dimensions) or "none"
        raise DataError(f"{kpi} cannot be cut by {dim.value} (its dimensions: {allowed})")
    start = parse_period(period, grain)
    day_as_of = as_of or detect_as_of(wh, catalog, [spec])
    if day_as_of is None:
        raise DataError(f"the tables {kpi} reads are empty: load data first")

    formula = formula_alternatives(spec.formula)[0]
    measures = [catalog.measure(m) for m in formula_measures(formula)]
    # the rows of the first (source, date) the formula reads; others are named in a note
    first = measures[0]
    group = [m for m in measures if (m.source, m.date) == (first.source, first.date)]
    others = [m for m in measures if m not in group]
    source = catalog.source(first.source)
    dim_text = source.dimensions.get(dim) if dim is not None else None
    texts = [source.filter, first.date, dim_text] + [t for m in group for t in (m.expr, m.filter)]
    table = _relation(wh, source, _joins_needed(source, texts))

    def compiled(text: str | None) -> ir.Value:
        assert text is not None
        scope = IbisScope(table, source_columns(source), day_as_of, catalog.factors())
        return compile_ibis(parse(text), scope)

    day = compiled(first.date)
    preds: list[ir.BooleanValue] = [
        day.notnull(),  # type: ignore[list-item]
        day <= ibis.literal(day_as_of, type="date"),  # type: ignore[list-item, operator]
        truncate(day, grain) == ibis.literal(start, type="date"),  # type: ignore[arg-type, list-item]
    ]
    if source.filter:
        preds.append(compiled(source.filter))  # type: ignore[arg-type]
    if dim_text is not None:
        preds.append(compiled(dim_text).cast("string") == member)  # type: ignore[arg-type, attr-defined]
    model = TABLES[source.table_name]
    own = [c for c in model.column_names if c in table.columns]
    extra: dict[str, ir.Value] = {"_date": day}
    if dim is not None and dim_text is not None:
        extra[f"_{dim.value}"] = compiled(dim_text).cast("string")  # type: ignore[attr-defined]
    notes: list[str] = []
    drill_measures: list[DrillMeasure] = []
    additive: dict[str, str] = {}
    for m in group:
        if m.kind in _ADDITIVE_KINDS:
            column = f"_{m.id}"
            extra[column] = _contribution(m, compiled, table)
            additive[m.id] = column
        else:
            notes.append(
                f"{m.id} ({m.kind.value}) is computed from these rows but is not their sum"
            )
    notes += [
        f"{m.id} reads {m.source} by {m.date}; open its own KPI to see those rows" for m in others
    ]

    selected = table.filter(*preds).select(*own, **extra)
    totals_expr = selected.aggregate(
        __n=selected.count(), **{c: selected[c].sum() for c in additive.values()}
    )
    totals = totals_expr.to_pyarrow().to_pylist()[0]
    for m in group:
        found = additive.get(m.id)
        value = totals.get(found) if found is not None else None
        drill_measures.append(
            DrillMeasure(
                m.id,
                m.description,
                m.kind,
                found,
                None if found is None else float(value or 0.0),
            )
        )
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
        table_name=source.table_name,
        date_expression=first.date,
        measures=tuple(drill_measures),
        rows=rows,
        total_rows=int(totals["__n"]),
        notes=tuple(notes),
    )
