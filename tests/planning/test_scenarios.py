"""Scenarios: the spec (schema, rules, references), each driver's effect worked out by
hand, and the commands new / run / compare / list on the hand-made plant."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from obeya.errors import SpecError
from obeya.finance.scenario import parse_scenario as parse_finance_scenario
from obeya.inventory import SeriesInputs
from obeya.planning.calendar_spec import CalendarSpec
from obeya.planning.capacity import PeriodGrain
from obeya.planning.capacity_plan import CapacityChange, effective_days
from obeya.planning.demand_input import DemandFrame, DemandSource
from obeya.planning.inventory_warehouse import LeadTimeChange, inventory_from_inputs
from obeya.planning.planning_config import InventorySettings
from obeya.planning.scenario_spec import (
    CapacityDriver,
    DemandDriver,
    OverrideKind,
    References,
    parse_scenario_spec,
)
from obeya.planning.scenarios import adjust_demand, wage_factors
from tests.planning.company import HOLIDAY_CALENDAR, build
from tests.planning.test_cli_planning import run

REFS = References(
    families=frozenset({"F1", "F2"}),
    sites=frozenset({"P1", "P2"}),
    suppliers=frozenset({"S1"}),
    resources={"L1": "P1", "L2": "P1", "M1": "P2"},
)

# ------------------------------------------------------------------ the spec


def test_unknown_key_names_the_key_the_line_and_the_allowed_keys(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        "drivers:\n"
        "  - {kind: demand, change: 0.1, family: F1}\n"
        "  - {kind: capacity, site: P1, change: -0.3, from: 2026-02-01, line: L1}\n"
        "  - {kind: storm}\n"
        "notes: x\n"
    )
    from obeya.planning.scenario_spec import load_scenario_spec

    with pytest.raises(SpecError) as info:
        load_scenario_spec(path)
    assert str(info.value).splitlines() == [
        f"{path}: the scenario has 3 problems",
        f"{path}:3: driver #2 (capacity): line: unknown key 'line'; allowed keys: change, from, "
        "kind, resource, site, to",
        f"{path}:4: driver #3 (storm): unknown kind 'storm'; kinds are demand, volume, capacity, "
        "lead_time, wages, new_resource",
        f"{path}:5: notes: unknown key 'notes'; allowed keys: description, drivers, name",
    ]


def test_spec_rules_and_references() -> None:
    doc: dict[str, Any] = {
        "drivers": [
            {"kind": "demand", "change": 0.1, "family": "F9"},
            {"kind": "capacity", "site": "P1", "change": -0.3, "from": "2026-03-01", "to": "2026-02-01"},
            {"kind": "lead_time", "supplier": "S7", "days": 14},
            {"kind": "new_resource", "resource": "L1", "site": "P1", "hours_per_day": 8},
            {"kind": "new_resource", "resource": "L9", "site": "P1", "hours_per_day": 8, "like": "M1"},
            {"kind": "wages", "change": 0.05},
            {"kind": "wages", "change": 0.02},
        ]
    }  # fmt: skip
    with pytest.raises(SpecError) as info:
        parse_scenario_spec(doc, source="s", references=REFS)
    problems = set(str(info.value).splitlines()[1:])
    assert problems == {
        "s: driver #1 (demand): family: family 'F9' is not in the warehouse (F1, F2)",
        "s: driver #2 (capacity): to: to 2026-02-01 is before from 2026-03-01; swap them",
        "s: driver #3 (lead_time): supplier: supplier 'S7' is not in the warehouse (S1)",
        "s: driver #4 (new_resource): resource: resource 'L1' already exists; give the new one "
        "a new id",
        "s: driver #5 (new_resource): like: 'M1' is at site 'P2', not 'P1'; a parallel line must "
        "be at the same site",
        "s: driver #7 (wages): the same driver (wages) appears 2 times and would compound; "
        "merge them into one change",
    }


def test_volume_is_demand_and_the_shared_keys_feed_finance_too() -> None:
    doc = {
        "name": "squeeze",
        "drivers": [
            {"kind": "volume", "change": -0.08, "site": "P1"},
            {"kind": "demand", "change": 0.1, "family": "F1"},
            {"kind": "wages", "change": 0.04},
        ],
    }
    spec = parse_scenario_spec(doc, references=REFS)
    assert [d.override for d in spec.drivers] == [
        OverrideKind.DEMAND,
        OverrideKind.DEMAND,
        OverrideKind.WAGES,
    ]
    finance = parse_finance_scenario(doc)  # the same document is a finance scenario
    assert [d.kind.value for d in finance.drivers] == ["volume", "volume", "wages"]


# ------------------------------------------------------------------ each driver's effect


def _frame() -> DemandFrame:
    starts = np.array(["2026-01-01", "2026-02-01"], dtype="datetime64[D]")
    table = pd.DataFrame(
        {
            "sku": ["A", "A", "B", "B"],
            "site_id": ["P1", "P1", "P2", "P2"],
            "family": ["F1", "F1", "F2", "F2"],
            "period_start": np.repeat(starts[None, :], 2, axis=0).ravel(),
            "period": ["2026-01", "2026-02"] * 2,
            "units": [100.0, 200.0, 50.0, 80.0],
        }
    )
    return DemandFrame(
        table, starts, PeriodGrain.MONTH, DemandSource.FORECAST, "r1", dt.date(2025, 12, 31)
    )


def test_demand_drivers_select_and_multiply() -> None:
    drivers = [
        DemandDriver(kind="demand", change=0.10, family="F1"),
        DemandDriver.model_validate({"kind": "demand", "change": -0.5, "from": "2026-02-01"}),
    ]
    out = adjust_demand(_frame(), drivers)
    # A Jan 100 x 1.1 = 110; A Feb 200 x 1.1 x 0.5 = 110; B Jan 50; B Feb 80 x 0.5 = 40.
    assert out.table["units"].tolist() == pytest.approx([110.0, 110.0, 50.0, 40.0])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(min_value=-0.9, max_value=2.0), min_size=1, max_size=4))
def test_demand_drivers_compound_in_any_order(changes: list[float]) -> None:
    drivers = [DemandDriver(kind="demand", change=c) for c in changes]
    forward = adjust_demand(_frame(), drivers).table["units"].to_numpy()
    backward = adjust_demand(_frame(), drivers[::-1]).table["units"].to_numpy()
    expected = _frame().table["units"].to_numpy() * math.prod(1 + c for c in changes)
    assert forward == pytest.approx(backward)
    assert forward == pytest.approx(expected)


def test_wage_drivers_multiply_by_scope() -> None:
    from obeya.planning.scenario_spec import WagesDriver

    factors = wage_factors(
        [
            WagesDriver(kind="wages", change=0.05),
            WagesDriver(kind="wages", change=0.10, site="P1"),
        ]
    )
    assert factors == pytest.approx({None: 1.05, "P1": 1.10})


def test_capacity_changes_weight_working_days_by_segment() -> None:
    wc = CalendarSpec().work_calendar(["P1", "P2"], dt.date(2026, 2, 1), dt.date(2026, 3, 1))
    sites = np.array(["P1", "P2"])
    starts = np.array(["2026-02-01"] * 2, dtype="datetime64[D]")
    ends = np.array(["2026-03-01"] * 2, dtype="datetime64[D]")
    changes = [
        CapacityChange("P1", 0.7, dt.date(2026, 2, 10), dt.date(2026, 2, 20)),
        CapacityChange("P1", 0.5, dt.date(2026, 2, 15)),
    ]
    days = effective_days(wc, sites, None, starts, ends, changes)
    # February 2026 works 2-6, 9-13, 16-20 and 23-27 (20 days). P1: 2-9 at 1 (6 days),
    # 10-13 at 0.7 (4 x 0.7 = 2.8), 16-20 at 0.7 x 0.5 (5 x 0.35 = 1.75), 23-27 at 0.5
    # (2.5): 13.05. P2 is not touched: 20.
    assert days.tolist() == pytest.approx([13.05, 20.0])


def _series(n: int = 2) -> SeriesInputs:
    return SeriesInputs(
        as_of=dt.date(2025, 12, 31),
        weeks=(dt.date(2025, 12, 15), dt.date(2025, 12, 22)),
        run=None,
        sku=np.array(["A", "B"][:n]),
        site_id=np.array(["P1", "P1"][:n]),
        unit_cost=np.full(n, 10.0),
        unit_price=np.full(n, 20.0),
        lifecycle=np.array(["active"] * n),
        demand_class=np.array(["smooth"] * n),
        history=np.array([[80.0, 120.0]] * n),
        history_mean=np.full(n, 100.0),
        history_sd=np.full(n, 20.0),
        forecast_mean=np.full(n, np.nan),
        backtest_rmse=np.full(n, np.nan),
        demand_mean=np.full(n, 100.0),
        demand_sd=np.full(n, 20.0),
        demand_source=np.array(["history"] * n),
        sd_source=np.array(["history"] * n),
        lead_time_mean_days=np.full(n, 14.0),
        lead_time_sd_days=np.zeros(n),
        lead_time_source=np.array(["default"] * n),
        receipts=np.zeros(n, dtype=np.int64),
        on_hand=np.zeros(n),
    )


def test_lead_time_and_demand_drivers_reach_the_inventory_policy() -> None:
    settings_ = InventorySettings()  # 95 % cycle service, order cost 50, holding 25 %
    base = inventory_from_inputs(_series(), settings_)
    # Safety stock = z sigma sqrt(L): Phi^-1(0.95) = 1.644854 x 20 x sqrt(2 weeks) = 46.52.
    z = 1.6448536269514722
    assert base.plan.chosen.safety_stock == pytest.approx([z * 20 * math.sqrt(2)] * 2)
    suppliers = pd.DataFrame(
        {"sku": ["A", "B"], "site_id": ["P1", "P1"], "main_supplier": ["S1", "S2"]}
    )
    longer = inventory_from_inputs(
        _series(), settings_, main_supplier=suppliers, lead_time_changes=[LeadTimeChange("S1", 14)]
    )
    # A's supplier is S1: 28 days = 4 weeks, z x 20 x 2 = 65.79; B keeps its 2 weeks.
    assert longer.plan.chosen.safety_stock == pytest.approx([z * 20 * 2, z * 20 * math.sqrt(2)])
    more = inventory_from_inputs(
        _series(),
        settings_,
        demand_factor=pd.DataFrame({"sku": ["A"], "site_id": ["P1"], "factor": [1.1]}),
    )
    # +10 % demand scales sigma by 1.1 and the EOQ sqrt(2 D S / h) by sqrt(1.1):
    # base EOQ = sqrt(2 x 5200 x 50 / 2.5) = 456.07.
    assert base.plan.chosen.order_quantity[0] == pytest.approx(math.sqrt(2 * 5200 * 50 / 2.5))
    assert more.plan.chosen.safety_stock[0] == pytest.approx(1.1 * z * 20 * math.sqrt(2))
    assert more.plan.chosen.order_quantity[0] == pytest.approx(math.sqrt(1.1 * 2 * 5200 * 50 / 2.5))
    assert more.plan.chosen.order_quantity[1] == pytest.approx(math.sqrt(2 * 5200 * 50 / 2.5))


def test_capacity_driver_model_keeps_the_from_alias() -> None:
    d = CapacityDriver.model_validate(
        {"kind": "capacity", "site": "P1", "change": -0.3, "from": "2026-02-01"}
    )
    assert d.start == dt.date(2026, 2, 1)
    assert d.model_dump(by_alias=True, exclude_none=True)["from"] == dt.date(2026, 2, 1)


# ------------------------------------------------------------------ the commands


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    paths = {
        "calendar": ("calendar.yaml", HOLIDAY_CALENDAR),
        "config": ("planning.yaml", "aggregate: {horizon: 2}\n"),
        "peak": (
            "peak.yaml",
            "description: F1 +10 % and P1 at 70 % from February\n"
            "drivers:\n"
            "  - {kind: demand, family: F1, change: 0.10}\n"
            "  - {kind: capacity, site: P1, change: -0.30, from: 2026-02-01}\n",
        ),
        "line": (
            "line.yaml",
            "drivers:\n  - {kind: new_resource, resource: L3, site: P1, hours_per_day: 8, like: L1}\n",
        ),
        "bad": ("bad.yaml", "drivers:\n  - {kind: demand, change: 0.1, family: F7}\n"),
    }
    out = {}
    for key, (name, text) in paths.items():
        (tmp_path / name).write_text(text)
        out[key] = str(tmp_path / name)
    return out


def test_scenario_new_run_compare_list(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, files: dict[str, str]
) -> None:
    wh = build(tmp_path / "w.duckdb", with_forecast=True)
    common = ["-w", wh]
    plan = ["--config", files["config"], "--calendar", files["calendar"]]
    code, out, err = run(capsys, "scenario", "new", "peak", "--from", files["peak"], *common)
    assert code == 0, err
    assert (
        out.strip() == "scenario peak saved with 2 driver(s); run it with obeya scenario run peak"
    )
    code, _, err = run(capsys, "scenario", "new", "peak", "--from", files["peak"], *common)
    assert code == 2
    assert "scenario 'peak' exists already" in err
    assert run(capsys, "scenario", "new", "line", "--from", files["line"], *common)[0] == 0
    code, out, err = run(capsys, "scenario", "run", "peak", *plan, "-f", "json", *common)
    assert code == 0, err
    table = {r["metric"]: r for r in json.loads(out)}
    # Base (forecast r1, 1 Jan a holiday): L1 January 200 h / 168 h, February 100 / 160;
    # L2 20 / 84 and 10 / 80. Peak 1.1905; overall 330 / 492 = 0.6707.
    # Peak: F1 (A) +10 %: January L1 = 220 x 0.5 + 100 = 210 h / 168 = 1.25; February
    # L1 = 110 x 0.5 + 50 = 105 h against 160 x 0.7 = 112 h; L2 22 / 84 and 11 / 56.
    # Overall (210 + 105 + 22 + 11) / (168 + 112 + 84 + 56) = 348 / 420 = 0.8286.
    assert table["utilisation_peak"]["base"] == pytest.approx(200 / 168)
    assert table["utilisation_peak"]["peak"] == pytest.approx(210 / 168)
    assert table["utilisation_mean"]["base"] == pytest.approx(330 / 492)
    assert table["utilisation_mean"]["peak"] == pytest.approx(348 / 420)
    assert table["overloaded_periods"]["peak"] == 1.0  # L1 in January only
    # Demand over the two months: 200 + 100 + 100 + 50 = 450; A +10 %: 480.
    assert table["demand_units"]["base"] == pytest.approx(450.0)
    assert table["demand_units"]["peak"] == pytest.approx(480.0)
    assert table["headcount"]["base"] == table["headcount"]["peak"] == 2.0
    assert table["service_level_target"]["peak"] == 0.95
    code, out, err = run(capsys, "scenario", "run", "line", *plan, "-f", "json", *common)
    assert code == 0, err
    code, out, err = run(capsys, "scenario", "compare", "peak", "line", "-f", "json", *common)
    assert code == 0, err
    rows = {r["metric"]: r for r in json.loads(out)}
    assert list(json.loads(out)[0]) == ["metric", "unit", "base", "peak", "line"]
    # A parallel L3 (8 h a day) shares L1's load: January 200 h over 168 + 168 h.
    assert rows["utilisation_peak"]["line"] == pytest.approx(200 / 336)
    assert rows["utilisation_mean"]["line"] == pytest.approx(330 / (492 + 168 + 160))
    assert rows["utilisation_peak"]["peak"] == pytest.approx(210 / 168)
    code, out, _ = run(capsys, "scenario", "list", "-f", "json", *common)
    listed = {r["name"]: r for r in json.loads(out)}
    assert set(listed) == {"peak", "line", "base"}
    assert listed["peak"]["status"] == "ran"
    assert listed["peak"]["drivers"] == 2
    assert listed["peak"]["description"] == "F1 +10 % and P1 at 70 % from February"
    stored = run(capsys, "sql", "SELECT count(*) AS n FROM scenario_results WHERE name = 'peak'",
                 "-f", "json", *common)[1]  # fmt: skip
    assert json.loads(stored) == [{"n": 11}]


def test_wages_scenario_on_the_aggregate_and_staffing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    wh = build(tmp_path / "w.duckdb", with_forecast=False)
    config = tmp_path / "planning.yaml"
    config.write_text(
        "aggregate:\n  horizon: 2\n  costs: {hire_per_worker: 100000, layoff_per_worker: 100000}\n"
    )
    spec = tmp_path / "pay.yaml"
    spec.write_text("drivers:\n  - {kind: wages, change: 0.05}\n")
    assert run(capsys, "scenario", "new", "pay", "--from", str(spec), "-w", wh)[0] == 0
    code, out, err = run(
        capsys, "scenario", "run", "pay", "--config", str(config), "-f", "json", "-w", wh
    )
    assert code == 0, err
    rows = {r["metric"]: r for r in json.loads(out)}
    # The plan does not change: material 7080 + regular labour 20 x 2 x 336 h = 13440
    # (base 20520); at 21 an hour labour is 14112: 21192.
    assert rows["total_cost"]["base"] == pytest.approx(20520.0)
    assert rows["total_cost"]["pay"] == pytest.approx(7080.0 + 14112.0)
    # Staffing: 325 temp hours at 1.35 x 21 = 28.35: 9213.75 (base 8775 at 27).
    assert rows["workforce_cost"]["base"] == pytest.approx(8775.0)
    assert rows["workforce_cost"]["pay"] == pytest.approx(9213.75)
    assert rows["fte_gap_peak"]["pay"] == pytest.approx(0.625)


def test_scenario_errors(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, files: dict[str, str]
) -> None:
    wh = build(tmp_path / "w.duckdb", with_forecast=True)
    code, _, err = run(capsys, "scenario", "new", "bad", "--from", files["bad"], "-w", wh)
    assert code == 2
    assert err.splitlines() == [
        f"error: {files['bad']}: the scenario has 1 problem",
        f"{files['bad']}:2: driver #1 (demand): family: family 'F7' is not in the warehouse "
        "(F1, F2)",
    ]
    code, _, err = run(capsys, "scenario", "new", "base", "-w", wh)
    assert code == 2
    assert "reserved" in err
    code, _, err = run(capsys, "scenario", "run", "nope", "-w", wh)
    assert code == 2
    assert err.strip() == (
        "error: no scenario named 'nope' (scenarios: none yet); create it with "
        "obeya scenario new nope --from FILE.yaml"
    )
    assert run(capsys, "scenario", "new", "empty", "-w", wh)[0] == 0
    code, _, err = run(capsys, "scenario", "compare", "empty", "-w", wh)
    assert code == 2
    assert "no results for base, empty; run them first: obeya scenario run empty" in err
