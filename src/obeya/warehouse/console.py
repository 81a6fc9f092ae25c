"""The read-only SQL console: a user's own SELECTs, which can change nothing.

On DuckDB the query runs on a second connection opened read-only, with external
access disabled and the configuration locked, so it can neither change the
warehouse nor read or write local files. On PostgreSQL it runs in a READ ONLY
transaction with a statement timeout; give the console's role no file or admin
privileges (``pg_read_server_files``, superuser) so it cannot read server files.
"""

from __future__ import annotations

import pyarrow as pa

from obeya.errors import QueryError
from obeya.warehouse.connection import Backend, WarehouseUrl, memory_limit, resolve_url

__all__ = ["run_readonly_query"]

DEFAULT_ROW_LIMIT = 10_000
STATEMENT_TIMEOUT_MS = 60_000


def run_readonly_query(
    sql: str,
    warehouse: str | WarehouseUrl | None = None,
    *,
    max_rows: int | None = DEFAULT_ROW_LIMIT,
) -> tuple[pa.Table, bool]:
    """Run ``sql`` read-only; return the rows (at most ``max_rows``) and whether more were cut."""
    url = warehouse if isinstance(warehouse, WarehouseUrl) else resolve_url(warehouse)
    text = sql.strip().rstrip(";").strip()
    if not text:
        raise QueryError("the query is empty; give a SELECT statement")
    if url.backend is Backend.DUCKDB:
        table = _duckdb(url, text, max_rows)
    else:
        table = _postgres(url, text, max_rows)
    truncated = max_rows is not None and table.num_rows > max_rows
    return (table.slice(0, max_rows) if truncated else table), truncated


def _duckdb(url: WarehouseUrl, sql: str, max_rows: int | None) -> pa.Table:
    from pathlib import Path

    import duckdb

    if url.target != ":memory:" and not Path(url.target).exists():
        raise QueryError(f"no warehouse at {url.target}: run `obeya init` or `obeya demo` first")
    try:
        con = duckdb.connect(
            url.target,
            read_only=True,
            config={
                "enable_external_access": False,
                "lock_configuration": True,
                "memory_limit": memory_limit(),
            },
        )
    except duckdb.Error as exc:
        raise QueryError(f"cannot open the warehouse {url} read-only: {_first_line(exc)}") from exc
    try:
        result = con.execute(sql)
        if result is None:  # DuckDB returns nothing for empty or comment-only text
            raise QueryError("the query is empty; give a SELECT statement")
        if result.description is None:
            raise QueryError("the statement returned no rows; the console runs read-only queries")
        reader = result.to_arrow_reader(8192)
        return _take(reader, max_rows)
    except duckdb.Error as exc:
        raise QueryError(_first_line(exc)) from exc
    finally:
        con.close()


def _postgres(url: WarehouseUrl, sql: str, max_rows: int | None) -> pa.Table:
    import psycopg

    try:
        con = psycopg.connect(
            url.target,
            options=f"-c default_transaction_read_only=on "
            f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
        )
    except psycopg.Error as exc:
        raise QueryError(f"cannot connect to {url}: {_first_line(exc)}") from exc
    try:
        with con.transaction(), con.cursor() as cur:
            cur.execute("SET TRANSACTION READ ONLY")
            cur.execute(sql.encode())
            if cur.description is None:
                raise QueryError(
                    "the statement returned no rows; the console runs read-only queries"
                )
            names = [d.name for d in cur.description]
            rows = cur.fetchmany(max_rows + 1) if max_rows is not None else cur.fetchall()
        columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
        return pa.table({n: pa.array(list(c)) for n, c in zip(names, columns, strict=True)})
    except psycopg.Error as exc:
        raise QueryError(_first_line(exc)) from exc
    finally:
        con.close()


def _take(reader: pa.RecordBatchReader, max_rows: int | None) -> pa.Table:
    batches = []
    n = 0
    for batch in reader:
        batches.append(batch)
        n += batch.num_rows
        if max_rows is not None and n > max_rows:
            break
    if not batches:
        return reader.schema.empty_table()
    return pa.Table.from_batches(batches, schema=reader.schema)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip() or type(exc).__name__).splitlines()[0]
