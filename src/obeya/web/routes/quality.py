"""SPC charts from the warehouse: p and np charts of inspection defectives per day or
week (cut by site, SKU or supplier), and X-bar/R and I-MR charts of a measured
characteristic (quality_samples), with Western Electric or Nelson run rules."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse

from obeya.errors import DataError, ObeyaError
from obeya.warehouse import Warehouse
from obeya.web.auth import Role
from obeya.web.context import AS_VIEWER, Ctx
from obeya.web.registry import NavItem, Part
from obeya.web.render import render
from obeya.web.routes._common import TableView, View, cached, table_view

__all__ = ["SpcView", "part"]


class SpcChartChoice(StrEnum):
    P = "p"
    NP = "np"
    XBAR_R = "xbar-r"
    IMR = "imr"

    @property
    def attribute(self) -> bool:
        return self in (SpcChartChoice.P, SpcChartChoice.NP)


class SpcGrain(StrEnum):
    DAY = "day"
    WEEK = "week"


class RulesChoice(StrEnum):
    WESTERN_ELECTRIC = "western_electric"
    NELSON = "nelson"


class SpcView(View):
    chart: str
    source: str
    heading: str | None
    limits: TableView | None
    signals: list[str]
    points: TableView | None
    spec: dict[str, Any] | None
    note: str | None = None


def spc_view(
    ctx: Ctx,
    chart: SpcChartChoice,
    grain: SpcGrain,
    rules: RulesChoice,
    site: str | None,
    characteristic: str | None,
) -> SpcView:
    def build(wh: Warehouse) -> SpcView:
        import pyarrow as pa

        from obeya import quality as q

        source = ""
        try:
            if chart.attribute:
                cut = q.InspectionCut(site=site)
                source = f"inspections per {grain.value} ({cut.describe()})"
                table = q.inspection_subgroups(wh, q.SubgroupGrain(grain.value), cut)
                frame = table.to_pandas()
            else:
                if not characteristic:
                    raise DataError(
                        f"a {chart.value} chart needs a characteristic: give its id "
                        "(from the characteristics table)"
                    )
                q.read_characteristic(wh, characteristic)
                source = f"characteristic {characteristic}"
                frame = q.characteristic_samples(wh, characteristic).to_pandas()
            if len(q.subgroup_labels(frame["subgroup"].tolist())) < 2:
                raise DataError(f"{source}: fewer than 2 subgroups; a control chart needs 20 to 25")
            common: dict[str, Any] = {"rule_set": q.RuleSet(rules.value)}
            match chart:
                case SpcChartChoice.P:
                    result = q.p_chart(frame, defectives="defectives", size="inspected", **common)
                case SpcChartChoice.NP:
                    result = q.np_chart(frame, defectives="defectives", size="inspected", **common)
                case SpcChartChoice.XBAR_R:
                    result = q.xbar_r_chart(frame, **common)
                case SpcChartChoice.IMR:
                    result = q.imr_chart(frame, **common)
        except ObeyaError as exc:
            return SpcView(
                chart=chart.value,
                source=source,
                heading=None,
                limits=None,
                signals=[],
                points=None,
                spec=None,
                note=f"no chart: {exc}",
            )
        points = result.to_dict()["points"]
        return SpcView(
            chart=chart.value,
            source=source,
            heading=q.chart_heading(result, source),
            limits=table_view(q.limit_rows(result)),
            signals=[line.removeprefix("- ") for line in q.signal_lines(result)],
            points=table_view(pa.table(points)) if points else None,
            spec=q.spc_chart_spec(result).to_dict(),
        )

    return cached(ctx, ("spc", chart, grain, rules, site, characteristic), build)


def part() -> Part:
    router = APIRouter()

    @router.get(
        "/api/v1/spc",
        response_model=SpcView,
        tags=["quality"],
        summary="A control chart with limits, run rules and signals",
    )
    def api_spc(
        chart: SpcChartChoice = SpcChartChoice.P,
        grain: SpcGrain = SpcGrain.DAY,
        rules: RulesChoice = RulesChoice.WESTERN_ELECTRIC,
        site: str | None = Query(None, max_length=64),
        characteristic: str | None = Query(None, max_length=64),
        ctx: Ctx = AS_VIEWER,
    ) -> SpcView:
        return spc_view(ctx, chart, grain, rules, site or None, characteristic or None)

    @router.get("/spc", include_in_schema=False)
    def page_spc(
        chart: SpcChartChoice = SpcChartChoice.P,
        grain: SpcGrain = SpcGrain.DAY,
        rules: RulesChoice = RulesChoice.WESTERN_ELECTRIC,
        site: str | None = Query(None, max_length=64),
        characteristic: str | None = Query(None, max_length=64),
        ctx: Ctx = AS_VIEWER,
    ) -> HTMLResponse:
        view = spc_view(ctx, chart, grain, rules, site or None, characteristic or None)
        return render(
            ctx,
            "spc.html",
            title="SPC",
            view=view,
            site=site or "",
            characteristic=characteristic or "",
            grain=grain.value,
            rules=rules.value,
            charts=[c.value for c in SpcChartChoice],
            grains=[g.value for g in SpcGrain],
            rule_sets=[r.value for r in RulesChoice],
        )

    @router.get("/spc/{characteristic}", include_in_schema=False)
    def page_characteristic(
        characteristic: str = Path(pattern=r"^[A-Za-z0-9_.-]{1,64}$"),
        chart: SpcChartChoice = SpcChartChoice.XBAR_R,
        rules: RulesChoice = RulesChoice.WESTERN_ELECTRIC,
        ctx: Ctx = AS_VIEWER,
    ) -> HTMLResponse:
        return page_spc(chart, SpcGrain.DAY, rules, None, characteristic, ctx)

    return Part(
        "quality",
        router,
        (NavItem("SPC", "/spc", Role.VIEWER, 55),),
        "Control charts of inspections and measured characteristics.",
    )
