"""The SPC section: characteristics whose process went out of statistical control.

For each characteristic (``characteristics``, its samples read by
:func:`obeya.quality.from_warehouse.characteristic_samples`), an X-bar/R chart
(:func:`obeya.quality.xbar_r_chart`; X-bar/S when subgroup sizes differ) takes its
limits from a reference window, the ``spc_reference_weeks`` weeks ending 52 weeks
before the period's last day (a year earlier, so the limits describe the process
as it was then), and judges every subgroup of the period against them with the
Western Electric rules (Phase II). A characteristic needs at least
:data:`MIN_REFERENCE` reference subgroups. Capability (Cpk and the expected parts
per million out of specification) is computed for the reference window and for
the period with :func:`obeya.quality.capability`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

import pyarrow as pa

from obeya.errors import DataError, ObeyaError
from obeya.quality import (
    Capability,
    ControlChart,
    RuleSet,
    Statistic,
    capability,
    rules_of,
    spc_chart_spec,
    xbar_r_chart,
    xbar_s_chart,
)
from obeya.review import charts
from obeya.review.context import Context
from obeya.review.links import Page
from obeya.review.model import Fact, Finding, Presence, Section, SectionKind, Tone
from obeya.warehouse import Warehouse

if TYPE_CHECKING:
    from obeya.quality.from_warehouse import Characteristic

__all__ = [
    "MIN_REFERENCE",
    "SpcFinding",
    "judge_characteristic",
    "reference_window",
    "spc_section",
]

TITLE = "Processes out of control"
MIN_REFERENCE = 20  # subgroups behind the limits (Montgomery: 20 to 25 or more)
_RULES = {r.number: r for r in rules_of(RuleSet.WESTERN_ELECTRIC)}


@dataclass(frozen=True)
class SpcFinding:
    """One characteristic judged in the period."""

    characteristic: Characteristic
    reference: tuple[date, date]
    subgroups: int  # subgroups measured in the period
    flagged: int  # of them, those that raised a signal
    rules: tuple[tuple[int, int], ...]  # (rule number, signals), most frequent first
    center: float
    period_mean: float
    chart: ControlChart
    before: Capability | None
    now: Capability | None

    @property
    def share(self) -> float:
        return self.flagged / self.subgroups if self.subgroups else 0.0


def _capability(frame: pa.Table, c: Characteristic) -> Capability | None:
    if c.lsl is None and c.usl is None:
        return None
    try:
        return capability(frame.to_pandas(), lsl=c.lsl, usl=c.usl, target=c.target)
    except ObeyaError:
        return None  # too few values or a degenerate spread: no capability to show


def judge_characteristic(
    wh: Warehouse,
    c: Characteristic,
    first: date,
    last: date,
    ref_start: date,
    ref_end: date,
) -> SpcFinding | str:
    """Subgroups measured from ``first`` to ``last`` judged against limits from the
    reference window; the finding, or the reason the characteristic cannot be judged."""
    from obeya.quality.from_warehouse import characteristic_samples

    try:
        ref = characteristic_samples(wh, c.characteristic_id, start=ref_start, end=ref_end)
    except DataError:
        return f"{c.characteristic_id}: no reference samples from {ref_start} to {ref_end}"
    try:
        now = characteristic_samples(wh, c.characteristic_id, start=first, end=last)
    except DataError:
        return f"{c.characteristic_id}: no samples from {first} to {last}"
    ref_groups = ref.column("subgroup").unique()
    if len(ref_groups) < MIN_REFERENCE:
        return (
            f"{c.characteristic_id}: {len(ref_groups)} reference subgroups, "
            f"{MIN_REFERENCE} needed for limits"
        )
    frame = pa.concat_tables([ref, now]).to_pandas()
    try:
        chart = xbar_r_chart(frame, phase1=len(ref_groups))
    except DataError:
        chart = xbar_s_chart(frame, phase1=len(ref_groups))  # unequal subgroup sizes
    period_groups = set(now.column("subgroup").unique().to_pylist())
    signals = [s for s in chart.signals if s.subgroup in period_groups]
    flagged = {p for s in signals for p in s.points if p in period_groups} | {
        s.subgroup for s in signals
    }
    rules = Counter(s.rule for s in signals).most_common()
    xbar = chart.panel(Statistic.XBAR)
    values = now.column("value").to_pylist()
    return SpcFinding(
        c,
        (ref_start, ref_end),
        len(period_groups),
        len(flagged),
        tuple(rules),
        float(xbar.center[0]),
        sum(values) / len(values),
        chart,
        _capability(ref, c),
        _capability(now, c),
    )


def reference_window(last: date, weeks: int) -> tuple[date, date]:
    """The ``weeks`` weeks ending 52 weeks before ``last`` (limits from a year earlier)."""
    end = last - timedelta(weeks=52)
    return end - timedelta(weeks=weeks) + timedelta(days=1), end


def _judge(ctx: Context, c: Characteristic, ref_start: date, ref_end: date) -> SpcFinding | str:
    return judge_characteristic(ctx.wh, c, ctx.start, min(ctx.end, ctx.as_of), ref_start, ref_end)


def _sentence(ctx: Context, f: SpcFinding) -> str:
    c = f.characteristic
    unit = f" {c.unit}" if c.unit else ""
    where = ", ".join(
        x
        for x in (c.resource_id and f"line {c.resource_id}", c.site_id and f"site {c.site_id}")
        if x
    )
    rules = "; ".join(f"{_RULES[r].summary} ({n}x)" for r, n in f.rules if r in _RULES)
    places = 3 if abs(f.center) < 100 else 1
    return (
        f"{c.name} ({c.characteristic_id}{', ' + where if where else ''}): {f.flagged} of "
        f"{f.subgroups} subgroups in {ctx.label} are part of a signal; the period's mean is "
        f"{f.period_mean:.{places}f}{unit} against a centre line of {f.center:.{places}f}{unit} "
        f"from {f.reference[0]} to {f.reference[1]}" + (f". Rules: {rules}" if rules else "") + "."
    )


def _facts(f: SpcFinding) -> tuple[Fact, ...]:
    source = f"quality.xbar_r_chart {f.characteristic.characteristic_id}"
    facts = [
        Fact("subgroups in the period", float(f.subgroups), str(f.subgroups), source),
        Fact("subgroups in a signal", float(f.flagged), str(f.flagged), source, Tone.BAD),
        Fact("centre line (reference)", f.center, f"{f.center:.4g}", source),
        Fact("mean in the period", f.period_mean, f"{f.period_mean:.4g}", "quality_samples"),
    ]
    for label, cap in (("reference", f.before), ("period", f.now)):
        if cap is not None and cap.cpk is not None:
            facts.append(
                Fact(f"Cpk ({label})", cap.cpk, f"{cap.cpk:.2f}", f"quality.capability {label}")
            )
            facts.append(
                Fact(
                    f"expected out of spec ({label})",
                    cap.ppm_expected.total,
                    f"{cap.ppm_expected.total:,.0f} ppm",
                    f"quality.capability {label}",
                )
            )
    return tuple(facts)


def _improvements(ctx: Context) -> list[Finding]:
    """The latest verification of each improvement project in the kaizen register,
    verified by the end of the period (none when the register is not there)."""
    try:
        from obeya.quality.register import latest_verifications, list_projects
        from obeya.quality.summary import verification_sentence
    except ImportError:
        return []
    projects = {p.id: p for p in list_projects(ctx.wh)}
    last = min(ctx.end, ctx.as_of)
    out = []
    for v in latest_verifications(ctx.wh):  # a handful of projects
        project = projects.get(v.project_id)
        if project is None or v.verified_at.date() > last:
            continue
        source = f"quality.register verification {v.verification_id}"
        out.append(
            Finding(
                verification_sentence(project, v),
                (
                    Fact(
                        "annual saving",
                        v.annual_saving,
                        f"{v.annual_saving:,.0f}",
                        source,
                        Tone.GOOD if v.improved else Tone.NEUTRAL,
                    ),
                ),
                None,
                ctx.kpi_link(v.kpi),
                Tone.GOOD if v.improved else Tone.WARN,
            )
        )
    return out


def spc_section(ctx: Context) -> tuple[Section, tuple[SpcFinding, ...]]:
    """Characteristics with signals in the period, most affected first."""
    try:
        from obeya.quality.from_warehouse import read_characteristic
    except ImportError:
        return Section.absent(
            SectionKind.SPC, TITLE, "the quality engine's warehouse reader is not installed"
        ), ()
    ids = (
        ctx.wh.table("characteristics")
        .select("characteristic_id")
        .order_by("characteristic_id")
        .limit(ctx.settings.spc_max_characteristics)
        .to_pyarrow()
        .column(0)
        .to_pylist()
    )
    if not ids:
        return Section.absent(
            SectionKind.SPC,
            TITLE,
            "no characteristics in the warehouse: load characteristics and quality_samples",
        ), ()
    ref_start, ref_end = reference_window(min(ctx.end, ctx.as_of), ctx.settings.spc_reference_weeks)
    judged: list[SpcFinding] = []
    skipped: list[str] = []
    for cid in ids:  # a handful of characteristics, one chart each
        outcome = _judge(ctx, read_characteristic(ctx.wh, cid), ref_start, ref_end)
        if isinstance(outcome, str):
            skipped.append(outcome)
        else:
            judged.append(outcome)
    if not judged:
        return Section.absent(
            SectionKind.SPC,
            TITLE,
            f"no characteristic could be charted for {ctx.label} ({'; '.join(skipped[:3])})",
        ), ()
    signalling = sorted(
        (f for f in judged if f.flagged),
        key=lambda f: (-f.share, f.characteristic.characteristic_id),
    )
    shown = signalling[: ctx.settings.top_items]
    findings = []
    for i, f in enumerate(shown):
        chart = None
        if i == 0:
            spec = spc_chart_spec(f.chart, width=560, height=160).to_dict()
            chart = charts.spc(
                spec,
                f"{f.characteristic.name} ({f.characteristic.characteristic_id}): X-bar and R",
                "control chart; limits from the reference window, signals marked",
            )
        findings.append(
            Finding(
                _sentence(ctx, f),
                _facts(f),
                chart,
                ctx.link(Page.SPC, characteristic=f.characteristic.characteristic_id),
                Tone.BAD if f.share >= 0.5 else Tone.WARN,
            )
        )
    if signalling:
        worst = signalling[0]
        headline = (
            f"{len(signalling)} of {len(judged)} characteristics signal in {ctx.label}; "
            f"the most affected is {worst.characteristic.name} ({worst.characteristic.characteristic_id}), "
            f"{worst.flagged} of {worst.subgroups} subgroups."
        )
    else:
        headline = (
            f"All {len(judged)} characteristics charted stay in control in {ctx.label} "
            f"against limits from {ref_start} to {ref_end}."
        )
    notes = (f"Not charted: {'; '.join(skipped)}",) if skipped else ()
    findings += _improvements(ctx)
    facts = (
        Fact("characteristics charted", float(len(judged)), str(len(judged)), "quality_samples"),
        Fact(
            "characteristics signalling",
            float(len(signalling)),
            str(len(signalling)),
            "quality.xbar_r_chart",
        ),
    )
    return (
        Section(
            SectionKind.SPC,
            TITLE,
            Presence.PRESENT,
            headline=headline,
            facts=facts,
            findings=tuple(findings),
            notes=notes,
        ),
        tuple(signalling),
    )
