"""The operations data model: tables, columns, keys and integrity rules."""

from obeya.model.schema import (
    MODEL_VERSION,
    TABLES,
    Column,
    ColumnType,
    RowRule,
    Table,
    TableKind,
    load_order,
    table,
)

__all__ = [
    "MODEL_VERSION",
    "TABLES",
    "Column",
    "ColumnType",
    "RowRule",
    "Table",
    "TableKind",
    "load_order",
    "table",
]
