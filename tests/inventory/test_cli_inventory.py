"""``obeya inventory`` as a user runs it: JSON shapes, hand-checked figures, bad input."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from tests.clirun import run
from tests.inventory.company import build_company

Z95 = 1.6448536269514722


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory) -> str:
    return build_company(tmp_path_factory.mktemp("cli") / "w.duckdb")


def _one_error(code: int, err: str) -> str:
    assert code == 2
    lines = [line for line in err.strip().splitlines() if not line.startswith("note: ")]
    assert lines[0].startswith("error: ")
    assert sum(line.startswith("error:") for line in lines) == 1
    assert "Traceback" not in err
    return lines[0]


def test_policy_json_by_site(capsys: pytest.CaptureFixture[str], wh: str) -> None:
    code, out, err = run(
        capsys, "inventory", "policy", "--as-of", "2025-06-29", "-f", "json", "-w", wh
    )
    assert code == 0
    rows = json.loads(out)
    assert [r["site_id"] for r in rows] == ["D1", "P1", "all"]
    assert set(rows[0]) == {
        "site_id",
        "items",
        "annual_cogs",
        "safety_stock_value",
        "target_investment",
        "expected_turns",
        "current_value",
        "current_turns",
        "money_released",
        "money_needed",
        "net_change",
    }
    # Today's stock at standard cost: 300 * 10 + 40 * 5 + 10 * 2 = 3220 at D1, 500 at P1.
    assert rows[0]["current_value"] == pytest.approx(3220.0)
    assert rows[2]["current_value"] == pytest.approx(3720.0)
    assert "note: as of 2025-06-29" in err


def test_policy_items_with_class_targets(capsys: pytest.CaptureFixture[str], wh: str) -> None:
    code, out, _ = run(
        capsys,
        "inventory",
        "policy",
        "--as-of",
        "2025-06-29",
        "--class-targets",
        "AX=0.99",
        "--by",
        "item",
        "-f",
        "json",
        "-w",
        wh,
    )
    assert code == 0
    rows = {(r["sku"], r["site_id"]): r for r in json.loads(out)}
    a = rows[("A", "D1")]
    assert a["class"] == "AX"
    assert a["service_level"] == 0.99
    # sigma_L = sqrt(3 * 416 + 100^2 * 1^2) = sqrt(11248); z(0.99) = 2.326348.
    assert a["safety_stock"] == pytest.approx(2.3263478740408408 * math.sqrt(11248.0))
    assert a["eoq"] == pytest.approx(math.sqrt(208000.0))
    assert a["lead_time_weeks"] == pytest.approx(3.0)
    assert rows[("B", "D1")]["method"] == "newsvendor"
    assert rows[("C", "D1")]["lead_time_source"] == "default"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--class-targets", "QX=0.9"], "error: class target 'QX=0.9': unknown class 'QX'"),
        (["--service-level", "1.5"], "error: service level = 1.5: a service level must lie"),
        (["--service-level", "0"], "error: service level = 0.0: a service level must lie"),
        (["--as-of", "June"], "error: --as-of 'June': not a date; write YYYY-MM-DD"),
    ],
)
def test_policy_bad_input(
    capsys: pytest.CaptureFixture[str], wh: str, args: list[str], message: str
) -> None:
    code, _, err = run(capsys, "inventory", "policy", *args, "-w", wh)
    assert _one_error(code, err).startswith(message)


SERIAL = """\
service_level: 0.95
nodes:
  - id: part
    processing_time: 2
    holding_cost: 1.0
  - id: shop
    processing_time: 1
    holding_cost: 2.0
    predecessors: [part]
    demand_sd: 10
"""


def test_mei_file_json_is_the_gsm_dict(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "net.yaml"
    path.write_text(SERIAL)
    code, out, _ = run(capsys, "inventory", "mei", str(path), "--format", "json")
    assert code == 0
    result = json.loads(out)
    assert set(result) == {"total_cost", "nodes"}
    assert [n["id"] for n in result["nodes"]] == ["part", "shop"]
    assert set(result["nodes"][0]) == {
        "id",
        "service_time",
        "inbound_service_time",
        "base_stock",
        "safety_stock",
        "net_replenishment_time",
    }
    # Serial line, sigma 10, z = 1.644854. Options for the part's service time S:
    # S=0: 1*z*10*sqrt(2) + 2*z*10*sqrt(1) = 34.142 z; S=1: 10 z + 20 sqrt(2) z = 38.28 z;
    # S=2: 0 + 2*z*10*sqrt(3) = 34.641 z. The best is S=0: 34.142 * 1.644854 = 56.158.
    assert result["total_cost"] == pytest.approx((10.0 * math.sqrt(2.0) + 20.0) * Z95)
    assert result["nodes"][0]["service_time"] == 0
    assert result["nodes"][1]["net_replenishment_time"] == 1


def test_mei_refuses_a_cycle(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "cycle.yaml"
    path.write_text(
        "service_level: 0.95\nnodes:\n"
        "  - {id: a, processing_time: 1, holding_cost: 1, predecessors: [c]}\n"
        "  - {id: b, processing_time: 1, holding_cost: 1, predecessors: [a]}\n"
        "  - {id: c, processing_time: 1, holding_cost: 1, predecessors: [b], demand_sd: 1}\n"
    )
    code, _, err = run(capsys, "inventory", "mei", str(path))
    first = _one_error(code, err)
    assert first == f"error: {path}: the network spec has 1 problem"
    assert "closes a cycle (ignoring directions)" in err


def test_mei_needs_one_source(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "inventory", "mei")
    assert _one_error(code, err) == (
        "error: give a network file or --from-warehouse (one of the two)"
    )


def test_mei_from_warehouse(capsys: pytest.CaptureFixture[str], wh: str, tmp_path: Path) -> None:
    saved = tmp_path / "derived.yaml"
    code, out, err = run(
        capsys, "inventory", "mei", "--from-warehouse", "--save", str(saved), "-f", "json", "-w", wh
    )
    assert code == 0
    result = json.loads(out)
    assert sorted(n["id"] for n in result["nodes"]) == ["D1", "D1<P1", "P1", "suppliers>P1"]
    assert "note: P1: production cycle 7.0 d (work orders)" in err
    # The saved network solves to the same answer when given back as a file.
    code, again, _ = run(capsys, "inventory", "mei", str(saved), "-f", "json")
    assert code == 0
    assert json.loads(again)["total_cost"] == pytest.approx(result["total_cost"])


def test_projection_json(capsys: pytest.CaptureFixture[str], wh: str) -> None:
    code, out, _ = run(capsys, "inventory", "projection", "--weeks", "6", "-f", "json", "-w", wh)
    assert code == 0
    result = json.loads(out)
    assert set(result) == {
        "snapshot_date",
        "start_week",
        "weeks",
        "excess_weeks",
        "forecast_source",
        "by_site",
        "stockouts",
        "excess",
    }
    # A at D1 (see test_warehouse_policy): first short in the week of 2025-07-28,
    # 200 units short at 20 each.
    assert result["stockouts"] == [
        {
            "sku": "A",
            "site_id": "D1",
            "first_stockout_week": "2025-07-28",
            "units_short": 200.0,
            "revenue_at_risk": 4000.0,
            "on_hand": 300.0,
            "forecast_per_week": 100.0,
        }
    ]


def test_simulate_one_series_json(capsys: pytest.CaptureFixture[str], wh: str) -> None:
    code, out, _ = run(
        capsys,
        "inventory",
        "simulate",
        "--sku",
        "A",
        "--site",
        "D1",
        "--periods",
        "26",
        "--replications",
        "20",
        "--as-of",
        "2025-06-29",
        "-f",
        "json",
        "-w",
        wh,
    )
    assert code == 0
    result = json.loads(out)
    assert set(result) == {"overall", "items"}
    assert result["overall"]["series"] == 1
    assert result["overall"]["replications"] == 20
    item = result["items"][0]
    assert (item["sku"], item["site_id"], item["target"]) == ("A", "D1", 0.95)
    assert 0.0 <= item["fill_rate"] <= 1.0
    assert 0.0 <= item["cycle_service_level"] <= 1.0
    # Bootstrap demand resamples the 80/120 history: its mean is 100 a week.
    assert 80.0 <= item["demand_per_week"] <= 120.0


def test_simulate_refuses_a_newsvendor_series(capsys: pytest.CaptureFixture[str], wh: str) -> None:
    code, _, err = run(capsys, "inventory", "simulate", "--sku", "B", "--site", "D1", "-w", wh)
    assert _one_error(code, err).startswith(
        "error: SKU 'B' at site 'D1' is sized by the newsvendor (one buy)"
    )


def test_classify_json(capsys: pytest.CaptureFixture[str], wh: str) -> None:
    code, out, _ = run(
        capsys, "inventory", "classify", "--as-of", "2025-06-29", "-f", "json", "-w", wh
    )
    assert code == 0
    rows = {r["class"]: r for r in json.loads(out)}
    assert list(rows) == ["AX", "AY", "AZ", "BX", "BY", "BZ", "CX", "CY", "CZ"]
    # AX: A at D1, 100 * 52 * 10 = 52,000; CZ: B at D1 (2 * 52 * 5 = 520), A at P1, C.
    assert (rows["AX"]["items"], rows["AX"]["annual_value"]) == (1, 52000.0)
    assert (rows["CZ"]["items"], rows["CZ"]["annual_value"]) == (3, 520.0)
    assert rows["AX"]["value_share"] == pytest.approx(52000.0 / 52520.0)
