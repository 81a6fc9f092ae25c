"""The warehouse: an embedded DuckDB file by default, or a PostgreSQL server.

Everything above this module reads tables as Ibis expressions (``Warehouse.table``)
so the same code runs on both backends. Writes are backend-specific, atomic and go
through :mod:`obeya.warehouse.writer`.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import duckdb
import ibis
import pyarrow as pa
from ibis.backends import BaseBackend

from obeya.errors import WarehouseError
from obeya.model import TABLES, Table

__all__ = [
    "DEFAULT_MEMORY_LIMIT",
    "DEFAULT_WAREHOUSE",
    "LOAD_LOG",
    "Backend",
    "Warehouse",
    "WarehouseUrl",
    "resolve_url",
]

DEFAULT_WAREHOUSE = "./obeya.duckdb"
ENV_VAR = "OBEYA_WAREHOUSE"
# DuckDB's own default is 80% of the machine's memory; obeya shares a laptop with a
# web server, forecasts and a browser, so it keeps DuckDB smaller and lets it spill
# to disk beyond (the 100M-line scorecard is no slower at 3 GB: bench/bench_scorecard.py)
DEFAULT_MEMORY_LIMIT = "3GB"
MEMORY_ENV_VAR = "OBEYA_MEMORY_LIMIT"
DEFAULT_LOCK_WAIT = 10.0  # seconds a command waits for another process's hold on the file
LOCK_ENV_VAR = "OBEYA_LOCK_WAIT"
_MEMORY = re.compile(r"^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)$", re.IGNORECASE)
LOAD_LOG = "obeya_load_log"

_LOAD_LOG_DDL = f"""CREATE TABLE IF NOT EXISTS {LOAD_LOG} (
  load_id VARCHAR,
  loaded_at TIMESTAMP,
  source VARCHAR,
  table_name VARCHAR,
  rows_inserted BIGINT,
  rows_replaced BIGINT,
  checksum VARCHAR
)"""


class Backend(StrEnum):
    DUCKDB = "duckdb"
    POSTGRES = "postgres"


@dataclass(frozen=True, slots=True)
class WarehouseUrl:
    """Where the warehouse lives: a DuckDB file path or a PostgreSQL URL."""

    backend: Backend
    target: str  # file path for DuckDB, the libpq URL for PostgreSQL

    def __str__(self) -> str:
        if self.backend is Backend.POSTGRES:
            parts = urlsplit(self.target)
            host = parts.hostname or ""
            port = f":{parts.port}" if parts.port else ""
            return f"postgresql://{parts.username or ''}@{host}{port}{parts.path}"
        return self.target

    @property
    def folder(self) -> Path | None:
        """The folder of a DuckDB file (for company files kept beside it)."""
        if self.backend is Backend.DUCKDB and self.target != ":memory:":
            return Path(self.target).resolve().parent
        return None


def resolve_url(value: str | None = None) -> WarehouseUrl:
    """The warehouse from ``--warehouse``, else ``OBEYA_WAREHOUSE``, else the default file."""
    raw = value or os.environ.get(ENV_VAR) or DEFAULT_WAREHOUSE
    lowered = raw.lower()
    if lowered.startswith(("postgresql://", "postgres://")):
        return WarehouseUrl(Backend.POSTGRES, raw)
    if lowered.startswith("duckdb://"):
        raw = raw[len("duckdb://") :] or ":memory:"
    elif "://" in raw:
        raise WarehouseError(
            f"warehouse {raw!r}: unknown scheme; give a DuckDB file path "
            "(such as ./obeya.duckdb) or a postgresql:// URL"
        )
    return WarehouseUrl(Backend.DUCKDB, raw)


@dataclass
class Warehouse:
    """An open warehouse. Use :meth:`open` and close it (or use it as a context)."""

    url: WarehouseUrl
    ibis: BaseBackend
    read_only: bool = False
    _closed: bool = field(default=False, repr=False)

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(
        cls,
        value: str | WarehouseUrl | None = None,
        *,
        read_only: bool = False,
        create: bool = True,
    ) -> Warehouse:
        url = value if isinstance(value, WarehouseUrl) else resolve_url(value)
        try:
            if url.backend is Backend.DUCKDB:
                con = _open_duckdb(url, read_only=read_only, create=create)
            else:
                con = ibis.connect(url.target)
        except WarehouseError:
            raise
        except Exception as exc:  # the drivers raise many types; all mean "cannot open"
            raise WarehouseError(f"cannot open the warehouse {url}: {_first_line(exc)}") from exc
        wh = cls(url=url, ibis=con, read_only=read_only)
        if not read_only:
            wh.ensure_schema()
        return wh

    def close(self) -> None:
        if not self._closed:
            self.ibis.disconnect()
            self._closed = True

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def backend(self) -> Backend:
        return self.url.backend

    # ------------------------------------------------------------------ schema
    def ensure_schema(self) -> None:
        """Create every model table (and the load log) that does not exist yet."""
        statements = [t.ddl() for t in TABLES.values()] + [_LOAD_LOG_DDL]
        with self.transaction() as cur:
            for ddl in statements:
                cur.execute(ddl)

    # ------------------------------------------------------------------ reading
    def table(self, name: str) -> ibis.Table:
        """The Ibis table ``name`` (a model table, or the load log)."""
        try:
            return self.ibis.table(name)
        except Exception as exc:
            raise WarehouseError(
                f"table {name!r} is not in the warehouse {self.url}; run `obeya init` or load it"
            ) from exc

    def existing_tables(self) -> set[str]:
        return set(self.ibis.list_tables())

    def row_count(self, name: str) -> int:
        return int(self.table(name).count().execute())

    def sql_arrow(self, sql: str, params: list[Any] | None = None) -> pa.Table:
        """Run trusted, parameterised SQL (never user text) and return Arrow."""
        if self.backend is Backend.DUCKDB:
            return self.duckdb.execute(sql, params or []).to_arrow_table()
        with self.pg_cursor() as cur:
            cur.execute(sql.replace("?", "%s"), params or [])
            names = [d.name for d in cur.description or []]
            rows = cur.fetchall()
        return (
            pa.table({n: [r[i] for r in rows] for i, n in enumerate(names)})
            if names
            else pa.table({})
        )

    # ------------------------------------------------------------------ raw handles
    @property
    def duckdb(self) -> duckdb.DuckDBPyConnection:
        if self.backend is not Backend.DUCKDB:
            raise WarehouseError("this operation needs a DuckDB warehouse")
        return self.ibis.con  # type: ignore[attr-defined, no-any-return]

    @contextmanager
    def pg_cursor(self) -> Iterator[Any]:
        con = self.ibis.con  # type: ignore[attr-defined]
        with con.cursor() as cur:
            yield cur

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """A cursor inside one transaction: committed on success, rolled back on error."""
        if self.backend is Backend.DUCKDB:
            con = self.duckdb
            con.execute("BEGIN TRANSACTION")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")
        else:
            raw = self.ibis.con  # type: ignore[attr-defined]
            with raw.transaction(), raw.cursor() as cur:
                yield cur


def _open_duckdb(url: WarehouseUrl, *, read_only: bool, create: bool) -> BaseBackend:
    path = url.target
    if path != ":memory:":
        p = Path(path)
        if not p.exists() and (read_only or not create):
            raise WarehouseError(
                f"no warehouse at {path}: run `obeya init` or `obeya demo` first, "
                "or point --warehouse / OBEYA_WAREHOUSE at one"
            )
        if not p.parent.exists():
            raise WarehouseError(
                f"cannot create the warehouse {path}: folder {p.parent} does not exist"
            )
    limit = memory_limit()
    patience = lock_wait()
    deadline = time.monotonic() + patience
    while True:
        try:
            return ibis.duckdb.connect(database=path, read_only=read_only, memory_limit=limit)
        except duckdb.IOException as exc:
            # another process holds the file (the war room reads it for a moment per
            # request, a load writes it): wait for it rather than fail at once
            if "lock" not in str(exc).lower():
                raise
            if time.monotonic() >= deadline:
                raise WarehouseError(
                    f"the warehouse {path} is in use by another program and stayed so for "
                    f"{patience:g} s ({_first_line(exc)}); try again when it is done, or set "
                    f"{LOCK_ENV_VAR} to wait longer"
                ) from exc
            time.sleep(0.1)


def lock_wait() -> float:
    """Seconds to wait for another process's lock on a DuckDB file (``OBEYA_LOCK_WAIT``)."""
    raw = os.environ.get(LOCK_ENV_VAR, "").strip()
    if not raw:
        return DEFAULT_LOCK_WAIT
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 3600:
        raise WarehouseError(f"{LOCK_ENV_VAR}={raw!r} is not a number of seconds from 0 to 3600")
    return value


def memory_limit() -> str:
    """DuckDB's memory limit: ``OBEYA_MEMORY_LIMIT`` (such as 3GB or 512MB), else 3GB."""
    value = os.environ.get(MEMORY_ENV_VAR, "").strip() or DEFAULT_MEMORY_LIMIT
    if not _MEMORY.match(value):
        raise WarehouseError(
            f"{MEMORY_ENV_VAR}={value!r} is not an amount of memory; "
            "write a number and a unit such as 3GB, 512MB or 8GiB"
        )
    return value


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def model_table(name: str) -> Table:
    return TABLES[name]
