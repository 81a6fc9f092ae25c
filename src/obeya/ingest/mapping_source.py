"""The source side of a mapping: which source tables it reads, and reading them into DuckDB.

A files source registers each file the mapping names as a view called after its stem
(through the loader's own readers: CSV and XLSX as text, so leading zeros survive,
with the ``__row`` column giving the file row). A PostgreSQL source is read in one
read-only, repeatable-read snapshot: each table the mapping names is copied with
``COPY (SELECT ...) TO STDOUT (FORMAT csv)`` into a temporary file, read with Arrow,
and typed into a DuckDB table of the same name. DuckDB's postgres extension is not
used: extensions cannot be downloaded where obeya runs.
"""

from __future__ import annotations

import difflib
import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, assert_never
from urllib.parse import urlsplit

import duckdb
import psycopg
import pyarrow as pa
import pyarrow.csv as pacsv
from psycopg import sql

from obeya.errors import ConfigError, SpecError
from obeya.ingest.mapping_spec import Issue, MappingDocument, SourceKind
from obeya.ingest.sources import FILE, FileFormat, Source, file_kind, quote, register
from obeya.yamlspec import Loc

__all__ = [
    "PREFIX",
    "SourceRefs",
    "main_table",
    "materialize",
    "open_source",
    "references",
    "tables_in",
]

PREFIX = "__obeya_"  # prefix of every name the mapping creates in DuckDB
# PostgreSQL type (udt_name) -> DuckDB type; anything else is read as text
_PG_TYPES = {
    "int2": "BIGINT", "int4": "BIGINT", "int8": "BIGINT",
    "float4": "DOUBLE", "float8": "DOUBLE", "numeric": "DOUBLE", "money": "VARCHAR",
    "bool": "BOOLEAN", "date": "DATE", "timestamp": "TIMESTAMP", "timestamptz": "TIMESTAMP",
    "time": "TIME", "json": "JSON", "jsonb": "JSON",
}  # fmt: skip


@dataclass(frozen=True)
class SourceRefs:
    """Source tables the mapping reads: by lower-case name, the name as written and where."""

    where: dict[str, tuple[str, Loc]]


def _parse(con: duckdb.DuckDBPyConnection, query: str) -> dict[str, Any]:
    tree: dict[str, Any] = json.loads(
        con.execute("SELECT json_serialize_sql(?)", [query]).fetchall()[0][0]
    )
    return tree


def main_table(con: duckdb.DuckDBPyConnection, query: str) -> str | None:
    """The first table of the query's outermost FROM (``VBAP`` in ``FROM VBAP JOIN VBAK``)."""
    tree = _parse(con, query)
    if tree.get("error") or not tree.get("statements"):
        return None
    node = tree["statements"][0].get("node", {}).get("from_table")
    while isinstance(node, dict) and node.get("type") == "JOIN":
        node = node.get("left")
    if isinstance(node, dict) and node.get("type") == "BASE_TABLE":
        return str(node.get("table_name"))
    return None


def tables_in(con: duckdb.DuckDBPyConnection, query: str) -> tuple[list[str], str | None]:
    """The base tables ``query`` reads (not its CTEs), from DuckDB's parse tree, or its error."""
    tree = _parse(con, query)
    if tree.get("error"):
        return [], str(tree.get("error_message", "cannot parse"))
    tables: list[str] = []
    ctes: set[str] = set()
    stack: list[Any] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("type") == "BASE_TABLE" and isinstance(node.get("table_name"), str):
                tables.append(node["table_name"])
            cte_map = node.get("cte_map")
            if isinstance(cte_map, dict):
                ctes |= {str(m["key"]).lower() for m in cte_map.get("map", [])}
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return sorted({t for t in tables if t.lower() not in ctes}, key=str.lower), None


def references(
    con: duckdb.DuckDBPyConnection, doc: MappingDocument
) -> tuple[SourceRefs, list[Issue]]:
    """Every source table the mapping's tables, filters, expressions and macros read."""
    refs = SourceRefs({})
    issues: list[Issue] = []

    def add(names: list[str], loc: Loc) -> None:
        for name in names:
            refs.where.setdefault(name.lower(), (name, loc))

    for name, macro in doc.spec.macros.items():
        add(tables_in(con, f"SELECT ({macro.sql}\n)")[0], ("macros", name, "sql"))
    for target, tm in doc.spec.tables.items():
        if tm.from_ is not None:
            add([tm.from_], ("tables", target, "from"))
        else:
            assert tm.sql is not None
            names, error = tables_in(con, tm.sql)
            if error:
                issues.append(Issue(("tables", target, "sql"), f"the SQL does not parse: {error}"))
            add(names, ("tables", target, "sql"))
        extra = [tm.where] if tm.where else []
        for text in [*extra, *tm.columns.values()]:
            add(tables_in(con, f"SELECT ({text}\n)")[0], ("tables", target))
    return refs, issues


# ---------------------------------------------------------------- sources


class _Provider(Protocol):
    def describe(self) -> str: ...
    def names(self) -> dict[str, str]: ...
    def load(self, con: duckdb.DuckDBPyConnection, name: str, internal: str) -> str: ...


class _Folder:
    """A folder of CSV (plain or gzipped), Parquet and XLSX files, one table each.

    A file is the table named as it is without its type (``vbak.csv.gz`` is ``vbak``).
    """

    def __init__(self, doc: MappingDocument) -> None:
        self.folder = doc.source_folder()
        if not self.folder.is_dir():
            raise ConfigError(
                f"{doc.where(('source', 'path'))}: no folder at {self.folder}; "
                "give the folder holding the extract (relative to the mapping file)"
            )
        self.files: dict[str, tuple[Path, str, FileFormat]] = {}
        for path in sorted(self.folder.iterdir()):
            kind = file_kind(path)
            if path.is_file() and kind is not None and not path.name.startswith("."):
                stem, fmt = kind
                if stem.lower() in self.files:
                    raise ConfigError(
                        f"{self.folder}: {self.files[stem.lower()][0].name} and "
                        f"{path.name} are both table {stem}; keep one"
                    )
                self.files[stem.lower()] = (path, stem, fmt)

    def describe(self) -> str:
        return f"the folder {self.folder}"

    def names(self) -> dict[str, str]:
        return {k: stem for k, (_, stem, _) in self.files.items()}

    def load(self, con: duckdb.DuckDBPyConnection, name: str, internal: str) -> str:
        path, _, fmt = self.files[name.lower()]
        register(con, Source(name, str(path), fmt, (path,)), internal)
        con.execute(f"CREATE TEMP VIEW {quote(name)} AS SELECT * EXCLUDE ({FILE}) FROM {internal}")
        return path.name


class _Postgres:
    """A PostgreSQL database read in one read-only, repeatable-read snapshot."""

    def __init__(self, doc: MappingDocument) -> None:
        url = doc.source_url()
        self.schema = doc.spec.source.db_schema
        parts = urlsplit(url)
        if parts.scheme not in ("postgresql", "postgres"):
            loc = ("source", "url") if doc.spec.source.url else ("source", "url_env")
            raise ConfigError(
                f"{doc.where(loc)}: {parts.scheme or 'the URL'!s} is not a supported "
                "database; give a postgresql:// URL"
            )
        self.shown = (
            f"postgresql://{parts.username or ''}@{parts.hostname or ''}"
            + (f":{parts.port}" if parts.port else "")
            + parts.path
        )
        try:
            self.conn = psycopg.connect(url, application_name="obeya mapping")
        except psycopg.Error as exc:
            raise ConfigError(
                f"cannot connect to the source database {self.shown}: "
                f"{str(exc).strip().splitlines()[0]}"
            ) from exc
        self.conn.read_only = True
        self.conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        # the text COPY writes must read back the same whatever the server's defaults
        self.conn.execute("SET DateStyle = 'ISO, YMD'")
        self.conn.execute("SET TimeZone = 'UTC'")

    def describe(self) -> str:
        return f"the database {self.shown} (schema {self.schema})"

    def names(self) -> dict[str, str]:
        rows = self.conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            [self.schema],
        ).fetchall()
        return {str(r[0]).lower(): str(r[0]) for r in rows}

    def load(self, con: duckdb.DuckDBPyConnection, name: str, internal: str) -> str:
        cols = [
            (str(n), str(t))
            for n, t in self.conn.execute(
                "SELECT column_name, udt_name FROM information_schema.columns "
                "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
                [self.schema, name],
            ).fetchall()
        ]
        select = sql.SQL(", ").join(
            sql.SQL("{} AT TIME ZONE 'UTC'").format(sql.Identifier(n))
            if t == "timestamptz"
            else sql.Identifier(n)
            for n, t in cols
        )
        copy_sql = sql.SQL("COPY (SELECT {} FROM {}) TO STDOUT (FORMAT csv)").format(
            select, sql.Identifier(self.schema, name)
        )
        names = [n for n, _ in cols]
        with tempfile.TemporaryFile() as fh:
            with self.conn.cursor() as cur, cur.copy(copy_sql) as copy:
                for chunk in copy:
                    fh.write(chunk)
            size = fh.tell()
            fh.seek(0)
            data = (
                pacsv.read_csv(
                    fh,
                    read_options=pacsv.ReadOptions(column_names=names),
                    parse_options=pacsv.ParseOptions(newlines_in_values=True),
                    convert_options=pacsv.ConvertOptions(
                        column_types=dict.fromkeys(names, pa.string()),
                        null_values=[""],
                        strings_can_be_null=True,
                        quoted_strings_can_be_null=False,
                    ),
                )
                if size
                else pa.table({n: pa.array([], pa.string()) for n in names})
            )
        con.register(internal, data)
        casts = ", ".join(
            f"CAST({quote(n)} AS {_PG_TYPES.get(t, 'VARCHAR')}) AS {quote(n)}" for n, t in cols
        )
        con.execute(f"CREATE TEMP TABLE {quote(name)} AS SELECT {casts} FROM {internal}")
        con.unregister(internal)
        return f"{self.schema}.{name}"

    def close(self) -> None:
        self.conn.close()


@contextmanager
def open_source(doc: MappingDocument) -> Iterator[_Provider]:
    match doc.spec.source.kind:
        case SourceKind.FILES:
            yield _Folder(doc)
        case SourceKind.DATABASE:
            pg = _Postgres(doc)
            try:
                yield pg
            finally:
                pg.close()
        case _ as unreachable:
            assert_never(unreachable)


def materialize(
    con: duckdb.DuckDBPyConnection, doc: MappingDocument, provider: _Provider, refs: SourceRefs
) -> dict[str, str]:
    """Load every referenced source table into ``con``; by lower-case name, the source label."""
    available = provider.names()
    issues = []
    for key, (name, loc) in refs.where.items():
        if key not in available:
            close = difflib.get_close_matches(name, list(available.values()), n=3)
            hint = f"; did you mean {' or '.join(close)}?" if close else ""
            known = sorted(available.values())
            listing = ", ".join(known[:40]) or "none"
            if len(known) > 40:
                listing += f", and {len(known) - 40} more"
            issues.append(
                Issue(
                    loc,
                    f"no source table {name!r} in {provider.describe()}{hint} "
                    f"(tables there: {listing})",
                )
            )
    if issues:
        raise SpecError(f"mapping {doc.path} is not valid:\n{doc.render(issues)}")
    return {
        key: provider.load(con, available[key], f"{PREFIX}src_{i}")
        for i, key in enumerate(refs.where)
    }
