"""The order-to-cash event log of a sample of orders, for process mining.

Each order is a case: create, (credit check), confirm, (change and re-confirm),
pick, pack, ship, deliver, invoice, (correct and re-issue the invoice), receive
payment, or cancel. Variants and rework loops follow the order's customer and
fate; timestamps follow its dates, and nothing happens after the end date.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from obeya.demo.arrow import (
    MICROS_PER_DAY,
    MICROS_PER_HOUR,
    MICROS_PER_MINUTE,
    Strings,
    make_table,
    timestamp_array,
)
from obeya.demo.catalog import CARRIERS, SEGMENTS
from obeya.demo.config import stream
from obeya.demo.orders import CANCELLED, OrderChunk, order_ids
from obeya.demo.plan import Plan
from obeya.demo.service import sample_rate

__all__ = ["ACTIVITIES", "PROCESS", "process_events_table"]

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
MINUTE, HOUR = MICROS_PER_MINUTE, MICROS_PER_HOUR
PROCESS = "order-to-cash"
ACTIVITIES = Strings(
    ["Create order", "Credit check", "Confirm order", "Change order", "Pick", "Pack", "Ship",
     "Deliver", "Invoice", "Correct invoice", "Receive payment", "Cancel order"]
)  # fmt: skip
(CREATE, CREDIT, CONFIRM, CHANGE, PICK, PACK, SHIP, DELIVER, INVOICE, CORRECT, PAY,
 CANCEL) = range(12)  # fmt: skip
CREDIT_SEGMENTS = [
    i for i, s in enumerate(SEGMENTS) if s.name in ("Independent retailer", "Hospitality")
]


def _resources(plan: Plan) -> tuple[Strings, int, int, int]:
    """Resource names and the offsets of (warehouse, desk, carrier) groups in them."""
    sites = plan.ref.site_ids.values
    names = [f"Customer service {s}" for s in sites] + [f"Warehouse {s}" for s in sites]
    desks = ["Credit desk", "Billing", "Accounts receivable"]
    return (
        Strings(names + desks + [c.name for c in CARRIERS]),
        len(sites),
        2 * len(sites),
        2 * len(sites) + 3,
    )


def process_events_table(plan: Plan, chunk: OrderChunk) -> pa.Table:
    """Events of the sampled orders of a chunk, in case and time order."""
    rng = stream(plan.config.seed, "events", chunk.span.index)
    cust = plan.ref.customers
    o = np.flatnonzero(rng.random(chunk.orders) < sample_rate(plan, 0.10))
    n = len(o)
    as_of = (chunk.as_of + 1) * MICROS_PER_DAY
    names, wh0, desk0, carrier0 = _resources(plan)
    site = chunk.site[o]
    segment = cust.segment[chunk.customer[o]]

    def minutes(lo: float, hi: float) -> IntArray:
        return rng.integers(int(lo * MINUTE), int(hi * MINUTE), n)

    create = chunk.order_day[o] * MICROS_PER_DAY + 8 * HOUR + minutes(0, 540)
    credit_on = np.isin(segment, CREDIT_SEGMENTS) & (rng.random(n) < 0.8)
    credit = create + minutes(10, 120)
    confirm = np.where(credit_on, credit, create) + minutes(15, 240)
    change_on = rng.random(n) < 0.08
    change = confirm + minutes(120, 1800)
    confirm2 = change + minutes(10, 120)
    last_confirm = np.where(change_on, confirm2, confirm)
    cancelled = (
        np.bincount(chunk.line_order, chunk.status != CANCELLED, minlength=chunk.orders)[o] == 0
    )
    cancel = last_confirm + minutes(60, 2880)
    shipped = chunk.has_shipment[o]
    pick = np.maximum(
        chunk.ship[o] * MICROS_PER_DAY + 7 * HOUR + minutes(0, 300), last_confirm + 30 * MINUTE
    )
    pack = pick + minutes(20, 120)
    ship = pack + minutes(30, 180)
    deliver = np.maximum(
        chunk.delivery[o] * MICROS_PER_DAY + 9 * HOUR + minutes(0, 480), ship + HOUR
    )
    invoice = ship + minutes(60, 1560)
    correct_on = rng.random(n) < 0.03
    correct = invoice + minutes(1440, 14400)
    invoice2 = correct + minutes(60, 480)
    terms = np.array([s.terms for s in SEGMENTS])[segment]
    late_pay = np.maximum(terms + rng.normal(5, 10, n), 1) * MICROS_PER_DAY
    pay = np.where(correct_on, invoice2, invoice) + late_pay.astype(np.int64)

    wh = wh0 + site
    events = [
        (CREATE, create, site, np.ones(n, dtype=bool)),
        (CREDIT, credit, np.full(n, desk0), credit_on),
        (CONFIRM, confirm, site, np.ones(n, dtype=bool)),
        (CHANGE, change, site, change_on),
        (CONFIRM, confirm2, site, change_on),
        (CANCEL, cancel, site, cancelled),
        (PICK, pick, wh, shipped),
        (PACK, pack, wh, shipped),
        (SHIP, ship, wh, shipped),
        (DELIVER, deliver, carrier0 + chunk.carrier[o], shipped),
        (INVOICE, invoice, np.full(n, desk0 + 1), shipped),
        (CORRECT, correct, np.full(n, desk0 + 1), shipped & correct_on),
        (INVOICE, invoice2, np.full(n, desk0 + 1), shipped & correct_on),
        (PAY, pay, np.full(n, desk0 + 2), shipped),
    ]
    case = np.concatenate([np.flatnonzero(m) for _, _, _, m in events])
    activity = np.concatenate([np.full(int(m.sum()), a) for a, _, _, m in events])
    at = np.concatenate([t[m] for _, t, _, m in events])
    resource = np.concatenate([r[m] for _, _, r, m in events])
    keep = at < as_of
    case, activity, at, resource = case[keep], activity[keep], at[keep], resource[keep]
    order = np.lexsort((at, case))
    case, activity, at, resource = case[order], activity[order], at[order], resource[order]
    return make_table(
        "process_events",
        {
            "case_id": order_ids(chunk, o[case]),
            "activity": ACTIVITIES.take(activity),
            "timestamp": timestamp_array(at),
            "process": Strings([PROCESS]).take(np.zeros(len(case), dtype=np.int64)),
            "resource": names.take(resource),
            "site_id": plan.ref.site_ids.take(site[case]),
        },
    )
