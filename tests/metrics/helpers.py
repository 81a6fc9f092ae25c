"""Small helpers to read rows of a KPI table in the tests."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest

from obeya.metrics import Grain, parse_period


def row(
    table: pa.Table, kpi: str, period: str, grain: Grain = Grain.MONTH, **members: str | None
) -> dict[str, Any]:
    """The one row of ``kpi`` in ``period`` for the given members."""
    start = parse_period(period, grain)
    found = [
        r
        for r in table.to_pylist()
        if r["kpi"] == kpi
        and r["period_start"] == start
        and all(r[k] == v for k, v in members.items())
    ]
    assert len(found) == 1, f"{len(found)} rows for {kpi} {period} {members}"
    return found[0]


def ratio(
    table: pa.Table, kpi: str, period: str, grain: Grain = Grain.MONTH, **members: str | None
) -> tuple[float, float, float]:
    """(numerator, denominator, value) of one row."""
    r = row(table, kpi, period, grain, **members)
    return r["numerator"], r["denominator"], r["value"]


def approx(value: float) -> Any:
    return pytest.approx(value, rel=1e-9, abs=1e-12)
