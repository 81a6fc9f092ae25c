"""Run rules for control charts: Western Electric (4 rules) and Nelson (8 rules).

Rules read standardised values ``z = (x - centre) / σ`` of the plotted statistic,
so one implementation serves charts with constant and with per-point (variable)
limits. Every rule is computed over whole arrays with cumulative sums, along the
last axis: a 1-D series (one chart) and a 2-D array (many characteristics at once,
one row each) go through the same code.

A rule *fires* at the point that completes its pattern; ``rule_masks`` returns, per
rule number, a boolean array that is True there. Zone boundaries are strict: a
point "beyond 2σ" has ``|z| > 2``; a point exactly on the centre line is on neither
side, so it ends a run.
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass
from typing import TypeAlias, assert_never

import numpy as np
import numpy.typing as npt

from obeya.errors import SpecError
from obeya.quality._input import BoolArray, FloatArray

__all__ = ["Pattern", "Rule", "RuleSet", "rule_masks", "rules_of"]

CountArray: TypeAlias = npt.NDArray[np.int32]


class RuleSet(enum.Enum):
    """A published set of run rules."""

    WESTERN_ELECTRIC = "western_electric"
    NELSON = "nelson"


class Pattern(enum.Enum):
    """The kinds of non-random pattern the rules look for."""

    BEYOND_LIMITS = "beyond_limits"  # 1 point beyond the control limits (3σ)
    ZONE_A = "zone_a"  # 2 of 3 beyond 2σ, same side
    ZONE_B = "zone_b"  # 4 of 5 beyond 1σ, same side
    RUN = "run"  # k in a row on the same side of the centre line
    TREND = "trend"  # k in a row steadily increasing or decreasing
    ALTERNATION = "alternation"  # k in a row alternating up and down
    STRATIFICATION = "stratification"  # k in a row within 1σ, either side
    MIXTURE = "mixture"  # k in a row with none within 1σ


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule of a rule set: its number in the set, pattern and window length."""

    rule_set: RuleSet
    number: int
    pattern: Pattern
    window: int
    summary: str


_W = RuleSet.WESTERN_ELECTRIC
_N = RuleSet.NELSON
_RULES: dict[RuleSet, tuple[Rule, ...]] = {
    _W: (
        Rule(_W, 1, Pattern.BEYOND_LIMITS, 1, "1 point beyond 3 sigma"),
        Rule(_W, 2, Pattern.ZONE_A, 3, "2 of 3 points beyond 2 sigma, same side"),
        Rule(_W, 3, Pattern.ZONE_B, 5, "4 of 5 points beyond 1 sigma, same side"),
        Rule(_W, 4, Pattern.RUN, 8, "8 points in a row on the same side of the centre line"),
    ),
    _N: (
        Rule(_N, 1, Pattern.BEYOND_LIMITS, 1, "1 point beyond 3 sigma"),
        Rule(_N, 2, Pattern.RUN, 9, "9 points in a row on the same side of the centre line"),
        Rule(_N, 3, Pattern.TREND, 6, "6 points in a row steadily increasing or decreasing"),
        Rule(_N, 4, Pattern.ALTERNATION, 14, "14 points in a row alternating up and down"),
        Rule(_N, 5, Pattern.ZONE_A, 3, "2 of 3 points beyond 2 sigma, same side"),
        Rule(_N, 6, Pattern.ZONE_B, 5, "4 of 5 points beyond 1 sigma, same side"),
        Rule(_N, 7, Pattern.STRATIFICATION, 15, "15 points in a row within 1 sigma"),
        Rule(_N, 8, Pattern.MIXTURE, 8, "8 points in a row with none within 1 sigma"),
    ),
}


def rules_of(rule_set: RuleSet, numbers: Collection[int] | None = None) -> tuple[Rule, ...]:
    """The rules of a set, optionally only those with the given numbers."""
    rules = _RULES[rule_set]
    if numbers is None:
        return rules
    known = {r.number for r in rules}
    unknown = sorted(set(numbers) - known)
    if unknown:
        raise SpecError(
            f"rule {unknown[0]} is not a rule of the {rule_set.value} set, which has rules "
            f"{min(known)} to {max(known)}"
        )
    return tuple(r for r in rules if r.number in numbers)


def _trailing_count(flags: BoolArray, window: int) -> CountArray:
    """How many of the last ``window`` flags (ending at each index) are True.

    Indices before a full window has been seen get -1, so no rule can fire there.
    """
    length = flags.shape[-1]
    out = np.full(flags.shape, -1, dtype=np.int32)
    if window > length:
        return out
    pad = np.zeros((*flags.shape[:-1], 1), dtype=np.int32)
    csum = np.concatenate([pad, np.cumsum(flags, axis=-1, dtype=np.int32)], axis=-1)
    out[..., window - 1 :] = csum[..., window:] - csum[..., : length - window + 1]
    return out


def _all_in_window(flags: BoolArray, window: int) -> BoolArray:
    return np.asarray(_trailing_count(flags, window) == window)


def _shift_right(mask: BoolArray, by: int, shape: tuple[int, ...]) -> BoolArray:
    """Move a mask defined on differences back onto the points (index + by)."""
    out = np.zeros(shape, dtype=bool)
    if shape[-1] > by:
        out[..., by:] = mask
    return out


def _pattern_mask(z: FloatArray, rule: Rule, limit: float) -> BoolArray:
    w = rule.window
    match rule.pattern:
        case Pattern.BEYOND_LIMITS:
            return np.asarray((z > limit) | (z < -limit))
        case Pattern.ZONE_A:
            return np.asarray(
                (_trailing_count(z > 2.0, w) >= 2) | (_trailing_count(z < -2.0, w) >= 2)
            )
        case Pattern.ZONE_B:
            return np.asarray(
                (_trailing_count(z > 1.0, w) >= 4) | (_trailing_count(z < -1.0, w) >= 4)
            )
        case Pattern.RUN:
            return _all_in_window(z > 0.0, w) | _all_in_window(z < 0.0, w)
        case Pattern.TREND:
            step = np.diff(z, axis=-1)
            # w points make w-1 steps, all up or all down.
            on_steps = _all_in_window(step > 0.0, w - 1) | _all_in_window(step < 0.0, w - 1)
            return _shift_right(on_steps, 1, z.shape)
        case Pattern.ALTERNATION:
            step = np.sign(np.diff(z, axis=-1))
            flips = (step[..., 1:] * step[..., :-1]) < 0.0
            # w points make w-1 steps and w-2 consecutive sign changes.
            return _shift_right(_all_in_window(flips, w - 2), 2, z.shape)
        case Pattern.STRATIFICATION:
            return _all_in_window(np.abs(z) < 1.0, w)
        case Pattern.MIXTURE:
            return _all_in_window(np.abs(z) > 1.0, w)
        case _:
            assert_never(rule.pattern)


def rule_masks(
    z: FloatArray,
    rule_set: RuleSet,
    numbers: Collection[int] | None = None,
    *,
    limit: float = 3.0,
) -> dict[int, BoolArray]:
    """For each rule, a boolean array (shaped like ``z``) true where the rule fires.

    ``z`` holds standardised values along its last axis (NaN for undefined points,
    which satisfy no condition). ``limit`` is the control-limit width in σ for
    rule 1 (3 for Shewhart charts; L for an EWMA chart).
    """
    values = np.asarray(z, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return {
            rule.number: _pattern_mask(values, rule, limit) for rule in rules_of(rule_set, numbers)
        }
