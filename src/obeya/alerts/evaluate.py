"""Which conditions hold now: each rule's kind asks one engine.

A :class:`Condition` is one thing that is wrong, with a stable ``key`` (the same
problem keeps the same key from one run to the next, so it is alerted once until
it clears), a one-line title, a detail sentence built from the figures, and the
link to the war-room page that explains it.

* ``kpi_red``: the KPI scorecard (:func:`obeya.metrics.scorecard`) of the period
  holding the latest data, to date; a red row is a condition, keyed by KPI (and
  member when the rule cuts ``by`` a dimension).
* ``spc_signal``: subgroups of the last ``within_days`` days judged against limits
  from the ``reference_weeks`` weeks ending a year earlier
  (:func:`obeya.review.sections_quality.judge_characteristic`); keyed by
  characteristic.
* ``stockout_within``: :func:`obeya.inventory.inventory_outlook` over ``weeks``
  weeks; series with a projected stock-out and at least ``min_revenue_at_risk``,
  keyed by site (``per: site``) or by SKU and site (``per: item``).
* ``supplier_otd_below``: ``supplier_otd`` by supplier in the period holding the
  latest data, below ``level`` on at least ``min_lines`` PO lines due; keyed by
  supplier.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, assert_never

from obeya.alerts.rules import (
    AlertKind,
    AlertRules,
    KpiRedRule,
    SpcSignalRule,
    StockoutWithinRule,
    SupplierOtdBelowRule,
)
from obeya.errors import SpecError
from obeya.inventory import OutlookSettings, inventory_outlook
from obeya.metrics import Dimension, catalog_for, compute, detect_as_of, scorecard
from obeya.metrics.periods import Grain, period_label, period_start
from obeya.review.links import Page, link
from obeya.warehouse import Warehouse

__all__ = ["Condition", "evaluate_rule"]

AnyRule = KpiRedRule | SpcSignalRule | StockoutWithinRule | SupplierOtdBelowRule


@dataclass(frozen=True, slots=True)
class Condition:
    """One problem that holds now."""

    rule_id: str
    kind: AlertKind
    key: str
    title: str
    detail: str
    link: str
    facts: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule_id,
            "kind": self.kind.value,
            "condition": self.key,
            "title": self.title,
            "detail": self.detail,
            "link": self.link,
            "facts": dict(self.facts),
        }


def _kpi_red(wh: Warehouse, rule: KpiRedRule, base: str | None) -> list[Condition]:
    catalog = catalog_for(wh)
    unknown = [k for k in rule.kpis if k not in catalog.ids]
    if unknown:
        raise SpecError(
            f"rule {rule.id!r}: unknown KPI {', '.join(unknown)}; use ids of the catalog (obeya docs lists them)"
        )
    grain = Grain(rule.grain)
    card = scorecard(wh, None, grain, by=rule.by, catalog=catalog, kpis=list(rule.kpis))
    label = period_label(card.period_start, grain)
    out = []
    for r in card.rows:  # the rule's KPIs (x members)
        if r.status != "red" or r.value is None:
            continue
        if rule.by is not None and r.member is None and rule.by in catalog.kpi(r.kpi).dimensions:
            continue
        member = f" at {rule.by.value} {r.member}" if r.member is not None and rule.by else ""
        spec = catalog.kpi(r.kpi)
        assert spec.target is not None  # a red status needs a target
        levels = spec.target.for_site(r.member if rule.by is Dimension.SITE else None)
        side = "below" if spec.direction.value == "higher" else "above"
        key = r.kpi + (f"|{rule.by.value}={r.member}" if r.member is not None and rule.by else "")
        page = (
            link(
                Page.KPI_ROWS,
                base,
                kpi=r.kpi,
                period=label,
                grain=grain.value,
                by=rule.by.value,
                member=r.member,
            )
            if r.member is not None and rule.by
            else link(
                Page.KPI,
                base,
                kpi=r.kpi,
                period=label,
                grain=grain.value,
                by=rule.by.value if rule.by else None,
            )
        )
        out.append(
            Condition(
                rule.id,
                rule.kind,
                key,
                f"{r.label} is red{member}: {r.display}",
                f"{r.label}{member} is {r.display} in {label} to {card.as_of}: {side} its red level of "
                f"{r.unit.show(levels.red)} (target {r.unit.show(levels.value)}).",
                page,
                {
                    "kpi": r.kpi,
                    "member": r.member,
                    "period": label,
                    "value": r.value,
                    "target": levels.value,
                    "red": levels.red,
                },
            )
        )
    return out


def _spc_signal(wh: Warehouse, rule: SpcSignalRule, base: str | None) -> list[Condition]:
    from obeya.quality.from_warehouse import read_characteristic
    from obeya.review.sections_quality import judge_characteristic, reference_window

    ids = list(rule.characteristics) or (
        wh.table("characteristics")
        .select("characteristic_id")
        .order_by("characteristic_id")
        .to_pyarrow()
        .column(0)
        .to_pylist()
    )
    latest = wh.table("quality_samples").measured_at.max().execute()
    if latest is None:
        return []
    last = latest.date() if hasattr(latest, "date") else latest
    first = last - timedelta(days=rule.within_days - 1)
    ref_start, ref_end = reference_window(last, rule.reference_weeks)
    out = []
    for cid in ids:  # a handful of characteristics
        found = judge_characteristic(
            wh, read_characteristic(wh, cid), first, last, ref_start, ref_end
        )
        if isinstance(found, str) or not found.flagged:
            continue
        c = found.characteristic
        unit = f" {c.unit}" if c.unit else ""
        out.append(
            Condition(
                rule.id,
                rule.kind,
                cid,
                f"{c.name} ({cid}) is out of control",
                f"{found.flagged} of {found.subgroups} subgroups from {first} to {last} are part of a signal; "
                f"mean {found.period_mean:.4g}{unit} against a centre line of {found.center:.4g}{unit} "
                f"(limits from {ref_start} to {ref_end}).",
                link(Page.SPC, base, characteristic=cid),
                {
                    "characteristic": cid,
                    "flagged": found.flagged,
                    "subgroups": found.subgroups,
                    "mean": found.period_mean,
                    "center": found.center,
                },
            )
        )
    return out


def _stockout(wh: Warehouse, rule: StockoutWithinRule, base: str | None) -> list[Condition]:
    outlook = inventory_outlook(wh, OutlookSettings(weeks=rule.weeks))
    items = outlook.items
    hit = items.loc[
        items["first_stockout_week"].notna()
        & (items["revenue_at_risk"] >= rule.min_revenue_at_risk)
    ]
    if rule.sites:
        hit = hit.loc[hit["site_id"].isin(rule.sites)]
    label = period_label(period_start(outlook.snapshot_date, Grain.MONTH), Grain.MONTH)
    out = []
    match rule.per:
        case "site":
            grouped = hit.groupby("site_id").agg(
                series=("sku", "size"),
                revenue=("revenue_at_risk", "sum"),
                first=("first_stockout_week", "min"),
            )
            for site, g in grouped.iterrows():  # one row per site
                out.append(
                    Condition(
                        rule.id,
                        rule.kind,
                        f"site={site}",
                        f"{int(g['series'])} SKUs projected to run out at {site} within {rule.weeks} weeks",
                        f"From the snapshot of {outlook.snapshot_date}, {int(g['series'])} SKUs at {site} run short "
                        f"from the week of {g['first']}, with {float(g['revenue']):,.0f} of revenue at risk.",
                        link(
                            Page.KPI_ROWS,
                            base,
                            kpi="stockout_rate",
                            period=label,
                            grain="month",
                            by="site",
                            member=str(site),
                        ),
                        {
                            "site": site,
                            "series": int(g["series"]),
                            "revenue_at_risk": float(g["revenue"]),
                        },
                    )
                )
        case "item":
            out.extend(
                Condition(
                    rule.id,
                    rule.kind,
                    f"{r['sku']}@{r['site_id']}",
                    f"{r['sku']} projected to run out at {r['site_id']} from {r['first_stockout_week']}",
                    f"From the snapshot of {outlook.snapshot_date}: {r['units_short']:,.0f} units "
                    f"short within {rule.weeks} weeks, {r['revenue_at_risk']:,.0f} of revenue at risk.",
                    link(
                        Page.KPI_ROWS,
                        base,
                        kpi="stockout_rate",
                        period=label,
                        grain="month",
                        by="site",
                        member=str(r["site_id"]),
                    ),
                    {
                        "sku": r["sku"],
                        "site": r["site_id"],
                        "revenue_at_risk": float(r["revenue_at_risk"]),
                    },
                )
                for r in hit.sort_values(["site_id", "sku"]).to_dict(orient="records")
            )
        case _:
            raise SpecError(f"rule {rule.id!r}: per must be site or item, not {rule.per!r}")
    return out


def _supplier_otd(wh: Warehouse, rule: SupplierOtdBelowRule, base: str | None) -> list[Condition]:
    catalog = catalog_for(wh)
    grain = Grain(rule.grain)
    as_of = detect_as_of(wh, catalog, [catalog.kpi("supplier_otd")])
    if as_of is None:
        return []
    start = period_start(as_of, grain)
    table = compute(
        wh, ["supplier_otd"], grain, [Dimension.SUPPLIER], None, start, start, as_of, catalog
    )
    label = period_label(start, grain)
    out = []
    for r in table.to_pylist():  # one row per supplier
        value, lines, supplier = r["value"], r["denominator"] or 0.0, r["supplier"]
        if value is None or value >= rule.level or lines < rule.min_lines:
            continue
        if rule.suppliers and supplier not in rule.suppliers:
            continue
        out.append(
            Condition(
                rule.id,
                rule.kind,
                str(supplier),
                f"Supplier {supplier} on time {value * 100:.1f}%, below {rule.level * 100:.1f}%",
                f"{supplier} delivered {r['numerator'] or 0:,.0f} of {lines:,.0f} PO lines due in {label} "
                f"(to {as_of}) on time: {value * 100:.1f}% against the level of {rule.level * 100:.1f}%.",
                link(
                    Page.KPI_ROWS,
                    base,
                    kpi="supplier_otd",
                    period=label,
                    grain=grain.value,
                    by="supplier",
                    member=str(supplier),
                ),
                {"supplier": supplier, "value": value, "lines": lines, "period": label},
            )
        )
    return out


def evaluate_rule(wh: Warehouse, rules: AlertRules, rule: AnyRule) -> list[Condition]:
    """The conditions of ``rule`` that hold now, in a stable order."""
    base = rules.spec.base_url
    match rule.kind:
        case AlertKind.KPI_RED:
            assert isinstance(rule, KpiRedRule)
            found = _kpi_red(wh, rule, base)
        case AlertKind.SPC_SIGNAL:
            assert isinstance(rule, SpcSignalRule)
            found = _spc_signal(wh, rule, base)
        case AlertKind.STOCKOUT_WITHIN:
            assert isinstance(rule, StockoutWithinRule)
            found = _stockout(wh, rule, base)
        case AlertKind.SUPPLIER_OTD_BELOW:
            assert isinstance(rule, SupplierOtdBelowRule)
            found = _supplier_otd(wh, rule, base)
        case _:
            assert_never(rule.kind)
    return sorted(found, key=lambda c: c.key)
