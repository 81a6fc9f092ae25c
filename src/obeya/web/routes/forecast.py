"""Forecast and inventory: the stored forecast runs (``obeya forecast``), run a new one
(analysts), and the inventory policy and projection the forecast drives.

The forecast page reads the latest run (or the one asked for) through the demand
package's readers of stored runs (:func:`obeya.demand.stored_runs`,
:func:`~obeya.demand.run_info`, :func:`~obeya.demand.stored_forecast` and
:func:`~obeya.demand.stored_forecast_totals`), so "the latest run" and "the figure to
plan with" (a planner's override where one applies, else the statistical forecast)
are those every other part of obeya uses. The totals carry no interval: the
quantile of a sum is not the sum of the quantiles. The policy is :func:`obeya.inventory.plan_policy`
over :func:`obeya.inventory.read_series_inputs`, summed by site or class, and the
outlook is :func:`obeya.inventory.inventory_outlook` (projected stock-outs and excess).
Analysts override one SKU x site x period of a run from the page (the rules and the
API are in :mod:`obeya.web.routes.overrides`); the page lists the run's overrides.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import pyarrow.compute as pc
from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import Field

from obeya.demand.overrides import OverridesRefused
from obeya.demand.stored import (
    RunInfo,
    run_info,
    stored_forecast,
    stored_forecast_totals,
    stored_runs,
)
from obeya.errors import ObeyaError, WarehouseError
from obeya.warehouse import Warehouse
from obeya.web.auth import Role
from obeya.web.charts import line_chart
from obeya.web.context import AS_ANALYST, AS_VIEWER, Ctx
from obeya.web.errors import ApiError
from obeya.web.registry import NavItem, Part
from obeya.web.render import render
from obeya.web.routes._common import TableView, UtcDatetime, View, cached, table_view
from obeya.web.routes.overrides import (
    RUN_PATTERN,
    OverrideEntry,
    add_override_routes,
    list_overrides,
    record_override,
    refusal_lines,
)

__all__ = ["ForecastView", "PolicyView", "part"]

NO_RUN = "no forecast run yet: run `obeya forecast run` (or, as an analyst, run one here)"
PAGE_OVERRIDES = 200  # overrides listed on the page (the API gives more)
PAGE_ROWS = 500  # SKU x site x period rows shown (the CLI's `obeya forecast show` gives all)


class RunView(View):
    run_id: str
    created_at: UtcDatetime | None  # None only in a run row written by hand
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


def _run_view(info: RunInfo) -> RunView:
    return RunView(
        run_id=info.run_id,
        created_at=info.created_at,
        grain=info.grain,
        horizon=info.horizon,
        as_of=info.as_of,
    )


def _chosen_run(wh: Warehouse, runs: list[RunView], run_id: str | None) -> RunView:
    """The run asked for, else the latest (the first of :func:`stored_runs`); 404 if unknown."""
    if run_id is None:
        return runs[0]
    try:
        return _run_view(run_info(wh, run_id))
    except WarehouseError as exc:  # names the latest runs
        raise ApiError(404, str(exc)) from exc


def _rows(wh: Warehouse, run_id: str) -> TableView:
    """The first :data:`PAGE_ROWS` SKU x site x period rows, each saying if an override applied.

    ``forecast`` is the figure to plan with and ``statistical`` the model's; where they
    differ a planner's override set the figure (``override`` true).
    """
    rows = stored_forecast(wh, run_id)
    total = int(rows.count().to_pyarrow().as_py())
    shown = rows.limit(PAGE_ROWS).to_pyarrow()
    plan, model = shown.column("forecast"), shown.column("statistical")
    both = pc.and_(pc.is_valid(plan), pc.is_valid(model))
    # differs, a null being unlike any number (an override of a missing forecast)
    flagged = pc.if_else(
        both, pc.not_equal(plan, model), pc.not_equal(pc.is_valid(plan), pc.is_valid(model))
    )
    at = shown.column_names.index("statistical") + 1
    return table_view(shown.add_column(at, "override", flagged), total, total > PAGE_ROWS)


def forecast_view(ctx: Ctx, run_id: str | None) -> ForecastView:
    def build(wh: Warehouse) -> ForecastView:
        runs = [_run_view(info) for info in stored_runs(wh)]
        if not runs:
            return ForecastView(
                runs=[], run=None, totals=None, by_site=None, rows=None, chart=None, note=NO_RUN
            )
        run = _chosen_run(wh, runs, run_id)
        # sums of the figure to plan with over every SKU x site; no band (see the module)
        totals = stored_forecast(wh, run.run_id, level="total").to_pyarrow()
        by_site = stored_forecast_totals(wh, run.run_id, level="site").to_pyarrow()
        points = [
            {"period": str(r["period_start"]), "measure": m, "units": r[m]}
            for r in totals.to_pylist()
            for m in ("forecast", "statistical")
        ]
        return ForecastView(
            runs=runs,
            run=run,
            totals=table_view(totals),
            by_site=table_view(by_site),
            rows=_rows(wh, run.run_id),
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
        view = _run_view(run_info(wh, run.run_id))
    ctx.state.data_changed()
    ctx.audit("forecast.run", run.run_id, f"grain {request.grain}, horizon {request.horizon}")
    return view


def forecast_page(
    ctx: Ctx,
    run_id: str | None,
    by: PolicyBy,
    *,
    status: int = 200,
    entry: OverrideEntry | None = None,
    problems: list[str] | None = None,
) -> HTMLResponse:
    """The forecast page: the run, its overrides (and the override form), the policy."""
    view = forecast_view(ctx, run_id)
    overrides = list_overrides(ctx, view.run.run_id, PAGE_OVERRIDES) if view.run else []
    return render(
        ctx,
        "forecast.html",
        status=status,
        title="Forecast and inventory",
        view=view,
        policy=policy_view(ctx, by),
        can_run=ctx.user.role.allows(Role.ANALYST),
        overrides=overrides,
        overrides_shown=PAGE_OVERRIDES,
        override_form=entry or OverrideEntry(),
        override_problems=problems or [],
    )


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

    add_override_routes(router)

    @router.get("/forecast", include_in_schema=False)
    def page_forecast(
        run: str | None = Query(None, pattern=r"^([0-9a-f]{1,32})?$"),
        by: PolicyBy = PolicyBy.SITE,
        ctx: Ctx = AS_VIEWER,
    ) -> HTMLResponse:
        return forecast_page(ctx, run or None, by)

    @router.post("/forecast/run", include_in_schema=False)
    def page_run(
        grain: str = Form("week", pattern="^(week|month)$"),
        horizon: int = Form(13, ge=1, le=104),
        ctx: Ctx = AS_ANALYST,
    ) -> RedirectResponse:
        run = run_forecast_now(ctx, ForecastRequest(grain=grain, horizon=horizon))
        return RedirectResponse(f"/forecast?run={run.run_id}", status_code=303)

    @router.post("/forecast/overrides", include_in_schema=False)
    def page_override(
        run: str = Form(..., pattern=RUN_PATTERN),
        sku: str = Form("", max_length=64),
        site_id: str = Form("", max_length=64),
        period: str = Form("", max_length=32),
        kind: str = Form("percent", max_length=16),
        amount: str = Form("", max_length=64),
        why: str = Form("", max_length=1000),
        ctx: Ctx = AS_ANALYST,
    ) -> Response:
        entry = OverrideEntry(sku, site_id, period, kind, amount, why)
        try:
            record_override(ctx, run, entry)
        except OverridesRefused as exc:
            # the page again, with what was typed and every broken rule; nothing written
            return forecast_page(
                ctx, run, PolicyBy.SITE, status=422, entry=entry, problems=refusal_lines(exc)
            )
        return RedirectResponse(f"/forecast?run={run}#overrides", status_code=303)

    return Part(
        "forecast",
        router,
        (NavItem("Forecast", "/forecast", Role.VIEWER, 30),),
        "Forecast runs, inventory policy and projection.",
    )
