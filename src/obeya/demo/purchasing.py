"""Purchase order lines: the stock simulation's replenishments of bought SKUs.

Lines to one supplier for one site placed on one day form a purchase order. The
story supplier's lines arrive later and later through the last twelve months
and more of what arrives is rejected at goods-in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from obeya.demo.arrow import date_array, fixed_ids, make_table
from obeya.demo.config import stream
from obeya.demo.economics import cost_index
from obeya.demo.plan import Plan

__all__ = ["Purchases", "purchase_order_lines_table", "purchases"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
LANDED = 0.92  # contract price as a share of standard cost (freight and duty make the rest)


@dataclass(frozen=True)
class Purchases:
    po: IntArray
    line_no: IntArray
    supplier: IntArray
    sku: IntArray
    site: IntArray
    order_day: IntArray
    promised_day: IntArray
    receipt_day: IntArray
    received: npt.NDArray[np.bool_]
    qty_ordered: FloatArray
    qty_received: FloatArray
    qty_rejected: FloatArray
    unit_price: FloatArray
    contract_price: FloatArray


def purchases(plan: Plan) -> Purchases:
    """The purchase order lines, in order-date order, grouped into purchase orders."""
    rng = stream(plan.config.seed, "purchasing")
    orders, prod, sup = plan.supply.orders, plan.ref.products, plan.ref.suppliers
    bought = np.flatnonzero(~prod.made[orders.sku] & (orders.order_day <= plan.cal.last_day))
    supplier = prod.supplier[orders.sku[bought]]
    order = np.lexsort(
        (orders.sku[bought], orders.site[bought], supplier, orders.order_day[bought])
    )
    idx = bought[order]
    supplier = supplier[order]
    sku, site, day = orders.sku[idx], orders.site[idx], orders.order_day[idx]
    new_po = np.ones(len(idx), dtype=bool)
    new_po[1:] = (day[1:] != day[:-1]) | (supplier[1:] != supplier[:-1]) | (site[1:] != site[:-1])
    po = np.cumsum(new_po)
    starts = np.flatnonzero(new_po)
    line_no = np.arange(len(idx)) - starts[po - 1] + 1
    receipt = day + orders.lead_days[idx]
    received = receipt <= plan.cal.last_day
    contract = np.round(prod.cost[sku] * cost_index(day, plan.cal) * LANDED, 2)
    paid = contract * (1 + sup.premium[supplier]) * (1 + 0.005 * rng.standard_normal(len(idx)))
    return Purchases(
        po=po,
        line_no=line_no,
        supplier=supplier,
        sku=sku,
        site=site,
        order_day=day,
        promised_day=day + sup.lead_days[supplier],
        receipt_day=receipt,
        received=received,
        qty_ordered=orders.qty[idx],
        qty_received=np.where(received, orders.received[idx], 0.0),
        qty_rejected=np.where(received, orders.rejected[idx], 0.0),
        unit_price=np.round(paid, 2),
        contract_price=contract,
    )


def purchase_order_lines_table(plan: Plan, p: Purchases) -> pa.Table:
    ref = plan.ref
    return make_table(
        "purchase_order_lines",
        {
            "po_id": fixed_ids("PO", p.po, 7),
            "line_no": p.line_no,
            "supplier_id": pa.array(ref.suppliers.ids).take(pa.array(p.supplier)),
            "sku": ref.products.ids.take(p.sku),
            "site_id": ref.site_ids.take(p.site),
            "order_date": date_array(p.order_day),
            "promised_date": date_array(p.promised_day),
            "receipt_date": date_array(p.receipt_day, p.received),
            "qty_ordered": p.qty_ordered,
            "qty_received": p.qty_received,
            "qty_rejected": p.qty_rejected,
            "unit_price": p.unit_price,
            "contract_price": p.contract_price,
        },
    )
