"""Uploading gzip-compressed CSV files (``sites.csv.gz``) on the loads page and API.

The loads page offers ``.csv.gz``; the upload goes through the same loader as
``obeya load``, so a good file loads under its table and a bad row is named
``order_lines.csv.gz:ROW:column: value: rule`` (the header is row 1) with nothing
written.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from obeya.warehouse import Warehouse
from tests.web.conftest import Site, count_rows, csrf_of, make_site, order_lines_csv

SITES = b"site_id,name,type,country\nMEM,Memphis DC,dc,US\nRNO,Reno DC,dc,US\n"


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory, company_file: Path) -> Site:
    return make_site(tmp_path_factory.mktemp("upload_gzip"), company_file)


def test_a_gzipped_csv_upload_loads(own: Site) -> None:
    response = own.api("ada").post(
        "/api/v1/loads",
        files=[("files", ("sites.csv.gz", gzip.compress(SITES), "application/gzip"))],
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert [(t["table"], t["inserted"]) for t in body["tables"]] == [("sites", 2)]
    assert count_rows(own, "SELECT count(*) FROM sites WHERE site_id IN ('MEM', 'RNO')") == 2
    with Warehouse.open(str(own.warehouse), read_only=True) as wh:
        sources = wh.sql_arrow(
            "SELECT source FROM obeya_load_log WHERE load_id = ?", [body["load_id"]]
        ).column("source")
    assert sources.to_pylist() == ["sites.csv.gz"]  # the uploaded file's own name


def test_a_bad_row_of_a_gzipped_upload_is_named_and_nothing_written(own: Site) -> None:
    lines_before = count_rows(own, "SELECT count(*) FROM order_lines")
    log_before = count_rows(own, "SELECT count(*) FROM obeya_load_log")
    # rows 2..5 (the header is row 1): the fourth line, row 5, orders -3
    body = gzip.compress(order_lines_csv([5, 5, 5, -3], "G"))
    api = own.api("ada").post(
        "/api/v1/loads", files=[("files", ("order_lines.csv.gz", body, "application/gzip"))]
    )
    assert api.status_code == 422
    # shipping 0 of -3 also breaks "qty_shipped <= qty_ordered", on the same row
    assert api.json()["error"]["details"] == [
        "order_lines.csv.gz:5:qty_ordered: '-3': must not be negative",
        "order_lines.csv.gz:5:qty_shipped: '0': qty_shipped <= qty_ordered",
    ]
    client = own.client("ada")
    token = csrf_of(client.get("/loads").text)
    page = client.post(
        "/loads",
        data={"csrf_token": token},
        files=[("files", ("order_lines.csv.gz", body, "application/gzip"))],
    )
    assert page.status_code == 422
    assert (
        "<code>order_lines.csv.gz:5:qty_ordered: &#39;-3&#39;: must not be negative</code>"
        in page.text
    )
    # nothing written: not the three good lines, not a load-log row
    assert count_rows(own, "SELECT count(*) FROM order_lines") == lines_before
    assert count_rows(own, "SELECT count(*) FROM obeya_load_log") == log_before
