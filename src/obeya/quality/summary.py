"""Results in words and small tables, for people reading a terminal or a briefing.

Each function turns one typed result into rows or sentences; numbers are shown to
about a hundredth of the σ of what is plotted, so a limit reads as precisely as the
chart can tell, no more.
"""

from __future__ import annotations

import math
from typing import assert_never

import numpy as np
import pyarrow as pa

from obeya.metrics import Unit
from obeya.quality._signals import decimals_for
from obeya.quality.capability import Capability, CapabilityMethod
from obeya.quality.register import KaizenProject, Verification
from obeya.quality.results import ChartKind, ControlChart, CusumChart, Panel

__all__ = [
    "capability_method_text",
    "capability_rows",
    "chart_heading",
    "limit_rows",
    "signal_lines",
    "verification_sentence",
]

_TITLES = {
    ChartKind.XBAR_R: "X-bar/R chart",
    ChartKind.XBAR_S: "X-bar/S chart",
    ChartKind.I_MR: "I-MR chart",
    ChartKind.P: "p chart",
    ChartKind.NP: "np chart",
    ChartKind.C: "c chart",
    ChartKind.U: "u chart",
    ChartKind.EWMA: "EWMA chart",
    ChartKind.CUSUM: "CUSUM chart",
}


def _text(values: np.ndarray, places: int) -> str:
    if np.all(values == values[0]):
        return f"{values[0]:.{places}f}"
    return f"{values.min():.{places}f} to {values.max():.{places}f} (varies)"


def _panel_row(panel: Panel) -> dict[str, str]:
    places = decimals_for(float(np.median(panel.sigma)))
    return {
        "chart": panel.statistic.value,
        "plots": panel.statistic.noun,
        "center": _text(panel.center, places),
        "ucl": _text(panel.ucl, places),
        "lcl": _text(panel.lcl, places),
    }


def limit_rows(result: ControlChart | CusumChart) -> pa.Table:
    """One row per panel: what it plots and its centre line and limits, as text."""
    if isinstance(result, CusumChart):
        places = decimals_for(result.sigma)
        big_h = result.decision_interval
        rows = [
            {
                "chart": "cusum",
                "plots": "upper and lower cumulative sums",
                "center": f"{0.0:.{places}f}",
                "ucl": f"{big_h:.{places}f}",
                "lcl": f"{-big_h:.{places}f}",
            }
        ]
    else:
        rows = [_panel_row(p) for p in result.panels]
    return pa.Table.from_pylist(rows)


def chart_heading(result: ControlChart | CusumChart, source: str) -> str:
    """A line saying which chart, from what data, with which limits and rules."""
    kind = ChartKind.CUSUM if isinstance(result, CusumChart) else result.kind
    used = int((result.reference & ~result.excluded).sum())
    total = len(result.labels)
    phase = (
        f"phase II: limits from {used} trial subgroup(s), {total} judged"
        if result.phase.value == "II"
        else f"phase I: limits from {used} of {total} subgroups"
    )
    dropped = int(result.excluded.sum())
    excluded = f", {dropped} excluded as assignable causes" if dropped else ""
    if isinstance(result, CusumChart):
        extra = (
            f"; target {result.target:.{decimals_for(result.sigma)}f}, k = {result.k:g}, "
            f"h = {result.h:g}"
        )
    else:
        extra = ""
    count = len(result.signals)
    return (
        f"{_TITLES[kind]} of {source}: {phase}{excluded}{extra}; rules: "
        f"{result.rule_set.value}; {count} signal{'s' if count != 1 else ''}"
    )


def signal_lines(result: ControlChart | CusumChart) -> list[str]:
    """One line per signal: chart, rule, subgroup and the plain explanation."""
    return [
        f"- {s.chart.value} rule {s.rule} at subgroup {s.subgroup}: {s.explanation}"
        for s in result.signals
    ]


def _number(value: float | None, places: int = 3) -> str:
    return "" if value is None or not math.isfinite(value) else f"{value:,.{places}f}"


def capability_rows(cap: Capability) -> pa.Table:
    """The indices, σ estimates and PPM as (measure, value) rows of text."""
    ci = "" if cap.cpk_ci is None else f"{cap.cpk_ci[0]:.3f} to {cap.cpk_ci[1]:.3f}"
    within = "" if cap.ppm_expected_within is None else _number(cap.ppm_expected_within.total, 1)
    rows = [
        ("Cp", _number(cap.cp)),
        ("Cpk", _number(cap.cpk)),
        (f"Cpk {cap.confidence:.0%} interval", ci),
        ("Pp", _number(cap.pp)),
        ("Ppk", _number(cap.ppk)),
        ("Cpm", _number(cap.cpm)),
        ("sigma within", f"{cap.sigma_within:.6g} ({cap.within_method.value})"),
        ("sigma overall", f"{cap.sigma_overall:.6g}"),
        ("mean", f"{cap.mean:.6g}"),
        ("expected ppm (overall)", _number(cap.ppm_expected.total, 1)),
        ("expected ppm (within)", within),
        ("observed ppm", _number(cap.ppm_observed.total, 1)),
        ("sigma level (Z.bench)", _number(cap.sigma_level, 2)),
        ("values", str(cap.n)),
    ]
    return pa.table({"measure": [r[0] for r in rows], "value": [r[1] for r in rows]})


def capability_method_text(cap: Capability) -> str:
    """Which method was used, and why (the Anderson-Darling verdict)."""
    ad = cap.normality
    verdict = (
        f"Anderson-Darling A*² = {ad.adjusted:.3f}, p = {ad.p_value:.3g} "
        f"{'>=' if ad.normal else '<'} {ad.alpha:g}: normality "
        f"{'not rejected' if ad.normal else 'rejected'}"
    )
    match cap.method:
        case CapabilityMethod.NORMAL:
            how = "normal: indices from the normal model of the data"
        case CapabilityMethod.BOX_COX:
            how = (
                f"box_cox: data and limits transformed with lambda = {cap.box_cox_lambda:.3f}, "
                f"normal indices on that scale"
            )
        case CapabilityMethod.PERCENTILE:
            how = (
                "percentile (ISO 22514-2): Pp and Ppk from the 0.135/50/99.865 % points; "
                "Cp, Cpk and Cpm are not defined"
            )
        case _:
            assert_never(cap.method)
    return f"method: {how} ({verdict})"


def verification_sentence(project: KaizenProject, v: Verification) -> str:
    """What changed, whether it is significant, and what it is worth per year."""
    unit = Unit(v.unit)
    moved = "rose" if v.change > 0 else "fell" if v.change < 0 else "stayed"
    change = unit.show_change(v.change)
    test = {
        "two_proportion_z": "two-proportion z test",
        "welch_t": "Welch's t test",
        "mann_whitney_u": "Mann-Whitney U test",
    }.get(v.test, v.test)
    verdict = (
        "improved"
        if v.improved
        else "significant but worse"
        if v.significant
        else "not significant: the change may be noise"
    )
    target = ""
    if v.target is not None:
        target = f" Target {unit.show(v.target)} {'met' if v.target_met else 'not met'}."
    return (
        f"{project.id} {project.title}: {v.kpi} ({project.filters_text()}) {moved} from "
        f"{unit.show(v.before_value)} to {unit.show(v.after_value)} ({change}); {test} "
        f"p = {v.p_value:.3g} {'<' if v.significant else '>='} {v.alpha:g}: {verdict}."
        f"{target} Annual saving {v.annual_saving:,.0f} ({1 - v.alpha:.0%} interval "
        f"{v.saving_low:,.0f} to {v.saving_high:,.0f}) = improvement {v.improvement:.6g} x "
        f"{v.value_per_unit:,.6g} per unit x {v.annual_volume:,.6g} per year."
    )
