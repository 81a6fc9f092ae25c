"""The shipped SAP SD/MM mapping on a small extract in SAP's own shape.

The fixture (tests/fixtures/sap) has two plants, three materials, two customers, two
vendors, two sales orders and a returns order, four deliveries (one not yet goods
issued, one without proof of delivery), two purchase orders with schedule lines and
goods-receipt history (two receipts and a return to vendor, plus an invoice line that
must be ignored), and a deleted PO item. Every expected figure below is worked out by
hand from those files; the arithmetic is in the comments.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from obeya.errors import ConfigError, LoadRefused, SpecError
from obeya.ingest.mapping import load_mapping, sources_from_mapping
from obeya.mappings import shipped_mapping
from obeya.model import TABLES
from obeya.warehouse import LOAD_LOG, Warehouse

FIXTURE = Path(__file__).parents[1] / "fixtures" / "sap"
MAPPING = shipped_mapping("sap_sd_mm")
ON_FIXTURE = {"source": {"path": str(FIXTURE)}}


@pytest.fixture
def wh(tmp_path: Path) -> Iterator[Warehouse]:
    with Warehouse.open(str(tmp_path / "w.duckdb")) as w:
        yield w


def rows(wh: Warehouse, sql: str) -> list[tuple[object, ...]]:
    return wh.duckdb.execute(sql).fetchall()


def total_rows(wh: Warehouse) -> int:
    return sum(wh.row_count(t) for t in [*TABLES, LOAD_LOG])


def edited_copy(src: Path, dest: Path, old: str, new: str) -> Path:
    """``src`` copied to ``dest`` with the one occurrence of ``old`` replaced."""
    text = src.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} must occur once in {src.name}"
    dest.write_text(text.replace(old, new), encoding="utf-8")
    return dest


def edited_extract(tmp_path: Path, file: str, old: str, new: str) -> dict[str, dict[str, str]]:
    folder = tmp_path / "extract"
    shutil.copytree(FIXTURE, folder)
    edited_copy(FIXTURE / file, folder / file, old, new)
    return {"source": {"path": str(folder)}}


@pytest.fixture
def loaded(wh: Warehouse) -> Warehouse:
    report = load_mapping(wh, MAPPING, overrides=ON_FIXTURE)
    assert {t.table: t.rows for t in report.tables} == {
        "sites": 2,
        "products": 3,
        "customers": 2,
        "suppliers": 2,
        "order_lines": 5,  # 5 items of the two sales orders; the returns order goes to returns
        "purchase_order_lines": 3,  # 4 EKPO items less the deleted one (LOEKZ = L)
        "returns": 1,
    }
    return wh


def test_sites_from_plants(loaded: Warehouse) -> None:
    # T001W: 1000 has a blank plant category -> plant; 1100 has VLFKZ B -> dc
    assert rows(loaded, "SELECT site_id, name, type, country, region FROM sites ORDER BY 1") == [
        ("1000", "Hamburg Plant", "plant", "DE", "02"),
        ("1100", "Berlin Distribution Center", "dc", "DE", "11"),
    ]


def test_partners_keep_leading_zeros(loaded: Warehouse) -> None:
    assert rows(loaded, "SELECT customer_id, name, country FROM customers ORDER BY 1") == [
        ("0000100001", "Nordic Water AB", "SE"),
        ("0000100002", "Acme Pumps Inc.", "US"),
    ]
    assert rows(loaded, "SELECT supplier_id, name, country FROM suppliers ORDER BY 1") == [
        ("0000300001", "Stahlwerk Süd GmbH", "DE"),
        ("0000300002", "Sealtec S.r.l.", "IT"),
    ]


def test_products_costs_prices_and_weights(loaded: Warehouse) -> None:
    got = rows(
        loaded,
        "SELECT sku, description, family, category, uom, unit_cost, unit_price, weight_kg "
        "FROM products ORDER BY sku",
    )
    assert [r[:5] for r in got] == [
        ("000000000000100001", "Centrifugal pump 1 kW", "PUMPS", "finished good", "EA"),
        ("000000000000100002", "Pump seal kit", "SPARES", "trading good", "EA"),
        ("000000000000200001", "Steel sheet, 2 mm", "STEEL", "raw material", "KG"),
    ]
    pump, seal, steel = (r[5:] for r in got)
    # pump: standard prices 250.00 and 260.00 (price unit 1) -> mean 255.00;
    # sold 10 for 3000.00 and 4 for 1240.00 -> 4240 / 14; 12.5 KG
    assert pump == pytest.approx((255.0, 4240 / 14, 12.5))
    # seal kit: moving averages 45.00 and 48.00 per 10 -> mean(4.50, 4.80) = 4.65;
    # sold 100 for 700.00 and 50 for 375.00 (the rejected item is left out) -> 1075 / 150;
    # 800 G -> 0.8 kg
    assert seal == pytest.approx((4.65, 1075 / 150, 0.8))
    # steel: moving average 1.20; never sold, so the price falls back to the cost
    assert steel == pytest.approx((1.2, 1.2, 1.0))


def test_order_lines_quantities_dates_and_statuses(loaded: Warehouse) -> None:
    got = rows(
        loaded,
        "SELECT order_id, line_no, customer_id, site_id, channel, order_date, promised_date, "
        "ship_date, delivery_date, qty_ordered, qty_shipped, unit_price, unit_cost, status "
        "FROM order_lines ORDER BY order_id, line_no",
    )
    d = date
    assert got == [
        # 10 ordered; goods issued 6 on 8 Mar and 4 on 12 Mar, both with proof of delivery
        # (11 and 14 Mar) -> shipped 10, ship 12 Mar, delivered 14 Mar; 3000.00 / 10
        ("0000005001", 10, "0000100001", "1000", "direct", d(2024, 3, 5), d(2024, 3, 15),
         d(2024, 3, 12), d(2024, 3, 14), 10.0, 10.0, 300.0, 250.0, "delivered"),
        # partial delivery: 60 of 100 goods issued on 8 Mar (POD 11 Mar) -> still open
        ("0000005001", 20, "0000100001", "1000", "direct", d(2024, 3, 5), d(2024, 3, 15),
         d(2024, 3, 8), d(2024, 3, 11), 100.0, 60.0, 7.0, 4.5, "open"),
        # rejected (ABGRU 02), nothing delivered -> cancelled; 140.00 / 20
        ("0000005001", 30, "0000100001", "1000", "direct", d(2024, 3, 5), d(2024, 3, 15),
         None, None, 20.0, 0.0, 7.0, 4.5, "cancelled"),
        # a delivery exists but its goods issue is not posted (WADAT_IST 00000000) -> open;
        # 1240.00 / 4 = 310; standard price at plant 1100 = 260.00
        ("0000005002", 10, "0000100002", "1100", "wholesale", d(2024, 3, 10), d(2024, 3, 25),
         None, None, 4.0, 0.0, 310.0, 260.0, "open"),
        # all 50 goods issued on 18 Mar, no proof of delivery yet -> shipped; 375.00 / 50;
        # moving average 48.00 per 10 at plant 1100
        ("0000005002", 20, "0000100002", "1100", "wholesale", d(2024, 3, 10), d(2024, 3, 25),
         d(2024, 3, 18), None, 50.0, 50.0, 7.5, 4.8, "shipped"),
    ]  # fmt: skip


def test_purchase_order_lines_receipts_and_returns(loaded: Warehouse) -> None:
    got = rows(
        loaded,
        "SELECT po_id, line_no, supplier_id, site_id, order_date, promised_date, receipt_date, "
        "qty_ordered, qty_received, qty_rejected, unit_price "
        "FROM purchase_order_lines ORDER BY po_id, line_no",
    )
    d = date
    assert got == [
        # receipts 600 (14 Feb) + 400 (28 Feb) = 1000; 50 returned to vendor (122, H) on
        # 1 Mar is a rejection and not a receipt date; the invoice line (VGABE 2) is
        # ignored; promised = last schedule line (15 Feb, 29 Feb) = 29 Feb
        ("4500000101", 10, "0000300001", "1000", d(2024, 2, 1), d(2024, 2, 29), d(2024, 2, 28),
         1000.0, 1000.0, 50.0, 1.15),
        # nothing received yet; 42.00 per 10 = 4.20
        ("4500000102", 10, "0000300002", "1000", d(2024, 2, 10), d(2024, 3, 5), None,
         200.0, 0.0, 0.0, 4.2),
        # received in full on 8 Mar, a week after the promised 1 Mar; 45.00 per 10
        ("4500000102", 20, "0000300002", "1100", d(2024, 2, 10), d(2024, 3, 1), d(2024, 3, 8),
         100.0, 100.0, 0.0, 4.5),
    ]  # fmt: skip


def test_returns_order_becomes_a_return(loaded: Warehouse) -> None:
    assert rows(
        loaded,
        "SELECT return_id, order_id, sku, customer_id, return_date, qty, reason, refund_amount "
        "FROM returns",
    ) == [
        ("0000006001/000010", "0000005001", "000000000000100001", "0000100001", date(2024, 4, 1),
         1.0, "poor quality", 300.0),
    ]  # fmt: skip


def test_reloading_replaces_by_key(loaded: Warehouse) -> None:
    again = load_mapping(loaded, MAPPING, overrides=ON_FIXTURE)
    assert {t.table: (t.inserted, t.replaced) for t in again.tables}["order_lines"] == (0, 5)
    assert loaded.row_count("order_lines") == 5


def test_source_path_is_relative_to_the_mapping_file(tmp_path: Path, wh: Warehouse) -> None:
    shutil.copytree(FIXTURE, tmp_path / "sap_extract")
    mapping = tmp_path / "my_sap.yaml"
    shutil.copy(MAPPING, mapping)
    report = load_mapping(wh, mapping, dry_run=True)
    assert report.dry_run
    assert [t.rows for t in report.tables if t.table == "order_lines"] == [5]
    assert total_rows(wh) == 0


def test_sources_carry_labels_naming_mapping_table_and_source() -> None:
    labels = {s.table: s.label for s in sources_from_mapping(MAPPING, ON_FIXTURE)}
    assert labels["sites"] == "sap_sd_mm.yaml:sites<-T001W"
    assert labels["order_lines"] == "sap_sd_mm.yaml:order_lines<-sql(VBAP)"


# ---------------------------------------------------------------- refusals


def test_unknown_key_is_refused_with_file_line_and_field(tmp_path: Path) -> None:
    bad = edited_copy(
        MAPPING, tmp_path / "bad.yaml", "    from: KNA1\n", "    from: KNA1\n    filter: x\n"
    )
    line = bad.read_text().splitlines().index("    filter: x") + 1
    with pytest.raises(
        ConfigError,
        match=rf"bad\.yaml:{line}: tables\.customers\.filter: unknown key 'filter'; "
        "the keys here are: from, sql, where",
    ):
        sources_from_mapping(bad, ON_FIXTURE)


def test_unknown_source_table_is_refused(tmp_path: Path) -> None:
    bad = edited_copy(MAPPING, tmp_path / "bad.yaml", "from: KNA1", "from: KNA2")
    with pytest.raises(
        SpecError,
        match=r"bad\.yaml:\d+: tables\.customers\.from: no source table 'KNA2' in the folder "
        r".*did you mean KNA1",
    ):
        sources_from_mapping(bad, ON_FIXTURE)


def test_unknown_source_column_is_refused(tmp_path: Path) -> None:
    bad = edited_copy(
        MAPPING,
        tmp_path / "bad.yaml",
        "      supplier_id: LIFNR\n      name: NAME1",
        "      supplier_id: LIFNR\n      name: NAME_1",
    )
    with pytest.raises(
        SpecError,
        match=r"bad\.yaml:\d+: tables\.suppliers\.columns\.name: no column 'NAME_1' in "
        r"source table LFA1; did you mean NAME1",
    ):
        sources_from_mapping(bad, ON_FIXTURE)


def test_unknown_column_inside_sql_is_refused(tmp_path: Path) -> None:
    bad = edited_copy(MAPPING, tmp_path / "bad.yaml", "h.VBTYP = 'H'", "h.VBTYPX = 'H'")
    with pytest.raises(SpecError, match=r"tables\.returns\.sql: the query does not run: .*VBTYPX"):
        sources_from_mapping(bad, ON_FIXTURE)


def test_unmapped_channel_code_is_refused_naming_code_source_and_row(tmp_path: Path) -> None:
    # order 5002 is sold through distribution channel 16, which the value map lacks
    extract = edited_extract(tmp_path, "VBAK.csv", "1000,12,00,20240325", "1000,16,00,20240325")
    with pytest.raises(LoadRefused, match="1 problem") as caught:
        sources_from_mapping(MAPPING, extract)
    (problem,) = caught.value.problems
    # mapped rows are in key order: 5001/10, /20, /30, 5002/10 -> row 5 (header = row 1)
    assert str(problem).startswith(
        "sap_sd_mm.yaml:order_lines<-sql(VBAP):5:channel: '16': code not in the value map at "
        "sap_sd_mm.yaml:"
    )
    assert "2 rows have it, the first: order_id='0000005002', line_no=10]" in problem.rule


def test_unmapped_code_in_a_file_names_the_file_row(tmp_path: Path) -> None:
    extract = edited_extract(tmp_path, "T001W.csv", "DE,11,B", "DE,11,Z")
    with pytest.raises(LoadRefused) as caught:
        sources_from_mapping(MAPPING, extract)
    (problem,) = caught.value.problems
    assert (problem.file, problem.row, problem.column, problem.value) == (
        "sap_sd_mm.yaml:sites<-T001W",
        3,
        "type",
        "Z",
    )
    assert problem.rule.endswith("[1 row has it: T001W.csv row 3; site_id='1100']")


def test_negative_quantity_is_refused_and_nothing_written(tmp_path: Path, wh: Warehouse) -> None:
    # SAP writes a negative number with a trailing minus: 5001/20 ordered '5.000-'
    extract = edited_extract(tmp_path, "VBAP.csv", ",100.000,EA,700.00", ",5.000-,EA,700.00")
    with pytest.raises(LoadRefused) as caught:
        load_mapping(wh, MAPPING, overrides=extract)
    shown = [str(p) for p in caught.value.problems]
    assert (
        "sap_sd_mm.yaml:order_lines<-sql(VBAP):3:qty_ordered: '-5.0': must not be negative "
        "[order_id='0000005001', line_no=20]"
    ) in shown
    assert total_rows(wh) == 0


def test_bad_date_is_refused_with_its_value(tmp_path: Path, wh: Warehouse) -> None:
    extract = edited_extract(tmp_path, "EKKO.csv", "1000,20240210,EUR", "1000,20241302,EUR")
    with pytest.raises(
        LoadRefused, match=r"purchase_order_lines<-sql\(EKPO\):3:order_date: '20241302': not a date"
    ):
        load_mapping(wh, MAPPING, overrides=extract)
    assert total_rows(wh) == 0


def test_a_gzipped_extract_file_reads_as_its_table(tmp_path: Path, wh: Warehouse) -> None:
    """T001W.csv.gz is table T001W, as T001W.csv is (the plants give the sites)."""
    import gzip

    folder = tmp_path / "extract"
    shutil.copytree(FIXTURE, folder)
    plain = folder / "T001W.csv"
    (folder / "T001W.csv.gz").write_bytes(gzip.compress(plain.read_bytes()))
    plain.unlink()
    load_mapping(wh, MAPPING, overrides={"source": {"path": str(folder)}})
    assert rows(wh, "SELECT site_id, type FROM sites ORDER BY 1") == [
        ("1000", "plant"),
        ("1100", "dc"),
    ]
