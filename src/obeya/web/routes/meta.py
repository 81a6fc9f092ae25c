"""Signing in and out, the static assets, the OpenAPI document and the settings."""

from __future__ import annotations

import hashlib
import secrets
from importlib import resources
from typing import Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from obeya.web.context import (
    AS_ADMIN,
    AS_VIEWER,
    PRESESSION_COOKIE,
    SESSION_COOKIE,
    AppState,
    Ctx,
    check_csrf,
)
from obeya.web.errors import ApiError
from obeya.web.registry import Part
from obeya.web.render import render
from obeya.web.routes._common import View
from obeya.web.settings import CookieSecure, settings_table

__all__ = ["part", "secure_cookie"]

_STATIC_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}


class MeView(View):
    user: str
    role: str
    via: str


class SettingView(View):
    name: str
    default: str
    value: str
    help: str


def secure_cookie(request: Request, state: AppState) -> bool:
    match state.settings.cookie_secure:
        case CookieSecure.ALWAYS:
            return True
        case CookieSecure.NEVER:
            return False
        case CookieSecure.AUTO:
            return request.url.scheme == "https"


def _safe_next(target: str | None) -> str:
    """Only a local path may follow a login (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/scorecard"
    return target


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _static(name: str) -> Response:
    from obeya.web.charts import vega_bundle

    if name == "vega.js":
        body = vega_bundle().encode()
    else:
        try:
            body = resources.files("obeya.web").joinpath("static", name).read_bytes()
        except (FileNotFoundError, IsADirectoryError):
            raise ApiError(404, f"no static file {name}") from None
    suffix = name[name.rfind(".") :]
    etag = hashlib.sha256(body).hexdigest()[:20]
    return Response(
        body,
        media_type=_STATIC_TYPES.get(suffix, "application/octet-stream"),
        headers={"Cache-Control": "public, max-age=3600", "ETag": f'"{etag}"'},
    )


def part() -> Part:
    router = APIRouter()

    @router.get("/static/{name}", include_in_schema=False)
    def static(name: str) -> Response:
        if (
            "/" in name
            or name.startswith(".")
            or not name.replace(".", "").replace("-", "").isalnum()
        ):
            raise ApiError(404, f"no static file {name}")
        return _static(name)

    @router.get("/login", include_in_schema=False)
    def login_page(
        request: Request, next: str | None = Query(None, max_length=500)
    ) -> HTMLResponse:
        state: AppState = request.app.state.obeya
        pre = secrets.token_urlsafe(24)
        ctx = Ctx(state, request, None)
        response = render(
            ctx,
            "login.html",
            title="Sign in",
            next=_safe_next(next),
            login_csrf=state.auth.csrf_token(pre),
            error=None,
        )
        response.set_cookie(
            PRESESSION_COOKIE,
            state.auth.sign(pre, "obeya-pre"),
            httponly=True,
            samesite="lax",
            secure=secure_cookie(request, state),
            max_age=3600,
        )
        return response

    @router.post("/login", include_in_schema=False)
    async def login(
        request: Request,
        username: str = Form(..., max_length=64),
        password: str = Form(..., max_length=1000),
        next: str = Form("/scorecard", max_length=500),
    ) -> Response:
        state: AppState = request.app.state.obeya
        await check_csrf(request, state, None)
        client = _client(request)
        wait = state.limiter.retry_after(username, client)
        if wait is not None:
            raise ApiError(
                429,
                f"too many failed sign-ins for {username}; try again in {wait} s",
                headers={"Retry-After": str(wait)},
            )
        user = state.auth.verify(username, password)
        if user is None:
            state.limiter.failed(username, client)
            ctx = Ctx(state, request, None)
            pre = state.auth.unsign(request.cookies.get(PRESESSION_COOKIE), "obeya-pre") or ""
            return render(
                ctx,
                "login.html",
                status=401,
                title="Sign in",
                next=_safe_next(next),
                login_csrf=state.auth.csrf_token(pre),
                error="wrong user name or password",
            )
        state.limiter.succeeded(username, client)
        cookie = state.auth.start_session(user.name)
        response = RedirectResponse(_safe_next(next), status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            cookie,
            httponly=True,
            samesite="lax",
            secure=secure_cookie(request, state),
            max_age=state.settings.session_hours * 3600,
        )
        response.delete_cookie(PRESESSION_COOKIE)
        return response

    @router.post("/logout", include_in_schema=False)
    def logout(request: Request, ctx: Ctx = AS_VIEWER) -> RedirectResponse:
        ctx.state.auth.end_session(request.cookies.get(SESSION_COOKIE))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    @router.get("/api/v1/me", response_model=MeView, tags=["account"], summary="Who am I")
    def me(ctx: Ctx = AS_VIEWER) -> MeView:
        return MeView(user=ctx.user.user, role=ctx.user.role.value, via=ctx.user.via)

    @router.get("/api/v1/openapi.json", include_in_schema=False)
    def openapi(request: Request, ctx: Ctx = AS_VIEWER) -> JSONResponse:
        schema: dict[str, Any] = request.app.openapi()
        return JSONResponse(schema)

    @router.get(
        "/api/v1/settings",
        response_model=list[SettingView],
        tags=["admin"],
        summary="The server's settings",
    )
    def settings(ctx: Ctx = AS_ADMIN) -> list[SettingView]:
        values = ctx.state.settings.as_dict()
        return [
            SettingView(
                name=s["name"],
                default=s["default"],
                help=s["help"],
                value="" if values[s["name"]] is None else str(values[s["name"]]),
            )
            for s in settings_table()
        ]

    return Part("meta", router, (), "Sign-in, static assets, the OpenAPI document, settings.")
