"""The KPI catalog as typed, frozen models.

A catalog file (YAML) has five sections, each a list of objects or a mapping:

``sources``
    the tables KPIs read, with a base filter (cancelled order lines never count),
    lookup joins (a product's family, the carrier of an order's first shipment) and
    the dimensions each one can be cut by, as expressions over the table.
``measures``
    aggregates over one source: an expression, a filter, the date each row is
    attributed by, and a *kind* for the few that need special logic (percentiles,
    counts of whole orders, inventory at the latest snapshot, ...).
``kpis``
    the definitions people read: label, unit, direction, a formula over measures
    (numerator and denominator, or a single value), dimensions, target, owner.
``targets``
    overrides of targets only (a company file uses it to set its own goals).
``emission_factors``
    kg CO2e per tonne-km for each carrier mode, with the source and year.

Expressions are small Python-like formulas (see :mod:`obeya.metrics.expressions`).
Every model forbids unknown keys and is immutable.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal, assert_never

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from obeya.metrics.periods import Grain

__all__ = [
    "Aggregation",
    "Area",
    "CatalogDocument",
    "Dimension",
    "Direction",
    "EmissionFactor",
    "EmissionFactors",
    "EntityDate",
    "FormulaSpec",
    "JoinSpec",
    "KpiSpec",
    "MeasureKind",
    "MeasureSpec",
    "NoneIn",
    "RecentActivity",
    "SourceSpec",
    "Status",
    "TargetSpec",
    "Thresholds",
    "Unit",
]

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
Expression = Annotated[str, StringConstraints(min_length=1, max_length=2000)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=False)


class Unit(StrEnum):
    """What a KPI's value measures; decides how it is shown."""

    RATIO = "ratio"  # a share stored as a fraction (0.882), shown as a percentage (88.2%)
    DAYS = "days"
    CURRENCY = "currency"
    UNITS = "units"
    UNITS_PER_DAY = "units_per_day"
    UNITS_PER_HOUR = "units_per_hour"
    CURRENCY_PER_UNIT = "currency_per_unit"
    TIMES_PER_YEAR = "times_per_year"
    PER_200K_HOURS = "per_200k_hours"  # OSHA incidence rate: cases per 100 full-time workers a year
    PPM = "ppm"
    SCORE = "score"  # NPS, from -100 to 100
    KG = "kg"
    KG_PER_UNIT = "kg_per_unit"
    KWH_PER_UNIT = "kwh_per_unit"

    def show(self, value: float) -> str:
        """The value as a person reads it (``88.2%``, ``4.3 days``, ``1,234``)."""
        match self:
            case Unit.RATIO:
                return f"{value * 100:.1f}%"
            case Unit.DAYS:
                return f"{value:.1f} days"
            case Unit.CURRENCY | Unit.UNITS | Unit.KG:
                return f"{value:,.0f}"
            case Unit.UNITS_PER_DAY:
                return f"{value:,.1f} units/day"
            case Unit.UNITS_PER_HOUR:
                return f"{value:,.2f} units/h"
            case Unit.CURRENCY_PER_UNIT:
                return f"{value:,.2f} per unit"
            case Unit.TIMES_PER_YEAR:
                return f"{value:.1f}x"
            case Unit.PER_200K_HOURS:
                return f"{value:.2f}"
            case Unit.PPM:
                return f"{value:,.0f} ppm"
            case Unit.SCORE:
                return f"{value:.1f}"
            case Unit.KG_PER_UNIT:
                return f"{value:.3f} kg/unit"
            case Unit.KWH_PER_UNIT:
                return f"{value:.3f} kWh/unit"
            case _:
                assert_never(self)

    def show_change(self, change: float) -> str:
        """A difference, without sign: ratios in percentage points (``4.1 pts``)."""
        size = abs(change)
        match self:
            case Unit.RATIO:
                return f"{size * 100:.1f} pts"
            case _:
                return self.show(size)


class Direction(StrEnum):
    HIGHER = "higher"  # higher is better
    LOWER = "lower"


class Status(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"


class Area(StrEnum):
    """Where a KPI belongs on the wall (sections of the scorecard and the docs)."""

    SERVICE = "service"
    FINANCE = "finance"
    INVENTORY = "inventory"
    LOGISTICS = "logistics"
    LABOR = "labor"
    PRODUCTION = "production"
    QUALITY = "quality"
    PROCUREMENT = "procurement"
    CUSTOMER = "customer"
    SAFETY = "safety"
    SUSTAINABILITY = "sustainability"


class Dimension(StrEnum):
    """The names a KPI can be cut by; each source maps them to columns or joins."""

    SITE = "site"
    CUSTOMER = "customer"
    CHANNEL = "channel"
    FAMILY = "family"
    SKU = "sku"
    CARRIER = "carrier"
    SUPPLIER = "supplier"
    RESOURCE = "resource"
    MODE = "mode"
    DEPARTMENT = "department"
    PRIORITY = "priority"
    CATEGORY = "category"
    SEGMENT = "segment"


class Aggregation(StrEnum):
    SUM = "sum"
    COUNT = "count"
    MIN = "min"
    MAX = "max"

    @property
    def additive(self) -> bool:
        """Sums over members add up to the sum over their union."""
        return self in (Aggregation.SUM, Aggregation.COUNT)


class MeasureKind(StrEnum):
    """How a measure aggregates; each kind is one piece of engine logic."""

    AGGREGATE = "aggregate"  # agg(expr) over rows whose date falls in the period
    PERCENTILE = "percentile"  # linear-interpolated percentile of expr
    ENTITY_COUNT = "entity_count"  # whole entities (orders) dated by their latest row
    SNAPSHOT_LATEST = "snapshot_latest"  # agg(expr) at the period's latest snapshot date
    SNAPSHOT_MEAN = "snapshot_mean"  # sum(expr) over snapshots / number of snapshot dates


class EntityDate(StrEnum):
    MAX = "max"  # an order is due when its latest line is due
    MIN = "min"


# --------------------------------------------------------------------- sources


class JoinSpec(_Frozen):
    """A lookup join: columns of ``table`` become ``<name>.<column>`` in expressions.

    With ``first_by`` the joined table is first cut to one row per key, the first in
    that order (for example the first shipment of an order); without it the key must
    be unique in ``table`` (a product's sku).
    """

    name: Identifier
    table: Identifier
    keys: dict[Identifier, Identifier] = Field(min_length=1)  # source column -> joined column
    first_by: tuple[Identifier, ...] = ()


class SourceSpec(_Frozen):
    id: Identifier
    table: Identifier | None = None  # defaults to the id
    description: str = ""
    filter: Expression | None = None
    joins: tuple[JoinSpec, ...] = ()
    dimensions: dict[Dimension, Expression] = Field(default_factory=dict)
    # A record (snapshots, hours, meter readings), not an event log: a period without
    # rows is unknown, not zero, and KPIs reading it are null with this reason.
    missing: str | None = None

    @property
    def table_name(self) -> str:
        return self.table or self.id

    def join(self, name: str) -> JoinSpec | None:
        return next((j for j in self.joins if j.name == name), None)


# --------------------------------------------------------------------- measures


class NoneIn(_Frozen):
    """Entities whose id appears in ``source.column`` (rows dated up to as_of) do not count."""

    source: Identifier
    column: Identifier
    date: Expression


class RecentActivity(_Frozen):
    """Only rows with activity in ``source`` in the trailing ``days`` days count."""

    source: Identifier
    keys: dict[Identifier, Identifier] = Field(min_length=1)  # snapshot column -> other column
    date: Expression
    days: int = Field(gt=0, le=3660)


class MeasureSpec(_Frozen):
    id: Identifier
    description: str = ""
    source: Identifier
    kind: MeasureKind = MeasureKind.AGGREGATE
    agg: Aggregation = Aggregation.SUM
    expr: Expression | None = None
    filter: Expression | None = None
    date: Expression
    resolution: Grain = Grain.DAY  # the finest grain the date supports (month for YYYY-MM data)
    quantile: float | None = Field(default=None, gt=0, lt=1)
    entity: Identifier | None = None
    entity_date: EntityDate = EntityDate.MAX
    every: Expression | None = None
    none_in: NoneIn | None = None
    recent: RecentActivity | None = None

    @property
    def additive(self) -> bool:
        """Values over disjoint members add up to the value over their union."""
        match self.kind:
            case MeasureKind.PERCENTILE:
                return False
            case MeasureKind.ENTITY_COUNT | MeasureKind.SNAPSHOT_MEAN:
                return True
            case MeasureKind.AGGREGATE | MeasureKind.SNAPSHOT_LATEST:
                return self.agg.additive
            case _:
                assert_never(self.kind)


# --------------------------------------------------------------------- KPIs


class FormulaSpec(_Frozen):
    """``numerator`` / ``denominator``, or a single ``value``, over measure ids.

    Both are arithmetic over measure ids, numbers and ``period_days`` (the calendar
    days of the period up to as_of). ``fallback`` is used for a row where the
    primary denominator is empty (or for a cut the primary measures cannot make).
    """

    numerator: Expression | None = None
    denominator: Expression | None = None
    value: Expression | None = None
    fallback: FormulaSpec | None = None

    @model_validator(mode="after")
    def _one_form(self) -> FormulaSpec:
        ratio = self.numerator is not None or self.denominator is not None
        if ratio and self.value is not None:
            raise ValueError("give either numerator and denominator, or value, not both")
        if ratio and (self.numerator is None or self.denominator is None):
            raise ValueError("a ratio needs both numerator and denominator")
        if not ratio and self.value is None:
            raise ValueError("give numerator and denominator, or value")
        if self.fallback is not None and self.value is not None:
            raise ValueError("fallback applies to ratios only")
        return self

    @property
    def is_ratio(self) -> bool:
        return self.value is None

    def expressions(self) -> list[tuple[str, str]]:
        """(field path, expression) for every expression of the formula."""
        out = [
            (n, e)
            for n, e in (
                ("numerator", self.numerator),
                ("denominator", self.denominator),
                ("value", self.value),
            )
            if e is not None
        ]
        if self.fallback is not None:
            out += [(f"fallback.{n}", e) for n, e in self.fallback.expressions()]
        return out


class Thresholds(_Frozen):
    """A goal and the levels where the status turns amber and red.

    For a higher-is-better KPI: green at or above ``amber`` (by default the target
    itself), amber from ``red`` up to ``amber``, red below ``red``. Mirrored for
    lower-is-better.
    """

    value: float
    amber: float | None = None
    red: float

    @property
    def amber_level(self) -> float:
        return self.value if self.amber is None else self.amber


class TargetSpec(Thresholds):
    """The company-wide thresholds, with per-site overrides."""

    sites: dict[str, Thresholds] = Field(default_factory=dict)

    def for_site(self, site: str | None) -> Thresholds:
        if site is not None and site in self.sites:
            return self.sites[site]
        return Thresholds(value=self.value, amber=self.amber, red=self.red)


class KpiSpec(_Frozen):
    id: Identifier
    label: str = Field(min_length=1)
    description: str = Field(min_length=1)
    area: Area
    unit: Unit
    direction: Direction
    formula: FormulaSpec
    dimensions: tuple[Dimension, ...] = ()
    target: TargetSpec | None = None
    owner: str = ""
    empty_reason: str = Field(min_length=1)  # why the value is null in a period without data
    references: str = ""  # where the definition comes from (SCOR, APQC, OSHA, ...)


class EmissionFactor(_Frozen):
    value: float = Field(ge=0)
    note: str = ""


class EmissionFactors(_Frozen):
    """kg CO2e per tonne-km for each carrier mode, with where the numbers come from."""

    source: str = Field(min_length=1)
    year: int = Field(ge=1990, le=2100)
    unit: Literal["kg CO2e per tonne-km"] = "kg CO2e per tonne-km"
    basis: str = ""
    factors: dict[Identifier, EmissionFactor] = Field(min_length=1)


class CatalogDocument(_Frozen):
    """One catalog file as written (the sections are merged across files later)."""

    version: Literal[1] = 1
    emission_factors: EmissionFactors | None = None
    sources: tuple[SourceSpec, ...] = ()
    measures: tuple[MeasureSpec, ...] = ()
    kpis: tuple[KpiSpec, ...] = ()
    targets: dict[Identifier, TargetSpec] = Field(default_factory=dict)
