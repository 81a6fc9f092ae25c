"""After-tax project cash flows derived from capex, savings and tax drivers.

Year 0: ``-(capex + working_capital)``.
Years 1..L (L = life):
    operating cash flow = (annual_savings - opex_change) x (1 - t) + depreciation_y x t
Year L also gets the salvage value net of tax on the gain over book value,
    salvage - t x (salvage - book_value_L),
and the working capital back (not taxed).

``opex_change`` is the change in yearly operating cost the project causes (positive:
costs more to run). A negative pre-tax operating result produces a tax saving: the
company is assumed to be profitable elsewhere, as in the standard textbook treatment.
A salvage below book value likewise gives a tax credit on the loss.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from obeya.finance.depreciation import DepreciationMethod, book_value, depreciation_schedule

__all__ = ["CashFlowDrivers", "derive_cash_flows"]


@dataclass(frozen=True, slots=True)
class CashFlowDrivers:
    """The drivers of a derived project; amounts in currency, rates as fractions."""

    capex: float
    annual_savings: float
    life: int
    tax_rate: float = 0.0
    depreciation: DepreciationMethod = DepreciationMethod.STRAIGHT_LINE
    salvage: float = 0.0
    opex_change: float = 0.0
    working_capital: float = 0.0


def derive_cash_flows(d: CashFlowDrivers) -> NDArray[np.float64]:
    """Yearly after-tax cash flows, index 0 = year 0 (the investment)."""
    t = d.tax_rate
    dep = depreciation_schedule(d.depreciation, d.capex, d.life)
    flows = np.zeros(d.life + 1, dtype=np.float64)
    flows[0] = -(d.capex + d.working_capital)
    flows[1:] = (d.annual_savings - d.opex_change) * (1.0 - t) + dep * t
    gain = d.salvage - book_value(d.depreciation, d.capex, d.life)
    flows[-1] += d.salvage - t * gain + d.working_capital
    return flows
