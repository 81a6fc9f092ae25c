"""After the delivery: returns, NPS survey answers and service tickets.

All three are drawn from the orders of a chunk, so they reference real orders,
customers and SKUs and follow what happened to them: late orders draw lower
scores and "where is my order" tickets, the story carrier's shipments come back
damaged more often. Survey answers and tickets are sampled at a rate that falls
with ``scale``, so their volume stays that of the default company.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from obeya.demo.arrow import (
    MICROS_PER_DAY,
    MICROS_PER_HOUR,
    Strings,
    date_array,
    fixed_ids,
    make_table,
    timestamp_array,
)
from obeya.demo.config import stream
from obeya.demo.orders import DELIVERED, LTL_STORY, ORDER_DIGITS, OrderChunk, order_ids
from obeya.demo.plan import Plan

__all__ = ["nps_table", "returns_table", "sample_rate", "tickets_table"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

REASONS = Strings(
    ["damaged in transit", "defective", "wrong item", "not as described", "late delivery",
     "no longer needed"]
)  # fmt: skip
FAMILY_RETURNS = {"VAC": 2.5, "COF": 1.5, "SPA": 0.5, "ACC": 0.7}


def sample_rate(plan: Plan, base: float) -> float:
    """``base`` at the default size, falling with scale above 1."""
    return base / max(1.0, plan.config.scale)


def _late(chunk: OrderChunk) -> npt.NDArray[np.bool_]:
    return chunk.delivery > chunk.promised


def returns_table(plan: Plan, chunk: OrderChunk) -> pa.Table:
    """Some delivered lines come back: more vacuum cleaners, more after the story carrier."""
    rng = stream(plan.config.seed, "returns", chunk.span.index)
    ref, story = plan.ref, plan.story
    lo = chunk.line_order
    fam = ref.products.family[chunk.sku]
    fam_factor = np.array([FAMILY_RETURNS.get(f.code, 1.0) for f in ref.families])[fam]
    story_site = ref.site_ids.values.index(story.bad_site)
    rough = (chunk.carrier[lo] == LTL_STORY) & (chunk.site[lo] == story_site)
    rate = 0.012 * fam_factor + np.where(rough, 0.01, 0.0)
    pick = (chunk.status == DELIVERED) & (rng.random(len(lo)) < rate)
    i = np.flatnonzero(pick)
    day = chunk.delivery[lo[i]] + 2 + rng.geometric(1 / 12, len(i))
    keep = day <= chunk.as_of
    i, day = i[keep], day[keep]
    shipped = chunk.qty_shipped[i]
    qty = np.minimum(shipped, np.maximum(1.0, np.round(shipped * rng.uniform(0.05, 0.6, len(i)))))
    late = _late(chunk)[lo[i]]
    p = np.column_stack(
        [
            np.where(rough[i], 0.45, 0.15),
            np.full(len(i), 0.30),
            np.full(len(i), 0.12),
            np.full(len(i), 0.13),
            np.where(late, 0.25, 0.02),
            np.full(len(i), 0.10),
        ]
    )
    cdf = np.cumsum(p, axis=1) / p.sum(axis=1, keepdims=True)
    reason = np.minimum((rng.random(len(i))[:, None] > cdf).sum(axis=1), 5)
    number = (chunk.first_order + lo[i]) * 100 + chunk.line_no[i]
    return make_table(
        "returns",
        {
            "return_id": fixed_ids("RT", number, ORDER_DIGITS + 2),
            "order_id": order_ids(chunk, lo[i]),
            "sku": ref.products.ids.take(chunk.sku[i]),
            "customer_id": ref.customers.ids.take(chunk.customer[lo[i]]),
            "return_date": date_array(day),
            "qty": qty,
            "reason": REASONS.take(reason),
            "refund_amount": np.round(qty * chunk.unit_price[i], 2),
        },
    )


_ON_TIME = [0.01, 0.01, 0.01, 0.02, 0.02, 0.04, 0.05, 0.12, 0.22, 0.25, 0.25]
_LATE = [0.05, 0.04, 0.06, 0.08, 0.08, 0.12, 0.12, 0.15, 0.12, 0.10, 0.08]
COMMENTS = Strings(
    [
        "Reliable as always", "Great products, quick delivery", "Easy to order",
        "Fine, but prices went up", "Delivery fine, packaging could be better",
        "Delivery arrived late again", "No update on a late order", "Items missing from the order",
        "Product quality has dropped", "Hard to reach customer service",
    ]
)  # fmt: skip


def nps_table(plan: Plan, chunk: OrderChunk) -> pa.Table:
    """A survey answer for a sample of delivered orders; late orders score lower."""
    rng = stream(plan.config.seed, "nps", chunk.span.index)
    pick = chunk.delivered & (rng.random(chunk.orders) < sample_rate(plan, 0.03))
    o = np.flatnonzero(pick)
    day = chunk.delivery[o] + 1 + rng.integers(0, 14, len(o))
    keep = day <= chunk.as_of
    o, day = o[keep], day[keep]
    late = _late(chunk)[o]
    u = rng.random(len(o))
    score = np.where(
        late,
        np.searchsorted(np.cumsum(_LATE) / sum(_LATE), u, side="right"),
        np.searchsorted(np.cumsum(_ON_TIME) / sum(_ON_TIME), u, side="right"),
    )
    score = np.minimum(score, 10)
    pick_c = rng.integers(0, 3, len(o))
    comment = np.select(
        [score >= 9, score >= 7, late], [pick_c, 3 + pick_c % 2, 5 + pick_c % 3], 7 + pick_c
    )
    has_comment = rng.random(len(o)) < 0.4
    return make_table(
        "nps_responses",
        {
            "response_id": fixed_ids("NPS", chunk.first_order + o, ORDER_DIGITS),
            "customer_id": plan.ref.customers.ids.take(chunk.customer[o]),
            "response_date": date_array(day),
            "score": score.astype(np.int64),
            "comment": COMMENTS.take(comment, has_comment),
        },
    )


PRIORITIES = Strings(["P1", "P2", "P3", "P4"])
SLA_HOURS = np.array([4.0, 8.0, 24.0, 72.0])
CATEGORIES = Strings(["delivery", "missing items", "invoice", "product", "order change"])


def tickets_table(plan: Plan, chunk: OrderChunk) -> pa.Table:
    """Service tickets on a sample of orders, many more on late or short orders."""
    rng = stream(plan.config.seed, "tickets", chunk.span.index)
    lo = chunk.line_order
    late = _late(chunk) & chunk.has_shipment
    short = np.bincount(lo, chunk.qty_shipped < chunk.qty_ordered, minlength=chunk.orders) > 0
    short &= chunk.has_shipment
    rate = sample_rate(plan, 1.0) * (0.015 + 0.12 * late + 0.05 * short)
    o = np.flatnonzero(rng.random(chunk.orders) < rate)
    late_o, short_o = late[o], short[o]
    hour = rng.integers(8 * MICROS_PER_HOUR, 18 * MICROS_PER_HOUR, len(o))
    day = np.where(late_o, chunk.promised[o] + 1, chunk.order_day[o] + rng.integers(0, 8, len(o)))
    opened = day * MICROS_PER_DAY + hour
    as_of = (chunk.as_of + 1) * MICROS_PER_DAY
    keep = opened < as_of
    o, late_o, short_o, opened = o[keep], late_o[keep], short_o[keep], opened[keep]
    n = len(o)
    category = np.where(late_o, 0, np.where(short_o, 1, rng.choice([2, 3, 4, 0], n)))
    priority = np.minimum(np.searchsorted(np.cumsum([0.05, 0.20, 0.50, 0.25]), rng.random(n)), 3)
    sla = SLA_HOURS[priority]
    first = opened + (rng.exponential(np.where(priority == 0, 0.5, 2.5)) * MICROS_PER_HOUR).astype(
        np.int64
    )
    took = sla * rng.lognormal(np.log(0.6), 0.6, n)
    resolved = opened + (took * MICROS_PER_HOUR).astype(np.int64)
    never = rng.random(n) < 0.03
    is_resolved = ~never & (resolved < as_of)
    escalated = ((took > sla) & (rng.random(n) < 0.5)) | ((priority == 0) & (rng.random(n) < 0.3))
    return make_table(
        "tickets",
        {
            "ticket_id": fixed_ids("TK", chunk.first_order + o, ORDER_DIGITS),
            "customer_id": plan.ref.customers.ids.take(chunk.customer[o]),
            "opened_at": timestamp_array(opened),
            "first_response_at": timestamp_array(first, first < as_of),
            "resolved_at": timestamp_array(resolved, is_resolved),
            "priority": PRIORITIES.take(priority),
            "sla_hours": sla,
            "escalated": escalated,
            "category": CATEGORIES.take(category),
        },
    )
