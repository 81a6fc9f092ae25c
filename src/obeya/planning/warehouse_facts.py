"""The master data and history the warehouse-based plans read, one query each.

Every reader is one Ibis query aggregated in the warehouse (DuckDB or PostgreSQL)
and returns a small pandas frame keyed by site, SKU x site or site x department.
The rules (windows, fallbacks) are written out in ``docs/planning.md``, "Plans
from the warehouse"; :func:`read_facts` reads them all for one as-of date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis
import numpy as np
import pandas as pd

from obeya.planning.planning_config import PlanningConfig
from obeya.warehouse import Warehouse

__all__ = [
    "PlanningFacts",
    "labour_rates",
    "read_facts",
    "read_resources",
    "read_routings",
    "read_sites",
]

_KEYS = ["sku", "site_id"]


def _since(as_of: dt.date, days: int) -> tuple[ibis.Scalar, ibis.Scalar]:
    return ibis.date(as_of - dt.timedelta(days=days)), ibis.date(as_of)


def read_sites(wh: Warehouse) -> pd.DataFrame:
    """site_id, type."""
    return wh.table("sites").select("site_id", "type").to_pandas().astype(str)


def read_resources(wh: Warehouse) -> pd.DataFrame:
    """resource_id, site_id, name, kind, hours_per_day."""
    frame = (
        wh.table("resources")
        .select("resource_id", "site_id", "name", "kind", "hours_per_day")
        .to_pandas()
    )
    return frame.astype(
        {"resource_id": str, "site_id": str, "name": str, "kind": str, "hours_per_day": float}
    )


def read_routings(wh: Warehouse) -> pd.DataFrame:
    """sku, resource_id, hours_per_unit."""
    frame = wh.table("routings").select("sku", "resource_id", "hours_per_unit").to_pandas()
    return frame.astype({"sku": str, "resource_id": str, "hours_per_unit": float})


def _products(wh: Warehouse) -> pd.DataFrame:
    frame = wh.table("products").select("sku", "family", "unit_cost", "unit_price").to_pandas()
    return frame.astype({"sku": str, "family": str, "unit_cost": float, "unit_price": float})


def _labour(wh: Warehouse, as_of: dt.date, weeks: int) -> pd.DataFrame:
    """Per site and department: headcount on the site's latest day, hours and cost."""
    lab = wh.table("labor_hours")
    lab = lab.filter(lab.work_date <= ibis.date(as_of))
    latest = lab.group_by("site_id").aggregate(last=lab.work_date.max())
    latest = latest.select(l_site="site_id", last="last")
    last_day = lab.join(latest, [lab.site_id == latest.l_site, lab.work_date == latest.last])
    heads = (
        last_day.group_by(["site_id", "department"])
        .aggregate(headcount=last_day.headcount.sum())
        .to_pandas()
    )
    lo, hi = _since(as_of, 7 * weeks)
    window = lab.filter(lab.work_date > lo, lab.work_date <= hi)
    temp = window.temp_hours.cast("float64").fill_null(0.0)
    hours = (
        window.group_by(["site_id", "department"])
        .aggregate(
            regular_hours=window.regular_hours.sum(),
            overtime_hours=window.overtime_hours.sum(),
            temp_hours=temp.sum(),
            labor_cost=window.labor_cost.sum(),
        )
        .to_pandas()
    )
    out = heads.merge(hours, on=["site_id", "department"], how="outer")
    out = out.astype({"site_id": str, "department": str})
    numbers = ["headcount", "regular_hours", "overtime_hours", "temp_hours", "labor_cost"]
    out[numbers] = out[numbers].astype(float).fillna(0.0)
    return out.sort_values(["site_id", "department"]).reset_index(drop=True)


def labour_rates(
    labour: pd.DataFrame, overtime_premium: float, temp_premium: float
) -> pd.DataFrame:
    """Regular rate per site and department, and per site (departments pooled).

    ``rate = labor_cost / (regular + overtime_premium x overtime + temp_premium x temp)``:
    the cost of an hour at regular pay, when overtime and temp hours are paid at
    their premiums. NaN where no hours were paid.
    """
    paid = (
        labour["regular_hours"]
        + overtime_premium * labour["overtime_hours"]
        + temp_premium * labour["temp_hours"]
    )
    frame = labour[["site_id", "department", "labor_cost"]].assign(paid=paid)
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["rate"] = np.where(frame["paid"] > 0, frame["labor_cost"] / frame["paid"], np.nan)
    return frame[["site_id", "department", "rate", "labor_cost", "paid"]]


def _work_order_hours(wh: Warehouse, as_of: dt.date, weeks: int) -> pd.DataFrame:
    wo = wh.table("work_orders")
    lo, hi = _since(as_of, 7 * weeks)
    day = wo.planned_start.cast("date")
    window = wo.filter(day > lo, day <= hi)
    return (
        window.group_by("site_id")
        .aggregate(run_hours=window.run_hours.sum())
        .to_pandas()
        .astype({"site_id": str, "run_hours": float})
    )


def _stock(wh: Warehouse, as_of: dt.date) -> pd.DataFrame:
    snap = wh.table("inventory_snapshots")
    snap = snap.filter(snap.snapshot_date <= ibis.date(as_of))
    latest = snap.group_by("site_id").aggregate(last=snap.snapshot_date.max())
    latest = latest.select(l_site="site_id", last="last")
    joined = snap.join(latest, [snap.site_id == latest.l_site, snap.snapshot_date == latest.last])
    return (
        joined.group_by(_KEYS)
        .aggregate(on_hand=joined.qty_on_hand.sum())
        .to_pandas()
        .astype({"sku": str, "site_id": str, "on_hand": float})
    )


def _open_backlog(wh: Warehouse, as_of: dt.date) -> pd.DataFrame:
    lines = wh.table("order_lines")
    late = lines.filter(lines.status == "open", lines.promised_date <= ibis.date(as_of))
    owed = ibis.greatest(late.qty_ordered - late.qty_shipped, 0.0)
    return (
        late.group_by(_KEYS)
        .aggregate(backlog=owed.sum())
        .to_pandas()
        .astype({"sku": str, "site_id": str, "backlog": float})
    )


def _freight(wh: Warehouse, as_of: dt.date, days: int) -> pd.DataFrame:
    ships = wh.table("shipments")
    lo, hi = _since(as_of, days)
    window = ships.filter(ships.ship_date > lo, ships.ship_date <= hi)
    grouped = window.group_by("site_id").aggregate(
        freight=window.freight_cost.sum(), units=window.units.sum()
    )
    frame = grouped.to_pandas().astype({"site_id": str, "freight": float, "units": float})
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["freight_per_unit"] = np.where(
            frame["units"] > 0, frame["freight"] / frame["units"], np.nan
        )
    return frame[["site_id", "freight_per_unit"]]


def _shipped(wh: Warehouse, as_of: dt.date, weeks: int) -> pd.DataFrame:
    lines = wh.table("order_lines")
    lo, hi = _since(as_of, 7 * weeks)
    window = lines.filter(lines.ship_date > lo, lines.ship_date <= hi)
    return (
        window.group_by("site_id")
        .aggregate(units=window.qty_shipped.sum())
        .to_pandas()
        .astype({"site_id": str, "units": float})
    )


def _main_supplier(wh: Warehouse, as_of: dt.date) -> pd.DataFrame:
    """The supplier with most purchase order lines per SKU x site (ties: lowest id)."""
    po = wh.table("purchase_order_lines")
    po = po.filter(po.order_date <= ibis.date(as_of))
    counts = po.group_by([*_KEYS, "supplier_id"]).aggregate(n=po.count()).to_pandas()
    main = (
        counts.sort_values([*_KEYS, "n", "supplier_id"], ascending=[True, True, False, True])
        .drop_duplicates(_KEYS)
        .rename(columns={"supplier_id": "main_supplier"})
    )
    return main[[*_KEYS, "main_supplier"]].astype(str)


@dataclass(frozen=True)
class PlanningFacts:
    """Everything the warehouse-based plans read, for one as-of date.

    ``labour``: site_id, department, headcount (on the site's latest labour day),
    regular/overtime/temp hours and labor_cost over the wage window.
    ``work_hours``: site_id, run_hours of work orders started in the window.
    ``stock``: sku, site_id, on_hand at each site's latest snapshot.
    ``backlog``: sku, site_id, units of open lines promised on or before as-of.
    ``freight``: site_id, freight_per_unit of its shipments in the last year.
    ``shipped``: site_id, units shipped in the standards window.
    ``suppliers``: sku, site_id, main_supplier (most purchase order lines).
    """

    as_of: dt.date
    sites: pd.DataFrame
    products: pd.DataFrame
    resources: pd.DataFrame
    routings: pd.DataFrame
    labour: pd.DataFrame
    work_hours: pd.DataFrame
    stock: pd.DataFrame
    backlog: pd.DataFrame
    freight: pd.DataFrame
    shipped: pd.DataFrame
    suppliers: pd.DataFrame


def read_facts(wh: Warehouse, as_of: dt.date, config: PlanningConfig) -> PlanningFacts:
    """Read every fact the plans need for ``as_of`` (one query per family of facts)."""
    return PlanningFacts(
        as_of=as_of,
        sites=read_sites(wh),
        products=_products(wh),
        resources=read_resources(wh),
        routings=read_routings(wh),
        labour=_labour(wh, as_of, config.wages.history_weeks),
        work_hours=_work_order_hours(wh, as_of, config.wages.history_weeks),
        stock=_stock(wh, as_of),
        backlog=_open_backlog(wh, as_of),
        freight=_freight(wh, as_of, 365),
        shipped=_shipped(wh, as_of, config.wages.history_weeks),
        suppliers=_main_supplier(wh, as_of),
    )
