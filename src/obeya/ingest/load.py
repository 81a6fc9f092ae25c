"""Validated, atomic, idempotent loads into the warehouse, with a load log.

A load is all or nothing across all its tables: every source is typed and checked
first; if any rule is broken the load is refused with every problem (the first 50
and the total) and nothing is written. Otherwise, in one transaction, each table's
rows replace the warehouse rows with the same key (so loading the same rows twice
leaves one copy) and one load-log row per table records the time, source, rows
inserted and replaced, and a checksum of the loaded content.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv

from obeya.errors import LoadRefused
from obeya.ingest.sources import FileFormat, Source, discover, quote
from obeya.ingest.validate import StagedTable, stage_and_check
from obeya.model import load_order
from obeya.warehouse import LOAD_LOG, Backend, Warehouse

__all__ = [
    "LoadOptions",
    "LoadReport",
    "TableLoad",
    "load",
    "load_arrow",
    "load_sources",
    "sources_from_arrow",
    "validate",
]


@dataclass(frozen=True)
class LoadOptions:
    """Switches that relax a rule on purpose (each named in the model's rules)."""

    allow_overship: bool = False

    @property
    def names(self) -> frozenset[str]:
        return frozenset(n for n in ("allow_overship",) if getattr(self, n))


@dataclass(frozen=True)
class TableLoad:
    table: str
    source: str
    rows: int
    inserted: int
    replaced: int
    checksum: str


@dataclass
class LoadReport:
    load_id: str
    loaded_at: datetime
    tables: list[TableLoad] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)


def validate(
    warehouse: Warehouse,
    paths: Iterable[Path | str],
    options: LoadOptions = LoadOptions(),
    *,
    labels: Mapping[Path, str] | None = None,
) -> LoadReport:
    """Check files as :func:`load` would, and write nothing."""
    return load(warehouse, paths, options=options, dry_run=True, labels=labels)


def load(
    warehouse: Warehouse,
    paths: Iterable[Path | str],
    *,
    options: LoadOptions = LoadOptions(),
    dry_run: bool = False,
    labels: Mapping[Path, str] | None = None,
) -> LoadReport:
    """Load files or folders named after model tables; see the module docstring.

    ``labels`` gives a path of ``paths`` the name problems and the load log use
    instead of the path (a file uploaded to a temporary path keeps its own name).
    """
    sources, notes = discover([Path(p) for p in paths], labels)
    report = load_sources(warehouse, sources, options=options, dry_run=dry_run)
    report.notes = notes + report.notes
    return report


def sources_from_arrow(tables: dict[str, pa.Table], label: str) -> list[Source]:
    """Sources for in-memory tables (the demo generator, a mapping's output)."""
    return [
        Source(name, f"{label}:{name}", FileFormat.ARROW, data=data)
        for name, data in tables.items()
    ]


def load_arrow(
    warehouse: Warehouse,
    tables: dict[str, pa.Table],
    *,
    label: str,
    options: LoadOptions = LoadOptions(),
    dry_run: bool = False,
) -> LoadReport:
    """Load in-memory Arrow tables with the same checks as files."""
    return load_sources(
        warehouse, sources_from_arrow(tables, label), options=options, dry_run=dry_run
    )


def load_sources(
    warehouse: Warehouse,
    sources: list[Source],
    *,
    options: LoadOptions = LoadOptions(),
    dry_run: bool = False,
) -> LoadReport:
    order = {name: i for i, name in enumerate(load_order())}
    sources = sorted(sources, key=lambda s: order[s.table])
    report = LoadReport(
        uuid.uuid4().hex[:12], datetime.now(UTC).replace(tzinfo=None), dry_run=dry_run
    )
    if warehouse.backend is Backend.DUCKDB:
        staging = warehouse.duckdb
        existing = _duckdb_existing(warehouse)
    else:
        staging = duckdb.connect()
        existing = _postgres_existing(warehouse, staging)
    prefix = f"stg_{report.load_id}"
    try:
        staged, problems, total = stage_and_check(
            staging, sources, existing_keys=existing, options=options.names, prefix=prefix
        )
        if total:
            raise LoadRefused(problems, total)
        checksums = {st.table.name: _checksum(staging, st) for st in staged}
        if dry_run:
            report.tables = [
                TableLoad(st.table.name, st.source.files, st.rows, 0, 0, checksums[st.table.name])
                for st in staged
            ]
        elif warehouse.backend is Backend.DUCKDB:
            report.tables = _write_duckdb(warehouse, staged, checksums, report)
        else:
            report.tables = _write_postgres(warehouse, staging, staged, checksums, report)
    finally:
        _drop_staging(staging, prefix)
        if warehouse.backend is not Backend.DUCKDB:
            staging.close()
    return report


def _duckdb_existing(warehouse: Warehouse):  # type: ignore[no-untyped-def]
    present = warehouse.existing_tables()

    def existing(table: str, key: tuple[str, ...]) -> str | None:
        return f"main.{table}" if table in present else None

    return existing


def _postgres_existing(warehouse: Warehouse, staging: duckdb.DuckDBPyConnection):  # type: ignore[no-untyped-def]
    cache: dict[str, str | None] = {}

    def existing(table: str, key: tuple[str, ...]) -> str | None:
        if table not in cache:
            cols = ", ".join(quote(k) for k in key)
            keys = warehouse.sql_arrow(f"SELECT DISTINCT {cols} FROM {table}")
            if keys.num_rows == 0:
                cache[table] = None
            else:
                name = f"wh_keys_{table}"
                staging.register(name, keys)
                cache[table] = name
        return cache[table]

    return existing


def _checksum(con: duckdb.DuckDBPyConnection, st: StagedTable) -> str:
    cols = ", ".join(quote(c) for c in st.table.column_names)
    value = con.execute(f"SELECT bit_xor(hash({cols})), count(*) FROM {st.name}").fetchall()[0]
    return f"{(value[0] or 0):016x}-{value[1]}"


def _key_match(table: str, staged: str, key: tuple[str, ...]) -> str:
    return " AND ".join(f"{table}.{quote(k)} = {staged}.{quote(k)}" for k in key)


def _logged(st: StagedTable, replaced: int, checksums: dict[str, str]) -> TableLoad:
    name = st.table.name
    return TableLoad(name, st.source.files, st.rows, st.rows - replaced, replaced, checksums[name])


def _log_row(report: LoadReport, entry: TableLoad) -> list[object]:
    """One load-log row, in the column order of the load log table."""
    return [
        report.load_id,
        report.loaded_at,
        entry.source,
        entry.table,
        entry.inserted,
        entry.replaced,
        entry.checksum,
    ]


def _write_duckdb(
    warehouse: Warehouse, staged: list[StagedTable], checksums: dict[str, str], report: LoadReport
) -> list[TableLoad]:
    done: list[TableLoad] = []
    with warehouse.transaction() as con:
        for st in staged:
            t = st.table
            cols = ", ".join(quote(c) for c in t.column_names)
            has_rows = bool(
                con.execute(
                    f"SELECT count(*) FROM (SELECT 1 FROM main.{t.name} LIMIT 1)"
                ).fetchall()[0][0]
            )
            replaced = 0
            if has_rows:
                replaced = int(
                    con.execute(
                        f"DELETE FROM main.{t.name} USING {st.name} "
                        f"WHERE {_key_match('main.' + t.name, st.name, t.key)}"
                    ).fetchall()[0][0]
                )
            con.execute(f"INSERT INTO main.{t.name} ({cols}) SELECT {cols} FROM {st.name}")
            entry = _logged(st, replaced, checksums)
            con.execute(
                f"INSERT INTO {LOAD_LOG} VALUES (?, ?, ?, ?, ?, ?, ?)", _log_row(report, entry)
            )
            done.append(entry)
    return done


def _write_postgres(
    warehouse: Warehouse,
    staging: duckdb.DuckDBPyConnection,
    staged: list[StagedTable],
    checksums: dict[str, str],
    report: LoadReport,
) -> list[TableLoad]:
    done: list[TableLoad] = []
    with warehouse.transaction() as cur:
        for st in staged:
            t = st.table
            cols = ", ".join(quote(c) for c in t.column_names)
            tmp = f"load_{t.name}"
            cur.execute(f"CREATE TEMP TABLE {tmp} (LIKE {t.name}) ON COMMIT DROP")
            reader = staging.execute(f"SELECT {cols} FROM {st.name}").to_arrow_reader(200_000)
            with cur.copy(f"COPY {tmp} ({cols}) FROM STDIN (FORMAT csv)") as copy:
                for batch in reader:
                    buf = io.BytesIO()
                    pacsv.write_csv(batch, buf, pacsv.WriteOptions(include_header=False))
                    copy.write(buf.getvalue())
            cur.execute(f"DELETE FROM {t.name} USING {tmp} WHERE {_key_match(t.name, tmp, t.key)}")
            replaced = max(int(cur.rowcount), 0)
            cur.execute(f"INSERT INTO {t.name} ({cols}) SELECT {cols} FROM {tmp}")
            entry = _logged(st, replaced, checksums)
            cur.execute(
                f"INSERT INTO {LOAD_LOG} VALUES (%s, %s, %s, %s, %s, %s, %s)",
                _log_row(report, entry),
            )
            done.append(entry)
    return done


def _drop_staging(con: duckdb.DuckDBPyConnection, prefix: str) -> None:
    rows = con.execute(
        "SELECT table_name, table_type FROM information_schema.tables WHERE table_name LIKE ?",
        [prefix + "%"],
    ).fetchall()
    for name, kind in rows:
        con.execute(f"DROP {'VIEW' if kind == 'VIEW' else 'TABLE'} IF EXISTS {name}")
    for name in [
        r[0]
        for r in con.execute(
            "SELECT name FROM (SHOW ALL TABLES) WHERE name LIKE ?", [prefix + "%_arrow"]
        ).fetchall()
    ]:
        con.unregister(name)
