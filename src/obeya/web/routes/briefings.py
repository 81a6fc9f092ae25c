"""The briefing archive: every briefing written to the archive folder (setting
``briefings_dir``, default ``briefings/`` beside the warehouse) by period and format,
downloads, and (analysts) writing this period's briefing now with
:func:`obeya.review.write_briefing`."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from fastapi import APIRouter, Form, Path
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from pydantic import Field

from obeya.web.auth import Role
from obeya.web.context import AS_ANALYST, AS_VIEWER, Ctx
from obeya.web.errors import ApiError
from obeya.web.registry import NavItem, Part
from obeya.web.render import render
from obeya.web.routes._common import UtcDatetime, View

__all__ = ["BriefingView", "part"]

_FILE = re.compile(r"^briefing-(?P<period>[0-9A-Za-z-]{4,12})\.(?P<ext>html|pdf|pptx|json)$")
_MEDIA = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "json": "application/json",
}
FileName = Path(pattern=_FILE.pattern, description="A briefing file, such as briefing-2025-11.pdf.")


class BriefingFile(View):
    name: str
    format: str
    size: int
    modified: UtcDatetime


class BriefingView(View):
    period: str
    files: list[BriefingFile]


class BriefingRequest(View):
    period: str | None = Field(default=None, pattern=r"^\d{4}(-(\d{2}|W\d{2}|Q[1-4]))?$")


def archive(ctx: Ctx) -> list[BriefingView]:
    folder = ctx.state.settings.briefings_path
    found: dict[str, list[BriefingFile]] = {}
    if folder.is_dir():
        for path in folder.iterdir():
            m = _FILE.fullmatch(path.name)
            if m is None or not path.is_file():
                continue
            stat = path.stat()
            found.setdefault(m["period"], []).append(
                BriefingFile(
                    name=path.name,
                    format=m["ext"],
                    size=stat.st_size,
                    modified=datetime.fromtimestamp(stat.st_mtime, UTC),
                )
            )
    return [
        BriefingView(period=p, files=sorted(found[p], key=lambda f: f.format))
        for p in sorted(found, reverse=True)
    ]


def write_now(ctx: Ctx, period: str | None) -> BriefingView:
    from obeya.review.write import write_briefing

    folder = ctx.state.settings.briefings_path
    with ctx.state.gate.read() as wh:
        paths = write_briefing(wh, period, ("html", "pdf", "pptx", "json"), folder)
    written = _FILE.fullmatch(paths[0].name)
    assert written is not None
    ctx.audit("briefing.write", written["period"], ", ".join(p.name for p in paths))
    return next(b for b in archive(ctx) if b.period == written["period"])


def part() -> Part:
    router = APIRouter()

    @router.get(
        "/api/v1/briefings",
        response_model=list[BriefingView],
        tags=["briefings"],
        summary="The briefing archive, newest period first",
    )
    def api_briefings(ctx: Ctx = AS_VIEWER) -> list[BriefingView]:
        return archive(ctx)

    @router.post(
        "/api/v1/briefings",
        response_model=BriefingView,
        status_code=201,
        tags=["briefings"],
        summary="Write a period's briefing into the archive (analyst)",
    )
    def api_write(body: BriefingRequest, ctx: Ctx = AS_ANALYST) -> BriefingView:
        return write_now(ctx, body.period)

    @router.get("/briefings", include_in_schema=False)
    def page_briefings(ctx: Ctx = AS_VIEWER) -> HTMLResponse:
        return render(
            ctx,
            "briefings.html",
            title="Briefings",
            briefings=archive(ctx),
            folder=str(ctx.state.settings.briefings_path),
            can_write=ctx.user.role.allows(Role.ANALYST),
        )

    @router.get("/briefings/{name}", include_in_schema=False)
    def download(name: str = FileName, ctx: Ctx = AS_VIEWER) -> FileResponse:
        m = _FILE.fullmatch(name)
        path = ctx.state.settings.briefings_path / name
        if m is None or not path.is_file():
            raise ApiError(404, f"no briefing {name} in the archive")
        inline = m["ext"] in ("html", "pdf", "json")
        return FileResponse(
            path,
            media_type=_MEDIA[m["ext"]],
            filename=name,
            content_disposition_type="inline" if inline else "attachment",
        )

    @router.post("/briefings", include_in_schema=False)
    def page_write(
        period: str = Form("", pattern=r"^(\d{4}(-(\d{2}|W\d{2}|Q[1-4]))?)?$"),
        ctx: Ctx = AS_ANALYST,
    ) -> RedirectResponse:
        write_now(ctx, period or None)
        return RedirectResponse("/briefings", status_code=303)

    return Part(
        "briefings",
        router,
        (NavItem("Briefings", "/briefings", Role.VIEWER, 60),),
        "The archive of executive briefings.",
    )
