"""Assemble the briefing: run every section's engines once, pick what matters.

:func:`assemble_briefing` computes the scorecard of the period once, then builds
each section in reading order. A section whose engine reports a user-facing
problem (no data for it, a missing table: any :class:`~obeya.errors.ObeyaError`)
is left out with that message as its note; other exceptions are bugs and propagate.
The actions are proposed last, from what the sections found
(:mod:`obeya.review.actions`). Seconds per section are kept in
``Briefing.timings`` for the benchmark.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, assert_never

from obeya.errors import ConfigError, DataError, ObeyaError
from obeya.metrics import catalog_for, detect_as_of, scorecard
from obeya.metrics.periods import (
    Grain,
    parse_period,
    period_end,
    period_label,
    period_start,
    prior_start,
)
from obeya.review.actions import Evidence, propose_actions
from obeya.review.context import BriefingSettings, Context, read_names
from obeya.review.model import Action, Briefing, Fact, Finding, Presence, Section, SectionKind, Tone
from obeya.review.narrative import money
from obeya.review.sections_finance import FORECAST_TITLE, PNL_TITLE, forecast_section, pnl_section
from obeya.review.sections_kpi import (
    MOVERS_TITLE,
    SCORECARD_TITLE,
    movers_section,
    scorecard_section,
)
from obeya.review.sections_ops import (
    CAPACITY_TITLE,
    INVENTORY_TITLE,
    SUPPLIERS_TITLE,
    capacity_section,
    inventory_section,
    suppliers_section,
)
from obeya.review.sections_quality import TITLE as SPC_TITLE
from obeya.review.sections_quality import spc_section
from obeya.warehouse import Warehouse

__all__ = ["ACTIONS_TITLE", "TITLES", "assemble_briefing", "default_period", "resolve_period"]

ACTIONS_TITLE = "Recommended actions"
TITLES: dict[SectionKind, str] = {
    SectionKind.SCORECARD: SCORECARD_TITLE,
    SectionKind.MOVERS: MOVERS_TITLE,
    SectionKind.SPC: SPC_TITLE,
    SectionKind.INVENTORY: INVENTORY_TITLE,
    SectionKind.CAPACITY: CAPACITY_TITLE,
    SectionKind.SUPPLIERS: SUPPLIERS_TITLE,
    SectionKind.PNL: PNL_TITLE,
    SectionKind.FORECAST: FORECAST_TITLE,
    SectionKind.ACTIONS: ACTIONS_TITLE,
}


def resolve_period(
    period: str | date | None, grain: Grain | str | None, as_of: date
) -> tuple[date, Grain]:
    """The period's first day and grain; a ``YYYY-Www`` label means weeks, any other
    label months unless ``grain`` says otherwise; no period means the latest complete
    one at ``as_of``."""
    if isinstance(period, str) and re.fullmatch(r"\d{4}(-Q[1-4])?", period.strip().upper()):
        raise ConfigError(
            f"period {period!r}: a briefing is weekly or monthly; give a month YYYY-MM "
            "or an ISO week YYYY-Www"
        )
    if grain is None:
        chosen = Grain.WEEK if isinstance(period, str) and "-W" in period.upper() else Grain.MONTH
    else:
        chosen = Grain.parse(grain)
    if chosen not in (Grain.WEEK, Grain.MONTH):
        raise ConfigError(
            f"a briefing is weekly or monthly: --grain week or month, not {chosen.value}"
        )
    start = default_period(as_of, chosen) if period is None else parse_period(period, chosen)
    if start > as_of:
        raise ConfigError(
            f"period {period_label(start, chosen)} starts after the latest data ({as_of}); "
            f"pick {period_label(default_period(as_of, chosen), chosen)} or earlier"
        )
    return start, chosen


def default_period(as_of: date, grain: Grain) -> date:
    """The latest period that is complete at ``as_of``."""
    current = period_start(as_of, grain)
    return current if period_end(current, grain) <= as_of else prior_start(current, grain)


def _actions_section(actions: tuple[Action, ...], currency: str) -> Section:
    if not actions:
        return Section.absent(
            SectionKind.ACTIONS,
            ACTIONS_TITLE,
            "no rule of the action catalog applies to what the sections found",
        )
    findings = tuple(
        Finding(
            a.title,
            a.evidence,
            None,
            a.link,
            Tone.BAD if a.money_kind is not None or a.impact_service_pts else Tone.WARN,
            (a.because, a.impact),
        )
        for a in actions
    )
    money_total = sum(abs(a.impact_money) for a in actions if a.impact_money is not None)
    facts = (Fact("actions", float(len(actions)), str(len(actions)), "review.actions"),)
    headline = f"{len(actions)} actions, ranked by the money at stake ({money(money_total, currency)} in all)."
    return Section(
        SectionKind.ACTIONS,
        ACTIONS_TITLE,
        Presence.PRESENT,
        headline=headline,
        facts=facts,
        findings=findings,
    )


def assemble_briefing(
    wh: Warehouse,
    period: str | date | None = None,
    grain: Grain | str | None = None,
    settings: BriefingSettings | None = None,
    *,
    now: datetime | None = None,
) -> Briefing:
    """The briefing of ``period`` (default: the latest complete month) from ``wh``."""
    settings = settings or BriefingSettings()
    catalog = catalog_for(wh)
    timings: list[tuple[str, float]] = []
    t0 = time.perf_counter()
    as_of = detect_as_of(wh, catalog, [catalog.kpi(k) for k in catalog.ids])
    if as_of is None:
        raise DataError(
            "the warehouse holds no dated facts: load data (obeya load) or run obeya demo"
        )
    start, chosen = resolve_period(period, grain, as_of)
    card = scorecard(wh, start, chosen, catalog=catalog, as_of=as_of)
    if not any(r.value is not None for r in card.rows):
        raise DataError(
            f"no KPI has a figure for {period_label(start, chosen)}: load data for the period first"
        )
    timings.append(("kpi engine", time.perf_counter() - t0))
    ctx = Context(wh, catalog, chosen, start, card.as_of, card, read_names(wh), settings)
    payloads: dict[SectionKind, Any] = {}
    sections: list[Section] = []
    for kind in SectionKind:
        if kind is SectionKind.ACTIONS:
            continue
        if kind not in settings.sections:
            sections.append(Section.absent(kind, TITLES[kind], "left out by the settings"))
            continue
        t0 = time.perf_counter()
        try:
            section, payload = _build(kind, ctx)
        except ObeyaError as exc:
            section, payload = Section.absent(kind, TITLES[kind], str(exc).splitlines()[0]), None
        timings.append((kind.value, time.perf_counter() - t0))
        sections.append(section)
        payloads[kind] = payload
    t0 = time.perf_counter()
    evidence = Evidence(
        ctx,
        movers=payloads.get(SectionKind.MOVERS) or (),
        spc=payloads.get(SectionKind.SPC) or (),
        outlook=payloads.get(SectionKind.INVENTORY),
        hotspots=payloads.get(SectionKind.CAPACITY) or (),
        suppliers=payloads.get(SectionKind.SUPPLIERS) or (),
        pnl=payloads.get(SectionKind.PNL),
    )
    actions: tuple[Action, ...] = ()
    if SectionKind.ACTIONS in settings.sections:
        actions = propose_actions(evidence)
        sections.append(_actions_section(actions, settings.currency))
    else:
        sections.append(
            Section.absent(SectionKind.ACTIONS, ACTIONS_TITLE, "left out by the settings")
        )
    timings.append((SectionKind.ACTIONS.value, time.perf_counter() - t0))
    return Briefing(
        period=ctx.label,
        grain=chosen.value,
        period_start=start,
        period_end=ctx.end,
        as_of=ctx.as_of,
        generated_at=(now or datetime.now(UTC)).replace(microsecond=0),
        warehouse=str(wh.url),
        sections=tuple(sections),
        actions=actions,
        timings=tuple(timings),
    )


def _build(kind: SectionKind, ctx: Context) -> tuple[Section, Any]:
    builder: Callable[[Context], Any]
    match kind:
        case SectionKind.SCORECARD:
            return scorecard_section(ctx), None
        case SectionKind.MOVERS:
            builder = movers_section
        case SectionKind.SPC:
            builder = spc_section
        case SectionKind.INVENTORY:
            builder = inventory_section
        case SectionKind.CAPACITY:
            builder = capacity_section
        case SectionKind.SUPPLIERS:
            builder = suppliers_section
        case SectionKind.PNL:
            builder = pnl_section
        case SectionKind.FORECAST:
            return forecast_section(ctx), None
        case SectionKind.ACTIONS:
            raise AssertionError("actions are proposed after every other section")
        case _:
            assert_never(kind)
    result: tuple[Section, Any] = builder(ctx)
    return result
