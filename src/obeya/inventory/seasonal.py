"""Newsvendor quantities for many seasonal items at once.

For an item sold in one season (fashion, promotions, holiday stock) with normal
demand ``N(mean, sd^2)``, buy ``Q = mean + z sd`` with ``z = Phi^-1(cr)`` and the
critical ratio ``cr = (price - unit_cost) / (price - salvage)``. The scalar,
explained version is :func:`obeya.inventory.newsvendor`; this one takes arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from obeya.inventory._normal import FloatArray, normal_loss
from obeya.inventory._validate import as_float_array, broadcast_all, require

__all__ = ["SeasonalOrder", "newsvendor_quantities"]


@dataclass(frozen=True, slots=True)
class SeasonalOrder:
    """Per-item newsvendor order and its expected outcome (arrays)."""

    order_quantity: FloatArray
    critical_ratio: FloatArray
    z: FloatArray
    expected_sales: FloatArray
    expected_leftover: FloatArray
    expected_shortage: FloatArray
    expected_profit: FloatArray
    fill_rate: FloatArray


def newsvendor_quantities(
    *,
    mean: ArrayLike,
    sd: ArrayLike,
    unit_cost: ArrayLike,
    price: ArrayLike,
    salvage: ArrayLike = 0.0,
) -> SeasonalOrder:
    """Newsvendor order for each item; quantities are floored at zero.

    Expected shortage ``sd G(k)`` for ``k = (Q - mean)/sd``; leftover
    ``Q - mean + shortage``; profit ``price * sales + salvage * leftover - cost * Q``.
    Items with ``sd = 0`` buy their mean. ``fill_rate`` is expected sales over mean
    demand (1 where the mean is 0).
    """
    a = broadcast_all(
        {
            "mean": as_float_array("mean", mean),
            "sd": as_float_array("sd", sd),
            "unit_cost": as_float_array("unit_cost", unit_cost),
            "price": as_float_array("price", price),
            "salvage": as_float_array("salvage", salvage),
        }
    )
    m, s, c, p, v = a["mean"], a["sd"], a["unit_cost"], a["price"], a["salvage"]
    fix = "correct the item rows"
    require("mean", m, (m >= 0) & np.isfinite(m), "be finite and >= 0", fix)
    require("sd", s, (s >= 0) & np.isfinite(s), "be finite and >= 0", fix)
    require("unit_cost", c, (c > 0) & np.isfinite(c), "be finite and > 0", fix)
    require("salvage", v, v >= 0, "be >= 0", fix)
    require("price", p, p > c, "exceed unit_cost (else the best order is zero)", fix)
    require(
        "salvage", v, v < c, "be below unit_cost (else the order is unbounded)", "check salvage"
    )
    ratio = (p - c) / (p - v)
    z = special.ndtri(ratio)
    q = np.maximum(m + z * s, 0.0)
    uncertain = s > 0
    k = np.divide(q - m, s, out=np.zeros_like(q), where=uncertain)
    shortage = np.where(uncertain, s * normal_loss(k), np.maximum(m - q, 0.0))
    sales = m - shortage
    leftover = q - sales
    profit = p * sales + v * leftover - c * q
    fill = np.divide(sales, m, out=np.ones_like(m), where=m > 0)
    return SeasonalOrder(
        order_quantity=q,
        critical_ratio=ratio,
        z=z,
        expected_sales=sales,
        expected_leftover=leftover,
        expected_shortage=shortage,
        expected_profit=profit,
        fill_rate=fill,
    )
