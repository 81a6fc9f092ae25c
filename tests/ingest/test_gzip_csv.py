"""Gzip-compressed CSV files (``order_lines.csv.gz``) load as the plain CSV does.

The table is the file's name without ``.csv.gz``; the rules, the row numbers in
problems (the header is row 1) and the all-or-nothing write are those of a plain CSV.
The company is ``tests/ingest/fixtures.py``'s, whose four order lines order
10 + 5 + 8 + 4 = 27 units.
"""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import pytest

from obeya.errors import LoadRefused
from obeya.ingest import load
from obeya.model import TABLES
from obeya.warehouse import LOAD_LOG, Warehouse
from tests.clirun import run
from tests.ingest.fixtures import VALID, with_cell, write_company

REFERENCE = ("sites", "products", "customers")


def _csv(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue().encode()


def _write_gz(path: Path, rows: list[list[str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(_csv(rows)))
    return path


def _total_rows(url: Path) -> int:
    with Warehouse.open(str(url), read_only=True) as wh:
        return sum(wh.row_count(t) for t in [*TABLES, LOAD_LOG])


def _scalar(url: Path, sql: str) -> object:
    with Warehouse.open(str(url), read_only=True) as wh:
        return wh.sql_arrow(sql).column(0)[0].as_py()


@pytest.fixture
def refs(tmp_path: Path) -> Path:
    """The reference tables the order lines point at, as plain CSV files."""
    return write_company(tmp_path / "refs", {k: VALID[k] for k in REFERENCE})


def test_cli_loads_a_gzipped_csv(
    tmp_path: Path, refs: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    _write_gz(tmp_path / "order_lines.csv.gz", VALID["order_lines"])
    url = tmp_path / "w.duckdb"
    code, _out, err = run(capsys, "load", "refs", "order_lines.csv.gz", "--warehouse", str(url))
    assert code == 0, err
    # four lines of 10 + 5 + 8 + 4 = 27 units; O2's is shipped from LYO
    assert _scalar(url, "SELECT count(*) FROM order_lines") == 4
    assert _scalar(url, "SELECT sum(qty_ordered) FROM order_lines") == 27
    assert _scalar(url, "SELECT site_id FROM order_lines WHERE order_id = 'O2'") == "LYO"
    # the load log names the file as given
    assert (
        _scalar(url, f"SELECT source FROM {LOAD_LOG} WHERE table_name = 'order_lines'")
        == "order_lines.csv.gz"
    )


def test_cli_reports_a_bad_row_of_a_gzipped_csv_and_writes_nothing(
    tmp_path: Path, refs: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    # row 5 (the header is row 1) is O3, cancelled with 0 shipped: it now orders -3
    _write_gz(
        tmp_path / "order_lines.csv.gz",
        with_cell("order_lines", 5, "qty_ordered", "-3")["order_lines"],
    )
    url = tmp_path / "w.duckdb"
    code, _out, err = run(capsys, "load", "refs", "order_lines.csv.gz", "--warehouse", str(url))
    assert code == 2
    assert "order_lines.csv.gz:5:qty_ordered: '-3': must not be negative" in err
    # shipping 0 of -3 also breaks qty_shipped <= qty_ordered, on the same row
    assert "order_lines.csv.gz:5:qty_shipped: '0': qty_shipped <= qty_ordered" in err
    # nothing written: not the reference tables of the same load, not a load-log row
    assert _total_rows(url) == 0


def test_a_folder_reads_gzipped_files_and_parts(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    _write_gz(folder / "sites.CSV.GZ", VALID["sites"])  # the suffix in any case
    write_company(folder, {k: VALID[k] for k in ("products", "customers")})
    # order_lines as two parts: the first two lines gzipped, the last two plain
    header, *lines = VALID["order_lines"]
    _write_gz(folder / "order_lines" / "part-0.csv.gz", [header, *lines[:2]])
    (folder / "order_lines" / "part-1.csv").write_bytes(_csv([header, *lines[2:]]))
    url = tmp_path / "w.duckdb"
    with Warehouse.open(str(url)) as wh:
        report = load(wh, [folder])
    loaded = {t.table: t.inserted for t in report.tables}
    assert loaded == {"sites": 2, "products": 2, "customers": 2, "order_lines": 4}
    assert _scalar(url, "SELECT sum(qty_ordered) FROM order_lines") == 27


def test_a_bad_row_of_a_gzipped_part_names_the_part(tmp_path: Path) -> None:
    folder = write_company(tmp_path / "in", {k: VALID[k] for k in REFERENCE})
    header, *lines = VALID["order_lines"]
    bad = [list(r) for r in lines[:2]]
    bad[1][header.index("status")] = "lost"  # the part's row 3
    part = _write_gz(folder / "order_lines" / "part-0.csv.gz", [header, *bad])
    (folder / "order_lines" / "part-1.csv").write_bytes(_csv([header, *lines[2:]]))
    url = tmp_path / "w.duckdb"
    with Warehouse.open(str(url)) as wh, pytest.raises(LoadRefused) as info:
        load(wh, [folder])
    assert [str(p) for p in info.value.problems] == [
        f"{part}:3:status: 'lost': must be one of open, shipped, delivered, cancelled"
    ]
    assert _total_rows(url) == 0


def test_a_folder_with_one_part_names_the_part(tmp_path: Path) -> None:
    folder = write_company(tmp_path / "in", {k: VALID[k] for k in REFERENCE})
    header, *lines = VALID["order_lines"]
    bad = [list(r) for r in lines]
    bad[0][header.index("status")] = "lost"  # the part's row 2 (the header is row 1)
    part = _write_gz(folder / "order_lines" / "part-0.csv.gz", [header, *bad])
    url = tmp_path / "w.duckdb"
    with Warehouse.open(str(url)) as wh, pytest.raises(LoadRefused) as info:
        load(wh, [folder])
    assert [str(p) for p in info.value.problems] == [
        f"{part}:2:status: 'lost': must be one of open, shipped, delivered, cancelled"
    ]
    assert _total_rows(url) == 0


def test_a_damaged_gzip_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "sites.csv.gz"
    path.write_bytes(_csv(VALID["sites"]))  # plain text under a .gz name
    url = tmp_path / "w.duckdb"
    with Warehouse.open(str(url)) as wh, pytest.raises(LoadRefused) as info:
        load(wh, [path])
    shown = [str(p) for p in info.value.problems]
    assert len(shown) == 1
    assert shown[0].startswith(f"{path}: not a readable gzip-compressed CSV file: ")
    assert _total_rows(url) == 0


def test_other_compressed_files_are_refused_naming_the_types(tmp_path: Path) -> None:
    path = tmp_path / "sites.parquet.gz"
    path.write_bytes(gzip.compress(b"x"))
    with Warehouse.open(str(tmp_path / "w.duckdb")) as wh, pytest.raises(LoadRefused) as info:
        load(wh, [path])
    assert [str(p) for p in info.value.problems] == [
        f"{path}: unsupported file type; use .csv, .csv.gz, .parquet or .xlsx"
    ]


def test_a_gzipped_name_must_be_a_table(tmp_path: Path) -> None:
    path = _write_gz(tmp_path / "lines.csv.gz", VALID["order_lines"])
    with Warehouse.open(str(tmp_path / "w.duckdb")) as wh, pytest.raises(LoadRefused) as info:
        load(wh, [path])
    assert [str(p) for p in info.value.problems] == [
        f"{path}: 'lines' is not a model table; name the file after its table "
        "(e.g. order_lines.csv) or use --mapping"
    ]
