"""The whale curve: cumulative profit over customers ranked from most to least profitable.

Ranked by net profit, highest first, the cumulative profit rises while customers
make money, peaks, and falls through the customers that destroy it (Kaplan &
Narayanan, "Measuring and Managing Customer Profitability", Journal of Cost
Management, 2001). The peak is often well above the total: the gap is the profit the
unprofitable customers destroy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["WhaleCurve", "whale_curve"]


@dataclass(frozen=True, slots=True, eq=False)
class WhaleCurve:
    """Customers ranked by profit (``members``, ``profit``) and the running total.

    ``peak_customers`` is how many of the top customers reach the peak (those with a
    positive profit); ``peak_pct_of_total`` is peak / total (None when the total is not
    positive); ``unprofitable_share`` is the share of customers with a loss.
    """

    members: tuple[str, ...]
    profit: NDArray[np.float64]
    cumulative: NDArray[np.float64]
    total: float
    peak: float
    peak_customers: int
    peak_pct_of_total: float | None
    unprofitable: int
    unprofitable_share: float
    profit_destroyed: float

    def to_dict(self, points: int | None = None) -> dict[str, Any]:
        """JSON-ready; ``points`` thins the curve to about that many points for a chart."""
        n = len(self.members)
        idx = np.arange(n)
        if points is not None and n > points > 1:
            idx = np.unique(np.linspace(0, n - 1, points).round().astype(int))
            idx = np.union1d(idx, [max(self.peak_customers - 1, 0)])
        return {
            "customers": n,
            "total": self.total,
            "peak": self.peak,
            "peak_customers": self.peak_customers,
            "peak_customers_share": self.peak_customers / n if n else 0.0,
            "peak_pct_of_total": self.peak_pct_of_total,
            "unprofitable": self.unprofitable,
            "unprofitable_share": self.unprofitable_share,
            "profit_destroyed": self.profit_destroyed,
            "curve": [
                {
                    "customers": int(i) + 1,
                    "share_of_customers": (int(i) + 1) / n,
                    "member": self.members[i],
                    "cumulative_profit": float(self.cumulative[i]),
                }
                for i in idx
            ],
        }


def whale_curve(profits: ArrayLike, members: Sequence[str] | None = None) -> WhaleCurve:
    """Rank ``profits`` highest first (ties by member) and accumulate them."""
    p = np.asarray(profits, dtype=np.float64).ravel()
    names = [str(i) for i in range(p.size)] if members is None else [str(m) for m in members]
    if len(names) != p.size:
        raise ValueError(f"{len(names)} members for {p.size} profits; give one name per profit")
    order = np.lexsort((np.array(names, dtype=object), -p)) if p.size else np.arange(0)
    ranked = p[order]
    cumulative = np.cumsum(ranked)
    total = float(cumulative[-1]) if p.size else 0.0
    # Ranked highest first, the curve rises exactly while profits are positive: the peak
    # comes after the last profitable customer (no argmax, which rounding could fool).
    gainers = int((ranked > 0).sum())
    peak = float(cumulative[gainers - 1]) if gainers else 0.0
    losers = ranked < 0
    return WhaleCurve(
        members=tuple(names[i] for i in order),
        profit=ranked,
        cumulative=cumulative,
        total=total,
        peak=peak,
        peak_customers=gainers,
        peak_pct_of_total=peak / total if total > 0 else None,
        unprofitable=int(losers.sum()),
        unprofitable_share=float(losers.mean()) if p.size else 0.0,
        profit_destroyed=0.0 - float(ranked[losers].sum()),  # 0.0, never -0.0
    )
