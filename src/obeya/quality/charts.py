"""Shewhart control charts for variables (X-bar/R, X-bar/S, I-MR) and attributes (p, np, c, u).

Every chart takes a long table (one row per measurement or inspection) with
configurable column names, computes the subgroup statistics with one groupby, sets
the limits from a reference set, and applies the run rules. Subgroups keep the labels
of the input, in the order they first appear (sort the table by time first).

Phase I (default): limits from all subgroups, less those listed in ``exclude`` (the
ones with an assignable cause found); re-run with a longer ``exclude`` list to get
revised limits. Phase II: ``phase1`` fixes the limits from a reference set (the first
k subgroups, or a list of labels) and every subgroup is judged against them.

The X-bar, I and attribute panels get every rule of ``rule_set``; the R, S and MR
panels get rule 1 only (their points are skewed and, for MR, correlated), unless
``all_rules_on_dispersion=True``. Formulas: Montgomery, *Introduction to Statistical
Quality Control*, chapters 6 and 7.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable

import numpy as np

from obeya.errors import DataError
from obeya.quality._common import (
    Phase1,
    all_rules,
    assemble,
    constant_size,
    dispersion_rules,
    per_point_constants,
    select,
    shewhart_panel,
    subgroup_stats,
    zero_spread,
)
from obeya.quality._input import FloatArray, Grouping, TableLike, as_frame, group, numeric
from obeya.quality.constants import control_constants
from obeya.quality.results import ChartKind, ControlChart, Statistic
from obeya.quality.rules import RuleSet

__all__ = [
    "c_chart",
    "imr_chart",
    "np_chart",
    "p_chart",
    "u_chart",
    "xbar_r_chart",
    "xbar_s_chart",
]

_WE = RuleSet.WESTERN_ELECTRIC


def xbar_r_chart(
    data: TableLike,
    *,
    subgroup: str = "subgroup",
    value: str = "value",
    exclude: Collection[Hashable] = (),
    phase1: Phase1 = None,
    rule_set: RuleSet = _WE,
    all_rules_on_dispersion: bool = False,
) -> ControlChart:
    """X-bar and R chart: x̿ ± A2·R̄ and [D3·R̄, D4·R̄]; subgroups of one size n >= 2."""
    what = "X-bar/R chart"
    sg = subgroup_stats(data, subgroup, value, what=what)
    n = constant_size(
        sg.n, sg.grouping, what=what, fix="use xbar_s_chart, which allows unequal sizes"
    )
    if n < 2:
        raise DataError(f"{what}: subgroups have one value each; use imr_chart for individuals")
    selection = select(sg.grouping, exclude, phase1, what=what)
    k = control_constants(n)
    grand, r_bar = float(sg.mean[selection.used].mean()), float(sg.range[selection.used].mean())
    if r_bar == 0:
        raise zero_spread(what, "R-bar", "check the measurement resolution")
    sigma = r_bar / k.d2
    panels = (
        shewhart_panel(Statistic.XBAR, sg.mean, grand, sigma / np.sqrt(n), all_rules(rule_set)),
        shewhart_panel(
            Statistic.R,
            sg.range,
            r_bar,
            k.d3 * sigma,
            dispersion_rules(rule_set, all_rules_on_dispersion),
            floor=0.0,
        ),
    )
    return assemble(
        ChartKind.XBAR_R,
        sg.grouping,
        panels,
        selection,
        rule_set,
        extra={"n": sg.n},
        parameters={"n": n, "xbarbar": grand, "rbar": r_bar, "sigma_within": sigma},
    )


def xbar_s_chart(
    data: TableLike,
    *,
    subgroup: str = "subgroup",
    value: str = "value",
    exclude: Collection[Hashable] = (),
    phase1: Phase1 = None,
    rule_set: RuleSet = _WE,
    all_rules_on_dispersion: bool = False,
) -> ControlChart:
    """X-bar and S chart: x̿ ± A3(nᵢ)·S̄ and [B3(nᵢ)·S̄, B4(nᵢ)·S̄].

    Equal sizes: x̿ and S̄ are plain averages. Unequal sizes (Montgomery §6.3.2): x̿ is
    weighted by nᵢ, S̄ is the pooled sqrt(Σ(nᵢ-1)sᵢ² / (Σnᵢ - m)), and the limits vary
    with each subgroup's size.
    """
    what = "X-bar/S chart"
    sg = subgroup_stats(data, subgroup, value, what=what)
    if (sg.n < 2).any():
        j = int(np.flatnonzero(sg.n < 2)[0])
        raise DataError(
            f"{what}: subgroup {sg.grouping.labels[j]!r} has a single value, so no standard "
            f"deviation; every subgroup needs n >= 2 (use imr_chart for individuals)"
        )
    selection = select(sg.grouping, exclude, phase1, what=what)
    m = selection.used
    equal = bool(np.all(sg.n == sg.n[0]))
    if equal:
        grand, s_bar = float(sg.mean[m].mean()), float(sg.sd[m].mean())
    else:
        grand = float(np.sum(sg.n[m] * sg.mean[m]) / np.sum(sg.n[m]))
        s_bar = float(np.sqrt(np.sum((sg.n[m] - 1) * sg.sd[m] ** 2) / (np.sum(sg.n[m]) - m.sum())))
    if s_bar == 0:
        raise zero_spread(what, "S-bar", "check the measurement resolution")
    k = per_point_constants(sg.n)
    sigma_within = s_bar / float(k["c4"][0]) if equal else s_bar
    panels = (
        shewhart_panel(Statistic.XBAR, sg.mean, grand, k["A3"] * s_bar / 3.0, all_rules(rule_set)),
        shewhart_panel(
            Statistic.S,
            sg.sd,
            s_bar,
            s_bar * np.sqrt(1.0 - k["c4"] ** 2) / k["c4"],
            dispersion_rules(rule_set, all_rules_on_dispersion),
            floor=0.0,
        ),
    )
    return assemble(
        ChartKind.XBAR_S,
        sg.grouping,
        panels,
        selection,
        rule_set,
        extra={"n": sg.n},
        parameters={"xbarbar": grand, "sbar": s_bar, "sigma_within": sigma_within},
    )


def imr_chart(
    data: TableLike,
    *,
    subgroup: str = "subgroup",
    value: str = "value",
    exclude: Collection[Hashable] = (),
    phase1: Phase1 = None,
    rule_set: RuleSet = _WE,
    all_rules_on_dispersion: bool = False,
) -> ControlChart:
    """Individuals and moving-range chart: x̄ ± 3·MR̄/d2 and [0, D4·MR̄] with n = 2.

    A moving range that touches an excluded point (or leaves the reference set) is
    left out of MR̄. The first moving range is undefined (null in JSON).
    """
    what = "I-MR chart"
    sg = subgroup_stats(data, subgroup, value, what=what)
    if (sg.n != 1).any():
        j = int(np.flatnonzero(sg.n != 1)[0])
        raise DataError(
            f"{what}: subgroup {sg.grouping.labels[j]!r} has {int(sg.n[j])} values; an "
            f"individuals chart takes one value per label (use xbar_r_chart for subgroups)"
        )
    x = sg.mean
    selection = select(sg.grouping, exclude, phase1, what=what)
    mr = np.concatenate([[np.nan], np.abs(np.diff(x))])
    mr_used = np.concatenate([[False], selection.used[1:] & selection.used[:-1]])
    if not mr_used.any():
        raise DataError(
            f"{what}: no two consecutive retained subgroups, so no moving range to estimate "
            f"sigma from; exclude fewer points"
        )
    k = control_constants(2)
    centre, mr_bar = float(x[selection.used].mean()), float(mr[mr_used].mean())
    if mr_bar == 0:
        raise zero_spread(what, "MR-bar", "check the measurement resolution")
    sigma = mr_bar / k.d2
    panels = (
        shewhart_panel(Statistic.INDIVIDUAL, x, centre, sigma, all_rules(rule_set)),
        shewhart_panel(
            Statistic.MR,
            mr,
            mr_bar,
            k.d3 * sigma,
            dispersion_rules(rule_set, all_rules_on_dispersion),
            floor=0.0,
        ),
    )
    return assemble(
        ChartKind.I_MR,
        sg.grouping,
        panels,
        selection,
        rule_set,
        parameters={"xbar": centre, "mrbar": mr_bar, "sigma_within": sigma},
    )


def _totals(
    data: TableLike, subgroup: str, columns: tuple[str, ...], *, what: str
) -> tuple[Grouping, list[FloatArray]]:
    """Sum count columns per subgroup (several inspections of one day add up)."""
    frame = as_frame(data, [subgroup, *columns], what=what)
    grouping = group(frame, subgroup, what=what)
    sums = []
    for column in columns:
        values = numeric(frame, column, what=what)
        if (values < 0).any():
            row = int(np.flatnonzero(values < 0)[0])
            raise DataError(
                f"{what}: column {column!r} has a negative count {values[row]:g} at row {row}; "
                f"counts and sample sizes cannot be negative"
            )
        totals = np.bincount(grouping.codes, weights=values, minlength=grouping.size)
        sums.append(np.asarray(totals, dtype=np.float64))
    return grouping, sums


def _proportions(
    data: TableLike, subgroup: str, defectives: str, size: str, *, what: str
) -> tuple[Grouping, FloatArray, FloatArray]:
    grouping, (d, n) = _totals(data, subgroup, (defectives, size), what=what)
    if (n <= 0).any() or (d > n).any():
        j = int(np.flatnonzero((n <= 0) | (d > n))[0])
        raise DataError(
            f"{what}: subgroup {grouping.labels[j]!r} has {d[j]:g} defectives in a sample of "
            f"{n[j]:g}; the sample size must be positive and at least the defectives"
        )
    return grouping, d, n


def p_chart(
    data: TableLike,
    *,
    subgroup: str = "subgroup",
    defectives: str = "defectives",
    size: str = "size",
    exclude: Collection[Hashable] = (),
    phase1: Phase1 = None,
    rule_set: RuleSet = _WE,
) -> ControlChart:
    """Fraction defective: p̄ ± 3·sqrt(p̄(1-p̄)/nᵢ), per-point limits for unequal nᵢ.

    p̄ = Σ defectives / Σ inspected over the retained reference subgroups. Rules run on
    the standardised values, so they also hold for variable limits.
    """
    what = "p chart"
    grouping, d, n = _proportions(data, subgroup, defectives, size, what=what)
    selection = select(grouping, exclude, phase1, what=what)
    p_bar = float(d[selection.used].sum() / n[selection.used].sum())
    if p_bar in (0.0, 1.0):
        raise zero_spread(what, "p-bar(1 - p-bar)", "chart counts over longer periods")
    sigma = np.sqrt(p_bar * (1.0 - p_bar) / n)
    panel = shewhart_panel(
        Statistic.P, d / n, p_bar, sigma, all_rules(rule_set), floor=0.0, cap=1.0
    )
    return assemble(
        ChartKind.P,
        grouping,
        (panel,),
        selection,
        rule_set,
        extra={"defectives": d, "n": n},
        parameters={"pbar": p_bar},
    )


def np_chart(
    data: TableLike,
    *,
    subgroup: str = "subgroup",
    defectives: str = "defectives",
    size: str = "size",
    exclude: Collection[Hashable] = (),
    phase1: Phase1 = None,
    rule_set: RuleSet = _WE,
) -> ControlChart:
    """Number defective in samples of one size n: n·p̄ ± 3·sqrt(n·p̄(1-p̄))."""
    what = "np chart"
    grouping, d, n = _proportions(data, subgroup, defectives, size, what=what)
    size_n = constant_size(n, grouping, what=what, fix="use p_chart for unequal sample sizes")
    selection = select(grouping, exclude, phase1, what=what)
    p_bar = float(d[selection.used].sum() / n[selection.used].sum())
    if p_bar in (0.0, 1.0):
        raise zero_spread(what, "p-bar(1 - p-bar)", "chart counts over longer periods")
    sigma = np.sqrt(size_n * p_bar * (1.0 - p_bar))
    panel = shewhart_panel(
        Statistic.NP, d, size_n * p_bar, sigma, all_rules(rule_set), floor=0.0, cap=size_n
    )
    return assemble(
        ChartKind.NP,
        grouping,
        (panel,),
        selection,
        rule_set,
        extra={"n": n},
        parameters={"pbar": p_bar, "n": size_n},
    )


def c_chart(
    data: TableLike,
    *,
    subgroup: str = "subgroup",
    count: str = "count",
    exclude: Collection[Hashable] = (),
    phase1: Phase1 = None,
    rule_set: RuleSet = _WE,
) -> ControlChart:
    """Nonconformities per inspection unit of constant size: c̄ ± 3·sqrt(c̄)."""
    what = "c chart"
    grouping, (c,) = _totals(data, subgroup, (count,), what=what)
    selection = select(grouping, exclude, phase1, what=what)
    c_bar = float(c[selection.used].mean())
    if c_bar == 0:
        raise zero_spread(what, "c-bar", "chart counts over larger inspection units")
    panel = shewhart_panel(Statistic.C, c, c_bar, np.sqrt(c_bar), all_rules(rule_set), floor=0.0)
    return assemble(
        ChartKind.C, grouping, (panel,), selection, rule_set, parameters={"cbar": c_bar}
    )


def u_chart(
    data: TableLike,
    *,
    subgroup: str = "subgroup",
    count: str = "count",
    units: str = "units",
    exclude: Collection[Hashable] = (),
    phase1: Phase1 = None,
    rule_set: RuleSet = _WE,
) -> ControlChart:
    """Nonconformities per unit: ū ± 3·sqrt(ū/nᵢ), per-point limits for unequal nᵢ."""
    what = "u chart"
    grouping, (c, n) = _totals(data, subgroup, (count, units), what=what)
    if (n <= 0).any():
        j = int(np.flatnonzero(n <= 0)[0])
        raise DataError(
            f"{what}: subgroup {grouping.labels[j]!r} inspected {n[j]:g} units; the number "
            f"of units must be positive"
        )
    selection = select(grouping, exclude, phase1, what=what)
    u_bar = float(c[selection.used].sum() / n[selection.used].sum())
    if u_bar == 0:
        raise zero_spread(what, "u-bar", "chart counts over more units")
    panel = shewhart_panel(
        Statistic.U, c / n, u_bar, np.sqrt(u_bar / n), all_rules(rule_set), floor=0.0
    )
    return assemble(
        ChartKind.U,
        grouping,
        (panel,),
        selection,
        rule_set,
        extra={"count": c, "n": n},
        parameters={"ubar": u_bar},
    )
