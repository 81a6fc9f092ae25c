"""Customer orders, chunk by chunk: the order lines and the shipments that carry them.

A chunk is a run of consecutive days, so keys (numbered globally in time order)
stay unique and every story keeps its dates at any scale. Within a chunk
everything is drawn for all orders and lines at once: orders per day, customer,
ship-from site, lines per order, SKU from the week's mix, units, prices, dates,
carrier, transit time, stock-outs and cancellations. No loop over orders or lines.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from math import ceil

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from obeya.demo.arrow import Strings, date_array, fixed_ids, make_table
from obeya.demo.catalog import CARRIERS, COUNTRIES, SEGMENTS
from obeya.demo.config import as_floats, as_ints, day_number, stream
from obeya.demo.economics import cost_index, freight_index, price_index
from obeya.demo.plan import Plan

__all__ = [
    "CANCELLED",
    "DELIVERED",
    "LTL_STORY",
    "OPEN",
    "ORDER_DIGITS",
    "SHIPPED",
    "OrderChunk",
    "Span",
    "make_chunk",
    "order_chunks",
    "order_ids",
    "order_lines_table",
    "shipments_table",
    "spans",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

OPEN, SHIPPED, DELIVERED, CANCELLED = 0, 1, 2, 3
STATUS = Strings(["open", "shipped", "delivered", "cancelled"])
TRUCK, LTL_STORY, LTL, PARCEL, RAIL = range(5)  # rows of CARRIERS
CARRIER_IDS = Strings([c.carrier_id for c in CARRIERS])
CARRIER_MODES = Strings([c.mode for c in CARRIERS])
CARRIER_PRICE = np.array([c.price for c in CARRIERS])
CHANNELS = Strings(sorted({s.channel for s in SEGMENTS}))
SEGMENT_CHANNEL = np.array([CHANNELS.values.index(s.channel) for s in SEGMENTS])
COUNTRY_CODES = Strings([c.code for c in COUNTRIES])
REGIONS = Strings(sorted({c.region for c in COUNTRIES}))
COUNTRY_REGION = np.array([REGIONS.values.index(c.region) for c in COUNTRIES])
MAX_LINES_PER_ORDER = 60
ORDER_DIGITS = 9


@dataclass(frozen=True, slots=True)
class Span:
    """Chunk ``index`` covers day numbers ``first``..``last``."""

    index: int
    first: int
    last: int


@dataclass(frozen=True)
class OrderChunk:
    """The orders and lines of one chunk; order ``i`` is global order ``first_order + i``."""

    span: Span
    first_order: int
    order_day: IntArray
    customer: IntArray
    site: IntArray
    requested: IntArray
    promised: IntArray
    ship: IntArray
    delivery: IntArray
    carrier: IntArray
    distance: FloatArray
    freight: FloatArray  # per order; 0 where nothing shipped
    units: FloatArray  # shipped per order
    weight: FloatArray  # shipped kg per order
    line_order: IntArray
    line_no: IntArray
    sku: IntArray
    qty_ordered: FloatArray
    qty_shipped: FloatArray
    unit_price: FloatArray
    unit_cost: FloatArray
    status: npt.NDArray[np.int8]
    as_of: int  # the end date: later dates have not happened yet

    @property
    def orders(self) -> int:
        return len(self.order_day)

    @property
    def has_shipment(self) -> BoolArray:
        return self.units > 0

    @property
    def delivered(self) -> BoolArray:
        """Orders whose shipment arrived by the end date."""
        return self.has_shipment & (self.delivery <= self.as_of)


def spans(plan: Plan) -> list[Span]:
    """Consecutive day ranges of about ``chunk_lines`` expected order lines each."""
    per_day = plan.demand.lines_per_day
    total = float(per_day.sum())
    n = max(1, ceil(total / plan.config.chunk_lines - 1e-9))
    cum = np.cumsum(per_day)
    cuts = np.searchsorted(cum, total * np.arange(1, n) / n, side="left") + 1
    edges = np.unique(np.concatenate([[0], cuts, [len(per_day)]]))
    first = plan.cal.first_day
    return [Span(i, first + int(a), first + int(b) - 1) for i, (a, b) in enumerate(pairwise(edges))]


def order_chunks(plan: Plan) -> Iterator[OrderChunk]:
    """Every chunk of the order stream, in time order, numbering orders globally."""
    first = 1
    for span in spans(plan):
        chunk = make_chunk(plan, span, first)
        first += chunk.orders
        yield chunk


def _pick_rows(cdf: FloatArray, rows: IntArray, u: FloatArray) -> IntArray:
    """Column drawn from row ``rows`` of a row-cumulative matrix, for every row at once."""
    n_cols = cdf.shape[1]
    flat = (cdf + np.arange(cdf.shape[0])[:, None]).ravel()
    col = np.searchsorted(flat, rows + u, side="right") - rows * n_cols
    return as_ints(np.clip(col, 0, n_cols - 1))


def _draw(p: list[float], u: FloatArray) -> IntArray:
    """Category of each uniform ``u`` under probabilities ``p``."""
    cdf = np.cumsum(p)
    return as_ints(np.minimum(np.searchsorted(cdf / cdf[-1], u, side="right"), len(p) - 1))


def _workdays(days: IntArray, offsets: IntArray) -> IntArray:
    """``offsets`` working days (Monday to Friday) after ``days``, from the next working
    day when ``days`` falls on a weekend; before it for negative offsets."""
    roll = "forward" if np.all(offsets >= 0) else "backward"
    moved = np.busday_offset(days.astype("datetime64[D]"), offsets, roll=roll)  # type: ignore[call-overload]
    return as_ints(moved.astype(np.int64))


def make_chunk(plan: Plan, span: Span, first_order: int) -> OrderChunk:
    """Draw the orders of the days in ``span`` (the same span gives the same chunk)."""
    cfg, cal, ref, dem, story = plan.config, plan.cal, plan.ref, plan.demand, plan.story
    cust, prod = ref.customers, ref.products
    rng = stream(cfg.seed, "orders", span.index)
    days = np.arange(span.first, span.last + 1, dtype=np.int64)
    per_day = rng.poisson(dem.lines_per_day[days - cal.first_day] / dem.mean_lines)
    o_day = np.repeat(days, per_day)
    m = len(o_day)
    o_cust = np.minimum(np.searchsorted(np.cumsum(cust.weight), rng.random(m)), len(cust) - 1)
    o_site = _pick_rows(cust.site_cdf, o_cust, rng.random(m))
    n_lines = np.minimum(1 + rng.poisson(cust.lines[o_cust] - 1.0), MAX_LINES_PER_ORDER)
    line_order = np.repeat(np.arange(m), n_lines)
    n = len(line_order)
    starts = np.cumsum(n_lines) - n_lines
    line_no = np.arange(n) - starts[line_order] + 1
    o_week = cal.week_of(o_day)
    l_week = o_week[line_order]
    sku = dem.draw_skus(l_week, rng.random(n))
    l_cust = o_cust[line_order]
    l_site = o_site[line_order]

    sigma = prod.sigma[sku]
    mean_qty = prod.qty[sku] * cust.qty[l_cust]
    qty = np.maximum(1.0, np.rint(mean_qty * np.exp(sigma * rng.standard_normal(n) - sigma**2 / 2)))
    n_skus = len(prod)
    promo = dem.price_factor.ravel()[l_week * n_skus + sku]
    list_price = prod.price[sku] * price_index(o_day, cal)[line_order]
    price = list_price * (1 - cust.discount[l_cust]) * promo * (1 + 0.01 * rng.standard_normal(n))
    cost = prod.cost[sku] * cost_index(o_day, cal)[line_order]

    # Dates in working days: the quote is processing (2) + the lane's standard transit;
    # scheduled orders ask for a later date and ship to arrive on it.
    dist = cust.distance[o_cust, o_site]
    transit_std = 1 + (dist > 400) + (dist > 900) + (dist > 1500)
    quote = 2 + transit_std
    scheduled = rng.random(m) < cust.scheduled[o_cust]
    want = np.where(scheduled, rng.integers(5, 21, m), np.maximum(quote - rng.integers(0, 2, m), 1))
    requested = _workdays(o_day, want)
    promised = _workdays(o_day, np.maximum(want, quote))
    processing = _draw([0.40, 0.45, 0.10, 0.03, 0.02], rng.random(m))
    ship = np.where(
        scheduled,
        np.maximum(_workdays(promised, -transit_std - 1), o_day),
        _workdays(o_day, processing),
    )

    l_weight = qty * prod.weight[sku]
    o_weight = np.bincount(line_order, l_weight, minlength=m)
    u = rng.random(m)
    story_site = ref.site_ids.values.index(story.bad_site)
    story_share = np.where(o_site == story_site, 0.6, 0.45)
    carrier = np.where(
        o_weight < 40,
        PARCEL,
        np.where(
            o_weight > 3000,
            np.where((dist > 900) & (u < 0.4), RAIL, TRUCK),
            np.where(u < story_share, LTL_STORY, LTL),
        ),
    )
    transit = transit_std + (carrier == RAIL) + _draw([0.88, 0.09, 0.025, 0.005], rng.random(m))
    late_story = (
        (o_site == story_site)
        & (carrier == LTL_STORY)
        & (ship >= day_number(story.year2_start))
        & (rng.random(m) < story.bad_carrier_late_share)
    )
    transit = transit + np.where(late_story, 1 + rng.poisson(1.5, m), 0)
    delivery = _workdays(ship, transit)

    # Stock-outs (from the simulation) cut lines short or cancel them; a few cancel anyway.
    n_sites = ref.n_sites
    fill = plan.supply.fill.ravel()[(l_week * n_sites + l_site) * n_skus + sku]
    hit = rng.random(n) >= fill
    short = hit & (qty >= 2) & (rng.random(n) < 0.7)
    cancelled = (hit & ~short) | (rng.random(n) < 0.01)
    shipped_qty = np.where(short, np.maximum(1.0, np.floor(qty * rng.uniform(0.2, 0.9, n))), qty)
    o_shipped = ship <= cal.last_day
    o_delivered = delivery <= cal.last_day
    status = np.where(
        cancelled,
        CANCELLED,
        np.where(
            ~o_shipped[line_order], OPEN, np.where(o_delivered[line_order], DELIVERED, SHIPPED)
        ),
    ).astype(np.int8)
    qty_shipped = np.where((status == SHIPPED) | (status == DELIVERED), shipped_qty, 0.0)

    units = as_floats(np.bincount(line_order, qty_shipped, minlength=m))
    weight = np.bincount(line_order, qty_shipped * prod.weight[sku], minlength=m)
    rate = np.select(
        [carrier == PARCEL, carrier == RAIL, carrier == TRUCK],
        [6.5 + 0.55 * weight * (1 + dist / 2500), 400 + 1.05 * dist, 150 + 1.55 * dist],
        60 + 0.18 * weight * (dist / 100) ** 0.55,
    )
    freight = rate * CARRIER_PRICE[carrier] * freight_index(ship, story) * rng.lognormal(0, 0.05, m)
    freight = np.where(units > 0, np.round(freight, 2), 0.0)
    return OrderChunk(
        span=span,
        first_order=first_order,
        order_day=o_day,
        customer=o_cust,
        site=o_site,
        requested=requested,
        promised=promised,
        ship=ship,
        delivery=delivery,
        carrier=carrier,
        distance=dist,
        freight=freight,
        units=units,
        weight=np.round(weight, 1),
        line_order=line_order,
        line_no=line_no,
        sku=sku,
        qty_ordered=qty,
        qty_shipped=qty_shipped,
        unit_price=np.round(price, 2),
        unit_cost=np.round(cost, 2),
        status=status,
        as_of=cal.last_day,
    )


def order_ids(chunk: OrderChunk, orders: IntArray) -> pa.Array:
    """The order ids (``SO`` + 9 digits) of the chunk's orders at ``orders``."""
    return fixed_ids("SO", chunk.first_order + orders, ORDER_DIGITS)


def order_lines_table(plan: Plan, chunk: OrderChunk) -> pa.Table:
    """The ``order_lines`` rows of a chunk."""
    ref = plan.ref
    lo = chunk.line_order
    status = chunk.status
    has_ship = (status == SHIPPED) | (status == DELIVERED)
    l_cust = chunk.customer[lo]
    return make_table(
        "order_lines",
        {
            "order_id": order_ids(chunk, lo),
            "line_no": chunk.line_no,
            "customer_id": ref.customers.ids.take(l_cust),
            "sku": ref.products.ids.take(chunk.sku),
            "site_id": ref.site_ids.take(chunk.site[lo]),
            "channel": CHANNELS.take(SEGMENT_CHANNEL[ref.customers.segment[l_cust]]),
            "order_date": date_array(chunk.order_day[lo]),
            "requested_date": date_array(chunk.requested[lo]),
            "promised_date": date_array(chunk.promised[lo]),
            "ship_date": date_array(chunk.ship[lo], has_ship),
            "delivery_date": date_array(chunk.delivery[lo], status == DELIVERED),
            "qty_ordered": chunk.qty_ordered,
            "qty_shipped": chunk.qty_shipped,
            "unit_price": chunk.unit_price,
            "unit_cost": chunk.unit_cost,
            "status": STATUS.take(status),
        },
    )


def shipments_table(plan: Plan, chunk: OrderChunk) -> pa.Table:
    """One shipment per order that shipped anything, carrying the order's id."""
    ref = plan.ref
    o = np.flatnonzero(chunk.has_shipment)
    country = ref.customers.country[chunk.customer[o]]
    return make_table(
        "shipments",
        {
            "shipment_id": fixed_ids("SH", chunk.first_order + o, ORDER_DIGITS),
            "site_id": ref.site_ids.take(chunk.site[o]),
            "carrier_id": CARRIER_IDS.take(chunk.carrier[o]),
            "mode": CARRIER_MODES.take(chunk.carrier[o]),
            "ship_date": date_array(chunk.ship[o]),
            "delivery_date": date_array(chunk.delivery[o], chunk.delivery[o] <= chunk.as_of),
            "dest_country": COUNTRY_CODES.take(country),
            "dest_region": REGIONS.take(COUNTRY_REGION[country]),
            "units": chunk.units[o],
            "weight_kg": chunk.weight[o],
            "distance_km": chunk.distance[o],
            "freight_cost": chunk.freight[o],
            "order_id": order_ids(chunk, o),
        },
    )
