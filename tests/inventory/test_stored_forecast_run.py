"""The inventory policy takes demand and its error from a run stored by ``obeya.demand``.

The company of ``company.py`` (as of Sunday 2025-06-29; A at D1 lead time 21 days,
sd 7 days, from its receipts). A weekly run ``s1`` is stored through the demand
module's own writer (``store_run``): A at D1 forecast 150 a week for the four weeks
from Monday 2025-06-30 with model ``ets``, whose backtest errors are +30 and -30 (the
``naive`` candidate's +-60 is not the model used); B at D1 forecast 4 a week,
adjusted by a planner to 6, without backtests.

A at D1: d = 150 a week, sd = RMSE 30, L = 3 weeks, sd_L = 1 week:
sigma_L = sqrt(3 x 30^2 + 150^2 x 1^2) = sqrt(25,200) = 158.745; at 95 % the safety
stock is z x sigma_L = 1.6449 x 158.745 = 261.11 and the reorder point 450 + 261.11.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from obeya.inventory import InputSettings, PlannerSettings, plan_policy, read_series_inputs
from obeya.warehouse import Warehouse
from tests.demand.test_stored import store_hand_made
from tests.inventory.company import AS_OF, build_company

Z95 = 1.6448536269514722  # Phi^-1(0.95)


def test_policy_uses_the_stored_run(tmp_path: Path) -> None:
    path = build_company(tmp_path / "w.duckdb")
    weeks = [date(2025, 6, 30) + timedelta(weeks=k) for k in range(4)]
    cutoff = date(2025, 5, 25)
    with Warehouse.open(path) as wh:
        store_hand_made(
            wh,
            "s1",
            created_at=datetime(2025, 6, 29, 20, 0),
            grain="week",
            as_of=AS_OF,
            forecasts=[
                *[("A", "D1", w, "ets", "smooth", 150.0, None) for w in weeks],
                *[("B", "D1", w, "croston_sba", "lumpy", 4.0, 6.0) for w in weeks],
            ],
            backtests=[
                ("A", "D1", cutoff, date(2025, 6, 2), "ets", 100.0, 130.0),
                ("A", "D1", cutoff, date(2025, 6, 9), "ets", 100.0, 70.0),
                ("A", "D1", cutoff, date(2025, 6, 2), "naive", 100.0, 160.0),
                ("A", "D1", cutoff, date(2025, 6, 9), "naive", 100.0, 40.0),
            ],
        )
    with Warehouse.open(path, read_only=True) as wh:
        inputs = read_series_inputs(wh, InputSettings(as_of=AS_OF))
    assert inputs.run is not None
    assert inputs.run.run_id == "s1"
    a = int(((inputs.sku == "A") & (inputs.site_id == "D1")).nonzero()[0][0])
    b = int(((inputs.sku == "B") & (inputs.site_id == "D1")).nonzero()[0][0])
    assert (inputs.demand_source[a], inputs.sd_source[a]) == ("forecast", "backtest")
    assert inputs.demand_mean[a] == pytest.approx(150.0)
    assert inputs.demand_sd[a] == pytest.approx(30.0)
    assert inputs.demand_mean[b] == pytest.approx(6.0)  # the planner's figure
    assert inputs.sd_source[b] == "history"  # no backtest: the order-history sd
    assert inputs.demand_class[b] == "lumpy"
    plan = plan_policy(inputs, PlannerSettings())
    sigma = math.sqrt(3 * 30.0**2 + 150.0**2 * 1.0**2)
    assert sigma == pytest.approx(158.745, abs=1e-3)
    assert plan.continuous.safety_stock[a] == pytest.approx(Z95 * sigma)
    assert plan.continuous.reorder_point[a] == pytest.approx(3 * 150.0 + Z95 * sigma)
