"""What every section builder reads: the settings, the period, the warehouse and names.

:class:`BriefingSettings` is data (each setting with its default and meaning in
``docs/briefing.md``); :class:`Context` carries the period being reviewed, the
scorecard computed once, and the display names of sites, carriers, suppliers,
customers and resources read from the reference tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, assert_never

from obeya.errors import ConfigError
from obeya.metrics import Catalog, Dimension, Scorecard, ScorecardRow, Status
from obeya.metrics.periods import Grain, period_end, period_label
from obeya.review.links import Page, link
from obeya.review.model import SectionKind, Tone
from obeya.review.narrative import Names
from obeya.warehouse import Warehouse

__all__ = ["BriefingSettings", "Context", "read_names", "status_tone"]

_NAME_TABLES: tuple[tuple[Dimension, str, str], ...] = (
    (Dimension.SITE, "sites", "site_id"),
    (Dimension.CARRIER, "carriers", "carrier_id"),
    (Dimension.SUPPLIER, "suppliers", "supplier_id"),
    (Dimension.CUSTOMER, "customers", "customer_id"),
    (Dimension.RESOURCE, "resources", "resource_id"),
)


@dataclass(frozen=True, slots=True)
class BriefingSettings:
    """How the briefing picks what matters; see docs/briefing.md for each setting."""

    movers: int = 5
    min_mover_size: float = 0.5
    outlook_weeks: int = 8
    excess_weeks: int = 12
    top_items: int = 5
    spc_reference_weeks: int = 13
    spc_max_characteristics: int = 200
    capacity_threshold: float = 1.0
    capacity_horizon: int = 3
    service_level: float = 0.95
    overtime_premium: float = 1.5
    lead_time_drift_days: float = 3.0
    currency: str = ""
    base_url: str | None = None
    sections: tuple[SectionKind, ...] = field(default=tuple(SectionKind))

    def __post_init__(self) -> None:
        whole = [
            ("movers", self.movers, 0),
            ("outlook_weeks", self.outlook_weeks, 1),
            ("excess_weeks", self.excess_weeks, 1),
            ("top_items", self.top_items, 1),
            ("spc_reference_weeks", self.spc_reference_weeks, 2),
            ("spc_max_characteristics", self.spc_max_characteristics, 1),
            ("capacity_horizon", self.capacity_horizon, 1),
        ]
        for name, value, low in whole:
            if value < low:
                raise ConfigError(
                    f"briefing setting {name} = {value!r}: must be a whole number >= {low}"
                )
        positive = [
            ("min_mover_size", self.min_mover_size),
            ("capacity_threshold", self.capacity_threshold),
            ("overtime_premium", self.overtime_premium),
            ("lead_time_drift_days", self.lead_time_drift_days),
        ]
        for name, number in positive:
            if not number > 0:
                raise ConfigError(f"briefing setting {name} = {number!r}: must be above 0")
        if not 0.5 <= self.service_level < 1:
            raise ConfigError(
                f"briefing setting service_level = {self.service_level!r}: give a probability "
                "from 0.5 to below 1, such as 0.95"
            )


@dataclass(frozen=True)
class Context:
    """The period under review and what every section shares."""

    wh: Warehouse
    catalog: Catalog
    grain: Grain
    start: date
    as_of: date
    scorecard: Scorecard
    names: Names
    settings: BriefingSettings

    @property
    def end(self) -> date:
        """The last day of the period (the period may still be running at as_of)."""
        return period_end(self.start, self.grain)

    @property
    def label(self) -> str:
        return period_label(self.start, self.grain)

    @property
    def month(self) -> str:
        """The month holding the period's last day seen (``YYYY-MM``), for monthly data."""
        last = min(self.end, self.as_of)
        return f"{last.year:04d}-{last.month:02d}"

    def row(self, kpi: str) -> ScorecardRow | None:
        """The company-wide scorecard row of ``kpi``."""
        return next((r for r in self.scorecard.rows if r.kpi == kpi and r.member is None), None)

    def link(self, page: Page, **params: str | None) -> str | None:
        """A link to the war room, or None without a base URL (a file has no server)."""
        if self.settings.base_url is None:
            return None
        return link(page, self.settings.base_url, **params)

    def kpi_link(
        self, kpi: str, by: Dimension | None = None, member: str | None = None
    ) -> str | None:
        common: dict[str, Any] = {"kpi": kpi, "period": self.label, "grain": self.grain.value}
        if member is not None and by is not None:
            return self.link(Page.KPI_ROWS, **common, by=by.value, member=member)
        return self.link(Page.KPI, **common, by=by.value if by else None)


def read_names(wh: Warehouse) -> dict[Dimension, dict[str, str]]:
    """Display names per dimension from the reference tables (small tables, read whole)."""
    names: dict[Dimension, dict[str, str]] = {}
    for dim, table, key in _NAME_TABLES:
        frame = wh.table(table).select(key, "name").to_pyarrow().to_pylist()
        names[dim] = {str(r[key]): str(r["name"]) for r in frame if r["name"] is not None}
    return names


def status_tone(status: str | None) -> Tone:
    """green, amber and red as the tones the renderers colour."""
    if status is None:
        return Tone.NEUTRAL
    code = Status(status)
    match code:
        case Status.GREEN:
            return Tone.GOOD
        case Status.AMBER:
            return Tone.WARN
        case Status.RED:
            return Tone.BAD
        case _:
            assert_never(code)
