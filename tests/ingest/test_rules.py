"""Every integrity rule of the data model, on DuckDB and on PostgreSQL.

Each case feeds one bad cell (or row) and checks the exact message
``file:row:column: value: rule`` and that nothing at all was written.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from obeya.errors import LoadRefused
from obeya.ingest import load, validate
from obeya.model import TABLES
from obeya.warehouse import LOAD_LOG, Warehouse
from tests.ingest.fixtures import VALID, with_cell, write_company


@pytest.fixture(params=["duckdb", "postgres"])
def warehouse(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Warehouse]:
    if request.param == "duckdb":
        url = str(tmp_path / "w.duckdb")
    else:
        url = request.getfixturevalue("pg_url")
    with Warehouse.open(url) as wh:
        yield wh


def total_rows(wh: Warehouse) -> int:
    return sum(wh.row_count(t) for t in [*TABLES, LOAD_LOG])


# (table, row, column, bad value, the rule as printed)
CASES = [
    ("order_lines", 3, "qty_shipped", "-1", "must not be negative"),
    ("order_lines", 2, "qty_ordered", "ten", "not a number"),
    ("order_lines", 2, "qty_ordered", "inf", "must be a finite number"),
    ("order_lines", 2, "qty_shipped", "11", "qty_shipped <= qty_ordered"),
    ("order_lines", 2, "ship_date", "2025-01-01", "ship_date >= order_date"),
    ("order_lines", 2, "delivery_date", "2025-01-04", "delivery_date >= ship_date"),
    ("order_lines", 2, "delivery_date", "", "a delivered line has a delivery_date"),
    ("order_lines", 5, "qty_shipped", "1", "a cancelled line ships nothing"),
    ("order_lines", 2, "order_date", "02/01/2025", "not a date; write YYYY-MM-DD"),
    ("order_lines", 2, "order_date", "2025-02-30", "not a date; write YYYY-MM-DD"),
    ("order_lines", 2, "status", "lost", "must be one of open, shipped, delivered, cancelled"),
    (
        "order_lines",
        2,
        "customer_id",
        "C9",
        "not found in customers.customer_id (load customers first or in the same load)",
    ),
    (
        "order_lines",
        2,
        "sku",
        "ZZ",
        "not found in products.sku (load products first or in the same load)",
    ),
    ("order_lines", 2, "site_id", "", "a value is required here"),
    ("order_lines", 2, "line_no", "1.5", "not a whole number"),
    (
        "shipments",
        2,
        "carrier_id",
        "XX",
        "not found in carriers.carrier_id (load carriers first or in the same load)",
    ),
    ("shipments", 2, "delivery_date", "2025-01-01", "delivery_date >= ship_date"),
    ("shipments", 2, "mode", "boat", "must be one of truck, ltl, parcel, rail, ocean, air"),
    ("nps_responses", 2, "score", "11", "must be at most 10"),
    ("nps_responses", 2, "score", "7.5", "not a whole number"),
    ("sites", 2, "country", "USA", "must be an ISO 3166-1 alpha-2 code such as DE"),
    ("sites", 2, "lat", "95", "must be at most 90"),
    ("tickets", 2, "escalated", "maybe", "not a boolean; write true or false"),
    ("tickets", 2, "resolved_at", "2025-01-04T08:00:00", "resolved_at >= opened_at"),
    ("gl_actuals", 2, "period", "2025-13", "must be a month as YYYY-MM"),
    (
        "gl_actuals",
        2,
        "account",
        "9999",
        "not found in accounts.account (load accounts first or in the same load)",
    ),
]


@pytest.mark.parametrize(
    ("table", "row", "column", "value", "rule"),
    CASES,
    ids=[f"{c[0]}.{c[2]}={c[3]!r}" for c in CASES],
)
def test_bad_cell_is_refused_and_nothing_written(
    warehouse: Warehouse, tmp_path: Path, table: str, row: int, column: str, value: str, rule: str
) -> None:
    folder = write_company(tmp_path / "in", with_cell(table, row, column, value))
    before = total_rows(warehouse)
    with pytest.raises(LoadRefused) as info:
        load(warehouse, [folder])
    shown = f"{folder / (table + '.csv')}:{row}:{column}: {value!r}: {rule}"
    assert shown in [str(p) for p in info.value.problems]
    assert info.value.total == 1
    assert total_rows(warehouse) == before == 0


def test_duplicate_key_names_both_rows(warehouse: Warehouse, tmp_path: Path) -> None:
    tables = {k: [list(r) for r in v] for k, v in VALID.items()}
    tables["order_lines"].append(list(tables["order_lines"][2]))  # O1/2 again, as row 6
    folder = write_company(tmp_path / "in", tables)
    with pytest.raises(LoadRefused) as info:
        load(warehouse, [folder])
    assert [str(p) for p in info.value.problems] == [
        f"{folder / 'order_lines.csv'}:6:order_id, line_no: 'O1, 2': "
        "duplicate key: the same order_id, line_no as row 3"
    ]
    assert total_rows(warehouse) == 0


def test_missing_and_unknown_columns(warehouse: Warehouse, tmp_path: Path) -> None:
    tables = {k: [list(r) for r in v] for k, v in VALID.items()}
    tables["carriers"] = [["carrier_id", "name", "modus"], ["RC", "RoadCo", "truck"]]
    folder = write_company(tmp_path / "in", tables)
    with pytest.raises(LoadRefused) as info:
        load(warehouse, [folder])
    shown = [str(p) for p in info.value.problems]
    path = folder / "carriers.csv"
    assert (
        f"{path}:1:modus: unknown column for table carriers; its columns are: carrier_id, name, mode"
        in shown
    )
    assert f"{path}:1:mode: required column is missing from the header" in shown
    assert total_rows(warehouse) == 0


def test_foreign_key_satisfied_by_earlier_load(warehouse: Warehouse, tmp_path: Path) -> None:
    refs = write_company(
        tmp_path / "refs", {k: VALID[k] for k in ("sites", "products", "customers")}
    )
    facts = write_company(tmp_path / "facts", {"order_lines": VALID["order_lines"]})
    load(warehouse, [refs])
    report = load(warehouse, [facts])
    assert [(t.table, t.inserted, t.replaced) for t in report.tables] == [("order_lines", 4, 0)]


def test_only_first_50_problems_are_listed_with_the_total(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    header = VALID["order_lines"][0]
    good = VALID["order_lines"][1]
    rows = [header] + [[f"X{i}", *good[1:9], "-1", *good[10:]] for i in range(120)]
    folder = write_company(tmp_path / "in", {**VALID, "order_lines": rows})
    with pytest.raises(LoadRefused) as info:
        load(warehouse, [folder])
    # each of the 120 rows has a negative qty_ordered, and so also qty_shipped > qty_ordered
    assert info.value.total == 240
    assert len(info.value.problems) == 50
    assert str(info.value.problems[0]).startswith(f"{folder / 'order_lines.csv'}:2:")
    assert info.value.render().endswith("... and 190 more (240 in all)")
    assert total_rows(warehouse) == 0


def test_valid_load_round_trips_and_is_idempotent(warehouse: Warehouse, tmp_path: Path) -> None:
    folder = write_company(tmp_path / "in")
    first = load(warehouse, [folder])
    second = load(warehouse, [folder])
    assert {t.table: t.inserted for t in first.tables}["order_lines"] == 4
    assert {t.table: (t.inserted, t.replaced) for t in second.tables}["order_lines"] == (0, 4)
    assert warehouse.row_count("order_lines") == 4
    assert [t.checksum for t in first.tables] == [t.checksum for t in second.tables]
    lines = warehouse.table("order_lines").order_by(["order_id", "line_no"]).execute()
    assert lines["qty_shipped"].tolist() == [10.0, 0.0, 6.0, 0.0]
    assert str(lines["delivery_date"].iloc[0])[:10] == "2025-01-08"
    assert lines["delivery_date"].isna().tolist() == [False, True, True, True]
    log = warehouse.table(LOAD_LOG).execute()
    assert len(log) == 2 * len(first.tables)
    assert sorted(log["rows_replaced"][log["table_name"] == "order_lines"].tolist()) == [0, 4]


def test_validate_writes_nothing(warehouse: Warehouse, tmp_path: Path) -> None:
    report = validate(warehouse, [write_company(tmp_path / "in")])
    assert report.dry_run
    assert report.rows == sum(len(v) - 1 for v in VALID.values())
    assert total_rows(warehouse) == 0


def test_overship_allowed_on_request(warehouse: Warehouse, tmp_path: Path) -> None:
    from obeya.ingest import LoadOptions

    folder = write_company(tmp_path / "in", with_cell("order_lines", 2, "qty_shipped", "11"))
    report = load(warehouse, [folder], options=LoadOptions(allow_overship=True))
    assert {t.table: t.rows for t in report.tables}["order_lines"] == 4


def test_a_bad_row_in_a_second_table_keeps_the_first_out(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    # sites are fine, order_lines are not: the load is refused whole
    folder = write_company(tmp_path / "in", with_cell("order_lines", 3, "status", "x"))
    with pytest.raises(LoadRefused):
        load(warehouse, [folder])
    assert warehouse.row_count("sites") == 0
