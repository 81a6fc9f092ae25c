"""Demand shipped from a site that cannot make the SKU loads the sites that can."""

from __future__ import annotations

import pandas as pd
import pytest

from obeya.planning.capacity_plan import source_demand


def test_a_distribution_centre_loads_the_plants_that_make_its_skus() -> None:
    resources = pd.DataFrame({"resource_id": ["L1", "L2", "D1"], "site_id": ["P1", "P2", "DC"]})
    routings = pd.DataFrame(
        {"sku": ["X", "X", "Y"], "resource_id": ["L1", "L2", "L1"], "hours_per_unit": 1.0}
    )
    day = pd.Timestamp("2026-01-01")
    demand = pd.DataFrame(
        {
            "sku": ["X", "X", "Y", "Z"],
            "site_id": ["DC", "P1", "DC", "DC"],
            "period_start": [day] * 4,
            "units": [100.0, 30.0, 8.0, 7.0],
        }
    )
    sourced, moved = source_demand(demand, routings, resources)
    got = {(r.sku, r.site_id): r.units for r in sourced.itertuples()}
    # X is made at P1 and P2: the DC's 100 split 50/50, P1 keeps its own 30 (80 in all).
    # Y is made only at P1: the DC's 8 go there. Z is made nowhere: it stays at the DC.
    assert got == pytest.approx(
        {("X", "P1"): 80.0, ("X", "P2"): 50.0, ("Y", "P1"): 8.0, ("Z", "DC"): 7.0}
    )
    assert {(r.from_site, r.to_site): r.units for r in moved.itertuples()} == pytest.approx(
        {("DC", "P1"): 58.0, ("DC", "P2"): 50.0}
    )
