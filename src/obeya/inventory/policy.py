"""Vectorised inventory policy for many SKU x site rows at once.

One call sizes every row of a planning table: safety stock, reorder point, EOQ order
quantity or periodic order-up-to level, for a cycle-service-level or a fill-rate
target, plus the money it ties up. NumPy over whole arrays; the only loop is the
handful of Newton steps that invert the normal loss function for fill-rate targets.

Conventions (per row; every array broadcasts against the others):

* ``demand_mean``, ``demand_sd``: demand per period (a week, say); periods are i.i.d.
* ``lead_time_mean``, ``lead_time_sd``, ``review_period``: in those periods.
* ``unit_cost``: money per unit; ``order_cost``: money per order; ``holding_rate``:
  share of unit cost per year (0.25 = 25 %); ``periods_per_year`` turns per-period
  demand into annual demand (52 for weeks).
* ``service_level``: the target, read by ``target`` (a probability in (0, 1)).

Policies (:class:`ReviewPolicy`): ``CONTINUOUS`` is (s, Q) with the EOQ as Q and the
lead time as protection interval; ``PERIODIC`` is (R, S): every ``review_period``
periods order up to S, protecting ``R + L`` periods; a base-stock policy is
``PERIODIC`` with ``review_period = 1``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import assert_never

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from obeya.errors import DataError
from obeya.inventory._normal import FloatArray, normal_loss_inverse
from obeya.inventory._validate import as_float_array, broadcast_all, require
from obeya.inventory.models import lead_time_demand_sd

__all__ = [
    "PolicyResult",
    "PolicyTotals",
    "ReviewPolicy",
    "ServiceTarget",
    "inventory_policy",
    "policy_totals",
    "safety_factor",
]


class ServiceTarget(StrEnum):
    """What ``service_level`` means.

    ``CYCLE_SERVICE_LEVEL``: probability of no stock-out in a replenishment cycle
    (Silver, Pyke & Thomas P1); safety factor ``k = Phi^-1(target)``.
    ``FILL_RATE``: share of demand met from stock on hand (P2); ``k`` solves
    ``G(k) = Q (1 - target) / sigma`` with ``G`` the standard normal loss function and
    ``Q`` the order quantity (``CONTINUOUS``) or the mean demand per review interval
    (``PERIODIC``).
    """

    CYCLE_SERVICE_LEVEL = "cycle_service_level"
    FILL_RATE = "fill_rate"


class ReviewPolicy(StrEnum):
    """Replenishment policy family: (s, Q) continuous review or (R, S) periodic review."""

    CONTINUOUS = "continuous"
    PERIODIC = "periodic"


@dataclass(frozen=True, slots=True)
class PolicyResult:
    """Per-row policy parameters (arrays of the broadcast input shape).

    ``reorder_point``: for ``CONTINUOUS`` the level s that triggers an order of
    ``order_quantity``; for ``PERIODIC`` it equals ``order_up_to_level`` (an (R, S)
    policy orders at every review that finds the position below S).
    ``order_up_to_level``: S for ``PERIODIC``; ``s + Q`` (the highest inventory
    position) for ``CONTINUOUS``. ``order_quantity``: the EOQ for ``CONTINUOUS``; the
    mean order per review, ``demand * R``, for ``PERIODIC``.
    ``safety_factor`` is the raw ``k`` solving the target's equation;
    ``safety_stock = max(k, 0) * sigma`` unless negative safety stock was allowed.
    ``expected_turns`` is annual demand over average inventory (``inf`` with demand
    and no inventory, ``nan`` with neither); money is in the currency of
    ``unit_cost``, per year.
    """

    policy: ReviewPolicy
    target: ServiceTarget
    safety_factor: FloatArray
    protection_sd: FloatArray
    safety_stock: FloatArray
    reorder_point: FloatArray
    order_quantity: FloatArray
    order_up_to_level: FloatArray
    cycle_stock: FloatArray
    average_inventory: FloatArray
    inventory_investment: FloatArray
    annual_demand: FloatArray
    annual_ordering_cost: FloatArray
    annual_holding_cost: FloatArray
    expected_turns: FloatArray


@dataclass(frozen=True, slots=True)
class PolicyTotals:
    """Roll-up of a :class:`PolicyResult` over all rows (money in ``unit_cost``'s currency)."""

    rows: int
    safety_stock_value: float
    cycle_stock_value: float
    inventory_investment: float
    annual_cost_of_goods: float
    annual_ordering_cost: float
    annual_holding_cost: float
    expected_turns: float


def safety_factor(
    target: ServiceTarget,
    service_level: ArrayLike,
    *,
    sigma: ArrayLike,
    quantity: ArrayLike,
) -> FloatArray:
    """Safety factor ``k`` for each row, the number of ``sigma`` of safety stock.

    For ``FILL_RATE``, ``quantity`` is the demand between replenishments (Q for (s, Q),
    mean demand per review for (R, S)); rows with ``sigma = 0`` or no demand get
    ``k = 0`` (nothing uncertain, or nothing to fill).
    """
    level = np.asarray(service_level, dtype=np.float64)
    match target:
        case ServiceTarget.CYCLE_SERVICE_LEVEL:
            result: FloatArray = special.ndtri(level)
            return result
        case ServiceTarget.FILL_RATE:
            sd = np.asarray(sigma, dtype=np.float64)
            q = np.asarray(quantity, dtype=np.float64)
            shortage = q * (1.0 - level)
            solvable = (sd > 0) & (shortage > 0)
            x = np.divide(shortage, sd, out=np.ones_like(shortage), where=solvable)
            k: FloatArray = np.where(solvable, normal_loss_inverse(x), 0.0)
            return k
        case _:
            assert_never(target)


def inventory_policy(
    *,
    demand_mean: ArrayLike,
    demand_sd: ArrayLike,
    lead_time_mean: ArrayLike,
    lead_time_sd: ArrayLike = 0.0,
    unit_cost: ArrayLike,
    order_cost: ArrayLike,
    holding_rate: ArrayLike,
    service_level: ArrayLike,
    target: ServiceTarget = ServiceTarget.CYCLE_SERVICE_LEVEL,
    policy: ReviewPolicy = ReviewPolicy.CONTINUOUS,
    review_period: ArrayLike = 1.0,
    periods_per_year: float = 52.0,
    allow_negative_safety_stock: bool = False,
) -> PolicyResult:
    """Size the policy of every row (see the module docstring for units).

    Safety stock is ``k * sigma_P`` where ``sigma_P`` is the sd of demand over the
    protection interval ``P`` (``L`` for (s, Q), ``R + L`` for (R, S)) with lead-time
    variability: ``sqrt(P sd_d^2 + d^2 sd_L^2)``. EOQ uses annual demand and
    ``holding_rate * unit_cost``. A fill-rate target with a large order quantity can
    ask for negative safety stock; it is floored at zero unless
    ``allow_negative_safety_stock``.
    """
    raw = {
        "demand_mean": as_float_array("demand_mean", demand_mean),
        "demand_sd": as_float_array("demand_sd", demand_sd),
        "lead_time_mean": as_float_array("lead_time_mean", lead_time_mean),
        "lead_time_sd": as_float_array("lead_time_sd", lead_time_sd),
        "unit_cost": as_float_array("unit_cost", unit_cost),
        "order_cost": as_float_array("order_cost", order_cost),
        "holding_rate": as_float_array("holding_rate", holding_rate),
        "service_level": as_float_array("service_level", service_level),
        "review_period": as_float_array("review_period", review_period),
    }
    a = broadcast_all(raw)
    _check_policy_inputs(a, periods_per_year)
    d = a["demand_mean"]
    annual = d * periods_per_year
    holding = a["holding_rate"] * a["unit_cost"]
    match policy:
        case ReviewPolicy.CONTINUOUS:
            protection = a["lead_time_mean"]
            quantity = np.sqrt(2.0 * annual * a["order_cost"] / holding)
        case ReviewPolicy.PERIODIC:
            protection = a["lead_time_mean"] + a["review_period"]
            quantity = d * a["review_period"]
        case _:
            assert_never(policy)
    sigma = lead_time_demand_sd(d, a["demand_sd"], protection, a["lead_time_sd"])
    k = safety_factor(target, a["service_level"], sigma=sigma, quantity=quantity)
    k_used = k if allow_negative_safety_stock else np.maximum(k, 0.0)
    safety = k_used * sigma
    match policy:
        case ReviewPolicy.CONTINUOUS:
            reorder = d * protection + safety
            up_to = reorder + quantity
            orders_per_year = np.divide(
                annual, quantity, out=np.zeros_like(annual), where=quantity > 0
            )
        case ReviewPolicy.PERIODIC:
            reorder = d * protection + safety
            up_to = reorder
            orders_per_year = np.where(d > 0, periods_per_year / a["review_period"], 0.0)
        case _:
            assert_never(policy)
    cycle = quantity / 2.0
    average = np.maximum(safety + cycle, 0.0)
    investment = average * a["unit_cost"]
    turns = _ratio(annual, average)
    return PolicyResult(
        policy=policy,
        target=target,
        safety_factor=k,
        protection_sd=sigma,
        safety_stock=safety,
        reorder_point=reorder,
        order_quantity=quantity,
        order_up_to_level=up_to,
        cycle_stock=cycle,
        average_inventory=average,
        inventory_investment=investment,
        annual_demand=annual,
        annual_ordering_cost=orders_per_year * a["order_cost"],
        annual_holding_cost=average * holding,
        expected_turns=turns,
    )


def policy_totals(result: PolicyResult, unit_cost: ArrayLike) -> PolicyTotals:
    """Sum a policy over its rows; turns = total cost of goods / total investment."""
    cost = np.broadcast_to(np.asarray(unit_cost, dtype=np.float64), result.safety_stock.shape)
    cogs = float(np.sum(result.annual_demand * cost))
    investment = float(np.sum(result.inventory_investment))
    turns = cogs / investment if investment > 0 else (float("inf") if cogs > 0 else float("nan"))
    return PolicyTotals(
        rows=int(result.safety_stock.size),
        safety_stock_value=float(np.sum(result.safety_stock * cost)),
        cycle_stock_value=float(np.sum(result.cycle_stock * cost)),
        inventory_investment=investment,
        annual_cost_of_goods=cogs,
        annual_ordering_cost=float(np.sum(result.annual_ordering_cost)),
        annual_holding_cost=float(np.sum(result.annual_holding_cost)),
        expected_turns=turns,
    )


def _ratio(numerator: FloatArray, denominator: FloatArray) -> FloatArray:
    positive = denominator > 0
    out = np.where(numerator > 0, np.inf, np.nan)
    result: FloatArray = np.divide(numerator, denominator, out=out, where=positive)
    return result


def _check_policy_inputs(a: dict[str, FloatArray], periods_per_year: float) -> None:
    fix = "correct the input rows"
    for name in ("demand_mean", "demand_sd", "lead_time_mean", "lead_time_sd", "order_cost"):
        require(name, a[name], (a[name] >= 0) & np.isfinite(a[name]), "be finite and >= 0", fix)
    for name in ("unit_cost", "holding_rate", "review_period"):
        require(name, a[name], (a[name] > 0) & np.isfinite(a[name]), "be finite and > 0", fix)
    level = a["service_level"]
    require(
        "service_level",
        level,
        (level > 0) & (level < 1),
        "lie strictly between 0 and 1",
        "give shares such as 0.95, not percentages",
    )
    if not (np.isfinite(periods_per_year) and periods_per_year > 0):
        raise DataError(
            f"periods_per_year = {periods_per_year!r}: must be a positive number "
            "(52 for weekly demand, 12 for monthly)"
        )
