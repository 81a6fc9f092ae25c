"""Cost to serve: activity-based allocation of the costs of serving each customer.

For a window of days, every pool is summed per customer in the warehouse (Ibis);
only the per-customer sums come back:

* **gross margin**: order lines shipped in the window (by ``ship_date``):
  revenue sum(qty_shipped x unit_price) minus cost sum(qty_shipped x unit_cost).
* **freight**: shipments in the window. A shipment with an ``order_id`` goes to the
  customer(s) of that order, split by their share of the order's ``qty_ordered``;
  the freight of the other shipments is spread over customers by units shipped.
* **handling**: labour cost from ``labor_hours`` in the window that is not already in
  the cost of goods: by default all departments minus the direct labour the ledger
  books to ``cogs_labor`` over the same days (months cut short by the window count
  pro rata), or exactly the ``departments`` listed in the settings. A share
  ``line_share`` is driven by order lines shipped (per-line rate) and the rest by
  units shipped (per-unit rate).
* **returns**: per return in the window, the ``refund_amount`` (or, when empty,
  returned qty x the product's ``unit_cost``) plus ``return_handling_cost``.
* **service**: tickets opened in the window, ``ticket_cost`` x the weight of the
  ticket's priority (``priority_weights``; 1 for a priority not listed). Tickets
  without a customer are reported as unallocated.
* **payment terms**: revenue x payment_terms_days / 365 x ``cost_of_capital``
  (``default_payment_terms_days`` when the customer has none).

Net profit = gross margin - cost to serve. Customers ranked by net profit give the
whale curve (:mod:`obeya.finance.whale`); an unprofitable customer's main drivers are
the fewest largest pools (with a negative gross margin counted as one) whose
removal would bring it back to break-even.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, assert_never

import ibis
import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from obeya.errors import ConfigError, DataError
from obeya.finance._common import backend, month_first_day, month_index, month_last_day
from obeya.finance._common import require_table as _require
from obeya.finance.whale import WhaleCurve, whale_curve
from obeya.yamlspec import Loc, load_yaml, validate_document

__all__ = [
    "DEFAULT_PRIORITY_WEIGHTS",
    "CostPool",
    "CostToServe",
    "CostToServeBy",
    "CostToServeSettings",
    "cost_to_serve",
    "cost_to_serve_window",
    "load_cost_to_serve_settings",
    "loss_drivers",
]

_PURPOSE = "cost to serve"
NonNeg = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class CostPool(StrEnum):
    FREIGHT = "freight"
    HANDLING = "handling"
    RETURNS = "returns"
    SERVICE = "service"
    PAYMENT_TERMS = "payment_terms"


class CostToServeBy(StrEnum):
    CUSTOMER = "customer"
    CHANNEL = "channel"


DEFAULT_PRIORITY_WEIGHTS: Mapping[str, float] = {
    "P1": 4.0, "P2": 2.0, "P3": 1.0, "P4": 0.5,
    "urgent": 4.0, "critical": 4.0, "high": 2.0, "medium": 1.0, "normal": 1.0, "low": 0.5,
}  # fmt: skip


class CostToServeSettings(BaseModel):
    """The allocation's settings (amounts in the reporting currency)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    line_share: Annotated[float, Field(ge=0, le=1)] = Field(
        default=0.5, description="Share of handling labour driven by order lines; the rest by units"
    )
    departments: tuple[str, ...] | None = Field(
        default=None,
        description="labor_hours departments that count as handling "
        "(default: all labour minus the ledger's cogs_labor)",
    )
    return_handling_cost: NonNeg = Field(default=15.0, description="Cost of handling one return")
    ticket_cost: NonNeg = Field(default=25.0, description="Cost of one service ticket of weight 1")
    priority_weights: Mapping[str, NonNeg] = Field(
        default_factory=lambda: dict(DEFAULT_PRIORITY_WEIGHTS),
        description="Weight of a ticket per priority (1 for a priority not listed)",
    )
    cost_of_capital: Annotated[float, Field(ge=0, le=1)] = Field(
        default=0.08, description="Yearly cost of the money tied up by payment terms"
    )
    default_payment_terms_days: NonNeg = Field(
        default=30.0, description="Payment terms of a customer without payment_terms_days"
    )


def load_cost_to_serve_settings(path: str | Path) -> CostToServeSettings:
    """Read the settings from YAML; unknown keys and bad values name file:line."""
    data, lines, dups = load_yaml(path, "cost-to-serve settings")

    def describe(loc: Loc) -> str:
        return ".".join(str(p) for p in loc)

    return validate_document(
        CostToServeSettings,
        data,
        source=str(path),
        what="cost-to-serve settings",
        lines=lines,
        dups=dups,
        describe=describe,
    )


@dataclass(frozen=True, slots=True, eq=False)
class CostToServe:
    """Per member: revenue, cogs, gross margin, each pool, cost to serve, net profit.

    ``rows`` is ranked by net profit, highest first. ``drivers`` lists the main
    drivers of each unprofitable member (:func:`loss_drivers`). ``unallocated`` holds pool amounts no customer could carry.
    """

    start: dt.date
    end: dt.date
    by: CostToServeBy
    rows: pd.DataFrame
    drivers: pd.DataFrame
    whale: WhaleCurve
    unallocated: Mapping[str, float]
    rates: Mapping[str, float]
    settings: CostToServeSettings

    @property
    def member(self) -> str:
        return "customer_id" if self.by is CostToServeBy.CUSTOMER else "channel"

    def table(self) -> pd.DataFrame:
        """``rows`` with a ``main_drivers`` text per unprofitable member, e.g.
        ``handling 41% (avg 22%); freight 9% (avg 4%)`` (share of revenue)."""
        d = self.drivers
        pct = d["pct_of_revenue"].map(lambda p: f" {p:.0%}" if pd.notna(p) else "")
        avg = d["average_pct_of_revenue"].map(lambda p: f" (avg {p:.0%})" if pd.notna(p) else "")
        text = (d["driver"].astype(str) + pct + avg).groupby(d[self.member]).agg("; ".join)
        return self.rows.assign(main_drivers=self.rows[self.member].map(text).fillna(""))

    def to_dict(self) -> dict[str, object]:
        """JSON-ready: the settings, one record per member, the drivers, the whale curve."""

        def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
            clean = frame.astype(object).where(frame.notna(), None)
            return [dict(r) for r in clean.to_dict(orient="records")]

        return {
            "by": self.by.value,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "settings": self.settings.model_dump(),
            "rows": records(self.table()),
            "drivers": records(self.drivers),
            "whale": self.whale.to_dict(),
            "unallocated": dict(self.unallocated),
            "rates": dict(self.rates),
        }


def cost_to_serve_window(
    con: Any, period: str | None = None, start: dt.date | None = None, end: dt.date | None = None
) -> tuple[dt.date, dt.date]:
    """The days to cover: a year ``YYYY``, a month ``YYYY-MM``, from/to, or the default.

    The default is the 12 calendar months ending with the last month with shipped
    order lines.
    """
    if period is not None and (start is not None or end is not None):
        raise ConfigError("give either --period or --from/--to, not both")
    if period is not None:
        if len(period) == 4 and period.isdigit():
            return dt.date(int(period), 1, 1), dt.date(int(period), 12, 31)
        ym = month_index(period)
        return month_first_day(ym), month_last_day(ym)
    if start is not None or end is not None:
        if start is None or end is None:
            raise ConfigError("--from and --to go together: give both dates")
        if end < start:
            raise ConfigError(f"--to {end} is before --from {start}; swap them")
        return start, end
    ol = _require(backend(con), "order_lines", _PURPOSE)
    last = ol.filter(ol.qty_shipped > 0).ship_date.max().execute()
    if last is None or pd.isna(last):
        raise DataError("no shipped order lines in the warehouse; load order_lines first")
    last_ym = 12 * last.year + last.month - 1
    return month_first_day(last_ym - 11), month_last_day(last_ym)


def _customer_sums(
    con: Any, start: dt.date, end: dt.date, s: CostToServeSettings
) -> dict[str, Any]:
    lo, hi = ibis.literal(start), ibis.literal(end)
    ol_all = _require(con, "order_lines", _PURPOSE)
    ol = ol_all.filter(ol_all.qty_shipped > 0, ol_all.ship_date >= lo, ol_all.ship_date <= hi)
    sales = ol.group_by("customer_id").aggregate(
        revenue=(ol.qty_shipped * ol.unit_price).sum(),
        cogs=(ol.qty_shipped * ol.unit_cost).sum(),
        units=ol.qty_shipped.sum(),
        lines=ol.count(),
        orders=ol.order_id.nunique(),
    )
    oc = ol_all.group_by(["order_id", "customer_id"]).aggregate(q=ol_all.qty_ordered.sum())
    ot = oc.group_by("order_id").aggregate(qt=oc.q.sum())
    share = oc.join(ot, "order_id").filter(lambda t: t.qt > 0)
    sh = _require(con, "shipments", _PURPOSE)
    sh = sh.filter(sh.ship_date >= lo, sh.ship_date <= hi)
    matched = sh.filter(sh.order_id.notnull()).join(share, "order_id")
    freight = matched.group_by("customer_id").aggregate(
        freight=(matched.freight_cost * matched.q / matched.qt).sum()
    )
    lh = _require(con, "labor_hours", _PURPOSE)
    lh = lh.filter(lh.work_date >= lo, lh.work_date <= hi)
    if s.departments is not None:
        lh = lh.filter(lh.department.isin(list(s.departments)))
    rt = _require(con, "returns", _PURPOSE)
    rt = rt.filter(rt.return_date >= lo, rt.return_date <= hi)
    products = _require(con, "products", _PURPOSE).select("sku", "unit_cost")
    rt = rt.left_join(products, rt.sku == products.sku)
    value = rt.refund_amount.fill_null(rt.qty * rt.unit_cost.fill_null(0.0))
    returns = rt.group_by("customer_id").aggregate(
        return_value=value.sum(), return_count=rt.count()
    )
    tk = _require(con, "tickets", _PURPOSE)
    tk = tk.filter(
        tk.opened_at >= ibis.literal(dt.datetime.combine(start, dt.time())),
        tk.opened_at < ibis.literal(dt.datetime.combine(end + dt.timedelta(days=1), dt.time())),
    )
    tickets = tk.group_by(["customer_id", "priority"]).aggregate(tickets=tk.count())
    customers = _require(con, "customers", _PURPOSE).select(
        "customer_id", "name", "channel", "payment_terms_days"
    )
    return {
        "sales": sales.execute(),
        "freight": freight.execute(),
        "freight_total": float(sh.freight_cost.sum().fill_null(0.0).execute()),
        "labour": float(lh.labor_cost.sum().fill_null(0.0).execute()),
        "direct_labour": 0.0 if s.departments is not None else _direct_labour(con, start, end),
        "returns": returns.execute(),
        "tickets": tickets.execute(),
        "customers": customers.execute(),
    }


def _direct_labour(con: Any, start: dt.date, end: dt.date) -> float:
    """The ledger's cogs_labor over the days start..end, months pro rata by days."""
    first, last = 12 * start.year + start.month - 1, 12 * end.year + end.month - 1
    periods = [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in range(first, last + 1)]
    gl = _require(con, "gl_actuals", _PURPOSE)
    accounts = _require(con, "accounts", _PURPOSE)
    g = gl.filter(gl.period.isin(periods))
    g = g.join(accounts.filter(accounts.pl_line == "cogs_labor").select("account"), "account")
    by_month = g.group_by("period").aggregate(amount=g.amount.sum()).execute()
    if by_month.empty:
        return 0.0
    ym = by_month["period"].map(month_index).to_numpy(dtype=np.int64)
    first_day = np.array([month_first_day(m) for m in ym], dtype="datetime64[D]")
    last_day = np.array([month_last_day(m) for m in ym], dtype="datetime64[D]")
    lo = np.maximum(first_day, np.datetime64(start, "D"))
    hi = np.minimum(last_day, np.datetime64(end, "D"))
    covered = (hi - lo).astype(np.int64) + 1
    days = (last_day - first_day).astype(np.int64) + 1
    return float((by_month["amount"].to_numpy(dtype=np.float64) * covered / days).sum())


def _allocate(
    sums: Mapping[str, Any], s: CostToServeSettings
) -> tuple[pd.DataFrame, dict[str, float], dict[str, float]]:
    sales = sums["sales"]
    tickets = sums["tickets"]
    weights = tickets["priority"].map(lambda p: s.priority_weights.get(str(p), 1.0)).astype(float)
    tickets = tickets.assign(service=tickets["tickets"].astype(float) * weights * s.ticket_cost)
    no_customer = tickets["customer_id"].isna()
    service = (
        tickets[~no_customer].groupby("customer_id", as_index=False)[["tickets", "service"]].sum()
    )
    rows = (
        sales.merge(sums["freight"], on="customer_id", how="outer")
        .merge(sums["returns"], on="customer_id", how="outer")
        .merge(service, on="customer_id", how="outer")
    )
    numeric = ["revenue", "cogs", "units", "lines", "orders", "freight", "return_value",
               "return_count", "tickets", "service"]  # fmt: skip
    rows[numeric] = rows[numeric].astype(float).fillna(0.0)
    units_total, lines_total = float(rows["units"].sum()), float(rows["lines"].sum())
    unmatched = sums["freight_total"] - float(rows["freight"].sum())
    if abs(unmatched) <= 1e-9 * max(1.0, abs(sums["freight_total"])):
        unmatched = 0.0  # every shipment matched an order: only rounding is left
    unit_share = rows["units"] / units_total if units_total > 0 else 0.0 * rows["units"]
    rows["freight"] += unmatched * unit_share if units_total > 0 else 0.0
    labour = max(sums["labour"] - sums["direct_labour"], 0.0)
    per_line = s.line_share * labour / lines_total if lines_total > 0 else 0.0
    per_unit = (1.0 - s.line_share) * labour / units_total if units_total > 0 else 0.0
    rows["handling"] = rows["lines"] * per_line + rows["units"] * per_unit
    rows["returns"] = rows["return_value"] + rows["return_count"] * s.return_handling_cost
    cust = sums["customers"].assign(
        terms=lambda c: c["payment_terms_days"].astype(float).fillna(s.default_payment_terms_days)
    )
    rows = rows.merge(
        cust[["customer_id", "name", "channel", "terms"]], on="customer_id", how="left"
    )
    rows["terms"] = rows["terms"].fillna(s.default_payment_terms_days)
    rows["channel"] = rows["channel"].fillna("(none)")
    rows["payment_terms"] = rows["revenue"] * rows["terms"] / 365.0 * s.cost_of_capital
    unallocated = {
        CostPool.FREIGHT.value: 0.0 if units_total > 0 else sums["freight_total"],
        CostPool.HANDLING.value: 0.0 if units_total > 0 else labour,
        CostPool.SERVICE.value: float(tickets.loc[no_customer, "service"].sum()),
    }
    rates = {
        "handling_per_line": per_line,
        "handling_per_unit": per_unit,
        "freight_unmatched": unmatched,
        "freight_unmatched_per_unit": unmatched / units_total if units_total > 0 else 0.0,
        "labour": labour,
        "labour_all": sums["labour"],
        "direct_labour_excluded": sums["direct_labour"],
    }
    return rows, unallocated, rates


def _finish(rows: pd.DataFrame, member: str) -> pd.DataFrame:
    pools = [p.value for p in CostPool]
    rows = rows.copy()
    rows["gross_margin"] = rows["revenue"] - rows["cogs"]
    rows["cost_to_serve"] = rows[pools].sum(axis=1)
    rows["net_profit"] = rows["gross_margin"] - rows["cost_to_serve"]
    rev = rows["revenue"].to_numpy(dtype=np.float64)
    rows["net_margin_pct"] = np.where(
        rev != 0, rows["net_profit"] / np.where(rev != 0, rev, 1), np.nan
    )
    order = np.lexsort((rows[member].astype(str).to_numpy(), -rows["net_profit"].to_numpy()))
    rows = rows.iloc[order].reset_index(drop=True)
    rows.insert(0, "rank", np.arange(1, len(rows) + 1))
    return rows


def loss_drivers(rows: pd.DataFrame, member: str = "customer_id") -> pd.DataFrame:
    """The main drivers of each member with a negative net profit (see the module).

    Candidates are the pools and, when negative, the gross margin (as its loss).
    Sorted largest first, the drivers are the fewest whose removal restores
    break-even: their running sum first reaches the loss. Each driver comes with its
    amount as a share of the member's revenue and, for a pool, the same share over
    all members (``average_pct_of_revenue``): a pool far above average is the lead.
    """
    pools = [p.value for p in CostPool]
    columns = [member, "rank", "driver", "amount", "pct_of_revenue", "average_pct_of_revenue"]
    bad = rows[rows["net_profit"] < 0]
    if bad.empty:
        return pd.DataFrame(columns=columns)
    names = np.array(["negative gross margin", *pools], dtype=object)
    amounts = np.column_stack(
        [np.maximum(-bad["gross_margin"].to_numpy(dtype=np.float64), 0.0),
         bad[pools].to_numpy(dtype=np.float64)]
    )  # fmt: skip
    revenue_all = float(rows["revenue"].sum())
    average = np.array(
        [np.nan, *(float(rows[p].sum()) / revenue_all if revenue_all else np.nan for p in pools)]
    )
    loss = -bad["net_profit"].to_numpy(dtype=np.float64)
    order = np.argsort(-amounts, axis=1, kind="stable")
    sorted_amounts = np.take_along_axis(amounts, order, axis=1)
    before = np.cumsum(sorted_amounts, axis=1) - sorted_amounts
    needed = (before < loss[:, None] * (1 - 1e-12)) & (sorted_amounts > 0)
    r, c = np.nonzero(needed)
    revenue = bad["revenue"].to_numpy(dtype=np.float64)[r]
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(revenue != 0, sorted_amounts[r, c] / revenue, np.nan)
    return pd.DataFrame(
        {
            member: bad[member].to_numpy()[r],
            "rank": c + 1,
            "driver": names[order[r, c]],
            "amount": sorted_amounts[r, c],
            "pct_of_revenue": pct,
            "average_pct_of_revenue": average[order[r, c]],
        }
    )


def cost_to_serve(
    source: Any,
    start: dt.date,
    end: dt.date,
    *,
    by: CostToServeBy = CostToServeBy.CUSTOMER,
    settings: CostToServeSettings | None = None,
) -> CostToServe:
    """Allocate the cost pools of ``start..end`` (inclusive) to customers or channels."""
    s = settings or CostToServeSettings()
    con = backend(source)
    sums = _customer_sums(con, start, end, s)
    rows, unallocated, rates = _allocate(sums, s)
    if rows.empty:
        raise DataError(
            f"no order lines, shipments, returns or tickets of customers between {start} and "
            f"{end}; choose another --period"
        )
    customers = _finish(rows, "customer_id")
    pools = [p.value for p in CostPool]
    keep_c = ["customer_id", "name", "channel", "revenue", "cogs", "gross_margin", *pools,
              "cost_to_serve", "net_profit", "net_margin_pct", "orders", "lines", "units",
              "return_count", "tickets"]  # fmt: skip
    match by:
        case CostToServeBy.CUSTOMER:
            table = customers[["rank", *keep_c]]
            member = "customer_id"
        case CostToServeBy.CHANNEL:
            sums_cols = ["revenue", "cogs", *pools, "orders", "lines", "units", "return_count",
                         "tickets"]  # fmt: skip
            grouped = rows.groupby("channel", as_index=False)[sums_cols].sum()
            grouped["customers"] = rows.groupby("channel")["customer_id"].nunique().to_numpy()
            order = ["rank", "channel", "customers", *keep_c[3:]]
            table = _finish(grouped, "channel")[order]
            member = "channel"
        case _:
            assert_never(by)
    profits = customers["net_profit"].to_numpy(dtype=np.float64)
    return CostToServe(
        start=start,
        end=end,
        by=by,
        rows=table.reset_index(drop=True),
        drivers=loss_drivers(table, member),
        whale=whale_curve(profits, customers["customer_id"].astype(str).tolist()),
        unallocated=unallocated,
        rates=rates,
        settings=s,
    )
