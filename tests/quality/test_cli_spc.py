"""``obeya spc`` on Montgomery's published data (CSV) and on a small warehouse.

Sources: D. C. Montgomery, *Introduction to Statistical Quality Control*, 7th ed.
(Wiley, 2013): Example 6.1 (piston rings), 6.5 (loan costs), 7.1 (orange juice),
7.3 (circuit boards), 7.4 (computers), 9.1 (CUSUM and EWMA). Hand sums are in
``tests/quality/published.py`` and in the comments here.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from tests.clirun import run
from tests.quality.cli_fixtures import T, table, warehouse, write_csv
from tests.quality.published import (
    CIRCUIT_BOARDS,
    COMPUTERS,
    CUSUM_9_1,
    LOAN_COSTS,
    ORANGE_JUICE,
    PISTON_RINGS,
)

Capsys = pytest.CaptureFixture[str]

# Table 6.3: the 125 values add to 9250.147 and the 25 ranges to 0.581.
XBB, RBAR = 9250.147 / 125, 0.581 / 25
A2_5, D4_5 = (
    0.576819,
    2.114497,
)  # 3/(d2 sqrt 5) and 1 + 3 d3/d2 at n = 5 (Appendix VI: 0.577, 2.114)


def rings(
    path: Path, extra: list[list[float]] | None = None, labels: list[object] | None = None
) -> Path:
    """Table 6.3 as a long CSV with columns sample, diameter (subgroups 1..25, then extra)."""
    rows = PISTON_RINGS.tolist() + (extra or [])
    names = labels or list(range(1, len(rows) + 1))
    return write_csv(
        path,
        {
            "sample": [names[i] for i, row in enumerate(rows) for _ in row],
            "diameter": [v for row in rows for v in row],
        },
    )


def spc_json(capsys: Capsys, *args: str) -> Any:
    code, out, err = run(capsys, "spc", *args, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def beyond(doc: Any, chart: str) -> list[object]:
    return [s["subgroup"] for s in doc["signals"] if s["chart"] == chart and s["rule"] == 1]


def test_xbar_r_piston_rings_example_6_1(capsys: Capsys, tmp_path: Path) -> None:
    path = rings(tmp_path / "rings.csv")
    doc = spc_json(
        capsys, "xbar-r", "--input", str(path), "--subgroup", "sample", "--value", "diameter"
    )
    # By hand: UCL = 74.001176 + 0.576819 * 0.02324 = 74.014581; LCL = 73.987771;
    # R chart UCL = 2.114497 * 0.02324 = 0.049141, LCL 0.
    assert doc["xbar"] == pytest.approx(
        {"center": XBB, "ucl": XBB + A2_5 * RBAR, "lcl": XBB - A2_5 * RBAR}, abs=1e-6
    )
    assert doc["r"] == pytest.approx({"center": RBAR, "ucl": D4_5 * RBAR, "lcl": 0.0}, abs=1e-6)
    # The book's printed limits: 74.001, 74.014, 73.988 and R-chart UCL 0.049.
    assert doc["xbar"]["center"] == pytest.approx(74.001, abs=5e-4)
    assert doc["xbar"]["ucl"] == pytest.approx(74.014, abs=1e-3)
    assert doc["xbar"]["lcl"] == pytest.approx(73.988, abs=1e-3)
    assert doc["r"]["ucl"] == pytest.approx(0.049, abs=5e-4)
    assert doc["signals"] == []  # the book finds the process in control
    assert doc["points"]["subgroup"] == list(range(1, 26))


def test_phase1_range_judges_later_subgroups_against_trial_limits(
    capsys: Capsys, tmp_path: Path
) -> None:
    # Subgroup 26 averages 74.030 > UCL 74.014581 of the 25 trial subgroups; subgroup
    # 27 (all 74.000) has x-bar 74.000 inside the limits and range 0, not below LCL 0.
    path = rings(tmp_path / "rings.csv", extra=[[74.030] * 5, [74.000] * 5])
    for phase1 in ("1-25", "25"):
        doc = spc_json(
            capsys, "xbar-r", "-i", str(path), "--subgroup", "sample", "--value", "diameter",
            "--phase1", phase1,
        )  # fmt: skip
        assert doc["phase"] == "II"
        assert doc["xbar"]["ucl"] == pytest.approx(XBB + A2_5 * RBAR, abs=1e-6)
        first = doc["signals"][0]
        assert {k: first[k] for k in ("chart", "subgroup", "rule", "rule_set")} == {
            "chart": "xbar",
            "subgroup": 26,
            "rule": 1,
            "rule_set": "western_electric",
        }
        assert beyond(doc, "xbar") == [26]


def test_text_labels_keep_their_form_and_take_a_dotted_range(
    capsys: Capsys, tmp_path: Path
) -> None:
    labels: list[object] = [f"S{i:02d}" for i in range(1, 28)]
    path = rings(tmp_path / "rings.csv", extra=[[74.030] * 5, [74.000] * 5], labels=labels)
    doc = spc_json(
        capsys, "xbar-r", "-i", str(path), "--subgroup", "sample", "--value", "diameter",
        "--phase1", "S01..S25",
    )  # fmt: skip
    assert doc["xbar"]["ucl"] == pytest.approx(XBB + A2_5 * RBAR, abs=1e-6)
    assert beyond(doc, "xbar") == ["S26"]
    assert doc["points"]["subgroup"][:2] == ["S01", "S02"]


def test_p_chart_orange_juice_example_7_1_with_exclusions(capsys: Capsys, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "juice.csv",
        {"sample": list(range(1, 31)), "bad": ORANGE_JUICE, "cans": [50] * 30},
    )
    common = ("p", "-i", str(path), "--subgroup", "sample", "--defects", "bad", "--size", "cans")
    doc = spc_json(capsys, *common)
    # 347 of 1500 cans: p-bar = 0.231333 (book: 0.2313, UCL 0.4102, LCL 0.0524).
    assert doc["p"]["center"] == pytest.approx(347 / 1500)
    assert doc["p"]["ucl"] == pytest.approx(0.4102, abs=5e-5)
    assert doc["p"]["lcl"] == pytest.approx(0.0524, abs=5e-5)
    assert beyond(doc, "p") == [15, 23]
    # Samples 15 and 23 had assignable causes: without them 301/1400 = 0.2150,
    # UCL 0.3893, LCL 0.0407, and sample 21 (0.40) is now above the UCL.
    doc = spc_json(capsys, *common, "--exclude", "15,23")
    assert doc["p"]["center"] == pytest.approx(301 / 1400)
    assert doc["p"]["ucl"] == pytest.approx(0.3893, abs=5e-5)
    assert doc["p"]["lcl"] == pytest.approx(0.0407, abs=5e-5)
    assert beyond(doc, "p") == [15, 21, 23]
    assert doc["points"]["excluded"][14] is True


def test_c_chart_circuit_boards_example_7_3(capsys: Capsys, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "boards.csv", {"sample": list(range(1, 27)), "defects": CIRCUIT_BOARDS}
    )
    doc = spc_json(capsys, "c", "-i", str(path), "--subgroup", "sample")
    # 516 nonconformities in 26 samples: c-bar = 19.846; 19.846 +- 3 sqrt(19.846) = 33.21, 6.48.
    c_bar = 516 / 26
    assert doc["c"] == pytest.approx(
        {"center": c_bar, "ucl": c_bar + 3 * math.sqrt(c_bar), "lcl": c_bar - 3 * math.sqrt(c_bar)}
    )
    assert doc["c"]["ucl"] == pytest.approx(33.22, abs=0.01)
    assert doc["c"]["lcl"] == pytest.approx(6.48, abs=0.01)
    assert beyond(doc, "c") == [6, 20]  # the book's two out-of-control samples


def test_u_chart_computers_example_7_4(capsys: Capsys, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "pcs.csv", {"sample": list(range(1, 21)), "nc": COMPUTERS, "units": [5] * 20}
    )
    doc = spc_json(
        capsys, "u", "-i", str(path), "--subgroup", "sample", "--defects", "nc", "--size", "units"
    )
    # 193 nonconformities in 100 computers: u-bar = 1.93; 1.93 +- 3 sqrt(1.93/5) = 3.7939, 0.0661.
    assert doc["u"]["center"] == pytest.approx(1.93)
    assert doc["u"]["ucl"] == pytest.approx(1.93 + 3 * math.sqrt(1.93 / 5))
    assert doc["u"]["ucl"] == pytest.approx(3.79, abs=5e-3)
    assert doc["u"]["lcl"] == pytest.approx(0.07, abs=5e-3)
    assert beyond(doc, "u") == []  # book: no lack of statistical control


def test_imr_loan_costs_example_6_5(capsys: Capsys, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "loans.csv", {"week": list(range(1, 21)), "cost": LOAN_COSTS})
    doc = spc_json(capsys, "imr", "-i", str(path), "--subgroup", "week", "--value", "cost")
    # Sum 6010 / 20 = 300.5; the 19 moving ranges add to 148, MR-bar = 7.789474;
    # limits 300.5 +- 3 * 7.789474 / 1.128379 (book: 321.22, 279.78; MR UCL 25.45).
    mr_bar = 148 / 19
    assert doc["i"]["center"] == pytest.approx(300.5)
    assert doc["i"]["ucl"] == pytest.approx(300.5 + 3 * mr_bar / 1.128379, abs=1e-4)
    # The book rounds MR-bar to 7.79 and d2 to 1.128: 300.5 + 3 * 7.79 / 1.128 = 321.22.
    assert doc["i"]["ucl"] == pytest.approx(321.22, abs=0.015)
    assert doc["i"]["lcl"] == pytest.approx(279.78, abs=0.015)
    assert doc["mr"]["ucl"] == pytest.approx(25.45, abs=0.01)


def test_cusum_and_ewma_example_9_1(capsys: Capsys, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "x.csv", {"t": list(range(1, 31)), "x": CUSUM_9_1})
    common = ("-i", str(path), "--subgroup", "t", "--value", "x", "--target", "10", "--sigma", "1")
    doc = spc_json(capsys, "cusum", *common)
    # Book: with k = 1/2 and h = 5, C+ first exceeds H = 5 at period 29 (C+ = 5.28).
    assert doc["cusum"] == {"center": 0.0, "ucl": 5.0, "lcl": -5.0}
    assert [(s["chart"], s["subgroup"], s["rule"]) for s in doc["signals"]] == [("cusum", 29, 1)]
    assert doc["points"]["c_plus"][28] == pytest.approx(5.28)
    doc = spc_json(capsys, "ewma", *common, "--lambda", "0.1", "--width", "2.7")
    # z29 = 10.6468 > UCL 10.6187 (lambda 0.1, L 2.7): signals at 29 and 30.
    assert beyond(doc, "ewma") == [29, 30]
    assert doc["ewma"]["ucl"][0] == pytest.approx(10.27)


def test_nelson_rules_are_numbered_in_their_set(capsys: Capsys, tmp_path: Path) -> None:
    # Points 11 to 16 rise steadily (5, 6, ..., 10): Nelson rule 3 (6 points in a row
    # increasing) fires at point 16; the Western Electric set has no trend rule.
    values = [10, 11, 9, 10, 11, 9, 10, 11, 9, 10, 5, 6, 7, 8, 9, 10]
    path = write_csv(tmp_path / "x.csv", {"t": list(range(1, 17)), "x": values})
    args = ("imr", "-i", str(path), "--subgroup", "t", "--value", "x")
    doc = spc_json(capsys, *args, "--rules", "nelson")
    trend = [s for s in doc["signals"] if s["rule"] == 3]
    assert [(s["chart"], s["subgroup"], s["rule_set"]) for s in trend] == [("i", 16, "nelson")]
    doc = spc_json(capsys, *args)
    assert all(s["rule_set"] == "western_electric" for s in doc["signals"])
    assert not [s for s in doc["signals"] if "steadily" in s["explanation"]]


def test_table_output_svg_png_and_csv(capsys: Capsys, tmp_path: Path) -> None:
    path = rings(tmp_path / "rings.csv", extra=[[74.030] * 5])
    svg, png = tmp_path / "c.svg", tmp_path / "c.png"
    args = ("spc", "xbar-r", "-i", str(path), "--subgroup", "sample", "--value", "diameter")
    code, out, err = run(capsys, *args, "--phase1", "25", "--svg", str(svg), "--png", str(png))
    assert code == 0, err
    assert "X-bar/R chart of" in out
    assert "phase II: limits from 25 trial subgroup(s)" in out
    # Limits shown to about a hundredth of sigma(x-bar) = 0.0045: 5 decimals.
    assert "74.00118" in out
    assert "74.01458" in out
    assert "73.98777" in out
    assert (
        "- xbar rule 1 at subgroup 26: Subgroup 26: the subgroup average 74.03000 is above" in out
    )
    assert f"note: wrote {svg}" in err
    text = svg.read_text()
    assert text.startswith("<svg")
    assert "UCL 74.01458" in text
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    code, out, _ = run(capsys, *args, "--format", "csv")
    assert out.splitlines()[0] == '"subgroup","xbar","r","n","excluded","reference"'
    assert len(out.splitlines()) == 27


def test_bad_input_names_file_row_and_column(capsys: Capsys, tmp_path: Path) -> None:
    path = rings(tmp_path / "rings.csv")
    code, _, err = run(
        capsys, "spc", "xbar-r", "-i", str(path), "--subgroup", "sample", "--value", "dia"
    )
    assert code == 2
    assert err == (
        f"error: {path}: column 'dia' is not in the file (columns: sample, diameter); name the "
        f"right one with --value\n"
    )
    bad = write_csv(
        tmp_path / "bad.csv", {"sample": [1, 1, 2, 2], "diameter": ["74.0", "74.1", "abc", "74"]}
    )
    code, _, err = run(
        capsys, "spc", "xbar-r", "-i", str(bad), "--subgroup", "sample", "--value", "diameter"
    )
    assert code == 2
    # Data row 3 is row 4 of the file (the header is row 1).
    assert err == (
        f"error: {bad}:4:diameter: value 'abc' is not a number; every row needs a finite "
        f"number (1 such row(s) in all)\n"
    )
    one = write_csv(tmp_path / "one.csv", {"sample": [1] * 5, "diameter": PISTON_RINGS[0].tolist()})
    code, _, err = run(
        capsys, "spc", "xbar-r", "-i", str(one), "--subgroup", "sample", "--value", "diameter"
    )
    assert code == 2
    assert err.startswith(f"error: {one}: 1 subgroup; a control chart needs at least 2")
    args = ("spc", "xbar-r", "-i", str(path), "--subgroup", "sample", "--value", "diameter")
    code, _, err = run(capsys, *args, "--phase1", "1-30")
    assert code == 2
    assert err == (
        f"error: --phase1 names subgroup 30, which is not in {path} (subgroups run from 1 to "
        f"25, 25 in all); use labels from the subgroup column\n"
    )
    code, _, err = run(capsys, *args, "--phase1", "40")
    assert code == 2
    assert "--phase1 40: the trial subgroups must number between 2 and the 25" in err
    code, _, err = run(capsys, *args, "--exclude", "15,99")
    assert code == 2
    assert "--exclude names subgroup 99, which is not in" in err
    code, _, err = run(capsys, "spc", "xbar-r")
    assert code == 2
    assert "give --input FILE.csv or --characteristic ID" in err
    assert "Traceback" not in err


def test_engine_refusals_name_the_file(capsys: Capsys, tmp_path: Path) -> None:
    # Subgroups of unequal size cannot go on an X-bar/R chart.
    path = write_csv(tmp_path / "u.csv", {"g": [1, 1, 2, 2, 2], "x": [1.0, 2.0, 1.5, 2.5, 2.0]})
    code, _, err = run(capsys, "spc", "xbar-r", "-i", str(path), "--subgroup", "g", "--value", "x")
    assert code == 2
    assert err.startswith(f"error: {path}: X-bar/R chart: subgroups must all have the same size")


# ------------------------------------------------------------------ from the warehouse


@pytest.fixture
def wh(tmp_path: Path) -> str:
    samples = [
        {
            "characteristic_id": "BORE",
            "subgroup": i + 1,
            "sample_no": j + 1,
            "measured_at": T(2025, 3, 1 + i // 2, 6 + 8 * (i % 2), j),
            "value": float(v),
        }
        for i, row in enumerate(PISTON_RINGS.tolist())
        for j, v in enumerate(row)
    ]
    # Inspections of P1 by day: 03-03 two lots (100 / 2 and 100 / 4), 03-04 200 / 4,
    # 03-05 200 / 2, 03-10 200 / 8; P2 has one bad lot that the --site cut leaves out.
    lots = [
        ("I1", "P1", T(2025, 3, 3, 8), 100, 2),
        ("I2", "P1", T(2025, 3, 3, 14), 100, 4),
        ("I3", "P1", T(2025, 3, 4, 9), 200, 4),
        ("I4", "P1", T(2025, 3, 5, 9), 200, 2),
        ("I5", "P1", T(2025, 3, 10, 9), 200, 8),
        ("I6", "P2", T(2025, 3, 3, 9), 50, 25),
    ]
    inspections = [
        {
            "inspection_id": i,
            "site_id": s,
            "inspected_at": at,
            "qty_inspected": float(n),
            "qty_defective": float(d),
        }
        for i, s, at, n, d in lots
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
    return warehouse(
        tmp_path / "q.duckdb",
        {
            "characteristics": table(characteristic),
            "quality_samples": table(samples),
            "inspections": table(inspections),
        },
    )


def test_characteristic_from_the_warehouse(capsys: Capsys, wh: str) -> None:
    doc = spc_json(capsys, "xbar-r", "--characteristic", "BORE", "--warehouse", wh)
    assert doc["xbar"] == pytest.approx(
        {"center": XBB, "ucl": XBB + A2_5 * RBAR, "lcl": XBB - A2_5 * RBAR}, abs=1e-6
    )
    assert doc["points"]["subgroup"] == list(range(1, 26))
    code, _, err = run(capsys, "spc", "xbar-r", "--characteristic", "NOPE", "--warehouse", wh)
    assert code == 2
    assert err == "error: characteristic 'NOPE' is not in the warehouse (known: BORE)\n"


def test_p_chart_of_inspections_by_day_and_week(capsys: Capsys, wh: str) -> None:
    doc = spc_json(capsys, "p", "--site", "P1", "--grain", "day", "--warehouse", wh)
    # P1: 20 defectives in 800 units, p-bar = 0.025; every day inspected 200 units:
    # sigma = sqrt(0.025 * 0.975 / 200) = 0.0110397, UCL = 0.025 + 3 * 0.0110397 = 0.058119.
    assert doc["points"]["subgroup"] == ["2025-03-03", "2025-03-04", "2025-03-05", "2025-03-10"]
    assert doc["points"]["p"] == pytest.approx([0.03, 0.02, 0.01, 0.04])
    assert doc["p"] == pytest.approx(
        {"center": 0.025, "ucl": 0.025 + 3 * math.sqrt(0.025 * 0.975 / 200), "lcl": 0.0}
    )
    doc = spc_json(capsys, "p", "--site", "P1", "--grain", "week", "--warehouse", wh)
    # Week of Monday 03-03: 12 of 600; week of 03-10: 8 of 200. Limits vary with n:
    # UCL = 0.025 + 3 sqrt(0.025 * 0.975 / n) = 0.044121 (n = 600) and 0.058119 (n = 200).
    assert doc["points"]["subgroup"] == ["2025-03-03", "2025-03-10"]
    assert doc["p"]["ucl"] == pytest.approx(
        [0.025 + 3 * math.sqrt(0.025 * 0.975 / n) for n in (600, 200)]
    )
    code, _, err = run(capsys, "spc", "p", "--site", "P9", "--warehouse", wh)
    assert code == 2
    assert "no inspections match (site P9)" in err
