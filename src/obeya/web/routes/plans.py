"""Capacity and plans, and scenarios side by side.

Capacity is the rough-cut load of the demand (the latest forecast run, or trailing
order-line demand) on every resource against its available hours
(:func:`obeya.planning.capacity_plan.capacity_plan`). Scenarios are the stored
what-ifs of ``obeya scenario`` (tables ``scenarios`` and ``scenario_results``):
analysts create one from a YAML of drivers and run it (the base is re-run beside it,
as the CLI does); everyone compares their stored results side by side.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Form, Path, Query
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import Field

from obeya.errors import ObeyaError, SpecError
from obeya.warehouse import Warehouse
from obeya.web.auth import Role
from obeya.web.charts import line_chart
from obeya.web.context import AS_ANALYST, AS_VIEWER, Ctx
from obeya.web.registry import NavItem, Part
from obeya.web.render import render
from obeya.web.routes._common import TableView, UtcDatetime, View, cached, frame_view

__all__ = ["CapacityView", "ComparisonView", "ScenarioView", "part"]

ScenarioName = Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", description="A scenario name.")
NO_SCENARIOS = (
    "no scenario yet: create one below or with `obeya scenario new NAME --from FILE.yaml`"
)


class CapacityView(View):
    grain: str
    demand_source: str | None
    run_id: str | None
    peak_utilisation: float | None
    mean_utilisation: float | None
    bottleneck: str | None
    bottlenecks: TableView | None
    overloaded: TableView | None
    load: TableView | None
    chart: dict[str, Any] | None
    note: str | None = None


class ScenarioView(View):
    name: str
    created_at: UtcDatetime | None
    status: str
    ran_at: UtcDatetime | None
    drivers: int
    description: str | None


class ComparisonRow(View):
    metric: str
    unit: str
    values: dict[str, float | None]


class ComparisonView(View):
    names: list[str]
    rows: list[ComparisonRow]
    missing: list[str]


class NewScenario(View):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    spec_yaml: str = Field(default="drivers: []\n", max_length=100_000)
    replace: bool = False


def capacity_view(ctx: Ctx, grain: str) -> CapacityView:
    def build(wh: Warehouse) -> CapacityView:
        from obeya.planning.calendar_spec import load_calendar
        from obeya.planning.capacity import PeriodGrain
        from obeya.planning.capacity_plan import capacity_plan
        from obeya.planning.demand_input import read_demand
        from obeya.planning.warehouse_facts import read_resources, read_routings

        try:
            basis = read_demand(wh)
            frame = basis.periods(PeriodGrain(grain), horizon=None if basis.run_id else 12)
            result = capacity_plan(
                frame, read_routings(wh), read_resources(wh), load_calendar(None)
            )
        except ObeyaError as exc:
            return CapacityView(
                grain=grain,
                demand_source=None,
                run_id=None,
                peak_utilisation=None,
                mean_utilisation=None,
                bottleneck=None,
                bottlenecks=None,
                overloaded=None,
                load=None,
                chart=None,
                note=f"no capacity picture: {exc}",
            )
        r = result.report
        load = r.load.drop(columns=["period_start"])
        # utilisation per period of the five worst resources (the bottleneck ranking)
        worst = r.bottlenecks.sort_values("rank")["resource_id"].head(5).tolist()
        top = r.load[r.load["resource_id"].isin(worst)]
        chart_rows = [
            {"period": p, "resource": res, "utilisation": u}
            for p, res, u in top[["period", "resource_id", "utilisation"]].itertuples(
                index=False, name=None
            )
        ]
        return CapacityView(
            grain=grain,
            demand_source=frame.source.value,
            run_id=frame.run_id,
            peak_utilisation=_finite(result.peak_utilisation),
            mean_utilisation=_finite(result.mean_utilisation),
            bottleneck=result.bottleneck,
            bottlenecks=frame_view(r.bottlenecks),
            overloaded=frame_view(r.overloaded.drop(columns=["period_start"]), 500),
            load=frame_view(load, 1000),
            chart=line_chart(chart_rows, "period", "utilisation", "resource", "utilisation")
            if chart_rows
            else None,
        )

    return cached(ctx, ("capacity", grain), build)


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _has_scenarios(wh: Warehouse) -> bool:
    return "scenarios" in wh.existing_tables()


def scenario_list(ctx: Ctx) -> list[ScenarioView]:
    from obeya.planning.scenario_store import list_scenarios

    with ctx.state.gate.read() as wh:
        if not _has_scenarios(wh):
            return []
    with ctx.state.gate.write() as wh:  # the store creates its tables on first use
        table = list_scenarios(wh)
    return [ScenarioView.model_validate(r) for r in table.to_pylist()]


def compare(ctx: Ctx, names: list[str]) -> ComparisonView:
    from obeya.planning.scenario_store import BASE, read_results
    from obeya.planning.scenarios import compare_results

    wanted = [BASE, *dict.fromkeys(n for n in names if n != BASE)]
    with ctx.state.gate.read() as wh:
        if not _has_scenarios(wh):
            raise SpecError(NO_SCENARIOS)
    with ctx.state.gate.write() as wh:
        results = read_results(wh, wanted)
    present = set(results["name"])
    missing = [n for n in wanted if n not in present]
    shown = [n for n in wanted if n in present]
    if not shown:
        return ComparisonView(names=[], rows=[], missing=missing)
    wide = compare_results(results[results["name"].isin(shown)], shown)
    rows = [
        ComparisonRow(
            metric=r["metric"],
            unit=r["unit"],
            values={n: (None if r[n] != r[n] else float(r[n])) for n in shown},
        )
        for r in wide.to_dict(orient="records")
    ]
    return ComparisonView(names=shown, rows=rows, missing=missing)


def create_scenario(ctx: Ctx, body: NewScenario) -> ScenarioView:
    from obeya.planning.scenario_spec import parse_scenario_spec
    from obeya.planning.scenario_store import save_scenario
    from obeya.planning.scenarios import read_references

    try:
        data = yaml.safe_load(body.spec_yaml) or {"drivers": []}
    except yaml.YAMLError as exc:
        raise SpecError(f"scenario {body.name}: the YAML does not parse: {exc}") from None
    with ctx.state.gate.write() as wh:
        spec = parse_scenario_spec(
            data, source=f"scenario {body.name}", references=read_references(wh)
        )
        save_scenario(
            wh,
            body.name,
            spec_yaml=body.spec_yaml,
            spec_json=spec.to_json(),
            description=spec.description,
            replace=body.replace,
        )
    ctx.state.data_changed()
    ctx.audit("scenario.create", body.name, f"{len(spec.drivers)} driver(s)")
    return next(s for s in scenario_list(ctx) if s.name == body.name)


def run_scenario_named(ctx: Ctx, name: str) -> ComparisonView:
    """Run ``name`` and the base with the default planning config, as `obeya scenario run`."""
    from obeya.planning.calendar_spec import load_calendar
    from obeya.planning.planning_config import load_planning_config
    from obeya.planning.scenario_spec import ScenarioSpec, parse_scenario_spec
    from obeya.planning.scenario_store import (
        BASE,
        check_name,
        ensure_base,
        get_scenario,
        save_results,
    )
    from obeya.planning.scenarios import read_references, read_scenario_inputs, run_scenario

    check_name(name)
    with ctx.state.gate.write() as wh:
        stored = get_scenario(wh, name)
        spec = parse_scenario_spec(
            stored.spec_json, source=f"scenario {name}", references=read_references(wh)
        )
        inputs = read_scenario_inputs(wh, load_planning_config(None), load_calendar(None))
        base = run_scenario(inputs, ScenarioSpec(), BASE)
        mine = run_scenario(inputs, spec, name)
        ensure_base(wh)
        save_results(wh, BASE, base.metrics())
        save_results(wh, name, mine.metrics())
    ctx.state.data_changed()
    ctx.audit("scenario.run", name, "with the base")
    return compare(ctx, [name])


def part() -> Part:
    router = APIRouter()

    @router.get(
        "/api/v1/plans/capacity",
        response_model=CapacityView,
        tags=["plans"],
        summary="Rough-cut capacity: load against available hours",
    )
    def api_capacity(
        grain: str = Query("month", pattern="^(week|month)$"), ctx: Ctx = AS_VIEWER
    ) -> CapacityView:
        return capacity_view(ctx, grain)

    @router.get(
        "/api/v1/scenarios",
        response_model=list[ScenarioView],
        tags=["scenarios"],
        summary="Stored scenarios",
    )
    def api_scenarios(ctx: Ctx = AS_VIEWER) -> list[ScenarioView]:
        return scenario_list(ctx)

    @router.get(
        "/api/v1/scenarios/compare",
        response_model=ComparisonView,
        tags=["scenarios"],
        summary="Scenarios side by side with the base",
    )
    def api_compare(
        name: Annotated[list[str], Query(max_length=20)], ctx: Ctx = AS_VIEWER
    ) -> ComparisonView:
        return compare(ctx, name)

    @router.post(
        "/api/v1/scenarios",
        response_model=ScenarioView,
        status_code=201,
        tags=["scenarios"],
        summary="Create a scenario from YAML drivers (analyst)",
    )
    def api_new(body: NewScenario, ctx: Ctx = AS_ANALYST) -> ScenarioView:
        return create_scenario(ctx, body)

    @router.post(
        "/api/v1/scenarios/{name}/run",
        response_model=ComparisonView,
        tags=["scenarios"],
        summary="Run a scenario and the base (analyst)",
    )
    def api_run(name: str = ScenarioName, ctx: Ctx = AS_ANALYST) -> ComparisonView:
        return run_scenario_named(ctx, name)

    @router.get("/plans", include_in_schema=False)
    def page_plans(
        grain: str = Query("month", pattern="^(week|month)$"), ctx: Ctx = AS_VIEWER
    ) -> HTMLResponse:
        return render(ctx, "plans.html", title="Capacity and plans", view=capacity_view(ctx, grain))

    @router.get("/scenarios", include_in_schema=False)
    def page_scenarios(
        name: Annotated[list[str] | None, Query(max_length=20)] = None, ctx: Ctx = AS_VIEWER
    ) -> HTMLResponse:
        scenarios = scenario_list(ctx)
        chosen = name or []
        comparison = compare(ctx, chosen) if chosen and scenarios else None
        return render(
            ctx,
            "scenarios.html",
            title="Scenarios",
            scenarios=scenarios,
            comparison=comparison,
            chosen=chosen,
            note=None if scenarios else NO_SCENARIOS,
            can_run=ctx.user.role.allows(Role.ANALYST),
        )

    @router.post("/scenarios", include_in_schema=False)
    def page_new(
        name: str = Form(..., max_length=64),
        spec_yaml: str = Form("drivers: []\n", max_length=100_000),
        ctx: Ctx = AS_ANALYST,
    ) -> RedirectResponse:
        create_scenario(ctx, NewScenario(name=name, spec_yaml=spec_yaml or "drivers: []\n"))
        return RedirectResponse("/scenarios", status_code=303)

    @router.post("/scenarios/{name}/run", include_in_schema=False)
    def page_run(name: str = ScenarioName, ctx: Ctx = AS_ANALYST) -> RedirectResponse:
        run_scenario_named(ctx, name)
        return RedirectResponse(f"/scenarios?name={name}", status_code=303)

    return Part(
        "plans",
        router,
        (
            NavItem("Capacity", "/plans", Role.VIEWER, 40),
            NavItem("Scenarios", "/scenarios", Role.VIEWER, 45),
        ),
        "Rough-cut capacity and scenarios side by side.",
    )
