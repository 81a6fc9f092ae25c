"""Replay an inventory policy against demand and measure the service it achieves.

Many series are simulated together: arrays of shape ``[n_series]`` hold the state,
and the only loop is over periods. Each period ``t``, in this order:

1. demand ``D_t`` is served from stock on hand; what stock cannot cover is
   backordered (``BACKORDER``) or lost (``LOST_SALES``);
2. at a review (every period for (s, Q); when ``t % R == 0`` for (R, S)) the
   inventory position (on hand - backorders + on order) is compared with the policy:
   (s, Q) orders the smallest multiple of Q that lifts it above s when it is at or
   below s; (R, S) orders up to S;
3. an order placed at ``t`` with lead time ``L`` is received at the end of period
   ``t + L`` (so ``L = 0`` arrives at once), and receipts due now are booked.

With this timing an (R, S) policy protects ``R + L`` periods of demand, matching
:func:`obeya.inventory.inventory_policy`. Reported, per series, after ``warmup``:

* ``fill_rate``: share of demand met from stock on hand in the period it occurred;
* ``cycle_service_level``: share of replenishment cycles (the periods between two
  receipts) in which no demand went unmet;
* ``ready_rate``: share of periods with no unmet demand; average on hand, backorders,
  orders placed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import assert_never

import numpy as np
from numpy.typing import ArrayLike, NDArray

from obeya.errors import DataError
from obeya.inventory._normal import FloatArray
from obeya.inventory._validate import as_float_array, require
from obeya.inventory.policy import ReviewPolicy

__all__ = [
    "ShortageModel",
    "SimulationResult",
    "sample_demand_bootstrap",
    "sample_demand_normal",
    "simulate_policy",
]

IntArray = NDArray[np.int64]


class ShortageModel(StrEnum):
    """What happens to demand that stock cannot meet."""

    BACKORDER = "backorder"
    LOST_SALES = "lost_sales"


@dataclass(frozen=True, slots=True)
class SimulationResult:
    """Achieved service and stock per series (arrays of shape ``[n_series]``)."""

    fill_rate: FloatArray
    cycle_service_level: FloatArray
    ready_rate: FloatArray
    average_on_hand: FloatArray
    average_backorders: FloatArray
    orders_placed: IntArray
    cycles: IntArray
    demand: FloatArray
    units_short: FloatArray
    periods: int


def sample_demand_normal(
    mean: ArrayLike, sd: ArrayLike, periods: int, *, rng: np.random.Generator
) -> FloatArray:
    """Normal i.i.d. demand ``[n_series, periods]``; negative draws become 0.

    Truncation raises the mean a little when ``sd`` is not small against ``mean``
    (by about ``sd * phi(mean/sd)`` minus the tail), so keep the CV below ~0.35 when
    comparing with normal-theory targets.
    """
    m = np.atleast_1d(as_float_array("mean", mean))
    s = np.atleast_1d(as_float_array("sd", sd))
    m, s = np.broadcast_arrays(m, s)
    require("sd", s, s >= 0, "be >= 0", "pass standard deviations")
    draws = rng.normal(m[:, None], s[:, None], size=(m.size, periods))
    result: FloatArray = np.maximum(draws, 0.0)
    return result


def sample_demand_bootstrap(
    history: ArrayLike, periods: int, *, rng: np.random.Generator
) -> FloatArray:
    """Resample each series' own history with replacement: ``[n_series, periods]``."""
    past = as_float_array("history", history)
    if past.ndim != 2 or past.shape[1] == 0:
        raise DataError(f"history: expected shape [n_series, n_periods], got {past.shape}")
    require("history", past, past >= 0, "be >= 0", "net out returns first")
    picks = rng.integers(0, past.shape[1], size=(past.shape[0], periods))
    result: FloatArray = np.take_along_axis(past, picks, axis=1)
    return result


def simulate_policy(
    demand: ArrayLike,
    *,
    policy: ReviewPolicy,
    lead_time: ArrayLike,
    reorder_point: ArrayLike = 0.0,
    order_quantity: ArrayLike = 0.0,
    order_up_to_level: ArrayLike = 0.0,
    review_period: ArrayLike = 1,
    initial_on_hand: ArrayLike | None = None,
    shortage: ShortageModel = ShortageModel.BACKORDER,
    warmup: int = 0,
) -> SimulationResult:
    """Simulate ``policy`` on ``demand`` of shape ``[n_series, n_periods]``.

    ``lead_time``: whole periods, per series ``[n]`` or per series and order period
    ``[n, n_periods]`` (random lead times; orders may cross). (s, Q) reads
    ``reorder_point`` and ``order_quantity``; (R, S) reads ``order_up_to_level`` and
    ``review_period``. Stock starts at ``initial_on_hand`` (default: s + Q, or S) with
    nothing on order; statistics skip the first ``warmup`` periods.
    """
    d = as_float_array("demand", demand)
    if d.ndim != 2:
        raise DataError(f"demand: expected shape [n_series, n_periods], got {d.shape}")
    n, horizon = d.shape
    if not 0 <= warmup < horizon:
        raise DataError(f"warmup = {warmup!r}: must be in 0..{horizon - 1} (periods to skip)")
    require("demand", d, d >= 0, "be >= 0", "net out returns first")
    lead = _lead_times(lead_time, n, horizon)
    s = _vector("reorder_point", reorder_point, n)
    q = _vector("order_quantity", order_quantity, n)
    big_s = _vector("order_up_to_level", order_up_to_level, n)
    review = _vector("review_period", review_period, n).astype(np.int64)
    match policy:
        case ReviewPolicy.CONTINUOUS:
            require("order_quantity", q, q > 0, "be > 0 for an (s, Q) policy", "give Q")
            start = s + q
        case ReviewPolicy.PERIODIC:
            require(
                "review_period",
                review.astype(np.float64),
                review >= 1,
                "be a whole number of periods >= 1",
                "give R",
            )
            start = big_s
        case _:
            assert_never(policy)
    net = np.maximum(
        _vector("initial_on_hand", start if initial_on_hand is None else initial_on_hand, n), 0.0
    )
    pipeline = np.zeros((n, horizon + int(lead.max()) + 1))
    on_order = np.zeros(n)
    rows = np.arange(n)
    total_demand = np.zeros(n)
    total_short = np.zeros(n)
    sum_on_hand = np.zeros(n)
    sum_backorders = np.zeros(n)
    short_periods = np.zeros(n)
    orders = np.zeros(n, dtype=np.int64)
    cycles = np.zeros(n, dtype=np.int64)
    bad_cycles = np.zeros(n, dtype=np.int64)
    cycle_short = np.zeros(n, dtype=bool)
    lost = shortage is ShortageModel.LOST_SALES

    for t in range(horizon):
        dt = d[:, t]
        available = np.maximum(net, 0.0)
        unmet = np.maximum(dt - available, 0.0)
        net = available - np.minimum(dt, available) if lost else net - dt
        position = net + on_order
        match policy:
            case ReviewPolicy.CONTINUOUS:
                gap = s - position
                batches = np.where(gap >= 0, np.floor(gap / q) + 1.0, 0.0)
                order = batches * q
            case ReviewPolicy.PERIODIC:
                order = np.where(t % review == 0, np.maximum(big_s - position, 0.0), 0.0)
            case _:
                assert_never(policy)
        placed = order > 0
        pipeline[rows, t + lead[:, t]] += order
        on_order += order
        receipt = pipeline[:, t]
        net = net + receipt
        on_order -= receipt
        received = receipt > 0
        if t >= warmup:
            total_demand += dt
            total_short += unmet
            short_periods += unmet > 0
            sum_on_hand += np.maximum(net, 0.0)
            sum_backorders += np.maximum(-net, 0.0)
            orders += placed
            cycle_short |= unmet > 0
            cycles += received
            bad_cycles += received & cycle_short
            cycle_short &= ~received
    periods = horizon - warmup
    fill = np.divide(
        total_demand - total_short, total_demand, out=np.ones(n), where=total_demand > 0
    )
    csl = np.divide(
        (cycles - bad_cycles).astype(np.float64), cycles, out=np.full(n, np.nan), where=cycles > 0
    )
    return SimulationResult(
        fill_rate=fill,
        cycle_service_level=csl,
        ready_rate=1.0 - short_periods / periods,
        average_on_hand=sum_on_hand / periods,
        average_backorders=sum_backorders / periods,
        orders_placed=orders,
        cycles=cycles,
        demand=total_demand,
        units_short=total_short,
        periods=periods,
    )


def _vector(name: str, value: ArrayLike, n: int) -> FloatArray:
    array = as_float_array(name, value)
    if array.ndim > 1 or (array.ndim == 1 and array.size not in (1, n)):
        raise DataError(f"{name}: expected one value per series ({n}), got shape {array.shape}")
    return np.broadcast_to(array, (n,)).astype(np.float64)


def _lead_times(value: ArrayLike, n: int, horizon: int) -> IntArray:
    array = as_float_array("lead_time", value)
    require(
        "lead_time",
        array,
        (array >= 0) & (array == np.round(array)),
        "be a whole number of periods >= 0",
        "round lead times to periods",
    )
    if array.ndim <= 1:
        array = np.broadcast_to(_vector("lead_time", array, n)[:, None], (n, horizon))
    elif array.shape != (n, horizon):
        raise DataError(
            f"lead_time: expected [n_series] or [n_series, n_periods] = {(n, horizon)}, got "
            f"{array.shape}"
        )
    return array.astype(np.int64)
