"""Did the improvement work? Before/after tests for kaizen and Six Sigma projects.

The test follows the kind of KPI:

* ``RATE`` (defect rate, on-time rate): two-proportion z test on the counts, pooled
  standard error for the p-value (statsmodels ``proportions_ztest``), Wald interval
  of the difference with the unpooled standard error;
* ``MEAN`` (cycle time, cost per unit, roughly symmetric): Welch's t test, which does
  not assume equal variances (scipy ``ttest_ind(equal_var=False)``), with its
  Welch-Satterthwaite interval;
* ``SKEWED`` (lead times, waiting times with long tails): Mann-Whitney U test; the
  change is the Hodges-Lehmann shift (median of all after-minus-before differences)
  with the distribution-free interval of Lehmann (normal approximation of its ranks).

Every test is two-sided. ``significant`` means p < alpha; ``improved`` means
significant *and* in the better direction. The annual saving values the realised
improvement: improvement per unit × value per unit of improvement × volume per year.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, assert_never

import numpy as np
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

from obeya.errors import DataError, SpecError
from obeya.quality._input import FloatArray

__all__ = [
    "Better",
    "Counts",
    "Improvement",
    "KpiKind",
    "SignificanceTest",
    "compare_distributions",
    "compare_means",
    "compare_rates",
    "verify_improvement",
]


class KpiKind(enum.Enum):
    """The kind of KPI, which decides the test."""

    RATE = "rate"
    MEAN = "mean"
    SKEWED = "skewed"


class Better(enum.Enum):
    """Which direction is an improvement."""

    HIGHER = "higher"
    LOWER = "lower"


class SignificanceTest(enum.Enum):
    """The significance test used."""

    TWO_PROPORTION_Z = "two_proportion_z"
    WELCH_T = "welch_t"
    MANN_WHITNEY_U = "mann_whitney_u"


@dataclass(frozen=True, slots=True)
class Counts:
    """Events (defects, late orders) out of trials (units, orders) in one period."""

    events: int
    trials: int

    def __post_init__(self) -> None:
        if self.trials <= 0 or not 0 <= self.events <= self.trials:
            raise DataError(
                f"counts: {self.events} events out of {self.trials} trials; trials must be "
                f"positive and events between 0 and trials"
            )

    @property
    def rate(self) -> float:
        return self.events / self.trials


@dataclass(frozen=True, slots=True)
class Improvement:
    """The verdict on a before/after comparison and what it is worth per year.

    ``change`` = after - before (estimate), ``ci`` its interval; ``improvement`` is the
    change signed so that positive is better. The saving is computed from the point
    estimate and its interval; count on it only when ``improved``.
    """

    kind: KpiKind
    test: SignificanceTest
    better: Better
    before: float
    after: float
    change: float
    ci: tuple[float, float]
    statistic: float
    p_value: float
    alpha: float
    value_per_unit: float
    volume_per_year: float

    @property
    def significant(self) -> bool:
        return self.p_value < self.alpha

    @property
    def improvement(self) -> float:
        return self.change if self.better is Better.HIGHER else -self.change

    @property
    def improved(self) -> bool:
        return self.significant and self.improvement > 0

    @property
    def relative_change(self) -> float | None:
        """Change as a share of the before level (None when before is 0)."""
        return None if self.before == 0 else self.change / self.before

    def _worth(self, improvement: float) -> float:
        return improvement * self.value_per_unit * self.volume_per_year

    @property
    def annual_saving(self) -> float:
        return self._worth(self.improvement)

    @property
    def annual_saving_ci(self) -> tuple[float, float]:
        sign = 1.0 if self.better is Better.HIGHER else -1.0
        ends = sorted(self._worth(sign * end) for end in self.ci)
        return ends[0], ends[1]

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "test": self.test.value,
            "better": self.better.value,
            "before": self.before,
            "after": self.after,
            "change": self.change,
            "relative_change": self.relative_change,
            "ci": list(self.ci),
            "confidence": 1.0 - self.alpha,
            "statistic": self.statistic,
            "p_value": self.p_value,
            "alpha": self.alpha,
            "significant": self.significant,
            "improved": self.improved,
            "improvement": self.improvement,
            "annual_saving": self.annual_saving,
            "annual_saving_ci": list(self.annual_saving_ci),
        }


def _check(alpha: float, value_per_unit: float, volume_per_year: float) -> None:
    if not 0.0 < alpha < 1.0:
        raise SpecError(f"alpha={alpha} must be between 0 and 1 (0.05 is usual)")
    if volume_per_year < 0:
        raise SpecError(f"volume_per_year={volume_per_year} must not be negative")
    if not math.isfinite(value_per_unit):
        raise SpecError(f"value_per_unit={value_per_unit} must be a finite number")


def _sample(values: Sequence[float] | FloatArray, name: str, minimum: int) -> FloatArray:
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 1 or x.size < minimum or not np.isfinite(x).all():
        raise DataError(
            f"{name}: need a flat list of at least {minimum} finite numbers, got {x.size} "
            f"value(s){'' if np.isfinite(x).all() else ' with missing or infinite entries'}"
        )
    return x


def compare_rates(
    before: Counts,
    after: Counts,
    *,
    better: Better,
    alpha: float = 0.05,
    value_per_unit: float = 0.0,
    volume_per_year: float = 0.0,
) -> Improvement:
    """Two-proportion z test: z = (p₂ - p₁)/sqrt(p̄(1-p̄)(1/n₁ + 1/n₂)), p̄ pooled."""
    _check(alpha, value_per_unit, volume_per_year)
    if before.events + after.events in (0, before.trials + after.trials):
        raise DataError(
            "compare_rates: every trial has the same outcome in both periods, so there is "
            "no variation to test"
        )
    z, p = proportions_ztest(
        np.array([after.events, before.events]), np.array([after.trials, before.trials])
    )
    low, high = confint_proportions_2indep(
        after.events,
        after.trials,
        before.events,
        before.trials,
        method="wald",
        compare="diff",
        alpha=alpha,
    )
    return Improvement(
        KpiKind.RATE,
        SignificanceTest.TWO_PROPORTION_Z,
        better,
        before.rate,
        after.rate,
        after.rate - before.rate,
        (float(low), float(high)),
        float(z),
        float(p),
        alpha,
        value_per_unit,
        volume_per_year,
    )


def compare_means(
    before: Sequence[float] | FloatArray,
    after: Sequence[float] | FloatArray,
    *,
    better: Better,
    alpha: float = 0.05,
    value_per_unit: float = 0.0,
    volume_per_year: float = 0.0,
) -> Improvement:
    """Welch's t test of mean(after) - mean(before), with its Welch interval."""
    _check(alpha, value_per_unit, volume_per_year)
    b, a = _sample(before, "before", 2), _sample(after, "after", 2)
    result = stats.ttest_ind(a, b, equal_var=False)
    ci = result.confidence_interval(confidence_level=1.0 - alpha)
    return Improvement(
        KpiKind.MEAN,
        SignificanceTest.WELCH_T,
        better,
        float(b.mean()),
        float(a.mean()),
        float(a.mean() - b.mean()),
        (float(ci.low), float(ci.high)),
        float(result.statistic),
        float(result.pvalue),
        alpha,
        value_per_unit,
        volume_per_year,
    )


def compare_distributions(
    before: Sequence[float] | FloatArray,
    after: Sequence[float] | FloatArray,
    *,
    better: Better,
    alpha: float = 0.05,
    value_per_unit: float = 0.0,
    volume_per_year: float = 0.0,
) -> Improvement:
    """Mann-Whitney U test; change = Hodges-Lehmann shift of after against before.

    The interval takes the k-th smallest and k-th largest of the n₁n₂ pairwise
    differences, k = floor(n₁n₂/2 - z·sqrt(n₁n₂(n₁+n₂+1)/12)) (at least 1).
    ``before``/``after`` report the two medians.
    """
    _check(alpha, value_per_unit, volume_per_year)
    b, a = _sample(before, "before", 1), _sample(after, "after", 1)
    result = stats.mannwhitneyu(a, b, alternative="two-sided")
    differences = np.sort((a[:, None] - b[None, :]).ravel())
    pairs = differences.size
    z = float(stats.norm.isf(alpha / 2.0))
    k = math.floor(pairs / 2.0 - z * math.sqrt(a.size * b.size * (a.size + b.size + 1) / 12.0))
    k = min(max(k, 1), pairs)
    return Improvement(
        KpiKind.SKEWED,
        SignificanceTest.MANN_WHITNEY_U,
        better,
        float(np.median(b)),
        float(np.median(a)),
        float(np.median(differences)),
        (float(differences[k - 1]), float(differences[pairs - k])),
        float(result.statistic),
        float(result.pvalue),
        alpha,
        value_per_unit,
        volume_per_year,
    )


def verify_improvement(
    before: Counts | Sequence[float] | FloatArray,
    after: Counts | Sequence[float] | FloatArray,
    *,
    kind: KpiKind,
    better: Better,
    alpha: float = 0.05,
    value_per_unit: float = 0.0,
    volume_per_year: float = 0.0,
) -> Improvement:
    """Pick the test for the KPI kind and run it (see the module docstring)."""
    match kind:
        case KpiKind.RATE:
            if not (isinstance(before, Counts) and isinstance(after, Counts)):
                raise SpecError(
                    "verify_improvement: a RATE KPI takes Counts(events, trials) for before "
                    "and after"
                )
            return compare_rates(
                before,
                after,
                better=better,
                alpha=alpha,
                value_per_unit=value_per_unit,
                volume_per_year=volume_per_year,
            )
        case KpiKind.MEAN | KpiKind.SKEWED:
            if isinstance(before, Counts) or isinstance(after, Counts):
                raise SpecError(
                    f"verify_improvement: a {kind.name} KPI takes the measured values before "
                    f"and after, not Counts (use kind=KpiKind.RATE for counts)"
                )
            compare = compare_means if kind is KpiKind.MEAN else compare_distributions
            return compare(
                before,
                after,
                better=better,
                alpha=alpha,
                value_per_unit=value_per_unit,
                volume_per_year=volume_per_year,
            )
        case _:
            assert_never(kind)
