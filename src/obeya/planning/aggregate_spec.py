"""The single-site aggregate plan spec: a YAML/JSON document validated by Pydantic.

Unknown keys are refused (the error names the key, its line and the allowed keys),
and every problem in a document is reported at once. See ``docs/planning.md``.

Example::

    periods: 4
    demand: [1200, 1500, 2100, 1800]
    initial_workforce: 40
    initial_inventory: 300
    initial_backlog: 0
    min_final_inventory: 200
    max_final_backlog: 0
    hours_per_unit: 3
    regular_hours_per_worker: 160      # per period
    max_overtime_hours_per_worker: 12  # per period
    max_subcontract_units: null        # per period; null = unlimited
    integer: false
    costs: {material_per_unit: 12, holding_per_unit: 1.5, backlog_per_unit: 6,
            hire_per_worker: 400, layoff_per_worker: 600, regular_per_hour: 5,
            overtime_per_hour: 7.5, subcontract_per_unit: 35}
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from obeya.errors import SpecError
from obeya.planning._specio import load_document, validate_spec

__all__ = ["AggregateCosts", "AggregateSpec", "load_aggregate_spec", "parse_aggregate_spec"]

NonNeg = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]


class AggregateCosts(BaseModel):
    """Unit costs of an aggregate plan, all in the reporting currency and >= 0."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    material_per_unit: NonNeg = Field(description="Material cost of a unit made in-house")
    holding_per_unit: NonNeg = Field(description="Per unit of ending inventory per period")
    backlog_per_unit: NonNeg = Field(description="Per unit of ending backlog per period")
    hire_per_worker: NonNeg = Field(description="One-off cost of hiring a worker")
    layoff_per_worker: NonNeg = Field(description="One-off cost of laying off a worker")
    regular_per_hour: NonNeg = Field(
        description="Regular wage; every worker on the books is paid all regular hours"
    )
    overtime_per_hour: NonNeg = Field(description="Overtime wage per hour worked")
    subcontract_per_unit: NonNeg = Field(description="All-in cost of a subcontracted unit")


class AggregateSpec(BaseModel):
    """A single-site, single-family aggregate (S&OP) plan over ``periods`` periods."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    periods: Annotated[int, Field(gt=0, description="Number of planning periods")]
    demand: tuple[NonNeg, ...] = Field(description="Units demanded in each period")
    period_labels: tuple[str, ...] | None = Field(
        default=None, description="Names of the periods (e.g. months); default 1..periods"
    )
    initial_workforce: NonNeg = Field(description="Workers on the books before period 1")
    initial_inventory: NonNeg = Field(default=0.0, description="Units on hand before period 1")
    initial_backlog: NonNeg = Field(default=0.0, description="Units owed before period 1")
    min_final_inventory: NonNeg = Field(default=0.0, description="Ending inventory floor")
    max_final_backlog: NonNeg | None = Field(
        default=0.0, description="Ending backlog ceiling; null = no limit"
    )
    hours_per_unit: Positive = Field(description="Labour hours to make one unit")
    regular_hours_per_worker: Positive = Field(description="Paid regular hours per period")
    max_overtime_hours_per_worker: NonNeg = Field(
        default=0.0, description="Overtime hours a worker may work per period"
    )
    max_subcontract_units: NonNeg | None = Field(
        default=None, description="Subcontracted units per period; null = no limit"
    )
    max_workforce: NonNeg | None = Field(
        default=None, description="Most workers on the books in any period; null = no limit"
    )
    max_hires_per_period: NonNeg | None = Field(
        default=None, description="Most hires in one period; null = no limit"
    )
    max_layoffs_per_period: NonNeg | None = Field(
        default=None, description="Most layoffs in one period; null = no limit"
    )
    integer: bool = Field(
        default=False, description="Whole workers (workforce, hires, layoffs): solves a MIP"
    )
    costs: AggregateCosts

    @model_validator(mode="after")
    def _lengths(self) -> Self:
        if len(self.demand) != self.periods:
            raise ValueError(
                f"demand has {len(self.demand)} values but periods is {self.periods}; "
                "give one demand per period"
            )
        if self.period_labels is not None and len(self.period_labels) != self.periods:
            raise ValueError(
                f"period_labels has {len(self.period_labels)} names but periods is "
                f"{self.periods}; give one name per period or leave it out"
            )
        return self

    @property
    def labels(self) -> tuple[str, ...]:
        """Period names: ``period_labels`` or ``1..periods``."""
        if self.period_labels is not None:
            return self.period_labels
        return tuple(str(i) for i in range(1, self.periods + 1))


def parse_aggregate_spec(data: Mapping[str, Any], *, source: str = "<spec>") -> AggregateSpec:
    """Validate an already-parsed document (a mapping) into an :class:`AggregateSpec`."""
    return validate_spec(AggregateSpec, data, source=source)


def load_aggregate_spec(path: str | Path) -> AggregateSpec:
    """Read and validate a YAML or JSON spec file; errors name the file and line."""
    data, lines = load_document(path)
    if not isinstance(data, Mapping):
        raise SpecError(f"{path}: a spec must be a mapping of keys, got {type(data).__name__}")
    return validate_spec(AggregateSpec, data, source=str(path), lines=lines)
