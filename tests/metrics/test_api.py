"""The public surface of obeya.metrics is what __all__ says, and results convert to JSON."""

from __future__ import annotations

import importlib
import json
from datetime import date

import pytest

import obeya.metrics as metrics
from obeya.errors import ConfigError, DataError
from obeya.metrics import RESULT_COLUMNS, evaluate
from obeya.warehouse import Warehouse


@pytest.mark.parametrize(
    "module",
    [
        "catalog",
        "docs",
        "drivers",
        "engine",
        "expressions",
        "loader",
        "measures",
        "periods",
        "rules",
        "scorecard",
        "spec",
        "targets",
    ],
)
def test_module_all_is_honest(module: str) -> None:
    mod = importlib.import_module(f"obeya.metrics.{module}")
    for name in mod.__all__:
        assert hasattr(mod, name), f"{module}.{name}"


def test_all_names_exist_and_are_public() -> None:
    for name in metrics.__all__:
        assert getattr(metrics, name) is not None, name
    assert len(set(metrics.__all__)) == len(metrics.__all__)
    for name in (
        "load_catalog",
        "catalog_for",
        "compute",
        "evaluate",
        "explain",
        "scorecard",
        "render_kpi_docs",
    ):
        assert name in metrics.__all__


def test_result_rows_are_json(company: Warehouse) -> None:
    result = evaluate(
        company,
        ["otd"],
        "month",
        by=["site"],
        start="2025-01",
        end="2025-01",
        as_of=date(2025, 3, 31),
    )
    assert result.table.column_names == ["kpi", "period_start", "site", *RESULT_COLUMNS]
    rows = result.to_rows()
    assert json.loads(json.dumps(rows)) == rows
    assert rows[0]["period_start"] == "2025-01-01"
    assert {r["site"] for r in rows} == {"ATL", "DAL"}
    assert result.value("otd", "2025-01", site="DAL") == 1.0


def test_bad_arguments_are_refused() -> None:
    wh = Warehouse.open(":memory:")
    try:
        with pytest.raises(ConfigError, match="unknown dimension 'region'"):
            evaluate(wh, ["otd"], by=["region"], as_of="2025-01-31")
        with pytest.raises(ConfigError, match="as_of 'yesterday' is not a date"):
            evaluate(wh, ["otd"], as_of="yesterday")
        with pytest.raises(ConfigError, match="start 2025-03 is after the last period 2025-01"):
            evaluate(wh, ["otd"], start="2025-03", as_of="2025-01-31")
        with pytest.raises(DataError, match="the tables these KPIs read are empty"):
            evaluate(wh, ["otd"])
    finally:
        wh.close()
