"""``obeya forecast`` as a user runs it.

The company (built here): four SKU x site series, one order line each Tuesday of
66 weeks from Monday 2024-01-01 (w = 0..65), with clear patterns: A1@DAL 20 a week
plus 8 every fourth week, A1@LYO a slow rise 10 + w // 6, B2@LYO a steady 12, C3@DAL
5 every third week and nothing between. The last order is on Tuesday 2025-04-01 (the
as-of date), so the last complete week is the one of Monday 2025-03-24 (65 weeks of
history: the first backtest origin has 57, enough for the seasonal naive benchmark)
and the forecast starts on Monday 2025-03-31. One run is made in process (cheap candidate
models, 4 weeks ahead, 2 backtest origins) and read back through the commands; one
more is made through ``obeya forecast run`` on a copy. The accuracy figures of a
constructed run are checked by hand on the company of ``test_stored.py``.
"""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import pyarrow.compute as pc
import pytest
import yaml

from obeya.demand import ForecastRun, Level, run_forecast
from obeya.ingest import load_arrow
from obeya.warehouse import Warehouse
from tests.clirun import run
from tests.demand.helpers import CHEAP, cheap_candidates
from tests.demand.test_stored import store_hand_runs
from tests.demand.warehouse_fixtures import REFERENCE, order_lines

Made = tuple[str, ForecastRun]
FIRST = date(2024, 1, 1)
WEEKS = 66


def _lines() -> list[tuple[str, str, date, date | None, float, str]]:
    rows: list[tuple[str, str, date, date | None, float, str]] = []
    for w in range(WEEKS):
        tuesday = FIRST + timedelta(weeks=w, days=1)
        rows.append(("A1", "DAL", tuesday, None, 20.0 + (8.0 if w % 4 == 0 else 0.0), "open"))
        rows.append(("A1", "LYO", tuesday, None, 10.0 + w // 6, "open"))
        rows.append(("B2", "LYO", tuesday, None, 12.0, "open"))
        if w % 3 == 0:
            rows.append(("C3", "DAL", tuesday, None, 5.0, "open"))
    return rows


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Made:
    path = str(tmp_path_factory.mktemp("cli_forecast") / "w.duckdb")
    with Warehouse.open(path) as wh:
        load_arrow(wh, {**REFERENCE, "order_lines": order_lines(_lines())}, label="weeks")
        fc = run_forecast(wh, "week", horizon=4, windows=2, candidates=cheap_candidates())
    return path, fc


@pytest.fixture(scope="module")
def cheap_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("cands") / "cheap.yaml"
    path.write_text(yaml.safe_dump(CHEAP))
    return str(path)


def test_show_reads_back_the_run(capsys: pytest.CaptureFixture[str], made: Made) -> None:
    path, fc = made
    code, out, err = run(capsys, "forecast", "show", fc.run_id, "-f", "json", "-w", path)
    assert code == 0, err
    rows = json.loads(out)
    want = fc.forecasts.to_pylist()
    assert len(rows) == len(want) == 4 * 4  # four series x four weeks
    for got, exp in zip(rows, want, strict=True):
        assert (got["sku"], got["site_id"], got["period_start"]) == (
            exp["sku"],
            exp["site_id"],
            exp["period_start"].isoformat(),
        )
        assert (got["model"], got["demand_class"]) == (exp["model"], exp["demand_class"])
        assert got["forecast"] == pytest.approx(exp["adjusted"])
        assert got["statistical"] == pytest.approx(exp["forecast"])
        for bound in ("lo80", "hi80", "lo95", "hi95"):
            assert got[bound] == pytest.approx(exp[bound])


def test_show_levels_and_filters(capsys: pytest.CaptureFixture[str], made: Made) -> None:
    path, fc = made
    code, out, _ = run(capsys, "forecast", "show", "--level", "total", "-f", "json", "-w", path)
    assert code == 0
    total = json.loads(out)
    levels = fc.levels.filter(pc.equal(fc.levels.column("level"), Level.TOTAL.value))
    # the run's own total (re-summed from the adjusted SKU x site figures)
    assert [r["forecast"] for r in total] == pytest.approx(levels.column("adjusted").to_pylist())
    assert [r["n_series"] for r in total] == [4] * 4
    code, out, _ = run(
        capsys, "forecast", "show", "--sku", "A1", "--site", "LYO", "-f", "csv", "-w", path
    )
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0].startswith('"sku","site_id","period_start"')
    assert len(lines) == 1 + 4
    assert all(line.startswith('"A1","LYO"') for line in lines[1:])
    code, _, err = run(capsys, "forecast", "show", "--sku", "A1", "--level", "family", "-w", path)
    assert code == 2
    assert err.strip() == ("error: --sku 'A1' filters SKU x site rows; leave out --level family")
    code, _, err = run(capsys, "forecast", "show", "--sku", "NOPE", "-w", path)
    assert code == 2
    assert err.startswith(f"error: forecast run {fc.run_id} has no rows for sku 'NOPE'")


def test_accuracy_matches_the_run(capsys: pytest.CaptureFixture[str], made: Made) -> None:
    path, fc = made
    code, out, err = run(
        capsys, "forecast", "accuracy", "--run", fc.run_id, "-f", "json", "-w", path
    )
    assert code == 0, err
    body = json.loads(out)
    want = fc.accuracy.overall.to_pylist()[0]
    # recomputed from the stored backtests (MASE scales re-read from the order lines)
    for name in ("n_series", "actual", "abs_error", "wape", "bias", "mase", "bench_wape", "fva"):
        assert body["overall"][name] == pytest.approx(want[name]), name
    assert {r["family"] for r in body["by_family"]} == {"widgets", "gadgets"}
    assert {r["site_id"] for r in body["by_site"]} == {"DAL", "LYO"}
    assert len(body["worst"]) == 4


def test_accuracy_by_hand(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = str(tmp_path / "hand.duckdb")
    with Warehouse.open(path) as wh:
        store_hand_runs(wh)
    code, out, err = run(
        capsys, "forecast", "accuracy", "--by", "family", "--worst", "1", "-f", "json", "-w", path
    )
    assert code == 0, err
    body = json.loads(out)
    # test_stored.py: actuals 29, absolute errors 5, errors +1, seasonal naive 8
    assert body["run_id"] == "r1"
    assert body["overall"]["wape"] == pytest.approx(5 / 29)  # 0.1724
    assert body["overall"]["bias"] == pytest.approx(1 / 29)
    assert body["overall"]["mase"] == pytest.approx(0.4)
    assert body["overall"]["fva"] == pytest.approx(8 / 29 - 5 / 29)
    assert set(body) == {
        "run_id", "grain", "as_of", "benchmark", "overall", "by_family", "worst"
    }  # fmt: skip
    assert [r["sku"] for r in body["worst"]] == ["A1"]  # 3 of the 5 units of error
    code, out, _ = run(capsys, "forecast", "accuracy", "-w", path)
    assert code == 0
    assert "WAPE 0.172, MASE 0.400, bias +0.034" in out
    assert "value added over the seasonal naive +0.103 WAPE points" in out
    code, out, _ = run(capsys, "forecast", "accuracy", "-f", "csv", "-w", path)
    assert code == 0
    head, *rows = out.strip().splitlines()
    assert head.startswith('"group","member","n_series"')
    assert [r.split(",")[:2] for r in rows] == [
        ['"all"', '"all"'],
        ['"family"', '"gadgets"'],
        ['"family"', '"widgets"'],
        ['"site"', '"DAL"'],
        ['"class"', '"erratic"'],
        ['"class"', '"smooth"'],
    ]


def test_run_command_stores_a_run_that_runs_lists(
    capsys: pytest.CaptureFixture[str], made: Made, cheap_file: str, tmp_path: Path
) -> None:
    path, fc = made
    copy = str(tmp_path / "copy.duckdb")
    shutil.copyfile(path, copy)
    code, out, err = run(
        capsys, "forecast", "run", "--horizon", "4", "--windows", "2",
        "--candidates", cheap_file, "--reconciliation", "bottom_up", "-f", "json", "-w", copy,
    )  # fmt: skip
    assert code == 0, err
    body = json.loads(out)
    assert (body["grain"], body["horizon"], body["windows"]) == ("week", 4, 2)
    assert body["as_of"] == "2025-04-01"  # the last order, Tuesday of w = 65
    assert body["first_period"] == "2025-03-31"  # the week after the last complete one
    assert body["reconciliation"] == "bottom_up"
    counts = body["counts"]
    assert counts["series"] == 4
    assert sum(counts["by_class"].values()) == sum(counts["by_model"].values()) == 4
    assert counts["by_class"]["intermittent"] == 1  # C3@DAL: one week in three
    assert {"extract", "backtest", "reconcile", "store", "total"} <= set(body["timings"])
    assert body["accuracy"]["fva"] == pytest.approx(
        body["accuracy"]["bench_wape"] - body["accuracy"]["wape"]
    )
    new_id = body["run_id"]

    code, out, _ = run(capsys, "forecast", "runs", "-f", "json", "-w", copy)
    assert code == 0
    listed = json.loads(out)
    assert [r["run_id"] for r in listed] == [new_id, fc.run_id]  # newest first
    assert (listed[0]["windows"], listed[0]["series"]) == (2, 4)
    assert listed[0]["reconciliation"] == "bottom_up"

    code, out, _ = run(capsys, "forecast", "show", "--level", "site", "-f", "json", "-w", copy)
    assert code == 0
    assert {r["site_id"] for r in json.loads(out)} == {"DAL", "LYO"}  # the latest run
    code, out, _ = run(capsys, "forecast", "show", "-w", copy)
    assert f"forecast run {new_id} (week, as of 2025-04-01)" in out


def test_run_table_output(
    capsys: pytest.CaptureFixture[str], made: Made, cheap_file: str, tmp_path: Path
) -> None:
    path, _ = made
    copy = str(tmp_path / "copy.duckdb")
    shutil.copyfile(path, copy)
    code, out, err = run(
        capsys, "forecast", "run", "--horizon", "4", "--windows", "2", "--candidates",
        cheap_file, "-w", copy,
    )  # fmt: skip
    assert code == 0, err
    assert "SKU x site series, 4 weeks from 2025-03-31, as of 2025-04-01" in out
    for title in ("series by demand class", "models chosen", "time per step"):
        assert title in out
    assert "value added over the seasonal naive" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--grain", "day"], "error: --grain 'day': not one of week, month"),
        (["--horizon", "0"], "error: --horizon 0: forecast at least 1 period, such as 13"),
        (["--windows", "0"], "error: --windows 0: backtest at least 1 origin, such as 3"),
        (
            ["--reconciliation", "wls"],
            "error: --reconciliation 'wls': not one of auto, mint_shrink, wls_var, "
            "wls_struct, bottom_up",
        ),
        (["--cancelled", "maybe"], "error: --cancelled 'maybe': not one of include, exclude"),
        (
            ["--as-of", "2025-13-01"],
            "error: --as-of '2025-13-01': not a date; write it as YYYY-MM-DD",
        ),
    ],
)
def test_bad_options_give_one_error_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str], message: str
) -> None:
    # checked before the warehouse is opened: this one does not even exist
    code, out, err = run(capsys, "forecast", "run", *args, "-w", str(tmp_path / "none.duckdb"))
    assert code == 2
    assert out == ""
    assert err.strip() == message


def test_an_overrides_file_with_a_bad_row(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ov = tmp_path / "ov.csv"
    ov.write_text(
        "sku,site_id,period,value,percent,who,why\n"
        "A1,DAL,2025-03-31,30,,ann,promotion\n"
        "A1,LYO,2025-03-31,lots,,tom,customer call\n"
    )
    code, _, err = run(
        capsys, "forecast", "run", "--overrides", str(ov), "-w", str(tmp_path / "none.duckdb")
    )
    assert code == 2
    assert err.strip() == (
        f"error: {ov}:3:value: 'lots': not a number; use digits with a point as decimal "
        "separator (overrides refused; no override was applied)"
    )


def test_show_and_accuracy_before_any_run(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = str(tmp_path / "empty.duckdb")
    with Warehouse.open(path) as wh:
        load_arrow(wh, dict(REFERENCE), label="ref")
    for command in (["show"], ["accuracy"], ["show", "--level", "total"]):
        code, out, err = run(capsys, "forecast", *command, "-w", path)
        assert code == 2
        assert out == ""
        assert err.strip() == "error: no forecast run yet: run `obeya forecast run`"
    code, out, err = run(capsys, "forecast", "runs", "-f", "json", "-w", path)
    assert code == 0
    assert json.loads(out) == []
    assert "note: no forecast run yet" in err
