"""Process capability: Cp, Cpk, Pp, Ppk, Cpm, expected PPM, sigma level, Cpk interval.

Within-subgroup σ (short term, behind Cp/Cpk) comes from R̄/d2 by default, S̄/c4 or
the pooled standard deviation on request, and MR̄/d2 (n = 2) for individuals;
overall σ (long term, behind Pp/Ppk) is the sample standard deviation. Normality is
checked with Anderson-Darling (p-value of D'Agostino & Stephens 1986). Non-normal
data are handled by a Box-Cox transform of data and spec limits (positive data) or by
the ISO 22514-2 percentile method, and the result says which method was used.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from typing import Any, assert_never

import numpy as np
from scipy import special, stats

from obeya.errors import DataError, SpecError
from obeya.quality._common import Subgroups, summarise
from obeya.quality._input import FloatArray, TableLike, as_frame, group, numeric
from obeya.quality.constants import c4, d2

__all__ = [
    "Capability",
    "CapabilityMethod",
    "Normality",
    "Ppm",
    "WithinMethod",
    "anderson_darling",
    "capability",
]

_MIN_N = 8  # D'Agostino & Stephens give the Anderson-Darling p-value for n >= 8


class CapabilityMethod(enum.Enum):
    """How the indices were computed."""

    NORMAL = "normal"
    BOX_COX = "box_cox"
    PERCENTILE = "percentile"


class WithinMethod(enum.Enum):
    """Estimator of the within-subgroup (short-term) standard deviation."""

    R_BAR = "r_bar"  # R̄ / d2(n), equal subgroup sizes
    S_BAR = "s_bar"  # S̄ / c4(n), equal subgroup sizes
    POOLED = "pooled"  # sqrt(Σ(nᵢ-1)sᵢ² / Σ(nᵢ-1)) / c4(Σ(nᵢ-1) + 1)
    MR_BAR = "mr_bar"  # MR̄ / d2(2), individuals in time order


@dataclass(frozen=True, slots=True)
class Normality:
    """Anderson-Darling test: A², A*² = A²(1 + 0.75/n + 2.25/n²), p-value, verdict."""

    statistic: float
    adjusted: float
    p_value: float
    n: int
    alpha: float

    @property
    def normal(self) -> bool:
        """Normality is not rejected at ``alpha``."""
        return self.p_value >= self.alpha

    def to_dict(self) -> dict[str, Any]:
        return {
            "test": "anderson_darling",
            "statistic": self.statistic,
            "adjusted": self.adjusted,
            "p_value": self.p_value,
            "n": self.n,
            "alpha": self.alpha,
            "normal": self.normal,
        }


def _ad_p_value(a_star: float) -> float:
    """D'Agostino & Stephens (1986), Table 4.9: case of mean and variance estimated."""
    if a_star >= 0.6:
        p = math.exp(1.2937 - 5.709 * a_star + 0.0186 * a_star**2)
    elif a_star >= 0.34:
        p = math.exp(0.9177 - 4.279 * a_star - 1.38 * a_star**2)
    elif a_star >= 0.2:
        p = 1.0 - math.exp(-8.318 + 42.796 * a_star - 59.938 * a_star**2)
    else:
        p = 1.0 - math.exp(-13.436 + 101.14 * a_star - 223.73 * a_star**2)
    return min(1.0, max(0.0, p))


def anderson_darling(values: FloatArray, *, alpha: float = 0.05) -> Normality:
    """Anderson-Darling test of normality with estimated mean and σ (n >= 8)."""
    x = np.sort(np.asarray(values, dtype=np.float64))
    n = x.size
    if n < _MIN_N:
        raise DataError(f"normality test: {n} values; at least {_MIN_N} are needed")
    sd = x.std(ddof=1)
    if sd == 0:
        raise DataError("normality test: all values are equal; there is no spread to test")
    z = (x - x.mean()) / sd
    weights = 2.0 * np.arange(1, n + 1) - 1.0
    # ln Φ(zᵢ) + ln(1 - Φ(z₍ₙ₊₁₋ᵢ₎)), in log space so extreme points do not underflow.
    logs = special.log_ndtr(z) + special.log_ndtr(-z[::-1])
    a2 = float(-n - np.sum(weights * logs) / n)
    adjusted = a2 * (1.0 + 0.75 / n + 2.25 / n**2)
    return Normality(a2, adjusted, _ad_p_value(adjusted), n, alpha)


@dataclass(frozen=True, slots=True)
class Ppm:
    """Parts per million below the LSL and above the USL."""

    below_lsl: float
    above_usl: float

    @property
    def total(self) -> float:
        return self.below_lsl + self.above_usl

    def to_dict(self) -> dict[str, float]:
        return {"below_lsl": self.below_lsl, "above_usl": self.above_usl, "total": self.total}


@dataclass(frozen=True, slots=True)
class Capability:
    """Capability indices of one characteristic against its specification.

    Indices that need both limits (Cp, Pp, Cpm) are None for one-sided specs; Cp, Cpk,
    Cpm and the within PPM are None for the percentile method, which models only the
    overall distribution. For Box-Cox, means and σ are on the transformed scale.
    ``sigma_level`` is the short-term Z.bench, Φ⁻¹(1 - expected fraction out of spec
    with σ within), without any 1.5 shift (the overall Z.bench for the percentile
    method).
    """

    n: int
    mean: float
    lsl: float | None
    usl: float | None
    target: float | None
    method: CapabilityMethod
    within_method: WithinMethod
    sigma_within: float
    sigma_overall: float
    cp: float | None
    cpk: float | None
    pp: float | None
    ppk: float | None
    cpm: float | None
    ppm_expected: Ppm
    ppm_expected_within: Ppm | None
    ppm_observed: Ppm
    z_bench_within: float | None
    z_bench_overall: float
    cpk_ci: tuple[float, float] | None
    confidence: float
    normality: Normality
    box_cox_lambda: float | None
    notes: tuple[str, ...]

    @property
    def sigma_level(self) -> float:
        return self.z_bench_overall if self.z_bench_within is None else self.z_bench_within

    def to_dict(self) -> dict[str, Any]:
        """JSON with keys cp, cpk, pp, ppk, cpm, sigma_within, sigma_overall, ppm_expected,
        method, normality, cpk_ci and the rest of the fields."""
        return {
            "cp": self.cp,
            "cpk": self.cpk,
            "pp": self.pp,
            "ppk": self.ppk,
            "cpm": self.cpm,
            "sigma_within": self.sigma_within,
            "sigma_overall": self.sigma_overall,
            "ppm_expected": self.ppm_expected.to_dict(),
            "ppm_expected_within": (
                None if self.ppm_expected_within is None else self.ppm_expected_within.to_dict()
            ),
            "ppm_observed": self.ppm_observed.to_dict(),
            "sigma_level": self.sigma_level,
            "z_bench_within": self.z_bench_within,
            "z_bench_overall": self.z_bench_overall,
            "method": self.method.value,
            "within_method": self.within_method.value,
            "normality": self.normality.to_dict(),
            "cpk_ci": None if self.cpk_ci is None else list(self.cpk_ci),
            "confidence": self.confidence,
            "box_cox_lambda": self.box_cox_lambda,
            "n": self.n,
            "mean": self.mean,
            "lsl": self.lsl,
            "usl": self.usl,
            "target": self.target,
            "notes": list(self.notes),
        }


def _sigma_within(
    values: FloatArray, groups: Subgroups | None, method: WithinMethod | None
) -> tuple[float, WithinMethod]:
    """Short-term σ from the subgroups or, for individuals in time order, moving ranges."""
    sizes = np.ones(values.size) if groups is None else groups.n
    individuals = bool(np.all(sizes == 1))
    equal = bool(np.all(sizes == sizes[0]))
    chosen = method or (
        WithinMethod.MR_BAR if individuals else WithinMethod.R_BAR if equal else WithinMethod.POOLED
    )
    match chosen:
        case WithinMethod.MR_BAR:
            if not individuals:
                raise SpecError(
                    "capability: within=MR_BAR is for individual values; the data have "
                    "subgroups (use R_BAR, S_BAR or POOLED, or subgroup=None)"
                )
            return float(np.abs(np.diff(values)).mean()) / d2(2), chosen
        case _ if individuals or groups is None:
            raise SpecError(
                f"capability: within={chosen.name} needs subgroups of two or more values; "
                f"individual values use MR_BAR"
            )
        case WithinMethod.R_BAR | WithinMethod.S_BAR if not equal:
            raise DataError(
                f"capability: within={chosen.name} needs subgroups of one size (sizes range "
                f"{sizes.min():g} to {sizes.max():g}); use within=WithinMethod.POOLED"
            )
        case WithinMethod.R_BAR:
            return float(groups.range.mean()) / d2(int(sizes[0])), chosen
        case WithinMethod.S_BAR:
            return float(groups.sd.mean()) / c4(int(sizes[0])), chosen
        case WithinMethod.POOLED:
            dof = sizes - 1.0
            total = float(dof.sum())
            pooled = math.sqrt(float(np.nansum(dof * groups.sd**2)) / total)
            return pooled / c4(int(total) + 1), chosen
        case _:
            assert_never(chosen)


def _z_bench(fraction: float, z_lower: float | None, z_upper: float | None) -> float:
    """Φ⁻¹(1 - fraction out of spec); beyond double precision, the nearer limit's z."""
    if fraction > 0:
        return float(stats.norm.isf(fraction))
    return float(min(z for z in (z_lower, z_upper) if z is not None))


def _bissell(cpk: float, n: int, confidence: float) -> tuple[float, float]:
    """Bissell (1990): Cpk ± z·sqrt(1/(9n) + Cpk²/(2(n-1)))."""
    half = float(stats.norm.isf((1 - confidence) / 2)) * math.sqrt(
        1.0 / (9.0 * n) + cpk**2 / (2.0 * (n - 1))
    )
    return cpk - half, cpk + half


def _check_specs(lsl: float | None, usl: float | None, target: float | None) -> None:
    if lsl is None and usl is None:
        raise SpecError("capability: give at least one specification limit (lsl= or usl=)")
    if lsl is not None and usl is not None and not lsl < usl:
        raise SpecError(f"capability: lsl={lsl} must be below usl={usl}")
    if target is not None and (
        (lsl is not None and target < lsl) or (usl is not None and target > usl)
    ):
        raise SpecError(f"capability: target={target} lies outside the specification limits")


def capability(
    data: TableLike,
    *,
    value: str = "value",
    subgroup: str | None = "subgroup",
    lsl: float | None = None,
    usl: float | None = None,
    target: float | None = None,
    within: WithinMethod | None = None,
    method: CapabilityMethod | None = None,
    alpha: float = 0.05,
    confidence: float = 0.95,
) -> Capability:
    """Capability of the values in ``data`` against ``lsl``/``usl`` (either may be absent).

    ``subgroup=None`` treats the rows as individual values in time order. ``method``
    None picks NORMAL when Anderson-Darling does not reject normality at ``alpha``,
    else BOX_COX for positive data, else PERCENTILE. ``target`` (default: the middle of
    the two limits) is used by Cpm.
    """
    _check_specs(lsl, usl, target)
    columns = [value] if subgroup is None else [subgroup, value]
    frame = as_frame(data, columns, what="capability")
    x = numeric(frame, value, what="capability")
    groups = None if subgroup is None else summarise(group(frame, subgroup, what="capability"), x)
    if x.size < _MIN_N:
        raise DataError(f"capability: {x.size} values; at least {_MIN_N} are needed (100+ advised)")
    normality = anderson_darling(x, alpha=alpha)
    chosen = method or (
        CapabilityMethod.NORMAL
        if normality.normal
        else CapabilityMethod.BOX_COX
        if bool(np.all(x > 0))
        else CapabilityMethod.PERCENTILE
    )
    observed = Ppm(
        1e6 * float(np.mean(x < lsl)) if lsl is not None else 0.0,
        1e6 * float(np.mean(x > usl)) if usl is not None else 0.0,
    )
    if target is None and lsl is not None and usl is not None:
        target = (lsl + usl) / 2.0
    match chosen:
        case CapabilityMethod.NORMAL:
            return _normal(x, groups, lsl, usl, target, within, normality, observed, confidence)
        case CapabilityMethod.BOX_COX:
            return _box_cox(x, groups, lsl, usl, target, within, normality, observed, confidence)
        case CapabilityMethod.PERCENTILE:
            return _percentile(x, groups, lsl, usl, target, within, normality, observed, confidence)
        case _:
            assert_never(chosen)


def _normal(
    y: FloatArray,
    groups: Subgroups | None,
    lsl: float | None,
    usl: float | None,
    target: float | None,
    within: WithinMethod | None,
    normality: Normality,
    observed: Ppm,
    confidence: float,
    *,
    method: CapabilityMethod = CapabilityMethod.NORMAL,
    lam: float | None = None,
    notes: tuple[str, ...] = (),
) -> Capability:
    """Indices under a normal model of ``y`` (the data, or their Box-Cox transform)."""
    mean = float(y.mean())
    s_within, within_used = _sigma_within(y, groups, within)
    s_overall = float(y.std(ddof=1))
    if s_within == 0 or s_overall == 0:
        raise DataError(
            "capability: the values show no variation; check the measurement resolution"
        )

    def one_sided(sigma: float) -> tuple[float | None, float | None]:
        upper = (usl - mean) / (3.0 * sigma) if usl is not None else None
        lower = (mean - lsl) / (3.0 * sigma) if lsl is not None else None
        return lower, upper

    def expected(sigma: float) -> Ppm:
        below = float(stats.norm.cdf((lsl - mean) / sigma)) if lsl is not None else 0.0
        above = float(stats.norm.sf((usl - mean) / sigma)) if usl is not None else 0.0
        return Ppm(1e6 * below, 1e6 * above)

    both = lsl is not None and usl is not None
    cpl, cpu = one_sided(s_within)
    ppl, ppu = one_sided(s_overall)
    cpk = min(v for v in (cpl, cpu) if v is not None)
    ppk = min(v for v in (ppl, ppu) if v is not None)
    width = (usl - lsl) if (usl is not None and lsl is not None) else None
    cpm = None
    if width is not None and target is not None:
        cpm = width / (6.0 * math.sqrt(s_overall**2 + (mean - target) ** 2))
    ppm_within, ppm_overall = expected(s_within), expected(s_overall)

    def z_of(sigma: float, ppm: Ppm) -> float:
        lo = (mean - lsl) / sigma if lsl is not None else None
        hi = (usl - mean) / sigma if usl is not None else None
        return _z_bench(ppm.total / 1e6, lo, hi)

    return Capability(
        n=int(y.size),
        mean=mean,
        lsl=lsl,
        usl=usl,
        target=target,
        method=method,
        within_method=within_used,
        sigma_within=s_within,
        sigma_overall=s_overall,
        cp=width / (6.0 * s_within) if both and width is not None else None,
        cpk=cpk,
        pp=width / (6.0 * s_overall) if width is not None else None,
        ppk=ppk,
        cpm=cpm,
        ppm_expected=ppm_overall,
        ppm_expected_within=ppm_within,
        ppm_observed=observed,
        z_bench_within=z_of(s_within, ppm_within),
        z_bench_overall=z_of(s_overall, ppm_overall),
        cpk_ci=_bissell(cpk, int(y.size), confidence),
        confidence=confidence,
        normality=normality,
        box_cox_lambda=lam,
        notes=notes,
    )


def _box_cox(
    x: FloatArray,
    groups: Subgroups | None,
    lsl: float | None,
    usl: float | None,
    target: float | None,
    within: WithinMethod | None,
    normality: Normality,
    observed: Ppm,
    confidence: float,
) -> Capability:
    """Box-Cox: λ by maximum likelihood, then the normal method on data and limits."""
    if not bool(np.all(x > 0)):
        raise DataError(
            "capability: the Box-Cox transform needs positive values; use the percentile method"
        )
    y, lam = stats.boxcox(x)
    lam = float(lam)
    y_values = np.asarray(y, dtype=np.float64)
    notes: list[str] = []
    if lsl is not None and lsl <= 0:
        notes.append(
            f"lsl={lsl} is not positive: values cannot fall below it, so it is treated as a "
            f"natural bound and the lower side is not assessed"
        )
        lsl = None
        if usl is None:
            raise SpecError("capability: with Box-Cox, lsl <= 0 alone leaves nothing to assess")

    def t(v: float | None) -> float | None:
        return None if v is None or v <= 0 else float(special.boxcox(v, lam))

    return _normal(
        y_values,
        None if groups is None else summarise(groups.grouping, y_values),
        t(lsl),
        t(usl),
        t(target),
        within,
        normality,
        observed,
        confidence,
        method=CapabilityMethod.BOX_COX,
        lam=lam,
        notes=tuple(notes),
    )


def _percentile(
    x: FloatArray,
    groups: Subgroups | None,
    lsl: float | None,
    usl: float | None,
    target: float | None,
    within: WithinMethod | None,
    normality: Normality,
    observed: Ppm,
    confidence: float,
) -> Capability:
    """ISO 22514-2 percentile method; the 0.135 %, 50 % and 99.865 % points come from a
    Pearson type III curve matched to the sample mean, σ and skewness (Clements' idea,
    restricted to the type III family so it needs no tables).
    """
    mean, sd = float(x.mean()), float(x.std(ddof=1))
    if sd == 0:
        raise DataError(
            "capability: the values show no variation; check the measurement resolution"
        )
    skew = float(stats.skew(x, bias=False))
    curve = stats.pearson3(skew, loc=mean, scale=sd)
    lo, mid, hi = (float(q) for q in curve.ppf([0.00135, 0.5, 0.99865]))
    pp = (usl - lsl) / (hi - lo) if usl is not None and lsl is not None else None
    sides = []
    if usl is not None:
        sides.append((usl - mid) / (hi - mid))
    if lsl is not None:
        sides.append((mid - lsl) / (mid - lo))
    ppm = Ppm(
        1e6 * float(curve.cdf(lsl)) if lsl is not None else 0.0,
        1e6 * float(curve.sf(usl)) if usl is not None else 0.0,
    )
    s_within, within_used = _sigma_within(x, groups, within)
    nearest = min(sides) * 3.0
    return Capability(
        n=int(x.size),
        mean=mean,
        lsl=lsl,
        usl=usl,
        target=target,
        method=CapabilityMethod.PERCENTILE,
        within_method=within_used,
        sigma_within=s_within,
        sigma_overall=sd,
        cp=None,
        cpk=None,
        pp=pp,
        ppk=min(sides),
        cpm=None,
        ppm_expected=ppm,
        ppm_expected_within=None,
        ppm_observed=observed,
        z_bench_within=None,
        z_bench_overall=_z_bench(ppm.total / 1e6, nearest, nearest),
        cpk_ci=None,
        confidence=confidence,
        normality=normality,
        box_cox_lambda=None,
        notes=(f"Pearson type III curve with skewness {skew:.3f}",),
    )
