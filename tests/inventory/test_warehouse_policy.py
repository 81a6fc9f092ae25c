"""Inventory planning from the warehouse, on the hand-made company of ``company.py``.

Every expected figure is worked out by hand in the comments from the fixture's rows.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import special

from obeya.errors import ConfigError, DataError
from obeya.inventory import (
    GroupBy,
    InputSettings,
    OutlookSettings,
    PlannerSettings,
    ReviewPolicy,
    SeriesInputs,
    SiteNetworkSettings,
    gsm_tree,
    inventory_outlook,
    network_from_warehouse,
    parse_class_targets,
    plan_items_table,
    plan_policy,
    plan_summary,
    read_series_inputs,
)
from obeya.warehouse import Warehouse
from tests.inventory.company import AS_OF, add_forecasts, build_company

Z95 = 1.6448536269514722  # Phi^-1(0.95)


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> str:
    return build_company(tmp_path_factory.mktemp("inv") / "w.duckdb")


@pytest.fixture(scope="module")
def forecasted(company: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("fc") / "w.duckdb"
    shutil.copy(company, path)
    add_forecasts(str(path))
    return str(path)


def _inputs(path: str, **kw: Any) -> SeriesInputs:
    with Warehouse.open(path, read_only=True) as wh:
        return read_series_inputs(wh, InputSettings(as_of=AS_OF, **kw))


def _row(inputs: SeriesInputs, sku: str, site: str) -> int:
    found = np.flatnonzero((inputs.sku == sku) & (inputs.site_id == site))
    assert found.size == 1
    return int(found[0])


def test_statistics_from_the_warehouse(company: str) -> None:
    s = _inputs(company)
    assert list(zip(s.sku, s.site_id, strict=True)) == [
        ("A", "D1"),
        ("A", "P1"),
        ("B", "D1"),
        ("C", "D1"),
    ]
    a, b = 0, 2
    # A at D1: 80/120 alternating over 26 weeks; the cancelled 500 and the order after
    # as-of are left out: mean 100, sd sqrt(26 * 400 / 25) = sqrt(416).
    assert s.history_mean[a] == pytest.approx(100.0)
    assert s.history_sd[a] == pytest.approx(math.sqrt(416.0))
    # B at D1: two weeks of 26: mean 52 / 26 = 2, var (1352 - 104) / 25 = 49.92.
    assert s.history_mean[b] == pytest.approx(2.0)
    assert s.history_sd[b] == pytest.approx(math.sqrt(49.92))
    assert s.history[a, :2].tolist() == [80.0, 120.0]
    assert s.weeks[0].isoformat() == "2024-12-30"
    # Lead time of A at D1: receipts of 14, 21, 28 days (the 100-day one of 2023 is
    # outside the year): mean 21, sample sd sqrt((49 + 0 + 49) / 2) = 7.
    assert s.lead_time_mean_days.tolist() == [21.0, 21.0, 35.0, 14.0]
    assert s.lead_time_sd_days.tolist() == [7.0, 0.0, 0.0, 0.0]
    assert s.lead_time_source.tolist() == ["receipts", "contract", "contract", "default"]
    # Latest snapshot only: 300 (not the older 999), 50, 40, 10.
    assert s.on_hand.tolist() == [300.0, 50.0, 40.0, 10.0]
    assert s.demand_source.tolist() == ["history"] * 4


def test_default_lead_time_is_a_setting(company: str) -> None:
    s = _inputs(company, default_lead_time_days=28.0)
    assert s.lead_time_mean_days[3] == 28.0


def test_policy_rows_and_totals_by_hand(company: str) -> None:
    plan = plan_policy(_inputs(company), PlannerSettings())
    a = 0
    # A at D1: d = 100, sd_d^2 = 416, L = 21/7 = 3 weeks, sd_L = 1 week.
    # sigma_L = sqrt(3 * 416 + 100^2 * 1) = sqrt(11248) = 106.0566; SS = z * sigma_L.
    sigma = math.sqrt(11248.0)
    assert plan.continuous.safety_stock[a] == pytest.approx(Z95 * sigma)
    assert plan.continuous.reorder_point[a] == pytest.approx(300.0 + Z95 * sigma)
    # EOQ = sqrt(2 * 5200 * 50 / (0.25 * 10)) = sqrt(208000) = 456.0702.
    assert plan.continuous.order_quantity[a] == pytest.approx(math.sqrt(208000.0))
    # (R, S) with R = 1: sigma = sqrt(4 * 416 + 10000) = sqrt(11664) = 108 exactly;
    # S = 100 * 4 + z * 108 = 577.6442.
    assert plan.periodic.order_up_to_level[a] == pytest.approx(400.0 + Z95 * 108.0)
    # Classes: A at D1 holds 52,000 of 52,520 of annual value -> A; CV 0.204 -> X.
    assert plan.classes.combined.tolist() == ["AX", "CZ", "CZ", "CZ"]
    # B at D1 is phase_out -> newsvendor for 13 weeks: mean 26, sd 7.06541 * sqrt(13)
    # = 25.4748; ratio (8 - 5) / 8 = 0.375; Q = 26 + Phi^-1(0.375) * 25.4748 = 17.8827.
    sd_b = math.sqrt(49.92) * math.sqrt(13.0)
    q_b = 26.0 + float(special.ndtri(0.375)) * sd_b
    assert q_b == pytest.approx(17.8827, abs=1e-4)
    assert plan.newsvendor.tolist() == [False, False, True, False]
    assert plan.newsvendor_quantity[2] == pytest.approx(q_b)
    assert plan.method.tolist() == ["continuous", "continuous", "newsvendor", "continuous"]
    # Target stock of A at D1: SS + Q/2 = 174.4477 + 228.0351 = 402.4828, value 4024.83
    # against 300 * 10 = 3000 on hand: 1024.83 needed.
    target_a = Z95 * sigma + math.sqrt(208000.0) / 2.0
    assert plan.target_value[a] == pytest.approx(10.0 * target_a)
    by_site = {r["site_id"]: r for r in plan_summary(plan, GroupBy.SITE).to_pylist()}
    d1 = by_site["D1"]
    # D1: target 10 * 402.4828 + 5 * 17.8827 + 0 = 4114.24; today 3000 + 200 + 20 = 3220.
    assert d1["items"] == 3
    assert d1["target_investment"] == pytest.approx(10.0 * target_a + 5.0 * q_b)
    assert d1["current_value"] == pytest.approx(3220.0)
    assert d1["money_needed"] == pytest.approx(10.0 * target_a - 3000.0)
    # Released: B (200 - 89.41) and C (20 - 0).
    assert d1["money_released"] == pytest.approx(200.0 - 5.0 * q_b + 20.0)
    assert d1["net_change"] == pytest.approx(d1["target_investment"] - 3220.0)
    # P1: A with no demand holds nothing; its 50 * 10 = 500 is released.
    assert by_site["P1"]["money_released"] == pytest.approx(500.0)
    assert by_site["P1"]["target_investment"] == 0.0
    total = by_site["all"]
    # Turns: cost of goods 5200 * 10 + 104 * 5 = 52,520 over the target investment.
    assert total["annual_cogs"] == pytest.approx(52520.0)
    assert total["expected_turns"] == pytest.approx(52520.0 / total["target_investment"])
    assert total["current_turns"] == pytest.approx(52520.0 / 3720.0)
    by_class = {r["class"]: r for r in plan_summary(plan, GroupBy.CLASS).to_pylist()}
    assert set(by_class) == {"AX", "CZ", "all"}
    assert by_class["all"]["net_change"] == pytest.approx(total["net_change"])


def test_class_targets_and_fill_rate(company: str) -> None:
    inputs = _inputs(company)
    plan = plan_policy(inputs, PlannerSettings(class_targets={"AX": 0.99}))
    assert plan.service_level.tolist() == [0.99, 0.95, 0.95, 0.95]
    sigma = math.sqrt(11248.0)
    assert plan.continuous.safety_stock[0] == pytest.approx(float(special.ndtri(0.99)) * sigma)
    items = plan_items_table(plan).to_pylist()
    assert items[0]["service_level"] == 0.99
    assert items[0]["class"] == "AX"
    periodic = plan_policy(inputs, PlannerSettings(policy=ReviewPolicy.PERIODIC))
    # (R, S) with R = 1 holds SS + d R / 2 = z * 108 + 50 on average.
    assert periodic.target_stock[0] == pytest.approx(Z95 * 108.0 + 50.0)


def test_parse_class_targets() -> None:
    assert parse_class_targets("ax=0.98, CZ=0.85") == {"AX": 0.98, "CZ": 0.85}
    with pytest.raises(ConfigError, match="unknown class 'QX'; classes are AX, AY"):
        parse_class_targets("QX=0.9")
    with pytest.raises(ConfigError, match="strictly between 0 and 1"):
        parse_class_targets("AX=98")
    with pytest.raises(ConfigError, match="write CLASS=LEVEL"):
        parse_class_targets("AX")
    with pytest.raises(ConfigError, match=r"service level = 1\.5"):
        PlannerSettings(service_level=1.5)


def test_forecast_run_and_backtest_errors(forecasted: str) -> None:
    s = _inputs(forecasted)
    assert s.run is not None
    assert s.run.run_id == "r2"
    # A at D1: latest run forecasts 150 a week; the ets backtest errors +30, -30 give
    # RMSE 30 (the naive model's +-60 is not the model the run uses).
    assert s.demand_mean[0] == pytest.approx(150.0)
    assert s.demand_sd[0] == pytest.approx(30.0)
    assert s.sd_source[0] == "backtest"
    # B at D1: the adjusted 6 wins over the statistical 4; no backtest -> history sd.
    b = _row(s, "B", "D1")
    assert s.demand_mean[b] == pytest.approx(6.0)
    assert s.demand_sd[b] == pytest.approx(math.sqrt(49.92))
    assert s.demand_class[b] == "seasonal"
    older = _inputs(forecasted, run_id="r1")
    assert older.demand_mean[0] == pytest.approx(60.0)
    assert older.sd_source[0] == "history"
    with pytest.raises(DataError, match="forecast run 'nope' is not in forecast_runs"):
        _inputs(forecasted, run_id="nope")


def test_projection_by_hand(company: str) -> None:
    with Warehouse.open(company, read_only=True) as wh:
        outlook = inventory_outlook(wh, OutlookSettings(weeks=6, excess_weeks=12))
    # Snapshot Sunday 2025-06-29 -> week 0 starts Monday 2025-06-30. No forecast run,
    # so each week takes the 26-week history mean.
    assert outlook.start_week.isoformat() == "2025-06-30"
    assert outlook.forecast_source.startswith("order-line history")
    items = outlook.items.set_index(["sku", "site_id"])
    a = items.loc[("A", "D1")]
    # A at D1: 300 on hand, 100 arriving in week 2, 100 a week of demand:
    # balances 200, 100, 100, 0, -100, -200 -> first stock-out week 4 (2025-07-28),
    # 200 units short, 200 * 20 = 4000 of revenue at risk.
    assert a["first_stockout_week"].isoformat() == "2025-07-28"
    assert a["units_short"] == pytest.approx(200.0)
    assert a["revenue_at_risk"] == pytest.approx(4000.0)
    assert a["scheduled_receipts"] == pytest.approx(100.0)
    b = items.loc[("B", "D1")]
    # B at D1: the open line is promised after the horizon; 40 on hand, 2 a week:
    # week 0 holds 38 against 12 weeks x 2 = 24 ahead: 14 in excess, 14 * 5 = 70.
    assert b["scheduled_receipts"] == 0.0
    assert b["first_stockout_week"] is None
    assert b["excess_units"] == pytest.approx(14.0)
    assert b["excess_value"] == pytest.approx(70.0)
    # A at P1: 50 on hand + 30 overdue (counted in week 0), no demand: 80 * 10 = 800.
    assert items.loc[("A", "P1")]["excess_value"] == pytest.approx(800.0)
    by_site = {r["site_id"]: r for r in outlook.by_site.to_pylist()}
    assert by_site["D1"]["stockout_items"] == 1
    # D1 excess: B 70 + C 10 * 2 = 20 (A is short, no excess).
    assert by_site["D1"]["excess_value"] == pytest.approx(90.0)
    assert by_site["all"]["revenue_at_risk"] == pytest.approx(4000.0)
    assert [r["sku"] for r in outlook.stockouts.to_pylist()] == ["A"]
    assert outlook.excess.to_pylist()[0]["sku"] == "A"  # 800 is the largest excess


def test_projection_reads_the_forecast_run(forecasted: str) -> None:
    with Warehouse.open(forecasted, read_only=True) as wh:
        outlook = inventory_outlook(wh, OutlookSettings(weeks=6, excess_weeks=12))
    a = outlook.items.set_index(["sku", "site_id"]).loc[("A", "D1")]
    # Run r2: 150 a week in weeks 0-3; weeks 4-5 are past the run and take its mean,
    # 150. Balances 150, 0, -50, ... -> first stock-out week 2 (2025-07-14); the
    # deepest balance 300 + 100 - 900 = -500 -> 500 short, 10,000 at risk.
    assert outlook.forecast_source == "forecast run r2"
    assert a["first_stockout_week"].isoformat() == "2025-07-14"
    assert a["units_short"] == pytest.approx(500.0)
    assert a["revenue_at_risk"] == pytest.approx(10000.0)


def test_network_from_the_warehouse(company: str) -> None:
    with Warehouse.open(company, read_only=True) as wh:
        derived = network_from_warehouse(wh, SiteNetworkSettings(as_of=AS_OF))
    nodes = {n.id: n for n in derived.network.nodes}
    assert set(nodes) == {"suppliers>P1", "P1", "D1<P1", "D1"}
    # P1's supplier: no receipts at P1, S1's contract 21 days -> 3 weeks.
    assert nodes["suppliers>P1"].processing_time == 3
    assert nodes["suppliers>P1"].holding_cost == pytest.approx(8.0 * 0.25 / 52.0)
    # Work orders of A every 7 days -> production cycle 1 week.
    assert nodes["P1"].predecessors == ("suppliers>P1",)
    assert nodes["P1"].processing_time == 1
    assert nodes["P1"].demand_sd == 0.0
    # A is made at P1, so D1's A demand is the stage D1<P1 (mean 100, sd sqrt(416)).
    assert nodes["D1<P1"].predecessors == ("P1",)
    assert nodes["D1<P1"].processing_time == 1
    assert nodes["D1<P1"].demand_mean == pytest.approx(100.0)
    assert nodes["D1<P1"].demand_sd == pytest.approx(math.sqrt(416.0))
    assert nodes["D1<P1"].holding_cost == pytest.approx(10.0 * 0.25 / 52.0)
    # D1's bought B: receipts at D1 average 21 days -> 3 weeks; sd sqrt(49.92).
    assert nodes["D1"].predecessors == ()
    assert nodes["D1"].processing_time == 3
    assert nodes["D1"].demand_sd == pytest.approx(math.sqrt(49.92))
    result = gsm_tree(derived.network)
    # D1 stands alone: S = 0, SI = 0, NRT = 3 -> SS = z * sqrt(49.92) * sqrt(3).
    assert result.nodes["D1"].safety_stock == pytest.approx(Z95 * math.sqrt(49.92 * 3.0))
    # The chain suppliers>P1 -> P1 -> D1<P1 covers 3 + 1 + 1 = 5 weeks in total.
    chain = ["suppliers>P1", "P1", "D1<P1"]
    assert sum(result.nodes[k].net_replenishment_time for k in chain) == 5
    assert derived.as_dict()["nodes"][0]["id"] == "suppliers>P1"


def test_empty_warehouse_is_refused(tmp_path: Path) -> None:
    with Warehouse.open(str(tmp_path / "e.duckdb")) as wh:
        with pytest.raises(DataError, match="order_lines is empty"):
            read_series_inputs(wh)
        with pytest.raises(DataError, match="inventory_snapshots is empty"):
            inventory_outlook(wh)


def test_warehouse_modules_are_exported() -> None:
    import obeya.inventory as inventory
    from obeya.inventory import (
        network_from_sites,
        outlook,
        planner,
        policy_check,
        warehouse_inputs,
    )

    exported = set(inventory.__all__)
    for module in (network_from_sites, outlook, planner, policy_check, warehouse_inputs):
        assert set(module.__all__) <= exported, module.__name__
