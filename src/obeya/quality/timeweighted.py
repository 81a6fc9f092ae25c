"""Time-weighted charts for small, sustained shifts: EWMA and tabular CUSUM.

Both chart the subgroup averages x̄ᵢ (the values themselves for individuals) against
a target μ0 and the standard deviation σx̄ = σ/√n of the charted statistic. Give
``target`` and ``sigma`` when they are known (a standard); otherwise they are
estimated from the retained reference subgroups: μ0 as their average and σ as R̄/d2
(equal subgroups of n >= 2) or MR̄/d2 (individuals). The recursions run as array
operations: the EWMA as a first-order linear filter, the CUSUM through the identity
C_i = S_i - min(0, S_1..S_i) for the partial sums S of the increments.

Only the decision rule of each chart applies (reported as rule 1 of the chosen rule
set): the run rules assume independent points, and EWMA and CUSUM points are not.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable
from dataclasses import dataclass

import numpy as np
from scipy import signal

from obeya.errors import DataError, SpecError
from obeya.quality._common import Phase1, Selection, assemble, select, subgroup_stats, zero_spread
from obeya.quality._input import FloatArray, Grouping, TableLike
from obeya.quality._signals import decimals_for
from obeya.quality.constants import control_constants
from obeya.quality.results import ChartKind, ControlChart, CusumChart, Panel, Signal, Statistic
from obeya.quality.rules import RuleSet

__all__ = ["cusum_chart", "ewma_chart"]

_WE = RuleSet.WESTERN_ELECTRIC


@dataclass(frozen=True, slots=True)
class _Series:
    grouping: Grouping
    x: FloatArray
    n: FloatArray
    selection: Selection
    target: float
    sigma: float  # of one observation
    sigma_x: float  # of the charted statistic


def _series(
    data: TableLike,
    subgroup: str,
    value: str,
    exclude: Collection[Hashable],
    phase1: Phase1,
    target: float | None,
    sigma: float | None,
    *,
    what: str,
) -> _Series:
    sg = subgroup_stats(data, subgroup, value, what=what)
    selection = select(sg.grouping, exclude, phase1, what=what)
    used = selection.used
    sizes = np.unique(sg.n)
    if sigma is not None:
        if not sigma > 0:
            raise SpecError(f"{what}: sigma={sigma} must be a positive number")
        sigma_hat = float(sigma)
    elif sizes.size > 1:
        raise DataError(
            f"{what}: subgroups have unequal sizes ({', '.join(f'{s:g}' for s in sizes)}), so "
            f"sigma cannot be estimated from ranges; pass sigma= (the process standard deviation)"
        )
    elif sizes[0] == 1:
        pairs = used[1:] & used[:-1]
        if not pairs.any():
            raise DataError(f"{what}: no two consecutive retained points to estimate sigma from")
        spread = float(np.abs(np.diff(sg.mean))[pairs].mean())
        if spread == 0:
            raise zero_spread(what, "MR-bar", "pass sigma= or check the measurement resolution")
        sigma_hat = spread / control_constants(2).d2
    else:
        spread = float(sg.range[used].mean())
        if spread == 0:
            raise zero_spread(what, "R-bar", "pass sigma= or check the measurement resolution")
        sigma_hat = spread / control_constants(int(sizes[0])).d2
    centre = float(sg.mean[used].mean()) if target is None else float(target)
    return _Series(
        grouping=sg.grouping,
        x=sg.mean,
        n=sg.n,
        selection=selection,
        target=centre,
        sigma=sigma_hat,
        sigma_x=sigma_hat / float(np.sqrt(sizes[0])) if sizes.size == 1 else sigma_hat,
    )


def ewma_chart(
    data: TableLike,
    *,
    subgroup: str = "subgroup",
    value: str = "value",
    lam: float = 0.2,
    width: float = 3.0,
    target: float | None = None,
    sigma: float | None = None,
    exclude: Collection[Hashable] = (),
    phase1: Phase1 = None,
    rule_set: RuleSet = _WE,
) -> ControlChart:
    """EWMA chart: zᵢ = λx̄ᵢ + (1-λ)zᵢ₋₁ from z₀ = μ0, with time-varying limits
    μ0 ± L·σx̄·sqrt(λ/(2-λ)·(1-(1-λ)^(2i))) (Montgomery §9.2). ``lam`` is λ, ``width`` L.

    With unequal subgroup sizes pass ``sigma``; it is then used as σx̄ directly.
    """
    what = "EWMA chart"
    if not 0.0 < lam <= 1.0:
        raise SpecError(f"{what}: lam={lam} must be in (0, 1]; 0.05 to 0.25 are usual")
    if not width > 0:
        raise SpecError(f"{what}: width (L)={width} must be positive; 2.7 to 3 are usual")
    s = _series(data, subgroup, value, exclude, phase1, target, sigma, what=what)
    z = signal.lfilter([lam], [1.0, -(1.0 - lam)], s.x, zi=[(1.0 - lam) * s.target])[0]
    step = np.arange(1, s.x.size + 1)
    spread = s.sigma_x * np.sqrt(lam / (2.0 - lam) * (1.0 - (1.0 - lam) ** (2 * step)))
    centre = np.full(s.x.size, s.target)
    panel = Panel(
        Statistic.EWMA,
        np.asarray(z, dtype=np.float64),
        centre,
        centre + width * spread,
        centre - width * spread,
        spread,
        width,
        (1,),
    )
    return assemble(
        ChartKind.EWMA,
        s.grouping,
        (panel,),
        s.selection,
        rule_set,
        extra={"x": s.x, "n": s.n},
        parameters={"lambda": lam, "L": width, "target": s.target, "sigma": s.sigma},
    )


def _cusum_side(increments: FloatArray) -> tuple[FloatArray, FloatArray]:
    """One-sided CUSUM Cᵢ = max(0, Cᵢ₋₁ + yᵢ), and periods since it was last zero."""
    partial = np.cumsum(increments)
    lowest = np.minimum.accumulate(np.concatenate([[0.0], partial]))[1:]
    sums = np.maximum(partial - lowest, 0.0)
    step = np.arange(1, increments.size + 1)
    last_zero = np.maximum.accumulate(np.where(sums == 0.0, step, 0))
    return sums, (step - last_zero).astype(np.float64)


def _cusum_signals(
    sums: FloatArray,
    runs: FloatArray,
    s: _Series,
    k: float,
    h: float,
    upward: bool,
    rule_set: RuleSet,
) -> list[Signal]:
    labels = s.grouping.labels
    big_h, big_k = h * s.sigma_x, k * s.sigma_x
    over = sums > big_h
    firsts = np.flatnonzero(over & ~np.concatenate([[False], over[:-1]]))
    places = decimals_for(s.sigma_x)
    found = []
    for first in firsts.tolist():
        stop = first
        while stop + 1 < over.size and over[stop + 1]:
            stop += 1
        start = first - int(runs[first]) + 1
        shift = big_k + sums[first] / runs[first]
        mean = s.target + shift if upward else s.target - shift
        side = "upper" if upward else "lower"
        explanation = (
            f"Subgroups {labels[start]} to {labels[stop]}: the {side} CUSUM reached "
            f"{sums[first]:.{places}f} at subgroup {labels[first]}, beyond the decision "
            f"interval H = {big_h:.{places}f} ({h:g} sigma). The mean has shifted "
            f"{'up' if upward else 'down'} to about {mean:.{places}f} (target "
            f"{s.target:.{places}f}) since subgroup {labels[start]}; find what changed then "
            f"and correct it."
        )
        found.append(
            Signal(
                Statistic.CUSUM, labels[first], 1, rule_set, labels[start : stop + 1], explanation
            )
        )
    return found


def cusum_chart(
    data: TableLike,
    *,
    subgroup: str = "subgroup",
    value: str = "value",
    k: float = 0.5,
    h: float = 5.0,
    target: float | None = None,
    sigma: float | None = None,
    exclude: Collection[Hashable] = (),
    phase1: Phase1 = None,
    rule_set: RuleSet = _WE,
) -> CusumChart:
    """Tabular CUSUM (Montgomery §9.1): C⁺ᵢ = max(0, x̄ᵢ - (μ0 + K) + C⁺ᵢ₋₁) and
    C⁻ᵢ = max(0, (μ0 - K) - x̄ᵢ + C⁻ᵢ₋₁), with K = k·σx̄, signalling when a sum exceeds
    H = h·σx̄. A signal estimates the new mean as μ0 ± (K + C/N), N the periods since
    the sum was last zero.
    """
    what = "CUSUM chart"
    if not k >= 0:
        raise SpecError(f"{what}: k={k} must be >= 0 (0.5 detects a 1-sigma shift)")
    if not h > 0:
        raise SpecError(f"{what}: h={h} must be positive (4 or 5 are usual)")
    s = _series(data, subgroup, value, exclude, phase1, target, sigma, what=what)
    big_k = k * s.sigma_x
    c_plus, n_plus = _cusum_side(s.x - (s.target + big_k))
    c_minus, n_minus = _cusum_side((s.target - big_k) - s.x)
    signals = _cusum_signals(c_plus, n_plus, s, k, h, True, rule_set) + _cusum_signals(
        c_minus, n_minus, s, k, h, False, rule_set
    )
    order = {label: i for i, label in enumerate(s.grouping.labels)}
    return CusumChart(
        labels=s.grouping.labels,
        x=s.x,
        c_plus=c_plus,
        c_minus=c_minus,
        n_plus=n_plus,
        n_minus=n_minus,
        target=s.target,
        sigma=s.sigma_x,
        k=k,
        h=h,
        signals=tuple(sorted(signals, key=lambda sig: order[sig.subgroup])),
        phase=s.selection.phase,
        rule_set=rule_set,
        reference=s.selection.reference,
        excluded=s.selection.excluded,
    )
