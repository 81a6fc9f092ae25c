"""The merged, validated KPI catalog and the problems found while building it."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from obeya.errors import SpecError
from obeya.metrics.expressions import ValueType, value_type
from obeya.metrics.spec import EmissionFactors, KpiSpec, MeasureSpec, SourceSpec
from obeya.model import TABLES
from obeya.yamlspec import Loc, line_of

__all__ = [
    "Catalog",
    "Issue",
    "KpiCatalogError",
    "Location",
    "Severity",
    "listing",
    "source_columns",
]


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Location:
    file: str
    line: int | None = None

    def __str__(self) -> str:
        return self.file if self.line is None else f"{self.file}:{self.line}"


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem in a catalog file: where, which object and field, what and the fix."""

    severity: Severity
    location: Location
    obj: str  # "kpi otd", "measure lines_due", "source order_lines", "file"
    field: str | None
    message: str
    fix: str = ""

    def __str__(self) -> str:
        where = f"{self.location}: {self.severity.value}: {self.obj}"
        if self.field:
            where += f", field {self.field}"
        text = f"{where}: {self.message}"
        return f"{text}; fix: {self.fix}" if self.fix else text


class KpiCatalogError(SpecError):
    """A catalog file breaks rules; ``issues`` lists every problem found (errors first)."""

    def __init__(self, issues: Sequence[Issue]) -> None:
        ordered = sorted(
            issues,
            key=lambda i: (i.severity is not Severity.ERROR, i.location.file, i.location.line or 0),
        )
        self.issues = tuple(ordered)
        errors = sum(1 for i in ordered if i.severity is Severity.ERROR)
        head = f"KPI catalog refused: {errors} error{'s' if errors != 1 else ''}"
        super().__init__("\n".join([head, *(str(i) for i in ordered)]))


@dataclass(frozen=True)
class Catalog:
    """Every source, measure and KPI definition after merging the files, in order.

    ``locations`` maps ``(kind, id)`` (kind: kpi, measure, source) to the file and line
    where the object was (last) defined; ``lines`` maps it to the line of each of its
    fields (by path within the object, ``()`` the object itself) so rules can point at
    the line of a field.
    """

    kpis: Mapping[str, KpiSpec]
    measures: Mapping[str, MeasureSpec]
    sources: Mapping[str, SourceSpec]
    emission_factors: EmissionFactors | None
    files: tuple[str, ...]
    locations: Mapping[tuple[str, str], Location] = field(default_factory=dict)
    lines: Mapping[tuple[str, str], Mapping[Loc, int]] = field(
        default_factory=dict, repr=False, compare=False
    )
    warnings: tuple[Issue, ...] = ()

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self.kpis)

    def kpi(self, kpi_id: str) -> KpiSpec:
        try:
            return self.kpis[kpi_id]
        except KeyError:
            raise SpecError(f"unknown KPI {kpi_id!r}; {_suggest(kpi_id, self.kpis)}") from None

    def measure(self, measure_id: str) -> MeasureSpec:
        try:
            return self.measures[measure_id]
        except KeyError:
            raise SpecError(
                f"unknown measure {measure_id!r}; {_suggest(measure_id, self.measures)}"
            ) from None

    def source(self, source_id: str) -> SourceSpec:
        try:
            return self.sources[source_id]
        except KeyError:
            raise SpecError(
                f"unknown source {source_id!r}; {_suggest(source_id, self.sources)}"
            ) from None

    def factors(self) -> dict[str, float]:
        """Emission factors by carrier mode (kg CO2e per tonne-km)."""
        if self.emission_factors is None:
            return {}
        return {mode: f.value for mode, f in self.emission_factors.factors.items()}

    def location(self, kind: str, obj_id: str) -> Location:
        return self.locations.get((kind, obj_id), Location(self.files[-1] if self.files else "?"))

    def field_location(self, kind: str, obj_id: str, path: Sequence[str | int]) -> Location:
        """The line of a field of an object (the object's line when unknown)."""
        base = self.location(kind, obj_id)
        line = line_of(self.lines.get((kind, obj_id), {}), tuple(path))
        return Location(base.file, line if line is not None else base.line)


def _suggest(key: str, known: Mapping[str, object]) -> str:
    near = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    hint = f"did you mean {near[0]!r}? " if near else ""
    return hint + "known: " + listing(list(known))


def source_columns(source: SourceSpec) -> dict[str, ValueType]:
    """Types of the columns a source's expressions can read: its own and ``join.column``."""
    out: dict[str, ValueType] = {}
    table = TABLES.get(source.table_name)
    if table is not None:
        out.update({c.name: value_type(c.type) for c in table.columns})
    for join in source.joins:
        joined = TABLES.get(join.table)
        if joined is not None:
            out.update({f"{join.name}.{c.name}": value_type(c.type) for c in joined.columns})
    return out


def listing(names: Sequence[str], limit: int = 12) -> str:
    """Names for a message, at most ``limit`` of them."""
    shown = ", ".join(names[:limit])
    return shown + (f", ... ({len(names)} in all)" if len(names) > limit else "")
