"""``obeya pnl``, ``obeya pnl bridge`` and ``obeya capex`` through the real CLI.

Figures are worked out by hand from the fixture rows below (arithmetic in comments).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.clirun import run
from tests.finance.company import build, ledger, order_line

# Order lines shipped in November 2025 and November 2024 (member, units, revenue, cost):
#   2025: O1/1 C1 A1(F1) S1 10 x 10 = 100, cost 60; O1/2 C1 B1(F2) S1 20 x 5 = 100, cost 60;
#         O2/1 C2 A1(F1) S2 5 x 11 = 55, cost 30
#   2024: L1/1 C1 A1(F1) S1 8 x 9.5 = 76, cost 44; L2/1 C3 B1(F2) S2 10 x 5 = 50, cost 30
ORDERS = [
    order_line("O1", 1, "C1", "A1", "S1", "2025-11-03", 10, 10.0, 6.0),
    order_line("O1", 2, "C1", "B1", "S1", "2025-11-03", 20, 5.0, 3.0),
    order_line("O2", 1, "C2", "A1", "S2", "2025-11-20", 5, 11.0, 6.0),
    order_line("L1", 1, "C1", "A1", "S1", "2024-11-05", 8, 9.5, 5.5),
    order_line("L2", 1, "C3", "B1", "S2", "2024-11-06", 10, 5.0, 3.0),
]
# Sales budget November 2025: F1 at S1 12 units, 120, cogs 72; F2 at S1 25, 125, 75;
# F1 at S2 4, 40, 24.  So by family: F1 16 units, 160, cogs 96; F2 25, 125, 75.
SALES_BUDGET = [
    {"period": "2025-11", "site_id": "S1", "family": "F1", "units": 12, "revenue": 120, "cogs": 72},
    {"period": "2025-11", "site_id": "S1", "family": "F2", "units": 25, "revenue": 125, "cogs": 75},
    {"period": "2025-11", "site_id": "S2", "family": "F1", "units": 4, "revenue": 40, "cogs": 24},
]  # fmt: skip
GL = [
    *ledger("2025-11", "S1", {"revenue": 360, "cogs_material": 100, "cogs_labor": 30,
                              "cogs_overhead": 20, "freight": 12, "sga": 25, "other": 3}),
    *ledger("2025-11", "S2", {"revenue": 110, "cogs_material": 28, "freight": 5,
                              "warehousing": 15, "sga": 10}),
    *ledger("2024-11", "S1", {"revenue": 300, "cogs_material": 90}),
]  # fmt: skip
BUDGET = [
    *ledger("2025-11", "S1", {"revenue": 400, "cogs_material": 110, "cogs_labor": 25,
                              "cogs_overhead": 20, "freight": 10, "sga": 25}),
    *ledger("2025-11", "S2", {"revenue": 100, "cogs_material": 30, "freight": 5,
                              "warehousing": 15, "sga": 10}),
]  # fmt: skip


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("cli") / "w.duckdb"
    return build(
        path,
        {"order_lines": ORDERS, "sales_budget": SALES_BUDGET, "gl_actuals": GL, "budget": BUDGET},
    )


# ------------------------------------------------------------------ obeya pnl


def test_pnl_month_against_budget_json(capsys: pytest.CaptureFixture[str], wh: str) -> None:
    code, out, err = run(capsys, "pnl", "--period", "2025-11", "-f", "json", "-w", wh)
    assert code == 0, err
    rows = {r["line"]: r for r in json.loads(out)}
    # Actual: revenue 360 + 110 = 470; material 100 + 28 = 128; labour 30; overhead 20;
    # gross margin 470 - 128 - 30 - 20 = 292; freight 12 + 5 = 17; warehousing 15;
    # SG&A 25 + 10 = 35; other 3; operating income 292 - 17 - 15 - 35 - 3 = 222.
    # Budget: revenue 500; material 140; labour 25; overhead 20; GM 315; freight 15;
    # warehousing 15; SG&A 35; other 0; operating income 315 - 65 = 250.
    assert {k: (v["actual"], v["budget"]) for k, v in rows.items()} == {
        "revenue": (470, 500),
        "cogs_material": (128, 140),
        "cogs_labor": (30, 25),
        "cogs_overhead": (20, 20),
        "gross_margin": (292, 315),
        "freight": (17, 15),
        "warehousing": (15, 15),
        "sga": (35, 35),
        "other": (3, 0),
        "operating_income": (222, 250),
    }
    assert rows["revenue"]["variance"] == -30
    assert rows["revenue"]["variance_pct"] == pytest.approx(-30 / 500)
    assert rows["revenue"]["favourability"] == "unfavourable"
    assert rows["cogs_material"]["favourability"] == "favourable"  # spent 12 less
    assert rows["other"]["variance_pct"] is None  # nothing budgeted: no percentage
    assert rows["sga"]["favourability"] == "on_plan"


def test_pnl_table_shows_percentages_and_by_site(
    capsys: pytest.CaptureFixture[str], wh: str
) -> None:
    code, out, _ = run(capsys, "pnl", "--period", "2025-11", "--by", "site", "-f", "csv", "-w", wh)
    assert code == 0
    lines = out.splitlines()
    assert (
        lines[0] == '"site_id","line","actual","budget","variance","variance_pct","favourability"'
    )
    # S2 revenue 110 against 100: +10, +10%.
    assert '"S2","revenue",110,100,10,0.1,"favourable"' in lines
    code, out, _ = run(capsys, "pnl", "--period", "2025-11", "-w", wh)
    assert code == 0
    assert "P&L 2025-11 (month: 2025-11) vs budget (2025-11)" in out
    assert "-6.0%" in out  # revenue -30 / 500
    assert "+20.0%" in out  # labour +5 / 25


def test_pnl_vs_last_year(capsys: pytest.CaptureFixture[str], wh: str) -> None:
    code, out, _ = run(capsys, "pnl", "-p", "2025-11", "--vs", "last_year", "-f", "json", "-w", wh)
    assert code == 0
    rows = {r["line"]: r for r in json.loads(out)}
    # November 2024: revenue 300, material 90 -> gross margin 210.
    assert (rows["revenue"]["last_year"], rows["gross_margin"]["last_year"]) == (300, 210)
    assert rows["revenue"]["variance"] == 170


def test_pnl_bad_period_is_an_error_line(capsys: pytest.CaptureFixture[str], wh: str) -> None:
    code, _, err = run(capsys, "pnl", "--period", "2025-13", "-w", wh)
    assert code == 2
    assert err.strip() == "error: period must be a month as YYYY-MM (e.g. 2025-03), got '2025-13'"


# ------------------------------------------------------------------ obeya pnl bridge


def test_bridge_by_family_against_budget(capsys: pytest.CaptureFixture[str], wh: str) -> None:
    code, out, err = run(
        capsys, "pnl", "bridge", "--period", "2025-11", "--by", "family", "-f", "json", "-w", wh
    )
    assert code == 0, err
    data = json.loads(out)
    # Actual by family: F1 15 units, revenue 155, cost 90 -> GM 65; F2 20, 100, 60 -> 40.
    # Budget: F1 16 units, GM 160 - 96 = 64; F2 25 units, GM 125 - 75 = 50. Change -9.
    assert (data["actual_total"], data["comparison_total"]) == (105, 114)
    assert data["change"] == pytest.approx(-9)
    # price F1 = (155/15 - 160/16) x 15 = 5; F2 (5 - 5) x 20 = 0; cost (6 - 6), (3 - 3) = 0.
    # volume = (35 - 41) x 114/41 = -684/41.
    # mix F1 = 35 (15/35 - 16/41)(64/16 - 114/41) = 35 x 11/287 x 50/41 = 19250/11767;
    # mix F2 = 35 (20/35 - 25/41)(50/25 - 114/41) = 35 x (-11/287)(-32/41) = 12320/11767.
    effects = data["effects"]
    assert effects["price"] == pytest.approx(5)
    assert effects["cost"] == pytest.approx(0, abs=1e-9)
    assert effects["volume"] == pytest.approx(-684 / 41)
    assert effects["mix"] == pytest.approx(31570 / 11767)
    assert sum(effects.values()) == pytest.approx(-9, abs=1e-9)
    members = {m["member"]: m for m in data["members"]}
    assert members["F1"]["mix"] == pytest.approx(19250 / 11767)
    assert [m["member"] for m in data["members"]] == ["F2", "F1"]  # |total| 12.86 > 3.86
    steps = data["waterfall"]["steps"]
    assert steps[-1]["end"] == pytest.approx(105)
    assert data["waterfall"]["start"] == {"label": "budget", "value": 114}


def test_bridge_by_customer_against_last_year(capsys: pytest.CaptureFixture[str], wh: str) -> None:
    code, out, _ = run(
        capsys, "pnl", "bridge", "-p", "2025-11", "--vs", "last_year", "--by", "customer",
        "--measure", "revenue", "-f", "json", "-w", wh,
    )  # fmt: skip
    assert code == 0
    data = json.loads(out)
    # 2025: C1 30 units, 200; C2 5 units, 55 (new). 2024: C1 8 units, 76; C3 10, 50 (lost).
    # C1 continues: price (200/30 - 76/8) x 30 = -85; volume (30 - 8) x 9.5 = 209; mix 0.
    # new +55, lost -50: -85 + 209 + 55 - 50 = 129 = 255 - 126.
    assert data["effects"] == pytest.approx(
        {"volume": 209, "mix": 0, "price": -85, "new": 55, "lost": -50}
    )
    assert data["change"] == pytest.approx(129)
    status = {m["member"]: m["status"] for m in data["members"]}
    assert status == {"C1": "continuing", "C2": "new", "C3": "lost"}


def test_bridge_by_customer_against_budget_is_refused(
    capsys: pytest.CaptureFixture[str], wh: str
) -> None:
    code, out, err = run(capsys, "pnl", "bridge", "-p", "2025-11", "--by", "customer", "-w", wh)
    assert code == 2
    assert out == ""
    assert err.strip() == (
        "error: the sales budget is planned by site and family, not by customer, so a bridge "
        "by customer against budget cannot be made; use --vs last_year or --by family|site"
    )


def test_bridge_table_names_every_effect(capsys: pytest.CaptureFixture[str], wh: str) -> None:
    code, out, _ = run(capsys, "pnl", "bridge", "-p", "2025-11", "--by", "site", "-w", wh)
    assert code == 0
    # By site, budget: S1 37 units GM 98, S2 4 units GM 16; actual S1 30 units GM 80,
    # S2 5 units GM 25; change 105 - 114 = -9.
    assert "gross_margin bridge 2025-11 vs budget (2025-11), by site" in out
    assert "change -9.00 = volume" in out


# ------------------------------------------------------------------ obeya capex

CAPEX = """\
discount_rate: 0.10
budget: 1000
projects:
  - id: a
    cash_flows: [-1000, 600, 600]
  - id: b
    cash_flows: [-500, 300, 300]
  - id: never
    cash_flows: [100, 100]
"""


@pytest.fixture
def capex_file(tmp_path: Path) -> Path:
    path = tmp_path / "projects.yaml"
    path.write_text(CAPEX)
    return path


def test_capex_evaluate_json(capsys: pytest.CaptureFixture[str], capex_file: Path) -> None:
    code, out, _ = run(capsys, "capex", "evaluate", str(capex_file), "--format", "json")
    assert code == 0
    rows = {r["id"]: r for r in json.loads(out)}
    # a: NPV = -1000 + 600/1.1 + 600/1.21 = -1000 + 545.4545 + 495.8678 = 41.3223.
    # IRR: 600x + 600x^2 = 1000 with x = 1/(1+r): x = (-600 + sqrt(600^2 + 4 x 600 x 1000))
    # / 1200 = 0.8844373 -> r = 13.0662%.
    # payback: cumulative -1000, -400, +200 -> 1 + 400/600 = 1.6667 years.
    a = rows["a"]
    assert set(a) >= {"id", "npv", "irr", "mirr", "payback_years", "discounted_payback_years",
                      "profitability_index"}  # fmt: skip
    assert a["npv"] == pytest.approx(41.32231405)
    assert a["irr"] == pytest.approx(0.13066238, rel=1e-6)
    assert a["payback_years"] == pytest.approx(5 / 3)
    assert a["profitability_index"] == pytest.approx(1.04132231)
    # never: all inflows, so no IRR exists: null with the reason.
    assert rows["never"]["irr"] is None
    assert rows["never"]["irr_note"].startswith("no IRR: the cash flows never change sign")


def test_capex_evaluate_table_says_why_irr_is_missing(
    capsys: pytest.CaptureFixture[str], capex_file: Path
) -> None:
    code, out, _ = run(capsys, "capex", "evaluate", str(capex_file))
    assert code == 0
    assert "+13.1%" in out
    assert "no IRR: the cash flows never change sign" in out


def test_capex_tornado_sorted_by_swing(
    capsys: pytest.CaptureFixture[str], capex_file: Path
) -> None:
    code, out, _ = run(
        capsys, "capex", "tornado", str(capex_file), "--project", "a", "--step", "0.1", "-f", "json"
    )
    assert code == 0
    data = json.loads(out)
    bars = {b["driver"]: b for b in data["bars"]}
    # inflows x 0.9 / 1.1: NPV = -1000 + 1041.3223 x 0.9 = -62.81 / +145.45; swing 208.26.
    # outlay x 0.9 / 1.1: NPV = 141.32 / -58.68; swing 200.
    assert bars["inflows"]["npv_low"] == pytest.approx(-1000 + 1041.32231405 * 0.9)
    assert bars["outlay"]["swing"] == pytest.approx(200)
    assert [b["driver"] for b in data["bars"]][:2] == ["inflows", "outlay"]


def test_capex_portfolio_within_budget_and_no_banner(capex_file: Path) -> None:
    # A fresh process: highspy prints its banner on the first solver it makes, below Python.
    done = subprocess.run(
        [sys.executable, "-m", "obeya", "capex", "portfolio", str(capex_file), "-f", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)  # the whole of stdout is JSON: no solver banner in it
    # NPV a = 41.32, b = -500 + 300/1.1 + 300/1.21 = 20.66, never = 100 + 90.91 = 190.91
    # (it needs -100 of budget: it brings cash). Budget 1000: a (1000) + never (-100) + b
    # (500) = 1400 > 1000; a + never = 900 -> NPV 232.23; b + never = 400 -> 211.57.
    assert sorted(data["chosen"]) == ["a", "never"]
    assert data["total_npv"] == pytest.approx(41.32231405 + 190.90909091)
    assert data["capex_used"] == pytest.approx(900)
    assert "HiGHS" not in done.stdout + done.stderr


def test_capex_portfolio_infeasible_is_an_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        "discount_rate: 0.1\nbudget: 100\nprojects:\n"
        "  - {id: big, cash_flows: [-500, 600], mandatory: true}\n"
    )
    code, out, err = run(capsys, "capex", "portfolio", str(path))
    assert code == 2
    assert out == ""
    assert err.startswith("error: no portfolio fits: the solver reports Infeasible; ")
    assert "mandatory projects (big)" in err


def test_capex_budget_option_replaces_the_file_budget(
    capsys: pytest.CaptureFixture[str], capex_file: Path
) -> None:
    code, out, _ = run(
        capsys, "capex", "portfolio", str(capex_file), "--budget", "2000", "-f", "json"
    )
    assert code == 0
    assert sorted(json.loads(out)["chosen"]) == ["a", "b", "never"]  # 1400 <= 2000


def test_bad_capex_file_names_file_line_and_field(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("discount_rate: 0.1\nprojects:\n  - id: a\n    cash_flow: [-1, 2]\n")
    code, _, err = run(capsys, "capex", "evaluate", str(path))
    assert code == 2
    assert err.splitlines()[0] == f"error: capex spec {path} has 2 problems"
    assert f"{path}:4: project 'a': cash_flow: unknown key (not allowed here)" in err
