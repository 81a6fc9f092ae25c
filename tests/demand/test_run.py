"""The whole run on a small warehouse: forecasts, coherence, overrides, storage."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

import obeya.demand as demand
from obeya.demand import Grain, Level, demand_series, list_runs, read_run, run_forecast
from obeya.errors import WarehouseError
from obeya.warehouse import Warehouse
from tests.demand.helpers import cheap_candidates
from tests.demand.warehouse_fixtures import load_history


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    wh = Warehouse.open(str(tmp_path / "w.duckdb"))
    load_history(wh)
    return wh


def test_run_stores_and_reads_back(warehouse: Warehouse, tmp_path: Path) -> None:
    overrides = tmp_path / "ov.csv"
    first_week = demand_series(warehouse).end + timedelta(weeks=1)
    overrides.write_text(
        f"sku,site_id,period,value,percent,who,why\nA1,DAL,{first_week},99,,ann,trade show\n"
    )

    run = run_forecast(
        warehouse,
        Grain.WEEK,
        horizon=4,
        windows=2,
        candidates=cheap_candidates(),
        overrides=overrides,
    )
    # 3 SKU x site series x 4 weeks, each with its class, model and ordered intervals
    assert run.forecasts.num_rows == 12
    f = run.forecasts.to_pylist()
    assert {r["sku"] for r in f} == {"A1", "B2", "C3"}
    for r in f:
        assert 0 <= r["lo95"] <= r["lo80"] <= r["forecast"] <= r["hi80"] <= r["hi95"]
        # Croston and ADIDA have no intervals of their own: conformal from the backtest
        expected = "conformal" if r["model"] in {"croston_sba", "adida"} else "model"
        assert r["interval"] == expected
    a1 = [r for r in f if r["sku"] == "A1"]
    assert a1[0]["adjusted"] == 99.0
    assert a1[1]["adjusted"] == a1[1]["forecast"]
    assert run.overrides_log.to_pylist()[0]["after"] == 99.0
    # levels stay coherent after the override: total = sum of SKU x site, per week
    levels = run.levels.to_pylist()
    for week in {r["period_start"] for r in levels}:
        total = next(
            r for r in levels if r["level"] == Level.TOTAL.value and r["period_start"] == week
        )
        bottom = [
            r for r in levels if r["level"] == Level.SKU_SITE.value and r["period_start"] == week
        ]
        assert total["reconciled"] == pytest.approx(sum(b["reconciled"] for b in bottom), abs=1e-6)
        assert total["adjusted"] == pytest.approx(sum(b["adjusted"] for b in bottom), abs=1e-6)
    assert {t.step for t in run.timings} >= {"extract", "backtest", "reconcile", "store"}
    assert run.accuracy.overall.num_rows == 1

    stored = read_run(warehouse, run.run_id)
    assert stored.grain == "week"
    assert stored.horizon == 4
    assert stored.as_of == run.as_of
    assert stored.params["windows"] == 2
    assert stored.params["reconciliation"] == run.reconcile_method.value
    assert (
        stored.forecasts.column("adjusted").to_pylist()
        == run.forecasts.column("adjusted").to_pylist()
    )
    assert np.allclose(
        stored.forecasts.column("hi95").to_numpy(), run.forecasts.column("hi95").to_numpy()
    )
    bottom_ids = pa.array(["A1@DAL", "B2@LYO", "C3@DAL"])
    bottom_rows = run.backtest.forecasts.filter(
        pc.is_in(run.backtest.forecasts.column("unique_id"), value_set=bottom_ids)
    )
    assert stored.backtests.num_rows == bottom_rows.num_rows > 0
    assert set(stored.backtests.column("cutoff").to_pylist()) == set(run.backtest.cutoffs)
    assert stored.overrides.to_pylist()[0]["who"] == "ann"
    assert run.run_id in list_runs(warehouse).column("run_id").to_pylist()


def test_unknown_run_is_an_error(warehouse: Warehouse) -> None:
    demand.ensure_forecast_tables(warehouse)
    with pytest.raises(WarehouseError, match="no forecast run 'nope'"):
        read_run(warehouse, "nope")


def test_public_names_exist() -> None:
    for name in demand.__all__:
        assert hasattr(demand, name), name
    assert sorted(demand.__all__) == sorted(set(demand.__all__))


@pytest.mark.postgres
def test_run_on_postgres_matches_duckdb(warehouse: Warehouse, pg_url: str) -> None:
    pg = Warehouse.open(pg_url)
    try:
        load_history(pg)
        kwargs = {"horizon": 3, "windows": 2, "candidates": cheap_candidates()}
        on_pg = run_forecast(pg, "week", **kwargs)  # type: ignore[arg-type]
        on_duck = run_forecast(warehouse, "week", **kwargs)  # type: ignore[arg-type]
        stored = read_run(pg, on_pg.run_id)
        assert stored.forecasts.num_rows == on_duck.forecasts.num_rows == 9
        assert np.allclose(
            stored.forecasts.column("forecast").to_numpy(),
            on_duck.forecasts.column("forecast").to_numpy(),
        )
        assert stored.backtests.num_rows == read_run(warehouse, on_duck.run_id).backtests.num_rows
    finally:
        pg.close()
