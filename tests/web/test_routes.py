"""Every route of the app is refused to anonymous callers and to roles below its own.

``MINIMUM_ROLE`` is this test's own table of who may call what; the first test
fails when the app has a route the table does not list (or the table a route the
app lacks), so a new route cannot skip the checks. ``None`` marks the few public
routes (sign-in and static assets).
"""

from __future__ import annotations

import pytest

from obeya.web import Role
from obeya.web.registry import flat_routes
from tests.web.conftest import USER_OF, Site

V, A, M = Role.VIEWER, Role.ANALYST, Role.ADMIN

MINIMUM_ROLE: dict[tuple[str, str], Role | None] = {
    ("GET", "/static/{name}"): None,
    ("GET", "/login"): None,
    ("POST", "/login"): None,
    ("POST", "/logout"): V,
    ("GET", "/"): V,
    ("GET", "/api/v1/me"): V,
    ("GET", "/api/v1/openapi.json"): V,
    ("GET", "/api/v1/settings"): M,
    ("GET", "/api/v1/tokens"): V,
    ("POST", "/api/v1/tokens"): V,
    ("DELETE", "/api/v1/tokens/{token_id}"): V,
    ("GET", "/account"): V,
    ("POST", "/account/tokens"): V,
    ("POST", "/account/tokens/{token_id}/revoke"): V,
    ("POST", "/account/password"): V,
    ("GET", "/api/v1/scorecard"): V,
    ("GET", "/scorecard"): V,
    ("GET", "/api/v1/kpis"): V,
    ("GET", "/api/v1/kpis/{kpi}"): V,
    ("GET", "/api/v1/kpis/{kpi}/rows"): V,
    ("PUT", "/api/v1/kpis/{kpi}/target"): M,
    ("GET", "/kpis"): V,
    ("GET", "/kpis/{kpi}"): V,
    ("GET", "/kpis/{kpi}/rows"): V,
    ("POST", "/kpis/{kpi}/target"): M,
    ("GET", "/api/v1/forecasts"): V,
    ("POST", "/api/v1/forecasts"): A,
    ("GET", "/api/v1/forecasts/{run_id}/overrides"): V,
    ("POST", "/api/v1/forecasts/{run_id}/overrides"): A,
    ("POST", "/forecast/overrides"): A,
    ("GET", "/api/v1/policies"): V,
    ("GET", "/forecast"): V,
    ("POST", "/forecast/run"): A,
    ("GET", "/api/v1/plans/capacity"): V,
    ("GET", "/api/v1/scenarios"): V,
    ("GET", "/api/v1/scenarios/compare"): V,
    ("POST", "/api/v1/scenarios"): A,
    ("POST", "/api/v1/scenarios/{name}/run"): A,
    ("GET", "/plans"): V,
    ("GET", "/scenarios"): V,
    ("POST", "/scenarios"): A,
    ("POST", "/scenarios/{name}/run"): A,
    ("GET", "/api/v1/pnl"): V,
    ("GET", "/pnl"): V,
    ("GET", "/api/v1/spc"): V,
    ("GET", "/spc"): V,
    ("GET", "/spc/{characteristic}"): V,
    ("GET", "/api/v1/briefings"): V,
    ("POST", "/api/v1/briefings"): A,
    ("GET", "/briefings"): V,
    ("GET", "/briefings/{name}"): V,
    ("POST", "/briefings"): A,
    ("GET", "/api/v1/loads"): V,
    ("POST", "/api/v1/loads"): M,
    ("GET", "/loads"): V,
    ("POST", "/loads"): M,
    ("POST", "/api/v1/sql"): A,
    ("POST", "/api/v1/sql/export"): A,
    ("GET", "/sql"): A,
    ("POST", "/sql"): A,
    ("POST", "/sql/export"): A,
    ("GET", "/api/v1/users"): M,
    ("POST", "/api/v1/users"): M,
    ("PATCH", "/api/v1/users/{name}"): M,
    ("GET", "/api/v1/audit"): M,
    ("GET", "/users"): M,
    ("POST", "/users"): M,
    ("POST", "/users/{name}"): M,
    ("GET", "/audit"): M,
}

SAMPLE = {
    "{kpi}": "otd",
    "{token_id}": "0123456789ab",
    "{name}": "vic",
    "{characteristic}": "C1",
}
BELOW = {A: V, M: A}


def _url(path: str) -> str:
    if path == "/briefings/{name}":
        return "/briefings/briefing-2025-01.pdf"
    for key, value in SAMPLE.items():
        path = path.replace(key, value)
    return path + ("?period=2025-01" if path.endswith("/rows") else "")


def _routes(site: Site) -> set[tuple[str, str]]:
    return {
        (method, route.path)
        for route in flat_routes(site.app.routes)
        for method in route.methods
        if method != "HEAD"
    }


def test_every_route_has_a_minimum_role(site: Site) -> None:
    routes = _routes(site)
    assert routes - MINIMUM_ROLE.keys() == set(), "routes missing from MINIMUM_ROLE"
    assert MINIMUM_ROLE.keys() - routes == set(), "MINIMUM_ROLE lists routes the app lacks"


PROTECTED = sorted(k for k, v in MINIMUM_ROLE.items() if v is not None)


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_anonymous_is_refused(site: Site, method: str, path: str) -> None:
    client = site.client()
    response = client.request(method, _url(path))
    if path.startswith("/api/"):
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"
    else:
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")


ABOVE_VIEWER = sorted(k for k, v in MINIMUM_ROLE.items() if v in BELOW)


@pytest.mark.parametrize(("method", "path"), ABOVE_VIEWER)
def test_a_lower_role_is_refused(site: Site, method: str, path: str) -> None:
    needed = MINIMUM_ROLE[(method, path)]
    assert needed is not None
    user = USER_OF[BELOW[needed]]
    client = site.api(user) if path.startswith("/api/") else site.client(user)
    response = client.request(method, _url(path))
    assert response.status_code == 403
    if path.startswith("/api/"):
        error = response.json()["error"]
        assert error["code"] == "forbidden"
        assert f"needs the {needed.value} role" in error["message"]
    else:
        assert f"needs the {needed.value} role" in response.text


PUBLIC = {
    ("GET", "/static/obeya.css"): 200,
    ("GET", "/login"): 200,
    ("POST", "/login"): 403,  # a sign-in without the form's CSRF token is refused
}


def test_public_routes_are_only_these(site: Site) -> None:
    public = {k for k, v in MINIMUM_ROLE.items() if v is None}
    assert public == {("GET", "/static/{name}"), ("GET", "/login"), ("POST", "/login")}


@pytest.mark.parametrize(("method", "url"), sorted(PUBLIC))
def test_public_routes_answer_without_a_user(site: Site, method: str, url: str) -> None:
    form = {"username": "vic", "password": "viewer-password-1"} if method == "POST" else None
    response = site.client().request(method, url, data=form)
    assert response.status_code == PUBLIC[(method, url)]
