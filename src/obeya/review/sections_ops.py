"""Operations sections: stock-outs and excess ahead, capacity hot spots, suppliers.

* **Inventory**: :func:`obeya.inventory.inventory_outlook` projects every SKU x site
  from the latest snapshot over ``outlook_weeks`` weeks (open purchase and work
  orders are the only receipts) and values the excess beyond ``excess_weeks`` weeks
  of forecast.
* **Capacity**: the load each resource carried in the period, the run plus
  downtime hours of its work orders planned to start in the period, against its
  available hours (``hours_per_day`` x the working days of the planning calendar,
  :func:`obeya.planning.calendar_spec.load_calendar`, up to as_of); and the forward
  rough-cut load of the next ``capacity_horizon`` months
  (:func:`obeya.planning.capacity_plan.capacity_plan` on the latest forecast run or
  the trailing order lines, in routing hours).
* **Suppliers**: on-time delivery, rejects (ppm) and lead time per supplier from the
  KPI engine (:func:`obeya.metrics.scorecard` by supplier).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import ibis
import numpy as np
import pandas as pd

from obeya.errors import ObeyaError
from obeya.inventory import InventoryOutlook, OutlookSettings, inventory_outlook
from obeya.metrics import Dimension, ScorecardRow, scorecard
from obeya.metrics.periods import last_year_start, period_end, period_label
from obeya.review import charts
from obeya.review.context import Context, status_tone
from obeya.review.model import (
    Fact,
    Finding,
    Presence,
    Section,
    SectionKind,
    TableBlock,
    TableRow,
    Tone,
)
from obeya.review.narrative import member_text, money, pct

__all__ = [
    "Hotspot",
    "SupplierIssue",
    "capacity_section",
    "inventory_section",
    "suppliers_section",
]

INVENTORY_TITLE = "Stock-outs and excess ahead"
CAPACITY_TITLE = "Capacity hot spots"
SUPPLIERS_TITLE = "Supplier problems"
SUPPLIER_KPIS = ("supplier_otd", "supplier_ppm", "supplier_lead_time_days")


# ------------------------------------------------------------------ inventory


def inventory_section(ctx: Context) -> tuple[Section, InventoryOutlook | None]:
    s = ctx.settings
    outlook = inventory_outlook(
        ctx.wh,
        OutlookSettings(weeks=s.outlook_weeks, excess_weeks=s.excess_weeks, worst=s.top_items),
    )
    sites = outlook.by_site.to_pandas()
    total = sites.loc[sites["site_id"] == "all"].iloc[0]
    per_site = sites.loc[sites["site_id"] != "all"].sort_values(
        ["revenue_at_risk", "site_id"], ascending=[False, True]
    )
    source = f"inventory.inventory_outlook from the snapshot of {outlook.snapshot_date}"
    n_out, at_risk = int(total["stockout_items"]), float(total["revenue_at_risk"])
    n_excess, excess = int(total["excess_items"]), float(total["excess_value"])
    cur = s.currency
    facts = (
        Fact(
            "series projected to stock out",
            float(n_out),
            f"{n_out:,}",
            source,
            Tone.BAD if n_out else Tone.GOOD,
        ),
        Fact(
            "revenue at risk",
            at_risk,
            money(at_risk, cur),
            source,
            Tone.BAD if at_risk else Tone.GOOD,
        ),
        Fact("series with excess", float(n_excess), f"{n_excess:,}", source),
        Fact(
            f"stock beyond {s.excess_weeks} weeks of forecast",
            excess,
            money(excess, cur),
            source,
            Tone.WARN,
        ),
        Fact(
            "stock on hand",
            float(total["on_hand_value"]),
            money(float(total["on_hand_value"]), cur),
            source,
        ),
    )
    headline = (
        f"{n_out:,} of {int(total['items']):,} SKU x site series are projected to run out within "
        f"{s.outlook_weeks} weeks of {outlook.start_week}, with {money(at_risk, cur)} of revenue at risk"
    )
    if at_risk > 0 and not per_site.empty:
        top = per_site.iloc[0]
        headline += (
            f"; {member_text(Dimension.SITE, str(top['site_id']), ctx.names)} holds "
            f"{pct(float(top['revenue_at_risk']) / at_risk, 0)} of it"
        )
    headline += f". {n_excess:,} series carry {money(excess, cur)} of stock beyond {s.excess_weeks} weeks of forecast."
    worst = outlook.stockouts.to_pylist()
    rows = tuple(
        TableRow(
            (
                str(r["sku"]),
                str(r["site_id"]),
                str(r["first_stockout_week"]),
                f"{r['units_short']:,.0f}",
                money(float(r["revenue_at_risk"]), cur),
            ),
            Tone.BAD,
        )
        for r in worst
    )
    chart = None
    if at_risk > 0:
        chart = charts.bars(
            [(str(r["site_id"]), float(r["revenue_at_risk"])) for _, r in per_site.iterrows()],
            f"Revenue at risk within {s.outlook_weeks} weeks, by site",
            "~s",
            Tone.BAD,
        )
    notes = (
        f"Projected from the snapshot of {outlook.snapshot_date} with demand from the "
        f"{outlook.forecast_source}; only open purchase and work orders are counted as receipts.",
    )
    return (
        Section(
            SectionKind.INVENTORY,
            INVENTORY_TITLE,
            Presence.PRESENT,
            headline=headline,
            facts=facts,
            table=TableBlock(
                ("SKU", "Site", "First short week", "Units short", "Revenue at risk"), rows
            )
            if rows
            else None,
            chart=chart,
            notes=notes,
        ),
        outlook,
    )


# ------------------------------------------------------------------ capacity


@dataclass(frozen=True, slots=True)
class Hotspot:
    """A resource's load in the period against its available hours."""

    resource_id: str
    site_id: str
    name: str
    load_hours: float
    downtime_hours: float
    available_hours: float
    last_year_utilisation: float | None
    cost_per_line_hour: float | None  # the site's production labour cost per line hour run

    @property
    def utilisation(self) -> float:
        return self.load_hours / self.available_hours if self.available_hours > 0 else float("inf")

    @property
    def overload_hours(self) -> float:
        return max(self.load_hours - self.available_hours, 0.0)


def _loads(ctx: Context, first: date, last: date) -> pd.DataFrame:
    wo = ctx.wh.table("work_orders")
    day = wo.planned_start.date()
    ran = wo.filter(wo.actual_start.notnull(), day >= ibis.date(first), day <= ibis.date(last))
    return (
        ran.group_by("resource_id")
        .aggregate(
            load_hours=(ran.run_hours + ran.downtime_hours).sum(),
            downtime_hours=ran.downtime_hours.sum(),
        )
        .to_pandas()
    )


def _available(ctx: Context, resources: pd.DataFrame, first: date, last: date) -> np.ndarray:
    from obeya.planning.calendar_spec import load_calendar

    sites = sorted(set(resources["site_id"].astype(str)))
    calendar = load_calendar(None).work_calendar(sites, first, last + timedelta(days=1))
    days = np.zeros(len(resources))
    site_col = resources["site_id"].astype(str).to_numpy()
    for site in sites:  # a handful of sites
        mask = site_col == site
        count = calendar.working_days(
            np.array([first], dtype="datetime64[D]"),
            np.array([last + timedelta(days=1)], dtype="datetime64[D]"),
            site,
        )
        days[mask] = float(count[0])
    hours: np.ndarray = resources["hours_per_day"].to_numpy(np.float64) * days
    return hours


def _line_hour_cost(
    ctx: Context, loads: pd.DataFrame, resources: pd.DataFrame, first: date, last: date
) -> dict[str, float]:
    """Production labour cost per hour run on the site's resources, per site."""
    lab = ctx.wh.table("labor_hours")
    lab = lab.filter(lab.work_date >= ibis.date(first), lab.work_date <= ibis.date(last))
    departments = set(lab.select("department").distinct().to_pandas()["department"].astype(str))
    if "production" in departments:
        lab = lab.filter(lab.department == "production")
    cost = lab.group_by("site_id").aggregate(cost=lab.labor_cost.sum()).to_pandas()
    hours = (
        loads.merge(resources[["resource_id", "site_id"]], on="resource_id")
        .groupby("site_id")["load_hours"]
        .sum()
    )
    out: dict[str, float] = {}
    for _, r in cost.iterrows():  # one row per site
        run = float(hours.get(r["site_id"], 0.0))
        if run > 0:
            out[str(r["site_id"])] = float(r["cost"]) / run
    return out


def _forward_note(ctx: Context) -> str | None:
    from obeya.planning.calendar_spec import load_calendar
    from obeya.planning.capacity import PeriodGrain
    from obeya.planning.capacity_plan import capacity_plan
    from obeya.planning.demand_input import read_demand
    from obeya.planning.warehouse_facts import read_resources, read_routings

    try:
        basis = read_demand(ctx.wh)
        frame = basis.periods(PeriodGrain.MONTH, horizon=ctx.settings.capacity_horizon)
        outcome = capacity_plan(
            frame,
            read_routings(ctx.wh),
            read_resources(ctx.wh),
            load_calendar(None),
            threshold=ctx.settings.capacity_threshold,
        )
    except ObeyaError as exc:
        return f"No forward load: {exc}"
    ranked = outcome.report.bottlenecks
    if ranked.empty:
        return None
    top = ranked.iloc[0]
    over = int(outcome.report.load["overloaded"].sum())
    return (
        f"Forward rough-cut load ({frame.source.value.replace('_', ' ')} from {frame.as_of}, routing hours) "
        f"of the next {len(frame.starts)} months: {over} overloaded resource-months; peak "
        f"{pct(float(top['peak_utilisation']), 0)} on {top['resource_id']} in {top['peak_period']}."
    )


def capacity_section(ctx: Context) -> tuple[Section, tuple[Hotspot, ...]]:
    first, last = ctx.start, min(ctx.end, ctx.as_of)
    resources = (
        ctx.wh.table("resources")
        .select("resource_id", "site_id", "name", "hours_per_day")
        .to_pandas()
    )
    loads = _loads(ctx, first, last)
    if resources.empty or loads.empty:
        return Section.absent(
            SectionKind.CAPACITY,
            CAPACITY_TITLE,
            f"no work order ran in {ctx.label}: nothing loads the resources",
        ), ()
    resources["available_hours"] = _available(ctx, resources, first, last)
    ly_start = last_year_start(ctx.start, ctx.grain)
    ly = resources[["resource_id"]].assign(ly_util=np.nan)
    if ly_start is not None:
        ly_last = min(period_end(ly_start, ctx.grain), ly_start + (last - first))
        ly_loads = _loads(ctx, ly_start, ly_last)
        ly_avail = resources[["resource_id"]].assign(
            av=_available(ctx, resources, ly_start, ly_last)
        )
        merged = ly_avail.merge(ly_loads, on="resource_id", how="left")
        with np.errstate(divide="ignore", invalid="ignore"):
            ly = merged.assign(ly_util=merged["load_hours"] / merged["av"].where(merged["av"] > 0))[
                ["resource_id", "ly_util"]
            ]
    cost = _line_hour_cost(ctx, loads, resources, first, last)
    table = resources.merge(loads, on="resource_id").merge(ly, on="resource_id", how="left")
    table = table.loc[table["available_hours"] > 0]
    table = table.assign(util=table["load_hours"] / table["available_hours"]).sort_values(
        ["util", "resource_id"], ascending=[False, True]
    )
    spots = tuple(
        Hotspot(
            str(r["resource_id"]),
            str(r["site_id"]),
            str(r["name"]),
            float(r["load_hours"]),
            float(r["downtime_hours"]),
            float(r["available_hours"]),
            None if pd.isna(r["ly_util"]) else float(r["ly_util"]),
            cost.get(str(r["site_id"])),
        )
        for _, r in table.iterrows()  # one row per resource
    )
    threshold = ctx.settings.capacity_threshold
    hot = [h for h in spots if h.utilisation > threshold]
    findings = []
    for h in (hot or list(spots[:1]))[: ctx.settings.top_items]:
        text = (
            f"{h.name} ({h.resource_id}, {member_text(Dimension.SITE, h.site_id, ctx.names)}) ran at "
            f"{pct(h.utilisation, 0)} of its available hours in {ctx.label} "
            f"({h.load_hours:,.0f} of {h.available_hours:,.0f} h), downtime {pct(h.downtime_hours / h.load_hours if h.load_hours else 0.0)} of its hours"
        )
        if h.last_year_utilisation is not None:
            text += f"; {pct(h.last_year_utilisation, 0)} a year earlier"
        source = f"work_orders planned in {ctx.label}; resources.hours_per_day x working days"
        facts = (
            Fact("load (run + downtime hours)", h.load_hours, f"{h.load_hours:,.0f} h", source),
            Fact("available hours", h.available_hours, f"{h.available_hours:,.0f} h", source),
            Fact(
                "utilisation",
                h.utilisation,
                pct(h.utilisation, 0),
                source,
                Tone.BAD if h.utilisation > threshold else Tone.NEUTRAL,
            ),
            Fact("hours over capacity", h.overload_hours, f"{h.overload_hours:,.0f} h", source),
        )
        findings.append(
            Finding(
                text + ".",
                facts,
                None,
                ctx.kpi_link("oee", Dimension.RESOURCE, h.resource_id),
                Tone.BAD if h.utilisation > threshold else Tone.NEUTRAL,
            )
        )
    chart = charts.bars(
        [(h.resource_id, h.utilisation) for h in spots[:10]],
        f"Load against available hours, {ctx.label}",
        ".0%",
        Tone.BAD if hot else Tone.NEUTRAL,
    )
    if hot:
        headline = (
            f"{len(hot)} resource{'s' if len(hot) > 1 else ''} ran above {pct(threshold, 0)} of "
            f"available hours in {ctx.label}; the worst is {hot[0].name} ({hot[0].resource_id}) at "
            f"{pct(hot[0].utilisation, 0)}."
        )
    else:
        headline = (
            f"No resource ran above {pct(threshold, 0)} of its available hours in {ctx.label}; "
            f"the busiest is {spots[0].name} ({spots[0].resource_id}) at {pct(spots[0].utilisation, 0)}."
        )
    forward = _forward_note(ctx)
    return (
        Section(
            SectionKind.CAPACITY,
            CAPACITY_TITLE,
            Presence.PRESENT,
            headline=headline,
            findings=tuple(findings),
            chart=chart,
            notes=(forward,) if forward else (),
        ),
        tuple(hot),
    )


# ------------------------------------------------------------------ suppliers


@dataclass(frozen=True, slots=True)
class SupplierIssue:
    supplier: str
    otd: ScorecardRow | None
    ppm: ScorecardRow | None
    lead_time: ScorecardRow | None
    score: float

    @property
    def lead_time_drift(self) -> float | None:
        lt = self.lead_time
        return None if lt is None else lt.change_vs_last_year


def _beyond(row: ScorecardRow | None, ctx: Context) -> float:
    """Bands beyond target on the bad side (0 when on target or without one)."""
    if row is None or row.value is None or row.target is None:
        return 0.0
    spec = ctx.catalog.kpi(row.kpi)
    assert spec.target is not None
    band = abs(spec.target.value - spec.target.red) or 1.0
    gap = row.target - row.value if spec.direction.value == "higher" else row.value - row.target
    return max(gap, 0.0) / band


def suppliers_section(ctx: Context) -> tuple[Section, tuple[SupplierIssue, ...]]:
    kpis = [k for k in SUPPLIER_KPIS if k in ctx.catalog.ids]
    card = scorecard(
        ctx.wh,
        ctx.start,
        ctx.grain,
        by=Dimension.SUPPLIER,
        catalog=ctx.catalog,
        as_of=ctx.as_of,
        kpis=kpis,
    )
    rows: dict[str, dict[str, ScorecardRow]] = {}
    for r in card.rows:  # suppliers x 3 KPIs
        if r.member is not None and r.value is not None:
            rows.setdefault(r.member, {})[r.kpi] = r
    if not rows:
        return Section.absent(
            SectionKind.SUPPLIERS,
            SUPPLIERS_TITLE,
            f"no purchase order line was due or received in {ctx.label}",
        ), ()
    drift_unit = ctx.settings.lead_time_drift_days
    issues = []
    for supplier, got in rows.items():  # a few dozen suppliers
        lt = got.get("supplier_lead_time_days")
        drift = lt.change_vs_last_year if lt is not None else None
        score = _beyond(got.get("supplier_otd"), ctx) + _beyond(got.get("supplier_ppm"), ctx)
        score += max(drift or 0.0, 0.0) / drift_unit
        red = any(r.status == "red" for r in got.values()) or (drift or 0.0) >= drift_unit
        if red:
            issues.append(
                SupplierIssue(supplier, got.get("supplier_otd"), got.get("supplier_ppm"), lt, score)
            )
    issues.sort(key=lambda i: (-i.score, i.supplier))
    findings = []
    ly = last_year_start(ctx.start, ctx.grain)
    for issue in issues[: ctx.settings.top_items]:
        parts = []
        if issue.otd is not None and issue.otd.value is not None:
            parts.append(
                f"on time {issue.otd.display} of {issue.otd.denominator or 0:,.0f} PO lines due"
                + (
                    f" (target {issue.otd.unit.show(issue.otd.target)})"
                    if issue.otd.target is not None
                    else ""
                )
            )
        if issue.ppm is not None and issue.ppm.value is not None:
            parts.append(
                f"{issue.ppm.display} rejected"
                + (
                    f" (target {issue.ppm.unit.show(issue.ppm.target)})"
                    if issue.ppm.target is not None
                    else ""
                )
            )
        if issue.lead_time is not None and issue.lead_time.value is not None:
            text = f"lead time {issue.lead_time.display}"
            drift = issue.lead_time_drift
            if drift is not None and ly is not None:
                text += f", {abs(drift):.1f} days {'longer' if drift > 0 else 'shorter'} than in {period_label(ly, ctx.grain)}"
            parts.append(text)
        facts = tuple(
            Fact(
                r.label,
                r.value,
                r.display,
                f"metrics.scorecard {r.kpi} by supplier {ctx.label}",
                status_tone(r.status),
            )
            for r in (issue.otd, issue.ppm, issue.lead_time)
            if r is not None and r.value is not None
        )
        findings.append(
            Finding(
                f"{member_text(Dimension.SUPPLIER, issue.supplier, ctx.names)}: {'; '.join(parts)}.",
                facts,
                None,
                ctx.kpi_link("supplier_otd", Dimension.SUPPLIER, issue.supplier),
                Tone.BAD,
            )
        )
    if issues:
        headline = (
            f"{len(issues)} of {len(rows)} suppliers active in {ctx.label} are red on delivery or "
            f"rejects, or slower by {drift_unit:g} days or more than a year earlier; the worst is "
            f"{member_text(Dimension.SUPPLIER, issues[0].supplier, ctx.names)}."
        )
    else:
        headline = f"All {len(rows)} suppliers active in {ctx.label} are within their delivery and quality limits."
    return (
        Section(
            SectionKind.SUPPLIERS,
            SUPPLIERS_TITLE,
            Presence.PRESENT,
            headline=headline,
            findings=tuple(findings),
        ),
        tuple(issues),
    )
