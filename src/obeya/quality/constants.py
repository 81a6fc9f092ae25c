"""Control-chart constants computed for any subgroup size, not typed in from a table.

For ``n`` independent standard normal observations with range ``W``:

* ``d2(n) = E[W] = ∫ (1 - Φ(x)^n - (1 - Φ(x))^n) dx`` over the real line;
* ``d3(n) = sd(W)``, with ``E[W²] = 2 ∫∫_{x<y} (1 - Φ(y)^n - (1 - Φ(x))^n
  + (Φ(y) - Φ(x))^n) dx dy`` (Tippett 1925), so ``d3 = sqrt(E[W²] - d2²)``;
* ``c4(n) = E[s]/σ = sqrt(2/(n-1)) Γ(n/2) / Γ((n-1)/2)``.

From these the chart factors follow (Montgomery, *Introduction to Statistical Quality
Control*, Appendix VI): ``A2 = 3/(d2 √n)``, ``A3 = 3/(c4 √n)``,
``B3, B4 = 1 ∓ 3 √(1-c4²)/c4`` and ``D3, D4 = 1 ∓ 3 d3/d2``, the lower factors
floored at zero. Values are cached per ``n``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np
from scipy import integrate, special

from obeya.errors import SpecError

__all__ = ["ControlConstants", "c4", "control_constants", "d2", "d3"]

# Φ(-12) is about 2e-33: integrating over [-12, 12] loses nothing at double precision.
_BOUND = 12.0
_TOL = 1e-11


def _check(n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise SpecError(
            f"subgroup size n={n!r} is not allowed: chart constants need an integer n >= 2 "
            f"(individual values use moving ranges of two, n=2)"
        )


@cache
def d2(n: int) -> float:
    """Expected range of ``n`` standard normal observations (so σ̂ = R̄/d2)."""
    _check(n)

    def integrand(x: float) -> float:
        return float(1.0 - special.ndtr(x) ** n - special.ndtr(-x) ** n)

    value, _ = integrate.quad(integrand, -_BOUND, _BOUND, epsabs=_TOL, epsrel=_TOL, limit=200)
    return float(value)


@cache
def d3(n: int) -> float:
    """Standard deviation of the range of ``n`` standard normal observations."""
    _check(n)

    def integrand(x: float, y: float) -> float:
        fy = special.ndtr(y)
        fx = special.ndtr(x)
        return float(1.0 - fy**n - (1.0 - fx) ** n + (fy - fx) ** n)

    # Outer variable y over the line, inner x from the lower bound up to y.
    half, _ = integrate.dblquad(
        integrand, -_BOUND, _BOUND, lambda _y: -_BOUND, lambda y: y, epsabs=_TOL, epsrel=_TOL
    )
    second_moment = 2.0 * half
    return math.sqrt(second_moment - d2(n) ** 2)


@cache
def c4(n: int) -> float:
    """Bias factor of the sample standard deviation: E[s] = c4·σ (log-gamma for large n)."""
    _check(n)
    log_ratio = special.gammaln(n / 2.0) - special.gammaln((n - 1) / 2.0)
    return float(math.sqrt(2.0 / (n - 1)) * math.exp(log_ratio))


@dataclass(frozen=True, slots=True)
class ControlConstants:
    """The Shewhart chart factors for one subgroup size ``n`` (textbook names)."""

    n: int
    d2: float
    d3: float
    c4: float
    A2: float  # X-bar limits from R-bar: x̿ ± A2·R̄
    A3: float  # X-bar limits from S-bar: x̿ ± A3·S̄
    B3: float  # S chart lower limit factor (floored at 0)
    B4: float  # S chart upper limit factor
    D3: float  # R chart lower limit factor (floored at 0)
    D4: float  # R chart upper limit factor

    def to_dict(self) -> dict[str, float]:
        """The constants by name, for JSON."""
        return {
            "n": self.n,
            "d2": self.d2,
            "d3": self.d3,
            "c4": self.c4,
            "A2": self.A2,
            "A3": self.A3,
            "B3": self.B3,
            "B4": self.B4,
            "D3": self.D3,
            "D4": self.D4,
        }


@cache
def control_constants(n: int) -> ControlConstants:
    """All chart factors for subgroup size ``n`` (an integer >= 2)."""
    _check(n)
    n = int(n)
    d2n, d3n, c4n = d2(n), d3(n), c4(n)
    root = math.sqrt(n)
    s_spread = 3.0 * math.sqrt(1.0 - c4n**2) / c4n
    r_spread = 3.0 * d3n / d2n
    return ControlConstants(
        n=n,
        d2=d2n,
        d3=d3n,
        c4=c4n,
        A2=3.0 / (d2n * root),
        A3=3.0 / (c4n * root),
        B3=max(0.0, 1.0 - s_spread),
        B4=1.0 + s_spread,
        D3=max(0.0, 1.0 - r_spread),
        D4=1.0 + r_spread,
    )
