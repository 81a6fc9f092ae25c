"""The CLI as a user runs it: exit codes, exact messages, formats, the read-only console."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from obeya.cli import app
from obeya.cli.reference import render_cli_reference
from obeya.model.docs import render_data_model
from tests.clirun import run
from tests.ingest.fixtures import VALID, with_cell, write_company

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def wh(tmp_path: Path) -> str:
    return str(tmp_path / "w.duckdb")


def test_init_then_load_then_tables_and_loads(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, wh: str
) -> None:
    code, out, _ = run(capsys, "init", "--warehouse", wh)
    assert code == 0
    assert f"warehouse ready at {wh} (27 model tables)" in out
    folder = write_company(tmp_path / "in")
    code, out, _ = run(capsys, "load", str(folder), "--warehouse", wh)
    assert code == 0
    assert "loaded: 17 rows in 10 tables" in out
    code, out, _ = run(capsys, "tables", "--format", "json", "--warehouse", wh)
    rows = {r["table_name"]: r for r in json.loads(out)}
    assert rows["order_lines"] == {
        "table_name": "order_lines",
        "kind": "fact",
        "rows": 4,
        "first": "2025-01-02",
        "last": "2025-01-03",
    }
    assert rows["routings"]["rows"] == 0
    code, out, _ = run(capsys, "loads", "--format", "json", "--warehouse", wh)
    log = json.loads(out)
    assert {r["table_name"] for r in log} == set(VALID)
    assert all(r["rows_replaced"] == 0 for r in log)


def test_refused_load_prints_problems_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, wh: str
) -> None:
    folder = write_company(tmp_path / "in", with_cell("order_lines", 4, "qty_shipped", "9"))
    code, out, err = run(capsys, "load", str(folder), "--warehouse", wh)
    assert code == 2
    assert err.splitlines() == [
        "error: load refused: 1 problem; nothing was written",
        f"{folder / 'order_lines.csv'}:4:qty_shipped: '9': qty_shipped <= qty_ordered",
    ]
    assert "Traceback" not in err
    code, out, _ = run(
        capsys, "sql", "SELECT count(*) AS n FROM order_lines", "-f", "json", "--warehouse", wh
    )
    assert json.loads(out) == [{"n": 0}]


def test_validate_is_a_dry_run(capsys: pytest.CaptureFixture[str], tmp_path: Path, wh: str) -> None:
    code, out, _ = run(capsys, "validate", str(write_company(tmp_path / "in")), "--warehouse", wh)
    assert code == 0
    assert "valid: 17 rows in 10 tables" in out
    code, out, _ = run(
        capsys, "sql", "SELECT count(*) AS n FROM sites", "-f", "csv", "--warehouse", wh
    )
    assert out.splitlines() == ['"n"', "0"]


def test_parquet_and_xlsx_sources(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, wh: str
) -> None:
    import openpyxl

    folder = tmp_path / "in"
    folder.mkdir()
    sites = VALID["sites"]
    pq.write_table(
        pa.table({h: [r[i] for r in sites[1:]] for i, h in enumerate(sites[0])}),
        folder / "sites.parquet",
    )
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in VALID["products"]:
        sheet.append([float(v) if v.replace(".", "").isdigit() else v for v in row])
    book.save(folder / "products.xlsx")
    code, out, err = run(capsys, "load", str(folder), "--warehouse", wh)
    assert code == 0, err
    code, out, _ = run(
        capsys,
        "sql",
        "SELECT sku, unit_cost FROM products ORDER BY sku",
        "-f",
        "json",
        "--warehouse",
        wh,
    )
    assert json.loads(out) == [{"sku": "A1", "unit_cost": 2.5}, {"sku": "B2", "unit_cost": 3.0}]


def test_xlsx_problem_names_the_spreadsheet_row(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, wh: str
) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in VALID["carriers"]:
        sheet.append(row)
    sheet.append(["SEA", "SeaCo", "boat"])
    path = tmp_path / "carriers.xlsx"
    book.save(path)
    code, _, err = run(capsys, "load", str(path), "--warehouse", wh)
    assert code == 2
    assert f"{path}:3:mode: 'boat': must be one of truck, ltl, parcel, rail, ocean, air" in err


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("DELETE FROM sites", 'Cannot execute statement of type "DELETE"'),
        ("DROP TABLE sites", "read-only mode"),
        ("SELECT * FROM read_csv('/etc/passwd')", "Permission Error"),
        ("COPY sites TO '/tmp/obeya-leak.csv'", "Permission Error"),
        ("ATTACH '/tmp/other.duckdb'", "Permission Error"),
        ("SET enable_external_access = true", "Cannot change configuration option"),
        ("/* only a comment */", "the query is empty"),
        (";", "the query is empty"),
    ],
)
def test_sql_console_is_read_only(
    capsys: pytest.CaptureFixture[str], wh: str, query: str, message: str
) -> None:
    run(capsys, "init", "--warehouse", wh)
    code, _, err = run(capsys, "sql", query, "--warehouse", wh)
    assert code == 2
    assert err.startswith("error: ")
    assert message in err
    assert not Path("/tmp/obeya-leak.csv").exists()


def test_sql_console_on_postgres_is_read_only(
    capsys: pytest.CaptureFixture[str], pg_url: str
) -> None:
    run(capsys, "init", "--warehouse", pg_url)
    code, out, _ = run(
        capsys, "sql", "SELECT count(*) AS n FROM sites", "-f", "json", "--warehouse", pg_url
    )
    assert (code, json.loads(out)) == (0, [{"n": 0}])
    code, _, err = run(capsys, "sql", "DELETE FROM sites", "--warehouse", pg_url)
    assert code == 2
    assert "read-only transaction" in err


def test_missing_warehouse_is_a_clear_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(capsys, "tables", "--warehouse", str(tmp_path / "none.duckdb"))
    assert code == 2
    assert err.strip() == (
        f"error: no warehouse at {tmp_path / 'none.duckdb'}: run `obeya init` or "
        "`obeya demo` first, or point --warehouse / OBEYA_WAREHOUSE at one"
    )


def test_environment_variable_names_the_warehouse(tmp_path: Path) -> None:
    env = {"OBEYA_WAREHOUSE": str(tmp_path / "env.duckdb"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "obeya", "init"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "env.duckdb").exists()


def test_every_command_help_shows_an_example() -> None:
    """Every command and group, at every depth, shows an example in its --help."""
    import typer.main

    from obeya.cli.reference import walk_commands

    found = walk_commands(typer.main.get_command(app), ["obeya"])[1:]
    assert len(found) > 30
    missing = [" ".join(path) for path, cmd in found if "Example" not in (cmd.epilog or "")]
    assert missing == []


def test_generated_docs_are_current() -> None:
    """Regenerate with `obeya docs` when this fails."""
    assert (ROOT / "docs" / "data-model.md").read_text() == render_data_model().rstrip("\n") + "\n"
    assert (ROOT / "docs" / "cli.md").read_text() == render_cli_reference(app).rstrip("\n") + "\n"


def test_load_with_a_shipped_mapping(capsys: pytest.CaptureFixture[str], wh: str) -> None:
    sap = ROOT / "tests" / "fixtures" / "sap"
    code, out, err = run(
        capsys, "load", "--mapping", "sap_sd_mm", "--source", str(sap), "--warehouse", wh
    )
    assert code == 0, err
    assert "loaded: 18 rows in 7 tables" in out
    code, out, _ = run(
        capsys, "sql", "SELECT count(*) AS n FROM order_lines", "-f", "json", "--warehouse", wh
    )
    assert json.loads(out) == [{"n": 5}]


def test_unknown_mapping_is_a_clear_error(capsys: pytest.CaptureFixture[str], wh: str) -> None:
    code, _, err = run(capsys, "load", "--mapping", "no_such_erp", "--warehouse", wh)
    assert code == 2
    assert err.startswith("error: ")
    assert "no_such_erp" in err
    assert "Traceback" not in err


def test_serve_refuses_a_bad_alert_rules_file_before_binding(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, wh: str
) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - kind: no_such_kind\n")
    run(capsys, "init", "--warehouse", wh)
    code, out, err = run(capsys, "serve", "--alerts", str(rules), "--port", "1", "--warehouse", wh)
    assert code == 2
    assert err.startswith("error: ")
    assert "rules.yaml" in err
    assert "war room on" not in out
