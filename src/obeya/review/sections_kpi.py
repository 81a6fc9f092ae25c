"""The KPI sections: the scorecard and the top movers with their drivers."""

from __future__ import annotations

from datetime import date

from obeya.metrics import ScorecardRow, Status, Unit
from obeya.metrics.periods import period_label
from obeya.review import charts
from obeya.review.context import Context, status_tone
from obeya.review.model import Fact, Finding, Presence, Section, SectionKind, TableBlock, TableRow
from obeya.review.movers import Mover, cell_detail, explain_mover, rank_movers
from obeya.review.narrative import kpi_name

__all__ = ["movers_section", "points", "scorecard_section", "signed_change"]

SCORECARD_TITLE = "Scorecard"
MOVERS_TITLE = "Top movers"


def points(row: ScorecardRow) -> list[tuple[date, float | None]]:
    """The row's sparkline as (period start, value) pairs."""
    return [(p.period_start, p.value) for p in row.sparkline]


def signed_change(unit: Unit, change: float | None) -> str:
    """``+0.1 pts``, ``-11.2 pts``, ``+2,786,389``; a dash when there is no comparison."""
    if change is None:
        return "-"
    if change == 0:
        return "0"
    return ("+" if change > 0 else "-") + unit.show_change(change)


def _distance(row: ScorecardRow, ctx: Context) -> float:
    """How many tolerance bands a red or amber KPI sits beyond its target."""
    spec = ctx.catalog.kpi(row.kpi)
    if spec.target is None or row.value is None or row.target is None:
        return 0.0
    band = abs(spec.target.value - spec.target.red) or 1.0
    return abs(row.value - row.target) / band


def scorecard_section(ctx: Context) -> Section:
    """Every company-wide KPI: value, target, status, changes and a sparkline."""
    rows = [r for r in ctx.scorecard.rows if r.member is None]
    shown = [r for r in rows if r.value is not None]
    if not shown:
        return Section.absent(
            SectionKind.SCORECARD,
            SCORECARD_TITLE,
            f"no KPI has a figure for {ctx.label}: the warehouse holds no facts in the period",
        )
    table_rows = []
    for r in shown:  # one row per KPI
        tone = status_tone(r.status)
        table_rows.append(
            TableRow(
                cells=(
                    kpi_name(r.kpi, r.label),
                    r.display,
                    "-" if r.target is None else r.unit.show(r.target),
                    r.status or "-",
                    signed_change(r.unit, r.change_vs_prior),
                    signed_change(r.unit, r.change_vs_last_year),
                ),
                tone=tone,
                chart=charts.sparkline(points(r), tone, r.label),
                link=ctx.kpi_link(r.kpi),
            )
        )
    counts = {s: sum(1 for r in shown if r.status == s.value) for s in Status}
    with_target = sum(counts.values())
    worst = sorted(
        (r for r in shown if r.status == Status.RED.value),
        key=lambda r: (-_distance(r, ctx), r.kpi),
    )[:3]
    headline = (
        f"In {ctx.label}, {counts[Status.GREEN]} of {with_target} KPIs with a target met it, "
        f"{counts[Status.AMBER]} are amber and {counts[Status.RED]} red"
    )
    if worst:
        furthest = ", ".join(
            f"{kpi_name(r.kpi, r.label)} {r.display} (target {r.unit.show(r.target or 0.0)})"
            for r in worst
        )
        headline += f"; furthest from target: {furthest}"
    facts = tuple(
        Fact(
            f"KPIs {s.value}",
            float(counts[s]),
            str(counts[s]),
            f"metrics.scorecard {ctx.label}",
            status_tone(s.value),
        )
        for s in Status
    )
    missing = [r for r in rows if r.value is None]
    notes = (
        (
            f"No figure in {ctx.label} for "
            + "; ".join(f"{kpi_name(r.kpi, r.label)} ({r.reason or 'no data'})" for r in missing),
        )
        if missing
        else ()
    )
    periods = len(shown[0].sparkline)
    first = period_label(shown[0].sparkline[0].period_start, ctx.grain) if periods else ctx.label
    return Section(
        SectionKind.SCORECARD,
        SCORECARD_TITLE,
        Presence.PRESENT,
        headline=headline + ".",
        facts=facts,
        table=TableBlock(
            ("KPI", "Value", "Target", "Status", "vs prior", "vs last year"),
            tuple(table_rows),
            chart_column=f"{first} to {ctx.label}",
        ),
        notes=notes,
    )


def _finding(ctx: Context, m: Mover) -> Finding:
    spec, row = m.spec, m.row
    assert row.value is not None
    source = f"metrics.scorecard {spec.id} {ctx.label}"
    facts = [
        Fact(spec.label, row.value, spec.unit.show(row.value), source, status_tone(row.status)),
        Fact(
            f"change against {period_label(m.baseline, ctx.grain)}",
            m.change,
            signed_change(spec.unit, m.change),
            source,
        ),
        Fact("size of the move (tolerance bands)", m.size, f"{m.size:.1f}", "review.movers"),
    ]
    details: list[str] = []
    if m.cell is not None:
        facts.append(
            Fact(
                f"from {m.cell.first.value} {m.cell.first_member}, {m.cell.second.value} {m.cell.second_member}",
                m.cell.contribution,
                signed_change(spec.unit, m.cell.contribution),
                f"metrics.compute {spec.id} by {m.cell.first.value}, {m.cell.second.value}; decompose",
            )
        )
        detail = cell_detail(m, ctx.names, ctx.grain)
        if detail:
            details.append(detail)
    elif m.top is not None and m.drivers is not None:
        facts.append(
            Fact(
                f"from {m.drivers.dimension.value} {m.top.member}",
                m.top.contribution,
                signed_change(spec.unit, m.top.contribution),
                f"metrics.explain {spec.id} by {m.drivers.dimension.value}",
            )
        )
    if m.drivers is not None and m.drivers.members:
        details.append(f"By {m.drivers.dimension.value}: {m.drivers.sentence()}")
    red = spec.target.red if spec.target is not None else None
    target = spec.target.value if spec.target is not None else None
    chart = charts.trend(
        points(row),
        spec.unit,
        f"{spec.label}, {period_label(row.sparkline[0].period_start, ctx.grain)} to {ctx.label}",
        target,
        red,
        "%G-W%V" if ctx.grain.value == "week" else "%Y-%m",
    )
    by = m.drivers.dimension if m.drivers is not None else None
    tone = status_tone(Status.RED.value if m.adverse else Status.GREEN.value)
    return Finding(m.sentence, tuple(facts), chart, ctx.kpi_link(spec.id, by), tone, tuple(details))


def movers_section(ctx: Context) -> tuple[Section, tuple[Mover, ...]]:
    """The KPIs that moved most, each with the members that drove the move."""
    candidates = rank_movers(ctx.scorecard.rows, ctx.catalog, min_size=ctx.settings.min_mover_size)
    movers: list[Mover] = []
    for c in candidates:  # stops after the few movers asked for
        if len(movers) >= ctx.settings.movers:
            break
        mover = explain_mover(ctx.wh, c, ctx.start, ctx.grain, ctx.as_of, ctx.catalog, ctx.names)
        if mover is not None:
            movers.append(mover)
    if not movers:
        headline = (
            f"No KPI moved by {ctx.settings.min_mover_size:g} of its tolerance band or more in "
            f"{ctx.label}, against the prior period or last year."
        )
        return Section(SectionKind.MOVERS, MOVERS_TITLE, Presence.PRESENT, headline=headline), ()
    worse = [m for m in movers if m.adverse]
    better = [m for m in movers if not m.adverse]
    parts = []
    if worse:
        parts.append("worse: " + ", ".join(m.name for m in worse))
    if better:
        parts.append("better: " + ", ".join(m.name for m in better))
    headline = f"The {len(movers)} largest moves in {ctx.label} ({'; '.join(parts)})."
    return (
        Section(
            SectionKind.MOVERS,
            MOVERS_TITLE,
            Presence.PRESENT,
            headline=headline,
            findings=tuple(_finding(ctx, m) for m in movers),
        ),
        tuple(movers),
    )
