"""The read-only SQL console (analysts): run a SELECT, see the rows, export CSV or XLSX.

It reuses :func:`obeya.warehouse.console.run_readonly_query`: on DuckDB a second,
read-only connection with external access disabled; on PostgreSQL a READ ONLY
transaction with a statement timeout. No other connection of the server is open
while it runs (the warehouse gate).
"""

from __future__ import annotations

import io
from enum import StrEnum
from typing import Annotated

import pyarrow as pa
import pyarrow.csv as pacsv
from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response
from pydantic import Field

from obeya.errors import QueryError
from obeya.warehouse.console import run_readonly_query
from obeya.web.auth import Role
from obeya.web.context import AS_ANALYST, Ctx
from obeya.web.registry import NavItem, Part
from obeya.web.render import render
from obeya.web.routes._common import TableView, View, table_view
from obeya.web.xlsx import table_to_xlsx

__all__ = ["ExportFormat", "SqlQuery", "part", "run_query"]


class ExportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


class SqlQuery(View):
    sql: str = Field(min_length=1, max_length=100_000)
    max_rows: int | None = Field(default=None, ge=1, le=1_000_000)


class SqlExport(View):
    sql: str = Field(min_length=1, max_length=100_000)
    format: ExportFormat = ExportFormat.CSV


def run_query(ctx: Ctx, sql: str, max_rows: int | None = None) -> tuple[pa.Table, bool]:
    limit = min(max_rows or ctx.state.settings.sql_max_rows, ctx.state.settings.sql_max_rows)
    with ctx.state.gate.alone():
        return run_readonly_query(sql, ctx.state.gate.url, max_rows=limit)


def export(ctx: Ctx, sql: str, fmt: ExportFormat) -> Response:
    table, _ = run_query(ctx, sql)
    match fmt:
        case ExportFormat.CSV:
            buf = io.BytesIO()
            pacsv.write_csv(table, buf, pacsv.WriteOptions(quoting_style="needed"))
            body, media = buf.getvalue(), "text/csv; charset=utf-8"
        case ExportFormat.XLSX:
            body = table_to_xlsx(table)
            media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="query.{fmt.value}"'},
    )


def part() -> Part:
    router = APIRouter()

    @router.post(
        "/api/v1/sql",
        response_model=TableView,
        tags=["sql"],
        summary="Run a read-only query (analyst)",
    )
    def api_sql(body: SqlQuery, ctx: Ctx = AS_ANALYST) -> TableView:
        table, truncated = run_query(ctx, body.sql, body.max_rows)
        return table_view(table, truncated=truncated)

    @router.post(
        "/api/v1/sql/export",
        tags=["sql"],
        summary="Export a read-only query as CSV or XLSX (analyst)",
        response_class=Response,
        responses={
            200: {
                "content": {
                    "text/csv": {},
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
                }
            }
        },
    )
    def api_export(body: SqlExport, ctx: Ctx = AS_ANALYST) -> Response:
        return export(ctx, body.sql, body.format)

    @router.get("/sql", include_in_schema=False)
    def page_sql(ctx: Ctx = AS_ANALYST) -> HTMLResponse:
        return render(ctx, "sql.html", title="SQL console", sql="", result=None, error=None)

    @router.post("/sql", include_in_schema=False)
    def page_run(sql: str = Form(..., max_length=100_000), ctx: Ctx = AS_ANALYST) -> HTMLResponse:
        try:
            table, truncated = run_query(ctx, sql)
        except QueryError as exc:
            return render(
                ctx,
                "sql.html",
                status=400,
                title="SQL console",
                sql=sql,
                result=None,
                error=str(exc),
            )
        return render(
            ctx,
            "sql.html",
            title="SQL console",
            sql=sql,
            result=table_view(table, truncated=truncated),
            error=None,
        )

    @router.post("/sql/export", include_in_schema=False)
    def page_export(
        sql: str = Form(..., max_length=100_000),
        format: Annotated[ExportFormat, Form()] = ExportFormat.CSV,
        ctx: Ctx = AS_ANALYST,
    ) -> Response:
        return export(ctx, sql, format)

    return Part(
        "sql",
        router,
        (NavItem("SQL", "/sql", Role.ANALYST, 700),),
        "The read-only SQL console with CSV and XLSX export.",
    )
