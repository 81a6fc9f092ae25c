"""What a request sees: the app's state, the warehouse gate and who is asking.

The warehouse is opened for the length of one request and closed after it, under
one lock: the server then holds no file lock between requests (so ``obeya load``
from a shell still works while it runs), and the read-only SQL console, which
opens its own locked-down connection, never meets another connection of this
process. Computed views are cached by the warehouse's *data version* (the file's
modification time, or the latest load on PostgreSQL, plus the KPI file), so a
load from anywhere shows at the next request.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from fastapi import Depends, Request

from obeya.errors import WarehouseError
from obeya.warehouse import LOAD_LOG, Backend, Warehouse
from obeya.web.auth import Auth, LoginLimiter, Principal, Role
from obeya.web.errors import ApiError
from obeya.web.settings import Settings
from obeya.web.store import Store

__all__ = [
    "AS_ADMIN",
    "AS_ANALYST",
    "AS_VIEWER",
    "SESSION_COOKIE",
    "AppState",
    "Ctx",
    "DataWatcher",
    "WarehouseGate",
    "csrf_bound_id",
    "get_ctx",
    "principal_of",
    "require",
]

SESSION_COOKIE = "obeya_session"
PRESESSION_COOKIE = "obeya_pre"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
_SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
T = TypeVar("T")
log = logging.getLogger("obeya.web")


class WarehouseGate:
    """Opens the warehouse per use, one use at a time (see the module docstring)."""

    def __init__(self, settings: Settings) -> None:
        self.url = settings.warehouse_url
        self.lock = threading.RLock()
        self._writes = 0

    @contextmanager
    def read(self) -> Iterator[Warehouse]:
        with self.lock:
            wh = Warehouse.open(self.url, read_only=True, create=False)
            try:
                yield wh
            finally:
                wh.close()

    @contextmanager
    def write(self) -> Iterator[Warehouse]:
        with self.lock:
            wh = Warehouse.open(self.url)
            try:
                yield wh
            finally:
                wh.close()
                self._writes += 1

    @contextmanager
    def alone(self) -> Iterator[None]:
        """No connection of this process is open inside (for the SQL console)."""
        with self.lock:
            yield

    def data_version(self, wh: Warehouse | None = None) -> tuple[Any, ...]:
        """Changes whenever the warehouse's data or the company KPI file changes.

        For a DuckDB file it is read from the files' modification times, without
        opening the warehouse; a PostgreSQL warehouse needs ``wh`` (the load log).
        """
        kpis = (self.url.folder / "kpis.yaml") if self.url.folder is not None else None
        kpi_stamp = kpis.stat().st_mtime_ns if kpis is not None and kpis.exists() else 0
        if self.url.backend is Backend.DUCKDB:
            path = Path(self.url.target)
            wal = path.with_name(path.name + ".wal")
            stamps = tuple(p.stat().st_mtime_ns if p.exists() else 0 for p in (path, wal))
            return (self._writes, *stamps, kpi_stamp)
        if wh is None:
            raise WarehouseError("the data version of a PostgreSQL warehouse needs a connection")
        latest = wh.sql_arrow(f"SELECT max(loaded_at) AS t, count(*) AS n FROM {LOAD_LOG}")
        return (self._writes, *latest.to_pylist()[0].values(), kpi_stamp)

    @property
    def versioned_by_files(self) -> bool:
        return self.url.backend is Backend.DUCKDB


class ViewCache:
    """A small LRU of computed views keyed by their arguments and the data version."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._items: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._lock = threading.Lock()

    def peek(self, key: tuple[Any, ...]) -> tuple[bool, Any]:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return True, self._items[key]
        return False, None

    def get(self, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]  # type: ignore[no-any-return]
        value = compute()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


@dataclass
class AppState:
    """Everything one app instance holds, built once by ``create_app``.

    ``warmers`` compute views ahead of the first viewer (the default scorecard): they
    run in a background thread when the app starts and after every change the app
    makes to the data (setting ``prewarm``).
    """

    settings: Settings
    store: Store
    auth: Auth
    limiter: LoginLimiter
    gate: WarehouseGate
    cache: ViewCache = field(default_factory=ViewCache)
    warmers: list[Callable[[AppState], object]] = field(default_factory=list)

    def data_changed(self) -> None:
        """Drop every cached view and warm the main ones again."""
        self.cache.clear()
        self.warm()

    def warm(self) -> threading.Thread | None:
        if not self.settings.prewarm or not self.warmers:
            return None

        def run() -> None:
            for warmer in self.warmers:
                try:
                    warmer(self)
                except Exception:
                    log.warning(
                        "warming %s failed", getattr(warmer, "__name__", warmer), exc_info=True
                    )

        thread = threading.Thread(target=run, name="obeya-prewarm", daemon=True)
        thread.start()
        return thread


class DataWatcher:
    """Warms the main views again when the data changes outside this app.

    A load from the command line (or another server) changes the warehouse without
    telling the app; without this, the first viewer after it waits for the whole
    scorecard. Every ``every`` seconds the watcher reads the data version (file
    times for DuckDB, the load log for PostgreSQL) and, when it moved, runs the
    warmers in the background; views are cached by data version, so the fresh ones
    replace the stale ones as they are computed.
    """

    def __init__(self, state: AppState, every: float) -> None:
        self.state = state
        self.every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="obeya-watch", daemon=True)
        self._seen: tuple[Any, ...] | None = None

    def start(self) -> None:
        self._seen = self._version()
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def check(self) -> threading.Thread | None:
        """Warm the views if the data version moved since the last check."""
        version = self._version()
        if version is None or version == self._seen:
            return None
        self._seen = version
        return self.state.warm()

    def _version(self) -> tuple[Any, ...] | None:
        gate = self.state.gate
        try:
            if gate.versioned_by_files:
                return gate.data_version()
            with gate.read() as wh:
                return gate.data_version(wh)
        except (OSError, WarehouseError):
            log.warning("reading the data version failed", exc_info=True)
            return None

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            self.check()


@dataclass(frozen=True)
class Ctx:
    """One request: the app state, the request and the signed-in principal (if any)."""

    state: AppState
    request: Request
    principal: Principal | None

    @property
    def user(self) -> Principal:
        if self.principal is None:
            raise ApiError(
                401, "sign in first: log in, or send an API token as 'Authorization: Bearer ...'"
            )
        return self.principal

    @property
    def settings(self) -> Settings:
        return self.state.settings

    def audit(self, action: str, target: str, detail: str = "") -> None:
        self.state.store.add_audit(self.user.user, action, target, detail)

    def csrf_token(self) -> str:
        return self.state.auth.csrf_token(
            csrf_bound_id(self.request, self.state, self.principal) or ""
        )


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.obeya
    return state


def principal_of(request: Request, state: AppState) -> Principal | None:
    header = request.headers.get("authorization")
    if header:
        scheme, _, token = header.partition(" ")
        principal = (
            state.auth.token_principal(token.strip()) if scheme.lower() == "bearer" else None
        )
        if principal is None:
            raise ApiError(
                401,
                "the API token is not valid: send 'Authorization: Bearer obeya_...' with a token "
                "from `obeya users token NAME` or the account page",
            )
        return principal
    return state.auth.session_principal(request.cookies.get(SESSION_COOKIE))


def csrf_bound_id(request: Request, state: AppState, principal: Principal | None) -> str | None:
    """What the CSRF token is bound to: the session, or the pre-session cookie."""
    if principal is not None and principal.session_id is not None:
        return principal.session_id
    return state.auth.unsign(request.cookies.get(PRESESSION_COOKIE), "obeya-pre")


async def check_csrf(request: Request, state: AppState, principal: Principal | None) -> None:
    """Refuse an unsafe request authenticated by a cookie without the form's token."""
    if request.method in _SAFE or (principal is not None and principal.via == "token"):
        return
    token = request.headers.get(CSRF_HEADER)
    if token is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        token = value if isinstance(value, str) else None
    if not state.auth.csrf_ok(csrf_bound_id(request, state, principal), token):
        raise ApiError(
            403,
            "the form's CSRF token is missing or stale: reload the page and submit it again",
            "csrf_failed",
        )


async def get_ctx(request: Request) -> Ctx:
    """The request context, for routes open to anyone (login, static files)."""
    state = _state(request)
    return Ctx(state, request, principal_of(request, state))


def require(role: Role) -> Any:
    """A dependency: the caller must be signed in with ``role`` or above (and pass CSRF)."""

    async def dependency(request: Request) -> Ctx:
        state = _state(request)
        principal = principal_of(request, state)
        if principal is None:
            raise ApiError(
                401,
                "sign in first: log in, or send an API token as 'Authorization: Bearer ...'",
            )
        if not principal.role.allows(role):
            raise ApiError(
                403,
                f"this needs the {role.value} role; you are signed in as {principal.user} "
                f"({principal.role.value}); ask an admin",
            )
        await check_csrf(request, state, principal)
        return Ctx(state, request, principal)

    dependency.__name__ = f"require_{role.value}"
    dependency.min_role = role  # type: ignore[attr-defined]
    return Depends(dependency)


# the dependencies every route declares as its last parameter (``ctx: Ctx = AS_VIEWER``)
AS_VIEWER = require(Role.VIEWER)
AS_ANALYST = require(Role.ANALYST)
AS_ADMIN = require(Role.ADMIN)
