"""Checking a load against the data model, columnar, inside DuckDB.

Each source is typed into a staging table in one pass; one more pass counts the
rows that break each rule; only when a count is not zero are the offending rows
fetched (the first 50 in file and row order). The checks are, for every table:
header (required columns present, no unknown or repeated column), type (the text
parses as the column's type), emptiness, finite numbers, non-negative quantities,
allowed codes, ranges and patterns, unique keys, foreign keys (against the same
load and the warehouse), and the table's row rules from the model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb

from obeya.errors import Problem
from obeya.ingest.sources import FILE, ROW, FileFormat, Source, quote, register
from obeya.model import TABLES, Column, ColumnType, Table

__all__ = ["Check", "StagedTable", "stage_and_check"]

MAX_PROBLEMS = 50

_TYPE_HELP = {
    ColumnType.DATE: "not a date; write YYYY-MM-DD",
    ColumnType.TIMESTAMP: "not a timestamp; write ISO 8601 such as 2025-03-01T08:30:00",
    ColumnType.DECIMAL: "not a number",
    ColumnType.INTEGER: "not a whole number",
    ColumnType.BOOLEAN: "not a boolean; write true or false",
}


@dataclass(frozen=True)
class Check:
    """One rule as a SQL condition that is true for the rows that break it."""

    column: str | None
    condition: str  # over the staging table: typed columns, raw text as "__raw_<col>"
    rule: str
    value: str | None  # SQL expression for the offending value, shown to the user


@dataclass
class StagedTable:
    """A source typed into a DuckDB staging table, ready to be written."""

    source: Source
    table: Table
    name: str  # the temp table in the staging connection
    columns: list[str] = field(default_factory=list)  # model columns present in the file
    file_expr: str = FILE  # SQL naming the file of a row (a literal for a one-file source)
    rows: int = 0


def _raw(col: str) -> str:
    return quote(f"__raw_{col}")


def _text_value(src: str, trim: bool) -> str:
    return f"NULLIF(TRIM({src}), '')" if trim else f"NULLIF({src}, '')"


def _typed_expr(column: Column, src: str, src_type: str, *, trim: bool) -> str:
    """SQL turning the source column ``src`` (of DuckDB type ``src_type``) into the model type.

    Text from CSV and spreadsheets is trimmed; an empty text is a missing value.
    """
    is_text = src_type.upper() in ("VARCHAR", "STRING", "TEXT")
    val = _text_value(src, trim) if is_text else src
    match column.type:
        case ColumnType.STRING | ColumnType.PERIOD:
            return val if is_text else f"CAST({src} AS VARCHAR)"
        case ColumnType.DECIMAL:
            return f"TRY_CAST({val} AS DOUBLE)"
        case ColumnType.INTEGER:
            if src_type.upper() in ("BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT"):
                return f"CAST({src} AS BIGINT)"
            d = f"TRY_CAST({val} AS DOUBLE)"
            return f"CASE WHEN {d} = TRUNC({d}) AND abs({d}) < 9e15 THEN CAST({d} AS BIGINT) END"
        case ColumnType.DATE:
            if not is_text:
                return f"TRY_CAST({src} AS DATE)"
            return f"TRY_CAST(TRY_STRPTIME({val}, '%Y-%m-%d') AS DATE)"
        case ColumnType.TIMESTAMP:
            if not is_text:
                return f"TRY_CAST({src} AS TIMESTAMP)"
            return (
                f"COALESCE(TRY_CAST({val} AS TIMESTAMP), "
                f"TRY_CAST(TRY_CAST({val} AS TIMESTAMPTZ) AT TIME ZONE 'UTC' AS TIMESTAMP))"
            )
        case ColumnType.BOOLEAN:
            if not is_text:
                return f"TRY_CAST({src} AS BOOLEAN)"
            low = f"LOWER({val})"
            return (
                f"CASE WHEN {low} IN ('true','t','yes','y','1') THEN TRUE "
                f"WHEN {low} IN ('false','f','no','n','0') THEN FALSE END"
            )


def _column_checks(column: Column, raw: str) -> list[Check]:
    """The checks of one column; ``raw`` is the SQL for the value as the user wrote it."""
    c = quote(column.name)
    checks: list[Check] = []
    empty = f"({raw} IS NULL)"
    if not column.may_be_empty:
        checks.append(Check(column.name, empty, "a value is required here", "''"))
    if column.type in _TYPE_HELP:
        checks.append(
            Check(column.name, f"(NOT {empty} AND {c} IS NULL)", _TYPE_HELP[column.type], raw)
        )
    if column.type is ColumnType.DECIMAL:
        checks.append(Check(column.name, f"(NOT isfinite({c}))", "must be a finite number", raw))
    if column.nonnegative:
        checks.append(Check(column.name, f"({c} < 0)", "must not be negative", raw))
    if column.minimum is not None:
        checks.append(
            Check(
                column.name,
                f"({c} < {column.minimum})",
                f"must be at least {column.minimum:g}",
                raw,
            )
        )
    if column.maximum is not None:
        checks.append(
            Check(
                column.name, f"({c} > {column.maximum})", f"must be at most {column.maximum:g}", raw
            )
        )
    if column.values:
        allowed = ", ".join(f"'{v}'" for v in column.values)
        checks.append(
            Check(
                column.name,
                f"({c} NOT IN ({allowed}))",
                "must be one of " + ", ".join(column.values),
                raw,
            )
        )
    if column.pattern:
        pattern = column.pattern.replace("'", "''")
        checks.append(
            Check(
                column.name,
                f"(NOT regexp_full_match({c}, '{pattern}'))",
                f"must be {column.pattern_help or 'of the form ' + column.pattern}",
                raw,
            )
        )
    return checks


def stage_and_check(
    con: duckdb.DuckDBPyConnection,
    sources: list[Source],
    *,
    existing_keys: Callable[[str, tuple[str, ...]], str | None],
    options: frozenset[str] = frozenset(),
    prefix: str = "stg",
) -> tuple[list[StagedTable], list[Problem], int]:
    """Type every source into a staging table in ``con`` and check every rule.

    ``existing_keys(table, key_columns)`` returns a SQL relation (in ``con``) holding
    the keys already in the warehouse for ``table``, or ``None`` when it has none.
    Returns the staged tables, the first problems (at most 50, in file/row order)
    and the total number of problems.
    """
    staged: list[StagedTable] = []
    found: list[tuple[str, int, Problem]] = []
    total = 0
    staged_names: dict[str, str] = {}
    for i, source in enumerate(sources):
        model = TABLES[source.table]
        name = f"{prefix}_{i}_{source.table}"
        view = f"{name}_src"
        file_cols = register(con, source, view)
        header = _header_problems(source, model, file_cols)
        if header:
            total += len(header)
            found += [(source.label, 0, p) for p in header]
            continue
        present = [c for c in model.columns if c.name in file_cols]
        types = dict(
            con.execute(f"SELECT column_name, column_type FROM (DESCRIBE {view})").fetchall()
        )
        trim = source.format in (FileFormat.CSV, FileFormat.XLSX)
        many_files = len(source.paths) > 1
        selects = [ROW] + ([FILE] if many_files else [])
        raw_ref: dict[str, str] = {}
        for col in model.columns:
            if col.name in file_cols:
                src, src_type = quote(col.name), types[col.name]
                typed = _typed_expr(col, src, src_type, trim=trim)
                selects.append(f"{typed} AS {quote(col.name)}")
                is_text = src_type.upper() == "VARCHAR"
                raw = _text_value(src, trim) if is_text else src
                if raw == typed or (src_type.upper() == col.type.sql and raw == src):
                    raw_ref[col.name] = quote(col.name)  # the typed value is what was written
                else:
                    selects.append(f"{raw} AS {_raw(col.name)}")
                    raw_ref[col.name] = _raw(col.name)
            else:
                default = col.default or "NULL"
                selects.append(
                    f"CAST({default} AS {col.type.sql.replace(' PRECISION', '')}) AS {quote(col.name)}"
                )
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT {', '.join(selects)} FROM {view}"
        )
        # problems name the file: a folder's single part by its own name, not the folder's
        names = source.file_names()
        label = (names[0] if len(names) == 1 else source.label).replace("'", "''")
        st = StagedTable(
            source,
            model,
            name,
            [c.name for c in present],
            file_expr=FILE if many_files else f"'{label}'",
        )
        staged_names[source.table] = name
        st.rows = int(con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0])
        staged.append(st)
        checks = [ch for col in present for ch in _column_checks(col, raw_ref[col.name])]
        checks += [
            Check(
                rule.column,
                f"({rule.predicate})",
                rule.name,
                raw_ref.get(rule.column, "NULL"),
            )
            for rule in model.rules
            if rule.option is None or rule.option not in options
        ]
        n, problems = _run_checks(con, st, checks)
        total += n
        found += problems
        n, problems = _key_problems(con, st)
        total += n
        found += problems
        n, problems = _foreign_key_problems(con, st, staged_names, existing_keys)
        total += n
        found += problems
    found.sort(key=lambda t: (t[0], t[1]))
    return staged, [p for _, _, p in found[:MAX_PROBLEMS]], total


def _header_problems(source: Source, model: Table, file_cols: list[str]) -> list[Problem]:
    problems = []
    seen: set[str] = set()
    for col in file_cols:
        if col in seen:
            problems.append(Problem(source.label, 1, col, None, "column given twice in the header"))
        seen.add(col)
        if not model.has(col):
            problems.append(
                Problem(
                    source.label,
                    1,
                    col,
                    None,
                    f"unknown column for table {model.name}; its columns are: "
                    + ", ".join(model.column_names),
                )
            )
    problems += [
        Problem(source.label, 1, col.name, None, "required column is missing from the header")
        for col in model.columns
        if col.required and col.name not in seen
    ]
    return problems


def _run_checks(
    con: duckdb.DuckDBPyConnection, st: StagedTable, checks: list[Check]
) -> tuple[int, list[tuple[str, int, Problem]]]:
    """Count every check's failures in one pass; fetch the rows only of those that fail."""
    if not checks:
        return 0, []
    counts = con.execute(
        "SELECT "
        + ", ".join(f"count(*) FILTER (WHERE {ch.condition})" for ch in checks)
        + f" FROM {st.name}"
    ).fetchall()[0]
    total = 0
    out: list[tuple[str, int, Problem]] = []
    for ch, n in zip(checks, counts, strict=True):
        if not n:
            continue
        total += int(n)
        rows = con.execute(
            f"SELECT {st.file_expr}, {ROW}, CAST({ch.value or 'NULL'} AS VARCHAR) FROM {st.name} "
            f"WHERE {ch.condition} ORDER BY 1, 2 LIMIT {MAX_PROBLEMS}"
        ).fetchall()
        out += [
            (f, r, Problem(f, r, ch.column, "" if v is None else v, ch.rule)) for f, r, v in rows
        ]
    return total, out


def _key_problems(
    con: duckdb.DuckDBPyConnection, st: StagedTable
) -> tuple[int, list[tuple[str, int, Problem]]]:
    """Rows whose key an earlier row of the load already has."""
    keys = ", ".join(quote(k) for k in st.table.key)
    # a key column that is empty is already reported; only whole keys count here
    not_null = " AND ".join(f"{quote(k)} IS NOT NULL" for k in st.table.key)
    any_duplicate = con.execute(
        f"SELECT count(*) FROM (SELECT 1 FROM {st.name} WHERE {not_null} "
        f"GROUP BY {keys} HAVING count(*) > 1)"
    ).fetchall()[0][0]
    if not any_duplicate:
        return 0, []
    sql = (
        f"SELECT {st.file_expr} AS f, {ROW}, {keys}, first_row FROM (SELECT *, "
        f"min({ROW}) OVER (PARTITION BY {keys}) AS first_row FROM {st.name} WHERE {not_null}) "
        f"WHERE {ROW} <> first_row"
    )
    n = int(con.execute(f"SELECT count(*) FROM ({sql})").fetchall()[0][0])
    rows = con.execute(f"{sql} ORDER BY 1, 2 LIMIT {MAX_PROBLEMS}").fetchall()
    key_name = ", ".join(st.table.key)
    rule = "duplicate key: the same {} as row {}"
    out = [
        (
            r[0],
            r[1],
            Problem(
                r[0],
                r[1],
                key_name,
                ", ".join(str(v) for v in r[2:-1]),
                rule.format(key_name, r[-1]),
            ),
        )
        for r in rows
    ]
    return n, out


def _foreign_key_problems(
    con: duckdb.DuckDBPyConnection,
    st: StagedTable,
    staged_names: dict[str, str],
    existing_keys: Callable[[str, tuple[str, ...]], str | None],
) -> tuple[int, list[tuple[str, int, Problem]]]:
    total = 0
    out: list[tuple[str, int, Problem]] = []
    for col in st.table.foreign_keys:
        if col.name not in st.columns or col.references is None:
            continue
        ref = TABLES[col.references]
        ref_key = quote(ref.key[0])
        parts = []
        if col.references in staged_names:
            parts.append(f"SELECT {ref_key} AS k FROM {staged_names[col.references]}")
        existing = existing_keys(col.references, ref.key)
        if existing is not None:
            parts.append(f"SELECT {ref_key} AS k FROM {existing}")
        keys = (
            " UNION ALL ".join(parts) if parts else "SELECT CAST(NULL AS VARCHAR) AS k WHERE FALSE"
        )
        c = quote(col.name)
        sql = f"FROM {st.name} s ANTI JOIN ({keys}) r ON s.{c} = r.k WHERE s.{c} IS NOT NULL"
        n = int(con.execute(f"SELECT count(*) {sql}").fetchall()[0][0])
        if not n:
            continue
        total += n
        rows = con.execute(
            f"SELECT {st.file_expr}, s.{ROW}, s.{c} {sql} ORDER BY 1, 2 LIMIT {MAX_PROBLEMS}"
        ).fetchall()
        rule = f"not found in {ref.name}.{ref.key[0]} (load {ref.name} first or in the same load)"
        out += [(f, r, Problem(f, r, col.name, v, rule)) for f, r, v in rows]
    return total, out
