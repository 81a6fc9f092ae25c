"""Driver scenarios: the base split into cells, the drivers' arithmetic, the file's errors.

The company of November 2025 (figures by hand below): order lines S1 F1 10 units,
revenue 100, cost 60; S1 F2 20 units, 100, 60; S2 F1 5 units, 55, 30. Ledger: S1
revenue 200, material 100, labour 30, overhead 20, freight 12, SG&A 25, other 3; S2
revenue 55, material 28, freight 5, warehousing 15, SG&A 10.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from obeya.errors import SpecError
from obeya.finance import (
    PnlLineCode,
    ScenarioBaseKind,
    load_scenario,
    parse_scenario,
    run_scenario,
    scenario_base,
)
from obeya.warehouse import Warehouse
from tests.clirun import run
from tests.finance.company import build, ledger, order_line

FACTS = {
    "order_lines": [
        order_line("O1", 1, "C1", "A1", "S1", "2025-11-03", 10, 10.0, 6.0),
        order_line("O1", 2, "C1", "B1", "S1", "2025-11-03", 20, 5.0, 3.0),
        order_line("O2", 1, "C2", "A1", "S2", "2025-11-20", 5, 11.0, 6.0),
    ],
    "gl_actuals": [
        *ledger("2025-11", "S1", {"revenue": 200, "cogs_material": 100, "cogs_labor": 30,
                                  "cogs_overhead": 20, "freight": 12, "sga": 25, "other": 3}),
        *ledger("2025-11", "S2", {"revenue": 55, "cogs_material": 28, "freight": 5,
                                  "warehousing": 15, "sga": 10}),
    ],
}  # fmt: skip

SCENARIO = """\
name: Squeeze
drivers:
  - {kind: price, family: F1, change: 0.10}
  - {kind: demand, site: S1, change: -0.10}   # a planning key: read as volume
  - {kind: wages, change: 0.05}
  - {kind: freight_rate, change: 0.20}
  - {kind: overhead, site: S1, change: -0.10}
"""


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory) -> str:
    return build(tmp_path_factory.mktemp("scenario") / "w.duckdb", FACTS)


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    path = tmp_path / "squeeze.yaml"
    path.write_text(SCENARIO)
    return path


def test_base_cells_split_the_ledger_by_order_lines(wh: str) -> None:
    with Warehouse.open(wh, create=False) as w:
        base = scenario_base(w, ScenarioBaseKind.LAST_12_MONTHS, "2025-11")
    cells = base.cells.set_index(["site_id", "family"])
    # S1: revenue 200 by order-line revenue 100 : 100; material 100 by cost 60 : 60;
    # labour 30 and freight 12 by units 10 : 20.  S2 has one family: all of it.
    assert cells.loc[("S1", "F1")].to_dict() == pytest.approx(
        {"units": 10, "revenue": 100, "cogs_material": 50, "cogs_labor": 10, "freight": 4}
    )
    assert cells.loc[("S1", "F2")].to_dict() == pytest.approx(
        {"units": 20, "revenue": 100, "cogs_material": 50, "cogs_labor": 20, "freight": 8}
    )
    assert cells.loc[("S2", "F1")].to_dict() == pytest.approx(
        {"units": 5, "revenue": 55, "cogs_material": 28, "cogs_labor": 0, "freight": 5}
    )
    totals = base.totals()
    # gross margin 255 - 128 - 30 - 20 = 77; operating income 77 - 17 - 15 - 35 - 3 = 7
    assert totals[PnlLineCode.GROSS_MARGIN] == pytest.approx(77)
    assert totals[PnlLineCode.OPERATING_INCOME] == pytest.approx(7)


def test_scenario_arithmetic_line_by_line(wh: str, scenario_file: Path) -> None:
    spec = load_scenario(scenario_file)
    with Warehouse.open(wh, create=False) as w:
        base = scenario_base(w, spec.base, "2025-11")
    result = run_scenario(spec, base, tornado_step=0.1)
    after = {ln.line: ln.scenario for ln in result.lines}
    # S1 F1: revenue 100 x 1.1 x 0.9 = 99, material 50 x 0.9 = 45, labour 10 x 0.9 x 1.05
    # = 9.45, freight 4 x 0.9 x 1.2 = 4.32. S1 F2: 90, 45, 18.9, 8.64. S2 F1: revenue
    # 55 x 1.1 = 60.5, material 28, freight 5 x 1.2 = 6. Overhead S1 20 x 0.9 = 18.
    assert after[PnlLineCode.REVENUE] == pytest.approx(99 + 90 + 60.5)
    assert after[PnlLineCode.COGS_MATERIAL] == pytest.approx(45 + 45 + 28)
    assert after[PnlLineCode.COGS_LABOR] == pytest.approx(9.45 + 18.9)
    assert after[PnlLineCode.FREIGHT] == pytest.approx(4.32 + 8.64 + 6)
    assert after[PnlLineCode.COGS_OVERHEAD] == pytest.approx(18)
    assert after[PnlLineCode.WAREHOUSING] == pytest.approx(15)  # no driver moved it
    # gross margin 249.5 - 118 - 28.35 - 18 = 85.15; operating income 85.15 - 18.96 - 15
    # - 35 - 3 = 13.19, up 6.19 on the base's 7.
    assert after[PnlLineCode.GROSS_MARGIN] == pytest.approx(85.15)
    oi = result.line(PnlLineCode.OPERATING_INCOME)
    assert (oi.base, oi.scenario, oi.change) == pytest.approx((7, 13.19, 6.19))
    assert result.drivers == (
        "price (F1) +10.0%", "volume (S1) -10.0%", "wages +5.0%",
        "freight_rate +20.0%", "overhead (S1) -10.0%",
    )  # fmt: skip


def test_tornado_moves_each_driver_alone(wh: str, scenario_file: Path) -> None:
    spec = load_scenario(scenario_file)
    with Warehouse.open(wh, create=False) as w:
        base = scenario_base(w, spec.base, "2025-11")
    bars = run_scenario(spec, base, tornado_step=0.1).tornado
    # Operating income 7 with one driver at -10% / +10%:
    #   price F1: revenue of F1 155 -> 7 -/+ 15.5: -8.5 / 22.5, swing 31
    #   volume S1: S1's variable margin 200 - 100 - 30 - 12 = 58 -> 1.2 / 12.8, swing 11.6
    #   wages: labour 30 -> 10 / 4, swing 6; overhead S1 20 -> 9 / 5, swing 4;
    #   freight 17 -> 8.7 / 5.3, swing 3.4
    assert [b.driver for b in bars] == ["price (F1)", "volume (S1)", "wages", "overhead (S1)",
                                        "freight_rate"]  # fmt: skip
    assert [b.swing for b in bars] == pytest.approx([31, 11.6, 6, 4, 3.4])
    assert (bars[0].operating_income_low, bars[0].operating_income_high) == pytest.approx(
        (-8.5, 22.5)
    )
    # each alone at its own change: +15.5, -5.8, -1.5, +2, -3.4 (sum 6.8); together 6.19
    # because changes compound: F1 at S1 loses 100 x 0.1 x 0.1 = 1 of revenue, S1 labour
    # and freight 0.15 and 0.24 of cost.
    assert [b.impact for b in bars] == pytest.approx([15.5, -5.8, -1.5, 2, -3.4])


def test_scenario_command_json(
    capsys: pytest.CaptureFixture[str], wh: str, scenario_file: Path
) -> None:
    code, out, err = run(
        capsys, "pnl", "scenario", str(scenario_file), "--as-of", "2025-11", "--tornado", "0.1",
        "-f", "json", "-w", wh,
    )  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    assert data["name"] == "Squeeze"
    assert data["base"] == "last 12 months to 2025-11"
    lines = {r["line"]: r for r in data["lines"]}
    assert lines["operating_income"]["change"] == pytest.approx(6.19)
    assert lines["operating_income"]["change_pct"] == pytest.approx(6.19 / 7)
    assert data["tornado"][0]["driver"] == "price (F1)"


def test_bad_scenario_lists_every_problem_with_file_line_field(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, wh: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "name: bad\n"
        "drivers:\n"
        "  - {kind: price, family: F1, change: 0.02, colour: red}\n"
        "  - kind: wage\n"
        "    change: 0.04\n"
        "  - {kind: overhead, family: F1, change: 0.1}\n"
        "  - {kind: volume, change: -1.5}\n"
        "basis: x\n"
    )
    code, out, err = run(capsys, "pnl", "scenario", str(path), "-w", wh)
    assert code == 2
    assert out == ""
    assert err.splitlines() == [
        f"error: scenario {path} has 5 problems",
        f"{path}:3: driver #1: colour: unknown key (not allowed here); check the spelling or remove it",
        f"{path}:4: driver #2: kind: Input should be 'price', 'volume', 'unit_cost', "
        "'freight_rate', 'wages', 'overhead', 'warehousing' or 'sga' (got 'wage')",
        f"{path}:6: driver #3: overhead is booked per site, not per product family: remove "
        "family (or use site)",
        f"{path}:7: driver #4: change: Input should be greater than -1 (got -1.5)",
        f"{path}:8: basis: unknown key (not allowed here); check the spelling or remove it",
    ]


def test_unknown_family_names_the_driver_line(tmp_path: Path, wh: str) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        "drivers:\n  - kind: wages\n    change: 0.1\n  - {kind: price, family: F9, change: 0.1}\n"
    )
    spec = load_scenario(path)
    with Warehouse.open(wh, create=False) as w:
        base = scenario_base(w, ScenarioBaseKind.LAST_12_MONTHS, "2025-11")
    with pytest.raises(SpecError, match=rf"^{path}:4: driver price \(F9\): family 'F9' is not in"):
        run_scenario(spec, base)


def test_same_driver_twice_is_refused() -> None:
    with pytest.raises(SpecError, match=r"driver #2: the same driver \(wages\) appears 2 times"):
        parse_scenario(
            {"drivers": [{"kind": "wages", "change": 0.1}, {"kind": "wages", "change": 0.2}]}
        )


def test_empty_or_missing_drivers_are_refused() -> None:
    with pytest.raises(SpecError, match="drivers: required key is missing; add it"):
        parse_scenario({"name": "nothing"})
    with pytest.raises(SpecError, match="drivers: Tuple should have at least 1 item"):
        parse_scenario({"drivers": []})
