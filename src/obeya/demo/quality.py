"""Quality: SPC measurements of the characteristics, and inspections.

Every plant measures its characteristics in subgroups of five, twice per working
day. One characteristic's mean shifts up by the story's amount (1.5 sigma) from
the story date on. Inspections are incoming (each received purchase order line,
the story supplier's defects climbing) and final (each finished work order,
worse on the crunch line in its crunch).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from obeya.demo.arrow import (
    MICROS_PER_DAY,
    MICROS_PER_HOUR,
    MICROS_PER_MINUTE,
    Strings,
    fixed_ids,
    make_table,
    timestamp_array,
)
from obeya.demo.catalog import CHARACTERISTICS
from obeya.demo.config import FloatArray, as_floats, day_number, stream, weekday
from obeya.demo.inventory import reject_rate
from obeya.demo.plan import Plan
from obeya.demo.purchasing import Purchases
from obeya.demo.reference import characteristic_rows
from obeya.demo.stories import BAD_SUPPLIER

__all__ = ["SUBGROUP_SIZE", "inspections_table", "quality_samples_table"]

SUBGROUP_SIZE = 5
INCOMING_CODES = Strings(["dimension", "cosmetic", "function", "packaging", "label"])
FINAL_CODES = Strings(["assembly", "cosmetic", "function", "leak", "electrical"])
_LOT = np.array([15, 25, 50, 90, 150, 280, 500, 1200])
_SAMPLE = np.array([8, 13, 20, 32, 50, 80, 125, 200, 315])  # ISO 2859-1 level II sizes


def quality_samples_table(plan: Plan) -> pa.Table:
    """Subgroups of five at 06:00-10:00 and 14:00-18:00 of every weekday, per characteristic."""
    rng = stream(plan.config.seed, "quality")
    cal, story = plan.cal, plan.story
    days = cal.day_numbers[weekday(cal.day_numbers) < 5]
    sub_day = np.repeat(days, 2)
    sub_time = sub_day * MICROS_PER_DAY + np.tile([6, 14], len(days)) * MICROS_PER_HOUR
    shift_from = day_number(story.shift_date) * MICROS_PER_DAY
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("id", "sub", "no", "at", "value")}
    rows = characteristic_rows(plan.ref)
    for code, (cid, _, _, template) in enumerate(rows):  # a handful of characteristics
        spec = CHARACTERISTICS[template]
        n_sub = len(sub_time)
        start = sub_time + rng.integers(0, 4 * MICROS_PER_HOUR, n_sub)
        at = np.repeat(start, SUBGROUP_SIZE) + np.tile(
            np.arange(SUBGROUP_SIZE) * 3 * MICROS_PER_MINUTE, n_sub
        )
        mean = spec.target + 0.2 * spec.sigma * rng.standard_normal()
        value = mean + spec.sigma * rng.standard_normal(len(at))
        if cid == story.shift_characteristic:
            value = value + np.where(at >= shift_from, story.shift_amount, 0.0)
        decimals = 3 if spec.sigma < 0.1 else 2
        parts["id"].append(np.full(len(at), code))
        parts["sub"].append(np.repeat(np.arange(1, n_sub + 1), SUBGROUP_SIZE))
        parts["no"].append(np.tile(np.arange(1, SUBGROUP_SIZE + 1), n_sub))
        parts["at"].append(at)
        parts["value"].append(np.round(value, decimals))
    cat = {k: np.concatenate(v) for k, v in parts.items()}
    return make_table(
        "quality_samples",
        {
            "characteristic_id": Strings([r[0] for r in rows]).take(cat["id"]),
            "subgroup": cat["sub"],
            "sample_no": cat["no"],
            "measured_at": timestamp_array(cat["at"]),
            "value": cat["value"],
        },
    )


def _sample_size(lot: FloatArray) -> FloatArray:
    """Sample size of a lot (ISO 2859-1, general inspection level II), at most the lot."""
    return as_floats(np.minimum(_SAMPLE[np.searchsorted(_LOT, lot)], lot))


def inspections_table(plan: Plan, purchases: Purchases) -> pa.Table:
    """Incoming inspections of received PO lines and final inspections of finished work orders."""
    rng = stream(plan.config.seed, "inspections")
    cal, story, ref = plan.cal, plan.story, plan.ref
    p = purchases
    got = np.flatnonzero(p.received & (p.qty_received > 0))
    in_lot = p.qty_received[got]
    in_qty = _sample_size(in_lot)
    in_rate = reject_rate(p.supplier[got], p.receipt_day[got], cal, story)
    in_def = rng.binomial(in_qty.astype(np.int64), in_rate).astype(np.float64)
    in_at = p.receipt_day[got] * MICROS_PER_DAY + rng.integers(
        8 * MICROS_PER_HOUR, 15 * MICROS_PER_HOUR, len(got)
    )

    prod = plan.production
    as_of = (cal.last_day + 1) * MICROS_PER_DAY
    inspected = prod.finished & (prod.actual_end + MICROS_PER_HOUR < as_of)
    done = np.flatnonzero(inspected & (prod.qty_good + prod.qty_scrap > 0))
    made = prod.qty_good[done] + prod.qty_scrap[done]
    fin_qty = _sample_size(made)
    fin_rate = 0.5 * prod.qty_scrap[done] / made + 0.002
    fin_def = rng.binomial(fin_qty.astype(np.int64), fin_rate).astype(np.float64)
    fin_at = prod.actual_end[done] + MICROS_PER_HOUR

    at = np.concatenate([in_at, fin_at])
    order = np.argsort(at, kind="stable")
    n_in = len(got)
    site = np.concatenate([p.site[got], prod.site[done]])[order]
    sku = np.concatenate([p.sku[got], prod.sku[done]])[order]
    supplier = np.concatenate([p.supplier[got], np.zeros(len(done), dtype=np.int64)])[order]
    incoming = (np.arange(len(at)) < n_in)[order]
    defective = np.concatenate([in_def, fin_def])[order]
    code = rng.integers(0, 5, len(at))
    story_lot = incoming & (supplier == BAD_SUPPLIER) & (rng.random(len(at)) < 0.7)
    code = np.where(story_lot, 0, code)  # its defects are mostly out-of-tolerance dimensions
    found = defective > 0
    defect_code = pc.if_else(
        pa.array(incoming),
        INCOMING_CODES.take(code, found & incoming),
        FINAL_CODES.take(code, found & ~incoming),
    )
    return make_table(
        "inspections",
        {
            "inspection_id": fixed_ids("INS", np.arange(1, len(at) + 1), 7),
            "site_id": ref.site_ids.take(site),
            "sku": ref.products.ids.take(sku),
            "supplier_id": pa.array(ref.suppliers.ids).take(pa.array(supplier, mask=~incoming)),
            "inspected_at": timestamp_array(at[order]),
            "qty_inspected": np.concatenate([in_qty, fin_qty])[order],
            "qty_defective": defective,
            "defect_code": defect_code,
        },
    )
