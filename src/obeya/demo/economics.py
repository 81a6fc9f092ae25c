"""Price, cost, freight and wage levels over time.

List prices rise 3.5% each January, standard costs 3% each half-year; the levels
are 1.0 in the last year (half-year) of the window, so ``products`` carries today's
prices. Freight rates jump by the story's increase a month into the last year,
wages by the story's increase at its start (the budget assumed less).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from obeya.demo.config import Calendar, day_number, months_since_epoch
from obeya.demo.stories import Stories

__all__ = ["cost_index", "freight_index", "price_index", "wage_index"]

FloatArray = npt.NDArray[np.float64]
Days = npt.NDArray[np.integer]

PRICE_RISE = 0.035  # each January
COST_RISE = 0.03  # each January and July


def price_index(days: Days, cal: Calendar) -> FloatArray:
    """List-price level on each day (1.0 in the calendar year of the end date)."""
    years = months_since_epoch(days) // 12 - (cal.end.year - 1970)
    return np.asarray((1.0 + PRICE_RISE) ** years, dtype=np.float64)


def cost_index(days: Days, cal: Calendar) -> FloatArray:
    """Standard-cost level on each day (1.0 in the half-year of the end date)."""
    halves = months_since_epoch(days) // 6
    last = ((cal.end.year - 1970) * 12 + cal.end.month - 1) // 6
    return np.asarray((1.0 + COST_RISE) ** (halves - last), dtype=np.float64)


def freight_index(days: Days, story: Stories) -> FloatArray:
    """Carrier rate level: 1.0, then 1 + the story's increase (fuel surcharge, new tariffs)."""
    jump = days.astype(np.int64) >= day_number(story.freight_increase_from)
    return np.where(jump, 1.0 + story.freight_increase, 1.0)


def wage_index(days: Days, story: Stories, *, budget: bool = False) -> FloatArray:
    """Wage level: 1.0 in the first part of the window, raised in the last twelve months."""
    rise = story.budget_wage_increase if budget else story.wage_increase
    return np.where(days.astype(np.int64) >= day_number(story.year2_start), 1.0 + rise, 1.0)
