"""KPIs: the declarative catalog (data, not code) and the engine that computes it.

Public surface::

    load_catalog(extra=[path])          the shipped catalog plus company files
    catalog_for(warehouse)              ... plus kpis.yaml beside the warehouse
    compute(source, kpis, grain, by, filters, start, end, as_of, catalog) -> pa.Table
    evaluate(...)                       the same as a KpiResult (table + context)
    explain(source, kpi, period, by, against, grain, ...) -> DriverResult
    scorecard(source, period, grain, by, catalog) -> Scorecard
    query_sql(source, kpis, ...)        the SQL compute() would run, per query
    drill_rows(source, catalog, kpi, period, grain, by, member, as_of, limit) -> Drill
                                        the warehouse rows behind one figure
    render_kpi_docs(catalog) -> str     docs/kpis.md (render_kpi(catalog, id): one KPI)
"""

from typing import Any

from obeya.metrics.catalog import Catalog, Issue, KpiCatalogError, Location, Severity
from obeya.metrics.drill import Drill, DrillMeasure, drill_rows
from obeya.metrics.drivers import (
    Against,
    Decomposition,
    DriverResult,
    MemberEffect,
    Method,
    decompose_additive,
    decompose_against_target,
    decompose_ratio,
    explain,
)
from obeya.metrics.engine import (
    RESULT_COLUMNS,
    KpiResult,
    compute,
    detect_as_of,
    evaluate,
    query_sql,
)
from obeya.metrics.loader import catalog_for, load_catalog
from obeya.metrics.periods import Grain, parse_period, period_label
from obeya.metrics.scorecard import Scorecard, ScorecardRow, SparkPoint, scorecard
from obeya.metrics.spec import (
    Area,
    Dimension,
    Direction,
    KpiSpec,
    MeasureKind,
    MeasureSpec,
    SourceSpec,
    Status,
    TargetSpec,
    Unit,
)

__all__ = [
    "RESULT_COLUMNS",
    "Against",
    "Area",
    "Catalog",
    "Decomposition",
    "Dimension",
    "Direction",
    "Drill",
    "DrillMeasure",
    "DriverResult",
    "Grain",
    "Issue",
    "KpiCatalogError",
    "KpiResult",
    "KpiSpec",
    "Location",
    "MeasureKind",
    "MeasureSpec",
    "MemberEffect",
    "Method",
    "Scorecard",
    "ScorecardRow",
    "Severity",
    "SourceSpec",
    "SparkPoint",
    "Status",
    "TargetSpec",
    "Unit",
    "catalog_for",
    "compute",
    "decompose_additive",
    "decompose_against_target",
    "decompose_ratio",
    "detect_as_of",
    "drill_rows",
    "evaluate",
    "explain",
    "load_catalog",
    "parse_period",
    "period_label",
    "query_sql",
    "render_kpi",
    "render_kpi_docs",
    "scorecard",
]


def __getattr__(name: str) -> Any:
    """``render_kpi_docs`` is imported on first use, so that ``python -m
    obeya.metrics.docs`` runs the module once, as ``__main__``."""
    if name in ("render_kpi", "render_kpi_docs"):
        from obeya.metrics import docs

        return getattr(docs, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
