"""``obeya capability`` and ``obeya pareto``: published and hand-worked figures.

Capability: Montgomery, *Introduction to Statistical Quality Control*, 7th ed.,
Example 6.1 (piston rings, specification 74.000 +- 0.05, Cp printed as 1.68).
Pareto and DPMO: a hand-made inspections table, worked out in the comments.
"""

from __future__ import annotations

import importlib
import json
import statistics
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import stats

import obeya.quality as quality
from obeya.cli import kaizen as kaizen_cli
from obeya.cli import quality as cli
from tests.clirun import run
from tests.quality.cli_fixtures import T, table, warehouse, write_csv
from tests.quality.published import PISTON_RINGS

Capsys = pytest.CaptureFixture[str]

XBB, RBAR, D2_5 = 9250.147 / 125, 0.581 / 25, 2.325929  # d2(5), Appendix VI: 2.326


def test_command_choices_mirror_the_engine_enums() -> None:
    pairs = [
        (cli.RuleSetChoice, quality.RuleSet),
        (cli.GrainChoice, quality.SubgroupGrain),
        (cli.ParetoByChoice, quality.ParetoBy),
        (cli.MethodChoice, quality.CapabilityMethod),
        (cli.WithinChoice, quality.WithinMethod),
        (kaizen_cli.KaizenMethodChoice, quality.KaizenMethod),
        (kaizen_cli.KaizenStatusChoice, quality.KaizenStatus),
        (kaizen_cli.VerifyTestChoice, quality.VerifyTest),
    ]
    for choice, engine in pairs:
        assert [c.value for c in choice] == [e.value for e in engine], choice


def test_new_modules_export_through_the_package() -> None:
    for name in (
        "csv_input",
        "from_warehouse",
        "kaizen_measure",
        "lead_times",
        "register",
        "selection",
        "summary",
    ):
        module = importlib.import_module(f"obeya.quality.{name}")
        assert set(module.__all__) <= set(quality.__all__), name


def rings_csv(path: Path) -> Path:
    return write_csv(
        path,
        {
            "sample": np.repeat(np.arange(1, 26), 5).tolist(),
            "diameter": PISTON_RINGS.ravel().tolist(),
        },
    )


def capability_json(capsys: Capsys, *args: str) -> Any:
    code, out, err = run(capsys, "capability", *args, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def test_capability_of_the_piston_rings(capsys: Capsys, tmp_path: Path) -> None:
    path = rings_csv(tmp_path / "rings.csv")
    doc = capability_json(
        capsys, "-i", str(path), "--subgroup", "sample", "--value", "diameter",
        "--lsl", "73.95", "--usl", "74.05",
    )  # fmt: skip
    # sigma within = R-bar/d2 = 0.02324/2.325929 = 0.0099917; Cp = 0.10/(6 * 0.0099917) = 1.66805.
    # Montgomery prints 1.68 from the rounded 0.023/2.326 = 0.0099.
    sigma_within = RBAR / D2_5
    assert doc["sigma_within"] == pytest.approx(sigma_within, rel=1e-6)
    assert doc["cp"] == pytest.approx(0.10 / (6 * sigma_within), rel=1e-6)
    assert doc["cp"] == pytest.approx(1.68, abs=0.015)
    # Cpk: the USL is nearer: (74.05 - 74.001176)/(3 * 0.0099917) = 1.62882.
    assert doc["cpk"] == pytest.approx((74.05 - XBB) / (3 * sigma_within), rel=1e-6)
    # Overall sigma is the sample standard deviation of the 125 values.
    sigma_overall = statistics.stdev(PISTON_RINGS.ravel().tolist())
    assert doc["sigma_overall"] == pytest.approx(sigma_overall, rel=1e-9)
    assert doc["pp"] == pytest.approx(0.10 / (6 * sigma_overall), rel=1e-9)
    assert doc["ppk"] == pytest.approx((74.05 - XBB) / (3 * sigma_overall), rel=1e-9)
    # Cpm with the mid-point target 74.000: tau = sqrt(s^2 + 0.001176^2).
    assert doc["cpm"] == pytest.approx(0.10 / (6 * np.hypot(sigma_overall, XBB - 74.0)), rel=1e-9)
    assert set(doc["ppm_expected"]) == {"below_lsl", "above_usl", "total"}
    assert doc["method"] == "normal"
    assert doc["normality"]["normal"] is True
    code, out, _ = run(
        capsys, "capability", "-i", str(path), "--subgroup", "sample", "--value", "diameter",
        "--lsl", "73.95", "--usl", "74.05",
    )  # fmt: skip
    assert code == 0
    assert "│ Cp  " in out
    assert "1.668" in out
    assert "method: normal: indices from the normal model of the data (Anderson-Darling" in out
    assert "normality not rejected" in out


def test_non_normal_data_use_box_cox_or_percentiles(capsys: Capsys, tmp_path: Path) -> None:
    # 100 lognormal quantiles exp(z_i), z_i = Phi^-1((i - 0.5)/100): strongly right-skewed,
    # positive, so Anderson-Darling rejects normality and Box-Cox (lambda ~ 0, the log) is used.
    z = stats.norm.ppf((np.arange(1, 101) - 0.5) / 100)
    path = write_csv(tmp_path / "x.csv", {"x": np.exp(z).tolist()})
    doc = capability_json(capsys, "-i", str(path), "--value", "x", "--usl", "20")
    assert doc["method"] == "box_cox"
    assert doc["normality"]["normal"] is False
    assert doc["box_cox_lambda"] == pytest.approx(0.0, abs=0.05)
    _code, out, _ = run(capsys, "capability", "-i", str(path), "--value", "x", "--usl", "20")
    assert "method: box_cox: data and limits transformed with lambda =" in out
    assert "normality rejected" in out
    # Shifted below zero, Box-Cox is impossible: the percentile method, without Cp/Cpk.
    path = write_csv(tmp_path / "y.csv", {"x": (np.exp(z) - 3).tolist()})
    doc = capability_json(capsys, "-i", str(path), "--value", "x", "--lsl", "-3", "--usl", "20")
    assert doc["method"] == "percentile"
    assert doc["cp"] is None
    assert doc["cpk"] is None
    assert doc["pp"] is not None


@pytest.fixture
def wh(tmp_path: Path) -> str:
    samples = [
        {
            "characteristic_id": "BORE",
            "subgroup": i + 1,
            "sample_no": j + 1,
            "measured_at": T(2025, 3, 1 + i, 8, j),
            "value": float(v),
        }
        for i, row in enumerate(PISTON_RINGS.tolist())
        for j, v in enumerate(row)
    ]
    characteristic = [
        {
            "characteristic_id": "BORE",
            "name": "ring bore",
            "lsl": 73.95,
            "usl": 74.05,
            "target": 74.0,
        }
    ]
    # Inspections (unit costs: A 5, B 8):
    #   I1 P1 A S1 03-03 500 / 20 scratch   I2 P1 B -  03-04 500 / 15 dent
    #   I3 P2 A S1 03-05 400 / 10 scratch   I4 P2 B -  03-06 400 / 5 leak
    #   I5 P1 A -  03-07 200 / 0 (no code)  I6 P2 B S2 04-01 100 / 50 label
    lots = [
        ("I1", "P1", "A", "S1", T(2025, 3, 3, 9), 500, 20, "scratch"),
        ("I2", "P1", "B", None, T(2025, 3, 4, 9), 500, 15, "dent"),
        ("I3", "P2", "A", "S1", T(2025, 3, 5, 9), 400, 10, "scratch"),
        ("I4", "P2", "B", None, T(2025, 3, 6, 9), 400, 5, "leak"),
        ("I5", "P1", "A", None, T(2025, 3, 7, 9), 200, 0, None),
        ("I6", "P2", "B", "S2", T(2025, 4, 1, 9), 100, 50, "label"),
    ]
    keys = ("inspection_id", "site_id", "sku", "supplier_id", "inspected_at", "qty_inspected",
            "qty_defective", "defect_code")  # fmt: skip
    inspections = [dict(zip(keys, lot, strict=True)) for lot in lots]
    return warehouse(
        tmp_path / "q.duckdb",
        {
            "characteristics": table(characteristic),
            "quality_samples": table(samples),
            "inspections": table(inspections),
        },
    )


def test_capability_of_a_characteristic_takes_its_limits(capsys: Capsys, wh: str) -> None:
    doc = capability_json(capsys, "--characteristic", "BORE", "--warehouse", wh)
    assert (doc["lsl"], doc["usl"], doc["target"]) == (73.95, 74.05, 74.0)
    assert doc["cp"] == pytest.approx(0.10 / (6 * RBAR / D2_5), rel=1e-6)
    assert doc["source"] == "characteristic BORE"
    # A limit given on the command line overrides the table's.
    doc = capability_json(capsys, "--characteristic", "BORE", "--usl", "74.10", "--warehouse", wh)
    assert doc["cp"] == pytest.approx(0.15 / (6 * RBAR / D2_5), rel=1e-6)


def test_capability_refusals(capsys: Capsys, tmp_path: Path) -> None:
    path = rings_csv(tmp_path / "rings.csv")
    args = ("capability", "-i", str(path), "--subgroup", "sample", "--value", "diameter")
    code, _, err = run(capsys, *args, "--lsl", "74.1", "--usl", "74.0")
    assert code == 2
    assert err == f"error: {path}: capability: lsl=74.1 must be below usl=74.0\n"
    code, _, err = run(capsys, "capability", "-i", str(path), "--value", "d", "--usl", "74.1")
    assert code == 2
    assert err == (
        f"error: {path}: column 'd' is not in the file (columns: sample, diameter); name the "
        f"right one with --value\n"
    )
    code, _, err = run(capsys, "capability", "--usl", "1")
    assert code == 2
    assert "give --input FILE.csv (with --value) or --characteristic ID" in err


def pareto_json(capsys: Capsys, *args: str) -> Any:
    code, out, err = run(capsys, "pareto", *args, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def test_pareto_of_defect_codes_with_dpmo(capsys: Capsys, wh: str) -> None:
    doc = pareto_json(
        capsys,
        "--by",
        "defect_code",
        "--to",
        "2025-03-31",
        "--opportunities",
        "4",
        "--warehouse",
        wh,
    )
    # Up to 03-31: scratch 20 + 10 = 30, dent 15, leak 5: 50 in all; shares 0.6, 0.3, 0.1,
    # cumulative 0.6, 0.9, 1.0; 80 % is first reached at dent, so the vital few are
    # scratch and dent. I5 (no defectives, no code) does not appear.
    rows = doc["rows"]
    assert [(r["category"], r["vital"]) for r in rows] == [
        ("scratch", True),
        ("dent", True),
        ("leak", False),
    ]
    assert [r["value"] for r in rows] == [30.0, 15.0, 5.0]
    assert [r["share"] for r in rows] == pytest.approx([0.6, 0.3, 0.1])
    assert [r["cumulative_share"] for r in rows] == pytest.approx([0.6, 0.9, 1.0])
    assert doc["vital_few"] == ["scratch", "dent"]
    # DPMO: 50 defectives in 500 + 500 + 400 + 400 + 200 = 2000 units x 4 opportunities:
    # 50/8000 x 10^6 = 6250; sigma level = Phi^-1(1 - 0.00625) + 1.5.
    sigma = doc["dpmo"]
    assert sigma["dpmo"] == pytest.approx(6250.0)
    assert sigma["units"] == 2000.0
    assert sigma["defects"] == 50.0
    assert sigma["sigma_level"] == pytest.approx(float(stats.norm.isf(0.00625)) + 1.5)
    assert sigma["sigma_level"] == pytest.approx(3.9977, abs=1e-4)


def test_pareto_by_cost_site_and_supplier(capsys: Capsys, wh: str) -> None:
    doc = pareto_json(
        capsys, "--by", "defect_code", "--cost", "--to", "2025-03-31", "--warehouse", wh
    )
    # Cost = defectives x unit cost: scratch (20 + 10) x 5 = 150, dent 15 x 8 = 120,
    # leak 5 x 8 = 40; 310 in all: cumulative 150/310 = 0.4839, 270/310 = 0.8710.
    rows = doc["rows"]
    assert [(r["category"], r["value"]) for r in rows] == [
        ("scratch", 150.0),
        ("dent", 120.0),
        ("leak", 40.0),
    ]
    assert [r["cumulative_share"] for r in rows] == pytest.approx([150 / 310, 270 / 310, 1.0])
    assert doc["measure"] == "cost"
    assert doc["vital_few"] == ["scratch", "dent"]
    # By site, all dates: P2 10 + 5 + 50 = 65, P1 20 + 15 = 35.
    doc = pareto_json(capsys, "--by", "site", "--warehouse", wh)
    assert [(r["category"], r["value"]) for r in doc["rows"]] == [("P2", 65.0), ("P1", 35.0)]
    # By supplier in March: S1 30, no supplier 20 (dent and leak came from the line).
    doc = pareto_json(capsys, "--by", "supplier", "--to", "2025-03-31", "--warehouse", wh)
    assert [(r["category"], r["value"]) for r in doc["rows"]] == [("S1", 30.0), ("(none)", 20.0)]
    code, out, _ = run(
        capsys, "pareto", "--by", "defect_code", "--to", "2025-03-31", "--warehouse", wh
    )
    assert code == 0
    assert "vital few (80% of defectives): scratch, dent" in out
    assert "DPMO 25,000 (50 defectives in 2,000 units x 1 opportunities); sigma level 3.46" in out
    code, _, err = run(capsys, "pareto", "--from", "2026-01-01", "--warehouse", wh)
    assert code == 2
    assert "no inspections match (from 2026-01-01 to the end)" in err
