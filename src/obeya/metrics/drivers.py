"""Why a KPI moved: rate and mix effects per member of one dimension.

For a ratio KPI ``R = sum(num) / sum(den)`` cut by a dimension with members ``i``,
let ``s_i = den_i / sum(den)`` be a member's share and ``r_i = num_i / den_i`` its own
rate, in the baseline (0) and the period (1). Then ``R = sum_i s_i r_i`` and::

    R1 - R0 = sum_i [ s1_i r1_i - s0_i r0_i ]
            = sum_i  s1_i (r1_i - r0_i)                 rate effect of member i
            + sum_i (s1_i - s0_i)(r0_i - R0)            mix effect of member i

The identity is exact because the shares of each period add up to one, so
``sum_i (s1_i - s0_i) R0 = 0``. A member present in one period only has share 0 in
the other; its missing rate is set to the rate it has, so a new member is all mix
(``s1 (r1 - R0)``) and a member that left is all mix (``-s0 (r0 - R0)``).

Against a target ``T`` (with per-member targets ``T_i``, a site's own target, else
``T``) the baseline is the period's own mix at target rates::

    R1 - T = sum_i s1_i (r1_i - T_i)   rate effect: each member against its target
           + sum_i s1_i (T_i - T)      mix effect: the mix of members with other targets

KPIs that add up over members (revenue, units, inventory value, throughput) split as
``V1 - V0 = sum_i (v1_i - v0_i)``: each member's change, with no mix effect.
Percentiles do not split and are refused.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import Any, assert_never

import numpy as np
from numpy.typing import ArrayLike, NDArray

from obeya.errors import SpecError
from obeya.metrics.catalog import Catalog
from obeya.metrics.engine import Source, evaluate, parse_dimensions
from obeya.metrics.formulas import Additivity, additivity, formula_measures, parse_formula
from obeya.metrics.loader import catalog_for, load_catalog
from obeya.metrics.measures import PERIOD
from obeya.metrics.periods import Grain, last_year_start, parse_period, period_label, prior_start
from obeya.metrics.spec import Dimension, Direction, KpiSpec, Unit
from obeya.warehouse import Warehouse

__all__ = [
    "Against",
    "Decomposition",
    "DriverResult",
    "MemberEffect",
    "Method",
    "decompose_additive",
    "decompose_against_target",
    "decompose_ratio",
    "explain",
]


class Against(StrEnum):
    PRIOR = "prior"
    LAST_YEAR = "last_year"
    TARGET = "target"


class Method(StrEnum):
    RATE_MIX = "rate_mix"  # ratio of sums: rate and mix effects
    ADDITIVE = "additive"  # the members' values add up: each member's change


@dataclass(frozen=True)
class Decomposition:
    """Per-member effects; ``total`` is the change they add up to."""

    baseline: float
    current: float
    share_0: NDArray[np.float64]
    share_1: NDArray[np.float64]
    rate_0: NDArray[np.float64]  # NaN where the member is absent
    rate_1: NDArray[np.float64]
    rate_effect: NDArray[np.float64]
    mix_effect: NDArray[np.float64]

    @property
    def total(self) -> float:
        return self.current - self.baseline

    @property
    def contribution(self) -> NDArray[np.float64]:
        return self.rate_effect + self.mix_effect


def _array(values: ArrayLike) -> NDArray[np.float64]:
    return np.nan_to_num(np.asarray(values, dtype=np.float64), nan=0.0)


def decompose_ratio(
    num_0: ArrayLike, den_0: ArrayLike, num_1: ArrayLike, den_1: ArrayLike
) -> Decomposition:
    """Rate and mix effects of a ratio of sums between two periods (see the module doc).

    Both periods need a positive total denominator.
    """
    n0, d0, n1, d1 = _array(num_0), _array(den_0), _array(num_1), _array(den_1)
    total_0, total_1 = float(d0.sum()), float(d1.sum())
    if total_0 <= 0 or total_1 <= 0:
        raise ValueError("both periods need a positive total denominator")
    r_base, r_now = float(n0.sum()) / total_0, float(n1.sum()) / total_1
    s0, s1 = d0 / total_0, d1 / total_1
    with np.errstate(divide="ignore", invalid="ignore"):
        own_0 = np.where(d0 > 0, n0 / np.where(d0 > 0, d0, 1.0), np.nan)
        own_1 = np.where(d1 > 0, n1 / np.where(d1 > 0, d1, 1.0), np.nan)
    r0 = np.where(np.isnan(own_0), np.nan_to_num(own_1, nan=r_base), own_0)
    r1 = np.where(np.isnan(own_1), r0, own_1)
    rate = s1 * (r1 - r0)
    mix = (s1 - s0) * (r0 - r_base)
    return Decomposition(r_base, r_now, s0, s1, own_0, own_1, rate, mix)


def decompose_against_target(
    num_1: ArrayLike, den_1: ArrayLike, targets: ArrayLike, target: float
) -> Decomposition:
    """Gap to a target: members against their own targets, and the mix of targets."""
    n1, d1, t = _array(num_1), _array(den_1), np.asarray(targets, dtype=np.float64)
    total = float(d1.sum())
    if total <= 0:
        raise ValueError("the period needs a positive total denominator")
    s1 = d1 / total
    with np.errstate(divide="ignore", invalid="ignore"):
        own = np.where(d1 > 0, n1 / np.where(d1 > 0, d1, 1.0), np.nan)
    r1 = np.where(np.isnan(own), t, own)
    rate = s1 * (r1 - t)
    mix = s1 * (t - target)
    return Decomposition(target, float(n1.sum()) / total, s1, s1, t, own, rate, mix)


def decompose_additive(value_0: ArrayLike, value_1: ArrayLike) -> Decomposition:
    """Each member's change, for KPIs whose member values add up to the total."""
    v0, v1 = _array(value_0), _array(value_1)
    zeros = np.zeros_like(v0)
    return Decomposition(
        float(v0.sum()), float(v1.sum()), zeros, zeros.copy(), v0, v1, v1 - v0, zeros.copy()
    )


# ------------------------------------------------------------------------ results


@dataclass(frozen=True)
class MemberEffect:
    member: str | None
    value_0: float | None  # the member's own rate (or value) in the baseline
    value_1: float | None
    share_0: float
    share_1: float
    rate_effect: float
    mix_effect: float

    @property
    def contribution(self) -> float:
        return self.rate_effect + self.mix_effect


@dataclass(frozen=True)
class DriverResult:
    """A KPI's change split by the members of one dimension, largest first."""

    kpi: str
    label: str
    unit: Unit
    direction: Direction
    dimension: Dimension
    grain: Grain
    period_start: date
    against: Against
    baseline_start: date | None  # None against a target
    value_0: float | None
    value_1: float | None
    method: Method
    members: tuple[MemberEffect, ...]
    reason: str | None = None  # why there is no decomposition

    @property
    def change(self) -> float | None:
        if self.value_0 is None or self.value_1 is None:
            return None
        return self.value_1 - self.value_0

    def _baseline_text(self) -> str:
        match self.against:
            case Against.PRIOR | Against.LAST_YEAR:
                assert self.baseline_start is not None
                text = f"vs {period_label(self.baseline_start, self.grain)}"
                return text + (" (last year)" if self.against is Against.LAST_YEAR else "")
            case Against.TARGET:
                return "vs target" + (
                    f" {self.unit.show(self.value_0)}" if self.value_0 is not None else ""
                )
            case _:
                assert_never(self.against)

    def sentence(self, top: int = 3) -> str:
        """The change and its main drivers, in one sentence a person can read aloud."""
        name = self.kpi.upper() if len(self.kpi) <= 4 else self.label
        change = self.change
        if change is None or self.value_1 is None:
            return f"{name}: no comparison {self._baseline_text()} ({self.reason or 'no data'})."
        unchanged = abs(change) < 1e-12
        if unchanged:
            head = f"{name} was unchanged at {self.unit.show(self.value_1)} {self._baseline_text()}"
        else:
            verb = "rose" if change > 0 else "fell"
            head = (
                f"{name} {verb} {self.unit.show_change(change)} to {self.unit.show(self.value_1)} "
                f"{self._baseline_text()}"
            )
        zero = self.unit.show_change(0.0)
        parts = [
            self._member_text(m, 0.0 if unchanged else change)
            for m in self.members[:top]
            # a contribution too small to show ("0.0 pts") says nothing a person can use
            if abs(m.contribution) > 1e-12 and self.unit.show_change(m.contribution) != zero
        ]
        return head + ("; " + ", ".join(parts) if parts else "") + "."

    def _member_text(self, m: MemberEffect, change: float) -> str:
        who = f"{self.dimension.value} {m.member if m.member is not None else '(none)'}"
        if self.method is Method.ADDITIVE:
            effect, text = m.contribution, who
        elif abs(m.rate_effect) >= abs(m.mix_effect):
            effect = m.rate_effect
            text = (
                f"{who} against its own target"
                if self.against is Against.TARGET
                else f"{who}'s own rate"
            )
        else:
            effect = m.mix_effect
            if self.against is Against.TARGET:
                text = f"the share of {who}, whose target differs,"
            else:
                text = f"the {'larger' if m.share_1 > m.share_0 else 'smaller'} share of {who}"
        if change == 0:
            verb = "added" if effect > 0 else "took off"
        else:
            verb = "explains" if effect * change > 0 else "offsets"
        return f"{text} {verb} {self.unit.show_change(effect)}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: dates as YYYY-MM-DD, codes as text."""
        return {
            "kpi": self.kpi,
            "label": self.label,
            "unit": self.unit.value,
            "direction": self.direction.value,
            "dimension": self.dimension.value,
            "grain": self.grain.value,
            "period_start": self.period_start.isoformat(),
            "against": self.against.value,
            "baseline_start": self.baseline_start.isoformat() if self.baseline_start else None,
            "value_0": self.value_0,
            "value_1": self.value_1,
            "change": self.change,
            "method": self.method.value,
            "reason": self.reason,
            "sentence": self.sentence(),
            "members": [
                {
                    "member": m.member,
                    "value_0": m.value_0,
                    "value_1": m.value_1,
                    "share_0": m.share_0,
                    "share_1": m.share_1,
                    "rate_effect": m.rate_effect,
                    "mix_effect": m.mix_effect,
                    "contribution": m.contribution,
                }
                for m in self.members
            ],
        }


# ------------------------------------------------------------------------ explain


def _method(kpi: KpiSpec, catalog: Catalog) -> Method:
    formula = kpi.formula
    additive = {m: catalog.measures[m].additive for m in catalog.measures}
    if formula.is_ratio:
        assert formula.numerator is not None
        assert formula.denominator is not None
        num = additivity(parse_formula(formula.numerator), additive)
        den = additivity(parse_formula(formula.denominator), additive)
        if num is Additivity.ADDITIVE and den is Additivity.ADDITIVE:
            return Method.RATE_MIX
        if num is Additivity.ADDITIVE and den is Additivity.CONSTANT:
            return Method.ADDITIVE
    else:
        assert formula.value is not None
        if additivity(parse_formula(formula.value), additive) is Additivity.ADDITIVE:
            return Method.ADDITIVE
    measures = ", ".join(formula_measures(formula))
    raise SpecError(
        f"{kpi.id} does not split into member contributions (it reads {measures}, "
        "a percentile or a non-additive formula); explain the matching mean or ratio KPI instead"
    )


def explain(
    source: Source,
    kpi: str,
    period: date | str,
    by: str | Dimension,
    against: Against | str = Against.PRIOR,
    grain: Grain | str = Grain.MONTH,
    filters: dict[str, object] | None = None,
    as_of: date | str | None = None,
    catalog: Catalog | None = None,
) -> DriverResult:
    """Split the change of ``kpi`` in ``period`` (vs prior, last year or target) by ``by``."""
    if catalog is None:
        catalog = catalog_for(source) if isinstance(source, Warehouse) else load_catalog()
    grain, spec = Grain.parse(grain), catalog.kpi(kpi)
    (dim,) = parse_dimensions([by])
    try:
        against = Against(against)
    except ValueError:
        raise SpecError(f"compare against prior, last_year or target, not {against!r}") from None
    method = _method(spec, catalog)
    current = parse_period(period, grain)
    match against:
        case Against.PRIOR:
            baseline: date | None = prior_start(current, grain)
        case Against.LAST_YEAR:
            baseline = last_year_start(current, grain)
            if baseline is None:
                raise SpecError(f"{period_label(current, grain)} has no same period last year")
        case Against.TARGET:
            baseline = None
            if spec.target is None:
                raise SpecError(f"{kpi} has no target to compare with; set one in kpis.yaml")
            if method is not Method.RATE_MIX:
                raise SpecError(
                    f"{kpi} adds up over members; only ratio KPIs split against a target"
                )
        case _:
            assert_never(against)
    result = evaluate(
        source,
        [kpi],
        grain,
        [dim],
        filters,
        start=baseline or current,
        end=current,
        as_of=as_of,
        catalog=catalog,
    )
    rows = result.table.to_pylist()
    # members with a value in each period (a member without one counts for nothing)
    now = {r[dim.value]: r for r in rows if r[PERIOD] == current and r["value"] is not None}
    then = {r[dim.value]: r for r in rows if r[PERIOD] == baseline and r["value"] is not None}
    members = sorted(set(now) | set(then), key=lambda m: (m is None, m or ""))

    def column(side: dict[Any, dict[str, Any]], name: str) -> list[float]:
        values = [side.get(m, {}).get(name) for m in members]
        return [math.nan if v is None else float(v) for v in values]

    empty = DriverResult(
        spec.id,
        spec.label,
        spec.unit,
        spec.direction,
        dim,
        grain,
        current,
        against,
        baseline,
        None,
        None,
        method,
        (),
    )
    for side, found in ((current, now), (baseline, then)):
        if side is not None and not found:
            return replace(empty, reason=f"{spec.empty_reason} ({period_label(side, grain)})")
    if against is Against.TARGET:
        assert spec.target is not None
        targets = [
            spec.target.for_site(m).value if dim is Dimension.SITE else spec.target.value
            for m in members
        ]
        d = decompose_against_target(
            column(now, "numerator"), column(now, "denominator"), targets, spec.target.value
        )
    elif method is Method.RATE_MIX:
        d = decompose_ratio(
            column(then, "numerator"),
            column(then, "denominator"),
            column(now, "numerator"),
            column(now, "denominator"),
        )
    else:
        d = decompose_additive(column(then, "value"), column(now, "value"))
    effects = [
        MemberEffect(
            m,
            _clean(d.rate_0[i]),
            _clean(d.rate_1[i]),
            float(d.share_0[i]),
            float(d.share_1[i]),
            float(d.rate_effect[i]),
            float(d.mix_effect[i]),
        )
        for i, m in enumerate(members)
    ]
    effects.sort(key=lambda e: (-abs(e.contribution), e.member is None, e.member or ""))
    return DriverResult(
        spec.id,
        spec.label,
        spec.unit,
        spec.direction,
        dim,
        grain,
        current,
        against,
        baseline,
        d.baseline,
        d.current,
        method,
        tuple(effects),
    )


def _clean(value: float) -> float | None:
    return None if math.isnan(value) else float(value)
