"""Semantic rules of the KPI catalog, one small class each, collected in :data:`RULES`.

A rule reads the merged :class:`~obeya.metrics.catalog.Catalog` and returns issues
(errors or warnings) with the file and line of the field at fault and the fix. The
loader runs them all and reports every issue at once.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Sequence
from typing import ClassVar, Protocol

from obeya.metrics.catalog import Catalog, Issue, Location, Severity, listing, source_columns
from obeya.metrics.expressions import ExpressionError, ValueType, infer, parse
from obeya.metrics.formulas import (
    formula_alternatives,
    formula_measures,
    formula_names,
    parse_formula,
)
from obeya.metrics.spec import (
    Aggregation,
    Dimension,
    Direction,
    FormulaSpec,
    MeasureKind,
    Thresholds,
)
from obeya.model import TABLES
from obeya.model.schema import CARRIER_MODES

__all__ = [
    "RULES",
    "Rule",
    "formula_alternatives",
    "formula_measures",
]  # the two re-exported for callers


class Rule(Protocol):
    name: ClassVar[str]

    def check(self, catalog: Catalog) -> list[Issue]: ...


def _issue(
    catalog: Catalog,
    kind: str,
    obj_id: str,
    path: Sequence[str | int],
    message: str,
    fix: str,
    severity: Severity = Severity.ERROR,
) -> Issue:
    field = ".".join(str(p) for p in path) or None
    return Issue(
        severity,
        catalog.field_location(kind, obj_id, path),
        f"{kind} {obj_id}",
        field,
        message,
        fix,
    )


def _check_expr(
    catalog: Catalog,
    kind: str,
    obj_id: str,
    path: Sequence[str | int],
    text: str,
    columns: dict[str, ValueType],
    expected: tuple[ValueType, ...],
) -> Iterator[Issue]:
    """Parse and type an expression; yield an issue if it is wrong."""
    try:
        found = infer(parse(text), columns)
    except ExpressionError as exc:
        yield _issue(catalog, kind, obj_id, path, exc.message, exc.fix)
        return
    if found not in (*expected, ValueType.NULL):
        wanted = " or ".join(t.value for t in expected)
        fix = (
            "wrap it in date(...)"
            if found is ValueType.TIMESTAMP and ValueType.DATE in expected
            else (f"write an expression that gives a {wanted}")
        )
        yield _issue(
            catalog, kind, obj_id, path, f"`{text}` is a {found.value}, a {wanted} is needed", fix
        )


# ------------------------------------------------------------------------ sources


class SourceTablesExist:
    name: ClassVar[str] = "source tables and joins exist"

    def check(self, catalog: Catalog) -> list[Issue]:
        issues: list[Issue] = []
        tables = list(TABLES)
        for sid, source in catalog.sources.items():
            if source.table_name not in TABLES:
                issues.append(
                    _issue(
                        catalog,
                        "source",
                        sid,
                        ["table"] if source.table else ["id"],
                        f"no table {source.table_name!r} in the data model",
                        _near(source.table_name, tables),
                    )
                )
                continue
            base = TABLES[source.table_name]
            for i, join in enumerate(source.joins):
                path: list[str | int] = ["joins", i]
                if join.table not in TABLES:
                    issues.append(
                        _issue(
                            catalog,
                            "source",
                            sid,
                            [*path, "table"],
                            f"no table {join.table!r} in the data model",
                            _near(join.table, tables),
                        )
                    )
                    continue
                other = TABLES[join.table]
                for left, right in join.keys.items():
                    if not base.has(left):
                        issues.append(
                            _issue(
                                catalog,
                                "source",
                                sid,
                                [*path, "keys"],
                                f"{source.table_name} has no column {left!r}",
                                _near(left, base.column_names),
                            )
                        )
                    if not other.has(right):
                        issues.append(
                            _issue(
                                catalog,
                                "source",
                                sid,
                                [*path, "keys"],
                                f"{join.table} has no column {right!r}",
                                _near(right, other.column_names),
                            )
                        )
                issues += [
                    _issue(
                        catalog,
                        "source",
                        sid,
                        [*path, "first_by"],
                        f"{join.table} has no column {c!r}",
                        _near(c, other.column_names),
                    )
                    for c in join.first_by
                    if not other.has(c)
                ]
            names = [j.name for j in source.joins]
            issues += [
                _issue(
                    catalog,
                    "source",
                    sid,
                    ["joins"],
                    f"join name {n!r} is used twice",
                    "give each join its own name",
                )
                for n in set(names)
                if names.count(n) > 1
            ]
        return issues


class SourceExpressionsValid:
    name: ClassVar[str] = "source filters and dimensions are valid expressions"

    def check(self, catalog: Catalog) -> list[Issue]:
        issues: list[Issue] = []
        for sid, source in catalog.sources.items():
            if source.table_name not in TABLES:
                continue
            columns = source_columns(source)
            if source.filter:
                issues += _check_expr(
                    catalog, "source", sid, ["filter"], source.filter, columns, (ValueType.BOOLEAN,)
                )
            for dim, text in source.dimensions.items():
                issues += _check_expr(
                    catalog,
                    "source",
                    sid,
                    ["dimensions", dim.value],
                    text,
                    columns,
                    (ValueType.STRING, ValueType.NUMBER, ValueType.DATE),
                )
        return issues


# ------------------------------------------------------------------------ measures


class MeasureSourcesExist:
    name: ClassVar[str] = "measures read known sources"

    def check(self, catalog: Catalog) -> list[Issue]:
        issues: list[Issue] = []
        for mid, m in catalog.measures.items():
            refs: list[tuple[list[str | int], str]] = [(["source"], m.source)]
            if m.none_in:
                refs.append((["none_in", "source"], m.none_in.source))
            if m.recent:
                refs.append((["recent", "source"], m.recent.source))
            issues += [
                _issue(
                    catalog,
                    "measure",
                    mid,
                    path,
                    f"no source {sid!r} in the catalog",
                    _near(sid, list(catalog.sources)),
                )
                for path, sid in refs
                if sid not in catalog.sources
            ]
        return issues


class MeasureFieldsFitKind:
    """Each kind takes its own fields (a percentile needs a quantile, and so on)."""

    name: ClassVar[str] = "measure fields fit the measure kind"

    def check(self, catalog: Catalog) -> list[Issue]:
        issues: list[Issue] = []
        for mid, m in catalog.measures.items():

            def bad(field: str, message: str, fix: str, mid: str = mid) -> None:
                issues.append(_issue(catalog, "measure", mid, [field], message, fix))

            kind = m.kind.value
            only = {
                "quantile": MeasureKind.PERCENTILE,
                "entity": MeasureKind.ENTITY_COUNT,
                "every": MeasureKind.ENTITY_COUNT,
                "none_in": MeasureKind.ENTITY_COUNT,
                "recent": MeasureKind.SNAPSHOT_LATEST,
            }
            for field, owner in only.items():
                if getattr(m, field) is not None and m.kind is not owner:
                    bad(
                        field,
                        f"{field} applies to kind {owner.value} only, this measure is {kind}",
                        f"remove {field} or set kind: {owner.value}",
                    )
            if m.kind is MeasureKind.PERCENTILE and (m.quantile is None or m.expr is None):
                bad(
                    "quantile",
                    "a percentile needs quantile and expr",
                    "add `quantile: 0.9` and `expr: ...`",
                )
            if m.kind is MeasureKind.ENTITY_COUNT:
                if m.entity is None:
                    bad(
                        "entity",
                        "an entity_count needs the entity column",
                        "add `entity: order_id`",
                    )
                if m.expr is not None or m.filter is not None:
                    bad(
                        "filter" if m.filter else "expr",
                        "an entity_count counts whole entities",
                        "use `every:` for a condition all rows of the entity must meet",
                    )
            needs_expr = m.kind in (
                MeasureKind.AGGREGATE,
                MeasureKind.SNAPSHOT_LATEST,
                MeasureKind.SNAPSHOT_MEAN,
            )
            if needs_expr and m.agg is not Aggregation.COUNT and m.expr is None:
                bad(
                    "expr",
                    f"agg {m.agg.value} needs an expression",
                    "add `expr: ...` or use `agg: count`",
                )
            if m.kind is MeasureKind.SNAPSHOT_MEAN and m.agg is not Aggregation.SUM:
                bad("agg", "a snapshot mean averages sums", "use `agg: sum`")
        return issues


class MeasureExpressionsValid:
    name: ClassVar[str] = "measure expressions are valid and well typed"

    def check(self, catalog: Catalog) -> list[Issue]:
        issues: list[Issue] = []
        for mid, m in catalog.measures.items():
            source = catalog.sources.get(m.source)
            if source is None or source.table_name not in TABLES:
                continue
            cols = source_columns(source)
            if m.expr is not None:
                issues += _check_expr(
                    catalog, "measure", mid, ["expr"], m.expr, cols, (ValueType.NUMBER,)
                )
            for field in ("filter", "every"):
                text = getattr(m, field)
                if text is not None:
                    issues += _check_expr(
                        catalog, "measure", mid, [field], text, cols, (ValueType.BOOLEAN,)
                    )
            issues += _check_expr(
                catalog, "measure", mid, ["date"], m.date, cols, (ValueType.DATE,)
            )
            if m.entity is not None and m.entity not in cols:
                issues.append(
                    _issue(
                        catalog,
                        "measure",
                        mid,
                        ["entity"],
                        f"no column {m.entity!r}",
                        _near(m.entity, list(cols)),
                    )
                )
            for field in ("none_in", "recent"):
                link = getattr(m, field)
                other = catalog.sources.get(link.source) if link is not None else None
                if link is None or other is None or other.table_name not in TABLES:
                    continue
                other_cols = source_columns(other)
                issues += _check_expr(
                    catalog,
                    "measure",
                    mid,
                    [field, "date"],
                    link.date,
                    other_cols,
                    (ValueType.DATE,),
                )
                pairs: list[tuple[str | None, str]] = (
                    list(link.keys.items()) if field == "recent" else [(None, link.column)]
                )
                where = [field, "keys" if field == "recent" else "column"]
                for left, right in pairs:
                    if left is not None and left not in cols:
                        issues.append(
                            _issue(
                                catalog,
                                "measure",
                                mid,
                                where,
                                f"no column {left!r}",
                                _near(left, list(cols)),
                            )
                        )
                    if right not in other_cols:
                        issues.append(
                            _issue(
                                catalog,
                                "measure",
                                mid,
                                where,
                                f"{other.table_name} has no column {right!r}",
                                _near(right, list(other_cols)),
                            )
                        )
        return issues


# ------------------------------------------------------------------------ KPIs


class FormulasResolve:
    name: ClassVar[str] = "KPI formulas use known measures"

    def check(self, catalog: Catalog) -> list[Issue]:
        issues: list[Issue] = []
        for kid, kpi in catalog.kpis.items():
            for path, text in kpi.formula.expressions():
                field = ["formula", *path.split(".")]
                try:
                    names = formula_names(parse_formula(text))
                except ExpressionError as exc:
                    issues.append(_issue(catalog, "kpi", kid, field, exc.message, exc.fix))
                    continue
                issues += [
                    _issue(
                        catalog,
                        "kpi",
                        kid,
                        field,
                        f"unknown measure {n!r}",
                        _near(n, list(catalog.measures)),
                    )
                    for n in sorted(names)
                    if n not in catalog.measures
                ]
        return issues


class KpiDimensionsResolvable:
    """Each dimension of a KPI must be defined on every source its formula reads."""

    name: ClassVar[str] = "KPI dimensions are defined on their sources"

    def check(self, catalog: Catalog) -> list[Issue]:
        issues: list[Issue] = []
        for kid, kpi in catalog.kpis.items():
            alternatives = formula_alternatives(kpi.formula)
            for dim in kpi.dimensions:
                if not any(_supports(catalog, alt, dim) for alt in alternatives):
                    lacking = sorted(
                        {
                            catalog.measures[m].source
                            for alt in alternatives
                            for m in formula_measures(alt)
                            if m in catalog.measures
                            and catalog.measures[m].source in catalog.sources
                            and dim not in catalog.sources[catalog.measures[m].source].dimensions
                        }
                    )
                    issues.append(
                        _issue(
                            catalog,
                            "kpi",
                            kid,
                            ["dimensions"],
                            f"dimension {dim.value!r} is not defined on source(s) {', '.join(lacking)}",
                            f"add `{dim.value}: <expression>` to those sources' dimensions "
                            "or remove it from the KPI",
                        )
                    )
        return issues


def _supports(catalog: Catalog, formula: FormulaSpec, dim: Dimension) -> bool:
    for mid in formula_measures(formula):
        m = catalog.measures.get(mid)
        if m is None or m.source not in catalog.sources:
            return True  # reported by other rules
        if dim not in catalog.sources[m.source].dimensions:
            return False
    return True


class TargetsOrdered:
    """Higher is better: red <= amber <= target; lower is better: the mirror image."""

    name: ClassVar[str] = "target thresholds are in order"

    def check(self, catalog: Catalog) -> list[Issue]:
        issues: list[Issue] = []
        for kid, kpi in catalog.kpis.items():
            if kpi.target is None:
                continue
            checks: list[tuple[list[str | int], Thresholds]] = [(["target"], kpi.target)]
            checks += [(["target", "sites", site], t) for site, t in kpi.target.sites.items()]
            for path, t in checks:
                higher = kpi.direction is Direction.HIGHER
                levels = (t.red, t.amber_level, t.value)
                ok = (
                    levels[0] <= levels[1] <= levels[2]
                    if higher
                    else levels[0] >= levels[1] >= levels[2]
                )
                if not ok:
                    order = "red <= amber <= value" if higher else "red >= amber >= value"
                    issues.append(
                        _issue(
                            catalog,
                            "kpi",
                            kid,
                            path,
                            f"thresholds value={t.value:g}, amber={t.amber_level:g}, red={t.red:g} are out of "
                            f"order for a {kpi.direction.value}-is-better KPI",
                            f"set them so that {order}",
                        )
                    )
        return issues


class EmissionFactorsCoverModes:
    name: ClassVar[str] = "emission factors cover the carrier modes"

    def check(self, catalog: Catalog) -> list[Issue]:
        factors = catalog.emission_factors
        uses = any("emission_factor(" in (m.expr or "") for m in catalog.measures.values())
        where = catalog.files[0] if catalog.files else "?"
        if factors is None:
            if not uses:
                return []
            return [
                Issue(
                    Severity.ERROR,
                    Location(where),
                    "emission_factors",
                    None,
                    "a measure uses emission_factor() but no factor table is given",
                    "add an emission_factors section with source, year and factors",
                )
            ]
        issues = [
            Issue(
                Severity.ERROR,
                Location(where),
                "emission_factors",
                f"factors.{mode}",
                f"{mode!r} is not a carrier mode",
                _near(mode, CARRIER_MODES),
            )
            for mode in factors.factors
            if mode not in CARRIER_MODES
        ]
        missing = [m for m in CARRIER_MODES if m not in factors.factors]
        if missing:
            issues.append(
                Issue(
                    Severity.WARNING,
                    Location(where),
                    "emission_factors",
                    "factors",
                    f"no factor for mode(s) {', '.join(missing)}: their shipments add no CO2e",
                    "add a factor for each mode",
                )
            )
        return issues


class KpisHaveOwners:
    name: ClassVar[str] = "every KPI has an owner"

    def check(self, catalog: Catalog) -> list[Issue]:
        return [
            _issue(
                catalog, "kpi", kid, ["owner"], "no owner", "add `owner: <role>`", Severity.WARNING
            )
            for kid, kpi in catalog.kpis.items()
            if not kpi.owner
        ]


class RatioUnitsHaveRatios:
    """A KPI in unit ratio should be a numerator over a denominator."""

    name: ClassVar[str] = "ratio KPIs are ratios"

    def check(self, catalog: Catalog) -> list[Issue]:
        return [
            _issue(
                catalog,
                "kpi",
                kid,
                ["formula"],
                "unit is ratio but the formula is a single value",
                "give numerator and denominator",
                Severity.WARNING,
            )
            for kid, kpi in catalog.kpis.items()
            if kpi.unit.value == "ratio" and not kpi.formula.is_ratio
        ]


def _near(name: str, options: Sequence[str]) -> str:
    found = difflib.get_close_matches(name, list(options), n=1, cutoff=0.6)
    return (f"did you mean {found[0]!r}? " if found else "") + "known: " + listing(options)


RULES: tuple[Rule, ...] = (
    SourceTablesExist(),
    SourceExpressionsValid(),
    MeasureSourcesExist(),
    MeasureFieldsFitKind(),
    MeasureExpressionsValid(),
    FormulasResolve(),
    KpiDimensionsResolvable(),
    TargetsOrdered(),
    EmissionFactorsCoverModes(),
    KpisHaveOwners(),
    RatioUnitsHaveRatios(),
)
