"""Server-rendered pages: the Jinja environment and the page and error responses.

A page is rendered from the same view model that its ``/api/v1`` twin returns as
JSON, so the page and the API cannot disagree.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from obeya.web.context import AppState, Ctx, csrf_bound_id, principal_of
from obeya.web.errors import ApiError
from obeya.web.registry import Registry

__all__ = ["environment", "render", "render_error"]

_ENV: Environment | None = None


def _number(value: Any, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}" if abs(value) < 1e6 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return (
            ""
            if not math.isfinite(value)
            else f"{value:,.4g}"
            if abs(value) < 1e4
            else f"{value:,.0f}"
        )
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return str(value)


def _json_script(value: Any) -> Markup:
    """JSON safe to place inside a ``<script type="application/json">`` element."""
    text = json.dumps(value, default=str).replace("<", "\\u003c").replace(">", "\\u003e")
    return Markup(text.replace("&", "\\u0026"))  # noqa: S704 - escaped above


def environment() -> Environment:
    global _ENV  # noqa: PLW0603 - one compiled environment per process
    if _ENV is None:
        env = Environment(
            loader=PackageLoader("obeya.web", "templates"),
            autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.filters["number"] = _number
        env.filters["cell"] = _cell
        env.filters["json_script"] = _json_script
        from obeya.web.charts import sparkline_svg

        env.globals["sparkline"] = sparkline_svg
        _ENV = env
    return _ENV


def _base(request: Request, state: AppState, ctx: Ctx | None) -> dict[str, Any]:
    principal = ctx.principal if ctx is not None else None
    registry: Registry = request.app.state.registry
    bound = csrf_bound_id(request, state, principal)
    return {
        "request": request,
        "principal": principal,
        "nav": registry.nav_for(principal.role if principal else None),
        "csrf_token": state.auth.csrf_token(bound) if bound else "",
        "path": request.url.path,
    }


def render(
    ctx: Ctx, template: str, status: int = 200, headers: dict[str, str] | None = None, **values: Any
) -> HTMLResponse:
    """The page ``template`` with the base context and ``values``."""
    html = (
        environment().get_template(template).render(**_base(ctx.request, ctx.state, ctx), **values)
    )
    return HTMLResponse(html, status_code=status, headers=headers)


def render_error(
    request: Request,
    status: int,
    code: str,
    message: str,
    details: list[str] | None,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    state: AppState = request.app.state.obeya
    try:
        principal = principal_of(request, state)
    except ApiError:  # an invalid token on a page: show the error without a user
        principal = None
    ctx = Ctx(state, request, principal)
    html = (
        environment()
        .get_template("error.html")
        .render(
            **_base(request, state, ctx),
            status=status,
            code=code,
            message=message,
            details=details or [],
            title=f"{status} {code.replace('_', ' ')}",
        )
    )
    return HTMLResponse(html, status_code=status, headers=headers)
