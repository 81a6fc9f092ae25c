"""The reference tables of the data model, from the master data and the line design."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from obeya.demo.arrow import make_table
from obeya.demo.catalog import ACCOUNTS, CARRIERS, CHARACTERISTICS, COUNTRIES, SEGMENTS
from obeya.demo.plan import Plan
from obeya.demo.reference import characteristic_rows

__all__ = ["reference_tables"]


def reference_tables(plan: Plan) -> dict[str, pa.Table]:
    """Every reference table of the company, by name."""
    ref = plan.ref
    prod, cust, sup, res = ref.products, ref.customers, ref.suppliers, ref.resources
    sites = ref.sites
    out: dict[str, pa.Table] = {}
    out["sites"] = make_table(
        "sites",
        {
            "site_id": [s.site_id for s in sites],
            "name": [s.name for s in sites],
            "type": [s.type for s in sites],
            "country": [s.country for s in sites],
            "region": [s.region for s in sites],
            "lat": [s.lat for s in sites],
            "lon": [s.lon for s in sites],
        },
    )
    fams = ref.families
    out["products"] = make_table(
        "products",
        {
            "sku": prod.ids.values,
            "description": prod.description,
            "family": [fams[f].name for f in prod.family.tolist()],
            "category": [fams[f].category for f in prod.family.tolist()],
            "uom": ["EA"] * len(prod),
            "unit_cost": prod.cost,
            "unit_price": prod.price,
            "weight_kg": prod.weight,
            "hs_code": [fams[f].hs_code for f in prod.family.tolist()],
            "lifecycle": prod.lifecycle,
        },
    )
    out["customers"] = make_table(
        "customers",
        {
            "customer_id": cust.ids.values,
            "name": cust.names,
            "segment": [SEGMENTS[s].name for s in cust.segment.tolist()],
            "channel": [SEGMENTS[s].channel for s in cust.segment.tolist()],
            "country": [COUNTRIES[c].code for c in cust.country.tolist()],
            "region": [COUNTRIES[c].region for c in cust.country.tolist()],
            "payment_terms_days": np.array([SEGMENTS[s].terms for s in cust.segment], dtype=float),
        },
    )
    out["suppliers"] = make_table(
        "suppliers",
        {
            "supplier_id": sup.ids,
            "name": sup.names,
            "country": sup.country,
            "category": [
                ("Finished goods", "Spare parts", "Accessories")[c] for c in sup.category.tolist()
            ],
            "payment_terms_days": sup.terms.astype(float),
            "contract_lead_time_days": sup.lead_days.astype(float),
        },
    )
    out["carriers"] = make_table(
        "carriers",
        {
            "carrier_id": [c.carrier_id for c in CARRIERS],
            "name": [c.name for c in CARRIERS],
            "mode": [c.mode for c in CARRIERS],
        },
    )
    rate = plan.lines.rate
    out["resources"] = make_table(
        "resources",
        {
            "resource_id": res.ids,
            "site_id": ref.site_ids.take(res.site),
            "name": res.names,
            "kind": res.kind,
            "hours_per_day": res.hours_per_day,
            "ideal_units_per_hour": pa.array(np.round(rate, 4), mask=np.isnan(rate)),
        },
    )
    made = np.flatnonzero(ref.sku_line >= 0)
    line = ref.sku_line[made]
    pack = np.array([res.ids.index(f"{sites[s].site_id}-C1") for s in res.site[line].tolist()])
    hours = plan.lines.hours_per_unit[made]
    out["routings"] = make_table(
        "routings",
        {
            "sku": prod.ids.take(np.concatenate([made, made])),
            "resource_id": pa.array(res.ids).take(pa.array(np.concatenate([line, pack]))),
            "hours_per_unit": np.concatenate([hours, 0.3 * hours]),
        },
    )
    out["accounts"] = make_table(
        "accounts",
        {
            "account": [a[0] for a in ACCOUNTS],
            "name": [a[1] for a in ACCOUNTS],
            "pl_line": [a[2] for a in ACCOUNTS],
        },
    )
    rows = characteristic_rows(ref)
    specs = [CHARACTERISTICS[t] for _, _, _, t in rows]
    out["characteristics"] = make_table(
        "characteristics",
        {
            "characteristic_id": [r[0] for r in rows],
            "name": [s.name for s in specs],
            "site_id": [sites[r[1]].site_id for r in rows],
            "resource_id": [res.ids[r[2]] if r[2] >= 0 else None for r in rows],
            "unit": [s.unit for s in specs],
            "lsl": [s.lsl for s in specs],
            "usl": [s.usl for s in specs],
            "target": [s.target for s in specs],
        },
    )
    return out
