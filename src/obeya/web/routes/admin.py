"""Administration: users and roles, and the audit log of every change."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Query
from fastapi.responses import HTMLResponse, RedirectResponse

from obeya.web.auth import Role
from obeya.web.context import AS_ADMIN, Ctx
from obeya.web.errors import ApiError
from obeya.web.registry import NavItem, Part
from obeya.web.render import render
from obeya.web.routes._common import UtcDatetime, View

__all__ = ["AuditView", "UserView", "part"]

UserName = Path(pattern=r"^[A-Za-z0-9._@-]{1,64}$", description="A user name.")


class UserView(View):
    name: str
    role: Role
    active: bool
    created_at: UtcDatetime


class NewUser(View):
    name: str
    role: Role
    password: str


class UserChange(View):
    role: Role | None = None
    active: bool | None = None
    password: str | None = None


class AuditView(View):
    entry_id: int
    at: UtcDatetime
    user: str
    action: str
    target: str
    detail: str


def _users(ctx: Ctx) -> list[UserView]:
    return [
        UserView(name=u.name, role=Role(u.role), active=u.active, created_at=u.created_at)
        for u in ctx.state.store.users()
    ]


def _user(ctx: Ctx, name: str) -> UserView:
    for u in _users(ctx):
        if u.name == name:
            return u
    raise ApiError(404, f"no user {name!r}")


def _add(ctx: Ctx, body: NewUser) -> UserView:
    user = ctx.state.auth.add_user(body.name, body.role, body.password)
    ctx.audit("user.add", user.name, f"role {body.role.value}")
    return _user(ctx, user.name)


def _change(ctx: Ctx, name: str, change: UserChange) -> UserView:
    _user(ctx, name)
    if name == ctx.user.user and (change.role not in (None, Role.ADMIN) or change.active is False):
        raise ApiError(409, "you cannot demote or disable yourself; ask another admin", "conflict")
    auth = ctx.state.auth
    if change.role is not None:
        auth.set_role(name, change.role)
        ctx.audit("user.role", name, f"role {change.role.value}")
    if change.active is not None:
        auth.set_active(name, change.active)
        ctx.audit("user.active" if change.active else "user.disable", name, "")
    if change.password:
        auth.set_password(name, change.password)
        ctx.audit("user.password", name, "password reset by an admin")
    return _user(ctx, name)


def _audit(ctx: Ctx, limit: int, user: str | None) -> list[AuditView]:
    return [
        AuditView(
            entry_id=e.entry_id,
            at=e.at,
            user=e.user,
            action=e.action,
            target=e.target,
            detail=e.detail,
        )
        for e in ctx.state.store.audit(limit, user)
    ]


def part() -> Part:
    router = APIRouter()

    @router.get(
        "/api/v1/users",
        response_model=list[UserView],
        tags=["admin"],
        summary="Users and their roles",
    )
    def api_users(ctx: Ctx = AS_ADMIN) -> list[UserView]:
        return _users(ctx)

    @router.post(
        "/api/v1/users",
        response_model=UserView,
        status_code=201,
        tags=["admin"],
        summary="Add a user",
    )
    def api_add_user(body: NewUser, ctx: Ctx = AS_ADMIN) -> UserView:
        return _add(ctx, body)

    @router.patch(
        "/api/v1/users/{name}",
        response_model=UserView,
        tags=["admin"],
        summary="Change a user's role, password or activity",
    )
    def api_change_user(change: UserChange, name: str = UserName, ctx: Ctx = AS_ADMIN) -> UserView:
        return _change(ctx, name, change)

    @router.get(
        "/api/v1/audit",
        response_model=list[AuditView],
        tags=["admin"],
        summary="The audit log, newest first",
    )
    def api_audit(
        limit: int = Query(200, ge=1, le=5000),
        user: str | None = Query(None, max_length=64),
        ctx: Ctx = AS_ADMIN,
    ) -> list[AuditView]:
        return _audit(ctx, limit, user)

    @router.get("/users", include_in_schema=False)
    def page_users(ctx: Ctx = AS_ADMIN) -> HTMLResponse:
        return render(
            ctx, "users.html", title="Users", users=_users(ctx), roles=[r.value for r in Role]
        )

    @router.post("/users", include_in_schema=False)
    def page_add_user(
        role: Annotated[Role, Form()],
        name: str = Form(..., max_length=64),
        password: str = Form(..., max_length=1000),
        ctx: Ctx = AS_ADMIN,
    ) -> RedirectResponse:
        _add(ctx, NewUser(name=name, role=role, password=password))
        return RedirectResponse("/users", status_code=303)

    @router.post("/users/{name}", include_in_schema=False)
    def page_change_user(
        name: str = UserName,
        role: Annotated[Role | None, Form()] = None,
        active: str | None = Form(None, max_length=5),
        password: str | None = Form(None, max_length=1000),
        ctx: Ctx = AS_ADMIN,
    ) -> RedirectResponse:
        change = UserChange(
            role=role,
            active=None if active is None else active == "true",
            password=password or None,
        )
        _change(ctx, name, change)
        return RedirectResponse("/users", status_code=303)

    @router.get("/audit", include_in_schema=False)
    def page_audit(
        limit: int = Query(200, ge=1, le=5000),
        user: str | None = Query(None, max_length=64),
        ctx: Ctx = AS_ADMIN,
    ) -> HTMLResponse:
        return render(ctx, "audit.html", title="Audit log", entries=_audit(ctx, limit, user))

    return Part(
        "admin",
        router,
        (NavItem("Users", "/users", Role.ADMIN, 800), NavItem("Audit", "/audit", Role.ADMIN, 810)),
        "Users, roles and the audit log.",
    )
