"""Erlang C staffing for a queue of calls, tickets or dock arrivals.

With offered traffic A = arrivals per hour x handle time (hours), in erlangs, and N
agents (N > A), the M/M/N queue gives::

    Erlang B   B(N, A) = (A^N / N!) / sum_{k=0..N} A^k / k!
    Erlang C   C(N, A) = N B / (N - A (1 - B))          probability an arrival waits
    service level  SL = 1 - C exp(-(N - A) t / AHT)      answered within t seconds
    average speed of answer  ASA = C AHT / (N - A)
    occupancy  = A / N

B is computed as ``poisson.pmf(N; A) / poisson.cdf(N; A)`` in log space (SciPy's
log-gamma based Poisson), so no factorial or power ever overflows, even at thousands
of erlangs. Every function takes arrays and works on whole intervals at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import poisson

from obeya.errors import SpecError

__all__ = [
    "ErlangResult",
    "erlang_b",
    "erlang_c",
    "erlang_c_probability",
    "erlang_c_staffing",
    "service_level",
]

FloatArray = NDArray[np.float64]


def erlang_b(traffic: ArrayLike, agents: ArrayLike) -> FloatArray:
    """Erlang B blocking probability, elementwise over broadcast arrays."""
    a = np.asarray(traffic, dtype=np.float64)
    n = np.asarray(agents, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_b = poisson.logpmf(n, a) - poisson.logcdf(n, a)
    out: FloatArray = np.where(a > 0, np.exp(log_b), np.where(n > 0, 0.0, 1.0))
    return out


def erlang_c_probability(traffic: ArrayLike, agents: ArrayLike) -> FloatArray:
    """Probability an arrival has to wait; 1 where agents <= traffic (unstable queue)."""
    a = np.asarray(traffic, dtype=np.float64)
    n = np.asarray(agents, dtype=np.float64)
    b = erlang_b(a, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = n * b / (n - a * (1.0 - b))
    out: FloatArray = np.where(n > a, np.clip(c, 0.0, 1.0), 1.0)
    return out


def service_level(
    traffic: ArrayLike, agents: ArrayLike, aht_seconds: ArrayLike, within_seconds: ArrayLike
) -> FloatArray:
    """Share of arrivals answered within ``within_seconds``; 0 for an unstable queue."""
    a = np.asarray(traffic, dtype=np.float64)
    n = np.asarray(agents, dtype=np.float64)
    c = erlang_c_probability(a, n)
    with np.errstate(over="ignore", invalid="ignore"):
        decay = np.exp(-(n - a) * np.asarray(within_seconds) / np.asarray(aht_seconds))
    out: FloatArray = np.where(n > a, 1.0 - c * decay, 0.0)
    return out


def _asa(traffic: FloatArray, agents: FloatArray, aht_seconds: FloatArray) -> FloatArray:
    c = erlang_c_probability(traffic, agents)
    with np.errstate(divide="ignore", invalid="ignore"):
        asa = c * aht_seconds / (agents - traffic)
    out: FloatArray = np.where(agents > traffic, asa, np.inf)
    return out


@dataclass(frozen=True, slots=True)
class ErlangResult:
    """Staff needed for one interval and the service it gives.

    ``agents`` is the head count to schedule: ``agents_before_shrinkage`` grossed up
    by shrinkage (breaks, training, absence), ``ceil(n / (1 - shrinkage))``. Service
    level, ASA and occupancy are those of the agents actually on the phones.
    """

    agents: int
    agents_before_shrinkage: int
    service_level: float
    asa_seconds: float
    occupancy: float
    traffic_erlangs: float
    probability_of_waiting: float


def _check(
    target: float, within_seconds: float, shrinkage: float | None, max_occupancy: float | None
) -> None:
    if not 0.0 < target < 1.0:
        raise SpecError(
            f"target = {target!r}: a service level target must be a share strictly between "
            "0 and 1 (e.g. 0.8 for 80 %)"
        )
    if not within_seconds >= 0.0:
        raise SpecError(f"within_seconds = {within_seconds!r}: must be >= 0")
    if shrinkage is not None and not 0.0 <= shrinkage < 1.0:
        raise SpecError(f"shrinkage = {shrinkage!r}: must be a share in [0, 1), e.g. 0.3")
    if max_occupancy is not None and not 0.0 < max_occupancy <= 1.0:
        raise SpecError(f"max_occupancy = {max_occupancy!r}: must be a share in (0, 1], e.g. 0.85")


def erlang_c_staffing(
    arrivals_per_hour: ArrayLike,
    aht_seconds: ArrayLike,
    target: float,
    within_seconds: float,
    *,
    max_occupancy: float | None = None,
) -> NDArray[np.int64]:
    """Fewest agents meeting the target (and occupancy cap) for every interval at once.

    The search evaluates a growing window of candidate head counts for all intervals
    as one array, doubling the window until every interval has met its target.
    """
    _check(target, within_seconds, None, max_occupancy)
    lam = np.atleast_1d(np.asarray(arrivals_per_hour, dtype=np.float64))
    aht = np.broadcast_to(np.asarray(aht_seconds, dtype=np.float64), lam.shape)
    if (lam < 0).any() or not np.isfinite(lam).all():
        raise SpecError("arrivals_per_hour must be finite and >= 0")
    if (aht <= 0).any() or not np.isfinite(aht).all():
        raise SpecError("aht_seconds must be finite and > 0")
    traffic = lam * aht / 3600.0
    start = np.floor(traffic) + 1.0
    if max_occupancy is not None:
        start = np.maximum(start, np.ceil(traffic / max_occupancy - 1e-9))
    start = np.where(traffic > 0, start, 0.0)
    result = np.full(traffic.shape, -1, dtype=np.int64)
    width = 16
    todo = traffic > 0
    result[~todo] = 0
    while todo.any():
        a = traffic[todo][:, None]
        n = start[todo][:, None] + np.arange(width)[None, :]
        ok = service_level(a, n, aht[todo][:, None], within_seconds) >= target
        found = ok.any(axis=1)
        first = np.argmax(ok, axis=1)
        idx = np.flatnonzero(todo)
        result[idx[found]] = (n[found, first[found]]).astype(np.int64)
        start[idx[~found]] += width
        todo[idx[found]] = False
        width *= 2
    return result


def erlang_c(
    arrivals_per_hour: float,
    aht_seconds: float,
    target: float,
    within_seconds: float,
    shrinkage: float | None = None,
    max_occupancy: float | None = None,
) -> ErlangResult:
    """Agents needed to answer ``target`` of arrivals within ``within_seconds``.

    ``shrinkage`` (share of paid time off the phones) grosses the head count up;
    ``max_occupancy`` caps traffic per agent so people are not run at 100 %.
    """
    _check(target, within_seconds, shrinkage, max_occupancy)
    (n,) = erlang_c_staffing(
        [arrivals_per_hour], aht_seconds, target, within_seconds, max_occupancy=max_occupancy
    )
    a = arrivals_per_hour * aht_seconds / 3600.0
    agents = int(n)
    if shrinkage is not None and agents > 0:
        agents = math.ceil(n / (1.0 - shrinkage) - 1e-9)
    if n == 0:
        return ErlangResult(agents, 0, 1.0, 0.0, 0.0, 0.0, 0.0)
    na = np.array([float(n)])
    aa = np.array([a])
    return ErlangResult(
        agents=agents,
        agents_before_shrinkage=int(n),
        service_level=float(service_level(aa, na, aht_seconds, within_seconds)[0]),
        asa_seconds=float(_asa(aa, na, np.array([aht_seconds]))[0]),
        occupancy=a / float(n),
        traffic_erlangs=a,
        probability_of_waiting=float(erlang_c_probability(aa, na)[0]),
    )
