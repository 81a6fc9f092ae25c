"""The rolling forecast from a hand-made warehouse: projection, landing, volatility, CLI.

The company: one site S1, one family F1 (sku A1). Units shipped per month:
2024: 10 in every month but November (20) and December (30); 2025 January..October: 12.
The ledger books the same every month from 2024-01 to 2025-10: revenue 120, material
60, direct labour 24, overhead 10, freight 6, warehousing 8, SG&A 20, other 2. The
budget for each month of 2025: revenue 130, material 65, labour 20, overhead 10,
freight 5, warehousing 8, SG&A 20, other 2.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pytest

from obeya.errors import DataError
from obeya.finance import (
    Driver,
    DriverKind,
    PnlLineCode,
    build_rolling_forecast,
    parse_scenario,
    rolling_inputs,
    run_scenario,
    scenario_base,
    simulate_landing,
)
from obeya.warehouse import Warehouse
from tests.clirun import run
from tests.finance.company import build, ledger, order_line

MONTHS_2024 = [f"2024-{m:02d}" for m in range(1, 13)]
MONTHS_2025 = [f"2025-{m:02d}" for m in range(1, 11)]
UNITS = dict.fromkeys(MONTHS_2024, 10.0) | {"2024-11": 20.0, "2024-12": 30.0}
UNITS |= dict.fromkeys(MONTHS_2025, 12.0)
MONTHLY_GL = {"revenue": 120, "cogs_material": 60, "cogs_labor": 24, "cogs_overhead": 10,
              "freight": 6, "warehousing": 8, "sga": 20, "other": 2}  # fmt: skip
MONTHLY_BUDGET = {"revenue": 130, "cogs_material": 65, "cogs_labor": 20, "cogs_overhead": 10,
                  "freight": 5, "warehousing": 8, "sga": 20, "other": 2}  # fmt: skip


def _facts() -> dict[str, list[dict[str, object]]]:
    months = [*MONTHS_2024, *MONTHS_2025]
    return {
        "order_lines": [
            order_line(f"O{i}", 1, "C1", "A1", "S1", f"{m}-15", UNITS[m], 10.0, 6.0)
            for i, m in enumerate(months)
        ],
        "gl_actuals": [row for m in months for row in ledger(m, "S1", MONTHLY_GL)],
        "budget": [
            row
            for m in [f"2025-{k:02d}" for k in range(1, 13)]
            for row in ledger(m, "S1", MONTHLY_BUDGET)
        ],
        # the operational sources of the trailing three months (for the driver display)
        "labor_hours": [
            {
                "work_date": f"{m}-10",
                "site_id": "S1",
                "department": "production",
                "headcount": 1,
                "regular_hours": 8,
                "overtime_hours": 0,
                "labor_cost": 40.0,
            }
            for m in ("2025-08", "2025-09", "2025-10")
        ],
        "shipments": [
            {
                "shipment_id": f"SH{m}",
                "site_id": "S1",
                "carrier_id": "K1",
                "mode": "truck",
                "ship_date": f"{m}-15",
                "delivery_date": None,
                "units": 12,
                "weight_kg": 10,
                "distance_km": 100,
                "freight_cost": 6.0,
            }
            for m in ("2025-08", "2025-09", "2025-10")
        ],
    }


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory) -> str:
    return build(tmp_path_factory.mktemp("rolling") / "w.duckdb", _facts())


def _copy(wh: str, tmp_path: Path) -> str:
    """A copy of the company to change (loading it again would take longer)."""
    path = tmp_path / "copy.duckdb"
    shutil.copyfile(wh, path)
    return str(path)


# Volume, fallback: level = trailing 12 months (2024-11..2025-10) / 12 = (20 + 30 + 10 x 12)
# / 12 = 170/12; 2024's monthly mean 150/12 = 12.5, so November's index 20/12.5 = 1.6 and
# December's 30/12.5 = 2.4: November 170/12 x 1.6 = 22.6667, December 170/12 x 2.4 = 34.
NOV, DEC = 170 / 12 * 1.6, 170 / 12 * 2.4
# Rates, 2025-08..10: 36 units; revenue 360 -> price 10; material 180 -> 5; labour 72 -> 2;
# freight 18 -> 0.5 per unit; fixed lines at run rate: 10 + 8 + 20 + 2 = 40 per month.
UNITS_LEFT = NOV + DEC  # 56.6667


def test_projection_and_landing_by_line(wh: str) -> None:
    with Warehouse.open(wh, create=False) as w:
        fc = build_rolling_forecast(w, "2025-10")
    assert fc.remaining_months == ("2025-11", "2025-12")
    assert fc.actual_months == tuple(MONTHS_2025)
    assert fc.volume_source.startswith(
        "fallback: trailing 12 months' units x the seasonality of 2024"
    )
    by_month = fc.cells.groupby("ym")["units"].sum().tolist()
    assert by_month == pytest.approx([NOV, DEC])
    land = {ln.line: ln for ln in fc.landing()}
    revenue = land[PnlLineCode.REVENUE]
    # actual 10 x 120 = 1200; projected 56.6667 x 10 = 566.6667; budget 12 x 130 = 1560.
    assert (revenue.actual_to_date, revenue.budget) == (1200, 1560)
    assert revenue.projected == pytest.approx(UNITS_LEFT * 10)
    assert revenue.variance == pytest.approx(1200 + UNITS_LEFT * 10 - 1560)
    assert land[PnlLineCode.COGS_MATERIAL].projected == pytest.approx(UNITS_LEFT * 5)
    assert land[PnlLineCode.COGS_LABOR].projected == pytest.approx(UNITS_LEFT * 2)
    assert land[PnlLineCode.FREIGHT].projected == pytest.approx(UNITS_LEFT * 0.5)
    assert land[PnlLineCode.SGA].projected == pytest.approx(2 * 20)
    # landing gross margin = 1766.667 - 883.333 - 353.333 - 120 = 410;
    # operating income = 410 - 88.333 - 96 - 240 - 24 = -38.333; budget 420 - 420 = 0.
    gm, oi = land[PnlLineCode.GROSS_MARGIN], land[PnlLineCode.OPERATING_INCOME]
    assert gm.landing == pytest.approx(410)
    assert oi.landing == pytest.approx(-38.3333333)
    assert oi.budget == pytest.approx(0)
    assert oi.favourability.value == "unfavourable"


def test_driver_display_names_the_operational_sources(wh: str) -> None:
    with Warehouse.open(wh, create=False) as w:
        rates = {r.name: r for r in build_rolling_forecast(w, "2025-10").rates}
    # labor_hours: 3 x 40 = 120 over 36 units = 3.33 per unit; the ledger books 72 of it
    # (60%) as direct labour, so 2.00 per unit. Shipments 18 / 36 = 0.50, all booked.
    assert rates["direct labour"].value == pytest.approx(2.0)
    assert rates["direct labour"].source == "labor_hours 3.33 per unit x 60.0% booked to cogs_labor"
    assert rates["freight"].source == "shipments 0.50 per unit x 100.0% booked to freight"
    assert rates["fixed costs"].value == pytest.approx(40)


def test_inputs_and_volatility_from_history(wh: str) -> None:
    with Warehouse.open(wh, create=False) as w:
        fc = build_rolling_forecast(w, "2025-10")
        inputs = rolling_inputs(w, "2025-10")
    assert inputs.planned_units == pytest.approx((NOV, DEC))
    # mix-weighted rates: price 566.667 / 56.667 = 10; material + labour 7; freight 0.5
    assert inputs.price.mean == pytest.approx(10)
    assert inputs.unit_cost.mean == pytest.approx(7)
    assert inputs.freight_rate.mean == pytest.approx(0.5)
    assert isinstance(inputs.fixed_costs, tuple)
    assert [f.mean for f in inputs.fixed_costs] == pytest.approx([40, 40])
    assert inputs.actual_revenue_to_date == 1200
    # costs to date: 600 + 240 + 100 + 60 + 80 + 200 + 20 = 1300
    assert inputs.actual_costs_to_date == pytest.approx(1300)
    v = fc.volatility
    # Residuals of the volume model over 2024-11..2025-10 (level 170/12; index 1.6, 2.4
    # and 0.8 for January..October): 20/22.667 - 1 = -2/17, 30/34 - 1 = -2/17, then ten
    # times 12/11.333 - 1 = 1/17. Centred: -2.5/17 twice, 0.5/17 ten times; sum of squares
    # 15/289, so sd = sqrt(15/289/11) = 0.068690; lag-1 autocorrelation (6.25 - 1.25 +
    # 9 x 0.25) / 15 = 7.25/15.
    assert v.volume_sd == pytest.approx(math.sqrt(15 / 289 / 11))
    assert v.volume_autocorrelation == pytest.approx(7.25 / 15)
    # Price per unit 120/u: 6, 4 and ten 10s: mean 110/12, sd sqrt(43.6667/11) = 1.992410,
    # relative 0.217354; material + labour (84/u) and freight (6/u) move the same way.
    assert v.price_sd == pytest.approx(math.sqrt((43 + 2 / 3) / 11) / (110 / 12))
    assert v.unit_cost_sd == pytest.approx(v.price_sd)
    assert v.freight_sd == pytest.approx(v.price_sd)
    assert v.fixed_sd == 0  # the fixed lines never moved
    assert inputs.price.sd == pytest.approx(10 * v.price_sd)
    # months i, j correlated by rho^|i-j|
    rho = 7.25 / 15
    assert np.asarray(inputs.volume_correlation) == pytest.approx(np.array([[1, rho], [rho, 1]]))


def test_driver_changes_move_only_the_projection(wh: str) -> None:
    with Warehouse.open(wh, create=False) as w:
        fc = build_rolling_forecast(
            w,
            "2025-10",
            drivers=[Driver(kind=DriverKind.PRICE, change=0.1), Driver(kind="wages", change=-0.5)],
        )
    land = {ln.line: ln for ln in fc.landing()}
    assert land[PnlLineCode.REVENUE].actual_to_date == 1200
    assert land[PnlLineCode.REVENUE].projected == pytest.approx(UNITS_LEFT * 10 * 1.1)
    assert land[PnlLineCode.COGS_LABOR].projected == pytest.approx(UNITS_LEFT * 2 * 0.5)


def test_stored_forecast_replaces_the_fallback(wh: str, tmp_path: Path) -> None:
    path = _copy(wh, tmp_path)
    with duckdb.connect(path) as con:
        con.execute(
            "CREATE TABLE forecasts (run_id VARCHAR, created_at TIMESTAMP, family VARCHAR, "
            "period VARCHAR, forecast DOUBLE)"
        )
        con.execute(
            "INSERT INTO forecasts VALUES "
            "('r1', '2025-10-01', 'F1', '2025-11', 100), ('r1', '2025-10-01', 'F1', '2025-12', 200),"
            "('r2', '2025-10-15', 'F1', '2025-11', 25)"
        )
    with Warehouse.open(path, create=False) as w:
        fc = build_rolling_forecast(w, "2025-10")
        plain = build_rolling_forecast(w, "2025-10", use_forecasts=False)
    # the latest run (r2) gives November 25; it has no December: the fallback's 34 stays
    assert fc.cells.groupby("ym")["units"].sum().tolist() == pytest.approx([25, DEC])
    assert fc.volume_source.startswith("forecasts run r2 (months it lacks: fallback")
    assert plain.cells["units"].sum() == pytest.approx(UNITS_LEFT)


def test_unusable_forecast_table_falls_back_with_a_note(wh: str, tmp_path: Path) -> None:
    path = _copy(wh, tmp_path)
    with duckdb.connect(path) as con:
        con.execute("CREATE TABLE forecasts (run_id VARCHAR, family VARCHAR, value DOUBLE)")
    with Warehouse.open(path, create=False) as w:
        fc = build_rolling_forecast(w, "2025-10")
    assert fc.volume_source.startswith("fallback")
    assert (
        "the forecasts table lacks a month column (period/date/ds/month), a value column "
        "(forecast/units/yhat/qty); using the fallback volume"
    ) in fc.notes


def test_as_of_without_ledger_is_refused(wh: str) -> None:
    with (
        Warehouse.open(wh, create=False) as w,
        pytest.raises(
            DataError, match=r"gl_actuals has no amounts for 2025-11; .* \(the latest is 2025-10\)"
        ),
    ):
        build_rolling_forecast(w, "2025-11")


def test_simulation_centres_on_the_projection(wh: str) -> None:
    with Warehouse.open(wh, create=False) as w:
        fc = build_rolling_forecast(w, "2025-10")
    sim = simulate_landing(fc.inputs(), paths=4000, seed=7)
    oi = {ln.line: ln for ln in fc.landing()}[PnlLineCode.OPERATING_INCOME].landing
    revenue = 1200 + UNITS_LEFT * 10
    assert sim.revenue.p10 < revenue < sim.revenue.p90
    # The mean of 4,000 paths sits within 1% of revenue of the deterministic landing.
    assert sim.operating_income.mean == pytest.approx(oi, abs=0.01 * revenue)


def test_forecast_command(capsys: pytest.CaptureFixture[str], wh: str) -> None:
    code, out, err = run(
        capsys, "pnl", "forecast", "--as-of", "2025-10", "--paths", "2000", "--seed", "1",
        "--price-change", "0.1", "-f", "json", "-w", wh,
    )  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    landing = {r["line"]: r for r in data["landing"]}
    assert landing["revenue"]["projected"] == pytest.approx(UNITS_LEFT * 11)
    assert landing["revenue"]["budget"] == 1560
    assert data["adjustments"] == ["price +10.0%"]
    assert set(data["range"]) == {"revenue", "costs", "operating_income", "paths", "seed"}
    assert data["range"]["paths"] == 2000
    q = data["range"]["operating_income"]
    assert q["p10"] <= q["p50"] <= q["p90"]
    code, out, _ = run(capsys, "pnl", "forecast", "--as-of", "2025-10", "--paths", "500", "-w", wh)
    assert code == 0
    assert "Landing 2025: actuals 2025-01..2025-10 + projection 2025-11..2025-12" in out
    assert "Full-year range, Monte Carlo 500 paths, seed 0" in out


def test_forecast_of_a_closed_year_has_no_range(wh: str, tmp_path: Path) -> None:
    path = _copy(wh, tmp_path)
    with duckdb.connect(path) as con:  # November and December booked like every month
        con.execute(
            "INSERT INTO gl_actuals (period, site_id, account, amount) "
            "SELECT p.period, site_id, account, amount FROM gl_actuals, "
            "(VALUES ('2025-11'), ('2025-12')) p(period) WHERE gl_actuals.period = '2025-10'"
        )
    with Warehouse.open(path, create=False) as w:
        fc = build_rolling_forecast(w)  # as_of: the last ledger month, 2025-12
    assert fc.as_of == "2025-12"
    assert fc.remaining_months == ()
    assert {ln.line: ln.landing for ln in fc.landing()}[PnlLineCode.REVENUE] == 12 * 120
    with pytest.raises(DataError, match="2025-12 is the last month of 2025: nothing is left"):
        fc.inputs()


def test_scenario_on_the_forecast_year_moves_only_the_projection(wh: str) -> None:
    spec = parse_scenario({"base": "forecast", "drivers": [{"kind": "price", "change": 0.02}]})
    with Warehouse.open(wh, create=False) as w:
        base = scenario_base(w, spec.base, "2025-10")
    revenue = run_scenario(spec, base).line(PnlLineCode.REVENUE)
    # base: the landing 1200 + 566.667; +2% on the projected 566.667 only = +11.333
    assert base.label == "forecast 2025 as of 2025-10"
    assert revenue.base == pytest.approx(1200 + UNITS_LEFT * 10)
    assert revenue.change == pytest.approx(UNITS_LEFT * 10 * 0.02)


def test_stored_forecast_by_sku_site_and_date(wh: str, tmp_path: Path) -> None:
    path = _copy(wh, tmp_path)
    with duckdb.connect(path) as con:
        con.execute(
            "CREATE TABLE forecasts (run_id VARCHAR, sku VARCHAR, site_id VARCHAR, ds DATE, "
            "yhat DOUBLE)"
        )
        # run 'b' is the greatest run_id (no created_at): weekly rows summed per month
        con.execute(
            "INSERT INTO forecasts VALUES ('a', 'A1', 'S1', '2025-11-03', 999), "
            "('b', 'A1', 'S1', '2025-11-03', 10), ('b', 'A1', 'S1', '2025-11-24', 5), "
            "('b', 'A1', 'S1', '2025-12-01', 40)"
        )
    with Warehouse.open(path, create=False) as w:
        fc = build_rolling_forecast(w, "2025-10")
    assert fc.volume_source == "forecasts run b"
    assert fc.cells.groupby("ym")["units"].sum().tolist() == pytest.approx([15, 40])
    # the rates still come from the ledger: revenue 55 units x 10
    assert fc.projected()[PnlLineCode.REVENUE] == pytest.approx(550)
