"""Shared steps of the control charts: subgroup statistics, the reference set, panels."""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from obeya.errors import DataError, SpecError
from obeya.quality._input import (
    BoolArray,
    FloatArray,
    Grouping,
    TableLike,
    as_frame,
    group,
    label_mask,
    numeric,
)
from obeya.quality._signals import panel_signals
from obeya.quality.constants import control_constants
from obeya.quality.results import ChartKind, ControlChart, Panel, Phase, Statistic
from obeya.quality.rules import RuleSet, rules_of

# How the reference set is given: the first k subgroups, or their labels.
Phase1 = int | Sequence[Hashable] | None


@dataclass(frozen=True, slots=True)
class Subgroups:
    """Per-subgroup size, mean, range and standard deviation (NaN when n = 1)."""

    grouping: Grouping
    n: FloatArray
    mean: FloatArray
    range: FloatArray
    sd: FloatArray


def subgroup_stats(data: TableLike, subgroup: str, value: str, *, what: str) -> Subgroups:
    """Group a long (subgroup, value) table; one pandas groupby, no loop over rows."""
    frame = as_frame(data, [subgroup, value], what=what)
    return summarise(group(frame, subgroup, what=what), numeric(frame, value, what=what))


def summarise(grouping: Grouping, values: FloatArray) -> Subgroups:
    """Size, mean, range and standard deviation of each subgroup of ``values``."""
    stats = (
        pd.DataFrame({"g": grouping.codes, "v": values})
        .groupby("g", sort=True)["v"]
        .agg(["count", "mean", "max", "min", "std"])
    )
    return Subgroups(
        grouping=grouping,
        n=stats["count"].to_numpy(np.float64),
        mean=stats["mean"].to_numpy(np.float64),
        range=(stats["max"] - stats["min"]).to_numpy(np.float64),
        sd=stats["std"].to_numpy(np.float64),
    )


def constant_size(sizes: FloatArray, grouping: Grouping, *, what: str, fix: str) -> int:
    """The one subgroup size a chart needs, or a refusal naming a subgroup that differs."""
    first = int(sizes[0])
    differ = np.flatnonzero(sizes != first)
    if differ.size:
        j = int(differ[0])
        raise DataError(
            f"{what}: subgroups must all have the same size; subgroup {grouping.labels[0]!r} "
            f"has n={first} but subgroup {grouping.labels[j]!r} has n={int(sizes[j])}; {fix}"
        )
    return first


def per_point_constants(sizes: FloatArray) -> dict[str, FloatArray]:
    """Chart constants looked up once per distinct subgroup size, spread to every point."""
    distinct, inverse = np.unique(sizes.astype(np.int64), return_inverse=True)
    table = [control_constants(int(n)).to_dict() for n in distinct]
    return {
        key: np.array([row[key] for row in table], dtype=np.float64)[inverse]
        for key in ("c4", "d2", "d3", "A3", "B3", "B4")
    }


@dataclass(frozen=True, slots=True)
class Selection:
    """Which subgroups set the limits: the reference set minus the excluded ones."""

    phase: Phase
    reference: BoolArray
    excluded: BoolArray

    @property
    def used(self) -> BoolArray:
        return np.asarray(self.reference & ~self.excluded)


def select(
    grouping: Grouping,
    exclude: Collection[Hashable],
    phase1: Phase1,
    *,
    what: str,
    minimum: int = 2,
) -> Selection:
    """Resolve ``phase1`` (first k subgroups or their labels) and ``exclude`` (labels)."""
    if isinstance(exclude, (str, bytes)) or not isinstance(exclude, Collection):
        raise SpecError(
            f"{what}: exclude must be a list of subgroup labels, e.g. exclude=[15, 23]; "
            f"got {exclude!r}"
        )
    excluded = label_mask(grouping, list(exclude), what=what, argument="exclude")
    if phase1 is None:
        phase, reference = Phase.PHASE_I, np.ones(grouping.size, dtype=bool)
    elif isinstance(phase1, (int, np.integer)) and not isinstance(phase1, bool):
        if not 1 <= phase1 <= grouping.size:
            raise SpecError(
                f"{what}: phase1={phase1} must count between 1 and the {grouping.size} "
                f"subgroups in the data"
            )
        phase, reference = Phase.PHASE_II, np.arange(grouping.size) < phase1
    elif isinstance(phase1, Sequence) and not isinstance(phase1, (str, bytes)):
        phase = Phase.PHASE_II
        reference = label_mask(grouping, list(phase1), what=what, argument="phase1")
    else:
        raise SpecError(
            f"{what}: phase1 must be the number of leading subgroups or a list of their "
            f"labels; got {phase1!r}"
        )
    selection = Selection(phase, reference, excluded)
    kept = int(selection.used.sum())
    if kept < minimum:
        raise SpecError(
            f"{what}: only {kept} subgroup(s) are left to compute the limits after "
            f"exclusions; at least {minimum} are needed (20 to 25 are recommended)"
        )
    return selection


def all_rules(rule_set: RuleSet) -> tuple[int, ...]:
    return tuple(r.number for r in rules_of(rule_set))


def dispersion_rules(rule_set: RuleSet, all_rules_on_dispersion: bool) -> tuple[int, ...]:
    """Rule 1 only on R, S and MR charts unless asked (their points are skewed)."""
    return all_rules(rule_set) if all_rules_on_dispersion else (1,)


def shewhart_panel(
    statistic: Statistic,
    values: FloatArray,
    center: FloatArray | float,
    sigma: FloatArray | float,
    rules: tuple[int, ...],
    *,
    floor: float | None = None,
    cap: float | None = None,
) -> Panel:
    """Centre ± 3σ limits, the lower one floored (counts, ranges) and the upper capped (p)."""
    size = values.shape[0]
    centre = np.broadcast_to(np.asarray(center, dtype=np.float64), (size,)).copy()
    spread = np.broadcast_to(np.asarray(sigma, dtype=np.float64), (size,)).copy()
    ucl = centre + 3.0 * spread
    lcl = centre - 3.0 * spread
    if floor is not None:
        lcl = np.maximum(lcl, floor)
    if cap is not None:
        ucl = np.minimum(ucl, cap)
    return Panel(statistic, values, centre, ucl, lcl, spread, 3.0, rules)


def assemble(
    kind: ChartKind,
    grouping: Grouping,
    panels: tuple[Panel, ...],
    selection: Selection,
    rule_set: RuleSet,
    *,
    extra: Mapping[str, FloatArray] | None = None,
    parameters: Mapping[str, float] | None = None,
) -> ControlChart:
    """The chart result, with the signals of every panel in subgroup order."""
    order = {label: i for i, label in enumerate(grouping.labels)}
    signals = sorted(
        (s for p in panels for s in panel_signals(p, grouping.labels, rule_set)),
        key=lambda s: (order[s.subgroup], s.chart.value, s.rule),
    )
    return ControlChart(
        kind=kind,
        labels=grouping.labels,
        panels=panels,
        signals=tuple(signals),
        phase=selection.phase,
        rule_set=rule_set,
        reference=selection.reference,
        excluded=selection.excluded,
        extra=dict(extra or {}),
        parameters=dict(parameters or {}),
    )


def zero_spread(what: str, statistic: str, hint: str) -> DataError:
    """The refusal when the reference subgroups show no variation at all."""
    return DataError(
        f"{what}: {statistic} of the reference subgroups is 0, so the limits would collapse "
        f"onto the centre line; {hint}"
    )
