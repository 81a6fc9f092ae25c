"""The scorecard: every KPI of the catalog for one period, with its trend.

For each KPI (and each site on request): value, target, status, change vs the prior
period and vs the same period last year, and the last 13 periods as sparkline data.
All KPIs are computed in one pass over the 13 periods shown plus the year of
look-back their comparisons need (the engine groups measures into few queries); KPIs
that cannot be cut by the requested dimension are shown company-wide.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pyarrow as pa

from obeya.errors import ConfigError, DataError
from obeya.metrics.catalog import Catalog
from obeya.metrics.engine import Source, as_date, detect_as_of, evaluate, parse_dimensions
from obeya.metrics.loader import catalog_for, load_catalog
from obeya.metrics.measures import PERIOD
from obeya.metrics.periods import Grain, parse_period, period_label, period_start, shift
from obeya.metrics.spec import Area, Dimension, Direction, Unit
from obeya.warehouse import Warehouse

__all__ = ["SPARKLINE_PERIODS", "Scorecard", "ScorecardRow", "SparkPoint", "scorecard"]

SPARKLINE_PERIODS = 13


@dataclass(frozen=True)
class SparkPoint:
    period_start: date
    value: float | None


@dataclass(frozen=True)
class ScorecardRow:
    kpi: str
    label: str
    area: Area
    unit: Unit
    direction: Direction
    owner: str
    member: str | None  # the site (or other member) when cut; None for company-wide
    value: float | None
    numerator: float | None
    denominator: float | None
    target: float | None
    status: str | None
    change_vs_prior: float | None
    change_vs_last_year: float | None
    reason: str | None
    sparkline: tuple[SparkPoint, ...]

    @property
    def display(self) -> str:
        """The value as a person reads it, or a dash."""
        return "-" if self.value is None else self.unit.show(self.value)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kpi": self.kpi,
            "label": self.label,
            "area": self.area.value,
            "unit": self.unit.value,
            "direction": self.direction.value,
            "owner": self.owner,
            "member": self.member,
            "value": self.value,
            "display": self.display,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "target": self.target,
            "status": self.status,
            "change_vs_prior": self.change_vs_prior,
            "change_vs_last_year": self.change_vs_last_year,
            "reason": self.reason,
            "sparkline": [
                {"period_start": p.period_start.isoformat(), "value": p.value}
                for p in self.sparkline
            ],
        }


@dataclass(frozen=True)
class Scorecard:
    period_start: date
    grain: Grain
    as_of: date
    by: Dimension | None
    rows: tuple[ScorecardRow, ...]

    @property
    def period(self) -> str:
        return period_label(self.period_start, self.grain)

    def to_rows(self) -> list[dict[str, Any]]:
        return [r.to_dict() for r in self.rows]

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "period_start": self.period_start.isoformat(),
            "grain": self.grain.value,
            "as_of": self.as_of.isoformat(),
            "by": self.by.value if self.by else None,
            "rows": self.to_rows(),
        }

    def to_arrow(self) -> pa.Table:
        """One row per KPI (and member), without the sparkline."""
        rows = [{k: v for k, v in r.to_dict().items() if k != "sparkline"} for r in self.rows]
        return pa.Table.from_pylist(rows)


def scorecard(
    source: Source,
    period: date | str | None = None,
    grain: Grain | str = Grain.MONTH,
    by: str | Dimension | None = None,
    catalog: Catalog | None = None,
    as_of: date | str | None = None,
    kpis: Sequence[str] | None = None,
    periods: int = SPARKLINE_PERIODS,
) -> Scorecard:
    """Every KPI (or ``kpis``) for ``period`` (default: the period holding as_of).

    ``periods`` is the length of the trend (13 by default: the period and the twelve
    before it, so a month compares with the same month last year at a glance).
    """
    if catalog is None:
        catalog = catalog_for(source) if isinstance(source, Warehouse) else load_catalog()
    grain = Grain.parse(grain)
    specs = [catalog.kpi(k) for k in (kpis or catalog.ids)]
    as_of_day = as_date(as_of, "as_of") or detect_as_of(source, catalog, specs)
    if as_of_day is None:
        raise DataError(
            "the warehouse holds no dated rows for these KPIs: load data first, or pass as_of"
        )
    current = period_start(as_of_day, grain) if period is None else parse_period(period, grain)
    if periods < 1:
        raise ConfigError(f"periods must be at least 1, got {periods}")
    first = shift(current, grain, -(periods - 1))
    dim = parse_dimensions([by])[0] if by is not None else None

    cut = [k.id for k in specs if dim is not None and dim in k.dimensions]
    whole = [k.id for k in specs if k.id not in cut]
    tables: list[tuple[pa.Table, Dimension | None]] = []
    for ids, cut_by in ((cut, dim), (whole, None)):
        if ids:
            result = evaluate(
                source,
                ids,
                grain,
                [cut_by] if cut_by else [],
                None,
                first,
                current,
                as_of_day,
                catalog,
            )
            tables.append((result.table, cut_by))

    found: dict[tuple[str, str | None], list[dict[str, Any]]] = {}
    for table, cut_by in tables:
        for row in table.to_pylist():
            member = row.get(cut_by.value) if cut_by is not None else None
            found.setdefault((row["kpi"], member), []).append(row)
    rows: list[ScorecardRow] = []
    for spec in specs:
        keys = sorted(
            (k for k in found if k[0] == spec.id), key=lambda k: (k[1] is None, k[1] or "")
        )
        for key in keys:
            series = sorted(found[key], key=lambda r: r[PERIOD])
            now = next((r for r in series if r[PERIOD] == current), None) or {}
            rows.append(
                ScorecardRow(
                    spec.id,
                    spec.label,
                    spec.area,
                    spec.unit,
                    spec.direction,
                    spec.owner,
                    key[1],
                    now.get("value"),
                    now.get("numerator"),
                    now.get("denominator"),
                    now.get("target"),
                    now.get("status"),
                    now.get("change_vs_prior"),
                    now.get("change_vs_last_year"),
                    now.get("reason", spec.empty_reason),
                    tuple(SparkPoint(r[PERIOD], r["value"]) for r in series),
                )
            )
    return Scorecard(current, grain, as_of_day, dim, tuple(rows))
