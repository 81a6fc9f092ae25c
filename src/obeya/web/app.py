"""The war room app: ``create_app(settings)`` builds a FastAPI app from the registry.

Every part (built-in or an extension's) joins through :class:`Registry.register`;
the app adds the error envelope, security headers and the OpenAPI document at
``/api/v1/openapi.json`` (served to signed-in users only, like everything but the
login page and the static assets).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from fastapi import FastAPI, Request, Response

from obeya.web.auth import Auth, LoginLimiter
from obeya.web.context import AppState, WarehouseGate
from obeya.web.errors import ERROR_RESPONSES, install_error_handlers
from obeya.web.registry import Part, Registry
from obeya.web.routes import builtin_parts
from obeya.web.settings import Settings
from obeya.web.store import Store

__all__ = ["create_app"]

API_VERSION = "1"
_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-eval'; connect-src 'self'; frame-ancestors 'none'; "
    "form-action 'self'; base-uri 'none'; object-src 'none'"
)


def create_app(
    settings: Settings | None = None, parts: Sequence[Part] = (), *, warm_up: bool = True
) -> FastAPI:
    """The app for ``settings`` with the built-in parts, then ``parts``.

    ``warm_up`` builds the chart bundle in a background thread at once.
    """
    settings = settings or Settings.build()
    if warm_up:
        from obeya.web.charts import warm_up as start_warm_up

        start_warm_up()
    store = Store(settings.store_path)
    state = AppState(
        settings=settings,
        store=store,
        auth=Auth(store, settings.session_hours),
        limiter=LoginLimiter(settings.login_attempts, settings.login_window_seconds),
        gate=WarehouseGate(settings),
    )
    app = FastAPI(
        title="obeya war room API",
        version=API_VERSION,
        description=(
            "The operations war room's data: KPIs, the scorecard, forecasts, policies, "
            "plans, scenarios, P&L, SPC, briefings and loads. Send an API token as "
            "'Authorization: Bearer obeya_...' (create one with `obeya users token NAME`). "
            'Every error is {"error": {"status", "code", "message"}}.'
        ),
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.obeya = state
    registry = Registry()
    app.state.registry = registry
    for part in [*builtin_parts(), *parts]:
        registry.register(part)
        app.include_router(part.router, responses=ERROR_RESPONSES)
        state.warmers.extend(part.warmers)
    if settings.warehouse_url.folder is None or Path(settings.warehouse_url.target).exists():
        state.warm()
    install_error_handlers(app)
    _bearer_scheme(app)

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        elapsed = (time.perf_counter() - started) * 1000
        response.headers["Server-Timing"] = f"app;dur={elapsed:.1f}"
        response.headers.setdefault("Content-Security-Policy", _CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    return app


def _bearer_scheme(app: FastAPI) -> None:
    """Declare the bearer-token scheme in the OpenAPI document for every operation."""
    from fastapi.openapi.utils import get_openapi

    def openapi() -> dict[str, object]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        schema.setdefault("components", {})["securitySchemes"] = {
            "token": {"type": "http", "scheme": "bearer", "description": "an obeya API token"}
        }
        schema["security"] = [{"token": []}]
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
