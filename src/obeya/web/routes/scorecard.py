"""The scorecard: every KPI for one period against target, prior period and last year."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, RedirectResponse

from obeya.errors import DataError
from obeya.metrics import Dimension, Grain, Unit, scorecard
from obeya.warehouse import Warehouse
from obeya.web.auth import Role
from obeya.web.context import AS_VIEWER, AppState, Ctx
from obeya.web.registry import NavItem, Part
from obeya.web.render import render
from obeya.web.routes._common import (
    PERIOD_PATTERN,
    View,
    cached,
    catalog_of,
    form_dimension,
    form_period,
)

__all__ = [
    "ScorecardRowView",
    "ScorecardView",
    "SparkPointView",
    "part",
    "scorecard_view",
    "warm_scorecard",
]


class SparkPointView(View):
    period_start: date
    value: float | None


class ScorecardRowView(View):
    kpi: str
    label: str
    area: str
    unit: str
    direction: str
    owner: str
    member: str | None
    value: float | None
    display: str
    numerator: float | None
    denominator: float | None
    target: float | None
    target_display: str
    status: str | None
    change_vs_prior: float | None
    change_vs_prior_display: str
    change_vs_last_year: float | None
    change_vs_last_year_display: str
    reason: str | None
    sparkline: list[SparkPointView]


class ScorecardView(View):
    period: str | None
    period_start: date | None
    grain: str
    as_of: date | None
    by: str | None
    rows: list[ScorecardRowView]
    note: str | None = None


def _signed(unit: Unit, change: float | None) -> str:
    if change is None:
        return "-"
    sign = "+" if change > 0 else "-" if change < 0 else ""
    return sign + unit.show_change(change)


def scorecard_view(
    ctx: Ctx | AppState, period: str | None, grain: Grain, by: Dimension | None
) -> ScorecardView:
    """The scorecard view model (cached until the data changes)."""

    def compute(wh: Warehouse) -> ScorecardView:
        catalog = catalog_of(ctx, wh)
        try:
            card = scorecard(wh, period, grain, by, catalog)
        except DataError as exc:
            return ScorecardView(
                period=None,
                period_start=None,
                grain=grain.value,
                as_of=None,
                by=by.value if by else None,
                rows=[],
                note=f"no KPI data yet ({exc}): load data with `obeya load` or the loads page",
            )
        rows: list[ScorecardRowView] = []
        for r in card.rows:
            data: dict[str, Any] = r.to_dict()
            data["target_display"] = "-" if r.target is None else r.unit.show(r.target)
            data["change_vs_prior_display"] = _signed(r.unit, r.change_vs_prior)
            data["change_vs_last_year_display"] = _signed(r.unit, r.change_vs_last_year)
            rows.append(ScorecardRowView.model_validate(data))
        return ScorecardView(
            period=card.period,
            period_start=card.period_start,
            grain=card.grain.value,
            as_of=card.as_of,
            by=card.by.value if card.by else None,
            rows=rows,
        )

    key = ("scorecard", period, grain, by)
    return cached(ctx, key, compute)


def warm_scorecard(state: AppState) -> ScorecardView:
    """The default scorecard (latest month, company-wide), computed ahead of viewers."""
    return scorecard_view(state, None, Grain.MONTH, None)


PeriodQuery = Query(
    None,
    max_length=10,
    pattern=PERIOD_PATTERN,
    description="The period: 2025-03, 2025-W11, 2025-Q1, 2025 or a day (default: the latest).",
)


def part() -> Part:
    router = APIRouter()

    @router.get("/", include_in_schema=False)
    def home(ctx: Ctx = AS_VIEWER) -> RedirectResponse:
        return RedirectResponse("/scorecard", status_code=303)

    @router.get(
        "/api/v1/scorecard",
        response_model=ScorecardView,
        tags=["scorecard"],
        summary="Every KPI for one period",
    )
    def api_scorecard(
        period: str | None = PeriodQuery,
        grain: Grain = Grain.MONTH,
        by: Dimension | None = None,
        ctx: Ctx = AS_VIEWER,
    ) -> ScorecardView:
        return scorecard_view(ctx, form_period(period), grain, by)

    @router.get("/scorecard", include_in_schema=False)
    def page_scorecard(
        period: str | None = PeriodQuery,
        grain: Grain = Grain.MONTH,
        by: str | None = Query(None, max_length=20),
        ctx: Ctx = AS_VIEWER,
    ) -> HTMLResponse:
        view = scorecard_view(ctx, form_period(period), grain, form_dimension(by))
        areas: dict[str, list[ScorecardRowView]] = {}
        for row in view.rows:
            areas.setdefault(row.area, []).append(row)
        return render(
            ctx,
            "scorecard.html",
            title="Scorecard",
            view=view,
            areas=areas,
            grains=[g.value for g in Grain],
            dimensions=[d.value for d in Dimension],
        )

    return Part(
        "scorecard",
        router,
        (NavItem("Scorecard", "/scorecard", Role.VIEWER, 10),),
        "Every KPI for one period against target, prior period and last year.",
        warmers=(warm_scorecard,),
    )
