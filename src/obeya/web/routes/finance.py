"""The P&L against budget or last year (:func:`obeya.finance.pnl`), for a month, a
quarter, the year to date or the full year, optionally with every site's lines."""

from __future__ import annotations

from enum import StrEnum

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from obeya.errors import ObeyaError
from obeya.warehouse import Warehouse
from obeya.web.auth import Role
from obeya.web.context import AS_VIEWER, Ctx
from obeya.web.registry import NavItem, Part
from obeya.web.render import render
from obeya.web.routes._common import View, cached

__all__ = ["PnlLineView", "PnlView", "part"]


class PnlModeChoice(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YTD = "ytd"
    FULL_YEAR = "full_year"


class ComparisonChoice(StrEnum):
    BUDGET = "budget"
    LAST_YEAR = "last_year"


class PnlLineView(View):
    site_id: str | None
    line: str
    actual: float
    comparison: float
    variance: float
    variance_pct: float | None
    favourability: str


class PnlView(View):
    period: str | None
    mode: str
    comparison: str
    months: list[str]
    comparison_months: list[str]
    lines: list[PnlLineView]
    note: str | None = None


def pnl_view(
    ctx: Ctx, period: str | None, mode: PnlModeChoice, vs: ComparisonChoice, by_site: bool
) -> PnlView:
    def build(wh: Warehouse) -> PnlView:
        from obeya import finance as f

        try:
            month = period or f.latest_actual_month(wh.ibis)
            report = f.pnl(
                wh.ibis,
                month,
                f.PnlMode(mode.value),
                comparison=f.Comparison(vs.value),
                by_site=by_site,
            )
        except ObeyaError as exc:
            return PnlView(
                period=period,
                mode=mode.value,
                comparison=vs.value,
                months=[],
                comparison_months=[],
                lines=[],
                note=f"no P&L: {exc} (load gl_actuals, budget and accounts)",
            )
        return PnlView(
            period=report.period,
            mode=report.mode.value,
            comparison=report.comparison.value,
            months=list(report.months),
            comparison_months=list(report.comparison_months),
            lines=[
                PnlLineView(
                    site_id=ln.site_id,
                    line=ln.line.value,
                    actual=ln.actual,
                    comparison=ln.comparison,
                    variance=ln.variance,
                    variance_pct=ln.variance_pct,
                    favourability=ln.favourability.value,
                )
                for ln in report.lines
            ],
        )

    return cached(ctx, ("pnl", period, mode, vs, by_site), build)


MonthQuery = Query(
    None,
    pattern=r"^(\d{4}-\d{2})?$",
    description="A month, YYYY-MM (default: the latest with actuals).",
)


def part() -> Part:
    router = APIRouter()

    @router.get(
        "/api/v1/pnl",
        response_model=PnlView,
        tags=["finance"],
        summary="The P&L against budget or last year",
    )
    def api_pnl(
        period: str | None = MonthQuery,
        mode: PnlModeChoice = PnlModeChoice.MONTH,
        vs: ComparisonChoice = ComparisonChoice.BUDGET,
        by_site: bool = False,
        ctx: Ctx = AS_VIEWER,
    ) -> PnlView:
        return pnl_view(ctx, period or None, mode, vs, by_site)

    @router.get("/pnl", include_in_schema=False)
    def page_pnl(
        period: str | None = MonthQuery,
        mode: PnlModeChoice = PnlModeChoice.MONTH,
        vs: ComparisonChoice = ComparisonChoice.BUDGET,
        by_site: bool = False,
        ctx: Ctx = AS_VIEWER,
    ) -> HTMLResponse:
        view = pnl_view(ctx, period or None, mode, vs, by_site)
        return render(
            ctx,
            "pnl.html",
            title="P&L",
            view=view,
            by_site=by_site,
            modes=[m.value for m in PnlModeChoice],
            comparisons=[c.value for c in ComparisonChoice],
        )

    return Part(
        "finance",
        router,
        (NavItem("P&L", "/pnl", Role.VIEWER, 50),),
        "The P&L against budget or last year.",
    )
