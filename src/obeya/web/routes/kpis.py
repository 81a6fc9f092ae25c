"""KPI pages: the catalog, one KPI's trend with its target band and breakdown, the
rows behind a figure, and (admins) editing a KPI's target."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Form, Path, Query
from fastapi.responses import HTMLResponse, RedirectResponse

from obeya.errors import DataError
from obeya.metrics import Dimension, Grain, KpiSpec, compute, detect_as_of, drill_rows
from obeya.metrics.periods import parse_period, period_label, period_start, shift
from obeya.warehouse import Warehouse
from obeya.web.auth import Role
from obeya.web.charts import kpi_trend_chart
from obeya.web.context import AS_ADMIN, AS_VIEWER, Ctx
from obeya.web.registry import NavItem, Part
from obeya.web.render import render
from obeya.web.routes._common import (
    PERIOD_PATTERN,
    TableView,
    View,
    cached,
    catalog_of,
    form_dimension,
    form_period,
    table_view,
)
from obeya.web.targets import TargetEdit, write_target

__all__ = ["part"]

TREND_PERIODS = 13
KpiId = Path(pattern=r"^[a-z][a-z0-9_]*$", max_length=64, description="A KPI id, such as otd.")
PeriodQuery = Query(
    None,
    max_length=10,
    pattern=PERIOD_PATTERN,
    description="The period: 2025-03, 2025-W11, 2025-Q1, 2025 or a day (default: the latest).",
)


class TargetView(View):
    value: float
    amber: float
    red: float
    sites: dict[str, dict[str, float]]


class KpiInfo(View):
    id: str
    label: str
    description: str
    area: str
    unit: str
    direction: str
    dimensions: list[str]
    owner: str
    references: str
    target: TargetView | None


class KpiPoint(View):
    period_start: date
    period: str
    value: float | None
    display: str
    numerator: float | None
    denominator: float | None
    target: float | None
    status: str | None
    change_vs_prior: float | None
    change_vs_last_year: float | None
    reason: str | None


class MemberValue(View):
    member: str | None
    value: float | None
    display: str
    numerator: float | None
    denominator: float | None
    target: float | None
    status: str | None


class Breakdown(View):
    by: str
    period: str
    members: list[MemberValue]


class KpiView(View):
    kpi: KpiInfo
    grain: str
    as_of: date | None
    period: str | None
    series: list[KpiPoint]
    breakdown: Breakdown | None
    chart: dict[str, Any] | None
    note: str | None = None


class DrillMeasureView(View):
    id: str
    description: str
    kind: str
    column: str | None
    total: float | None


class DrillView(View):
    kpi: str
    period: str
    period_start: date
    period_end: date
    grain: str
    as_of: date
    by: str | None
    member: str | None
    table: str
    date_expression: str
    measures: list[DrillMeasureView]
    notes: list[str]
    rows: TableView


def _info(spec: KpiSpec) -> KpiInfo:
    target = None
    if spec.target is not None:
        target = TargetView(
            value=spec.target.value,
            amber=spec.target.amber_level,
            red=spec.target.red,
            sites={
                s: {"value": t.value, "amber": t.amber_level, "red": t.red}
                for s, t in spec.target.sites.items()
            },
        )
    return KpiInfo(
        id=spec.id,
        label=spec.label,
        description=spec.description,
        area=spec.area.value,
        unit=spec.unit.value,
        direction=spec.direction.value,
        dimensions=[d.value for d in spec.dimensions],
        owner=spec.owner,
        references=spec.references,
        target=target,
    )


def kpi_list(ctx: Ctx) -> list[KpiInfo]:
    return cached(ctx, ("kpis",), lambda wh: [_info(k) for k in catalog_of(ctx, wh).kpis.values()])


def kpi_view(ctx: Ctx, kpi: str, period: str | None, grain: Grain, by: Dimension | None) -> KpiView:
    def build(wh: Warehouse) -> KpiView:
        catalog = catalog_of(ctx, wh)
        spec = catalog.kpi(kpi)
        info = _info(spec)
        cut = by if by is not None else (spec.dimensions[0] if spec.dimensions else None)
        if cut is not None and cut not in spec.dimensions:
            raise DataError(
                f"{kpi} cannot be cut by {cut.value} "
                f"(its dimensions: {', '.join(d.value for d in spec.dimensions) or 'none'})"
            )
        as_of = detect_as_of(wh, catalog, [spec])
        try:
            if as_of is None:
                raise DataError(f"the tables {kpi} reads are empty")
            last = parse_period(period, grain) if period else period_start(as_of, grain)
            start = shift(last, grain, -(TREND_PERIODS - 1))
            table = compute(wh, [kpi], grain, start=start, end=last, catalog=catalog)
        except DataError as exc:
            return KpiView(
                kpi=info,
                grain=grain.value,
                as_of=None,
                period=None,
                series=[],
                breakdown=None,
                chart=None,
                note=f"no data for {spec.label} yet ({exc}): load data with `obeya load`",
            )
        series = [
            KpiPoint(
                period_start=r["period_start"],
                period=period_label(r["period_start"], grain),
                display="-" if r["value"] is None else spec.unit.show(r["value"]),
                **{
                    k: r[k]
                    for k in (
                        "value",
                        "numerator",
                        "denominator",
                        "target",
                        "status",
                        "change_vs_prior",
                        "change_vs_last_year",
                        "reason",
                    )
                },
            )
            for r in table.to_pylist()
        ]
        breakdown = None
        if cut is not None:
            cut_table = compute(wh, [kpi], grain, by=[cut], start=last, end=last, catalog=catalog)
            members = [
                MemberValue(
                    member=r[cut.value],
                    display="-" if r["value"] is None else spec.unit.show(r["value"]),
                    **{k: r[k] for k in ("value", "numerator", "denominator", "target", "status")},
                )
                for r in cut_table.to_pylist()
            ]
            breakdown = Breakdown(by=cut.value, period=period_label(last, grain), members=members)
        return KpiView(
            kpi=info,
            grain=grain.value,
            as_of=as_of,
            period=period_label(last, grain),
            series=series,
            breakdown=breakdown,
            chart=kpi_trend_chart(spec, [p.model_dump() for p in series]),
        )

    return cached(ctx, ("kpi", kpi, period, grain, by), build)


def drill_view(
    ctx: Ctx, kpi: str, period: str, grain: Grain, by: Dimension | None, member: str | None
) -> DrillView:
    limit = ctx.state.settings.drill_max_rows

    def build(wh: Warehouse) -> DrillView:
        d = drill_rows(wh, catalog_of(ctx, wh), kpi, period, grain, by, member, limit=limit)
        return DrillView(
            kpi=d.kpi,
            period=d.period,
            period_start=d.period_start,
            period_end=d.period_end,
            grain=d.grain.value,
            as_of=d.as_of,
            by=d.by.value if d.by else None,
            member=d.member,
            table=d.table_name,
            date_expression=d.date_expression,
            measures=[
                DrillMeasureView(
                    id=m.id,
                    description=m.description,
                    kind=m.kind.value,
                    column=m.column,
                    total=m.total,
                )
                for m in d.measures
            ],
            notes=list(d.notes),
            rows=table_view(d.rows, d.total_rows, d.truncated),
        )

    return cached(ctx, ("drill", kpi, period, grain, by, member), build)


def part() -> Part:
    router = APIRouter()

    @router.get(
        "/api/v1/kpis", response_model=list[KpiInfo], tags=["kpis"], summary="The KPI catalog"
    )
    def api_kpis(ctx: Ctx = AS_VIEWER) -> list[KpiInfo]:
        return kpi_list(ctx)

    @router.get(
        "/api/v1/kpis/{kpi}",
        response_model=KpiView,
        tags=["kpis"],
        summary="One KPI: trend, target and breakdown",
    )
    def api_kpi(
        kpi: str = KpiId,
        period: str | None = PeriodQuery,
        grain: Grain = Grain.MONTH,
        by: Dimension | None = None,
        ctx: Ctx = AS_VIEWER,
    ) -> KpiView:
        return kpi_view(ctx, kpi, form_period(period), grain, by)

    @router.get(
        "/api/v1/kpis/{kpi}/rows",
        response_model=DrillView,
        tags=["kpis"],
        summary="The rows behind one KPI figure",
    )
    def api_rows(
        kpi: str = KpiId,
        period: str = Query(
            ..., max_length=10, pattern=r"^\d{4}(-(\d{2}|W\d{2}|Q[1-4]|\d{2}-\d{2}))?$"
        ),
        grain: Grain = Grain.MONTH,
        by: Dimension | None = None,
        member: str | None = Query(None, max_length=200),
        ctx: Ctx = AS_VIEWER,
    ) -> DrillView:
        return drill_view(ctx, kpi, period, grain, by, member)

    @router.put(
        "/api/v1/kpis/{kpi}/target",
        response_model=KpiInfo,
        tags=["kpis"],
        summary="Set a KPI's company-wide target (admin)",
    )
    def api_target(edit: TargetEdit, kpi: str = KpiId, ctx: Ctx = AS_ADMIN) -> KpiInfo:
        return _edit_target(ctx, kpi, edit)

    @router.get("/kpis", include_in_schema=False)
    def page_kpis(ctx: Ctx = AS_VIEWER) -> HTMLResponse:
        return render(ctx, "kpis.html", title="KPIs", kpis=kpi_list(ctx))

    @router.get("/kpis/{kpi}", include_in_schema=False)
    def page_kpi(
        kpi: str = KpiId,
        period: str | None = PeriodQuery,
        grain: Grain = Grain.MONTH,
        by: str | None = Query(None, max_length=20),
        ctx: Ctx = AS_VIEWER,
    ) -> HTMLResponse:
        view = kpi_view(ctx, kpi, form_period(period), grain, form_dimension(by))
        return render(
            ctx,
            "kpi.html",
            title=view.kpi.label,
            view=view,
            grains=[g.value for g in Grain],
            can_edit=ctx.user.role.allows(Role.ADMIN),
        )

    @router.get("/kpis/{kpi}/rows", include_in_schema=False)
    def page_rows(
        kpi: str = KpiId,
        period: str = Query(..., max_length=10),
        grain: Grain = Grain.MONTH,
        by: str | None = Query(None, max_length=20),
        member: str | None = Query(None, max_length=200),
        ctx: Ctx = AS_VIEWER,
    ) -> HTMLResponse:
        view = drill_view(ctx, kpi, period, grain, form_dimension(by), member or None)
        return render(ctx, "drill.html", title=f"{kpi} {view.period}: rows", view=view)

    @router.post("/kpis/{kpi}/target", include_in_schema=False)
    def page_target(
        kpi: str = KpiId,
        value: float = Form(...),
        red: float = Form(...),
        amber: str = Form(""),
        ctx: Ctx = AS_ADMIN,
    ) -> RedirectResponse:
        edit = TargetEdit(value=value, red=red, amber=float(amber) if amber.strip() else None)
        _edit_target(ctx, kpi, edit)
        return RedirectResponse(f"/kpis/{kpi}", status_code=303)

    return Part(
        "kpis",
        router,
        (NavItem("KPIs", "/kpis", Role.VIEWER, 20),),
        "The KPI catalog, each KPI's trend, breakdown and drill-down.",
    )


def _edit_target(ctx: Ctx, kpi: str, edit: TargetEdit) -> KpiInfo:
    with ctx.state.gate.read() as wh:
        catalog = catalog_of(ctx, wh)
        spec = catalog.kpi(kpi)
    path = write_target(ctx.state.settings.warehouse_url, spec, edit)
    ctx.state.data_changed()
    ctx.audit(
        "target.edit",
        kpi,
        f"value={edit.value} amber={edit.amber} red={edit.red} in {path.name}",
    )
    with ctx.state.gate.read() as wh:
        return _info(catalog_of(ctx, wh).kpi(kpi))
