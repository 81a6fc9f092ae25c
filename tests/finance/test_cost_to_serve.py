"""Cost to serve on a tiny company, allocated by hand; the whale curve's shape.

November 2025, settings: ticket cost 5, return handling 2, cost of capital 8%, half of
handling driven by order lines and half by units.

* Order lines: C1 (terms 30 days) O1: A1 10 x 20 = 200 (cost 60) and B1 20 x 8 = 160
  (cost 60): 2 lines, 30 units, revenue 360, cogs 120. C2 (terms 60) O2: A1 5 x 22 =
  110 (cost 30): 1 line, 5 units. An October line of C1 is outside the window.
* Shipments: O1 freight 9, O2 freight 60, one without an order 7 (total 76); October 1000.
* Labour: warehouse 70 and production 30 on 2025-11-03; the ledger books 20 as direct
  labour in November, so handling = 100 - 20 = 80 (or 70 for --departments warehouse).
* Returns: C1 refund 10; C2 2 units of B1 without refund: 2 x unit cost 3 = 6.
* Tickets: C1 P1 (weight 4), C2 P3 (1), C3 P4 (0.5), one without customer P2 (2).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from obeya.errors import ConfigError, SpecError
from obeya.finance import (
    CostToServeSettings,
    cost_to_serve,
    load_cost_to_serve_settings,
    loss_drivers,
    whale_curve,
)
from obeya.warehouse import Warehouse
from tests.clirun import run
from tests.finance.company import build, ledger, order_line


def _shipment(
    sid: str, day: str, freight: float, order: str | None, units: float
) -> dict[str, object]:
    return {"shipment_id": sid, "site_id": "S1", "carrier_id": "K1", "mode": "truck",
            "ship_date": day, "delivery_date": None, "units": units, "weight_kg": 1,
            "distance_km": 1, "freight_cost": freight, "order_id": order}  # fmt: skip


def _ticket(tid: str, customer: str | None, priority: str, at: str) -> dict[str, object]:
    return {"ticket_id": tid, "customer_id": customer, "opened_at": at, "first_response_at": None,
            "resolved_at": None, "priority": priority, "sla_hours": 24, "escalated": False}  # fmt: skip


FACTS = {
    "order_lines": [
        order_line("O1", 1, "C1", "A1", "S1", "2025-11-03", 10, 20.0, 6.0),
        order_line("O1", 2, "C1", "B1", "S1", "2025-11-03", 20, 8.0, 3.0),
        order_line("O2", 1, "C2", "A1", "S2", "2025-11-20", 5, 22.0, 6.0),
        order_line("O0", 1, "C1", "A1", "S1", "2025-10-05", 100, 20.0, 6.0),
    ],
    "shipments": [
        _shipment("SH1", "2025-11-03", 9, "O1", 30),
        _shipment("SH2", "2025-11-20", 60, "O2", 5),
        _shipment("SH3", "2025-11-21", 7, None, 4),
        _shipment("SH0", "2025-10-05", 1000, "O0", 100),
    ],
    "labor_hours": [
        {
            "work_date": day,
            "site_id": "S1",
            "department": dep,
            "headcount": 1,
            "regular_hours": 8,
            "overtime_hours": 0,
            "labor_cost": cost,
        }
        for day, dep, cost in (
            ("2025-11-03", "warehouse", 70.0),
            ("2025-11-03", "production", 30.0),
            ("2025-10-03", "warehouse", 500.0),
        )
    ],
    "gl_actuals": ledger("2025-11", "S1", {"revenue": 470, "cogs_labor": 20}),
    "returns": [
        {
            "return_id": "R1",
            "order_id": "O1",
            "sku": "A1",
            "customer_id": "C1",
            "return_date": "2025-11-10",
            "qty": 1,
            "reason": "damaged",
            "refund_amount": 10.0,
        },
        {
            "return_id": "R2",
            "order_id": "O2",
            "sku": "B1",
            "customer_id": "C2",
            "return_date": "2025-11-25",
            "qty": 2,
            "reason": "wrong item",
            "refund_amount": None,
        },
    ],
    "tickets": [
        _ticket("T1", "C1", "P1", "2025-11-05 10:00:00"),
        _ticket("T2", "C2", "P3", "2025-11-06 10:00:00"),
        _ticket("T3", None, "P2", "2025-11-07 10:00:00"),
        _ticket("T4", "C3", "P4", "2025-11-30 23:00:00"),
        _ticket("T5", "C1", "P1", "2025-12-01 00:00:00"),
    ],
}
SETTINGS = CostToServeSettings(ticket_cost=5, return_handling_cost=2)
NOV = (pd.Timestamp("2025-11-01").date(), pd.Timestamp("2025-11-30").date())
TERMS_C1 = 360 * 30 / 365 * 0.08  # 2.367123
TERMS_C2 = 110 * 60 / 365 * 0.08  # 1.446575


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory) -> str:
    return build(tmp_path_factory.mktemp("cts") / "w.duckdb", FACTS)


def test_allocation_by_hand(wh: str) -> None:
    with Warehouse.open(wh, create=False) as w:
        result = cost_to_serve(w, *NOV, settings=SETTINGS)
    rows = result.rows.set_index("customer_id")
    # Freight: the 7 without an order by units, C1 30/35 x 7 = 6, C2 5/35 x 7 = 1.
    assert rows.loc["C1", "freight"] == pytest.approx(9 + 6)
    assert rows.loc["C2", "freight"] == pytest.approx(60 + 1)
    # Handling 80: 40 over 3 lines, 40 over 35 units.
    assert rows.loc["C1", "handling"] == pytest.approx(2 * 40 / 3 + 30 * 40 / 35)  # 60.9524
    assert rows.loc["C2", "handling"] == pytest.approx(40 / 3 + 5 * 40 / 35)  # 19.0476
    assert rows.loc[["C1", "C2"], "returns"].tolist() == pytest.approx([10 + 2, 6 + 2])
    assert rows.loc[["C1", "C2", "C3"], "service"].tolist() == pytest.approx([20, 5, 2.5])
    assert rows.loc[["C1", "C2"], "payment_terms"].tolist() == pytest.approx([TERMS_C1, TERMS_C2])
    # C1: 240 - (15 + 60.9524 + 12 + 20 + 2.3671) = 129.6805
    # C2: 80 - (61 + 19.0476 + 8 + 5 + 1.4466) = -14.4942; C3: -2.5
    c1 = 240 - (15 + 2 * 40 / 3 + 30 * 40 / 35 + 12 + 20 + TERMS_C1)
    c2 = 80 - (61 + 40 / 3 + 5 * 40 / 35 + 8 + 5 + TERMS_C2)
    assert result.rows["customer_id"].tolist() == ["C1", "C3", "C2"]  # ranked by net profit
    assert result.rows["net_profit"].tolist() == pytest.approx([c1, -2.5, c2])
    assert result.unallocated == {"freight": 0.0, "handling": 0.0, "service": 10.0}
    assert result.rates["direct_labour_excluded"] == pytest.approx(20)
    # every pool is shared out whole: freight 76, handling 80
    assert result.rows["freight"].sum() == pytest.approx(76)
    assert result.rows["handling"].sum() == pytest.approx(80)


def test_unprofitable_customers_and_their_drivers(wh: str) -> None:
    with Warehouse.open(wh, create=False) as w:
        result = cost_to_serve(w, *NOV, settings=SETTINGS)
    d = result.drivers.set_index("customer_id")
    # C2 loses 14.49; freight 61 alone covers it: freight is 61/110 = 55% of its revenue
    # against 76/470 = 16% for all customers.
    assert d.loc["C2", "driver"] == "freight"
    assert d.loc["C2", "pct_of_revenue"] == pytest.approx(61 / 110)
    assert d.loc["C2", "average_pct_of_revenue"] == pytest.approx(76 / 470)
    assert d.loc["C3", "driver"] == "service"
    w = result.whale
    assert (w.peak_customers, w.unprofitable) == (1, 2)
    assert w.unprofitable_share == pytest.approx(2 / 3)
    assert w.profit_destroyed == pytest.approx(2.5 - result.rows["net_profit"].iloc[-1])


def test_loss_drivers_are_the_fewest_largest_pools() -> None:
    rows = pd.DataFrame(
        {
            "customer_id": ["X", "Y", "Z"],
            "revenue": [100.0, 100.0, 50.0],
            "gross_margin": [2.0, 10.0, -5.0],
            "freight": [8.0, 8.0, 3.0],
            "handling": [6.0, 6.0, 0.0],
            "returns": [4.0, 4.0, 0.0],
            "service": [0.0, 0.0, 0.0],
            "payment_terms": [0.0, 0.0, 0.0],
        }
    )
    rows["net_profit"] = rows["gross_margin"] - rows[
        ["freight", "handling", "returns", "service", "payment_terms"]
    ].sum(axis=1)
    d = loss_drivers(rows)
    # X: loss 2 - 18 = -16: freight 8 + handling 6 = 14 < 16, so returns 4 too.
    # Y: loss 8: freight 8 is enough.  Z: loss 8: negative gross margin 5, then freight 3.
    got = d.groupby("customer_id")["driver"].agg(list).to_dict()
    assert got == {
        "X": ["freight", "handling", "returns"],
        "Y": ["freight"],
        "Z": ["negative gross margin", "freight"],
    }


def test_departments_and_part_months(wh: str) -> None:
    with Warehouse.open(wh, create=False) as w:
        only_wh = cost_to_serve(
            w, *NOV, settings=SETTINGS.model_copy(update={"departments": ("warehouse",)})
        )
        half = cost_to_serve(
            w,
            pd.Timestamp("2025-11-01").date(),
            pd.Timestamp("2025-11-15").date(),
            settings=SETTINGS,
        )
    assert only_wh.rows["handling"].sum() == pytest.approx(70)
    assert only_wh.rates["direct_labour_excluded"] == 0
    # 15 of November's 30 days: 20 x 15/30 = 10 of direct labour out of the 100 worked
    assert half.rates["direct_labour_excluded"] == pytest.approx(10)
    assert half.rates["labour"] == pytest.approx(90)


def test_by_channel(capsys: pytest.CaptureFixture[str], wh: str) -> None:
    code, out, err = run(
        capsys, "cost-to-serve", "--by", "channel", "--period", "2025-11", "--ticket-cost", "5",
        "--return-cost", "2", "-f", "json", "-w", wh,
    )  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    rows = {r["channel"]: r for r in data["rows"]}
    assert set(rows) == {"retail", "online", "(none)"}
    assert rows["online"]["freight"] == pytest.approx(61)
    assert rows["retail"]["customers"] == 1
    assert data["settings"]["ticket_cost"] == 5
    assert (data["from"], data["to"]) == ("2025-11-01", "2025-11-30")
    assert data["whale"]["unprofitable"] == 2


def test_table_output_and_whale_line(capsys: pytest.CaptureFixture[str], wh: str) -> None:
    code, out, err = run(
        capsys, "cost-to-serve", "--period", "2025-11", "--ticket-cost", "5", "--return-cost",
        "2", "-w", wh,
    )  # fmt: skip
    assert code == 0
    assert "Cost to serve by customer, 2025-11-01..2025-11-30" in out
    assert "1 of 3 customers (33%)" in out
    assert "2 customers (67%) destroy" in out
    assert "note: 10.00 of service cost has no customer to carry it" in err


def test_window_options_are_checked(capsys: pytest.CaptureFixture[str], wh: str) -> None:
    code, _, err = run(
        capsys, "cost-to-serve", "--period", "2025", "--from", "2025-01-01", "-w", wh
    )
    assert code == 2
    assert err.strip() == "error: give either --period or --from/--to, not both"
    code, _, err = run(
        capsys, "cost-to-serve", "--from", "2025-02-01", "--to", "2025-01-01", "-w", wh
    )
    assert err.strip() == "error: --to 2025-01-01 is before --from 2025-02-01; swap them"


def test_settings_file(tmp_path: Path) -> None:
    path = tmp_path / "cts.yaml"
    path.write_text("line_share: 0.3\npriority_weights: {urgent: 6}\ncost_of_capital: 2\nfoo: 1\n")
    with pytest.raises(SpecError) as info:
        load_cost_to_serve_settings(path)
    assert str(info.value).splitlines() == [
        f"cost-to-serve settings {path} has 2 problems",
        f"{path}:3: cost_of_capital: Input should be less than or equal to 1 (got 2)",
        f"{path}:4: foo: unknown key (not allowed here); check the spelling or remove it",
    ]
    path.write_text("line_share: 0.3\npriority_weights: {urgent: 6}\n")
    settings = load_cost_to_serve_settings(path)
    assert (settings.line_share, dict(settings.priority_weights)) == (0.3, {"urgent": 6})
    with pytest.raises(ConfigError, match="cannot read cost-to-serve settings"):
        load_cost_to_serve_settings(tmp_path / "missing.yaml")


# ------------------------------------------------------------------ the whale curve

profits = st.lists(
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False),
    min_size=1,
    max_size=60,
)


@given(profits)
def test_whale_curve_rises_to_its_peak_then_falls(values: list[float]) -> None:
    w = whale_curve(values)
    steps = np.diff(np.concatenate([[0.0], w.cumulative]))
    k = w.peak_customers
    assert (steps[:k] >= 0).all()  # up to the peak every customer adds profit
    assert (steps[k:] <= 0).all()  # after it none does
    assert k == sum(v > 0 for v in values)
    assert w.peak >= w.total - 1e-6 * max(1.0, abs(w.total))
    assert w.peak == pytest.approx(sum(v for v in values if v > 0), abs=1e-6)
    assert w.unprofitable_share == pytest.approx(sum(v < 0 for v in values) / len(values))
    assert w.profit_destroyed == pytest.approx(-sum(v for v in values if v < 0), abs=1e-6)


def test_whale_curve_published_shape() -> None:
    # Kaplan & Narayanan (2001): the most profitable customers earn more than the total,
    # which the unprofitable ones then destroy. Profits 50, 30, 0, -10, -20: the curve
    # 50, 80, 80, 70, 50 peaks at 80 = 160% of the total 50 after 2 of 5 customers.
    w = whale_curve([-10, 30, 0, 50, -20], ["d", "b", "c", "a", "e"])
    assert w.members == ("a", "b", "c", "d", "e")
    assert w.cumulative.tolist() == [50, 80, 80, 70, 50]
    assert (w.peak, w.peak_customers, w.peak_pct_of_total) == (80, 2, 1.6)


@pytest.mark.postgres
def test_same_results_on_postgres(pg_url: str, wh: str) -> None:
    """The allocation, the bridge and the forecast's inputs agree between the backends."""
    from obeya.finance import BridgeBy, Comparison, bridge_from_orders, build_rolling_forecast

    build(pg_url, FACTS)
    out = {}
    for name, url in (("duckdb", wh), ("postgres", pg_url)):
        with Warehouse.open(url, create=False) as w:
            cts = cost_to_serve(w, *NOV, settings=SETTINGS)
            bridge = bridge_from_orders(
                w, "2025-11", comparison=Comparison.LAST_YEAR, by=BridgeBy.CUSTOMER
            )
            forecast = build_rolling_forecast(w, "2025-11")
            out[name] = (cts.rows, bridge.bridge.members, forecast.projected())
    duck, pg = out["duckdb"], out["postgres"]
    pd.testing.assert_frame_equal(duck[0], pg[0], check_dtype=False)
    pd.testing.assert_frame_equal(duck[1], pg[1], check_dtype=False)
    assert duck[2] == pytest.approx(pg[2])
