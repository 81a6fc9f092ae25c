"""Money and forecast sections: the P&L against budget, forecast accuracy.

* **P&L**: :func:`obeya.finance.pnl` for the month of the period (for a weekly
  briefing, the month holding the period's last day seen) and year to date, against
  the budget (or last year when the month has no budget). The waterfall walks from
  the comparison's operating income through each line's effect on profit (revenue
  variance, minus each cost line's variance) to the actual operating income: the
  steps add up to the gap exactly. The gross margin bridge against the sales budget
  (:func:`obeya.finance.bridge_from_orders`) splits the margin into volume, mix,
  price and cost.
* **Forecast accuracy**: the latest stored forecast run made before the period
  (:func:`obeya.demand.latest_run_before`: ``as_of`` before its first day), its
  forecasts for the periods that start inside the review period
  (:func:`obeya.demand.stored_forecast_totals` per SKU x site) against the order lines
  ordered then (quantity ordered, cancelled lines left out): WAPE and bias
  (:func:`obeya.demand.wape`, :func:`obeya.demand.bias`).
"""

from __future__ import annotations

from datetime import timedelta

import ibis
import numpy as np
import pyarrow.compute as pc

from obeya.demand import bias, latest_run_before, latest_run_id, stored_forecast_totals, wape
from obeya.errors import ObeyaError
from obeya.finance import (
    BridgeBy,
    Comparison,
    Favourability,
    PnlLine,
    PnlLineCode,
    PnlMode,
    PnlReport,
    bridge_from_orders,
    pnl,
)
from obeya.metrics.periods import Grain
from obeya.review import charts
from obeya.review.context import Context
from obeya.review.model import Fact, Finding, Presence, Section, SectionKind, Tone
from obeya.review.narrative import money, pct, signed_money

__all__ = ["LINE_LABELS", "PnlEvidence", "forecast_section", "pnl_section"]

PNL_TITLE = "P&L against budget"
FORECAST_TITLE = "Forecast accuracy"
LINE_LABELS: dict[PnlLineCode, str] = {
    PnlLineCode.REVENUE: "Revenue",
    PnlLineCode.COGS_MATERIAL: "Material",
    PnlLineCode.COGS_LABOR: "Direct labour",
    PnlLineCode.COGS_OVERHEAD: "Overhead",
    PnlLineCode.GROSS_MARGIN: "Gross margin",
    PnlLineCode.FREIGHT: "Freight",
    PnlLineCode.WAREHOUSING: "Warehousing",
    PnlLineCode.SGA: "SG&A",
    PnlLineCode.OTHER: "Other",
    PnlLineCode.OPERATING_INCOME: "Operating income",
}
_TONE = {
    Favourability.FAVOURABLE: Tone.GOOD,
    Favourability.UNFAVOURABLE: Tone.BAD,
    Favourability.ON_PLAN: Tone.NEUTRAL,
}
_STEPS = tuple(
    c for c in PnlLineCode if c not in (PnlLineCode.GROSS_MARGIN, PnlLineCode.OPERATING_INCOME)
)


class PnlEvidence:
    """The month and year-to-date reports (company and sites) the actions read."""

    def __init__(self, month: PnlReport, ytd: PnlReport) -> None:
        self.month = month
        self.ytd = ytd


def profit_effect(line: PnlLine) -> float:
    """The line's variance as its effect on operating income (costs count negative)."""
    return line.variance if line.line.higher_is_better else -line.variance


def _empty(report: PnlReport) -> bool:
    return all(ln.actual == 0 for ln in report.total())


def _report(ctx: Context, mode: PnlMode, comparison: Comparison) -> PnlReport:
    return pnl(ctx.wh.ibis, ctx.month, mode, comparison=comparison, by_site=True)


def _line_text(line: PnlLine, comparison: str, currency: str) -> str:
    way = "over" if line.variance > 0 else "under"
    share = f" ({pct(abs(line.variance_pct))})" if line.variance_pct is not None else ""
    return f"{LINE_LABELS[line.line].lower()} {money(line.variance, currency)}{share} {way} {comparison}"


def _bridge_finding(ctx: Context, notes: list[str]) -> Finding | None:
    """The gross margin bridge against the sales budget, or a note why there is none."""
    cur = ctx.settings.currency
    try:
        bridge = bridge_from_orders(
            ctx.wh, ctx.month, PnlMode.MONTH, comparison=Comparison.BUDGET, by=BridgeBy.FAMILY
        )
    except ObeyaError as exc:
        notes.append(f"No gross margin bridge: {exc}")
        return None
    b = bridge.bridge
    if b.comparison_total == 0:
        notes.append(f"No gross margin bridge: the sales budget has no rows for {ctx.month}.")
        return None
    effects = "; ".join(f"{e.value} {signed_money(v, cur)}" for e, v in b.effects.items() if v != 0)
    source = f"finance.bridge_from_orders {ctx.month} by family"
    return Finding(
        f"Gross margin from the order lines shipped in {ctx.month}: "
        f"{money(b.actual_total, cur)} against {money(b.comparison_total, cur)} in the sales "
        f"budget ({effects}).",
        tuple(
            Fact(f"gross margin {e.value} effect", v, signed_money(v, cur), source)
            for e, v in b.effects.items()
        ),
    )


def pnl_section(ctx: Context) -> tuple[Section, PnlEvidence | None]:
    cur = ctx.settings.currency
    month = _report(ctx, PnlMode.MONTH, Comparison.BUDGET)
    if _empty(month):
        return Section.absent(
            SectionKind.PNL, PNL_TITLE, f"the ledger (gl_actuals) has no amounts for {ctx.month}"
        ), None
    notes: list[str] = []
    if ctx.grain is Grain.WEEK:
        notes.append(
            f"The ledger is monthly: the figures are those of {ctx.month}, the month of the week's last day."
        )
    comparison = Comparison.BUDGET
    if all(ln.comparison == 0 for ln in month.total()):
        comparison = Comparison.LAST_YEAR
        month = _report(ctx, PnlMode.MONTH, comparison)
        notes.append(f"The budget has no amounts for {ctx.month}; the P&L compares with last year.")
    word = "budget" if comparison is Comparison.BUDGET else "last year"
    ytd = _report(ctx, PnlMode.YTD, comparison)
    oi = month.line(PnlLineCode.OPERATING_INCOME)
    oi_ytd = ytd.line(PnlLineCode.OPERATING_INCOME)
    source = f"finance.pnl {ctx.month} against {word}"
    adverse = sorted(
        (
            ln
            for ln in month.total()
            if ln.line in _STEPS and ln.favourability is Favourability.UNFAVOURABLE
        ),
        key=lambda ln: (-abs(ln.variance), ln.line.value),
    )[:3]
    direction = "above" if oi.variance >= 0 else "below"
    headline = (
        f"Operating income in {ctx.month} was {money(oi.actual, cur)}, {money(oi.variance, cur)}"
        + (f" ({pct(abs(oi.variance_pct))})" if oi.variance_pct is not None else "")
        + f" {direction} {word}"
    )
    if adverse:
        headline += "; " + ", ".join(_line_text(ln, word, cur) for ln in adverse)
    headline += f". Year to date: {money(oi_ytd.actual, cur)}, {signed_money(oi_ytd.variance, cur)} against {word}."
    ytd_source = f"finance.pnl ytd {ctx.month} against {word}"
    facts = (
        *(
            Fact(
                f"{LINE_LABELS[ln.line]} {ctx.month}",
                ln.actual,
                f"{money(ln.actual, cur)} ({signed_money(ln.variance, cur)})",
                source,
                _TONE[ln.favourability],
            )
            for ln in month.total()
        ),
        Fact("Operating income YTD", oi_ytd.actual, money(oi_ytd.actual, cur), ytd_source),
        Fact(
            "Operating income YTD variance",
            oi_ytd.variance,
            signed_money(oi_ytd.variance, cur),
            ytd_source,
        ),
    )
    steps = [
        (LINE_LABELS[ln.line], profit_effect(ln))
        for ln in month.total()
        if ln.line in _STEPS and ln.variance != 0
    ]
    chart = charts.waterfall(
        word.capitalize(),
        oi.comparison,
        steps,
        "Actual",
        oi.actual,
        f"Operating income {ctx.month}: {word} to actual",
    )
    bridge = _bridge_finding(ctx, notes) if comparison is Comparison.BUDGET else None
    findings = (bridge,) if bridge is not None else ()
    return (
        Section(
            SectionKind.PNL,
            PNL_TITLE,
            Presence.PRESENT,
            headline=headline,
            facts=facts,
            findings=findings,
            chart=chart,
            notes=tuple(notes),
        ),
        PnlEvidence(month, ytd),
    )


def forecast_section(ctx: Context) -> Section:
    """Forecast accuracy of the latest run made before the period, read through
    :mod:`obeya.demand.stored` (the one reader of stored forecasts)."""
    run = latest_run_before(ctx.wh, ctx.start)
    if run is None:
        why = (
            "no forecast run in the warehouse: run a forecast first"
            if latest_run_id(ctx.wh) is None
            else f"no forecast run was made before {ctx.start}"
        )
        return Section.absent(SectionKind.FORECAST, FORECAST_TITLE, why)
    last = min(ctx.end, ctx.as_of)
    totals = stored_forecast_totals(ctx.wh, run.run_id, start=ctx.start, end=last).to_pyarrow()
    if totals.num_rows == 0:
        return Section.absent(
            SectionKind.FORECAST,
            FORECAST_TITLE,
            f"forecast run {run.run_id} has no forecast for periods starting in {ctx.label}",
        )
    forecast = totals.select(["sku", "site_id", "forecast"]).to_pandas()
    first_start = pc.min(totals.column("first_period")).as_py()
    last_start = pc.max(totals.column("last_period")).as_py()
    grain_days = {"day": 1, "week": 7}.get(run.grain)
    span_end = last_start + timedelta(days=grain_days - 1) if grain_days else ctx.end
    ol = ctx.wh.table("order_lines")
    lines = ol.filter(
        ol.status != "cancelled",
        ol.order_date >= ibis.date(first_start),
        ol.order_date <= ibis.date(min(span_end, last)),
    )
    actual = (
        lines.group_by(["sku", "site_id"]).aggregate(actual=lines.qty_ordered.sum()).to_pandas()
    )
    both = forecast.merge(actual, on=["sku", "site_id"], how="outer").fillna(0.0)
    a = both["actual"].to_numpy(np.float64)
    f = both["forecast"].to_numpy(np.float64)
    w, b = wape(a, f), bias(a, f)
    if not np.isfinite(w):
        return Section.absent(
            SectionKind.FORECAST,
            FORECAST_TITLE,
            f"no demand was ordered in {ctx.label} to compare with",
        )
    source = f"forecast run {run.run_id} against order_lines {ctx.label}"
    way = "over" if b > 0 else "under"
    headline = (
        f"Forecast run {run.run_id} (as of {run.as_of}) missed {ctx.label} demand by a WAPE of "
        f"{pct(w)} over {len(both):,} SKU x site series, {pct(abs(b))} {way} the {a.sum():,.0f} units ordered."
    )
    facts = (
        Fact("WAPE", w, pct(w), source, Tone.NEUTRAL),
        Fact("bias", b, ("+" if b > 0 else "-") + pct(abs(b)), source),
        Fact("units ordered", float(a.sum()), f"{a.sum():,.0f}", "order_lines"),
        Fact("units forecast", float(f.sum()), f"{f.sum():,.0f}", source),
    )
    return Section(
        SectionKind.FORECAST, FORECAST_TITLE, Presence.PRESENT, headline=headline, facts=facts
    )
