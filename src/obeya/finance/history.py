"""Monthly operating history from the warehouse, and the P&L split into driver cells.

:func:`load_history` runs four grouped queries (Ibis) and brings back per-month sums
only: shipped order lines per site, family and month of ``ship_date``; ledger
actuals per site, P&L line and month; labour cost per site and month
(``labor_hours``); freight cost and units per site and month (``shipments``).

:func:`base_from_history` splits the ledger of a window of months into
:class:`~obeya.finance.drivers.DriverBase` cells. The ledger knows sites, not
families, so each site's variable lines are spread over its families by the order
lines of the same months: revenue by order-line revenue, material by order-line
cost, direct labour and freight by units shipped. The cells add up to the ledger
exactly; an amount a site booked without any order line to spread it over stays in
a cell of its own, family ``(no orders)``, with no units.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ibis
import numpy as np
import pandas as pd

from obeya.errors import DataError
from obeya.finance._common import (
    backend,
    month_first_day,
    month_label,
    month_last_day,
    months_range,
    require_table,
    ship_month,
)
from obeya.finance.drivers import FIXED_LINES, NO_ORDERS, VARIABLE_LINES, DriverBase
from obeya.finance.pnl import PnlLineCode
from obeya.model.schema import PL_LINES

__all__ = ["History", "base_from_history", "ledger_by_site", "load_history"]

# the order-line column each variable line is spread over families by
_SPREAD = {
    PnlLineCode.REVENUE: "ol_revenue",
    PnlLineCode.COGS_MATERIAL: "ol_cost",
    PnlLineCode.COGS_LABOR: "units",
    PnlLineCode.FREIGHT: "units",
}


@dataclass(frozen=True, slots=True, eq=False)
class History:
    """Per-month sums over the months ``first`` .. ``last`` (month indices).

    ``orders``: site_id, family, ym, units, revenue, cost (shipped order lines);
    ``gl``: site_id, pl_line, ym, amount; ``labour``: site_id, ym, cost;
    ``freight``: site_id, ym, cost, units (shipments).
    """

    first: int
    last: int
    orders: pd.DataFrame
    gl: pd.DataFrame
    labour: pd.DataFrame
    freight: pd.DataFrame

    def months_with_orders(self) -> np.ndarray[Any, np.dtype[np.int64]]:
        return np.unique(self.orders.loc[self.orders["units"] > 0, "ym"].to_numpy(np.int64))

    def gl_months(self) -> np.ndarray[Any, np.dtype[np.int64]]:
        return np.unique(self.gl["ym"].to_numpy(np.int64))


def _period_index(frame: pd.DataFrame) -> pd.Series:
    years = frame["period"].str.slice(0, 4).astype(int)
    months = frame["period"].str.slice(5, 7).astype(int)
    return years * 12 + months - 1


def load_history(con: Any, first: int, last: int, purpose: str = "the forecast") -> History:
    """Per-month sums of orders, ledger, labour and freight in months ``first..last``."""
    con = backend(con)
    lo, hi = ibis.literal(month_first_day(first)), ibis.literal(month_last_day(last))

    ol = require_table(con, "order_lines", purpose)
    products = require_table(con, "products", purpose).select("sku", "family")
    ol = ol.filter(
        ol.ship_date.notnull(), ol.qty_shipped > 0, ol.ship_date >= lo, ol.ship_date <= hi
    )
    ol = ol.left_join(products, ol.sku == products.sku)
    orders = (
        ol.group_by(site_id=ol.site_id, family=ol.family.fill_null("(unknown)"), ym=ship_month(ol))
        .aggregate(
            units=ol.qty_shipped.sum(),
            revenue=(ol.qty_shipped * ol.unit_price).sum(),
            cost=(ol.qty_shipped * ol.unit_cost).sum(),
        )
        .execute()
    )

    periods = months_range(first, last)
    gl = require_table(con, "gl_actuals", purpose)
    accounts = require_table(con, "accounts", purpose).select("account", "pl_line")
    g = gl.filter(gl.period.isin(periods)).select("period", "site_id", "account", "amount")
    g = g.left_join(accounts, g.account == accounts.account)
    ledger = g.group_by(["period", "site_id", "pl_line"]).aggregate(amount=g.amount.sum()).execute()
    if ledger["pl_line"].isna().any():
        raise DataError(
            "amounts are booked on accounts missing from the accounts table; "
            "add them to accounts with their pl_line (see `obeya pnl` for the list)"
        )
    unknown = sorted(set(ledger["pl_line"]) - set(PL_LINES))
    if unknown:
        raise DataError(f"accounts map to unknown P&L lines {unknown}; use {', '.join(PL_LINES)}")
    ledger["ym"] = _period_index(ledger)

    lh = require_table(con, "labor_hours", purpose)
    lh = lh.filter(lh.work_date >= lo, lh.work_date <= hi)
    labour = (
        lh.group_by(site_id=lh.site_id, ym=lh.work_date.year() * 12 + lh.work_date.month() - 1)
        .aggregate(cost=lh.labor_cost.sum())
        .execute()
    )
    sh = require_table(con, "shipments", purpose)
    sh = sh.filter(sh.ship_date >= lo, sh.ship_date <= hi)
    freight = (
        sh.group_by(site_id=sh.site_id, ym=ship_month(sh))
        .aggregate(cost=sh.freight_cost.sum(), units=sh.units.sum())
        .execute()
    )
    for frame in (orders, labour, freight):
        frame["ym"] = frame["ym"].astype(np.int64)
    return History(
        first,
        last,
        orders.astype({"units": float, "revenue": float, "cost": float}),
        ledger[["site_id", "pl_line", "ym", "amount"]].astype({"amount": float}),
        labour.astype({"cost": float}),
        freight.astype({"cost": float, "units": float}),
    )


def ledger_by_site(history: History, first: int, last: int) -> pd.DataFrame:
    """Ledger sums per site (rows) and P&L line (columns, all eight) over the months."""
    g = history.gl[(history.gl["ym"] >= first) & (history.gl["ym"] <= last)]
    wide = g.pivot_table(
        index="site_id", columns="pl_line", values="amount", aggfunc="sum", fill_value=0.0
    )
    return wide.reindex(columns=list(PL_LINES), fill_value=0.0).astype(float)


def base_from_history(history: History, first: int, last: int, label: str = "") -> DriverBase:
    """The ledger of months ``first..last`` split into driver cells (see the module)."""
    o = history.orders[(history.orders["ym"] >= first) & (history.orders["ym"] <= last)]
    cells = (
        o.groupby(["site_id", "family"], as_index=False)[["units", "revenue", "cost"]]
        .sum()
        .rename(columns={"revenue": "ol_revenue", "cost": "ol_cost"})
    )
    ledger = ledger_by_site(history, first, last)
    sites = sorted(set(cells["site_id"]) | set(ledger.index))
    ledger = ledger.reindex(sites, fill_value=0.0)
    site_of_cell = cells["site_id"].to_numpy()
    orphans: dict[str, np.ndarray[Any, np.dtype[np.float64]]] = {}
    for line, weight in _SPREAD.items():
        w = cells[weight].to_numpy(dtype=np.float64)
        total = cells.groupby("site_id")[weight].transform("sum").to_numpy(dtype=np.float64)
        share = np.divide(w, total, out=np.zeros_like(w), where=total > 0)
        amount = ledger.loc[site_of_cell, line.value].to_numpy(dtype=np.float64) * share
        cells[line.value] = amount
        spread = pd.Series(amount).groupby(site_of_cell).sum()
        orphans[line.value] = ledger[line.value].to_numpy() - spread.reindex(
            ledger.index, fill_value=0.0
        ).to_numpy(dtype=np.float64)
    orphan = pd.DataFrame({"site_id": ledger.index, "family": NO_ORDERS, "units": 0.0, **orphans})
    keep = np.abs(orphan[[line.value for line in VARIABLE_LINES]].to_numpy()).max(axis=1) > 1e-9
    columns = ["site_id", "family", "units", *(line.value for line in VARIABLE_LINES)]
    all_cells = pd.concat([cells[columns], orphan.loc[keep, columns]], ignore_index=True)
    fixed = ledger[[line.value for line in FIXED_LINES]].reset_index(names="site_id")
    return DriverBase(
        label or f"actuals {month_label(first)}..{month_label(last)}",
        all_cells.sort_values(["site_id", "family"], ignore_index=True),
        fixed,
    )
