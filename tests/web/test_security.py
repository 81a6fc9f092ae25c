"""Sessions, CSRF, login rate limiting, cookie flags and what the store keeps."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.web.conftest import PASSWORDS, Site, csrf_of, login, make_site


def test_login_sets_a_hardened_session_cookie(site: Site) -> None:
    client = site.client()
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "username": "vic",
            "password": PASSWORDS["vic"],
            "csrf_token": csrf_of(page.text),
            "next": "/kpis",
        },
    )
    assert (response.status_code, response.headers["location"]) == (303, "/kpis")
    cookie = next(
        h for h in response.headers.get_list("set-cookie") if h.startswith("obeya_session=")
    )
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain http in this test


def test_cookie_is_secure_over_https(site: Site) -> None:
    client = site.client(https=True)
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"username": "vic", "password": PASSWORDS["vic"], "csrf_token": csrf_of(page.text)},
    )
    cookie = next(
        h for h in response.headers.get_list("set-cookie") if h.startswith("obeya_session=")
    )
    assert "Secure" in cookie


def test_login_refuses_a_missing_csrf_token(site: Site) -> None:
    client = site.client()
    client.get("/login")
    response = client.post("/login", data={"username": "vic", "password": PASSWORDS["vic"]})
    assert response.status_code == 403
    assert "CSRF token is missing or stale" in response.text


def test_a_form_post_without_csrf_is_refused(site: Site) -> None:
    client = site.client("ada")
    response = client.post("/users", data={"name": "eve", "role": "viewer", "password": "x" * 12})
    assert response.status_code == 403
    assert "CSRF" in response.text
    assert site.app.state.obeya.store.user("eve") is None


def test_a_forged_csrf_token_is_refused_and_the_real_one_works(site: Site) -> None:
    client = site.client("ada")
    token = csrf_of(client.get("/users").text)
    forged = client.post(
        "/users",
        data={"name": "eve", "role": "viewer", "password": "x" * 12, "csrf_token": "0" * 64},
    )
    assert forged.status_code == 403
    ok = client.post(
        "/users", data={"name": "eve", "role": "viewer", "password": "x" * 12, "csrf_token": token}
    )
    assert ok.status_code == 303
    assert site.app.state.obeya.store.user("eve") is not None


def test_csrf_header_works_for_cookie_api_calls(site: Site) -> None:
    client = site.client("vic")
    token = csrf_of(client.get("/account").text)
    refused = client.post("/api/v1/tokens", json={"label": "x"})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "csrf_failed"
    accepted = client.post("/api/v1/tokens", json={"label": "x"}, headers={"X-CSRF-Token": token})
    assert accepted.status_code == 201


def test_wrong_password_then_rate_limit(tmp_path: Path, company_file: Path) -> None:
    own = make_site(tmp_path, company_file, login_attempts=3, login_window_seconds=600)
    client = own.client()
    for _ in range(3):
        page = client.get("/login")
        bad = client.post(
            "/login",
            data={
                "username": "vic",
                "password": "wrong-password",
                "csrf_token": csrf_of(page.text),
            },
        )
        assert bad.status_code == 401
        assert "wrong user name or password" in bad.text
    page = client.get("/login")
    limited = client.post(
        "/login",
        data={"username": "vic", "password": PASSWORDS["vic"], "csrf_token": csrf_of(page.text)},
    )
    assert limited.status_code == 429  # even the right password waits out the window
    assert 0 < int(limited.headers["retry-after"]) <= 601
    other = own.client()
    login(other, "ann", PASSWORDS["ann"])  # the limit is per user and client


def test_logout_ends_the_session(site: Site) -> None:
    client = site.client("vic")
    assert client.get("/scorecard").status_code == 200
    token = csrf_of(client.get("/account").text)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    assert client.get("/scorecard").status_code == 303


def test_a_disabled_user_loses_sessions_and_tokens(tmp_path: Path, company_file: Path) -> None:
    own = make_site(tmp_path, company_file)
    browser = own.client("vic")
    assert own.api("ada").patch("/api/v1/users/vic", json={"active": False}).status_code == 200
    assert browser.get("/scorecard").status_code == 303
    assert own.api("vic").get("/api/v1/me").status_code == 401


def test_login_never_redirects_off_site(site: Site) -> None:
    client = site.client()
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "username": "vic",
            "password": PASSWORDS["vic"],
            "csrf_token": csrf_of(page.text),
            "next": "//evil.example/x",
        },
    )
    assert response.headers["location"] == "/scorecard"


def test_store_keeps_hashes_only(site: Site) -> None:
    store = site.app.state.obeya.store.path
    with sqlite3.connect(store) as con:
        dump = "\n".join(con.iterdump())
    for user, password in PASSWORDS.items():
        assert password not in dump
        secret = site.tokens[user].split("_", 2)[2]
        assert secret not in dump
    assert "$argon2id$" in dump


def test_security_headers_on_pages(site: Site) -> None:
    response = site.client().get("/login")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"
