"""Helpers shared by the warehouse-reading finance engines: the connection, months.

Months are handled as integers ``ym = 12 * year + month - 1`` so that month
arithmetic is plain integer arithmetic; :func:`month_label` turns one back into
``YYYY-MM``. Every query aggregates in the database and returns a small frame.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import ibis.expr.types as ir
from ibis.common.exceptions import IbisError, TableNotFound

from obeya.errors import ConfigError, WarehouseError

__all__ = [
    "backend",
    "has_table",
    "month_first_day",
    "month_index",
    "month_label",
    "month_last_day",
    "months_range",
    "require_table",
    "ship_month",
]

_PERIOD = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


def backend(source: Any) -> Any:
    """The Ibis backend of a :class:`~obeya.warehouse.Warehouse`, or ``source`` itself."""
    return getattr(source, "ibis", source)


def has_table(con: Any, name: str) -> bool:
    return name in set(con.list_tables())


def require_table(con: Any, name: str, purpose: str) -> ir.Table:
    """The Ibis table ``name``, or a :class:`WarehouseError` saying what needs it."""
    try:
        return con.table(name)
    except (TableNotFound, IbisError) as exc:
        raise WarehouseError(
            f"the warehouse has no table {name!r} ({exc}); load it before running {purpose}"
        ) from None


def month_index(period: str) -> int:
    """``YYYY-MM`` as the integer 12 * year + month - 1."""
    match = _PERIOD.fullmatch(period)
    if match is None:
        raise ConfigError(f"a month is written YYYY-MM (e.g. 2025-03), got {period!r}")
    return 12 * int(match.group(1)) + int(match.group(2)) - 1


def month_label(ym: int) -> str:
    return f"{ym // 12:04d}-{ym % 12 + 1:02d}"


def months_range(first: int, last: int) -> tuple[str, ...]:
    """The labels of the months ``first`` through ``last`` (inclusive)."""
    return tuple(month_label(m) for m in range(first, last + 1))


def month_first_day(ym: int) -> dt.date:
    return dt.date(ym // 12, ym % 12 + 1, 1)


def month_last_day(ym: int) -> dt.date:
    return month_first_day(ym + 1) - dt.timedelta(days=1)


def ship_month(t: ir.Table) -> ir.IntegerValue:
    """The month index of ``t.ship_date`` as an Ibis expression."""
    date = t.ship_date
    return date.year() * 12 + date.month() - 1
