"""The capex YAML spec: loading, every problem with file and line, evaluation, tornado."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from obeya.errors import ConfigError, SpecError
from obeya.finance import (
    CapexSpec,
    DepreciationMethod,
    TornadoDriver,
    evaluate,
    load_capex_spec,
    parse_capex_spec,
    tornado,
)

GOOD = """\
discount_rate: 0.09
budget: 500000
projects:
  - id: palletiser
    cash_flows: [-250000, 60000, 70000, 80000, 80000, 60000]
  - id: agv
    capex: 400000
    annual_savings: 120000
    life: 6
    tax_rate: 0.25
    depreciation: macrs_5
    salvage: 20000
    requires: [wms]
    excludes: [agv_lite]
  - id: wms
    cash_flows: [-50000, 30000, 30000]
  - id: agv_lite
    cash_flows: [-150000, 50000, 50000, 50000, 50000]
"""


def load_capex_spec_text(text: str) -> CapexSpec:
    return parse_capex_spec(yaml.safe_load(text))


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "capex.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_load_and_evaluate(tmp_path: Path) -> None:
    spec = load_capex_spec(_write(tmp_path, GOOD))
    assert [p.id for p in spec.projects] == ["palletiser", "agv", "wms", "agv_lite"]
    agv = spec.project("agv")
    assert agv.depreciation is DepreciationMethod.MACRS_5
    assert agv.requires == ("wms",)
    assert spec.budgets() == (500_000.0,)
    results = {r.id: r.to_dict() for r in evaluate(spec)}
    # palletiser at 9%: 60,000/1.09 = 55,045.87; 70,000/1.1881 = 58,917.60;
    # 80,000/1.295029 = 61,774.68; 80,000/1.411582 = 56,674.02;
    # 60,000/1.538624 = 38,995.88; sum 271,408.05; NPV = 271,408.05 - 250,000 = 21,408.05.
    assert results["palletiser"]["npv"] == pytest.approx(21_408.05, abs=0.01)
    # Cumulative -250,000, -190,000, -120,000, -40,000, +40,000: 3 + 40/80 = 3.5 years.
    assert results["palletiser"]["payback_years"] == pytest.approx(3.5)
    # agv's derived flows are worked by hand in test_depreciation_cashflow: NPV 91,867.76.
    assert results["agv"]["npv"] == pytest.approx(91_867.76, abs=0.01)


def test_schema_problems_reported_together_with_lines(tmp_path: Path) -> None:
    text = """\
discount_rate: 0.09
projects:
  - id: palletiser
    cash_flows: [-250000, 60000]
  - id: agv
    capex: -5
    annual_savings: 120000
    life: 6
    colour: red
    depreciation: macrs_4
"""
    path = _write(tmp_path, text)
    with pytest.raises(SpecError) as info:
        load_capex_spec(path)
    message = str(info.value)
    assert "3 problems" in message
    assert (
        f"{path}:6: project 'agv': capex: Input should be greater than or equal to 0 (got -5)"
        in message
    )
    assert f"{path}:9: project 'agv': colour: unknown key" in message
    assert f"{path}:10: project 'agv': depreciation: Input should be 'straight_line'" in message


def test_explicit_and_derived_are_exclusive(tmp_path: Path) -> None:
    text = """\
discount_rate: 0.09
projects:
  - id: both
    cash_flows: [-100, 60, 60]
    capex: 100
"""
    path = _write(tmp_path, text)
    with pytest.raises(
        SpecError,
        match=r"capex\.yaml:3: project 'both': give either cash_flows or drivers, not both: remove capex",
    ):
        load_capex_spec(path)


def test_derived_project_needs_its_drivers() -> None:
    with pytest.raises(
        SpecError,
        match=r"project 'half': a project needs cash_flows, or capex, annual_savings and life.*missing: annual_savings, life",
    ):
        parse_capex_spec({"discount_rate": 0.1, "projects": [{"id": "half", "capex": 10}]})


def test_cross_project_rules_name_line_and_project(tmp_path: Path) -> None:
    text = """\
discount_rate: 0.09
projects:
  - id: a
    cash_flows: [-100, 60, 60]
    requires: [ghost]
  - id: a
    cash_flows: [-100, 60, 60]
    excludes: [a]
"""
    path = _write(tmp_path, text)
    with pytest.raises(SpecError) as info:
        load_capex_spec(path)
    message = str(info.value)
    assert f"{path}:5: project 'a': requires.0: unknown project 'ghost'" in message
    assert f"{path}:6: project 'a': id: duplicate project id 'a'" in message
    assert f"{path}:8: project 'a': excludes.0: a project cannot list itself in excludes" in message


def test_unknown_top_level_key_and_duplicate_key(tmp_path: Path) -> None:
    text = """\
discount_rate: 0.09
discount_rate: 0.10
rate_of_return: 0.1
projects:
  - id: a
    cash_flows: [-100, 60, 60]
"""
    path = _write(tmp_path, text)
    with pytest.raises(SpecError) as info:
        load_capex_spec(path)
    message = str(info.value)
    assert f"{path}:2: discount_rate: duplicate key" in message
    assert f"{path}:3: rate_of_return: unknown key" in message


def test_yaml_syntax_error_names_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "discount_rate: 0.09\nprojects:\n  - id: [unclosed\n")
    with pytest.raises(SpecError, match=r"capex\.yaml:\d+: invalid YAML"):
        load_capex_spec(path)


def test_missing_file_and_wrong_document(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read capex spec"):
        load_capex_spec(tmp_path / "nope.yaml")
    with pytest.raises(SpecError, match="a capex spec is a mapping"):
        load_capex_spec(_write(tmp_path, "- just\n- a list\n"))


def test_per_year_budget_list() -> None:
    spec = parse_capex_spec(
        {
            "discount_rate": 0.1,
            "budget": [100, 50],
            "projects": [{"id": "a", "cash_flows": [-1, 2]}],
        }
    )
    assert spec.budgets() == (100.0, 50.0)


def test_tornado_explicit_flows_by_hand() -> None:
    spec = load_capex_spec_text(GOOD)
    t = tornado(spec, "palletiser", 0.10)
    # PV of the inflows at 9% = NPV + outlay = 21,408.05 + 250,000 = 271,408.05.
    # Inflows -/+10%: 21,408.05 -/+ 27,140.80 -> -5,732.76 and 48,548.85 (swing 54,281.61).
    # Outlay -/+10%: 21,408.05 +/- 25,000 -> 46,408.05 and -3,591.95 (swing 50,000).
    assert [b.driver for b in t.bars] == [
        TornadoDriver.INFLOWS,
        TornadoDriver.OUTLAY,
        TornadoDriver.DISCOUNT_RATE,
    ]
    inflows, outlay, rate = t.bars
    assert (inflows.npv_low, inflows.npv_high) == pytest.approx((-5_732.76, 48_548.85), abs=0.01)
    assert (outlay.npv_low, outlay.npv_high) == pytest.approx((46_408.05, -3_591.95), abs=0.01)
    assert (rate.low_input, rate.high_input) == pytest.approx((0.081, 0.099))
    assert rate.npv_low > t.base_npv > rate.npv_high


def test_tornado_derived_by_hand() -> None:
    # No tax, straight line: NPV = -capex + savings x annuity(10%, 4 years).
    # annuity = (1 - 1.1^-4) / 0.1 = 3.169865; NPV = -100,000 + 40,000 x 3.169865 = 26,794.62.
    # Savings -/+10% moves NPV by 4,000 x 3.169865 = 12,679.46; capex -/+10% by 10,000;
    # life 4 -> 3.6 and 4.4 round to 4: no swing; no opex change: no bar.
    spec = parse_capex_spec(
        {
            "discount_rate": 0.10,
            "projects": [{"id": "p", "capex": 100_000, "annual_savings": 40_000, "life": 4}],
        }
    )
    t = tornado(spec, "p")
    assert t.base_npv == pytest.approx(26_794.62, abs=0.01)
    drivers = [b.driver for b in t.bars]
    assert drivers[:2] == [TornadoDriver.SAVINGS, TornadoDriver.CAPEX]
    assert TornadoDriver.OPEX not in drivers
    savings, capex = t.bars[0], t.bars[1]
    assert savings.swing == pytest.approx(2 * 12_679.46, abs=0.02)
    assert capex.npv_low == pytest.approx(26_794.62 + 10_000, abs=0.01)
    life = next(b for b in t.bars if b.driver is TornadoDriver.LIFE)
    assert life.swing == 0.0
    assert t.bars[-1].driver is TornadoDriver.LIFE


def test_tornado_refuses_bad_step_and_unknown_project() -> None:
    spec = load_capex_spec_text(GOOD)
    with pytest.raises(SpecError, match="between 0 and 1"):
        tornado(spec, "agv", 10)
    with pytest.raises(SpecError, match="no project 'ghost'"):
        tornado(spec, "ghost")
