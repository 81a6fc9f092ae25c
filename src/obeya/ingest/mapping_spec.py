"""Mapping files: reading, the typed spec, and the rules checked before any data is read.

A mapping file (YAML) says how a foreign source (a folder of files, or a database)
becomes tables of the operations data model; ``docs/mappings.md`` documents every
key. It is checked in three stages, and each stage reports every problem it finds
at once, each as ``file:line: dotted.field: what is wrong and the fix``:

1. YAML, read by :mod:`obeya.yamlspec` with the line of every key kept, in its
   :attr:`~obeya.yamlspec.Dialect.TEXT` dialect: scalars follow YAML 1.2 rather than
   PyYAML's 1.1, so only ``true``/``false`` are booleans (a country code ``NO`` or a
   code ``Y`` stays text), a number with leading zeros (``0010``) stays text, dates
   stay text, and mapping keys are always the text as written (``01: open`` maps the
   code ``'01'``, not the number 1). A key given twice is refused.
2. The schema: Pydantic models with unknown keys refused.
3. The semantic rules below (:data:`RULES`): target tables and columns exist in the
   model, every required column is mapped, value maps are consistent.

The rules that need the data (source tables and columns exist, SQL binds) are
checked by :mod:`obeya.ingest.mapping` once the source is open.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, ClassVar
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from obeya.errors import ConfigError, SpecError
from obeya.model import TABLES
from obeya.yamlspec import (
    Dialect,
    DocumentSyntaxError,
    Loc,
    UnreadableDocument,
    line_of,
    place,
    read_yaml,
)

__all__ = [
    "RULES",
    "Issue",
    "MacroSpec",
    "MappingDocument",
    "MappingFile",
    "SourceKind",
    "SourceSpec",
    "TableMap",
    "read_mapping",
]

Scalar = str | int | float | bool | None
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Name = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]


class SourceKind(StrEnum):
    """Where a mapping reads from."""

    FILES = "files"
    DATABASE = "database"


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class SourceSpec(_Spec):
    """The source: a folder of CSV/Parquet/XLSX files, or a PostgreSQL database.

    ``path`` is relative to the mapping file. ``url_env`` names an environment
    variable holding the URL, so no password is written in a mapping file; ``url``
    wins when both are given (as when a command line passes one).
    """

    kind: SourceKind
    path: Text | None = None
    url: Text | None = None
    url_env: Name | None = None
    db_schema: Name = Field("public", alias="schema")

    @model_validator(mode="after")
    def _fits_kind(self) -> SourceSpec:
        if self.kind is SourceKind.FILES:
            if self.path is None:
                raise ValueError("a files source needs `path`: the folder holding the files")
            if self.url is not None or self.url_env is not None:
                raise ValueError("a files source takes `path`, not `url` or `url_env`")
        else:
            if self.url is None and self.url_env is None:
                raise ValueError(
                    "a database source needs `url_env` (the environment variable holding "
                    "the URL) or `url`"
                )
            if self.path is not None:
                raise ValueError("a database source takes `url` or `url_env`, not `path`")
        return self


class MacroSpec(_Spec):
    """A SQL helper (a DuckDB macro) that the table maps can call, such as a date parser."""

    params: tuple[Name, ...] = ()
    sql: Text


class TableMap(_Spec):
    """How one model table is made: its source rows, column map, constants and value maps."""

    from_: Text | None = Field(None, alias="from")
    sql: Text | None = None
    where: Text | None = None
    columns: dict[str, Text] = Field(default_factory=dict)
    constants: dict[str, Scalar] = Field(default_factory=dict)
    values: dict[str, dict[str, Scalar]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_source(self) -> TableMap:
        if (self.from_ is None) == (self.sql is None):
            raise ValueError("give exactly one of `from` (a source table) or `sql` (a query)")
        if self.where is not None and self.sql is not None:
            raise ValueError("`where` filters a `from` table; put the condition in the `sql` query")
        return self


class MappingFile(_Spec):
    """A whole mapping file."""

    description: str | None = None
    source: SourceSpec
    macros: dict[Name, MacroSpec] = Field(default_factory=dict)
    tables: dict[str, TableMap] = Field(min_length=1)


@dataclass(frozen=True)
class Issue:
    """One problem with a mapping, at a place in the file."""

    loc: Loc
    message: str
    line: int | None = None  # when the line is not that of ``loc`` (a repeated key)


@dataclass(frozen=True)
class MappingDocument:
    """A validated mapping file with the line of every key, for messages."""

    path: Path
    spec: MappingFile
    lines: Mapping[Loc, int]

    @property
    def folder(self) -> Path:
        return self.path.resolve().parent

    def line(self, loc: Loc) -> int | None:
        """The line of ``loc`` in the file, or of its nearest enclosing key."""
        return line_of(self.lines, loc)

    def where(self, loc: Loc, line: int | None = None) -> str:
        """``file:line: dotted.field`` for messages."""
        at = place(self.path.name, line if line is not None else self.line(loc))
        return f"{at}: {_dotted(loc)}" if loc else at

    def render(self, issues: Iterable[Issue]) -> str:
        return "\n".join(f"{self.where(i.loc, i.line)}: {i.message}" for i in issues)

    def source_url(self) -> str:
        """The database URL: ``url``, else the environment variable ``url_env`` names."""
        src = self.spec.source
        if src.url is not None:
            return src.url
        assert src.url_env is not None  # guaranteed by SourceSpec
        value = os.environ.get(src.url_env, "").strip()
        if not value:
            raise ConfigError(
                f"{self.where(('source', 'url_env'))}: the environment variable {src.url_env} "
                f"is not set; set it to the source database URL (such as "
                f"postgresql://user:password@host:5432/odoo)"
            )
        return value

    def source_folder(self) -> Path:
        """The folder of a files source, relative to the mapping file."""
        assert self.spec.source.path is not None  # guaranteed by SourceSpec
        return self.folder / self.spec.source.path


def _dotted(loc: Loc) -> str:
    return ".".join(str(p) for p in loc)


# ---------------------------------------------------------------- schema errors

_MODELS: dict[str, type[BaseModel]] = {
    "source": SourceSpec,
    "macros": MacroSpec,
    "tables": TableMap,
}


def _keys_at(loc: Loc) -> list[str]:
    """The keys allowed in the object at ``loc`` (for 'unknown key' messages)."""
    model: type[BaseModel] = MappingFile
    if loc:
        model = _MODELS.get(str(loc[0]), MappingFile)
        if loc[0] in ("macros", "tables") and len(loc) < 2:
            return []
    return [f.alias or name for name, f in model.model_fields.items()]


def _schema_issues(error: ValidationError) -> list[Issue]:
    issues = []
    for e in error.errors():
        loc: Loc = tuple(e["loc"])
        match e["type"]:
            case "extra_forbidden":
                allowed = ", ".join(_keys_at(loc[:-1]))
                msg = f"unknown key {loc[-1]!r}" + (
                    f"; the keys here are: {allowed}" if allowed else ""
                )
            case "missing":
                msg = "this required key is missing"
            case "string_type" if len(loc) == 4 and loc[2] == "columns":
                msg = (
                    f"a column map takes a source column or an SQL expression as text "
                    f"(got {e['input']!r}); put a fixed value in `constants`"
                )
            case _:
                msg = str(e["msg"]).removeprefix("Value error, ")
                if (
                    e["type"] not in ("value_error",)
                    and "input" in e
                    and not isinstance(e["input"], dict)
                ):
                    msg += f" (got {e['input']!r})"
        issues.append(Issue(loc, msg))
    return issues


# ---------------------------------------------------------------- semantic rules


class Rule:
    """One semantic rule of a mapping file; ``check`` yields its issues."""

    name: ClassVar[str]

    def check(self, doc: MappingDocument) -> Iterable[Issue]:
        raise AssertionError("each rule overrides check")  # pragma: no cover


class KnownTargetTables(Rule):
    name = "target tables are model tables"

    def check(self, doc: MappingDocument) -> Iterable[Issue]:
        for target in doc.spec.tables:
            if target not in TABLES:
                yield Issue(
                    ("tables", target),
                    f"{target!r} is not a table of the data model; "
                    f"the tables are: {', '.join(TABLES)}",
                )


class KnownTargetColumns(Rule):
    name = "target columns are columns of their table"

    def check(self, doc: MappingDocument) -> Iterable[Issue]:
        for target, tm in doc.spec.tables.items():
            if target not in TABLES:
                continue
            model = TABLES[target]
            for part, names in (
                ("columns", tm.columns),
                ("constants", tm.constants),
                ("values", tm.values),
            ):
                for col in names:
                    if not model.has(col):
                        yield Issue(
                            ("tables", target, part, col),
                            f"{col!r} is not a column of {target}; its columns are: "
                            f"{', '.join(model.column_names)}",
                        )


class ColumnsMappedOnce(Rule):
    name = "a column is either mapped or a constant"

    def check(self, doc: MappingDocument) -> Iterable[Issue]:
        for target, tm in doc.spec.tables.items():
            for col in sorted(set(tm.columns) & set(tm.constants)):
                yield Issue(
                    ("tables", target, "constants", col),
                    f"{col!r} is both in `columns` and in `constants`; keep one",
                )


class RequiredColumnsMapped(Rule):
    name = "every required column is mapped"

    def check(self, doc: MappingDocument) -> Iterable[Issue]:
        for target, tm in doc.spec.tables.items():
            if target not in TABLES:
                continue
            given = set(tm.columns) | set(tm.constants)
            missing = [c.name for c in TABLES[target].columns if c.required and c.name not in given]
            if missing:
                yield Issue(
                    ("tables", target, "columns"),
                    f"required column{'s' if len(missing) > 1 else ''} of {target} not mapped: "
                    f"{', '.join(missing)}; map each in `columns` or set it in `constants` "
                    "(a nullable one may be the constant null)",
                )


class ValueMapsOnMappedColumns(Rule):
    name = "a value map translates a mapped column"

    def check(self, doc: MappingDocument) -> Iterable[Issue]:
        for target, tm in doc.spec.tables.items():
            for col, codes in tm.values.items():
                loc = ("tables", target, "values", col)
                if col not in tm.columns:
                    yield Issue(
                        loc,
                        f"a value map for {col!r}, which is not in `columns`; "
                        "map the source column there first",
                    )
                if not codes:
                    yield Issue(
                        loc, "the value map is empty; list each source code and its model value"
                    )
                kinds = {type(v).__name__ for v in codes.values() if v is not None}
                if len(kinds) > 1:
                    yield Issue(
                        loc,
                        f"the mapped values mix types ({', '.join(sorted(kinds))}); "
                        "quote them all, or none",
                    )


RULES: tuple[Rule, ...] = (
    KnownTargetTables(),
    KnownTargetColumns(),
    ColumnsMappedOnce(),
    RequiredColumnsMapped(),
    ValueMapsOnMappedColumns(),
)


# ---------------------------------------------------------------- reading


def _password_issues(data: dict[str, Any]) -> list[Issue]:
    """A URL with a password written in the file itself (overrides may carry one)."""
    source = data.get("source")
    url = source.get("url") if isinstance(source, dict) else None
    if isinstance(url, str) and urlsplit(url).password:
        return [
            Issue(
                ("source", "url"),
                "the URL holds a password; keep secrets out of mapping "
                "files: put the URL in an environment variable and name it with `url_env`",
            )
        ]
    return []


def _merge(base: Any, extra: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base) if isinstance(base, dict) else {}
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _absolute_paths(overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Overrides come from a command line: a relative source path is relative to the cwd."""
    out = dict(overrides)
    source = out.get("source")
    if isinstance(source, Mapping) and isinstance(source.get("path"), str | Path):
        out["source"] = {**source, "path": str(Path(source["path"]).resolve())}
    return out


def read_mapping(path: Path, overrides: Mapping[str, Any] | None = None) -> MappingDocument:
    """Read, validate and check a mapping file; raise with every problem found.

    ``overrides`` is merged into the document after the file's own checks (so a
    command line can give ``{"source": {"path": ...}}`` or ``{"source": {"url": ...}}``);
    a relative ``source.path`` given there is relative to the working directory.
    """
    path = Path(path)
    try:
        parsed = read_yaml(path, "the mapping file", dialect=Dialect.TEXT)
    except UnreadableDocument as exc:
        if exc.missing:
            raise ConfigError(f"no mapping file at {path}") from None
        raise ConfigError(f"cannot read the mapping file {path}: {exc.reason}") from exc
    except DocumentSyntaxError as exc:
        where = place(path.name, exc.line)
        raise ConfigError(f"{where}: not valid {exc.format}: {exc.problem}") from exc
    data, lines = parsed.data, parsed.lines
    stub = MappingDocument(path, MappingFile.model_construct(), lines)
    if parsed.duplicates:
        repeated = [
            Issue(d.loc, f"key given twice (first on line {d.first_line})", d.line)
            for d in parsed.duplicates
        ]
        raise ConfigError(f"mapping {path} is not valid:\n{stub.render(repeated)}")
    if not isinstance(data, dict):
        raise ConfigError(
            f"{path.name}: a mapping file holds keys `source` and `tables` (see docs/mappings.md)"
        )
    issues = _password_issues(data)
    if overrides:
        data = _merge(data, _absolute_paths(overrides))
    try:
        spec = MappingFile.model_validate(data)
    except ValidationError as exc:
        issues += _schema_issues(exc)
        raise ConfigError(f"mapping {path} is not valid:\n{stub.render(issues)}") from None
    doc = MappingDocument(path, spec, lines)
    issues += [i for rule in RULES for i in rule.check(doc)]
    if issues:
        raise SpecError(f"mapping {path} is not valid:\n{doc.render(issues)}")
    return doc
