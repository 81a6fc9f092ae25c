"""Data loads: the load log, and (admins) uploading files through the same loader as
``obeya load``: every rule checked first, every problem shown as
``file:row:column: value: rule``, nothing written when any row is refused."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path, PureWindowsPath
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import HTMLResponse

from obeya.errors import LoadRefused
from obeya.ingest import LoadReport, load, validate
from obeya.model import TABLES
from obeya.warehouse import LOAD_LOG
from obeya.web.auth import Role
from obeya.web.context import AS_ADMIN, AS_VIEWER, Ctx
from obeya.web.errors import ApiError
from obeya.web.registry import NavItem, Part
from obeya.web.render import render
from obeya.web.routes._common import UtcDatetime, View

__all__ = ["LoadLogEntry", "LoadResult", "part"]

_SUFFIXES = (".csv", ".parquet", ".xlsx", ".csv.gz")


class LoadLogEntry(View):
    load_id: str
    loaded_at: UtcDatetime
    table: str
    rows_inserted: int
    rows_replaced: int
    source: str
    checksum: str


class LoadedTable(View):
    table: str
    rows: int
    inserted: int
    replaced: int


class LoadResult(View):
    load_id: str
    dry_run: bool
    rows: int
    tables: list[LoadedTable]
    notes: list[str]


def _log(ctx: Ctx, limit: int) -> list[LoadLogEntry]:
    with ctx.state.gate.read() as wh:
        table = wh.sql_arrow(
            "SELECT load_id, loaded_at, table_name AS table, rows_inserted, rows_replaced, "
            f"source, checksum FROM {LOAD_LOG} ORDER BY loaded_at DESC, load_id, table_name LIMIT ?",
            [limit],
        )
    return [LoadLogEntry.model_validate(r) for r in table.to_pylist()]


def _file_name(name: str | None) -> tuple[str, str]:
    """The upload's own name (its base name only) and the name it is saved under.

    Browsers send a base name, some a whole client path (``C:\\data\\sites.csv``):
    both separators are cut. The saved name is the table and the suffix in lower
    case, which the loader reads by; the own name is what the load log and the
    problems show.
    """
    base = PureWindowsPath(name or "").name  # cut at the last / or backslash
    lowered = base.lower()
    suffix = next((s for s in _SUFFIXES if lowered.endswith(s)), None)
    table = base[: -len(suffix)] if suffix else ""
    if suffix is None or table not in TABLES:
        raise ApiError(
            422,
            f"file {base!r}: name each file after its table and format, such as "
            f"order_lines.csv (tables: {', '.join(TABLES)}; formats: {', '.join(_SUFFIXES)})",
            "invalid_request",
        )
    return base, table + suffix


def _save(ctx: Ctx, files: list[UploadFile], folder: Path) -> dict[Path, str]:
    """Write the uploads into ``folder``; returns each saved path and the upload's own name."""
    limit = ctx.state.settings.max_upload_mb * 1024 * 1024
    if not files:
        raise ApiError(422, "choose at least one file to load", "invalid_request")
    used = 0
    saved: dict[Path, str] = {}
    for upload in files:
        own, name = _file_name(upload.filename)
        path = folder / name
        if path in saved:
            raise ApiError(422, f"file {own} is given twice", "invalid_request")
        saved[path] = own
        with path.open("wb") as out:
            while chunk := upload.file.read(1024 * 1024):
                used += len(chunk)
                if used > limit:
                    raise ApiError(
                        413,
                        f"the upload is larger than {ctx.state.settings.max_upload_mb} MB "
                        "(setting max_upload_mb); load large files with `obeya load`",
                    )
                out.write(chunk)
    return saved


def run_upload(ctx: Ctx, files: list[UploadFile], dry_run: bool) -> LoadResult:
    """Save the files in a temporary folder and load them under the names they came with.

    The loader is given each upload's own name (``labels``), so the load log's
    ``source`` and every problem (``order_lines.csv:7:qty_ordered: ...``) name the
    user's file, never the temporary path.
    """
    folder = Path(tempfile.mkdtemp(prefix="obeya-upload-"))
    try:
        saved = _save(ctx, files, folder)
        with ctx.state.gate.write() as wh:
            try:
                report: LoadReport = (
                    validate(wh, list(saved), labels=saved)
                    if dry_run
                    else load(wh, list(saved), labels=saved)
                )
            except LoadRefused as exc:
                ctx.audit(
                    "load.refused",
                    ", ".join(sorted(saved.values())),
                    f"{exc.total} problems; nothing written",
                )
                raise
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    ctx.state.data_changed()
    result = LoadResult(
        load_id=report.load_id,
        dry_run=report.dry_run,
        rows=report.rows,
        tables=[
            LoadedTable(table=t.table, rows=t.rows, inserted=t.inserted, replaced=t.replaced)
            for t in report.tables
        ],
        notes=list(report.notes),
    )
    if not dry_run:
        ctx.audit(
            "load",
            ", ".join(t.table for t in result.tables),
            f"load {result.load_id}: {result.rows} rows",
        )
    return result


def part() -> Part:
    router = APIRouter()

    @router.get(
        "/api/v1/loads",
        response_model=list[LoadLogEntry],
        tags=["loads"],
        summary="The load log, newest first",
    )
    def api_loads(
        limit: int = Query(50, ge=1, le=5000), ctx: Ctx = AS_VIEWER
    ) -> list[LoadLogEntry]:
        return _log(ctx, limit)

    @router.post(
        "/api/v1/loads",
        response_model=LoadResult,
        tags=["loads"],
        summary="Load files named after their tables (admin)",
    )
    def api_load(
        files: Annotated[
            list[UploadFile], File(description="Files named after tables: order_lines.csv, ...")
        ],
        dry_run: bool = Form(False, description="Only check the files; write nothing."),
        ctx: Ctx = AS_ADMIN,
    ) -> LoadResult:
        return run_upload(ctx, files, dry_run)

    @router.get("/loads", include_in_schema=False)
    def page_loads(ctx: Ctx = AS_VIEWER) -> HTMLResponse:
        return render(
            ctx,
            "loads.html",
            title="Data loads",
            log=_log(ctx, 50),
            result=None,
            refused=None,
            can_load=ctx.user.role.allows(Role.ADMIN),
        )

    @router.post("/loads", include_in_schema=False)
    def page_load(
        files: Annotated[list[UploadFile], File()],
        dry_run: bool = Form(False),
        ctx: Ctx = AS_ADMIN,
    ) -> HTMLResponse:
        try:
            result = run_upload(ctx, files, dry_run)
        except LoadRefused as exc:
            return render(
                ctx,
                "loads.html",
                status=422,
                title="Data loads",
                log=_log(ctx, 50),
                result=None,
                refused=exc,
                can_load=True,
            )
        return render(
            ctx,
            "loads.html",
            title="Data loads",
            log=_log(ctx, 50),
            result=result,
            refused=None,
            can_load=True,
        )

    return Part(
        "loads",
        router,
        (NavItem("Loads", "/loads", Role.VIEWER, 600),),
        "The load log and file uploads through the validated loader.",
    )
