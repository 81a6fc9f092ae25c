"""The price / volume / mix / cost bridge of revenue or gross margin, from the warehouse.

The *actual* side is the order lines shipped in the months (by ``ship_date``), summed
per member in the database::

    units = sum(qty_shipped)   revenue = sum(qty_shipped x unit_price)
    cost  = sum(qty_shipped x unit_cost)

The *comparison* side is either the sales budget of the same months (``sales_budget``:
units, revenue and cogs per period, site and family) or the order lines shipped in
the same months one year earlier. Only the per-member sums come back; the split into
effects is :func:`~obeya.finance.bridge.variance_bridge`, so the effects add up to
the total change exactly. The sales budget has no customers: bridging by customer
works against last year only.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, assert_never

import ibis
import ibis.expr.types as ir
import pandas as pd

from obeya.errors import ConfigError, DataError
from obeya.finance._common import (
    backend,
    month_first_day,
    month_index,
    month_last_day,
    require_table,
)
from obeya.finance.bridge import (
    BridgeMeasure,
    MixConvention,
    VarianceBridge,
    WaterfallGrouping,
    variance_bridge,
)
from obeya.finance.pnl import Comparison, PnlMode, period_months

__all__ = ["BridgeBy", "OrderBridge", "bridge_from_orders", "order_bridge_tables"]

_PURPOSE = "the variance bridge"


class BridgeBy(StrEnum):
    """The member a bridge is decomposed by."""

    FAMILY = "family"
    CUSTOMER = "customer"
    SITE = "site"


@dataclass(frozen=True, slots=True, eq=False)
class OrderBridge:
    """A bridge from order lines, with the months on each side."""

    period: str
    mode: PnlMode
    comparison: Comparison
    by: BridgeBy
    months: tuple[str, ...]
    comparison_months: tuple[str, ...]
    bridge: VarianceBridge

    def to_dict(self, top: int = 10) -> dict[str, object]:
        """JSON-ready: totals, effects, ranked members and waterfall chart data."""
        b = self.bridge
        members = b.members.astype(object).where(b.members.notna(), None)
        return {
            "period": self.period,
            "mode": self.mode.value,
            "comparison": self.comparison.value,
            "by": self.by.value,
            "measure": b.measure.value,
            "convention": b.convention.value,
            "months": list(self.months),
            "comparison_months": list(self.comparison_months),
            "comparison_total": b.comparison_total,
            "actual_total": b.actual_total,
            "change": b.change,
            "effects": {e.value: v for e, v in b.effects.items()},
            "members": members.to_dict(orient="records"),
            "waterfall": b.waterfall(WaterfallGrouping.EFFECT).to_dict(),
            "waterfall_by_member": b.waterfall(WaterfallGrouping.MEMBER, top=top).to_dict(),
        }


def _member_of(by: BridgeBy) -> str:
    match by:
        case BridgeBy.FAMILY:
            return "family"
        case BridgeBy.CUSTOMER:
            return "customer_id"
        case BridgeBy.SITE:
            return "site_id"
        case _:
            assert_never(by)


def _orders(con: Any, months: tuple[str, ...], by: BridgeBy) -> ir.Table:
    """Shipped order lines of ``months`` summed per member (an Ibis expression)."""
    first, last = month_index(months[0]), month_index(months[-1])
    ol = require_table(con, "order_lines", _PURPOSE)
    ol = ol.filter(
        ol.ship_date.notnull(),
        ol.qty_shipped > 0,
        ol.ship_date >= ibis.literal(month_first_day(first)),
        ol.ship_date <= ibis.literal(month_last_day(last)),
    )
    if by is BridgeBy.FAMILY:
        products = require_table(con, "products", _PURPOSE).select("sku", "family")
        ol = ol.left_join(products, ol.sku == products.sku)
    member = ol[_member_of(by)]
    return ol.group_by(member=member.fill_null("(unknown)")).aggregate(
        units=ol.qty_shipped.sum(),
        revenue=(ol.qty_shipped * ol.unit_price).sum(),
        cost=(ol.qty_shipped * ol.unit_cost).sum(),
    )


def _sales_budget(
    con: Any, months: tuple[str, ...], by: BridgeBy, budget_version: str | None
) -> ir.Table:
    sb = require_table(con, "sales_budget", "the variance bridge against budget")
    sb = sb.filter(sb.period.isin(months))
    if budget_version is not None:
        sb = sb.filter(sb.version == budget_version)
    elif "version" in sb.columns:
        versions = sorted(
            str(v) for v in sb.select("version").distinct().execute()["version"].dropna()
        )
        if len(versions) > 1:
            raise DataError(
                f"the sales budget holds {len(versions)} versions for these months "
                f"({', '.join(versions)}); summing them would double count: "
                "pass --budget-version to pick one"
            )
    return sb.group_by(member=sb[_member_of(by)]).aggregate(
        units=sb.units.sum(), revenue=sb.revenue.sum(), cost=sb.cogs.sum()
    )


def order_bridge_tables(
    con: Any,
    months: tuple[str, ...],
    comparison_months: tuple[str, ...],
    comparison: Comparison,
    by: BridgeBy,
    budget_version: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(actual, comparison) frames with member, units, revenue, cost per member."""
    con = backend(con)
    actual = _orders(con, months, by).execute()
    match comparison:
        case Comparison.BUDGET:
            if by is BridgeBy.CUSTOMER:
                raise ConfigError(
                    "the sales budget is planned by site and family, not by customer, so a "
                    "bridge by customer against budget cannot be made; use --vs last_year "
                    "or --by family|site"
                )
            comp = _sales_budget(con, comparison_months, by, budget_version).execute()
        case Comparison.LAST_YEAR:
            comp = _orders(con, comparison_months, by).execute()
        case _:
            assert_never(comparison)
    return actual, comp


def bridge_from_orders(
    con: Any,
    period: str,
    mode: PnlMode = PnlMode.MONTH,
    *,
    comparison: Comparison = Comparison.BUDGET,
    by: BridgeBy = BridgeBy.FAMILY,
    measure: BridgeMeasure = BridgeMeasure.GROSS_MARGIN,
    convention: MixConvention = MixConvention.DEVIATION,
    budget_version: str | None = None,
) -> OrderBridge:
    """Bridge ``measure`` from the comparison to the order lines shipped in the period.

    ``con`` is a :class:`~obeya.warehouse.Warehouse` or an Ibis backend.
    """
    months = period_months(period, mode)
    comp_months = (
        months
        if comparison is Comparison.BUDGET
        else tuple(f"{int(m[:4]) - 1:04d}{m[4:]}" for m in months)
    )
    actual, comp = order_bridge_tables(con, months, comp_months, comparison, by, budget_version)
    if actual.empty and comp.empty:
        source = "sales budget" if comparison is Comparison.BUDGET else "shipped order lines"
        raise DataError(
            f"nothing to bridge: no order lines shipped in {months[0]}..{months[-1]} and no "
            f"{source} in {comp_months[0]}..{comp_months[-1]}; check --period"
        )
    result = variance_bridge(
        actual, comp, measure, convention=convention, comparison_label=comparison.value
    )
    return OrderBridge(period, mode, comparison, by, months, comp_months, result)
