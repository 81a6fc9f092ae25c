"""A guaranteed-service network derived from the warehouse: suppliers -> plants -> DCs.

Stages are sites, in units summed over the SKUs a stage holds (the data model has no
bill of materials and no transfer table, so this is an aggregate view of the site
network, meant to show where safety stock pays; see docs/inventory.md). Derivation:

* A SKU is **made** at a plant when that plant has work orders for it (the plant
  with the most good units wins); SKUs without work orders take a plant whose
  resources it is routed on (``routings``; the first plant id wins a tie). Other
  SKUs are **bought**.
* ``suppliers>P``: one source stage per plant P with purchase order lines. Its
  processing time is the supplier lead time at P: the mean ``receipt_date -
  order_date`` of lines received in the last ``lead_time_window_days`` (else the
  suppliers' mean ``contract_lead_time_days``, else ``default_lead_time_days``);
  holding cost from the quantity-weighted purchase price. One purchased unit is
  assumed per unit the plant ships.
* ``P`` (each plant): processing time = production cycle time, the unit-weighted
  mean over its SKUs of the days between consecutive work orders of a SKU
  (``(last start - first start) / (orders - 1)``), at least 1 week when the plant
  has work orders, else ``default_cycle_days``. Its external demand is the order
  lines shipped from P.
* ``D<P`` (each DC or store D and each plant P making SKUs D ships): D's stock of
  P's SKUs, fed by P; processing time ``transfer_weeks`` (transfers are not in the
  model). Its demand is D's order lines of those SKUs.
* ``D`` (each DC or store with other demand): D's stock of bought SKUs, a source
  whose processing time is the supplier lead time at D.

Times are whole weeks, rounded up; demand is the mean and sd of weekly units over
the demand window; holding cost is ``unit cost x holding_rate / 52`` per unit-week,
unit costs weighted by units. Every stage has at most one predecessor, so the
network is a forest and :func:`gsm_tree` solves it; it still goes through the
network validation, which refuses anything that is not a tree.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from obeya.errors import DataError
from obeya.inventory.network import Network, network_from_dict
from obeya.inventory.warehouse_inputs import demand_window, resolve_as_of
from obeya.warehouse import Warehouse

__all__ = ["SiteNetwork", "SiteNetworkSettings", "network_from_warehouse"]

_WEEKS_PER_YEAR = 52.0
_DEMAND_SITES = ("dc", "store")


@dataclass(frozen=True, slots=True)
class SiteNetworkSettings:
    """Inputs of the derivation that the data model does not hold."""

    service_level: float = 0.95
    holding_rate: float = 0.25
    as_of: dt.date | None = None
    history_weeks: int = 26
    lead_time_window_days: int = 365
    default_lead_time_days: float = 14.0
    default_cycle_days: float = 7.0
    transfer_weeks: int = 1


@dataclass(frozen=True, slots=True)
class SiteNetwork:
    """The derived network and, per stage, where its numbers came from."""

    network: Network
    stages: pd.DataFrame
    as_of: dt.date

    def as_dict(self) -> dict[str, Any]:
        """The network in the YAML shape of docs/inventory.md (to save and edit)."""
        return self.network.model_dump(mode="json", exclude_none=True, exclude_defaults=True)


def _sku_plant(wh: Warehouse, plants: ir.Table) -> ir.Table:
    """Each made SKU and the plant that makes it (work orders, else routings)."""
    wo = wh.table("work_orders")
    wo = wo.join(plants, wo.site_id == plants.p_site)
    by_units = wo.group_by("sku").aggregate(plant=wo.site_id.argmax(wo.qty_good + wo.qty_scrap))
    routings = wh.table("routings")
    resources = wh.table("resources").select(r_id="resource_id", r_site="site_id")
    routed = routings.join(resources, routings.resource_id == resources.r_id)
    routed = routed.join(plants, routed.r_site == plants.p_site)
    by_routing = routed.group_by("sku").aggregate(r_plant=routed.r_site.min())
    made = by_units.outer_join(by_routing, by_units.sku == by_routing.sku)
    return made.select(
        m_sku=made.sku.coalesce(made.sku_right), plant=made.plant.coalesce(made.r_plant)
    )


def _plant_cycles(wh: Warehouse, plants: ir.Table, as_of: dt.date) -> pd.DataFrame:
    wo = wh.table("work_orders")
    wo = wo.filter(wo.planned_start.date() <= ibis.date(as_of))
    wo = wo.join(plants, wo.site_id == plants.p_site)
    start_days = wo.planned_start.epoch_seconds().cast("float64") / 86400.0
    wo = wo.mutate(start_days=start_days, units=wo.qty_good + wo.qty_scrap)
    per_sku = wo.group_by(["site_id", "sku"]).aggregate(
        orders=wo.count(),
        span=wo.start_days.max() - wo.start_days.min(),
        units=wo.units.sum(),
    )
    repeated = per_sku.filter(per_sku.orders > 1)
    cycle = repeated.span / (repeated.orders - 1)
    per_plant = repeated.group_by("site_id").aggregate(
        cycle_days=(cycle * repeated.units).sum() / repeated.units.sum()
    )
    return per_plant.to_pandas()


def _supplier_lead_times(
    wh: Warehouse, as_of: dt.date, settings: SiteNetworkSettings
) -> pd.DataFrame:
    po = wh.table("purchase_order_lines")
    po = po.filter(po.order_date <= ibis.date(as_of))
    suppliers = wh.table("suppliers").select(s_id="supplier_id", contract="contract_lead_time_days")
    joined = po.left_join(suppliers, po.supplier_id == suppliers.s_id)
    since = as_of - dt.timedelta(days=settings.lead_time_window_days)
    recent = (
        joined.receipt_date.notnull()
        & (joined.receipt_date > ibis.date(since))
        & (joined.receipt_date <= ibis.date(as_of))
    )
    days = joined.receipt_date.delta(joined.order_date, unit="day").cast("float64")
    joined = joined.mutate(days=days, recent=recent)
    return (
        joined.group_by("site_id")
        .aggregate(
            receipts=joined.days.count(where=joined.recent),
            lt_days=joined.days.mean(where=joined.recent),
            contract=joined.contract.cast("float64").mean(),
            price=(joined.unit_price * joined.qty_ordered).sum() / joined.qty_ordered.sum(),
        )
        .to_pandas()
    )


def _node_demand(
    wh: Warehouse, made: ir.Table, start: dt.date, end: dt.date, weeks: int
) -> pd.DataFrame:
    """Weekly units per (site, source plant) stage: mean, sd (zero weeks in) and unit cost."""
    lines = wh.table("order_lines")
    lines = lines.filter(
        lines.status != "cancelled",
        lines.order_date >= ibis.date(start),
        lines.order_date < ibis.date(end),
    )
    sites = wh.table("sites").select(s_site="site_id", s_type="type")
    products = wh.table("products").select(p_sku="sku", cost="unit_cost")
    j = lines.join(sites, lines.site_id == sites.s_site).join(products, lines.sku == products.p_sku)
    j = j.left_join(made, j.sku == made.m_sku)
    source = ibis.ifelse(j.s_type.isin(_DEMAND_SITES), j.plant, ibis.null("string"))
    j = j.mutate(source=source, week=j.order_date.truncate("W"))
    weekly = j.group_by(["site_id", "source", "week"]).aggregate(
        qty=j.qty_ordered.sum(), value=(j.qty_ordered * j.cost).sum()
    )
    stats = weekly.group_by(["site_id", "source"]).aggregate(
        total=weekly.qty.sum(), squares=(weekly.qty * weekly.qty).sum(), value=weekly.value.sum()
    )
    frame = stats.to_pandas()
    total = frame["total"].to_numpy(np.float64)
    variance = (frame["squares"].to_numpy(np.float64) - total * total / weeks) / (weeks - 1)
    frame["demand_mean"] = total / weeks
    frame["demand_sd"] = np.sqrt(np.maximum(variance, 0.0))
    frame["unit_cost"] = np.divide(
        frame["value"].to_numpy(np.float64), total, out=np.zeros_like(total), where=total > 0
    )
    return frame


def network_from_warehouse(
    wh: Warehouse, settings: SiteNetworkSettings = SiteNetworkSettings()
) -> SiteNetwork:
    """Derive the site network (see the module docstring) and validate it."""
    as_of = resolve_as_of(wh, settings.as_of)
    start, end = demand_window(as_of, settings.history_weeks)
    site_table = wh.table("sites").select("site_id", "type").to_pandas()
    if site_table.empty:
        raise DataError("sites is empty: load the sites (plants and DCs) first")
    sites_expr = wh.table("sites")
    plants = sites_expr.filter(sites_expr.type == "plant").select(p_site="site_id")
    made = _sku_plant(wh, plants)
    demand = _node_demand(wh, made, start, end, settings.history_weeks)
    cycles = _plant_cycles(wh, plants, as_of).set_index("site_id")["cycle_days"]
    supply = _supplier_lead_times(wh, as_of, settings).set_index("site_id")
    week_cost = settings.holding_rate / _WEEKS_PER_YEAR
    rows: list[dict[str, Any]] = []

    def lead_weeks(site: str) -> tuple[int, str]:
        if site in supply.index and supply.at[site, "receipts"] > 0:
            days, how = float(supply.at[site, "lt_days"]), "receipts"
        elif site in supply.index and pd.notna(supply.at[site, "contract"]):
            days, how = float(supply.at[site, "contract"]), "contract"
        else:
            days, how = settings.default_lead_time_days, "default"
        return math.ceil(days / 7.0 - 1e-9), f"supplier lead time {days:.1f} d ({how})"

    def demand_of(site: str, source: str | None) -> tuple[float, float, float]:
        match = demand[(demand.site_id == site) & _same(demand.source, source)]
        if match.empty:
            return 0.0, 0.0, 0.0
        row = match.iloc[0]
        return float(row.demand_mean), float(row.demand_sd), float(row.unit_cost)

    plant_ids = sorted(site_table.loc[site_table.type == "plant", "site_id"])
    for plant in plant_ids:
        mean, sd, _ = demand_of(plant, None)
        through = demand[
            ((demand.site_id == plant) & demand.source.isna()) | (demand.source == plant)
        ]
        units = float(through["total"].sum())
        unit_cost = float(through["value"].sum()) / units if units > 0 else 0.0
        predecessors: list[str] = []
        if plant in supply.index:
            weeks, note = lead_weeks(plant)
            price = float(supply.at[plant, "price"])
            rows.append(_stage(f"suppliers>{plant}", "suppliers", plant, weeks, price * week_cost))
            rows[-1]["derivation"] = note
            predecessors = [f"suppliers>{plant}"]
        days = float(cycles.get(plant, settings.default_cycle_days))
        made_here = plant in cycles.index
        weeks = max(math.ceil(days / 7.0 - 1e-9), 1 if made_here else 0)
        rows.append(
            _stage(plant, "plant", plant, weeks, unit_cost * week_cost, predecessors, mean, sd)
        )
        how = "work orders" if made_here else "default"
        rows[-1]["derivation"] = f"production cycle {days:.1f} d ({how})"
    demand_sites = sorted(site_table.loc[site_table.type.isin(_DEMAND_SITES), "site_id"])
    for site in demand_sites:
        here = demand[demand.site_id == site]
        for plant in sorted(here.source.dropna().unique()):
            mean, sd, cost = demand_of(site, plant)
            rows.append(
                _stage(
                    f"{site}<{plant}",
                    "dc",
                    site,
                    settings.transfer_weeks,
                    cost * week_cost,
                    [plant],
                    mean,
                    sd,
                )
            )
            rows[-1]["derivation"] = f"transfer {settings.transfer_weeks} wk (setting)"
        bought = here.source.isna().any() or here.empty
        if bought:
            mean, sd, cost = demand_of(site, None)
            weeks, note = lead_weeks(site)
            rows.append(_stage(site, "dc", site, weeks, cost * week_cost, [], mean, sd))
            rows[-1]["derivation"] = note
    network = network_from_dict(
        {
            "service_level": settings.service_level,
            "nodes": [{k: v for k, v in r.items() if k in _NODE_KEYS} for r in rows],
        }
    )
    return SiteNetwork(network=network, stages=pd.DataFrame(rows), as_of=as_of)


_NODE_KEYS = ("id", "processing_time", "holding_cost", "predecessors", "demand_mean", "demand_sd")


def _same(column: pd.Series, value: str | None) -> pd.Series:
    return column.isna() if value is None else column == value


def _stage(
    node_id: str,
    kind: str,
    site: str,
    processing_time: int,
    holding_cost: float,
    predecessors: list[str] | None = None,
    demand_mean: float | None = None,
    demand_sd: float | None = None,
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": node_id,
        "kind": kind,
        "site_id": site,
        "processing_time": int(processing_time),
        "holding_cost": float(holding_cost),
        "predecessors": list(predecessors or []),
    }
    if demand_sd is not None:
        row["demand_mean"] = float(demand_mean or 0.0)
        row["demand_sd"] = float(demand_sd)
    return row
