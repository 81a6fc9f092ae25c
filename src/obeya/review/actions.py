"""Recommended actions: a small catalog of rules over the engines' outputs.

Each rule reads what the sections found (:class:`Evidence`) and proposes actions with
their quantified impact and the facts behind it; no figure is made up:

``carrier_at_site``
    a worsening OTD/OTIF mover driven by one carrier at one site. Lines recovered =
    the cell's lines due x (the other carriers' on-time rate at that site - the
    carrier's); service points = those lines / all lines due; order value = those
    lines x the mean value of a line due at the site in the period.
``supplier_lead_time``
    a supplier whose mean lead time grew by ``lead_time_drift_days`` or more against
    a year earlier. Extra stock = the rise of the reorder point ``d L + k sd_d sqrt(L)``
    (weekly demand of the 26 weeks to the period's end, lead time a year earlier vs
    now, ``k`` for ``service_level``; :func:`obeya.inventory.lead_time_demand_sd`,
    :func:`obeya.inventory.safety_factor`) over the supplier's SKU x site series,
    valued at unit cost.
``capacity_overload``
    a resource above ``capacity_threshold``: hours over capacity x the site's
    production labour cost per line hour run x ``overtime_premium``.
``pnl_variance``
    the largest unfavourable P&L line year to date, and the site that drives it.
``stockout_risk``
    the series projected to run out first, with their revenue at risk.
``process_shift``
    a characteristic with signals on half of its subgroups or more; the impact is
    the expected parts per million out of specification, before and now.

Actions are ranked by money, then by service points.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

import ibis
import numpy as np

from obeya.finance import Favourability, PnlLine, PnlLineCode
from obeya.inventory import InventoryOutlook, ServiceTarget, lead_time_demand_sd, safety_factor
from obeya.metrics import Dimension, Unit
from obeya.review.context import Context
from obeya.review.links import Page
from obeya.review.model import Action, ActionRule, Fact, MoneyKind, Tone
from obeya.review.movers import Mover
from obeya.review.narrative import member_text, money, pct, signed_money
from obeya.review.sections_finance import LINE_LABELS, PnlEvidence
from obeya.review.sections_ops import Hotspot, SupplierIssue
from obeya.review.sections_quality import SpcFinding

__all__ = ["RULES", "Evidence", "propose_actions"]

DEMAND_WEEKS = 26
# the KPI that shows the driver of a P&L line's variance
_LINE_KPI = {
    PnlLineCode.FREIGHT: "freight_cost_per_unit",
    PnlLineCode.COGS_LABOR: "overtime_pct",
    PnlLineCode.WAREHOUSING: "fulfillment_cost_per_unit",
    PnlLineCode.COGS_MATERIAL: "purchase_price_variance",
    PnlLineCode.REVENUE: "units_shipped",
}


@dataclass(frozen=True)
class Evidence:
    """What the sections found, for the rules to read."""

    ctx: Context
    movers: tuple[Mover, ...] = ()
    spc: tuple[SpcFinding, ...] = ()
    outlook: InventoryOutlook | None = None
    hotspots: tuple[Hotspot, ...] = ()
    suppliers: tuple[SupplierIssue, ...] = ()
    pnl: PnlEvidence | None = None


class Rule(Protocol):
    rule: ActionRule

    def propose(self, ev: Evidence) -> list[Action]: ...


def _line_value(ctx: Context, site: str) -> float | None:
    """Mean value (qty ordered x price) of an order line due at ``site`` in the period."""
    ol = ctx.wh.table("order_lines")
    last = min(ctx.end, ctx.as_of)
    due = ol.filter(
        ol.site_id == site,
        ol.status != "cancelled",
        ol.promised_date >= ibis.date(ctx.start),
        ol.promised_date <= ibis.date(last),
    )
    row = (
        due.aggregate(value=(due.qty_ordered * due.unit_price).sum(), lines=due.count())
        .to_pyarrow()
        .to_pylist()[0]
    )
    return float(row["value"]) / int(row["lines"]) if row["lines"] else None


class CarrierAtSite:
    rule = ActionRule.CARRIER_AT_SITE

    def propose(self, ev: Evidence) -> list[Action]:
        ctx, out, seen = ev.ctx, [], set()
        for m in ev.movers:  # a handful of movers
            c = m.cell
            if (
                not m.adverse
                or c is None
                or m.spec.unit is not Unit.RATIO
                or c.first is not Dimension.SITE
                or c.second is not Dimension.CARRIER
                or c.value_1 is None
                or c.rest_value_1 is None
                or c.denominator_1 is None
                or not m.row.denominator
                or c.rest_value_1 <= c.value_1
                or (c.first_member, c.second_member) in seen
            ):
                continue
            seen.add((c.first_member, c.second_member))
            lines = c.denominator_1 * (c.rest_value_1 - c.value_1)
            points = lines / m.row.denominator
            per_line = _line_value(ctx, str(c.first_member))
            value = None if per_line is None else lines * per_line
            site = member_text(Dimension.SITE, c.first_member, ctx.names)
            carrier = member_text(Dimension.CARRIER, c.second_member, ctx.names)
            source = f"metrics.compute {m.spec.id} by site, carrier {ctx.label}"
            evidence = (
                Fact(
                    f"{m.name} of {c.second_member} at {c.first_member}",
                    c.value_1,
                    m.spec.unit.show(c.value_1),
                    source,
                    Tone.BAD,
                ),
                Fact(
                    f"{m.name} of the other carriers at {c.first_member}",
                    c.rest_value_1,
                    m.spec.unit.show(c.rest_value_1),
                    source,
                ),
                Fact(
                    f"lines due with {c.second_member} at {c.first_member}",
                    c.denominator_1,
                    f"{c.denominator_1:,.0f}",
                    source,
                ),
                Fact("lines recovered", lines, f"{lines:,.0f}", "review.actions"),
            ) + (
                (
                    Fact(
                        "mean value of a line due",
                        per_line,
                        money(per_line, ctx.settings.currency),
                        "order_lines",
                    ),
                )
                if per_line
                else ()
            )
            impact = (
                f"If {c.second_member} matched the other carriers at {c.first_member} "
                f"({m.spec.unit.show(c.rest_value_1)}), {lines:,.0f} more lines would have been on time: "
                f"+{points * 100:.1f} pts of company {m.name}"
                + (
                    f", {money(value, ctx.settings.currency)} of order value"
                    if value is not None
                    else ""
                )
            )
            out.append(
                Action(
                    self.rule,
                    f"Review {carrier} at {site}",
                    m.sentence,
                    impact + ".",
                    value,
                    MoneyKind.REVENUE if value is not None else None,
                    points * 100,
                    evidence,
                    ctx.kpi_link(m.spec.id, Dimension.SITE, str(c.first_member)),
                )
            )
        return out


def _reorder_rise(
    ctx: Context, supplier: str, lt_before: float, lt_now: float
) -> tuple[int, float] | None:
    """(series, value of the rise of their reorder points) for a supplier's SKUs."""
    po = ctx.wh.table("purchase_order_lines")
    last = min(ctx.end, ctx.as_of)
    series = (
        po.filter(
            po.supplier_id == supplier,
            po.order_date > ibis.date(last - timedelta(days=365)),
            po.order_date <= ibis.date(last),
        )
        .select("sku", "site_id")
        .distinct()
    )
    start = last + timedelta(days=1) - timedelta(weeks=DEMAND_WEEKS)
    ol = ctx.wh.table("order_lines")
    kept = ol.filter(
        ol.status != "cancelled",
        ol.order_date >= ibis.date(start),
        ol.order_date <= ibis.date(last),
    )
    weekly = (
        kept.mutate(week=kept.order_date.truncate("W"))
        .group_by(["sku", "site_id", "week"])
        .aggregate(qty=kept.qty_ordered.sum())
    )
    stats = weekly.group_by(["sku", "site_id"]).aggregate(
        total=weekly.qty.sum(), squares=(weekly.qty * weekly.qty).sum()
    )
    products = ctx.wh.table("products").select("sku", "unit_cost")
    joined = series.left_join(stats, ["sku", "site_id"]).select(
        "sku", "site_id", "total", "squares"
    )
    frame = (
        joined.left_join(products, "sku")
        .select("sku", "site_id", "total", "squares", "unit_cost")
        .to_pandas()
    )
    if frame.empty:
        return None
    w = float(DEMAND_WEEKS)
    total = frame["total"].fillna(0.0).to_numpy(np.float64)
    squares = frame["squares"].fillna(0.0).to_numpy(np.float64)
    mean = total / w
    sd = np.sqrt(np.maximum((squares - total**2 / w) / (w - 1), 0.0))  # zero weeks included
    k = safety_factor(
        ServiceTarget.CYCLE_SERVICE_LEVEL, ctx.settings.service_level, sigma=sd, quantity=mean
    )
    before = mean * (lt_before / 7) + k * lead_time_demand_sd(mean, sd, lt_before / 7, 0.0)
    after = mean * (lt_now / 7) + k * lead_time_demand_sd(mean, sd, lt_now / 7, 0.0)
    cost = frame["unit_cost"].fillna(0.0).to_numpy(np.float64)
    return len(frame), float(((after - before) * cost).sum())


class SupplierLeadTime:
    rule = ActionRule.SUPPLIER_LEAD_TIME

    def propose(self, ev: Evidence) -> list[Action]:
        ctx, out = ev.ctx, []
        for issue in ev.suppliers:  # a few suppliers
            lt, drift = issue.lead_time, issue.lead_time_drift
            if (
                lt is None
                or lt.value is None
                or drift is None
                or drift < ctx.settings.lead_time_drift_days
            ):
                continue
            rise = _reorder_rise(ctx, issue.supplier, lt.value - drift, lt.value)
            if rise is None:
                continue
            n, value = rise
            who = member_text(Dimension.SUPPLIER, issue.supplier, ctx.names)
            source = f"metrics.scorecard supplier_lead_time_days by supplier {ctx.label}"
            evidence = (
                Fact(f"lead time of {issue.supplier}", lt.value, lt.display, source, Tone.BAD),
                Fact("change against a year earlier", drift, f"+{drift:.1f} days", source),
                Fact(
                    "SKU x site series supplied",
                    float(n),
                    str(n),
                    "purchase_order_lines, last 365 days",
                ),
                Fact(
                    "rise of their reorder points",
                    value,
                    money(value, ctx.settings.currency),
                    "inventory.safety_factor, lead_time_demand_sd",
                ),
                *(
                    Fact(
                        r.label,
                        r.value,
                        r.display,
                        f"metrics.scorecard {r.kpi} by supplier",
                        Tone.BAD,
                    )
                    for r in (issue.otd, issue.ppm)
                    if r is not None and r.value is not None and r.status == "red"
                ),
            )
            out.append(
                Action(
                    self.rule,
                    f"Raise safety stock on the SKUs of {who}, or dual-source them",
                    f"The mean lead time of {who} is {lt.display}, {drift:.1f} days longer than a year earlier.",
                    f"Protecting {pct(ctx.settings.service_level, 0)} cycle service on its {n} SKU x site series "
                    f"over the longer lead time ties up {money(value, ctx.settings.currency)} more stock; "
                    "a second source avoids it.",
                    value,
                    MoneyKind.INVENTORY,
                    None,
                    evidence,
                    ctx.kpi_link("supplier_lead_time_days", Dimension.SUPPLIER, issue.supplier),
                )
            )
        return out


class CapacityOverload:
    rule = ActionRule.CAPACITY_OVERLOAD

    def propose(self, ev: Evidence) -> list[Action]:
        ctx, out = ev.ctx, []
        premium = ctx.settings.overtime_premium
        for h in ev.hotspots:  # the few resources over capacity
            if h.overload_hours <= 0:
                continue
            cost = (
                None
                if h.cost_per_line_hour is None
                else h.overload_hours * h.cost_per_line_hour * premium
            )
            source = f"work_orders planned in {ctx.label}; labor_hours production cost"
            evidence = (
                Fact("utilisation", h.utilisation, pct(h.utilisation, 0), source, Tone.BAD),
                Fact("hours over capacity", h.overload_hours, f"{h.overload_hours:,.0f} h", source),
            ) + (
                (
                    Fact(
                        "production labour cost per line hour",
                        h.cost_per_line_hour,
                        money(h.cost_per_line_hour, ctx.settings.currency),
                        source,
                    ),
                )
                if h.cost_per_line_hour
                else ()
            )
            impact = f"{h.overload_hours:,.0f} hours over capacity in {ctx.label}"
            if cost is not None:
                impact += (
                    f"; covering them on overtime costs about {money(cost, ctx.settings.currency)} "
                    f"(at {premium:g}x the site's production labour cost per line hour)"
                )
            out.append(
                Action(
                    self.rule,
                    f"Add a shift or overtime on {h.name} ({h.resource_id}), or move load off it",
                    f"{h.name} ran at {pct(h.utilisation, 0)} of its available hours in {ctx.label}.",
                    impact + ".",
                    cost,
                    MoneyKind.COST if cost is not None else None,
                    None,
                    evidence,
                    ctx.kpi_link("oee", Dimension.RESOURCE, h.resource_id),
                )
            )
        return out


class PnlVariance:
    rule = ActionRule.PNL_VARIANCE

    def propose(self, ev: Evidence) -> list[Action]:
        """The largest unfavourable cost line year to date, and revenue when it is short."""
        if ev.pnl is None:
            return []
        ytd = ev.pnl.ytd
        bad = [
            ln
            for ln in ytd.total()
            if ln.line not in (PnlLineCode.GROSS_MARGIN, PnlLineCode.OPERATING_INCOME)
            and ln.favourability is Favourability.UNFAVOURABLE
        ]
        costs = [ln for ln in bad if not ln.line.higher_is_better]
        picked = [max(costs, key=lambda ln: (abs(ln.variance), ln.line.value))] if costs else []
        picked += [ln for ln in bad if ln.line is PnlLineCode.REVENUE]
        return [self._action(ev, ln) for ln in picked]

    def _action(self, ev: Evidence, worst: PnlLine) -> Action:
        ctx, ytd = ev.ctx, ev.pnl.ytd if ev.pnl is not None else None
        assert ytd is not None
        cur = ctx.settings.currency
        word = "budget" if ytd.comparison.value == "budget" else "last year"
        sites = [
            ln
            for ln in ytd.lines
            if ln.site_id is not None
            and ln.line is worst.line
            and ln.favourability is Favourability.UNFAVOURABLE
        ]
        label = LINE_LABELS[worst.line]
        source = f"finance.pnl ytd {ctx.month} against {word}"
        share = f" ({pct(abs(worst.variance_pct))})" if worst.variance_pct is not None else ""
        way = "over" if worst.variance > 0 else "under"
        because = f"{label} is {money(worst.variance, cur)}{share} {way} {word} year to date"
        evidence = [
            Fact(f"{label} YTD", worst.actual, money(worst.actual, cur), source),
            Fact(f"{label} YTD {word}", worst.comparison, money(worst.comparison, cur), source),
            Fact(
                f"{label} YTD variance",
                worst.variance,
                signed_money(worst.variance, cur),
                source,
                Tone.BAD,
            ),
        ]
        if sites:
            top = max(sites, key=lambda ln: abs(ln.variance))
            because += (
                f"; {member_text(Dimension.SITE, top.site_id, ctx.names)} accounts for "
                f"{money(top.variance, cur)} of it"
            )
            evidence.append(
                Fact(
                    f"{label} YTD variance at {top.site_id}",
                    top.variance,
                    signed_money(top.variance, cur),
                    source,
                )
            )
        kpi = _LINE_KPI.get(worst.line)
        row = ctx.row(kpi) if kpi else None
        if row is not None and row.value is not None:
            because += f"; {row.label} in {ctx.label} is {row.display}"
            if row.change_vs_last_year is not None:
                sign = "+" if row.change_vs_last_year > 0 else "-"
                because += (
                    f" ({sign}{row.unit.show_change(row.change_vs_last_year)} on a year earlier)"
                )
            evidence.append(
                Fact(row.label, row.value, row.display, f"metrics.scorecard {row.kpi} {ctx.label}")
            )
        return Action(
            self.rule,
            f"Act on {label.lower()}: {money(worst.variance, cur)} {way} {word} year to date",
            because + ".",
            f"Bringing {label.lower()} back to {word} is worth {money(worst.variance, cur)} year to date.",
            abs(worst.variance),
            MoneyKind.REVENUE if worst.line.higher_is_better else MoneyKind.SAVING,
            None,
            tuple(evidence),
            ctx.link(Page.PNL, period=ctx.month, mode="ytd"),
        )


class StockoutRisk:
    rule = ActionRule.STOCKOUT_RISK

    def propose(self, ev: Evidence) -> list[Action]:
        if ev.outlook is None or ev.outlook.stockouts.num_rows == 0:
            return []
        ctx, o = ev.ctx, ev.outlook
        rows = o.stockouts.to_pylist()
        value = float(sum(r["revenue_at_risk"] for r in rows))
        first = min(r["first_stockout_week"] for r in rows)
        source = f"inventory.inventory_outlook from the snapshot of {o.snapshot_date}"
        evidence = tuple(
            Fact(
                f"{r['sku']} at {r['site_id']}, short from {r['first_stockout_week']}",
                float(r["revenue_at_risk"]),
                money(float(r["revenue_at_risk"]), ctx.settings.currency),
                source,
                Tone.BAD,
            )
            for r in rows
        )
        return [
            Action(
                self.rule,
                f"Expedite replenishment of the {len(rows)} SKU x site series that run out first",
                f"They are projected to run short from the week of {first}, within {ctx.settings.outlook_weeks} weeks.",
                f"Replenishing them in time protects {money(value, ctx.settings.currency)} of revenue.",
                value,
                MoneyKind.REVENUE,
                None,
                evidence,
                ctx.kpi_link("stockout_rate", Dimension.SITE),
            )
        ]


class ProcessShift:
    rule = ActionRule.PROCESS_SHIFT

    def propose(self, ev: Evidence) -> list[Action]:
        ctx, out = ev.ctx, []
        for f in ev.spc:  # characteristics with signals, worst first
            if f.share < 0.5:
                continue
            c = f.characteristic
            impact = f"{f.flagged} of {f.subgroups} subgroups in {ctx.label} are part of a signal"
            evidence = [
                Fact(
                    "centre line (reference)",
                    f.center,
                    f"{f.center:.4g}",
                    f"quality.xbar_r_chart {c.characteristic_id}",
                ),
                Fact(
                    "mean in the period",
                    f.period_mean,
                    f"{f.period_mean:.4g}",
                    "quality_samples",
                    Tone.BAD,
                ),
            ]
            if f.before is not None and f.now is not None:
                b, n = f.before.ppm_expected.total, f.now.ppm_expected.total
                impact += f"; expected out of specification {b:,.0f} ppm before, {n:,.0f} ppm now"
                evidence += [
                    Fact(
                        "expected out of spec (reference)", b, f"{b:,.0f} ppm", "quality.capability"
                    ),
                    Fact(
                        "expected out of spec (period)",
                        n,
                        f"{n:,.0f} ppm",
                        "quality.capability",
                        Tone.BAD,
                    ),
                ]
                if f.before.cpk is not None and f.now.cpk is not None:
                    impact += f" (Cpk {f.before.cpk:.2f} to {f.now.cpk:.2f})"
            where = f" on line {c.resource_id}" if c.resource_id else ""
            out.append(
                Action(
                    self.rule,
                    f"Find and correct the shift in {c.name.lower()}{where} ({c.characteristic_id})",
                    f"The mean moved from {f.center:.4g} to {f.period_mean:.4g}{' ' + c.unit if c.unit else ''}.",
                    impact + ".",
                    None,
                    None,
                    None,
                    tuple(evidence),
                    ctx.link(Page.SPC, characteristic=c.characteristic_id),
                )
            )
        return out


RULES: tuple[Rule, ...] = (
    CarrierAtSite(),
    SupplierLeadTime(),
    CapacityOverload(),
    PnlVariance(),
    StockoutRisk(),
    ProcessShift(),
)


def _rank(action: Action) -> tuple[float, float, str]:
    money_key = (
        -abs(action.impact_money)
        if action.impact_money is not None and math.isfinite(action.impact_money)
        else 0.0
    )
    service = -(action.impact_service_pts or 0.0)
    return (money_key, service, action.title)


def propose_actions(ev: Evidence, rules: Sequence[Rule] = RULES) -> tuple[Action, ...]:
    """Every rule's actions, ranked by money at stake, then service points."""
    found = [a for rule in rules for a in rule.propose(ev)]
    return tuple(sorted(found, key=_rank))
