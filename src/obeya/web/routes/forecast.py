"""Forecast and inventory: the stored forecast runs (``obeya forecast``), run a new one
(analysts), and the inventory policy and projection the forecast drives.

The forecast page reads the latest run (or the one asked for) from the tables
``forecast_runs`` and ``forecasts``; the policy is :func:`obeya.inventory.plan_policy`
over :func:`obeya.inventory.read_series_inputs`, summed by site or class, and the
outlook is :func:`obeya.inventory.inventory_outlook` (projected stock-outs and excess).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import Field

from obeya.errors import ObeyaError
from obeya.warehouse import Warehouse
from obeya.web.auth import Role
from obeya.web.charts import line_chart
from obeya.web.context import AS_ANALYST, AS_VIEWER, Ctx
from obeya.web.errors import ApiError
from obeya.web.registry import NavItem, Part
from obeya.web.render import render
from obeya.web.routes._common import TableView, UtcDatetime, View, cached, table_view

__all__ = ["ForecastView", "PolicyView", "part"]

NO_RUN = "no forecast run yet: run `obeya forecast run` (or, as an analyst, run one here)"


class RunView(View):
    run_id: str
    created_at: UtcDatetime
    grain: str
    horizon: int
    as_of: Any


class ForecastView(View):
    runs: list[RunView]
    run: RunView | None
    totals: TableView | None
    by_site: TableView | None
    rows: TableView | None
    chart: dict[str, Any] | None
    note: str | None = None


class PolicyBy(StrEnum):
    SITE = "site"
    CLASS = "class"


class PolicyView(View):
    by: str
    summary: TableView | None
    outlook_by_site: TableView | None
    stockouts: TableView | None
    excess: TableView | None
    note: str | None = None


class ForecastRequest(View):
    grain: str = Field(default="week", pattern="^(week|month)$")
    horizon: int = Field(default=13, ge=1, le=104)


def _runs(wh: Warehouse) -> list[RunView]:
    if "forecast_runs" not in wh.existing_tables():
        return []
    table = wh.sql_arrow(
        "SELECT run_id, created_at, grain, horizon, as_of FROM forecast_runs "
        "ORDER BY created_at DESC, run_id"
    )
    return [RunView.model_validate(r) for r in table.to_pylist()]


def forecast_view(ctx: Ctx, run_id: str | None) -> ForecastView:
    def build(wh: Warehouse) -> ForecastView:
        runs = _runs(wh)
        if not runs:
            return ForecastView(
                runs=[], run=None, totals=None, by_site=None, rows=None, chart=None, note=NO_RUN
            )
        run = next((r for r in runs if r.run_id == run_id), None) if run_id else runs[0]
        if run is None:
            known = ", ".join(r.run_id for r in runs[:10])
            raise ApiError(404, f"no forecast run {run_id!r}; runs: {known}")
        totals = wh.sql_arrow(
            "SELECT period_start, sum(forecast) AS forecast, sum(lo80) AS lo80, sum(hi80) AS hi80, "
            "sum(adjusted) AS adjusted FROM forecasts WHERE run_id = ? "
            "GROUP BY period_start ORDER BY period_start",
            [run.run_id],
        )
        by_site = wh.sql_arrow(
            "SELECT site_id, count(DISTINCT sku) AS skus, sum(forecast) AS forecast, "
            "sum(adjusted) AS adjusted FROM forecasts WHERE run_id = ? GROUP BY site_id ORDER BY site_id",
            [run.run_id],
        )
        rows = wh.sql_arrow(
            "SELECT sku, site_id, period_start, model, demand_class, forecast, lo80, hi80, adjusted "
            "FROM forecasts WHERE run_id = ? ORDER BY sku, site_id, period_start LIMIT 500",
            [run.run_id],
        )
        points = [
            {"period": str(r["period_start"]), "measure": m, "units": r[m]}
            for r in totals.to_pylist()
            for m in ("forecast", "lo80", "hi80")
        ]
        return ForecastView(
            runs=runs,
            run=run,
            totals=table_view(totals),
            by_site=table_view(by_site),
            rows=table_view(rows),
            chart=line_chart(points, "period", "units", "measure", "units"),
        )

    return cached(ctx, ("forecast", run_id), build)


def policy_view(ctx: Ctx, by: PolicyBy) -> PolicyView:
    def build(wh: Warehouse) -> PolicyView:
        from obeya import inventory as inv
        from obeya.inventory.planner import GroupBy

        try:
            plan = inv.plan_policy(inv.read_series_inputs(wh))
            summary = inv.plan_summary(plan, GroupBy(by.value))
            outlook = inv.inventory_outlook(wh)
        except ObeyaError as exc:
            return PolicyView(
                by=by.value,
                summary=None,
                outlook_by_site=None,
                stockouts=None,
                excess=None,
                note=f"no inventory policy: {exc}",
            )
        return PolicyView(
            by=by.value,
            summary=table_view(summary),
            outlook_by_site=table_view(outlook.by_site),
            stockouts=table_view(outlook.stockouts),
            excess=table_view(outlook.excess),
        )

    return cached(ctx, ("policy", by), build)


def run_forecast_now(ctx: Ctx, request: ForecastRequest) -> RunView:
    from obeya.demand import run_forecast

    with ctx.state.gate.write() as wh:
        run = run_forecast(wh, grain=request.grain, horizon=request.horizon, n_jobs=1)
        view = next(r for r in _runs(wh) if r.run_id == run.run_id)
    ctx.state.data_changed()
    ctx.audit("forecast.run", run.run_id, f"grain {request.grain}, horizon {request.horizon}")
    return view


def part() -> Part:
    router = APIRouter()

    @router.get(
        "/api/v1/forecasts",
        response_model=ForecastView,
        tags=["forecasts"],
        summary="A forecast run (default: the latest) with its totals",
    )
    def api_forecasts(
        run: str | None = Query(None, pattern=r"^[0-9a-f]{1,32}$"), ctx: Ctx = AS_VIEWER
    ) -> ForecastView:
        return forecast_view(ctx, run)

    @router.post(
        "/api/v1/forecasts",
        response_model=RunView,
        status_code=201,
        tags=["forecasts"],
        summary="Run and store a forecast (analyst)",
    )
    def api_run(body: ForecastRequest, ctx: Ctx = AS_ANALYST) -> RunView:
        return run_forecast_now(ctx, body)

    @router.get(
        "/api/v1/policies",
        response_model=PolicyView,
        tags=["policies"],
        summary="Inventory policy and projection",
    )
    def api_policies(by: PolicyBy = PolicyBy.SITE, ctx: Ctx = AS_VIEWER) -> PolicyView:
        return policy_view(ctx, by)

    @router.get("/forecast", include_in_schema=False)
    def page_forecast(
        run: str | None = Query(None, pattern=r"^([0-9a-f]{1,32})?$"),
        by: PolicyBy = PolicyBy.SITE,
        ctx: Ctx = AS_VIEWER,
    ) -> HTMLResponse:
        return render(
            ctx,
            "forecast.html",
            title="Forecast and inventory",
            view=forecast_view(ctx, run or None),
            policy=policy_view(ctx, by),
            can_run=ctx.user.role.allows(Role.ANALYST),
        )

    @router.post("/forecast/run", include_in_schema=False)
    def page_run(
        grain: str = Form("week", pattern="^(week|month)$"),
        horizon: int = Form(13, ge=1, le=104),
        ctx: Ctx = AS_ANALYST,
    ) -> RedirectResponse:
        run = run_forecast_now(ctx, ForecastRequest(grain=grain, horizon=horizon))
        return RedirectResponse(f"/forecast?run={run.run_id}", status_code=303)

    return Part(
        "forecast",
        router,
        (NavItem("Forecast", "/forecast", Role.VIEWER, 30),),
        "Forecast runs, inventory policy and projection.",
    )
