"""The warehouse connection: DuckDB (default) or PostgreSQL, read through Ibis."""

from obeya.warehouse.connection import (
    DEFAULT_MEMORY_LIMIT,
    DEFAULT_WAREHOUSE,
    LOAD_LOG,
    Backend,
    Warehouse,
    WarehouseUrl,
    resolve_url,
)

__all__ = [
    "DEFAULT_MEMORY_LIMIT",
    "DEFAULT_WAREHOUSE",
    "LOAD_LOG",
    "Backend",
    "Warehouse",
    "WarehouseUrl",
    "resolve_url",
]
