"""The inventory policy of a plan, sized by the inventory engine's own policy run.

The statistics per SKU x site come from :func:`obeya.inventory.read_series_inputs`
(demand, its spread, lead times, stock; its rules are in ``docs/inventory.md``) and
the policy from :func:`obeya.inventory.plan_policy` (ABC x XYZ classes, (s, Q) and
(R, S) policies, newsvendor buys), both called as they are. A scenario changes the
inputs, never the engine:

* demand: each series' weekly mean and sd are multiplied by the ratio of its
  scenario demand to its base demand over the aggregate plan's horizon (so a
  +10 % family scales its series' demand and spread by 1.1; a driver limited to some
  periods scales by its share of the horizon);
* lead time: a ``lead_time`` driver adds days to the series whose main supplier (the
  one with most purchase order lines for the SKU at the site) it names.

The **expected fill rate** of a series is ``1 - sigma_L G(k) / Q`` of its (s, Q)
policy (the P2 measure of Silver, Pyke & Thomas, with ``G`` the standard normal loss
function); the total is weighted by annual demand.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from obeya.inventory import (
    InputSettings,
    PlannerSettings,
    PolicyPlan,
    ReviewPolicy,
    SeriesInputs,
    normal_loss,
    plan_policy,
    read_series_inputs,
)
from obeya.planning.planning_config import InventorySettings
from obeya.warehouse import Warehouse

__all__ = [
    "InventoryOutcome",
    "LeadTimeChange",
    "inventory_from_inputs",
    "read_policy_inputs",
]

_KEYS = ["sku", "site_id"]


@dataclass(frozen=True, slots=True)
class LeadTimeChange:
    """``days`` more (or fewer) lead time on the series whose main supplier is ``supplier``."""

    supplier: str
    days: float
    site: str | None = None


@dataclass(frozen=True)
class InventoryOutcome:
    """The inventory engine's policy plan and the totals a scenario compares."""

    plan: PolicyPlan

    @property
    def service_level(self) -> float:
        return self.plan.settings.service_level

    @property
    def inventory_value(self) -> float:
        """The target stock (safety + cycle, or the season's buy) at unit cost."""
        return float(np.sum(self.plan.target_value))

    @property
    def safety_stock_value(self) -> float:
        return float(np.sum(self.plan.chosen.safety_stock * self.plan.inputs.unit_cost))

    @property
    def expected_fill_rate(self) -> float:
        """Annual-demand-weighted expected fill rate of the (s, Q) policies."""
        c = self.plan.continuous
        k = np.maximum(c.safety_factor, 0.0)
        q = c.order_quantity
        short = c.protection_sd * normal_loss(k)
        fill = np.clip(1.0 - np.divide(short, q, out=np.zeros_like(q), where=q > 0), 0.0, 1.0)
        weight = c.annual_demand
        total = float(weight.sum())
        return float((fill * weight).sum() / total) if total > 0 else 1.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "service_level": self.service_level,
            "target": self.plan.settings.target.value,
            "expected_fill_rate": self.expected_fill_rate,
            "series": int(self.plan.inputs.size),
            "inventory_value": self.inventory_value,
            "safety_stock_value": self.safety_stock_value,
            "current_value": float(np.sum(self.plan.current_value)),
            "annual_cogs": float(np.sum(self.plan.annual_cogs)),
        }


def read_policy_inputs(
    wh: Warehouse, as_of: dt.date, settings: InventorySettings, run_id: str | None
) -> SeriesInputs:
    """The inventory engine's per-series statistics at ``as_of``."""
    return read_series_inputs(
        wh,
        InputSettings(
            as_of=as_of,
            history_weeks=settings.history_weeks,
            lead_time_window_days=settings.lead_time_window_days,
            default_lead_time_days=settings.default_lead_time_days,
            run_id=run_id,
        ),
    )


def inventory_from_inputs(
    inputs: SeriesInputs,
    settings: InventorySettings,
    *,
    demand_factor: pd.DataFrame | None = None,
    main_supplier: pd.DataFrame | None = None,
    lead_time_changes: Sequence[LeadTimeChange] = (),
) -> InventoryOutcome:
    """Size the policies, after a scenario's changes (see the module docstring).

    ``demand_factor``: sku, site_id, factor (missing series: 1). ``main_supplier``:
    sku, site_id, main_supplier (needed by lead-time changes).
    """
    keys = pd.DataFrame({"sku": inputs.sku, "site_id": inputs.site_id})
    changed = inputs
    if demand_factor is not None and not demand_factor.empty:
        factor = keys.merge(demand_factor, on=_KEYS, how="left")["factor"].fillna(1.0)
        f = factor.to_numpy(dtype=np.float64)
        changed = dataclasses.replace(
            changed, demand_mean=changed.demand_mean * f, demand_sd=changed.demand_sd * f
        )
    if lead_time_changes:
        supplier = (
            keys.merge(main_supplier, on=_KEYS, how="left")["main_supplier"]
            if main_supplier is not None
            else pd.Series([None] * len(keys))
        ).to_numpy(dtype=object)
        lead = changed.lead_time_mean_days.copy()
        for change in lead_time_changes:  # a scenario's handful of changes
            hit = supplier == change.supplier
            if change.site is not None:
                hit &= inputs.site_id == change.site
            lead = np.where(hit, np.maximum(lead + change.days, 0.0), lead)
        changed = dataclasses.replace(changed, lead_time_mean_days=lead)
    plan = plan_policy(
        changed,
        PlannerSettings(
            service_level=settings.service_level,
            target=settings.target,
            order_cost=settings.order_cost,
            holding_rate=settings.holding_rate,
            policy=ReviewPolicy.CONTINUOUS,
        ),
    )
    return InventoryOutcome(plan)
