"""Capital project metrics: NPV, IRR, MIRR, payback, discounted payback, PI.

Every function takes yearly cash flows ``c[0], c[1], ..., c[T]``: ``c[0]`` happens
now (year 0, undiscounted), ``c[t]`` at the end of year ``t``. Outflows are
negative, inflows positive. The definitions (also in ``docs/finance.md``):

* NPV(r) = sum over t of c[t] / (1 + r)^t.
* IRR: every rate r > -1 where NPV(r) = 0. With x = 1 / (1 + r), NPV is the
  polynomial sum c[t] x^t, so the IRRs are its real positive roots. Flows that
  never change sign have no IRR (the result says so and carries no number); one
  sign change gives exactly one (Descartes' rule of signs), found by Brent's
  method; more sign changes may give several, found with ``numpy.roots`` and
  polished, and several distinct IRRs make the IRR ambiguous: all are reported,
  none is chosen.
* MIRR = (FV_T of the inflows at the reinvestment rate / PV_0 of the outflows at
  the finance rate)^(1/T) - 1.
* Payback: the time at which cumulative cash flow turns non-negative for good,
  interpolated linearly within the year (year t's flow is taken to arrive evenly
  over year t). Discounted payback does the same with c[t] / (1 + r)^t.
* Profitability index = PV of the flows of years 1..T / the year-0 outlay
  (-c[0]); 1 + NPV / outlay.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import brentq

from obeya.errors import SpecError

__all__ = [
    "IrrResult",
    "IrrStatus",
    "MetricValue",
    "ProjectResult",
    "discounted_payback",
    "evaluate_cash_flows",
    "irr",
    "mirr",
    "npv",
    "payback",
    "profitability_index",
]


class IrrStatus(StrEnum):
    """What the search for rates that zero the NPV found."""

    UNIQUE = "unique"
    MULTIPLE = "multiple"  # several distinct IRRs: ambiguous, none is reported as *the* IRR
    NO_SIGN_CHANGE = "no_sign_change"  # all inflows or all outflows: no IRR exists
    NO_REAL_ROOT = "no_real_root"  # signs change but NPV never reaches zero


@dataclass(frozen=True, slots=True)
class IrrResult:
    """The IRR of a cash-flow stream, or why there is none.

    ``rate`` is set only when exactly one IRR exists; ``rates`` lists every real
    IRR found (ascending); ``note`` explains a missing or questionable ``rate``.
    """

    rate: float | None
    rates: tuple[float, ...]
    status: IrrStatus
    note: str | None = None


@dataclass(frozen=True, slots=True)
class MetricValue:
    """A metric that may not exist for some cash flows; ``note`` says why."""

    value: float | None
    note: str | None = None


def _flows(cash_flows: ArrayLike) -> NDArray[np.float64]:
    c = np.asarray(cash_flows, dtype=np.float64)
    if c.ndim != 1 or c.size < 1:
        raise SpecError(
            f"cash flows must be a non-empty list of numbers (year 0, 1, ...), got {c.shape}"
        )
    if not np.isfinite(c).all():
        raise SpecError("cash flows must be finite numbers; replace NaN/inf with amounts")
    return c


def _discount_factors(rate: float, n: int) -> NDArray[np.float64]:
    if rate <= -1.0:
        raise SpecError(f"a discount rate must be greater than -100%, got {rate}")
    return np.power(1.0 + rate, -np.arange(n, dtype=np.float64))


def npv(rate: float, cash_flows: ArrayLike) -> float:
    """Net present value at ``rate``; ``cash_flows[0]`` is at t = 0 (not discounted)."""
    c = _flows(cash_flows)
    return float(np.dot(c, _discount_factors(rate, c.size)))


def _sign_changes(c: NDArray[np.float64]) -> int:
    s = np.sign(c[c != 0.0])
    return int(np.count_nonzero(s[1:] != s[:-1]))


def _poly(coeffs: NDArray[np.float64], x: float) -> float:
    """sum coeffs[k] x^k, by Horner's rule."""
    return float(np.polyval(coeffs[::-1], x))


def _polish(coeffs: NDArray[np.float64], x: float) -> float:
    """Refine a root of the NPV polynomial with Brent's method where it brackets."""
    lo, hi = x * (1.0 - 1e-6), x * (1.0 + 1e-6)
    if _poly(coeffs, lo) * _poly(coeffs, hi) < 0.0:
        return float(brentq(lambda v: _poly(coeffs, v), lo, hi, xtol=1e-300, rtol=1e-15))
    return x  # a double (touching) root: numpy's estimate is as good as it gets


def _fmt(rates: Sequence[float]) -> str:
    return ", ".join(f"{r:.4%}" for r in rates)


def irr(cash_flows: ArrayLike) -> IrrResult:
    """Every internal rate of return of the cash flows, or why there is none."""
    c = _flows(cash_flows)
    changes = _sign_changes(c)
    if changes == 0:
        return IrrResult(
            None,
            (),
            IrrStatus.NO_SIGN_CHANGE,
            "no IRR: the cash flows never change sign (all inflows or all outflows), "
            "so no discount rate makes the NPV zero; use NPV",
        )
    nonzero = np.flatnonzero(c)
    # NPV(x) = x^first * sum_{k} coeffs[k] x^k with x = 1/(1+r); x = 0 is no rate.
    coeffs = c[nonzero[0] : nonzero[-1] + 1]
    if changes == 1:
        # Exactly one positive root; p(0) = coeffs[0] and p(bound) carries the sign
        # of coeffs[-1] beyond Cauchy's bound on the roots' moduli.
        bound = 1.0 + float(np.max(np.abs(coeffs[:-1]))) / abs(float(coeffs[-1]))
        hi = min(1.0, bound)
        while np.sign(_poly(coeffs, hi)) == np.sign(coeffs[0]) and hi < bound:
            hi = min(2.0 * hi, bound)  # widen until the sign flips: no overflow on the way
        x = float(brentq(lambda v: _poly(coeffs, v), 0.0, hi, xtol=1e-300, rtol=1e-15))
        rates: tuple[float, ...] = (1.0 / x - 1.0,)
    else:
        roots = np.roots(coeffs[::-1])
        scale = np.maximum(1.0, np.abs(roots))
        candidates = roots[(np.abs(roots.imag) <= 1e-6 * scale) & (roots.real > 0.0)].real
        xs: list[float] = []
        for x0 in np.sort(candidates):
            x = _polish(coeffs, float(x0))
            size = float(np.polyval(np.abs(coeffs[::-1]), x))
            if abs(_poly(coeffs, x)) > 1e-8 * size:
                continue  # numerical ghost of a complex pair
            if not xs or abs(x - xs[-1]) > 1e-7 * max(1.0, x):
                xs.append(x)
        rates = tuple(sorted(1.0 / x - 1.0 for x in xs))
    if not rates:
        return IrrResult(
            None,
            (),
            IrrStatus.NO_REAL_ROOT,
            f"no IRR: the cash flows change sign {changes} times but NPV is never zero "
            "at any rate above -100%; use NPV or MIRR",
        )
    if len(rates) > 1:
        return IrrResult(
            None,
            rates,
            IrrStatus.MULTIPLE,
            f"ambiguous IRR: NPV is zero at {len(rates)} rates ({_fmt(rates)}) because the "
            f"cash flows change sign {changes} times; rank this project by NPV or MIRR",
        )
    note = None
    if c[nonzero[0]] > 0.0:
        note = (
            "financing-type flows (inflow first, outflows later): the project adds value "
            "when its IRR is BELOW the discount rate"
        )
    return IrrResult(rates[0], rates, IrrStatus.UNIQUE, note)


def mirr(
    cash_flows: ArrayLike, finance_rate: float, reinvest_rate: float | None = None
) -> MetricValue:
    """Modified IRR: outflows financed at ``finance_rate``, inflows reinvested.

    ``reinvest_rate`` defaults to ``finance_rate``. MIRR = (FV at year T of the
    positive flows compounded at the reinvestment rate / PV at year 0 of the
    negative flows discounted at the finance rate)^(1/T) - 1.
    """
    c = _flows(cash_flows)
    reinvest = finance_rate if reinvest_rate is None else reinvest_rate
    horizon = c.size - 1
    if horizon < 1:
        return MetricValue(None, "no MIRR: a single cash flow spans no time")
    inflows, outflows = np.where(c > 0, c, 0.0), np.where(c < 0, c, 0.0)
    if not (inflows.any() and outflows.any()):
        return MetricValue(None, "no MIRR: the cash flows are all inflows or all outflows")
    fv_in = float(np.dot(inflows, _discount_factors(reinvest, c.size))) * (1 + reinvest) ** horizon
    pv_out = -float(np.dot(outflows, _discount_factors(finance_rate, c.size)))
    return MetricValue(float((fv_in / pv_out) ** (1.0 / horizon) - 1.0))


def _payback(values: NDArray[np.float64], label: str) -> MetricValue:
    cum = np.cumsum(values)
    # Snap rounding noise (110 / 1.1 = 99.99999999999999) to exactly zero.
    cum[np.abs(cum) <= 1e-12 * float(np.abs(values).sum())] = 0.0
    if cum[-1] < 0.0:
        return MetricValue(
            None,
            f"never paid back: cumulative {label}cash flow is still {cum[-1]:,.2f} "
            f"after year {values.size - 1}",
        )
    negative = np.flatnonzero(cum < 0.0)
    if negative.size == 0:
        return MetricValue(0.0, "no net outlay: cumulative cash flow is never negative")
    k = int(negative[-1])  # the last year that ends under water; year k+1 recovers it
    return MetricValue(float(k + (-cum[k]) / values[k + 1]))


def payback(cash_flows: ArrayLike) -> MetricValue:
    """Years until cumulative cash flow turns non-negative for good, interpolated."""
    return _payback(_flows(cash_flows), "")


def discounted_payback(cash_flows: ArrayLike, rate: float) -> MetricValue:
    """Payback on flows discounted at ``rate`` (c[t] / (1 + rate)^t)."""
    c = _flows(cash_flows)
    return _payback(c * _discount_factors(rate, c.size), "discounted ")


def profitability_index(cash_flows: ArrayLike, rate: float) -> MetricValue:
    """PV of the year 1..T flows divided by the year-0 outlay (= 1 + NPV / outlay)."""
    c = _flows(cash_flows)
    if c[0] >= 0.0:
        return MetricValue(
            None, "no profitability index: the year-0 cash flow is not an outlay (not negative)"
        )
    pv_later = float(np.dot(c[1:], _discount_factors(rate, c.size)[1:]))
    return MetricValue(pv_later / -float(c[0]))


@dataclass(frozen=True, slots=True)
class ProjectResult:
    """Every metric of one capital project at one discount rate."""

    id: str
    cash_flows: tuple[float, ...]
    discount_rate: float
    npv: float
    irr: IrrResult
    mirr: MetricValue
    payback: MetricValue
    discounted_payback: MetricValue
    profitability_index: MetricValue

    @property
    def payback_years(self) -> float | None:
        return self.payback.value

    @property
    def discounted_payback_years(self) -> float | None:
        return self.discounted_payback.value

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready form; ``*_note`` keys explain a missing (None) value."""
        out: dict[str, object] = {
            "id": self.id,
            "npv": self.npv,
            "irr": self.irr.rate,
            "mirr": self.mirr.value,
            "payback_years": self.payback.value,
            "discounted_payback_years": self.discounted_payback.value,
            "profitability_index": self.profitability_index.value,
        }
        if self.irr.note is not None:
            out["irr_note"] = self.irr.note
        if self.irr.status is IrrStatus.MULTIPLE:
            out["irr_all"] = list(self.irr.rates)
        for key, metric in (
            ("mirr", self.mirr),
            ("payback_years", self.payback),
            ("discounted_payback_years", self.discounted_payback),
            ("profitability_index", self.profitability_index),
        ):
            if metric.value is None and metric.note is not None:
                out[f"{key}_note"] = metric.note
        return out


def evaluate_cash_flows(
    project_id: str,
    cash_flows: ArrayLike,
    discount_rate: float,
    *,
    finance_rate: float | None = None,
    reinvest_rate: float | None = None,
) -> ProjectResult:
    """All metrics of one cash-flow stream; MIRR rates default to ``discount_rate``."""
    c = _flows(cash_flows)
    finance = discount_rate if finance_rate is None else finance_rate
    reinvest = discount_rate if reinvest_rate is None else reinvest_rate
    return ProjectResult(
        id=project_id,
        cash_flows=tuple(float(v) for v in c),
        discount_rate=discount_rate,
        npv=npv(discount_rate, c),
        irr=irr(c),
        mirr=mirr(c, finance, reinvest),
        payback=payback(c),
        discounted_payback=discounted_payback(c, discount_rate),
        profitability_index=profitability_index(c, discount_rate),
    )
