"""How uncertain each driver of the rolling forecast is, estimated from history.

Over the trailing window (12 months to ``as_of``, months with shipments and ledger
amounts only), with U_m the company's units shipped in month m:

* **volume**: the residuals r_m = U_m / (L x S_m) - 1 of the fallback volume model,
  L the window's mean monthly units and S_m the company's seasonal index of m's
  calendar month in the year before ``as_of``'s (1 when that year is incomplete);
  ``volume_sd`` = their standard deviation, and ``volume_autocorrelation`` = their
  lag-1 autocorrelation clipped to [0, 0.95] (the Monte Carlo correlates month i
  and j by rho^|i-j|);
* **price, unit cost (material + direct labour), freight**: the monthly ledger amount
  per unit shipped; the sd is the standard deviation of the monthly values over
  their mean (relative, applied to the projected rate);
* **fixed costs**: the standard deviation of the monthly total of overhead,
  warehousing, SG&A and other (absolute, per month).

Standard deviations use ``ddof=1``. With fewer than 3 usable months a volatility is
0 and a note says so; the autocorrelation needs 4.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from obeya.finance.drivers import FIXED_LINES
from obeya.finance.history import History

__all__ = ["Volatility", "estimate_volatility"]

MIN_MONTHS = 3


@dataclass(frozen=True, slots=True)
class Volatility:
    """Relative sds (fractions of the mean) except ``fixed_sd``, in money per month."""

    volume_sd: float
    volume_autocorrelation: float
    price_sd: float
    unit_cost_sd: float
    freight_sd: float
    fixed_sd: float
    months: int


def _relative_sd(x: np.ndarray[Any, np.dtype[np.float64]]) -> float:
    if x.size < MIN_MONTHS:
        return 0.0
    mean = float(x.mean())
    return float(x.std(ddof=1)) / abs(mean) if mean != 0 else 0.0


def estimate_volatility(
    history: History, as_of: int, window: int, notes: list[str] | None = None
) -> Volatility:
    """Driver volatilities over the ``window`` months to ``as_of`` (see the module)."""
    notes = notes if notes is not None else []
    first = as_of - window + 1
    o = history.orders[(history.orders["ym"] >= first) & (history.orders["ym"] <= as_of)]
    units = o.groupby("ym")["units"].sum()
    g = history.gl[(history.gl["ym"] >= first) & (history.gl["ym"] <= as_of)]
    ledger = g.pivot_table(index="ym", columns="pl_line", values="amount", aggfunc="sum")
    months = units.index[units > 0].intersection(ledger.index).sort_values()
    if len(months) < MIN_MONTHS:
        notes.append(
            f"only {len(months)} month(s) with shipments and ledger amounts in the trailing "
            f"{window}: the drivers' volatilities are taken as 0"
        )
    u = units.reindex(months).to_numpy(dtype=np.float64)
    lines = ledger.reindex(index=months).fillna(0.0)

    def col(name: str) -> np.ndarray[Any, np.dtype[np.float64]]:
        if name in lines.columns:
            return np.asarray(lines[name].to_numpy(dtype=np.float64), dtype=np.float64)
        return np.zeros(len(months), dtype=np.float64)

    last_year = as_of // 12 - 1
    all_units = history.orders.groupby("ym")["units"].sum()
    ly = all_units.reindex(range(12 * last_year, 12 * last_year + 12)).fillna(0.0)
    index = ly.to_numpy() / ly.mean() if (ly > 0).all() else np.ones(12)
    season = index[np.asarray(months, dtype=np.int64) % 12] if len(months) else np.ones(0)
    level = u.mean() if u.size else 0.0
    resid = u / (level * season) - 1.0 if level > 0 else np.zeros_like(u)
    volume_sd = float(resid.std(ddof=1)) if resid.size >= MIN_MONTHS else 0.0
    rho = 0.0
    if resid.size >= MIN_MONTHS + 1 and resid.std() > 0:
        centred = resid - resid.mean()
        lag1 = float((centred[:-1] * centred[1:]).sum() / (centred**2).sum())
        rho = float(np.clip(lag1, 0.0, 0.95))
    fixed = sum((col(line.value) for line in FIXED_LINES), np.zeros(len(months)))
    safe = np.where(u > 0, u, 1.0)
    return Volatility(
        volume_sd=volume_sd,
        volume_autocorrelation=rho,
        price_sd=_relative_sd(col("revenue") / safe),
        unit_cost_sd=_relative_sd((col("cogs_material") + col("cogs_labor")) / safe),
        freight_sd=_relative_sd(col("freight") / safe),
        fixed_sd=float(pd.Series(fixed).std(ddof=1)) if len(months) >= MIN_MONTHS else 0.0,
        months=len(months),
    )
