"""Loading KPI catalog files: YAML with line numbers, schema, merge, semantic rules.

Three stages, as dbt-semantic-interfaces checks semantic manifests:

1. *YAML*: read by :mod:`obeya.yamlspec`, which records the line of every key and
   list item (and reports duplicate keys, which plain YAML silently overwrites);
2. *schema*: each object is parsed on its own into a frozen Pydantic model (unknown
   keys refused), so one bad KPI does not hide the problems of the next;
3. *semantics*: the rules of :mod:`obeya.metrics.rules` on the merged catalog.

Every problem of every stage is collected; if any is an error the load fails with
:class:`KpiCatalogError` listing them all, each with ``file:line``, the object, the
field and the fix. Warnings are kept on ``Catalog.warnings``.

Later files override earlier ones: an object with a known id replaces it (a company
redefines ``otd``), a new id is added, and the ``targets`` section replaces only the
target of a KPI.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from obeya.metrics.catalog import Catalog, Issue, KpiCatalogError, Location, Severity
from obeya.metrics.rules import RULES
from obeya.metrics.spec import (
    CatalogDocument,
    EmissionFactors,
    KpiSpec,
    MeasureSpec,
    SourceSpec,
    TargetSpec,
)
from obeya.warehouse import Warehouse
from obeya.yamlspec import (
    DocumentSyntaxError,
    Loc,
    UnreadableDocument,
    line_of,
    parse_yaml,
    read_text,
)

__all__ = ["BUILTIN_CATALOG", "COMPANY_FILE", "catalog_for", "load_catalog", "parse_document"]

BUILTIN_CATALOG = "catalog.yaml"
COMPANY_FILE = "kpis.yaml"

_SECTIONS: dict[str, tuple[str, type[BaseModel]]] = {
    "sources": ("source", SourceSpec),
    "measures": ("measure", MeasureSpec),
    "kpis": ("kpi", KpiSpec),
}
_TOP_KEYS = tuple(CatalogDocument.model_fields)
Lines = Mapping[Loc, int]  # key path -> line, as obeya.yamlspec reads them


# ------------------------------------------------------------------------ documents


@dataclass(frozen=True)
class ParsedDocument:
    """A file's objects that passed the schema, with where each came from."""

    file: str
    objects: tuple[tuple[str, str, BaseModel, Lines], ...]  # (kind, id, model, its lines)
    targets: tuple[tuple[str, TargetSpec, Location], ...]
    emission_factors: EmissionFactors | None
    issues: tuple[Issue, ...]


def parse_document(text: str, file: str) -> ParsedDocument:
    """Stages 1 and 2 for one file: every problem is returned, nothing is raised."""
    issues: list[Issue] = []
    try:
        doc = parse_yaml(text, file)
    except DocumentSyntaxError as exc:
        issues.append(
            Issue(
                Severity.ERROR,
                Location(file, exc.line),
                "file",
                None,
                f"not valid YAML: {exc.problem}",
                "fix the YAML syntax at this line",
            )
        )
        return ParsedDocument(file, (), (), None, tuple(issues))
    issues += [
        Issue(
            Severity.ERROR,
            Location(file, dup.line),
            "file",
            str(dup.loc[-1]),
            f"key {dup.loc[-1]!r} appears twice",
            "keep one of them",
        )
        for dup in doc.duplicates
    ]
    data = doc.data if doc.data is not None else {}
    lines = doc.lines
    fields = _fields(lines)
    if not isinstance(data, dict):
        issues.append(
            Issue(
                Severity.ERROR,
                Location(file, 1),
                "file",
                None,
                "a catalog file is a mapping with sections",
                "start with `version: 1`",
            )
        )
        return ParsedDocument(file, (), (), None, tuple(issues))
    for key in data:
        if key not in _TOP_KEYS:
            issues.append(
                Issue(
                    Severity.ERROR,
                    Location(file, line_of(lines, (key,))),
                    "file",
                    key,
                    f"unknown section {key!r}",
                    _allowed(key, _TOP_KEYS),
                )
            )
    if data.get("version", 1) != 1:
        issues.append(
            Issue(
                Severity.ERROR,
                Location(file, line_of(lines, ("version",))),
                "file",
                "version",
                f"unsupported version {data.get('version')!r}",
                "write `version: 1`",
            )
        )

    objects: list[tuple[str, str, BaseModel, Lines]] = []
    for section, (kind, model) in _SECTIONS.items():
        items = data.get(section) or []
        if not isinstance(items, list):
            issues.append(
                Issue(
                    Severity.ERROR,
                    Location(file, line_of(lines, (section,))),
                    "file",
                    section,
                    f"{section} must be a list of objects",
                    f"write `{section}:` then `- id: ...` items",
                )
            )
            continue
        seen: dict[str, int | None] = {}
        for index, raw in enumerate(items):
            obj_id = str(raw.get("id", "?")) if isinstance(raw, dict) else "?"
            obj_lines = fields.get((section, index), {})
            where = Location(file, line_of(lines, (section, index)))
            if not isinstance(raw, dict):
                issues.append(
                    Issue(
                        Severity.ERROR,
                        where,
                        f"{kind} ?",
                        None,
                        f"each item of {section} must be a mapping",
                        "write `- id: ...` items",
                    )
                )
                continue
            if obj_id in seen:
                issues.append(
                    Issue(
                        Severity.ERROR,
                        where,
                        f"{kind} {obj_id}",
                        "id",
                        f"id {obj_id!r} is defined twice in this file (first at line {seen[obj_id]})",
                        "rename or remove one",
                    )
                )
                continue
            seen[obj_id] = where.line
            parsed = _validate(model, raw, file, f"{kind} {obj_id}", issues, obj_lines)
            if parsed is not None:
                objects.append((kind, obj_id, parsed, obj_lines))

    targets: list[tuple[str, TargetSpec, Location]] = []
    raw_targets = data.get("targets") or {}
    if not isinstance(raw_targets, dict):
        issues.append(
            Issue(
                Severity.ERROR,
                Location(file, line_of(lines, ("targets",))),
                "file",
                "targets",
                "targets must map KPI ids to thresholds",
                "write `targets: {otd: {value: 0.95, red: 0.9}}`",
            )
        )
        raw_targets = {}
    for kpi_id, raw in raw_targets.items():
        target_lines = fields.get(("targets", kpi_id), {})
        where = Location(file, line_of(lines, ("targets", kpi_id)))
        target = _validate(TargetSpec, raw, file, f"target {kpi_id}", issues, target_lines)
        if isinstance(target, TargetSpec):
            targets.append((str(kpi_id), target, where))

    factors = None
    if data.get("emission_factors") is not None:
        factor_lines = {loc[1:]: n for loc, n in lines.items() if loc[:1] == ("emission_factors",)}
        parsed_factors = _validate(
            EmissionFactors,
            data["emission_factors"],
            file,
            "emission_factors",
            issues,
            factor_lines,
        )
        factors = parsed_factors if isinstance(parsed_factors, EmissionFactors) else None
    return ParsedDocument(file, tuple(objects), tuple(targets), factors, tuple(issues))


def _fields(lines: Lines) -> dict[Loc, dict[Loc, int]]:
    """The lines of each object's fields, by its place (``("kpis", 3)``) and field path."""
    out: dict[Loc, dict[Loc, int]] = {}
    for loc, line in lines.items():
        if len(loc) >= 2:
            out.setdefault(loc[:2], {})[loc[2:]] = line
    return out


def _validate(
    model: type[BaseModel],
    raw: Any,
    file: str,
    obj: str,
    issues: list[Issue],
    lines: Lines,
) -> BaseModel | None:
    """``raw`` as ``model``, or None with an issue per problem (``lines``: of its fields)."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        for err in exc.errors():
            loc = [p for p in err["loc"] if isinstance(p, str | int)]
            line = line_of(lines, tuple(loc))
            field_path = ".".join(str(p) for p in loc) or None
            message, fix = _explain(model, err, loc)
            issues.append(
                Issue(Severity.ERROR, Location(file, line), obj, field_path, message, fix)
            )
        return None


def _explain(model: type[BaseModel], err: Any, loc: list[str | int]) -> tuple[str, str]:
    kind = err["type"]
    name = str(loc[-1]) if loc else ""
    if kind == "extra_forbidden":
        owner = _model_at(model, loc[:-1])
        allowed = tuple(owner.model_fields) if owner is not None else ()
        return f"unknown field {name!r}", _allowed(name, allowed) if allowed else "remove it"
    if kind == "missing":
        return f"{name!r} is required", f"add `{name}: ...`"
    if kind == "string_pattern_mismatch":
        return (
            f"{err.get('input')!r} is not a valid id",
            "use lower-case letters, digits and _ starting with a letter (e.g. lines_due)",
        )
    message = str(err["msg"])
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    return message, "see docs/kpis.md for the fields and their forms"


def _allowed(name: str, allowed: Sequence[str]) -> str:
    near = difflib.get_close_matches(name, list(allowed), n=1, cutoff=0.6)
    return (f"did you mean {near[0]!r}? " if near else "") + "allowed: " + ", ".join(allowed)


def _model_at(model: type[BaseModel], path: Sequence[str | int]) -> type[BaseModel] | None:
    """The model class that owns the field at ``path`` (for listing allowed keys)."""
    current: Any = model
    for part in path:
        if isinstance(part, int):
            continue
        if isinstance(current, type) and issubclass(current, BaseModel):
            info = current.model_fields.get(part)
            if info is None:
                return None
            current = info.annotation
        else:
            current = None
        current = _unwrap_model(current, part)
        if current is None:
            return None
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap_model(annotation: Any, key: str | int) -> Any:
    """The BaseModel inside Optional[...], tuple[...] or dict[..., ...], if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, tuple, list, dict):
        for arg in typing.get_args(annotation):
            found = _unwrap_model(arg, key)
            if found is not None:
                return found
    return None


# ------------------------------------------------------------------------ merging


def _merge(documents: Iterable[ParsedDocument]) -> tuple[Catalog, list[Issue]]:
    kpis: dict[str, KpiSpec] = {}
    measures: dict[str, MeasureSpec] = {}
    sources: dict[str, SourceSpec] = {}
    locations: dict[tuple[str, str], Location] = {}
    field_lines: dict[tuple[str, str], Lines] = {}
    factors: EmissionFactors | None = None
    files: list[str] = []
    issues: list[Issue] = []
    for doc in documents:
        files.append(doc.file)
        issues += doc.issues
        for kind, obj_id, model, obj_lines in doc.objects:
            tables: dict[str, dict[str, Any]] = {
                "kpi": kpis,
                "measure": measures,
                "source": sources,
            }
            table = tables[kind]
            table[obj_id] = model
            locations[(kind, obj_id)] = Location(doc.file, obj_lines.get(()))
            field_lines[(kind, obj_id)] = obj_lines
        for kpi_id, target, where in doc.targets:
            if kpi_id not in kpis:
                near = difflib.get_close_matches(kpi_id, list(kpis), n=1, cutoff=0.6)
                issues.append(
                    Issue(
                        Severity.ERROR,
                        where,
                        f"target {kpi_id}",
                        None,
                        f"no KPI {kpi_id!r} to set a target for",
                        (f"did you mean {near[0]!r}? " if near else "")
                        + "targets apply to KPIs defined in this or an earlier file",
                    )
                )
                continue
            kpis[kpi_id] = kpis[kpi_id].model_copy(update={"target": target})
        if doc.emission_factors is not None:
            if factors is None:
                factors = doc.emission_factors
            else:  # a company file overrides its modes and keeps the others
                merged = {**factors.factors, **doc.emission_factors.factors}
                factors = doc.emission_factors.model_copy(update={"factors": merged})
    catalog = Catalog(
        kpis=kpis,
        measures=measures,
        sources=sources,
        emission_factors=factors,
        files=tuple(files),
        locations=locations,
        lines=field_lines,
    )
    return catalog, issues


# ------------------------------------------------------------------------ public


@lru_cache(maxsize=1)
def _builtin() -> ParsedDocument:
    text = resources.files("obeya.metrics").joinpath(BUILTIN_CATALOG).read_text(encoding="utf-8")
    return parse_document(text, f"obeya/metrics/{BUILTIN_CATALOG}")


def load_catalog(extra: Sequence[str | Path] = (), *, builtin: bool = True) -> Catalog:
    """The shipped catalog, with company files (``extra``) added and overriding it.

    Raises :class:`KpiCatalogError` (a :class:`~obeya.errors.SpecError`) listing every
    problem, each with file, line, object, field and fix.
    """
    documents: list[ParsedDocument] = [_builtin()] if builtin else []
    for path in extra:
        p = Path(path)
        try:
            text = read_text(p, "the KPI catalog file")
        except UnreadableDocument as exc:
            issue = Issue(
                Severity.ERROR,
                Location(str(p)),
                "file",
                None,
                f"cannot read the file: {exc.reason}",
                exc.fix,
            )
            raise KpiCatalogError([issue]) from exc
        documents.append(parse_document(text, str(p)))
    catalog, issues = _merge(documents)
    for rule in RULES:
        issues += rule.check(catalog)
    if any(i.severity is Severity.ERROR for i in issues):
        raise KpiCatalogError(issues)
    return Catalog(
        kpis=catalog.kpis,
        measures=catalog.measures,
        sources=catalog.sources,
        emission_factors=catalog.emission_factors,
        files=catalog.files,
        locations=catalog.locations,
        lines=catalog.lines,
        warnings=tuple(issues),
    )


def catalog_for(warehouse: Warehouse) -> Catalog:
    """The catalog for a warehouse: the shipped one plus ``kpis.yaml`` beside the file."""
    folder = warehouse.url.folder
    company = folder / COMPANY_FILE if folder is not None else None
    return load_catalog([company] if company is not None and company.is_file() else [])
