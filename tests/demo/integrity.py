"""Every integrity rule of the data model, as DuckDB queries over generated tables.

Used by the tests of the demo generator: ``violations`` returns one line per broken
rule (empty when the company is sound), so a failing test shows what broke.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import pyarrow as pa

from obeya.demo.arrow import arrow_schema
from obeya.model import TABLES, ColumnType

# Rules of the brief beyond the model's row rules (SQL true for a bad row).
EXTRA_RULES: dict[str, tuple[tuple[str, str], ...]] = {
    "order_lines": (
        ("shipped and delivered lines have a ship_date",
         "status IN ('shipped', 'delivered') AND ship_date IS NULL"),
        ("an open line has shipped nothing", "status = 'open' AND (qty_shipped > 0 OR ship_date IS NOT NULL)"),
        ("only a delivered line has a delivery_date", "status <> 'delivered' AND delivery_date IS NOT NULL"),
        ("promised_date >= order_date", "promised_date < order_date"),
        ("requested_date >= order_date", "requested_date < order_date"),
    ),
    "shipments": (("ship_date is not after the end", "ship_date > (SELECT max(order_date) FROM order_lines) + 40"),),
    "work_orders": (
        ("qty_good + qty_scrap is 0 before the start", "actual_start IS NULL AND qty_good + qty_scrap > 0"),
        ("an unfinished order has no end", "actual_start IS NULL AND actual_end IS NOT NULL"),
    ),
    "tickets": (("resolved after the first response or unresolved", "resolved_at < opened_at"),),
}  # fmt: skip


def register(tables: dict[str, list[pa.Table]]) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with each table (its chunks concatenated) registered."""
    con = duckdb.connect()
    for name, chunks in tables.items():
        con.register(name, pa.concat_tables(chunks))
    return con


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    rows = con.sql(sql).fetchall()
    return int(rows[0][0])


def violations(con: duckdb.DuckDBPyConnection, tables: dict[str, list[pa.Table]]) -> list[str]:
    """Every broken rule, as ``table.column: rule (n rows)``."""
    out: list[str] = []
    for name in TABLES:
        if name not in tables:
            out.append(f"{name}: missing")
            continue
        out += _schema_problems(name, tables[name])
        out += _table_problems(con, name)
    return out


def _schema_problems(name: str, chunks: Iterable[pa.Table]) -> list[str]:
    want = arrow_schema(name)
    return [
        f"{name}: chunk schema {chunk.schema} is not {want}"
        for chunk in chunks
        if not chunk.schema.equals(want)
    ]


def _table_problems(con: duckdb.DuckDBPyConnection, name: str) -> list[str]:
    table = TABLES[name]
    checks: list[tuple[str, str]] = []
    key = ", ".join(table.key)
    dup = f"SELECT count(*) FROM (SELECT {key} FROM {name} GROUP BY ALL HAVING count(*) > 1)"
    out = []
    if (n := _count(con, dup)) > 0:
        out.append(f"{name}: key ({key}) repeated in {n} groups")
    for c in table.columns:
        col = c.name
        if not c.may_be_empty or col in table.key:
            checks.append((f"{col} is empty", f"{col} IS NULL"))
        if c.references:
            ref_key = TABLES[c.references].key[0]
            checks.append(
                (
                    f"{col} not in {c.references}",
                    f"{col} IS NOT NULL AND {col} NOT IN (SELECT {ref_key} FROM {c.references})",
                )
            )
        if c.type is ColumnType.DECIMAL:
            checks.append((f"{col} not finite", f"NOT isfinite({col})"))
        if c.nonnegative:
            checks.append((f"{col} negative", f"{col} < 0"))
        if c.values:
            allowed = ", ".join(f"'{v}'" for v in c.values)
            checks.append((f"{col} not a code", f"{col} NOT IN ({allowed})"))
        if c.minimum is not None:
            checks.append((f"{col} below {c.minimum}", f"{col} < {c.minimum}"))
        if c.maximum is not None:
            checks.append((f"{col} above {c.maximum}", f"{col} > {c.maximum}"))
        if c.pattern:
            checks.append(
                (f"{col} not /{c.pattern}/", f"NOT regexp_full_match({col}, '{c.pattern}')")
            )
    checks += [(r.name, r.predicate) for r in table.rules]
    checks += list(EXTRA_RULES.get(name, ()))
    for rule, bad in checks:
        if (n := _count(con, f"SELECT count(*) FROM {name} WHERE {bad}")) > 0:
            out.append(f"{name}: {rule} ({n} rows)")
    return out
