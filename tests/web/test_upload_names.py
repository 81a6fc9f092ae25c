"""Uploaded files keep their own name in the load log and in the problems shown.

An upload is saved to a temporary file before the loader reads it; the load log's
``source`` (``obeya loads``, the loads page) and every problem must name the file
the user chose (its base name only), never the temporary path.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from obeya.warehouse import Warehouse
from tests.clirun import run
from tests.web.conftest import Site, count_rows, csrf_of, make_site, order_lines_csv

SITES = b"site_id,name,type,country\nMEM,Memphis DC,dc,US\n"


def _sources(site: Site, load_id: str) -> list[str]:
    with Warehouse.open(str(site.warehouse), read_only=True) as wh:
        table = wh.sql_arrow(
            "SELECT source FROM obeya_load_log WHERE load_id = ? ORDER BY table_name", [load_id]
        )
    return [str(s) for s in table.column("source").to_pylist()]


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory, company_file: Path) -> Site:
    return make_site(tmp_path_factory.mktemp("upload_names"), company_file)


def test_the_load_log_records_the_uploaded_name(
    own: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    response = own.api("ada").post(
        "/api/v1/loads",
        files=[
            ("files", ("sites.csv", SITES, "text/csv")),
            ("files", ("order_lines.csv", order_lines_csv([4, 6], "U"), "text/csv")),
        ],
    )
    assert response.status_code == 200, response.text
    load_id = response.json()["load_id"]
    assert _sources(own, load_id) == ["order_lines.csv", "sites.csv"]  # by table name
    # the same in the API's log, the loads page's history and `obeya loads`
    api_log = [e for e in own.api("vic").get("/api/v1/loads").json() if e["load_id"] == load_id]
    assert sorted(e["source"] for e in api_log) == ["order_lines.csv", "sites.csv"]
    page = own.client("vic").get("/loads").text
    assert "<td>sites.csv</td>" in page
    assert "obeya-upload-" not in page
    code, out, _ = run(capsys, "loads", "--format", "json", "--warehouse", str(own.warehouse))
    assert code == 0
    cli_log = [r for r in json.loads(out) if r["load_id"] == load_id]
    assert sorted(r["source"] for r in cli_log) == ["order_lines.csv", "sites.csv"]


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("C:\\Users\\ada\\Exports\\sites.CSV", "sites.CSV"),  # a client path from Windows
        ("../../exports/sites.csv", "sites.csv"),  # a path, never followed
    ],
)
def test_only_the_base_name_is_kept(own: Site, sent: str, kept: str) -> None:
    response = own.api("ada").post("/api/v1/loads", files=[("files", (sent, SITES, "text/csv"))])
    assert response.status_code == 200, response.text
    assert _sources(own, response.json()["load_id"]) == [kept]


def test_a_bad_row_names_the_uploaded_file_and_row(own: Site) -> None:
    lines_before = count_rows(own, "SELECT count(*) FROM order_lines")
    log_before = count_rows(own, "SELECT count(*) FROM obeya_load_log")
    client = own.client("ada")
    token = csrf_of(client.get("/loads").text)
    # rows 2..7 (the header is row 1): the sixth line, row 7, orders -3
    body = order_lines_csv([5, 5, 5, 5, 5, -3], "U")
    page = client.post(
        "/loads",
        data={"csrf_token": token},
        files=[("files", ("order_lines.csv", body, "text/csv"))],
    )
    assert page.status_code == 422
    assert "<code>order_lines.csv:7:qty_ordered: &#39;-3&#39;: must not be negative</code>" in (
        page.text
    )
    assert "obeya-upload-" not in page.text
    api = own.api("ada").post(
        "/api/v1/loads", files=[("files", ("order_lines.csv", body, "text/csv"))]
    )
    assert api.status_code == 422
    # shipping 0 of -3 also breaks "qty_shipped <= qty_ordered", on the same row
    assert api.json()["error"]["details"] == [
        "order_lines.csv:7:qty_ordered: '-3': must not be negative",
        "order_lines.csv:7:qty_shipped: '0': qty_shipped <= qty_ordered",
    ]
    # nothing written: not the five good lines, not a load-log row
    assert count_rows(own, "SELECT count(*) FROM order_lines") == lines_before
    assert count_rows(own, "SELECT count(*) FROM obeya_load_log") == log_before
    refused = own.api("ada").get("/api/v1/audit").json()[0]
    assert (refused["action"], refused["target"]) == ("load.refused", "order_lines.csv")


def test_a_whole_file_problem_names_the_uploaded_file(own: Site) -> None:
    log_before = count_rows(own, "SELECT count(*) FROM obeya_load_log")
    response = own.api("ada").post(
        "/api/v1/loads", files=[("files", ("Sites.csv", b"", "text/csv"))]
    )
    # "Sites" is not a table name (they are lower case): refused before anything is read
    assert response.status_code == 422
    assert "file 'Sites.csv': name each file after its table" in response.json()["error"]["message"]
    response = own.api("ada").post(
        "/api/v1/loads", files=[("files", ("sites.CSV", b"", "text/csv"))]
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"] == [
        "sites.CSV:1: the file is empty; row 1 must be the header"
    ]
    assert count_rows(own, "SELECT count(*) FROM obeya_load_log") == log_before


def test_the_same_table_twice_is_refused_by_its_own_name(own: Site) -> None:
    response = own.api("ada").post(
        "/api/v1/loads",
        files=[
            ("files", ("sites.csv", SITES, "text/csv")),
            ("files", ("sites.CSV", SITES, "text/csv")),
        ],
    )
    assert response.status_code == 422
    assert response.json()["error"]["message"] == "file sites.CSV is given twice"
