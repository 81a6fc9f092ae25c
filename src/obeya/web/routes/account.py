"""A user's own account: API tokens for scripts (shown once) and the password."""

from __future__ import annotations

from fastapi import APIRouter, Form, Path
from fastapi.responses import HTMLResponse, RedirectResponse

from obeya.errors import ConfigError
from obeya.web.auth import Role
from obeya.web.context import AS_VIEWER, Ctx
from obeya.web.errors import ApiError
from obeya.web.registry import NavItem, Part
from obeya.web.render import render
from obeya.web.routes._common import UtcDatetime, View

__all__ = ["NewTokenView", "TokenView", "part"]

TokenId = Path(pattern=r"^[0-9a-f]{12}$", description="The token's id (its public part).")


class TokenView(View):
    token_id: str
    user: str
    label: str
    created_at: UtcDatetime
    last_used_at: UtcDatetime | None


class NewTokenView(View):
    token_id: str
    token: str
    note: str


class NewToken(View):
    label: str = ""


def _tokens(ctx: Ctx) -> list[TokenView]:
    return [
        TokenView(
            token_id=t.token_id,
            user=t.user_name,
            label=t.label,
            created_at=t.created_at,
            last_used_at=t.last_used_at,
        )
        for t in ctx.state.store.tokens(ctx.user.user)
    ]


def _create(ctx: Ctx, label: str) -> NewTokenView:
    if len(label) > 100:
        raise ConfigError("a token label has at most 100 characters")
    token = ctx.state.auth.new_token(ctx.user.user, label)
    token_id = token.split("_")[1]
    ctx.audit("token.create", ctx.user.user, f"token {token_id} ({label or 'api token'})")
    return NewTokenView(
        token_id=token_id, token=token, note="copy the token now: it is shown only once"
    )


def _revoke(ctx: Ctx, token_id: str) -> None:
    stored = ctx.state.store.token(token_id)
    if stored is None or (
        stored.user_name != ctx.user.user and not ctx.user.role.allows(Role.ADMIN)
    ):
        raise ApiError(404, f"no token {token_id} of yours")
    ctx.state.store.drop_token(token_id)
    ctx.audit("token.revoke", stored.user_name, f"token {token_id}")


def part() -> Part:
    router = APIRouter()

    @router.get(
        "/api/v1/tokens",
        response_model=list[TokenView],
        tags=["account"],
        summary="Your API tokens",
    )
    def api_tokens(ctx: Ctx = AS_VIEWER) -> list[TokenView]:
        return _tokens(ctx)

    @router.post(
        "/api/v1/tokens",
        response_model=NewTokenView,
        status_code=201,
        tags=["account"],
        summary="Create an API token (shown once)",
    )
    def api_new_token(body: NewToken, ctx: Ctx = AS_VIEWER) -> NewTokenView:
        return _create(ctx, body.label)

    @router.delete(
        "/api/v1/tokens/{token_id}",
        status_code=204,
        tags=["account"],
        summary="Revoke an API token",
    )
    def api_revoke(token_id: str = TokenId, ctx: Ctx = AS_VIEWER) -> None:
        _revoke(ctx, token_id)

    @router.get("/account", include_in_schema=False)
    def page_account(ctx: Ctx = AS_VIEWER) -> HTMLResponse:
        return render(
            ctx, "account.html", title="Account", tokens=_tokens(ctx), new=None, message=None
        )

    @router.post("/account/tokens", include_in_schema=False)
    def page_new_token(label: str = Form("", max_length=100), ctx: Ctx = AS_VIEWER) -> HTMLResponse:
        new = _create(ctx, label)
        return render(
            ctx, "account.html", title="Account", tokens=_tokens(ctx), new=new, message=None
        )

    @router.post("/account/tokens/{token_id}/revoke", include_in_schema=False)
    def page_revoke(token_id: str = TokenId, ctx: Ctx = AS_VIEWER) -> RedirectResponse:
        _revoke(ctx, token_id)
        return RedirectResponse("/account", status_code=303)

    @router.post("/account/password", include_in_schema=False)
    def page_password(
        current: str = Form(..., max_length=1000),
        password: str = Form(..., max_length=1000),
        confirm: str = Form(..., max_length=1000),
        ctx: Ctx = AS_VIEWER,
    ) -> HTMLResponse:
        if ctx.state.auth.verify(ctx.user.user, current) is None:
            raise ApiError(403, "the current password is wrong", "forbidden")
        if password != confirm:
            raise ConfigError("the two new passwords differ; type the same password twice")
        ctx.state.auth.set_password(ctx.user.user, password)
        ctx.audit("user.password", ctx.user.user, "changed own password")
        return render(
            ctx,
            "account.html",
            title="Account",
            tokens=_tokens(ctx),
            new=None,
            message="password changed",
        )

    return Part(
        "account",
        router,
        (NavItem("Account", "/account", Role.VIEWER, 900),),
        "Your API tokens and password.",
    )
