"""Loading KPI catalog files: YAML with line numbers, schema, merge, semantic rules.

Three stages, as dbt-semantic-interfaces checks semantic manifests:

1. *YAML*: parsed with a SafeLoader that records the line of every mapping, list and
   key (and refuses duplicate keys, which plain YAML silently overwrites);
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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from obeya.metrics.catalog import Catalog, Issue, KpiCatalogError, Location, Severity, line_of
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

__all__ = ["BUILTIN_CATALOG", "COMPANY_FILE", "catalog_for", "load_catalog", "parse_document"]

BUILTIN_CATALOG = "catalog.yaml"
COMPANY_FILE = "kpis.yaml"

_SECTIONS: dict[str, tuple[str, type[BaseModel]]] = {
    "sources": ("source", SourceSpec),
    "measures": ("measure", MeasureSpec),
    "kpis": ("kpi", KpiSpec),
}
_TOP_KEYS = tuple(CatalogDocument.model_fields)


# ------------------------------------------------------------------------ YAML with lines


class LinedDict(dict[str, Any]):
    """A YAML mapping that knows its line and the line of each key (1-based)."""

    line: int | None = None
    key_lines: dict[str, int]


class LinedList(list[Any]):
    line: int | None = None
    item_lines: list[int]


class _LineLoader(yaml.SafeLoader):
    """SafeLoader recording lines, and duplicate keys as problems."""

    duplicates: list[tuple[int, str]]

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> LinedDict:  # type: ignore[override]
        self.flatten_mapping(node)
        out = LinedDict()
        out.line = node.start_mark.line + 1
        out.key_lines = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            key = str(key)
            if key in out:
                self.duplicates.append((key_node.start_mark.line + 1, key))
            out[key] = self.construct_object(value_node, deep=True)
            out.key_lines[key] = key_node.start_mark.line + 1
        return out

    def construct_sequence(self, node: yaml.SequenceNode, deep: bool = False) -> LinedList:  # type: ignore[override]
        out = LinedList(self.construct_object(child, deep=True) for child in node.value)
        out.line = node.start_mark.line + 1
        out.item_lines = [child.start_mark.line + 1 for child in node.value]
        return out


_LineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader.construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _LineLoader.construct_sequence)


# ------------------------------------------------------------------------ documents


@dataclass(frozen=True)
class ParsedDocument:
    """A file's objects that passed the schema, with where each came from."""

    file: str
    objects: tuple[tuple[str, str, BaseModel, Any], ...]  # (kind, id, model, raw yaml)
    targets: tuple[tuple[str, TargetSpec, Location], ...]
    emission_factors: EmissionFactors | None
    issues: tuple[Issue, ...]


def parse_document(text: str, file: str) -> ParsedDocument:
    """Stages 1 and 2 for one file: every problem is returned, nothing is raised."""
    issues: list[Issue] = []
    loader = _LineLoader(text)
    loader.duplicates = []
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        issues.append(
            Issue(
                Severity.ERROR,
                Location(file, line),
                "file",
                None,
                f"not valid YAML: {exc.problem or exc}",
                "fix the YAML syntax at this line",
            )
        )
        return ParsedDocument(file, (), (), None, tuple(issues))
    finally:
        loader.dispose()
    issues += [
        Issue(
            Severity.ERROR,
            Location(file, line),
            "file",
            key,
            f"key {key!r} appears twice",
            "keep one of them",
        )
        for line, key in loader.duplicates
    ]
    if data is None:
        data = LinedDict()
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
                    Location(file, line_of(data, [key])),
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
                Location(file, line_of(data, ["version"])),
                "file",
                "version",
                f"unsupported version {data.get('version')!r}",
                "write `version: 1`",
            )
        )

    objects: list[tuple[str, str, BaseModel, Any]] = []
    for section, (kind, model) in _SECTIONS.items():
        items = data.get(section) or []
        if not isinstance(items, list):
            issues.append(
                Issue(
                    Severity.ERROR,
                    Location(file, line_of(data, [section])),
                    "file",
                    section,
                    f"{section} must be a list of objects",
                    f"write `{section}:` then `- id: ...` items",
                )
            )
            continue
        seen: dict[str, int | None] = {}
        for raw in items:
            obj_id = str(raw.get("id", "?")) if isinstance(raw, dict) else "?"
            where = Location(file, getattr(raw, "line", None) or line_of(data, [section]))
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
            parsed = _validate(model, raw, file, f"{kind} {obj_id}", issues)
            if parsed is not None:
                objects.append((kind, obj_id, parsed, raw))

    targets: list[tuple[str, TargetSpec, Location]] = []
    raw_targets = data.get("targets") or {}
    if not isinstance(raw_targets, dict):
        issues.append(
            Issue(
                Severity.ERROR,
                Location(file, line_of(data, ["targets"])),
                "file",
                "targets",
                "targets must map KPI ids to thresholds",
                "write `targets: {otd: {value: 0.95, red: 0.9}}`",
            )
        )
        raw_targets = {}
    for kpi_id, raw in raw_targets.items():
        where = Location(file, line_of(data, ["targets", kpi_id]))
        target = _validate(TargetSpec, raw, file, f"target {kpi_id}", issues, base_line=where.line)
        if isinstance(target, TargetSpec):
            targets.append((str(kpi_id), target, where))

    factors = None
    if data.get("emission_factors") is not None:
        parsed_factors = _validate(
            EmissionFactors, data["emission_factors"], file, "emission_factors", issues
        )
        factors = parsed_factors if isinstance(parsed_factors, EmissionFactors) else None
    return ParsedDocument(file, tuple(objects), tuple(targets), factors, tuple(issues))


def _validate(
    model: type[BaseModel],
    raw: Any,
    file: str,
    obj: str,
    issues: list[Issue],
    base_line: int | None = None,
) -> BaseModel | None:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        for err in exc.errors():
            loc = [p for p in err["loc"] if isinstance(p, str | int)]
            line = line_of(raw, loc) or base_line or getattr(raw, "line", None)
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
    raws: dict[tuple[str, str], Any] = {}
    factors: EmissionFactors | None = None
    files: list[str] = []
    issues: list[Issue] = []
    for doc in documents:
        files.append(doc.file)
        issues += doc.issues
        for kind, obj_id, model, raw in doc.objects:
            tables: dict[str, dict[str, Any]] = {
                "kpi": kpis,
                "measure": measures,
                "source": sources,
            }
            table = tables[kind]
            table[obj_id] = model
            locations[(kind, obj_id)] = Location(doc.file, getattr(raw, "line", None))
            raws[(kind, obj_id)] = raw
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
        raw=raws,
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
            text = p.read_text(encoding="utf-8")
        except OSError as exc:
            issue = Issue(
                Severity.ERROR,
                Location(str(p)),
                "file",
                None,
                f"cannot read the file: {exc.strerror or exc}",
                "check the path",
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
        raw=catalog.raw,
        warnings=tuple(issues),
    )


def catalog_for(warehouse: Warehouse) -> Catalog:
    """The catalog for a warehouse: the shipped one plus ``kpis.yaml`` beside the file."""
    folder = warehouse.url.folder
    company = folder / COMPANY_FILE if folder is not None else None
    return load_catalog([company] if company is not None and company.is_file() else [])
