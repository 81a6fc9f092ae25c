"""One JSON error envelope for the API, and the same errors as pages for people.

Every API error answers ``{"error": {"status": ..., "code": ..., "message": ...}}``
(a refused load adds ``details``: one ``file:row:column: value: rule`` line per
problem). Pages answer the same status with an HTML page, and an anonymous page
request is sent to the login page instead of a 401.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from obeya.errors import LoadRefused, ObeyaError, WarehouseError

__all__ = [
    "API_PREFIX",
    "ERROR_RESPONSES",
    "ApiError",
    "ErrorBody",
    "ErrorEnvelope",
    "envelope",
    "install_error_handlers",
    "is_api",
]

API_PREFIX = "/api/"
log = logging.getLogger("obeya.web")

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "rate_limited",
    500: "internal_error",
    503: "warehouse_unavailable",
}


class ErrorBody(BaseModel):
    status: int
    code: str
    message: str
    details: list[str] | None = None


class ErrorEnvelope(BaseModel):
    """Every API error: ``{"error": {"status", "code", "message"}}``."""

    error: ErrorBody


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorEnvelope, "description": description}
    for status, description in (
        (400, "The request is understood but wrong (unknown KPI, bad query, ...)."),
        (401, "No valid session or API token."),
        (403, "The user's role does not allow this, or the CSRF token is missing."),
        (404, "No such resource."),
        (422, "A parameter or the body is invalid, or a load was refused."),
        (500, "The server failed."),
        (503, "The warehouse cannot be opened."),
    )
}


class ApiError(Exception):
    """An error with an HTTP status, a stable code and a message a person can act on."""

    def __init__(
        self,
        status: int,
        message: str,
        code: str | None = None,
        *,
        details: list[str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or _CODES.get(status, "error")
        self.message = message
        self.details = details
        self.headers = headers or {}


def is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX)


def envelope(
    status: int, code: str, message: str, details: list[str] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"status": status, "code": code, "message": message}
    if details:
        body["details"] = details
    return {"error": body}


def _respond(request: Request, error: ApiError) -> Response:
    if is_api(request):
        return JSONResponse(
            envelope(error.status, error.code, error.message, error.details),
            status_code=error.status,
            headers=error.headers,
        )
    if error.status == 401:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        from urllib.parse import quote

        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    from obeya.web.render import render_error

    return render_error(
        request, error.status, error.code, error.message, error.details, error.headers
    )


def _from_obeya(exc: ObeyaError) -> ApiError:
    if isinstance(exc, LoadRefused):
        return ApiError(
            422,
            f"load refused: {exc.total} problem{'s' if exc.total != 1 else ''}; nothing was written",
            "load_refused",
            details=[str(p) for p in exc.problems],
        )
    if isinstance(exc, WarehouseError):
        return ApiError(503, str(exc))
    return ApiError(400, str(exc))


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route offers for this path (Starlette names only the first route's)."""
    from starlette.routing import Match

    from obeya.web.registry import flat_routes

    methods: set[str] = set()
    for route in flat_routes(request.app.routes):
        match, _ = route.matches({**request.scope, "method": "GET"})
        if match is not Match.NONE:
            methods |= set(route.methods or ())
    return sorted(methods)


def install_error_handlers(app: FastAPI) -> None:
    """Route every error through :func:`_respond` (JSON under /api/, pages elsewhere)."""

    async def api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return _respond(request, exc)

    async def obeya_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ObeyaError)
        return _respond(request, _from_obeya(exc))

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        messages = {
            404: f"no such page or endpoint: {request.url.path}",
            405: f"{request.method} is not allowed on {request.url.path}",
        }
        message = messages.get(exc.status_code) or str(exc.detail)
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(_allowed_methods(request))
        return _respond(request, ApiError(exc.status_code, message, headers=headers))

    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        parts = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
            parts.append(f"{where}: {err.get('msg', 'invalid')}")
        return _respond(request, ApiError(422, "invalid request: " + "; ".join(parts)))

    async def server_error(request: Request, exc: Exception) -> Response:
        log.exception("internal error on %s %s", request.method, request.url.path, exc_info=exc)
        return _respond(
            request,
            ApiError(500, "internal error: the server failed; the log has the details"),
        )

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(ObeyaError, obeya_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(Exception, server_error)


def html_error_response(status: int, body: str) -> HTMLResponse:
    return HTMLResponse(body, status_code=status)
