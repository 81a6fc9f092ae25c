"""``obeya kpi`` as a user runs it, on the hand-made company of tests/metrics/company.py.

The figures are the ones worked out by hand in tests/metrics/test_service.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from obeya.ingest import load_arrow
from obeya.metrics import load_catalog
from obeya.warehouse import Warehouse
from tests.clirun import run
from tests.metrics.company import company_tables


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = str(tmp_path_factory.mktemp("kpi") / "company.duckdb")
    with Warehouse.open(path) as warehouse:
        load_arrow(warehouse, company_tables(), label="company")
    return path


def test_list_shows_every_catalog_kpi(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "kpi", "list", "--format", "json")
    assert code == 0
    ids = [r["id"] for r in json.loads(out)]
    assert ids == list(load_catalog().ids)
    assert {"otd", "otif", "trir", "waste_diversion_pct"} <= set(ids)


def test_compute_json_rows(capsys: pytest.CaptureFixture[str], wh: str) -> None:
    code, out, err = run(
        capsys,
        "kpi",
        "compute",
        "otd,otif",
        "--from",
        "2025-01",
        "--to",
        "2025-01",
        "--as-of",
        "2025-03-31",
        "--format",
        "json",
        "--warehouse",
        wh,
    )
    assert code == 0, err
    rows = {r["kpi"]: r for r in json.loads(out)}
    # January 2025: 6 lines due, 4 on time, 3 on time and in full (test_service.py)
    assert rows["otd"]["period_start"] == "2025-01-01"
    assert (rows["otd"]["numerator"], rows["otd"]["denominator"]) == (4, 6)
    assert rows["otd"]["value"] == pytest.approx(4 / 6)
    assert (rows["otif"]["numerator"], rows["otif"]["denominator"]) == (3, 6)
    assert rows["otif"]["value"] == pytest.approx(0.5)


def test_compute_by_site_has_the_dimension_key(capsys: pytest.CaptureFixture[str], wh: str) -> None:
    code, out, _ = run(
        capsys,
        "kpi",
        "compute",
        "otd",
        "--by",
        "site",
        "--from",
        "2025-01",
        "--to",
        "2025-01",
        "--as-of",
        "2025-03-31",
        "-f",
        "json",
        "--warehouse",
        wh,
    )
    assert code == 0
    rows = json.loads(out)
    assert {r["site"] for r in rows} <= {"DAL", "ATL"}
    # a roll-up re-divides the sums: the sites' numerators and denominators add to 4/6
    assert sum(r["numerator"] or 0 for r in rows) == 4
    assert sum(r["denominator"] or 0 for r in rows) == 6


def test_explain_contributions_add_up(capsys: pytest.CaptureFixture[str], wh: str) -> None:
    code, out, err = run(
        capsys,
        "kpi",
        "explain",
        "otd",
        "--by",
        "site",
        "--period",
        "2025-02",
        "--vs",
        "prior",
        "--as-of",
        "2025-03-31",
        "-f",
        "json",
        "--warehouse",
        wh,
    )
    assert code == 0, err
    result = json.loads(out)
    # February 2/3 against January 4/6: unchanged overall
    assert result["value_0"] == pytest.approx(4 / 6)
    assert result["value_1"] == pytest.approx(2 / 3)
    assert sum(m["contribution"] for m in result["members"]) == pytest.approx(result["change"])
    assert result["sentence"].startswith("OTD")


def test_scorecard_json(capsys: pytest.CaptureFixture[str], wh: str) -> None:
    code, out, err = run(
        capsys,
        "kpi",
        "scorecard",
        "--period",
        "2025-01",
        "--as-of",
        "2025-03-31",
        "-f",
        "json",
        "--warehouse",
        wh,
    )
    assert code == 0, err
    card = json.loads(out)
    assert card["period"] == "2025-01"
    rows = {r["kpi"]: r for r in card["rows"]}
    assert set(rows) == set(load_catalog().ids)
    assert rows["otd"]["value"] == pytest.approx(4 / 6)
    assert rows["otd"]["status"] == "red"
    assert len(rows["otd"]["sparkline"]) == 13


def test_unknown_kpi_is_a_clear_error(capsys: pytest.CaptureFixture[str], wh: str) -> None:
    code, _, err = run(capsys, "kpi", "compute", "otdd", "--warehouse", wh)
    assert code == 2
    assert err.startswith("error: ")
    assert "otdd" in err
    assert "Traceback" not in err


def test_bad_filter_is_a_clear_error(capsys: pytest.CaptureFixture[str], wh: str) -> None:
    code, _, err = run(capsys, "kpi", "compute", "otd", "--where", "site", "--warehouse", wh)
    assert code == 2
    assert err.strip() == "error: --where 'site': write DIMENSION=MEMBER, such as site=DAL"


def test_show_prints_the_definition(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "kpi", "show", "otd")
    assert code == 0
    assert "promised_date" in out
    assert "On-time delivery" in out


def test_company_file_beside_the_warehouse_is_used(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "kpis.yaml").write_text("kpis:\n  - id: otd\n    bogus_field: 1\n")
    with Warehouse.open(str(tmp_path / "w.duckdb")):
        pass
    code, _, err = run(capsys, "kpi", "compute", "otd", "--warehouse", str(tmp_path / "w.duckdb"))
    assert code == 2
    assert "kpis.yaml" in err
