"""One JSON error envelope, ``{"error": {"status", "code", "message"}}``, for every status."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

from obeya.errors import WarehouseError
from obeya.web import Part, Settings, create_app
from obeya.web.context import AS_VIEWER, Ctx
from tests.web.conftest import Site, make_site


def _envelope(response: object, status: int, code: str) -> str:
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"}
    error = body["error"]
    assert {"status", "code", "message"} <= set(error)
    assert (response.status_code, error["status"], error["code"]) == (status, status, code)  # type: ignore[attr-defined]
    assert error["message"]
    return str(error["message"])


def test_400_user_error(site: Site) -> None:
    _envelope(site.api("vic").get("/api/v1/kpis/nope"), 400, "bad_request")


def test_401_no_credentials(site: Site) -> None:
    _envelope(site.client().get("/api/v1/scorecard"), 401, "unauthorized")


def test_401_bad_token(site: Site) -> None:
    client = site.client()
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer obeya_000000000000_x"})
    assert "API token is not valid" in _envelope(response, 401, "unauthorized")


def test_403_wrong_role(site: Site) -> None:
    _envelope(site.api("vic").get("/api/v1/users"), 403, "forbidden")


def test_403_csrf(site: Site) -> None:
    _envelope(site.client("vic").post("/api/v1/tokens", json={}), 403, "csrf_failed")


def test_404_unknown_endpoint(site: Site) -> None:
    _envelope(site.api("vic").get("/api/v1/nothing-here"), 404, "not_found")


def test_404_unknown_token(site: Site) -> None:
    _envelope(site.api("vic").delete("/api/v1/tokens/0123456789ab"), 404, "not_found")


def test_405_wrong_method(site: Site) -> None:
    _envelope(site.api("vic").delete("/api/v1/scorecard"), 405, "method_not_allowed")


def test_409_conflict(site: Site) -> None:
    _envelope(site.api("ada").patch("/api/v1/users/ada", json={"active": False}), 409, "conflict")


def test_413_upload_too_large(tmp_path: Path, company_file: Path) -> None:
    own = make_site(tmp_path, company_file, max_upload_mb=1)
    big = b"site_id,name,type,country\n" + b"X,y,dc,US\n" * 200_000
    response = own.api("ada").post(
        "/api/v1/loads", files=[("files", ("sites.csv", big, "text/csv"))]
    )
    _envelope(response, 413, "payload_too_large")


def test_422_validation(site: Site) -> None:
    message = _envelope(
        site.api("vic").get("/api/v1/scorecard", params={"grain": "fortnight"}),
        422,
        "invalid_request",
    )
    assert "grain" in message


def test_422_load_refused_has_details(site: Site) -> None:
    bad = b"site_id,name,type,country\n,nameless,dc,US\n"
    response = site.api("ada").post(
        "/api/v1/loads", files=[("files", ("sites.csv", bad, "text/csv"))]
    )
    _envelope(response, 422, "load_refused")
    assert response.json()["error"]["details"][0].startswith("sites.csv:2:site_id")


def test_429_rate_limited(tmp_path: Path, company_file: Path) -> None:
    own = make_site(tmp_path, company_file, login_attempts=1)
    client = own.client()
    from tests.web.conftest import csrf_of

    for _ in range(2):
        page = client.get("/login")
        response = client.post(
            "/login",
            data={
                "username": "vic",
                "password": "nope-nope-nope",
                "csrf_token": csrf_of(page.text),
            },
        )
    # the login form is a page, so the refusal is a page; the API shape is checked below
    assert response.status_code == 429
    api = client.post("/api/v1/tokens", headers={"Authorization": "Bearer x"}, json={})
    _envelope(api, 401, "unauthorized")


def _failing_app(tmp_path: Path, company_file: Path) -> TestClient:
    router = APIRouter()

    @router.get("/api/v1/boom")
    def boom(ctx: Ctx = AS_VIEWER) -> None:
        raise RuntimeError("a bug")

    @router.get("/api/v1/no-warehouse")
    def gone(ctx: Ctx = AS_VIEWER) -> None:
        raise WarehouseError("no warehouse at /nowhere: run `obeya init`")

    own = make_site(tmp_path, company_file)
    app = create_app(
        Settings.build(warehouse=str(own.warehouse), store=str(own.folder / "obeya-web.sqlite")),
        parts=[Part("failing", router)],
    )
    return TestClient(
        app, raise_server_exceptions=False, headers={"Authorization": f"Bearer {own.tokens['vic']}"}
    )


def test_500_and_503(tmp_path: Path, company_file: Path) -> None:
    client = _failing_app(tmp_path, company_file)
    message = _envelope(client.get("/api/v1/boom"), 500, "internal_error")
    assert "a bug" not in message  # no internals leak
    _envelope(client.get("/api/v1/no-warehouse"), 503, "warehouse_unavailable")


@pytest.mark.parametrize("path", ["/nothing-here", "/kpis/nope"])
def test_pages_answer_errors_as_pages(site: Site, path: str) -> None:
    response = site.client("vic").get(path)
    assert response.status_code in {400, 404}
    assert response.headers["content-type"].startswith("text/html")
    assert 'role="alert"' in response.text
