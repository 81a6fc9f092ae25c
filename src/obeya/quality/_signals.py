"""From rule firings to signals a supervisor can act on.

``rules.rule_masks`` says where each rule fires. Here consecutive firings of one
rule whose windows overlap (and point the same way) are merged into one *episode*:
a run of ten points above the centre line is one signal, not three. The signal is
reported at the subgroup where the rule first fired (where action was due), lists
every subgroup in the pattern, and explains it in plain words.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass, replace
from typing import assert_never

import numpy as np

from obeya.quality._input import FloatArray
from obeya.quality.results import Panel, Signal, Statistic
from obeya.quality.rules import Pattern, Rule, RuleSet, rule_masks, rules_of

__all__ = ["decimals_for", "panel_signals"]


_DISPERSION = (Statistic.R, Statistic.S, Statistic.MR)


def decimals_for(sigma: float) -> int:
    """Decimals that show a value to about a hundredth of σ (enough to read a chart)."""
    if not math.isfinite(sigma) or sigma <= 0:
        return 3
    return max(0, 2 - math.floor(math.log10(sigma)))


@dataclass(frozen=True, slots=True)
class _Episode:
    rule: Rule
    first: int  # index where the rule first fired
    start: int  # first point of the pattern
    stop: int  # last point of the pattern (inclusive)
    direction: int  # +1 above / increasing, -1 below / decreasing, 0 neither


def _direction(z: FloatArray, rule: Rule, i: int) -> int:
    window = z[i - rule.window + 1 : i + 1]
    match rule.pattern:
        case Pattern.BEYOND_LIMITS | Pattern.RUN:
            return 1 if z[i] > 0 else -1
        case Pattern.ZONE_A:
            return 1 if np.count_nonzero(window > 2.0) >= 2 else -1
        case Pattern.ZONE_B:
            return 1 if np.count_nonzero(window > 1.0) >= 4 else -1
        case Pattern.TREND:
            return 1 if z[i] > z[i - 1] else -1
        case Pattern.ALTERNATION | Pattern.STRATIFICATION | Pattern.MIXTURE:
            return 0
        case _:
            assert_never(rule.pattern)


def _episodes(
    z: FloatArray, rule_set: RuleSet, numbers: tuple[int, ...], limit: float
) -> list[_Episode]:
    masks = rule_masks(z, rule_set, numbers, limit=limit)
    found: list[_Episode] = []
    for rule in rules_of(rule_set, numbers):
        current: _Episode | None = None
        for i in np.flatnonzero(masks[rule.number]).tolist():
            direction = _direction(z, rule, i)
            start = i - rule.window + 1
            if current is not None and start <= current.stop and direction == current.direction:
                current = replace(current, stop=i)
                continue
            if current is not None:
                found.append(current)
            current = _Episode(rule, i, start, i, direction)
        if current is not None:
            found.append(current)
    return sorted(found, key=lambda e: (e.first, e.rule.number))


def _span(labels: tuple[Hashable, ...], start: int, stop: int) -> str:
    if start == stop:
        return f"Subgroup {labels[start]}"
    return f"Subgroups {labels[start]} to {labels[stop]}"


def _explain(episode: _Episode, panel: Panel, labels: tuple[Hashable, ...]) -> str:
    i, rule = episode.first, episode.rule
    places = decimals_for(float(np.median(panel.sigma)))
    noun = panel.statistic.noun
    where = _span(labels, episode.start, episode.stop)
    count = episode.stop - episode.start + 1
    centre = f"{panel.center[i]:.{places}f}"
    side = "above" if episode.direction > 0 else "below"
    way = "up" if episode.direction > 0 else "down"
    match rule.pattern:
        case Pattern.BEYOND_LIMITS:
            limit = panel.ucl[i] if episode.direction > 0 else panel.lcl[i]
            which = "upper" if episode.direction > 0 else "lower"
            text = (
                f"{where}: the {noun} {panel.values[i]:.{places}f} is {side} the {which} "
                f"control limit {limit:.{places}f}. "
            )
            if panel.statistic in (Statistic.EWMA, Statistic.CUSUM):
                return text + (
                    f"The process mean has drifted {way}: find what changed in the subgroups "
                    f"leading up to {labels[i]} and correct it."
                )
            if panel.statistic in _DISPERSION and episode.direction > 0:
                return text + (
                    "Variation jumped here: look for a specific cause (worn tool, new "
                    "operator, mixed material, a measurement problem), fix it and record it."
                )
            if panel.statistic in _DISPERSION:
                return text + (
                    "Variation dropped here: check the measurement (gauge, rounding) before "
                    "taking credit, then find out what made the process steadier."
                )
            return text + (
                "A stable process puts a point there only about 3 times in 1,000, so look "
                "for a specific cause at this subgroup (material, machine, method, operator, "
                "measurement), fix it and record it."
            )
        case Pattern.ZONE_A:
            return (
                f"{where}: 2 of 3 consecutive points are more than 2 sigma {side} the centre "
                f"line {centre}. The {noun} has probably moved {way}; check what changed just "
                f"before subgroup {labels[episode.start]}."
            )
        case Pattern.ZONE_B:
            return (
                f"{where}: 4 of 5 consecutive points are more than 1 sigma {side} the centre "
                f"line {centre}. A moderate, sustained shift {way} is likely; check what "
                f"changed around subgroup {labels[episode.start]}."
            )
        case Pattern.RUN:
            return (
                f"{where}: {count} points in a row {side} the centre line {centre}. The "
                f"{noun} has shifted {way}; find what changed around subgroup "
                f"{labels[episode.start]} (new batch, setting, shift or tool) and reset it, or "
                f"recompute the limits if the change was intended."
            )
        case Pattern.TREND:
            moving = "increasing" if episode.direction > 0 else "decreasing"
            return (
                f"{where}: {count} points in a row steadily {moving}. Something is drifting "
                f"(tool wear, temperature, fatigue, a depleting material); correct the drift "
                f"before it crosses a limit."
            )
        case Pattern.ALTERNATION:
            return (
                f"{where}: {count} points in a row alternate up and down. A saw-tooth like this "
                f"points to two alternating sources (machines, shifts or operators feeding one "
                f"chart) or to over-adjustment; chart the sources apart and stop tampering."
            )
        case Pattern.STRATIFICATION:
            return (
                f"{where}: {count} points in a row within 1 sigma of the centre line. There is "
                f"less variation than the limits expect: the limits may be stale or each "
                f"subgroup mixes several streams; check the sampling and recompute the limits."
            )
        case Pattern.MIXTURE:
            return (
                f"{where}: {count} points in a row more than 1 sigma from the centre line, on "
                f"both sides and none near it. Two process levels are probably mixed (two "
                f"machines, materials or setups); separate them and chart each on its own."
            )
        case _:
            assert_never(rule.pattern)


def panel_signals(
    panel: Panel, labels: tuple[Hashable, ...], rule_set: RuleSet
) -> tuple[Signal, ...]:
    """The signals of one panel under the rules it applies (``panel.rules``)."""
    if not panel.rules:
        return ()
    return tuple(
        Signal(
            chart=panel.statistic,
            subgroup=labels[e.first],
            rule=e.rule.number,
            rule_set=rule_set,
            points=labels[e.start : e.stop + 1],
            explanation=_explain(e, panel, labels),
        )
        for e in _episodes(panel.z, rule_set, panel.rules, panel.limit)
    )
