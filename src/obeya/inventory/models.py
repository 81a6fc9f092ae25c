"""Single-item textbook models: EOQ, newsvendor, reorder point and the (r, Q) policy.

These are the formulas a planner checks by hand; each returns a frozen dataclass so
a result can be shown, compared and serialised. The vectorised many-SKU versions
live in :mod:`obeya.inventory.policy` and share the kernels defined here.

Units: every rate is per one time unit of the caller's choice (a year, a week), used
consistently by all arguments of a call; the docstrings say which arguments are rates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import assert_never

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize, special

from obeya.errors import DataError, InfeasibleError
from obeya.inventory._normal import (
    FloatArray,
    normal_loss,
    normal_second_order_loss,
    normal_sf,
)
from obeya.inventory._validate import (
    nonnegative_scalar,
    positive_scalar,
    probability_scalar,
)

__all__ = [
    "EoqResult",
    "NewsvendorResult",
    "RQMethod",
    "RQResult",
    "ReorderPointResult",
    "eoq",
    "lead_time_demand_sd",
    "newsvendor",
    "reorder_point",
    "rq_policy",
]


def lead_time_demand_sd(
    demand_mean: ArrayLike, demand_sd: ArrayLike, lead_time_mean: ArrayLike, lead_time_sd: ArrayLike
) -> FloatArray:
    """Standard deviation of demand over a random lead time.

    ``sqrt(L * sd_d^2 + d^2 * sd_L^2)`` for i.i.d. period demand (mean ``d``, sd
    ``sd_d``) and a lead time independent of demand (mean ``L``, sd ``sd_L``), all in
    the same period unit (Silver, Pyke & Thomas, 3rd ed., eq. 6.7 / §7.12).
    """
    d = np.asarray(demand_mean, dtype=np.float64)
    sd_d = np.asarray(demand_sd, dtype=np.float64)
    lt = np.asarray(lead_time_mean, dtype=np.float64)
    sd_lt = np.asarray(lead_time_sd, dtype=np.float64)
    result: FloatArray = np.sqrt(lt * sd_d * sd_d + d * d * sd_lt * sd_lt)
    return result


# --- EOQ ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EoqResult:
    """Economic order quantity and its annual (per time unit) cost.

    ``total_cost`` = ordering ``order_cost * demand / Q`` + holding
    ``holding_cost * Q / 2``; at the optimum the two halves are equal.
    """

    order_quantity: float
    total_cost: float
    ordering_cost: float
    holding_cost: float
    orders_per_period: float


def eoq(demand: float, order_cost: float, holding_cost: float) -> EoqResult:
    """Economic order quantity ``Q* = sqrt(2 D K / h)`` (Harris 1913).

    ``demand`` is a rate (units per time unit, usually a year), ``order_cost`` the fixed
    cost of one order, ``holding_cost`` the cost of holding one unit for one time unit.
    Zero demand gives ``Q* = 0`` and no cost.
    """
    d = nonnegative_scalar("demand", demand)
    k = nonnegative_scalar("order_cost", order_cost)
    h = positive_scalar("holding_cost", holding_cost)
    q = math.sqrt(2.0 * d * k / h)
    ordering = k * d / q if q > 0 else 0.0
    holding = h * q / 2.0
    return EoqResult(
        order_quantity=q,
        total_cost=ordering + holding,
        ordering_cost=ordering,
        holding_cost=holding,
        orders_per_period=d / q if q > 0 else 0.0,
    )


# --- Newsvendor -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewsvendorResult:
    """Single-period order for normal demand and what it is expected to earn."""

    order_quantity: float
    expected_profit: float
    critical_ratio: float
    z: float
    expected_sales: float
    expected_leftover: float
    expected_shortage: float


def newsvendor(
    mean: float, sd: float, unit_cost: float, price: float, salvage: float = 0.0
) -> NewsvendorResult:
    """Newsvendor order quantity for one season of normal demand ``N(mean, sd^2)``.

    Critical ratio ``(price - unit_cost) / (price - salvage)``: the underage cost
    ``price - unit_cost`` over underage plus overage ``unit_cost - salvage``.
    ``Q* = mean + z * sd`` with ``z = Phi^-1(ratio)``. Expected profit, written with
    the standard normal loss ``G``:
    ``(price - unit_cost) * mean - sd * ((unit_cost - salvage) k + (price - salvage) G(k))``
    for ``k = (Q - mean) / sd``, which at the optimum equals
    ``(price - unit_cost) * mean - (price - salvage) * sd * phi(z)``.
    """
    m = nonnegative_scalar("mean", mean)
    s = nonnegative_scalar("sd", sd)
    c = positive_scalar("unit_cost", unit_cost)
    p = positive_scalar("price", price)
    v = nonnegative_scalar("salvage", salvage)
    _check_prices(c, p, v)
    ratio = (p - c) / (p - v)
    z = float(special.ndtri(ratio))
    q = max(m + z * s, 0.0) if s > 0 else m
    k = (q - m) / s if s > 0 else 0.0
    shortage = s * float(normal_loss(k)) if s > 0 else 0.0
    leftover = q - m + shortage
    profit = (p - c) * m - (c - v) * (q - m) - (p - v) * shortage
    return NewsvendorResult(
        order_quantity=q,
        expected_profit=profit,
        critical_ratio=ratio,
        z=z,
        expected_sales=m - shortage,
        expected_leftover=leftover,
        expected_shortage=shortage,
    )


def _check_prices(unit_cost: float, price: float, salvage: float) -> None:
    if not price > unit_cost:
        raise DataError(
            f"price = {price!r} must exceed unit_cost = {unit_cost!r}: selling at or below "
            "cost makes the best order zero; check the price and cost"
        )
    if not salvage < unit_cost:
        raise DataError(
            f"salvage = {salvage!r} must be below unit_cost = {unit_cost!r}: otherwise every "
            "unit bought makes money unsold and the order is unbounded; check the salvage value"
        )


# --- Reorder point --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReorderPointResult:
    """Safety stock and reorder point for a cycle service level."""

    safety_stock: float
    reorder_point: float
    lead_time_demand_mean: float
    lead_time_demand_sd: float
    z: float


def reorder_point(
    demand_mean: float,
    demand_sd: float,
    lead_time_mean: float,
    lead_time_sd: float,
    service_level: float,
) -> ReorderPointResult:
    """Reorder point for a cycle service level under demand and lead-time uncertainty.

    ``demand_mean``/``demand_sd`` are per period, the lead time is in periods. The
    lead-time demand has mean ``d L`` and sd ``sqrt(L sd_d^2 + d^2 sd_L^2)``; safety
    stock ``z sd_LT`` with ``z = Phi^-1(service_level)``; reorder point ``d L + SS``.
    ``service_level`` is the probability of no stock-out in a replenishment cycle.
    """
    d = nonnegative_scalar("demand_mean", demand_mean)
    sd_d = nonnegative_scalar("demand_sd", demand_sd)
    lt = nonnegative_scalar("lead_time_mean", lead_time_mean)
    sd_lt = nonnegative_scalar("lead_time_sd", lead_time_sd)
    csl = probability_scalar("service_level", service_level)
    sigma = float(lead_time_demand_sd(d, sd_d, lt, sd_lt))
    z = float(special.ndtri(csl))
    safety = z * sigma
    return ReorderPointResult(
        safety_stock=safety,
        reorder_point=d * lt + safety,
        lead_time_demand_mean=d * lt,
        lead_time_demand_sd=sigma,
        z=z,
    )


# --- (r, Q) ---------------------------------------------------------------------------


class RQMethod(StrEnum):
    """How :func:`rq_policy` optimises.

    ``HADLEY_WHITIN``: the iterative solution of the approximate cost
    ``K l / Q + h (Q/2 + r - mu) + p l n(r) / Q`` (Hadley & Whitin 1963, as taught by
    Nahmias, *Production and Operations Analysis*, §5.4, and Snyder & Shen,
    *Fundamentals of Supply Chain Theory*, 2nd ed., §5.2): alternate
    ``Q = sqrt(2 l (K + p n(r)) / h)`` and ``1 - F(r) = Q h / (p l)`` to a fixed point.
    ``EXACT``: minimise the exact expected cost of a continuous-review (r, Q) policy
    with backorders, ``K l / Q + h E[on hand] + p l (n(r) - n(r + Q)) / Q`` where
    ``E[on hand] = Q/2 + r - mu + B(r, Q)`` and ``B`` the expected backorder level,
    with SciPy, starting from the Hadley-Whitin point.
    """

    HADLEY_WHITIN = "hadley_whitin"
    EXACT = "exact"


@dataclass(frozen=True, slots=True)
class RQResult:
    """Continuous-review (r, Q) policy and its expected cost per time unit."""

    reorder_point: float
    order_quantity: float
    total_cost: float
    safety_stock: float
    expected_shortage_per_cycle: float
    fill_rate: float
    cycle_service_level: float
    method: RQMethod
    iterations: int


_HW_MAX_ITERATIONS = 1000
_HW_TOLERANCE = 1e-10


def rq_policy(
    demand_mean: float,
    demand_sd: float,
    lead_time: float,
    order_cost: float,
    holding_cost: float,
    stockout_cost: float,
    *,
    method: RQMethod = RQMethod.HADLEY_WHITIN,
) -> RQResult:
    """Optimal continuous-review (r, Q) policy, normal lead-time demand, backorders.

    Units: ``demand_mean`` and ``demand_sd`` are per time unit (a year, say) with
    demand in disjoint intervals independent, ``lead_time`` is in that time unit, so
    the lead-time demand is ``N(demand_mean * L, demand_sd^2 * L)``. ``holding_cost``
    is per unit per time unit, ``order_cost`` per order, ``stockout_cost`` per unit
    backordered (charged once, not per unit of time). ``total_cost`` is per time unit
    in the cost model of ``method`` (see :class:`RQMethod`).

    Raises InfeasibleError when the stockout cost is so low that the approximate cost
    falls forever as the reorder point falls (``Q h >= p l`` at some iterate).
    """
    lam = positive_scalar("demand_mean", demand_mean)
    sd = nonnegative_scalar("demand_sd", demand_sd)
    lt = nonnegative_scalar("lead_time", lead_time)
    k_cost = positive_scalar("order_cost", order_cost)
    h = positive_scalar("holding_cost", holding_cost)
    p = positive_scalar("stockout_cost", stockout_cost)
    mu = lam * lt
    sigma = sd * math.sqrt(lt)
    q, r, iterations = _hadley_whitin(lam, mu, sigma, k_cost, h, p)
    match method:
        case RQMethod.HADLEY_WHITIN:
            shortage = _shortage(r, mu, sigma)
            cost = k_cost * lam / q + h * (q / 2 + r - mu) + p * lam * shortage / q
            fill = 1.0 - shortage / q
        case RQMethod.EXACT:
            if sigma == 0:
                raise InfeasibleError(
                    "the EXACT (r, Q) method needs uncertain lead-time demand "
                    f"(demand_sd * sqrt(lead_time) = {sigma!r}); use HADLEY_WHITIN, "
                    "which reduces to the EOQ with r = mean lead-time demand"
                )
            q, r, iterations = _exact_rq(lam, mu, sigma, k_cost, h, p, start=(q, r))
            cost = _exact_cost(q, r, lam, mu, sigma, k_cost, h, p)
            shortage = _shortage(r, mu, sigma) - _shortage(r + q, mu, sigma)
            fill = 1.0 - shortage / q
        case _:
            assert_never(method)
    csl = float(1.0 - normal_sf((r - mu) / sigma)) if sigma > 0 else 1.0
    return RQResult(
        reorder_point=r,
        order_quantity=q,
        total_cost=cost,
        safety_stock=r - mu,
        expected_shortage_per_cycle=shortage,
        fill_rate=fill,
        cycle_service_level=csl,
        method=method,
        iterations=iterations,
    )


def _shortage(level: float, mu: float, sigma: float) -> float:
    """Expected lead-time demand above ``level``: ``n(level) = sigma G((level - mu)/sigma)``."""
    if sigma == 0:
        return max(mu - level, 0.0)
    return sigma * float(normal_loss((level - mu) / sigma))


def _hadley_whitin(
    lam: float, mu: float, sigma: float, k_cost: float, h: float, p: float
) -> tuple[float, float, int]:
    q = math.sqrt(2.0 * lam * k_cost / h)
    r = mu
    for iteration in range(1, _HW_MAX_ITERATIONS + 1):
        tail = q * h / (p * lam)
        if tail >= 1.0:
            raise InfeasibleError(
                f"(r, Q): Q h / (p demand) = {tail:.4g} >= 1 at Q = {q:.6g}, so the stockout "
                f"cost {p!r} is too low for any reorder point to pay: the cost keeps falling "
                "as r falls; raise stockout_cost or plan without safety stock"
            )
        new_r = mu + sigma * float(special.ndtri(1.0 - tail))
        new_q = math.sqrt(2.0 * lam * (k_cost + p * _shortage(new_r, mu, sigma)) / h)
        done = abs(new_q - q) <= _HW_TOLERANCE * new_q and abs(new_r - r) <= _HW_TOLERANCE * (
            1.0 + abs(new_r)
        )
        q, r = new_q, new_r
        if done:
            return q, r, iteration
    raise InfeasibleError(
        f"(r, Q): the Hadley-Whitin iteration did not converge in {_HW_MAX_ITERATIONS} "
        "steps; check that the costs are on one time unit"
    )


def _exact_cost(
    q: float, r: float, lam: float, mu: float, sigma: float, k_cost: float, h: float, p: float
) -> float:
    """Exact expected cost per time unit of (r, Q) with normal lead-time demand.

    Inventory position is uniform on [r, r + Q]; the expected backorder level is
    ``(1/Q) * integral_r^{r+Q} n(y) dy = sigma^2 (G2(k1) - G2(k2)) / Q`` and the
    expected units backordered per cycle ``n(r) - n(r + Q)``.
    """
    k1 = (r - mu) / sigma
    k2 = (r + q - mu) / sigma
    backorders = sigma * sigma * float(normal_second_order_loss(k1) - normal_second_order_loss(k2))
    backorders /= q
    per_cycle = sigma * float(normal_loss(k1) - normal_loss(k2))
    on_hand = q / 2.0 + r - mu + backorders
    return k_cost * lam / q + h * on_hand + p * lam * per_cycle / q


def _exact_rq(
    lam: float,
    mu: float,
    sigma: float,
    k_cost: float,
    h: float,
    p: float,
    *,
    start: tuple[float, float],
) -> tuple[float, float, int]:
    q0, r0 = start
    q_scale = max(q0, sigma, 1e-9)

    def cost(x: FloatArray) -> float:
        return _exact_cost(x[0] * q_scale, mu + x[1] * sigma, lam, mu, sigma, k_cost, h, p)

    def gradient(x: FloatArray) -> FloatArray:
        q = x[0] * q_scale
        r = mu + x[1] * sigma
        k1 = (r - mu) / sigma
        k2 = (r + q - mu) / sigma
        big_g = sigma * sigma * float(normal_second_order_loss(k1) - normal_second_order_loss(k2))
        n1 = sigma * float(normal_loss(k1))
        n2 = sigma * float(normal_loss(k2))
        # d/dQ and d/dr of each term; d n(y)/dy = -(1 - F(y)), d(sigma^2 G2)/dy = -n(y).
        f2 = float(normal_sf(k2))
        f1 = float(normal_sf(k1))
        d_q = (
            -k_cost * lam / q**2
            + h * (0.5 + n2 / q - big_g / q**2)
            + p * lam * (-(n1 - n2) / q**2 + f2 / q)
        )
        d_r = h * (1.0 + (n2 - n1) / q) + p * lam * (-f1 + f2) / q
        return np.array([d_q * q_scale, d_r * sigma])

    solution = optimize.minimize(
        cost,
        x0=np.array([q0 / q_scale, (r0 - mu) / sigma]),
        jac=gradient,
        method="L-BFGS-B",
        bounds=[(1e-9, None), (None, None)],
        options={"ftol": 1e-15, "gtol": 1e-11, "maxiter": 1000},
    )
    # L-BFGS-B may stop on a line-search warning at the optimum; only a non-finite
    # cost means it failed.
    if not np.isfinite(solution.fun):
        raise InfeasibleError(f"(r, Q): the exact optimisation failed ({solution.message})")
    q = float(solution.x[0] * q_scale)
    r = float(mu + solution.x[1] * sigma)
    return q, r, int(solution.nit)
