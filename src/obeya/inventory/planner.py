"""The SKU x site policy run: classes, targets, policies and what they cost.

:func:`plan_policy` takes the per-series statistics of
:class:`~obeya.inventory.warehouse_inputs.SeriesInputs` and sizes every series at
once with the vectorised engines:

1. ABC by annual value (weekly planning demand x 52 x unit cost) and XYZ by the
   coefficient of variation of the weekly demand history (:func:`abc_xyz_classify`);
2. a service level per series: its class's target from ``class_targets``, else
   ``service_level``;
3. :func:`inventory_policy` twice: (s, Q) with the EOQ for the safety stock, reorder
   point and order quantity, and (R, S) with ``review_period`` for the order-up-to
   level; ``policy`` says which of the two sets the safety stock and the target stock;
4. :func:`newsvendor_quantities` for series whose product is ``phase_out`` or whose
   forecast calls the demand ``seasonal``: one buy for the next ``season_weeks``
   weeks (mean ``d x weeks``, sd ``sd x sqrt(weeks)``), leftovers salvaged at
   ``salvage_rate x unit_cost``; a series whose price does not exceed its cost buys 0.

The **target stock** is what the policy holds on average (safety stock + cycle
stock) or, for a newsvendor series, the season's buy. Both it and today's stock are
valued at the product's ``unit_cost``, so the change between them is a change in
units: ``money_released`` sums ``(on hand - target)+ x cost``, ``money_needed``
sums ``(target - on hand)+ x cost``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import assert_never

import numpy as np
import pandas as pd
import pyarrow as pa
from numpy.typing import NDArray

from obeya.errors import ConfigError
from obeya.inventory._normal import FloatArray
from obeya.inventory.classify import AbcClass, AbcXyzResult, XyzClass, abc_xyz_classify
from obeya.inventory.policy import PolicyResult, ReviewPolicy, ServiceTarget, inventory_policy
from obeya.inventory.seasonal import newsvendor_quantities
from obeya.inventory.warehouse_inputs import SeriesInputs

__all__ = [
    "GroupBy",
    "PlannerSettings",
    "PolicyPlan",
    "class_codes",
    "parse_class_targets",
    "plan_items_table",
    "plan_policy",
    "plan_summary",
]

_CLASS_CODES = tuple(f"{a.value}{x.value}" for a in AbcClass for x in XyzClass)


def class_codes() -> tuple[str, ...]:
    """The nine ABC x XYZ cells in matrix order, ``AX`` to ``CZ``."""
    return _CLASS_CODES


WEEKS_PER_YEAR = 52.0
BoolArray = NDArray[np.bool_]


class GroupBy(StrEnum):
    """How :func:`plan_summary` groups the series."""

    SITE = "site"
    CLASS = "class"
    ITEM = "item"


def _probability(name: str, value: float) -> float:
    if not (math.isfinite(value) and 0.0 < value < 1.0):
        raise ConfigError(
            f"{name} = {value!r}: a service level must lie strictly between 0 and 1; "
            "give a share such as 0.95, not a percentage"
        )
    return float(value)


def parse_class_targets(text: str) -> dict[str, float]:
    """Parse ``"AX=0.98,AY=0.97,CZ=0.85"`` into a mapping; refuses unknown classes."""
    targets: dict[str, float] = {}
    for raw in text.split(","):
        item = raw.strip()
        if not item:
            continue
        name, sep, value = item.partition("=")
        code = name.strip().upper()
        if not sep:
            raise ConfigError(f"class target {item!r}: write CLASS=LEVEL, for example AX=0.98")
        if code not in _CLASS_CODES:
            raise ConfigError(
                f"class target {item!r}: unknown class {name.strip()!r}; classes are "
                f"{', '.join(_CLASS_CODES)}"
            )
        try:
            level = float(value)
        except ValueError:
            raise ConfigError(
                f"class target {item!r}: {value.strip()!r} is not a number; write a share "
                "such as AX=0.98"
            ) from None
        if code in targets:
            raise ConfigError(f"class target {code} is given twice; give each class once")
        targets[code] = _probability(f"class target {code}", level)
    return targets


@dataclass(frozen=True, slots=True)
class PlannerSettings:
    """Targets and costs of the policy run (money in the products' currency)."""

    service_level: float = 0.95
    class_targets: Mapping[str, float] = field(default_factory=dict)
    target: ServiceTarget = ServiceTarget.CYCLE_SERVICE_LEVEL
    order_cost: float = 50.0
    holding_rate: float = 0.25
    review_period: int = 1
    policy: ReviewPolicy = ReviewPolicy.CONTINUOUS
    season_weeks: float = 13.0
    salvage_rate: float = 0.0

    def __post_init__(self) -> None:
        _probability("service level", self.service_level)
        for code, level in self.class_targets.items():
            if code not in _CLASS_CODES:
                raise ConfigError(
                    f"class target {code!r}: unknown class; classes are {', '.join(_CLASS_CODES)}"
                )
            _probability(f"class target {code}", level)
        object.__setattr__(self, "class_targets", MappingProxyType(dict(self.class_targets)))
        checks = [
            ("order cost", self.order_cost, self.order_cost >= 0, "0 or more (money per order)"),
            (
                "holding rate",
                self.holding_rate,
                self.holding_rate > 0,
                "above 0 (a share of unit cost per year, such as 0.25)",
            ),
            (
                "review period",
                self.review_period,
                self.review_period >= 1,
                "a whole number of weeks >= 1",
            ),
            ("season weeks", self.season_weeks, self.season_weeks > 0, "above 0"),
            (
                "salvage rate",
                self.salvage_rate,
                0 <= self.salvage_rate < 1,
                "in [0, 1) (a share of unit cost)",
            ),
        ]
        for name, value, ok, rule in checks:
            if not (math.isfinite(value) and ok):
                raise ConfigError(f"{name} = {value!r}: must be {rule}")


@dataclass(frozen=True, slots=True)
class PolicyPlan:
    """The sized policy of every series (arrays aligned with ``inputs``)."""

    inputs: SeriesInputs
    settings: PlannerSettings
    classes: AbcXyzResult
    service_level: FloatArray
    continuous: PolicyResult
    periodic: PolicyResult
    newsvendor: BoolArray
    newsvendor_quantity: FloatArray
    target_stock: FloatArray
    target_value: FloatArray
    current_value: FloatArray
    annual_cogs: FloatArray

    @property
    def chosen(self) -> PolicyResult:
        """The policy that sets the safety stock and target stock."""
        match self.settings.policy:
            case ReviewPolicy.CONTINUOUS:
                return self.continuous
            case ReviewPolicy.PERIODIC:
                return self.periodic
            case _:
                assert_never(self.settings.policy)

    @property
    def method(self) -> NDArray[np.str_]:
        """Per series: ``newsvendor`` or the chosen policy's name."""
        return np.where(self.newsvendor, "newsvendor", self.settings.policy.value).astype(str)


def plan_policy(inputs: SeriesInputs, settings: PlannerSettings = PlannerSettings()) -> PolicyPlan:
    """Classify and size every series (see the module docstring)."""
    cost = inputs.unit_cost
    annual_value = inputs.demand_mean * WEEKS_PER_YEAR * cost
    classes = abc_xyz_classify(annual_value, inputs.history)
    level = np.full(inputs.size, settings.service_level)
    for code, target in settings.class_targets.items():
        level = np.where(classes.combined == code, target, level)
    # A product without a standard cost cannot be held at a cost; size it at a tiny
    # cost so the formulas stay finite (its value is 0 either way).
    sizing_cost = np.where(cost > 0, cost, 1e-9)

    def size(policy: ReviewPolicy) -> PolicyResult:
        return inventory_policy(
            demand_mean=inputs.demand_mean,
            demand_sd=inputs.demand_sd,
            lead_time_mean=inputs.lead_time_mean_days / 7.0,
            lead_time_sd=inputs.lead_time_sd_days / 7.0,
            unit_cost=sizing_cost,
            order_cost=settings.order_cost,
            holding_rate=settings.holding_rate,
            service_level=level,
            target=settings.target,
            policy=policy,
            review_period=float(settings.review_period),
            periods_per_year=WEEKS_PER_YEAR,
        )

    continuous = size(ReviewPolicy.CONTINUOUS)
    periodic = size(ReviewPolicy.PERIODIC)
    chosen = continuous if settings.policy is ReviewPolicy.CONTINUOUS else periodic
    flagged = (np.char.lower(inputs.lifecycle) == "phase_out") | (
        np.char.lower(inputs.demand_class) == "seasonal"
    )
    salvage = settings.salvage_rate * cost
    economic = (inputs.unit_price > cost) & (cost > 0)
    nv_quantity = np.full(inputs.size, np.nan)
    rows = flagged & economic
    if rows.any():
        weeks = settings.season_weeks
        seasonal = newsvendor_quantities(
            mean=inputs.demand_mean[rows] * weeks,
            sd=inputs.demand_sd[rows] * math.sqrt(weeks),
            unit_cost=cost[rows],
            price=inputs.unit_price[rows],
            salvage=salvage[rows],
        )
        nv_quantity[rows] = seasonal.order_quantity
    nv_quantity = np.where(flagged & ~economic, 0.0, nv_quantity)
    target_stock = np.where(flagged, nv_quantity, chosen.average_inventory)
    return PolicyPlan(
        inputs=inputs,
        settings=settings,
        classes=classes,
        service_level=level,
        continuous=continuous,
        periodic=periodic,
        newsvendor=flagged,
        newsvendor_quantity=nv_quantity,
        target_stock=target_stock,
        target_value=target_stock * cost,
        current_value=inputs.on_hand * cost,
        annual_cogs=annual_value,
    )


def plan_items_table(plan: PolicyPlan) -> pa.Table:
    """One row per series: classes, inputs, policy, target and today's stock."""
    i, c, p = plan.inputs, plan.continuous, plan.periodic
    chosen = plan.chosen
    return pa.table(
        {
            "sku": i.sku,
            "site_id": i.site_id,
            "class": plan.classes.combined,
            "service_level": plan.service_level,
            "method": plan.method,
            "demand_per_week": i.demand_mean,
            "demand_sd": i.demand_sd,
            "demand_source": i.demand_source,
            "sd_source": i.sd_source,
            "lead_time_weeks": i.lead_time_mean_days / 7.0,
            "lead_time_sd_weeks": i.lead_time_sd_days / 7.0,
            "lead_time_source": i.lead_time_source,
            "safety_stock": chosen.safety_stock,
            "reorder_point": c.reorder_point,
            "eoq": c.order_quantity,
            "order_up_to_level": p.order_up_to_level,
            "newsvendor_qty": plan.newsvendor_quantity,
            "target_stock": plan.target_stock,
            "on_hand": i.on_hand,
            "unit_cost": i.unit_cost,
            "target_value": plan.target_value,
            "current_value": plan.current_value,
            "change_value": plan.target_value - plan.current_value,
        }
    )


def plan_summary(plan: PolicyPlan, by: GroupBy) -> pa.Table:
    """Totals per site or per class, and a last row ``all`` over every series.

    ``expected_turns`` = annual cost of goods / target investment; ``current_turns``
    the same over today's stock; ``net_change`` = target - today (positive: money
    needed). ``by=ITEM`` returns :func:`plan_items_table`.
    """
    match by:
        case GroupBy.ITEM:
            return plan_items_table(plan)
        case GroupBy.SITE:
            key, keys = "site_id", plan.inputs.site_id
        case GroupBy.CLASS:
            key, keys = "class", plan.classes.combined
        case _:
            assert_never(by)
    cost = plan.inputs.unit_cost
    gap = plan.target_value - plan.current_value
    frame = pd.DataFrame(
        {
            key: keys,
            "items": 1,
            "annual_cogs": plan.annual_cogs,
            "safety_stock_value": plan.chosen.safety_stock * cost,
            "target_investment": plan.target_value,
            "current_value": plan.current_value,
            "money_released": np.maximum(-gap, 0.0),
            "money_needed": np.maximum(gap, 0.0),
        }
    )
    groups = frame.groupby(key, sort=True).sum(numeric_only=True).reset_index()
    total = frame.drop(columns=[key]).sum().to_frame().T
    total.insert(0, key, "all")
    table = pd.concat([groups, total], ignore_index=True)
    table["items"] = table["items"].astype("int64")
    table["expected_turns"] = _turns(table["annual_cogs"], table["target_investment"])
    table["current_turns"] = _turns(table["annual_cogs"], table["current_value"])
    table["net_change"] = table["target_investment"] - table["current_value"]
    order = [
        key,
        "items",
        "annual_cogs",
        "safety_stock_value",
        "target_investment",
        "expected_turns",
        "current_value",
        "current_turns",
        "money_released",
        "money_needed",
        "net_change",
    ]
    return pa.Table.from_pandas(table[order], preserve_index=False)


def _turns(cogs: pd.Series, value: pd.Series) -> pd.Series:
    numerator = cogs.to_numpy(np.float64)
    denominator = value.to_numpy(np.float64)
    out = np.divide(
        numerator, denominator, out=np.full(numerator.shape, np.nan), where=denominator > 0
    )
    return pd.Series(out, index=cogs.index)
