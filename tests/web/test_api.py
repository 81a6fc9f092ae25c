"""The REST API against figures worked out by hand on the company of
``tests/metrics/company.py`` (each line of that file is commented with what it is).

As of 2025-03-20 (the latest event: L13 ordered that day) the current month is
March 2025. On-time delivery (otd) counts order lines by promised date:

* January: L1, L2, L6, L7 on time; L3 late; L4 never shipped (late): 4 / 6.
  By site: DAL has L1, L2, L6, L7 (4 / 4); ATL has L3, L4 (0 / 2).
* February: L8 late, L9 and L11 on time: 2 / 3.
* March (up to the 20th): L10 and L12 on time: 2 / 2 = 1.0, so +1/3 on February;
  March 2024 had L0 only, late (0 / 1), so +1.0 on last year. Target 0.95: green.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from tests.web.conftest import Site, make_site


def test_me_names_the_token_user(site: Site) -> None:
    assert site.api("ann").get("/api/v1/me").json() == {
        "user": "ann",
        "role": "analyst",
        "via": "token",
    }


def test_scorecard_has_march_otd_with_its_changes(site: Site) -> None:
    body = site.api("vic").get("/api/v1/scorecard").json()
    assert (body["period"], body["as_of"], body["grain"]) == ("2025-03", "2025-03-20", "month")
    otd = next(r for r in body["rows"] if r["kpi"] == "otd")
    assert (otd["numerator"], otd["denominator"], otd["value"]) == (2.0, 2.0, 1.0)
    assert otd["change_vs_prior"] == pytest.approx(1 - 2 / 3)
    assert otd["change_vs_last_year"] == pytest.approx(1.0)
    assert (otd["status"], otd["target"], otd["display"]) == ("green", 0.95, "100.0%")
    assert otd["change_vs_prior_display"] == "+33.3 pts"
    # the sparkline ends at March with Jan 4/6 and Feb 2/3 before it
    tail = [p["value"] for p in otd["sparkline"][-3:]]
    assert tail == pytest.approx([4 / 6, 2 / 3, 1.0])


def test_scorecard_by_site_in_january(site: Site) -> None:
    body = (
        site.api("vic").get("/api/v1/scorecard", params={"period": "2025-01", "by": "site"}).json()
    )
    otd = {r["member"]: r for r in body["rows"] if r["kpi"] == "otd"}
    assert (otd["DAL"]["numerator"], otd["DAL"]["denominator"]) == (4.0, 4.0)
    assert (otd["ATL"]["numerator"], otd["ATL"]["denominator"], otd["ATL"]["status"]) == (
        0.0,
        2.0,
        "red",
    )


def test_kpi_catalog_lists_otd_with_its_target(site: Site) -> None:
    kpis = {k["id"]: k for k in site.api("vic").get("/api/v1/kpis").json()}
    assert kpis["otd"]["target"] == {"value": 0.95, "amber": 0.95, "red": 0.9, "sites": {}}
    assert kpis["otd"]["direction"] == "higher"
    assert "site" in kpis["otd"]["dimensions"]


def test_kpi_trend_and_breakdown(site: Site) -> None:
    body = (
        site.api("vic").get("/api/v1/kpis/otd", params={"period": "2025-01", "by": "site"}).json()
    )
    jan = next(p for p in body["series"] if p["period"] == "2025-01")
    assert (jan["numerator"], jan["denominator"]) == (4.0, 6.0)
    assert jan["value"] == pytest.approx(4 / 6)
    assert body["series"][-1]["period"] == "2025-01"  # the trend ends at the asked period
    members = {m["member"]: m for m in body["breakdown"]["members"]}
    assert (members["DAL"]["value"], members["ATL"]["value"]) == (1.0, 0.0)
    assert body["chart"]["layer"][-1]["mark"]["type"] == "line"


def test_drill_down_shows_the_rows_behind_atl_january(site: Site) -> None:
    body = (
        site.api("vic")
        .get("/api/v1/kpis/otd/rows", params={"period": "2025-01", "by": "site", "member": "ATL"})
        .json()
    )
    rows = [dict(zip(body["rows"]["columns"], r, strict=True)) for r in body["rows"]["rows"]]
    assert [(r["order_id"], r["line_no"]) for r in rows] == [("O2", 1), ("O3", 1)]
    assert [(r["_lines_due"], r["_lines_on_time"]) for r in rows] == [(1, 0), (1, 0)]
    totals = {m["id"]: m["total"] for m in body["measures"]}
    assert totals == {"lines_on_time": 0.0, "lines_due": 2.0}
    assert (body["table"], body["date_expression"]) == ("order_lines", "promised_date")


def test_drill_down_columns_add_up_to_the_figure(site: Site) -> None:
    body = site.api("vic").get("/api/v1/kpis/otd/rows", params={"period": "2025-01"}).json()
    columns = body["rows"]["columns"]
    due = sum(r[columns.index("_lines_due")] for r in body["rows"]["rows"])
    on_time = sum(r[columns.index("_lines_on_time")] for r in body["rows"]["rows"])
    assert (on_time, due) == (4, 6)  # the KPI's 4 / 6
    assert body["rows"]["total_rows"] == 6  # L5 is cancelled: the source filter drops it


def test_drill_down_refuses_a_dimension_the_kpi_lacks(site: Site) -> None:
    response = site.api("vic").get(
        "/api/v1/kpis/otd/rows", params={"period": "2025-01", "by": "department", "member": "x"}
    )
    assert response.status_code == 400
    assert "cannot be cut by department" in response.json()["error"]["message"]


def test_unknown_kpi_is_a_clear_error(site: Site) -> None:
    response = site.api("vic").get("/api/v1/kpis/otdd")
    assert response.status_code == 400
    assert "did you mean 'otd'" in response.json()["error"]["message"]


def test_load_log_lists_the_company_load(site: Site) -> None:
    log = site.api("vic").get("/api/v1/loads", params={"limit": 100}).json()
    tables = {e["table"]: e for e in log}
    assert tables["order_lines"]["rows_inserted"] == 14  # L0 .. L13
    assert tables["sites"]["rows_inserted"] == 2


def test_sql_console_counts_order_lines(site: Site) -> None:
    body = (
        site.api("ann")
        .post("/api/v1/sql", json={"sql": "SELECT count(*) AS n FROM order_lines"})
        .json()
    )
    assert body == {"columns": ["n"], "rows": [[14]], "total_rows": 1, "truncated": False}


def test_sql_console_cuts_at_max_rows(site: Site) -> None:
    body = (
        site.api("ann")
        .post(
            "/api/v1/sql",
            json={"sql": "SELECT order_id FROM order_lines ORDER BY 1", "max_rows": 3},
        )
        .json()
    )
    assert body["rows"] == [["O0"], ["O1"], ["O1"]]
    assert body["truncated"] is True


def test_sql_console_refuses_writes(site: Site) -> None:
    response = site.api("ann").post("/api/v1/sql", json={"sql": "DELETE FROM order_lines"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"
    count = site.api("ann").post("/api/v1/sql", json={"sql": "SELECT count(*) FROM order_lines"})
    assert count.json()["rows"] == [[14]]


def test_sql_export_csv_and_xlsx(site: Site) -> None:
    sql = "SELECT site_id, count(*) AS lines FROM order_lines GROUP BY 1 ORDER BY 1"
    csv = site.api("ann").post("/api/v1/sql/export", json={"sql": sql, "format": "csv"})
    # ATL: L3, L4, L10, L11, L12 = 5 lines; DAL: the other 9 of 14
    assert csv.text.splitlines() == ['"site_id","lines"', '"ATL",5', '"DAL",9']
    assert 'filename="query.csv"' in csv.headers["content-disposition"]
    xlsx = site.api("ann").post("/api/v1/sql/export", json={"sql": sql, "format": "xlsx"})
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(xlsx.content)).get_sheet_by_index(0)
    assert sheet.to_python() == [["site_id", "lines"], ["ATL", 5.0], ["DAL", 9.0]]


def test_tokens_create_list_use_and_revoke(site: Site) -> None:
    client = site.api("vic")
    new = client.post("/api/v1/tokens", json={"label": "script"})
    assert new.status_code == 201
    token, token_id = new.json()["token"], new.json()["token_id"]
    assert token.startswith(f"obeya_{token_id}_")
    listed = {t["token_id"]: t for t in client.get("/api/v1/tokens").json()}
    assert listed[token_id]["label"] == "script"
    scripted = site.client()
    assert (
        scripted.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()["user"]
        == "vic"
    )
    assert client.delete(f"/api/v1/tokens/{token_id}").status_code == 204
    after = scripted.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert after.status_code == 401


def test_users_and_audit(tmp_path: Path, company_file: Path) -> None:
    own = make_site(tmp_path, company_file)
    admin = own.api("ada")
    added = admin.post(
        "/api/v1/users", json={"name": "zoe", "role": "viewer", "password": "zoe-password-1"}
    )
    assert added.status_code == 201
    assert added.json()["role"] == "viewer"
    changed = admin.patch("/api/v1/users/zoe", json={"role": "analyst"})
    assert changed.json()["role"] == "analyst"
    assert admin.patch("/api/v1/users/ada", json={"role": "viewer"}).status_code == 409
    duplicate = admin.post(
        "/api/v1/users", json={"name": "zoe", "role": "viewer", "password": "zoe-password-1"}
    )
    assert duplicate.status_code == 400
    entries = admin.get("/api/v1/audit").json()
    assert [(e["user"], e["action"], e["target"]) for e in entries[:2]] == [
        ("ada", "user.role", "zoe"),
        ("ada", "user.add", "zoe"),
    ]
    assert {u["name"] for u in admin.get("/api/v1/users").json()} == {"ada", "ann", "vic", "zoe"}


def test_target_edit_changes_status_and_is_audited(tmp_path: Path, company_file: Path) -> None:
    own = make_site(tmp_path, company_file)
    admin = own.api("ada")
    # January's 4/6 = 0.667 is red against 0.95/0.90; with target 0.9 and red 0.6 it is amber
    info = admin.put("/api/v1/kpis/otd/target", json={"value": 0.9, "red": 0.6}).json()
    assert info["target"] == {"value": 0.9, "amber": 0.9, "red": 0.6, "sites": {}}
    jan = own.api("vic").get("/api/v1/kpis/otd", params={"period": "2025-01"}).json()["series"][-1]
    assert (jan["target"], jan["status"]) == (0.9, "amber")
    assert "otd:" in (tmp_path / "kpis.yaml").read_text()
    entry = admin.get("/api/v1/audit").json()[0]
    assert (entry["user"], entry["action"], entry["target"]) == ("ada", "target.edit", "otd")


def test_target_out_of_order_is_refused(site: Site) -> None:
    response = site.api("ada").put("/api/v1/kpis/otd/target", json={"value": 0.9, "red": 0.95})
    assert response.status_code == 400
    assert "red <= amber <= value" in response.json()["error"]["message"]


def test_settings_are_listed_for_admins(site: Site) -> None:
    names = [s["name"] for s in site.api("ada").get("/api/v1/settings").json()]
    assert names[:2] == ["warehouse", "store"]
