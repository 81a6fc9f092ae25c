"""Monte Carlo landing of the full year: P10 / P50 / P90 of revenue, costs and profit.

For the months left in the year, each path draws (all vectorised, arrays of shape
[paths, months]):

* a volume multiplier per month, mean 1 and standard deviation ``volume_sd``, normal
  (clipped at 0) or lognormal (exp(mu + s z) with s^2 = ln(1 + sd^2), mu = -s^2 / 2),
  correlated across months through a correlation matrix (a single number means the
  same correlation between every pair of months);
* a price, a unit cost and a freight rate per unit, each normal and drawn once per
  path: a level that holds for the rest of the year;
* fixed costs per month, normal, independent month to month.

Per month: units = planned units x multiplier, revenue = units x price, costs =
units x (unit cost + freight rate) + fixed costs. The full-year landing adds the
actuals to date. Quantiles are NumPy's linear-interpolation percentiles of the path
totals; P10 of operating income is the pessimistic case, P10 of costs the cheap one.
The same seed always gives the same paths.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import assert_never

import numpy as np
from numpy.typing import NDArray

from obeya.errors import SpecError

__all__ = [
    "LandingForecast",
    "Quantiles",
    "RollingForecastInputs",
    "Uncertain",
    "VolumeDistribution",
    "simulate_landing",
]


class VolumeDistribution(StrEnum):
    NORMAL = "normal"
    LOGNORMAL = "lognormal"


@dataclass(frozen=True, slots=True)
class Uncertain:
    """A normally distributed driver: mean and standard deviation."""

    mean: float
    sd: float = 0.0


@dataclass(frozen=True, slots=True)
class RollingForecastInputs:
    """The drivers of the remaining months (one entry per month where a sequence)."""

    months: tuple[str, ...]
    planned_units: tuple[float, ...]
    volume_sd: float | tuple[float, ...]
    price: Uncertain
    unit_cost: Uncertain
    freight_rate: Uncertain = Uncertain(0.0)
    fixed_costs: Uncertain | tuple[Uncertain, ...] = Uncertain(0.0)
    volume_distribution: VolumeDistribution = VolumeDistribution.NORMAL
    volume_correlation: float | tuple[tuple[float, ...], ...] = 0.0
    actual_revenue_to_date: float = 0.0
    actual_costs_to_date: float = 0.0


@dataclass(frozen=True, slots=True)
class Quantiles:
    p10: float
    p50: float
    p90: float
    mean: float


@dataclass(frozen=True, slots=True, eq=False)
class LandingForecast:
    """Full-year landing quantiles and the per-path totals behind them."""

    revenue: Quantiles
    costs: Quantiles
    operating_income: Quantiles
    paths: int
    seed: int
    revenue_paths: NDArray[np.float64]
    costs_paths: NDArray[np.float64]
    operating_income_paths: NDArray[np.float64]

    def to_dict(self) -> dict[str, object]:
        return {
            name: {"p10": q.p10, "p50": q.p50, "p90": q.p90, "mean": q.mean}
            for name, q in (
                ("revenue", self.revenue),
                ("costs", self.costs),
                ("operating_income", self.operating_income),
            )
        } | {"paths": self.paths, "seed": self.seed}


def _per_month(value: float | Sequence[float], n: int, name: str) -> NDArray[np.float64]:
    arr = (
        np.broadcast_to(np.asarray(value, dtype=np.float64), (n,))
        if np.ndim(value) == 0
        else np.asarray(value, dtype=np.float64)
    )
    if arr.shape != (n,):
        raise SpecError(f"{name} needs one value per remaining month ({n}), got {arr.size}")
    if not np.isfinite(arr).all():
        raise SpecError(f"{name} must be finite numbers")
    return arr


def _correlation_root(corr: float | tuple[tuple[float, ...], ...], n: int) -> NDArray[np.float64]:
    """A matrix A with A @ A.T equal to the correlation matrix (eigen square root)."""
    if isinstance(corr, int | float):
        c = np.full((n, n), float(corr))
        np.fill_diagonal(c, 1.0)
    else:
        c = np.asarray(corr, dtype=np.float64)
        if c.shape != (n, n):
            raise SpecError(
                f"volume_correlation must be {n} x {n} (one row per month), got {c.shape}"
            )
        if not np.allclose(c, c.T) or not np.allclose(np.diag(c), 1.0):
            raise SpecError("volume_correlation must be symmetric with ones on the diagonal")
    w, v = np.linalg.eigh(c)
    if w.min() < -1e-9:
        raise SpecError(
            f"volume_correlation is not a valid correlation matrix (eigenvalue {w.min():.3g} < 0); "
            f"for one common correlation between {n} months use a value in "
            f"[{-1 / max(n - 1, 1):.3g}, 1]"
        )
    return np.asarray(v * np.sqrt(np.clip(w, 0.0, None)), dtype=np.float64)


def _quantiles(x: NDArray[np.float64]) -> Quantiles:
    p10, p50, p90 = np.percentile(x, [10.0, 50.0, 90.0])
    return Quantiles(float(p10), float(p50), float(p90), float(x.mean()))


def simulate_landing(
    inputs: RollingForecastInputs, paths: int = 10_000, seed: int = 0
) -> LandingForecast:
    """Simulate ``paths`` futures of the remaining months and the full-year landing."""
    if paths < 1:
        raise SpecError(f"paths must be at least 1, got {paths}")
    n = len(inputs.months)
    if n == 0:
        raise SpecError("no remaining months to simulate; the landing is the actuals")
    units = _per_month(inputs.planned_units, n, "planned_units")
    sd = _per_month(inputs.volume_sd, n, "volume_sd")
    if (units < 0).any() or (sd < 0).any():
        raise SpecError("planned_units and volume_sd must not be negative")
    fixed = (
        (inputs.fixed_costs,) * n
        if isinstance(inputs.fixed_costs, Uncertain)
        else inputs.fixed_costs
    )
    if len(fixed) != n:
        raise SpecError(f"fixed_costs needs one entry per remaining month ({n}), got {len(fixed)}")
    drivers = (inputs.price, inputs.unit_cost, inputs.freight_rate, *fixed)
    if any(d.sd < 0 for d in drivers):
        raise SpecError("a driver's standard deviation must not be negative")

    rng = np.random.default_rng(seed)
    z = rng.standard_normal((paths, n)) @ _correlation_root(inputs.volume_correlation, n).T
    match inputs.volume_distribution:
        case VolumeDistribution.NORMAL:
            multiplier = np.maximum(1.0 + sd * z, 0.0)
        case VolumeDistribution.LOGNORMAL:
            s = np.sqrt(np.log1p(sd**2))
            multiplier = np.exp(-(s**2) / 2.0 + s * z)
        case _:
            assert_never(inputs.volume_distribution)
    level = rng.standard_normal((paths, 3))
    price = inputs.price.mean + inputs.price.sd * level[:, :1]
    unit_cost = inputs.unit_cost.mean + inputs.unit_cost.sd * level[:, 1:2]
    freight = inputs.freight_rate.mean + inputs.freight_rate.sd * level[:, 2:3]
    fixed_mean = np.array([f.mean for f in fixed])
    fixed_sd = np.array([f.sd for f in fixed])
    fixed_paths = fixed_mean + fixed_sd * rng.standard_normal((paths, n))

    volume = units * multiplier
    revenue = inputs.actual_revenue_to_date + (volume * price).sum(axis=1)
    costs = inputs.actual_costs_to_date + (volume * (unit_cost + freight) + fixed_paths).sum(axis=1)
    income = revenue - costs
    return LandingForecast(
        revenue=_quantiles(revenue),
        costs=_quantiles(costs),
        operating_income=_quantiles(income),
        paths=paths,
        seed=seed,
        revenue_paths=revenue,
        costs_paths=costs,
        operating_income_paths=income,
    )
