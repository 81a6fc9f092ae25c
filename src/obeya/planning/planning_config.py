"""Settings of the plans built from the warehouse, as one YAML document.

Every key has a documented default (``docs/planning.md``, "The planning config"), so
the file is optional and only needs what differs. Unknown keys are refused and every
problem is reported at once with its file and line. Example::

    demand: {history_days: 91}
    wages: {overtime_premium: 1.5, temp_premium: 1.35}
    aggregate:
      grain: month
      horizon: 12
      production_departments: [production]
      costs: {hire_per_worker: 4000, layoff_per_worker: 6000}
    workforce: {weeks: 13, hire_lead_weeks: 4}
    inventory: {service_level: 0.95}
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from obeya.inventory import ServiceTarget
from obeya.planning._specio import load_document, validate_spec
from obeya.planning.capacity import PeriodGrain

__all__ = [
    "AggregateCostSettings",
    "AggregateSettings",
    "CapacitySettings",
    "DemandSettings",
    "InventorySettings",
    "PlanningConfig",
    "WageSettings",
    "WorkforceConfig",
    "load_planning_config",
]

NonNeg = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]
Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _plan_grain(value: Any) -> Any:
    if value in (PeriodGrain.DAY, "day"):
        raise ValueError("plans are made by week or month; use week or month")
    return value


class DemandSettings(_Section):
    """Where demand comes from: the latest forecast run, else trailing order lines."""

    run: str | None = Field(default=None, description="Forecast run id; null = the latest run")
    history_days: Annotated[int, Field(ge=7)] = Field(
        default=91,
        description="Days of order lines the fallback rate is measured over (no forecast)",
    )


class WageSettings(_Section):
    """Hourly rates: learned from labor_hours unless ``regular_per_hour`` is given."""

    regular_per_hour: Positive | None = Field(
        default=None, description="Regular rate for every site; null = learned per site"
    )
    overtime_premium: Positive = Field(default=1.5, description="Overtime rate / regular rate")
    temp_premium: Positive = Field(default=1.35, description="Temp rate / regular rate")
    history_weeks: Annotated[int, Field(ge=1)] = Field(
        default=26,
        description="Weeks (to as-of) of labor_hours, work orders and shipped units that "
        "rates, crews and labour standards are learned from",
    )


class CapacitySettings(_Section):
    """Rough-cut capacity settings of scenario runs (the command has its own options)."""

    grain: PeriodGrain = Field(default=PeriodGrain.MONTH, description="week or month")
    overload_threshold: Positive = Field(default=1.0, description="Utilisation above it is over")

    @field_validator("grain", mode="before")
    @classmethod
    def _week_or_month(cls, value: Any) -> Any:
        return _plan_grain(value)


class AggregateCostSettings(_Section):
    """Unit costs of the aggregate plan, derived from the products' costs and prices."""

    material_share: Share = Field(
        default=0.6, description="Material cost of a unit made in-house / products.unit_cost"
    )
    holding_rate_per_year: NonNeg = Field(
        default=0.25, description="Holding cost per year / products.unit_cost"
    )
    backlog_share_of_price: NonNeg = Field(
        default=0.05, description="Backlog cost per unit per period / products.unit_price"
    )
    subcontract_premium: NonNeg = Field(
        default=1.25, description="Subcontract cost per unit / products.unit_cost"
    )
    hire_per_worker: NonNeg = Field(default=4000.0, description="One-off cost of a hire")
    layoff_per_worker: NonNeg = Field(default=6000.0, description="One-off cost of a layoff")
    transport_per_unit: NonNeg | None = Field(
        default=None,
        description="Cost of moving a unit between sites; null = shipments' freight per unit",
    )


class AggregateSettings(_Section):
    """The families x sites x periods plan of ``obeya plan aggregate --from-warehouse``."""

    grain: PeriodGrain = Field(default=PeriodGrain.MONTH, description="week or month")
    horizon: Annotated[int, Field(ge=1, le=104)] = Field(default=12, description="Periods")
    production_departments: tuple[str, ...] = Field(
        default=("production",), description="labor_hours departments making the product"
    )
    hours_per_worker_per_day: Annotated[float, Field(gt=0, le=24)] = Field(
        default=8.0, description="Paid regular hours of a worker per working day"
    )
    max_overtime_share: NonNeg = Field(
        default=0.15, description="Overtime hours a worker may add, as a share of regular hours"
    )
    labour_hours_per_resource_hour: Positive | None = Field(
        default=None,
        description="Labour hours per routing hour; null = learned (labour / work-order hours)",
    )
    keep_opening_inventory: bool = Field(
        default=True, description="End the horizon with at least the opening stock"
    )
    include_open_backlog: bool = Field(
        default=True, description="Open order lines past their promised date are owed at start"
    )
    max_final_backlog: NonNeg | None = Field(
        default=0.0, description="Backlog allowed at the end per family and site; null = any"
    )
    integer: bool = Field(default=False, description="Whole workers (a MIP; no shadow prices)")
    costs: AggregateCostSettings = Field(default_factory=AggregateCostSettings)

    @field_validator("grain", mode="before")
    @classmethod
    def _week_or_month(cls, value: Any) -> Any:
        return _plan_grain(value)


class WorkforceConfig(_Section):
    """The weekly staffing plan of ``obeya workforce plan``."""

    weeks: Annotated[int, Field(ge=1, le=104)] = Field(default=13, description="Weeks planned")
    hours_per_fte: Positive = Field(default=40.0, description="Regular hours of an FTE a week")
    max_overtime_hours_per_fte: NonNeg = Field(default=8.0, description="Per FTE per week")
    hire_cost: NonNeg = Field(default=4000.0, description="One-off cost of a hire")
    hire_lead_weeks: Annotated[int, Field(ge=0)] = Field(
        default=4, description="Weeks before a hire starts"
    )
    allow_hires: bool = Field(default=True, description="Consider hiring at all")
    departments: tuple[str, ...] | None = Field(
        default=None, description="labor_hours departments planned; null = all"
    )
    standards: Mapping[str, Mapping[str, Positive]] = Field(
        default_factory=lambda: MappingProxyType({}),
        description="Units per hour by site and department, replacing the learned ones",
    )


class InventorySettings(_Section):
    """The inventory policy a scenario sizes (a continuous-review (s, Q) policy)."""

    service_level: Annotated[float, Field(gt=0, lt=1)] = Field(
        default=0.95, description="The target, a share such as 0.95"
    )
    target: ServiceTarget = Field(
        default=ServiceTarget.CYCLE_SERVICE_LEVEL, description="cycle_service_level or fill_rate"
    )
    holding_rate: Positive = Field(default=0.25, description="Holding cost per year / unit cost")
    order_cost: NonNeg = Field(default=50.0, description="Cost of placing one order")
    history_weeks: Annotated[int, Field(ge=2)] = Field(
        default=26, description="Weeks of order lines the demand variability is measured over"
    )
    lead_time_window_days: Annotated[int, Field(ge=1)] = Field(
        default=365, description="Days of receipts the lead times are measured over"
    )
    default_lead_time_days: NonNeg = Field(
        default=14.0, description="Lead time without receipts or a contract lead time"
    )


class PlanningConfig(_Section):
    """Every setting of the warehouse-based plans; each section is optional."""

    demand: DemandSettings = Field(default_factory=DemandSettings)
    wages: WageSettings = Field(default_factory=WageSettings)
    capacity: CapacitySettings = Field(default_factory=CapacitySettings)
    aggregate: AggregateSettings = Field(default_factory=AggregateSettings)
    workforce: WorkforceConfig = Field(default_factory=WorkforceConfig)
    inventory: InventorySettings = Field(default_factory=InventorySettings)


def load_planning_config(path: str | Path | None) -> PlanningConfig:
    """Read the planning config file; ``None`` gives every default."""
    if path is None:
        return PlanningConfig()
    data, lines = load_document(path)
    return validate_spec(PlanningConfig, data, source=str(path), lines=lines)
