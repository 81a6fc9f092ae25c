"""The planning commands as a user runs them, on the hand-made plant of company.py.

Every expected number is worked out by hand in the comments; the aggregate spec is
also solved by an independent formulation with SciPy's ``linprog``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.optimize import linprog

from tests.clirun import run
from tests.planning.company import HOLIDAY_CALENDAR, build


@pytest.fixture(scope="module")
def forecast_wh(tmp_path_factory: pytest.TempPathFactory) -> str:
    return build(tmp_path_factory.mktemp("fc") / "w.duckdb", with_forecast=True)


@pytest.fixture(scope="module")
def history_wh(tmp_path_factory: pytest.TempPathFactory) -> str:
    return build(tmp_path_factory.mktemp("hist") / "w.duckdb", with_forecast=False)


@pytest.fixture
def calendar(tmp_path: Path) -> str:
    path = tmp_path / "calendar.yaml"
    path.write_text(HOLIDAY_CALENDAR)
    return str(path)


def _rows(body: dict[str, Any], key: str, **match: Any) -> list[dict[str, Any]]:
    return [r for r in body[key] if all(r[k] == v for k, v in match.items())]


# ------------------------------------------------------------------ capacity


def test_capacity_with_a_holiday_from_the_latest_forecast(
    capsys: pytest.CaptureFixture[str], forecast_wh: str, calendar: str
) -> None:
    code, out, err = run(
        capsys, "capacity", "-w", forecast_wh, "--calendar", calendar, "-f", "json"
    )
    assert code == 0, err
    body = json.loads(out)
    assert body["demand_source"] == "forecast"
    assert body["run_id"] == "r1"  # the latest run, not r0
    assert body["periods"] == ["2026-01", "2026-02"]
    jan = _rows(body, "load", resource_id="L1", period="2026-01")[0]
    # January 2026 has 22 weekdays (Thu 1, Fri 2, then four full weeks); 1 Jan is a
    # holiday: 21 working days x 8 h = 168 h. Load: A 200 x 0.5 + B 100 x 1.0 = 200 h.
    assert jan["working_days"] == 21
    assert jan["available_hours"] == pytest.approx(168.0)
    assert jan["load_hours"] == pytest.approx(200.0)
    assert jan["utilisation"] == pytest.approx(200 / 168)  # 1.1905
    assert jan["overloaded"] is True
    assert jan["overload_hours"] == pytest.approx(32.0)
    feb = _rows(body, "load", resource_id="L1", period="2026-02")[0]
    # February 2026: four full weeks, 20 working days, 160 h. Load: A 100 x 0.5 + B's
    # adjusted 50 (not the forecast 40) x 1.0 = 100 h: 62.5 %.
    assert feb["available_hours"] == pytest.approx(160.0)
    assert feb["load_hours"] == pytest.approx(100.0)
    assert feb["utilisation"] == pytest.approx(0.625)
    assert feb["overloaded"] is False
    # The packing cell: 4 h x 21 = 84 h against A 200 x 0.1 = 20 h (23.8 %).
    pack = _rows(body, "load", resource_id="L2", period="2026-01")[0]
    assert pack["utilisation"] == pytest.approx(20 / 84)
    assert [(o["resource_id"], o["period"]) for o in body["overloaded"]] == [("L1", "2026-01")]
    assert [(b["rank"], b["resource_id"]) for b in body["bottlenecks"]] == [(1, "L1"), (2, "L2")]
    # Overall: (200 + 100 + 20 + 10) / (168 + 160 + 84 + 80) = 330 / 492.
    assert body["summary"]["mean_utilisation"] == pytest.approx(330 / 492)
    assert body["summary"]["peak_utilisation"] == pytest.approx(200 / 168)
    chart = _rows(body, "chart", resource_id="L1", period="2026-01")
    assert {c["measure"]: c["hours"] for c in chart} == pytest.approx(
        {"load": 200.0, "available": 168.0}
    )
    assert "note: demand: forecast run r1" in err


def test_capacity_by_week_spreads_a_monthly_forecast_over_its_days(
    capsys: pytest.CaptureFixture[str], forecast_wh: str, calendar: str
) -> None:
    code, out, err = run(
        capsys, "capacity", "-w", forecast_wh, "--grain", "week", "--calendar", calendar,
        "-f", "json",
    )  # fmt: skip
    assert code == 0, err
    body = json.loads(out)
    # Only weeks the run covers in full: 5 Jan (W02) to the week of 16 Feb (W08); the
    # week of 29 Dec starts before the run and the week of 23 Feb ends after it.
    assert body["periods"] == [f"2026-W0{w}" for w in range(2, 9)]
    w02 = _rows(body, "load", resource_id="L1", period="2026-W02")[0]
    # 7 of January's 31 days: 200 h x 7 / 31 = 45.16 h against 5 days x 8 h = 40 h.
    assert w02["load_hours"] == pytest.approx(200 * 7 / 31)
    assert w02["available_hours"] == pytest.approx(40.0)
    w05 = _rows(body, "load", resource_id="L1", period="2026-W05")[0]
    # 26-31 Jan (6 of 31 days of 200 h) and 1 Feb (1 of 28 days of 100 h).
    assert w05["load_hours"] == pytest.approx(200 * 6 / 31 + 100 / 28)


def test_capacity_from_order_history_without_a_forecast(
    capsys: pytest.CaptureFixture[str], history_wh: str
) -> None:
    code, out, err = run(capsys, "capacity", "-w", history_wh, "--horizon", "2", "-f", "json")
    assert code == 0, err
    body = json.loads(out)
    assert body["demand_source"] == "order_history"
    assert body["periods"] == ["2026-01", "2026-02"]  # the periods after as-of 2025-12-31
    jan = _rows(body, "load", resource_id="L1", period="2026-01")[0]
    # Rates over the 91 days to 31 Dec: A 910 / 91 = 10 a day, B 455 / 91 = 5 a day (the
    # cancelled line and the June line do not count). January, 31 days: A 310, B 155:
    # 310 x 0.5 + 155 x 1.0 = 310 h against 22 days x 8 h = 176 h (no holidays given).
    assert jan["load_hours"] == pytest.approx(310.0)
    assert jan["available_hours"] == pytest.approx(176.0)
    feb = _rows(body, "load", resource_id="L1", period="2026-02")[0]
    assert feb["load_hours"] == pytest.approx(28 * 10 * 0.5 + 28 * 5 * 1.0)  # 280 h
    assert "no forecast run" in err


def test_capacity_csv_and_table(
    capsys: pytest.CaptureFixture[str], forecast_wh: str, calendar: str
) -> None:
    code, out, _ = run(capsys, "capacity", "-w", forecast_wh, "--calendar", calendar, "-f", "csv")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith('"resource_id","site_id","period","working_days","load_hours"')
    assert lines[1].startswith('"L1","P1","2026-01",21,200,168,')
    code, out, _ = run(capsys, "capacity", "-w", forecast_wh, "--calendar", calendar)
    assert code == 0
    assert "1 overloaded resource-periods" in out


def test_capacity_bad_grain_and_calendar_key(
    capsys: pytest.CaptureFixture[str], forecast_wh: str, tmp_path: Path
) -> None:
    code, _, err = run(capsys, "capacity", "-w", forecast_wh, "--grain", "day")
    assert code == 2
    assert "Invalid value for '--grain'" in err
    assert "'day' is not one of 'week'," in err
    bad = tmp_path / "cal.yaml"
    bad.write_text("workdays: [mon, tue]\nholiday: [2026-01-01]\n")
    code, _, err = run(capsys, "capacity", "-w", forecast_wh, "--calendar", str(bad))
    assert code == 2
    assert (
        f"{bad}:2: holiday: unknown key 'holiday'; allowed keys: holidays, sites, workdays" in err
    )


# ------------------------------------------------------------------ plan aggregate

SPEC = """\
periods: 4
demand: [1200, 1500, 2100, 1800]
initial_workforce: 40
initial_inventory: 300
initial_backlog: 0
min_final_inventory: 200
max_final_backlog: 0
hours_per_unit: 3
regular_hours_per_worker: 160
max_overtime_hours_per_worker: 12
max_subcontract_units: null
integer: false
costs: {material_per_unit: 12, holding_per_unit: 1.5, backlog_per_unit: 6,
        hire_per_worker: 400, layoff_per_worker: 600, regular_per_hour: 5,
        overtime_per_hour: 7.5, subcontract_per_unit: 35}
"""


def _linprog_oracle() -> float:
    """The spec's LP written independently (variables P W H L O C I B per period)."""
    t_count, names = 4, "PWHLOCIB"
    demand = [1200, 1500, 2100, 1800]

    def ix(v: str, t: int) -> int:
        return names.index(v) * t_count + t

    n = len(names) * t_count
    cost = np.zeros(n)
    a_eq, b_eq, a_ub, b_ub = [], [], [], []
    for t in range(t_count):
        for v, c in zip(names, (12, 5 * 160, 400, 600, 7.5, 35, 1.5, 6), strict=True):
            cost[ix(v, t)] = c
        row = np.zeros(n)
        row[[ix("P", t), ix("C", t), ix("B", t)]] = 1
        row[ix("I", t)] = -1
        if t:
            row[ix("I", t - 1)], row[ix("B", t - 1)] = 1, -1
        a_eq.append(row)
        b_eq.append(demand[t] - (300 if t == 0 else 0))
        row = np.zeros(n)
        row[ix("W", t)], row[ix("H", t)], row[ix("L", t)] = 1, -1, 1
        if t:
            row[ix("W", t - 1)] = -1
        a_eq.append(row)
        b_eq.append(40 if t == 0 else 0)
        row = np.zeros(n)
        row[ix("P", t)], row[ix("O", t)], row[ix("W", t)] = 3, -1, -160
        a_ub.append(row)
        b_ub.append(0)
        row = np.zeros(n)
        row[ix("O", t)], row[ix("W", t)] = 1, -12
        a_ub.append(row)
        b_ub.append(0)
    row = np.zeros(n)
    row[ix("I", 3)] = -1
    a_ub.append(row)
    b_ub.append(-200)
    row = np.zeros(n)
    row[ix("B", 3)] = 1
    a_ub.append(row)
    b_ub.append(0)
    res = linprog(cost, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, method="highs")
    assert res.status == 0
    return float(res.fun)


def test_plan_aggregate_spec_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    spec = tmp_path / "plan.yaml"
    spec.write_text(SPEC)
    code, out, err = run(capsys, "plan", "aggregate", str(spec), "--format", "json")
    assert code == 0, err
    body = json.loads(out)
    assert {"total_cost", "status", "periods", "cost_breakdown", "binding_constraints"} <= set(body)
    assert "shadow_prices" in body
    assert body["status"] == "optimal"
    # By hand: overtime costs 3 h x 7.5 = 22.5 a unit and subcontracting 35, against 15
    # of regular labour (3 h x 5) that is paid anyway; so everything is made on regular
    # time. Net need = 6600 demand + 200 final stock - 300 opening = 6500 units; made
    # level, 1625 a period, it needs 1625 x 3 / 160 = 30.46875 workers throughout, so
    # 40 - 30.46875 = 9.53125 are laid off in period 1 (600 each, less than the 800 a
    # period they would cost). Stock: 300 + 1625 - 1200 = 725, then 850, 375, 200.
    # A chase plan would hire ~8 for period 3 (2100 x 3 / 160 = 39.4 workers) and lay
    # them off again: 400 + 600 per worker, more than holding the build-up at 1.5.
    periods = body["periods"]
    assert set(periods[0]) >= {
        "production", "workforce", "hired", "laid_off", "overtime_hours", "subcontracted",
        "inventory", "backlog",
    }  # fmt: skip
    assert [p["production"] for p in periods] == pytest.approx([1625.0] * 4)
    assert [p["workforce"] for p in periods] == pytest.approx([30.46875] * 4)
    assert [p["laid_off"] for p in periods] == pytest.approx([9.53125, 0, 0, 0])
    assert [p["hired"] for p in periods] == pytest.approx([0.0] * 4)
    assert [p["overtime_hours"] for p in periods] == pytest.approx([0.0] * 4)
    assert [p["subcontracted"] for p in periods] == pytest.approx([0.0] * 4)
    assert [p["inventory"] for p in periods] == pytest.approx([725.0, 850.0, 375.0, 200.0])
    assert [p["backlog"] for p in periods] == pytest.approx([0.0] * 4)
    # Cost: material 12 x 6500 = 78000; regular 5 x 160 x 30.46875 x 4 = 97500;
    # layoffs 600 x 9.53125 = 5718.75; holding 1.5 x (725 + 850 + 375 + 200) = 3225.
    breakdown = body["cost_breakdown"]
    assert breakdown["material"] == pytest.approx(78000.0)
    assert breakdown["regular_labour"] == pytest.approx(97500.0)
    assert breakdown["layoff"] == pytest.approx(5718.75)
    assert breakdown["holding"] == pytest.approx(3225.0)
    assert body["total_cost"] == pytest.approx(184443.75)
    assert body["total_cost"] == pytest.approx(_linprog_oracle())
    assert "final_inventory" in body["binding_constraints"]  # ends exactly on 200


def test_no_solver_banner_reaches_stdout(capfd: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # capfd reads file descriptor 1 itself, so it also sees what C++ code (HiGHS's
    # licence banner) would print there: stdout must be the JSON alone.
    spec = tmp_path / "plan.yaml"
    spec.write_text(SPEC)
    code, out, err = run(capfd, "plan", "aggregate", str(spec), "--format", "json")
    assert code == 0, err
    assert "HiGHS" not in out
    assert json.loads(out)["total_cost"] == pytest.approx(184443.75)


def test_plan_aggregate_infeasible_names_the_conflict(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # 5 workers x 100 h make at most 500 units a period, 1000 in two, with no overtime,
    # subcontracting or hiring; demand is 1200 and no backlog may be left at the end.
    spec = tmp_path / "tight.yaml"
    spec.write_text(
        "periods: 2\ndemand: [600, 600]\ninitial_workforce: 5\nhours_per_unit: 1\n"
        "regular_hours_per_worker: 100\nmax_workforce: 5\nmax_subcontract_units: 0\n"
        "costs: {material_per_unit: 1, holding_per_unit: 1, backlog_per_unit: 1, "
        "hire_per_worker: 1, layoff_per_worker: 1, regular_per_hour: 1, "
        "overtime_per_hour: 1, subcontract_per_unit: 1}\n"
    )
    code, out, err = run(capsys, "plan", "aggregate", str(spec), "-f", "json")
    assert code == 2
    assert out == ""
    assert len(err.splitlines()) == 1
    assert err.startswith("error: the aggregate plan is infeasible: these constraints cannot")
    # Any conflicting set must hold the workforce cap and the end-of-horizon backlog
    # cap (without either, a plan exists).
    assert "workforce[period=2] <= 5" in err
    assert "final_backlog <= 0" in err
    assert "Traceback" not in err


def test_plan_aggregate_unknown_key_and_usage(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    spec = tmp_path / "plan.yaml"
    spec.write_text(SPEC + "overtime_cap: 3\n")
    code, _, err = run(capsys, "plan", "aggregate", str(spec))
    assert code == 2
    lines = err.splitlines()
    assert lines[0] == f"error: {spec}: the spec has 1 problem"
    assert lines[1].startswith(
        f"{spec}:16: overtime_cap: unknown key 'overtime_cap'; allowed keys:"
    )
    code, _, err = run(capsys, "plan", "aggregate")
    assert code == 2
    assert err.strip() == "error: give a SPEC file or --from-warehouse (one of the two)"
    code, _, err = run(capsys, "plan", "aggregate", str(spec), "--solver", "dual")
    assert code == 2
    assert "Invalid value for '--solver'" in err
    assert "'dual' is not one of 'simplex'," in err


def test_plan_aggregate_ipm_matches_simplex(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    spec = tmp_path / "plan.yaml"
    spec.write_text(SPEC)
    code, out, _ = run(capsys, "plan", "aggregate", str(spec), "--solver", "ipm", "-f", "json")
    assert code == 0
    assert json.loads(out)["total_cost"] == pytest.approx(184443.75, rel=1e-7)


def _config(tmp_path: Path) -> str:
    path = tmp_path / "planning.yaml"
    path.write_text(
        "aggregate:\n  horizon: 2\n  costs: {hire_per_worker: 100000, layoff_per_worker: 100000}\n"
    )
    return str(path)


def test_plan_aggregate_from_warehouse(
    capsys: pytest.CaptureFixture[str], history_wh: str, tmp_path: Path, calendar: str
) -> None:
    config = _config(tmp_path)
    code, out, err = run(
        capsys, "plan", "aggregate", "--from-warehouse", "-w", history_wh, "--config", config,
        "-f", "json",
    )  # fmt: skip
    assert code == 0, err
    body = json.loads(out)
    # Demand (order history): A 10 + B 5 a day: January A 310 (F1), B 155 (F2); February
    # A 280, B 140. Hours per unit: A 0.5 + 0.1 = 0.6, B 1.0 (no work orders: 1 labour
    # hour per routing hour). January needs 310 x 0.6 + 155 = 341 h, February 308 h,
    # against 2 workers x 8 h x 22 days = 352 h and x 20 days = 320 h: all made on
    # regular time, no stock, no backlog; hiring or laying off at 100000 never pays.
    families = {(f["family"], f["period"]): f for f in body["families"]}
    assert families[("F1", "2026-01")]["production"] == pytest.approx(310.0)
    assert families[("F2", "2026-02")]["production"] == pytest.approx(140.0)
    site = {p["period"]: p for p in body["periods"]}
    assert site["2026-01"]["workforce"] == pytest.approx(2.0)
    assert site["2026-01"]["paid_hours_per_worker"] == pytest.approx(176.0)
    # Wage: 27300 / 1365 h = 20 an hour. Material: 0.6 x unit cost x units =
    # 0.6 x (10 x 590 + 20 x 295) = 7080; labour: 20 x 2 x (176 + 160) = 13440.
    assert body["inputs"]["sites"][0]["regular_rate"] == pytest.approx(20.0)
    assert body["cost_breakdown"]["material"] == pytest.approx(7080.0)
    assert body["cost_breakdown"]["regular_labour"] == pytest.approx(13440.0)
    assert body["total_cost"] == pytest.approx(20520.0)
    # With 1 January a holiday, January pays and offers 2 x 8 x 21 = 336 h, 5 h short
    # of 341. Cheapest cover: owe 5 / 0.6 = 8.33 units of A for a month at 5 % of its
    # price (1 a unit) = 8.33, against 5 h overtime at 30 (150), owing 5 units of B at 2
    # (10) or subcontracting A at 12.5 - 6 material saved a unit (54). February has
    # 320 - 308 = 12 h to spare. Labour: 20 x 2 x (168 + 160) = 13120.
    code, out, err = run(
        capsys, "plan", "aggregate", "--from-warehouse", "-w", history_wh, "--config", config,
        "--calendar", calendar, "-f", "json",
    )  # fmt: skip
    assert code == 0, err
    body = json.loads(out)
    families = {(f["family"], f["period"]): f for f in body["families"]}
    assert families[("F1", "2026-01")]["backlog"] == pytest.approx(25 / 3)
    assert body["cost_breakdown"]["regular_labour"] == pytest.approx(13120.0)
    assert body["total_cost"] == pytest.approx(7080 + 13120 + 25 / 3)


# ------------------------------------------------------------------ workforce


def test_workforce_plan(capsys: pytest.CaptureFixture[str], history_wh: str) -> None:
    code, out, err = run(capsys, "workforce", "plan", "-w", history_wh, "-f", "json")
    assert code == 0, err
    body = json.loads(out)
    # Standard: 1365 units shipped / 1365 h worked = 1 unit an hour. Volume: 15 units a
    # day, 105 a week: 105 h = 2.625 FTE of 40 h against 2 people (the latest day's
    # headcount, not the 3 of October): a gap of 25 h a week. Rate 20; temps at 1.35 x 20
    # = 27 are cheaper than overtime at 30, so 25 temp hours a week, 13 weeks: 325 h x
    # 27 = 8775. A hire (4000 + 800 a week from week 5) would cost 13900 with the temps
    # of the first 4 weeks, more than 8775.
    assert body["weeks"][0] == "2026-W02"
    assert len(body["weeks"]) == 13
    group = body["groups"][0]
    assert group["units_per_hour"] == pytest.approx(1.0)
    assert group["headcount"] == 2.0
    assert group["peak_required_fte"] == pytest.approx(2.625)
    assert group["peak_fte_gap"] == pytest.approx(0.625)
    assert group["hires"] == 0.0
    assert body["cost_breakdown"]["temp"] == pytest.approx(8775.0)
    assert body["total_cost"] == pytest.approx(8775.0)
    code, out, _ = run(capsys, "workforce", "plan", "-w", history_wh, "--weeks", "4")
    assert code == 0
    assert "peak FTE gap 0.6" in out


def test_workforce_erlang_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "workforce", "erlang", "--arrivals-per-hour", "100", "--aht-seconds", "180",
        "--target", "0.8", "--within-seconds", "20", "--shrinkage", "0.3", "--format", "json",
    )  # fmt: skip
    assert code == 0
    body = json.loads(out)
    assert set(body) >= {
        "agents", "agents_before_shrinkage", "service_level", "asa_seconds", "occupancy",
    }  # fmt: skip
    # A = 100 x 180 / 3600 = 5 erlangs. With N = 7: B = (5^7/7!) / sum_k<=7 5^k/k! =
    # 15.501 / 128.619 = 0.12052, C = 7B / (7 - 5(1 - B)) = 0.32415,
    # SL = 1 - C e^(-2 x 20/180) = 0.7404 < 0.8. With N = 8: B = 9.688 / 138.307 =
    # 0.070046, C = 8B / (8 - 5(1 - B)) = 0.16726, SL = 1 - C e^(-3 x 20/180) = 0.88015;
    # ASA = C x 180 / 3 = 10.04 s; occupancy 5 / 8. Shrinkage 30 %: ceil(8 / 0.7) = 12.
    assert body["agents_before_shrinkage"] == 8
    assert body["agents"] == 12
    assert body["service_level"] == pytest.approx(0.88015, abs=1e-4)
    assert body["asa_seconds"] == pytest.approx(10.035, abs=1e-2)
    assert body["occupancy"] == pytest.approx(0.625)


def test_workforce_erlang_refuses_a_percentage(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys, "workforce", "erlang", "--arrivals-per-hour", "100", "--aht-seconds", "180",
        "--target", "80", "--within-seconds", "20",
    )  # fmt: skip
    assert code == 2
    assert err.startswith("error: target = 80.0: a service level target must be a share")


ROSTER = """\
profiles:
  day:
    blocks:
      - {start_hour: 8, end_hour: 16, staff: 2}
requirement: [day]
shifts:
  - {name: day, start_hour: 8, length_hours: 8}
staff:
  - {id: ana, cost_per_hour: 10}
  - {id: ben, cost_per_hour: 12}
  - {id: cat, cost_per_hour: 15}
coverage: hard
"""


def test_workforce_roster(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    spec = tmp_path / "roster.yaml"
    spec.write_text(ROSTER)
    code, out, err = run(
        capsys, "workforce", "roster", str(spec), "--time-limit", "5", "--format", "json"
    )
    assert code == 0, err
    body = json.loads(out)
    # Two people 8-16 on one 8-hour shift: the two cheapest, ana 8 x 10 = 80 and
    # ben 8 x 12 = 96: 176.
    assert body["status"] == "optimal"
    assert body["labour_cost"] == pytest.approx(176.0)
    assert body["gap"] == 0.0
    assert sorted(a["staff_id"] for a in body["assignments"]) == ["ana", "ben"]
    assert body["coverage"] == [
        {"date": "day 1", "day": 0, "required": 16, "scheduled": 16, "short": 0, "over": 0}
    ]
    assert {r["staff_id"]: r["day 1"] for r in body["roster"]} == {
        "ana": "day",
        "ben": "day",
        "cat": "",
    }


def test_workforce_roster_spec_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    spec = tmp_path / "roster.yaml"
    spec.write_text(ROSTER.replace("  - {id: cat, cost_per_hour: 15}", "  - {id: cat, wage: 15}")
                    .replace("requirement: [day]", "requirement: [day, night]"))  # fmt: skip
    code, _, err = run(capsys, "workforce", "roster", str(spec))
    assert code == 2
    assert err.splitlines() == [
        f"error: {spec}: the spec has 1 problem",
        f"{spec}:11: staff.2.wage: unknown key 'wage'",
    ]
    spec.write_text(ROSTER.replace("requirement: [day]", "requirement: [day, night]"))
    code, _, err = run(capsys, "workforce", "roster", str(spec))
    assert code == 2
    assert err.splitlines() == [
        f"error: {spec}: the roster has 1 problem",
        f"{spec}:5: requirement.1: unknown profile 'night'; profiles are day",
    ]
