"""The shipped Odoo mapping, read from a real PostgreSQL server into a DuckDB warehouse.

The database (tests/fixtures/odoo) is a subset of Odoo 18's tables with their real
column names and types (jsonb translated names, company-dependent standard_price as
jsonb, UTC timestamps). It holds a partial delivery with a backorder, a line whose
delivery is not done, a cancelled order, a quotation, a section line and a service
line, and purchases with two receipts and a return to the vendor. Every expected
figure is worked out by hand from data.sql; the arithmetic is in the comments.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import psycopg
import pytest

from obeya.errors import ConfigError, LoadRefused, SpecError
from obeya.ingest.mapping import load_mapping, sources_from_mapping
from obeya.mappings import shipped_mapping
from obeya.model import TABLES
from obeya.warehouse import LOAD_LOG, Warehouse

pytestmark = pytest.mark.postgres

FIXTURE = Path(__file__).parents[1] / "fixtures" / "odoo"
MAPPING = shipped_mapping("odoo")


@pytest.fixture
def odoo(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh database holding the Odoo fixture; ODOO_DB_URL points at it."""
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute((FIXTURE / "schema.sql").read_text(encoding="utf-8"))
        conn.execute((FIXTURE / "data.sql").read_text(encoding="utf-8"))
    monkeypatch.setenv("ODOO_DB_URL", pg_url)
    return pg_url


def execute(url: str, sql: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


@pytest.fixture
def wh(tmp_path: Path) -> Iterator[Warehouse]:
    with Warehouse.open(str(tmp_path / "w.duckdb")) as w:
        yield w


def rows(wh: Warehouse, sql: str) -> list[tuple[object, ...]]:
    return wh.duckdb.execute(sql).fetchall()


def total_rows(wh: Warehouse) -> int:
    return sum(wh.row_count(t) for t in [*TABLES, LOAD_LOG])


def edited_copy(dest: Path, old: str, new: str) -> Path:
    text = MAPPING.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} must occur once in odoo.yaml"
    dest.write_text(text.replace(old, new), encoding="utf-8")
    return dest


def test_loads_the_odoo_database(odoo: str, wh: Warehouse) -> None:
    report = load_mapping(wh, MAPPING)
    assert {t.table: t.rows for t in report.tables} == {
        "sites": 2,
        "products": 4,
        "customers": 2,
        "suppliers": 2,
        # 8 sale lines less the section, the service line and the quotation's line
        "order_lines": 5,
        # 4 PO lines less the cancelled PO's
        "purchase_order_lines": 3,
    }
    # manufacture_to_resupply: Hamburg makes (plant), Berlin does not (dc); both
    # warehouse addresses are in Germany (res_country 57)
    assert rows(wh, "SELECT site_id, name, type, country FROM sites ORDER BY 1") == [
        ("BER", "Berlin DC", "dc", "DE"),
        ("WH", "Hamburg", "plant", "DE"),
    ]
    # commercial partners only: Erik Larsson is a contact of Nordic Water (id 10)
    assert rows(wh, "SELECT customer_id, name, country FROM customers ORDER BY 1") == [
        ("10", "Nordic Water AB", "SE"),
        ("12", "Acme Pumps Inc.", "US"),
    ]
    assert rows(wh, "SELECT supplier_id, name, country FROM suppliers ORDER BY 1") == [
        ("20", "Stahlwerk Süd GmbH", "DE"),
        ("21", "Sealtec S.r.l.", "IT"),
    ]
    # English names from the jsonb translations; cost from standard_price {"1": ...};
    # the service without an internal reference is named by its id, with cost 0
    assert rows(
        wh,
        "SELECT sku, description, family, category, uom, unit_cost, unit_price, weight_kg "
        "FROM products ORDER BY sku",
    ) == [
        ("PUMP-1K", "Centrifugal pump 1 kW", "Pumps", "goods", "Units", 250.0, 320.0, 12.5),
        ("SEAL-KIT", "Pump seal kit", "Pumps", "goods", "Units", 4.5, 7.5, 0.8),
        ("STEEL-2MM", "Steel sheet, 2 mm", "Raw Materials", "goods", "kg", 1.2, 0.0, 1.0),
        ("odoo-product-104", "Delivery charges", "Services", "service", "Units", 0.0, 25.0, 0.0),
    ]


def test_order_lines_from_sales_and_deliveries(odoo: str, wh: Warehouse) -> None:
    load_mapping(wh, MAPPING)
    d = date
    assert rows(
        wh,
        "SELECT order_id, line_no, customer_id, sku, site_id, order_date, promised_date, "
        "ship_date, delivery_date, qty_ordered, qty_shipped, unit_price, unit_cost, status "
        "FROM order_lines ORDER BY order_id, line_no",
    ) == [
        # ordered by contact 11 of Nordic Water -> customer 10; commitment 15 Mar;
        # delivered 6 on 8 Mar and 4 on 12 Mar -> 10 of 10, last delivery 12 Mar
        ("S00001", 1, "10", "PUMP-1K", "WH", d(2024, 3, 5), d(2024, 3, 15),
         d(2024, 3, 12), d(2024, 3, 12), 10.0, 10.0, 300.0, 250.0, "delivered"),
        # 60 of 100 delivered on 8 Mar, the backorder of 40 not done -> open
        ("S00001", 2, "10", "SEAL-KIT", "WH", d(2024, 3, 5), d(2024, 3, 15),
         d(2024, 3, 8), d(2024, 3, 8), 100.0, 60.0, 7.0, 4.5, "open"),
        # no commitment date: ordered 10 Mar 14:00 + customer lead 7 days = 17 Mar;
        # its delivery is waiting (confirmed, not done) -> nothing shipped
        ("S00002", 5, "12", "PUMP-1K", "BER", d(2024, 3, 10), d(2024, 3, 17),
         None, None, 4.0, 0.0, 310.0, 260.0, "open"),
        # all 50 delivered 18 Mar 16:30 UTC, a day after the promise
        ("S00002", 6, "12", "SEAL-KIT", "BER", d(2024, 3, 10), d(2024, 3, 17),
         d(2024, 3, 18), d(2024, 3, 18), 50.0, 50.0, 7.5, 4.8, "delivered"),
        # cancelled order; no margin cost on the line, so the product cost 4.5 is used
        ("S00003", 7, "12", "SEAL-KIT", "WH", d(2024, 3, 11), d(2024, 3, 11),
         None, None, 20.0, 0.0, 7.0, 4.5, "cancelled"),
    ]  # fmt: skip


def test_purchase_lines_from_receipts_and_returns(odoo: str, wh: Warehouse) -> None:
    load_mapping(wh, MAPPING)
    d = date
    assert rows(
        wh,
        "SELECT po_id, line_no, supplier_id, sku, site_id, order_date, promised_date, "
        "receipt_date, qty_ordered, qty_received, qty_rejected, unit_price "
        "FROM purchase_order_lines ORDER BY po_id, line_no",
    ) == [
        # confirmed 1 Feb; received 600 (14 Feb) + 400 (28 Feb) = 1000 from the vendor
        # location; 50 sent back to the vendor on 1 Mar (Odoo's own net qty_received is
        # 950 = 1000 - 50)
        ("P00001", 1, "20", "STEEL-2MM", "WH", d(2024, 2, 1), d(2024, 2, 29), d(2024, 2, 28),
         1000.0, 1000.0, 50.0, 1.15),
        # the receipt operation type 11 belongs to the Berlin warehouse; not received yet
        ("P00002", 2, "21", "SEAL-KIT", "BER", d(2024, 2, 10), d(2024, 3, 5), None,
         200.0, 0.0, 0.0, 4.2),
        ("P00002", 3, "21", "SEAL-KIT", "BER", d(2024, 2, 10), d(2024, 3, 1), d(2024, 3, 8),
         100.0, 100.0, 0.0, 4.5),
    ]  # fmt: skip


def test_url_from_the_caller_and_a_name_in_another_language(
    odoo: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ODOO_DB_URL")
    execute(
        odoo, """UPDATE product_template SET name = '{"de_DE": "Dichtungssatz"}' WHERE id = 2"""
    )
    products = next(
        s for s in sources_from_mapping(MAPPING, {"source": {"url": odoo}}) if s.table == "products"
    )
    assert products.data is not None
    assert products.data.column("description").to_pylist() == [
        "Centrifugal pump 1 kW",
        "Dichtungssatz",
        "Steel sheet, 2 mm",
        "Delivery charges",
    ]


def test_unmapped_product_type_is_refused(odoo: str, wh: Warehouse) -> None:
    execute(odoo, "UPDATE product_template SET type = 'kit' WHERE id = 2")
    with pytest.raises(LoadRefused) as caught:
        load_mapping(wh, MAPPING)
    (problem,) = caught.value.problems
    # products in key order: PUMP-1K, SEAL-KIT, ... -> SEAL-KIT is row 3
    assert (problem.file, problem.row, problem.column, problem.value) == (
        "odoo.yaml:products<-sql(product_product)",
        3,
        "category",
        "kit",
    )
    assert "add it there (the map lists: 'combo', 'consu', 'service')" in problem.rule
    assert problem.rule.endswith("[1 row has it: sku='SEAL-KIT']")
    assert total_rows(wh) == 0


def test_negative_quantity_is_refused_and_nothing_written(odoo: str, wh: Warehouse) -> None:
    execute(odoo, "UPDATE sale_order_line SET product_uom_qty = -4 WHERE id = 5")
    with pytest.raises(LoadRefused) as caught:
        load_mapping(wh, MAPPING)
    # order lines in key order: S00001/1, S00001/2, S00002/5 -> row 4
    assert (
        "odoo.yaml:order_lines<-sql(sale_order_line):4:qty_ordered: '-4.0': must not be "
        "negative [order_id='S00002', line_no=5]"
    ) in [str(p) for p in caught.value.problems]
    assert total_rows(wh) == 0


def test_unknown_source_table_and_column_are_refused(odoo: str, tmp_path: Path) -> None:
    bad_table = edited_copy(
        tmp_path / "t.yaml", "FROM sale_order_line l", "FROM sale_order_lines l"
    )
    with pytest.raises(
        SpecError,
        match=r"t\.yaml:\d+: tables\.order_lines\.sql: no source table "
        r"'sale_order_lines' in the database postgresql://.*\(schema public\); "
        r"did you mean sale_order_line",
    ):
        sources_from_mapping(bad_table)
    bad_column = edited_copy(
        tmp_path / "c.yaml", "l.qty_delivered, l.price_unit", "l.qty_shipped, l.price_unit"
    )
    with pytest.raises(
        SpecError,
        match=r"c\.yaml:\d+: tables\.order_lines\.sql: the query does "
        r"not run: Binder Error: .*qty_shipped",
    ):
        sources_from_mapping(bad_column)


def test_unknown_key_and_missing_url_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = edited_copy(
        tmp_path / "k.yaml", "  schema: public\n", "  schema: public\n  sslmode: require\n"
    )
    line = bad.read_text().splitlines().index("  sslmode: require") + 1
    with pytest.raises(
        ConfigError,
        match=rf"k\.yaml:{line}: source\.sslmode: unknown key 'sslmode'; "
        "the keys here are: kind, path, url, url_env, schema",
    ):
        sources_from_mapping(bad)
    monkeypatch.delenv("ODOO_DB_URL", raising=False)
    with pytest.raises(
        ConfigError,
        match=r"odoo\.yaml:\d+: source\.url_env: the environment "
        "variable ODOO_DB_URL is not set",
    ):
        sources_from_mapping(MAPPING)
