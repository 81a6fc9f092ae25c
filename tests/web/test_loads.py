"""Uploads through the validated loader: a good file lands, a bad row writes nothing."""

from __future__ import annotations

from pathlib import Path

from obeya.warehouse import Warehouse
from tests.web.conftest import Site, csrf_of, make_site

GOOD = b"site_id,name,type,country\nMEM,Memphis DC,dc,US\n"
# row 3 (the header is row 1) has no site_id: the key may not be empty
BAD = b"site_id,name,type,country\nMEM,Memphis DC,dc,US\n,No id,dc,US\n"


def _sites(site: Site) -> list[str]:
    with Warehouse.open(str(site.warehouse), read_only=True) as wh:
        return sorted(wh.sql_arrow("SELECT site_id FROM sites").column("site_id").to_pylist())


def _loads(site: Site) -> int:
    with Warehouse.open(str(site.warehouse), read_only=True) as wh:
        return int(wh.sql_arrow("SELECT count(*) AS n FROM obeya_load_log").column("n")[0].as_py())


def test_good_upload_lands_and_is_audited(tmp_path: Path, company_file: Path) -> None:
    own = make_site(tmp_path, company_file)
    response = own.api("ada").post(
        "/api/v1/loads", files=[("files", ("sites.csv", GOOD, "text/csv"))]
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["rows"], body["tables"][0]["table"], body["tables"][0]["inserted"]) == (
        1,
        "sites",
        1,
    )
    assert _sites(own) == ["ATL", "DAL", "MEM"]
    entry = own.api("ada").get("/api/v1/audit").json()[0]
    assert (entry["action"], entry["target"]) == ("load", "sites")
    assert body["load_id"] in entry["detail"]


def test_bad_row_shows_its_error_and_writes_nothing(tmp_path: Path, company_file: Path) -> None:
    own = make_site(tmp_path, company_file)
    before = _loads(own)
    client = own.client("ada")
    token = csrf_of(client.get("/loads").text)
    response = client.post(
        "/loads", data={"csrf_token": token}, files=[("files", ("sites.csv", BAD, "text/csv"))]
    )
    assert response.status_code == 422
    assert "nothing was written" in response.text
    assert "sites.csv:3:site_id" in response.text
    assert _sites(own) == ["ATL", "DAL"]  # MEM, on a good row, was not written either
    assert _loads(own) == before


def test_dry_run_writes_nothing(tmp_path: Path, company_file: Path) -> None:
    own = make_site(tmp_path, company_file)
    response = own.api("ada").post(
        "/api/v1/loads",
        data={"dry_run": "true"},
        files=[("files", ("sites.csv", GOOD, "text/csv"))],
    )
    assert response.json()["dry_run"] is True
    assert _sites(own) == ["ATL", "DAL"]


def test_file_must_be_named_after_a_table(site: Site) -> None:
    response = site.api("ada").post(
        "/api/v1/loads", files=[("files", ("export.csv", GOOD, "text/csv"))]
    )
    assert response.status_code == 422
    assert "name each file after its table" in response.json()["error"]["message"]


def test_viewers_see_the_log_but_no_upload_form(site: Site) -> None:
    page = site.client("vic").get("/loads").text
    assert 'id="log"' in page
    assert 'type="file"' not in page
