"""Mapping a foreign source (a folder of files or a PostgreSQL database) onto the model.

The source tables a mapping reads are made queryable in an in-memory DuckDB: a file
becomes a view named after its stem (CSV and XLSX are read as text, so leading zeros
survive), a database table is copied once, in one read-only snapshot, with
``COPY ... TO STDOUT`` into a DuckDB table of the same name. Each target table is then
one SQL ``SELECT`` built from the mapping's ``from``/``sql``, ``where``, ``columns``,
``constants`` and ``values``; its Arrow result, with the model's column names, is a
:class:`~obeya.ingest.sources.Source` that :func:`~obeya.ingest.load_sources`
validates and writes like any file, so every integrity rule of the model applies.

Mappings are trusted configuration: their SQL expressions run as written, with
identifiers quoted and constants and codes passed as parameters. Users query the
warehouse through the read-only SQL console, never through a mapping.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from obeya.errors import DataError, LoadRefused, Problem, SpecError
from obeya.ingest.load import LoadOptions, LoadReport, load_sources
from obeya.ingest.mapping_source import (
    PREFIX,
    main_table,
    materialize,
    open_source,
    references,
)
from obeya.ingest.mapping_spec import (
    Issue,
    MappingDocument,
    TableMap,
    read_mapping,
)
from obeya.ingest.sources import FILE, ROW, FileFormat, Source, quote
from obeya.model import TABLES, load_order
from obeya.warehouse import Warehouse
from obeya.yamlspec import Loc

__all__ = ["MappedTable", "load_mapping", "map_tables", "sources_from_mapping"]

_P = PREFIX
_SRC_ROW = quote(f"{_P}src_row")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class MappedTable:
    """One model table produced by a mapping, ready to be validated and loaded.

    ``source_rows`` holds, for a table mapped ``from`` one file, the file row
    (header = row 1) each mapped row came from, so problems can point back to it.
    """

    table: str
    label: str
    data: pa.Table
    source_file: str | None = None
    source_rows: pa.ChunkedArray | None = None

    @property
    def source(self) -> Source:
        return Source(self.table, self.label, FileFormat.ARROW, data=self.data)

    def locate(self, row: int) -> str:
        """Where mapped row ``row`` (as numbered in problems) comes from: file row and key."""
        i = row - Source.row_offset
        if not 0 <= i < self.data.num_rows:
            return ""
        parts = []
        if self.source_rows is not None and self.source_file is not None:
            parts.append(f"{self.source_file} row {self.source_rows[i].as_py()}")
        key = [k for k in TABLES[self.table].key if k in self.data.column_names]
        parts.append(", ".join(f"{k}={self.data.column(k)[i].as_py()!r}" for k in key))
        return "; ".join(p for p in parts if p)


def sources_from_mapping(
    mapping_path: Path | str, overrides: Mapping[str, Any] | None = None
) -> list[Source]:
    """The model tables a mapping produces, as sources for :func:`load_sources`."""
    return [m.source for m in map_tables(mapping_path, overrides)]


def load_mapping(
    warehouse: Warehouse,
    mapping_path: Path | str,
    dry_run: bool = False,
    *,
    overrides: Mapping[str, Any] | None = None,
    options: LoadOptions | None = None,
) -> LoadReport:
    """Map the source named in a mapping file and load the result, all or nothing.

    A refusal names, for every problem, the mapped table (``file:table<-source``),
    the row, the model column, and in brackets the source file row (for a table
    mapped ``from`` a file) and the row's key, so the record can be found at source.
    """
    mapped = map_tables(mapping_path, overrides)
    try:
        report = load_sources(
            warehouse, [m.source for m in mapped], options=options or LoadOptions(), dry_run=dry_run
        )
    except LoadRefused as exc:
        raise LoadRefused([_explain(p, mapped) for p in exc.problems], exc.total) from exc
    report.notes.append(
        f"mapped by {Path(mapping_path).name}: "
        + ", ".join(
            f"{m.table} ({m.data.num_rows} row{'' if m.data.num_rows == 1 else 's'})"
            for m in mapped
        )
    )
    return report


def _explain(problem: Problem, mapped: list[MappedTable]) -> Problem:
    for m in mapped:
        if problem.file == m.label and problem.row is not None:
            where = m.locate(problem.row)
            if where:
                return Problem(
                    problem.file,
                    problem.row,
                    problem.column,
                    problem.value,
                    f"{problem.rule} [{where}]",
                )
    return problem


def map_tables(
    mapping_path: Path | str, overrides: Mapping[str, Any] | None = None
) -> list[MappedTable]:
    """Read the mapping, open its source and produce every target table (in load order).

    Raises :class:`ConfigError`/:class:`SpecError` for a mapping that is wrong (every
    problem at once, with file, line and field) and :class:`LoadRefused` for source
    codes missing from a value map.
    """
    doc = read_mapping(Path(mapping_path), overrides)
    con = duckdb.connect()
    try:
        refs, issues = references(con, doc)
        if issues:
            raise SpecError(f"mapping {doc.path} is not valid:\n{doc.render(issues)}")
        with open_source(doc) as provider:
            labels = materialize(con, doc, provider, refs)
        issues = _create_macros(con, doc)
        plans = []
        for target in load_order(list(doc.spec.tables)):
            plan, found = _bind(con, doc, target, labels)
            issues += found
            if plan is not None:
                plans.append(plan)
        if issues:
            raise SpecError(f"mapping {doc.path} is not valid:\n{doc.render(issues)}")
        results = [_run(con, doc, plan) for plan in plans]
    finally:
        con.close()
    problems = [p for _, found in results for p in found]
    if problems:
        raise LoadRefused(problems)
    return [m for m, _ in results]


def _create_macros(con: duckdb.DuckDBPyConnection, doc: MappingDocument) -> list[Issue]:
    issues = []
    for name, macro in doc.spec.macros.items():
        try:
            con.execute(
                f"CREATE OR REPLACE TEMP MACRO {name}({', '.join(macro.params)}) AS ({macro.sql}\n)"
            )
        except duckdb.Error as exc:
            issues.append(
                Issue(("macros", name, "sql"), f"the macro does not compile: {_duck(exc)}")
            )
    return issues


# ---------------------------------------------------------------- binding and running


@dataclass(frozen=True)
class _Plan:
    target: str
    tm: TableMap
    label: str
    relation: str
    exprs: dict[str, str]
    has_row: bool
    source_file: str | None


def _duck(exc: duckdb.Error) -> str:
    lines = [ln for ln in str(exc).splitlines() if ln.strip() and not ln.startswith("LINE ")]
    return " ".join(ln.strip() for ln in lines if set(ln.strip()) != {"^"})[:400]


def _columns(con: duckdb.DuckDBPyConnection, query: str) -> list[str]:
    return [d[0] for d in con.execute(f"SELECT * FROM ({query}) LIMIT 0").description or []]


def _bind(
    con: duckdb.DuckDBPyConnection,
    doc: MappingDocument,
    target: str,
    labels: dict[str, str],
) -> tuple[_Plan | None, list[Issue]]:
    """Check that the target's source, filter and column expressions run; plan its query."""
    tm = doc.spec.tables[target]
    base: Loc = ("tables", target)
    if tm.from_ is not None:
        relation, what = quote(tm.from_), f"source table {tm.from_}"
        label = f"{doc.path.name}:{target}<-{tm.from_}"
    else:
        relation, what = f"(\n{tm.sql}\n) AS {quote(_P + 'src')}", "the `sql` query"
        assert tm.sql is not None
        main = main_table(con, tm.sql)
        label = f"{doc.path.name}:{target}<-sql" + (f"({main})" if main else "")
    try:
        cols = [c for c in _columns(con, f"SELECT * FROM {relation}") if c not in (ROW, FILE)]
    except duckdb.Error as exc:
        part = "from" if tm.from_ is not None else "sql"
        return None, [Issue((*base, part), f"the query does not run: {_duck(exc)}")]
    issues = []
    if tm.where is not None:
        try:
            con.execute(f"SELECT 1 FROM {relation} WHERE ({tm.where}\n) LIMIT 0")
        except duckdb.Error as exc:
            issues.append(
                Issue((*base, "where"), f"the filter does not run on {what}: {_duck(exc)}")
            )
        relation += f" WHERE ({tm.where}\n)"
    by_lower = {c.lower(): c for c in cols}
    exprs: dict[str, str] = {}
    for col, text in tm.columns.items():
        if text.lower() in by_lower:
            exprs[col] = quote(by_lower[text.lower()])
            continue
        try:
            con.execute(f"SELECT ({text}\n) FROM {relation} LIMIT 0")
            exprs[col] = f"({text}\n)"
        except duckdb.Error as exc:
            if _IDENTIFIER.fullmatch(text):
                close = difflib.get_close_matches(text, cols, n=2)
                hint = f"; did you mean {' or '.join(close)}?" if close else ""
                msg = f"no column {text!r} in {what}{hint} (its columns: {', '.join(cols)})"
            else:
                msg = f"the SQL expression {text!r} does not run on {what}: {_duck(exc)}"
            issues.append(Issue((*base, "columns", col), msg))
    has_row = tm.from_ is not None and ROW in _columns(con, f"SELECT * FROM {quote(tm.from_)}")
    source_file = labels.get(tm.from_.lower()) if tm.from_ is not None else None
    plan = _Plan(target, tm, label, relation, exprs, has_row, source_file)
    return (None if issues else plan), issues


def _run(
    con: duckdb.DuckDBPyConnection, doc: MappingDocument, plan: _Plan
) -> tuple[MappedTable, list[Problem]]:
    """Run the target's SELECT; refuse source codes that a value map does not list."""
    model, tm = TABLES[plan.target], plan.tm
    params: dict[str, object] = {}

    def param(value: object) -> str:
        name = f"p{len(params)}"
        params[name] = value
        return f"${name}"

    raw = [f"{expr} AS {quote(col)}" for col, expr in plan.exprs.items()]
    raw.append(f"{quote(ROW) if plan.has_row else 'CAST(NULL AS BIGINT)'} AS {_SRC_ROW}")
    codes = {col: quote(f"{_P}code_{i}") for i, col in enumerate(tm.values)}
    coded = [
        f"NULLIF(TRIM(CAST({quote(col)} AS VARCHAR)), '') AS {code}" for col, code in codes.items()
    ]
    select: list[str] = []
    for c in model.columns:
        if c.name in tm.values:
            value_map = {str(k).strip(): v for k, v in tm.values[c.name].items()}
            when_null = param(value_map[""]) if value_map.get("") is not None else "NULL"
            whens = " ".join(
                f"WHEN {codes[c.name]} = {param(k)} THEN {param(v) if v is not None else 'NULL'}"
                for k, v in value_map.items()
                if k
            )
            select.append(
                f"CASE WHEN {codes[c.name]} IS NULL THEN {when_null} {whens} END AS {quote(c.name)}"
            )
        elif c.name in plan.exprs:
            select.append(quote(c.name))
        elif c.name in tm.constants:
            v = tm.constants[c.name]
            literal = (
                param(v)
                if v is not None
                else f"CAST(NULL AS {c.type.sql.replace(' PRECISION', '')})"
            )
            select.append(f"{literal} AS {quote(c.name)}")
    names = [c.name for c in model.columns if c.name in plan.exprs or c.name in tm.constants]
    order = ([len(names) + len(codes) + 1] if plan.has_row else []) + [
        names.index(k) + 1 for k in model.key
    ]
    table = quote(f"{_P}m_{plan.target}")
    query = (
        f"CREATE TEMP TABLE {table} AS "
        f"WITH {_P}raw AS (SELECT {', '.join(raw)} FROM {plan.relation}), "
        f"{_P}coded AS (SELECT *{''.join(', ' + c for c in coded)} FROM {_P}raw) "
        f"SELECT {', '.join([*select, *codes.values(), _SRC_ROW])} FROM {_P}coded "
        f"ORDER BY {', '.join(str(i) for i in order)}"
    )
    try:
        con.execute(query, params)
    except duckdb.Error as exc:
        raise DataError(
            f"{doc.where(('tables', plan.target))}: mapping the source data failed: "
            f"{_duck(exc)}; fix the source data or the mapping's SQL"
        ) from exc
    result = con.execute(
        f"SELECT {', '.join(quote(n) for n in names)}, {_SRC_ROW} FROM {table} ORDER BY rowid"
    ).fetch_arrow_table()
    mapped = MappedTable(
        plan.target,
        plan.label,
        result.select(names),
        plan.source_file,
        result.column(len(names)) if plan.has_row else None,
    )
    problems = []
    here: Loc = ("tables", plan.target)
    for col, code in codes.items():
        keys = sorted(str(k).strip() for k in tm.values[col])
        found = con.execute(
            f"SELECT {code}, count(*), min(rowid) FROM {table} WHERE {code} IS NOT NULL "
            f"AND NOT list_contains($keys, {code}) GROUP BY 1 ORDER BY 3",
            {"keys": keys},
        ).fetchall()
        for value, n, first in found:
            row = int(first) + Source.row_offset
            rows = f"{n} rows have it, the first" if n > 1 else "1 row has it"
            problems.append(
                Problem(
                    plan.label,
                    row,
                    col,
                    str(value),
                    f"code not in the value map at {doc.where((*here, 'values', col))}; "
                    f"add it there (the map lists: {', '.join(repr(k) for k in keys)}) "
                    f"[{rows}: {mapped.locate(row)}]",
                )
            )
    return mapped, problems
