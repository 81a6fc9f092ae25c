"""A planning scenario: a small YAML document of drivers that override the base.

Example (``docs/planning.md``, "Scenarios", documents every kind and key)::

    description: Peak season with a line down in Wroclaw
    drivers:
      - {kind: demand, change: 0.10, family: Kettles}            # +10 % for a family
      - {kind: capacity, site: P-PL1, change: -0.30, from: 2026-03-01}
      - {kind: lead_time, supplier: SUP003, days: 14}
      - {kind: wages, change: 0.05}
      - {kind: new_resource, resource: P-DE1-L5, site: P-DE1, hours_per_day: 16,
         like: P-DE1-L1}

The keys ``kind``, ``change``, ``family`` and ``site``, and the kinds ``demand`` (or
``volume``) and ``wages``, are those of the finance driver scenarios
(:mod:`obeya.finance.scenario`), so a file with only those drivers feeds both.
Drivers of one kind that overlap multiply, as finance drivers compound.

Checked in stages, every problem reported at once as ``file:line: driver #n (kind):
field: what is wrong``: the schema (one model per kind, unknown keys refused), the
spec's own rules (:data:`SPEC_RULES`), then, when the warehouse is at hand, that
every family, site, supplier and resource named exists (:class:`References`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from obeya.errors import SpecError
from obeya.planning._rules import Problem, Rule, run_rules
from obeya.planning._specio import load_document
from obeya.yamlspec import Loc, line_of, place

__all__ = [
    "SPEC_RULES",
    "CapacityDriver",
    "DemandDriver",
    "LeadTimeDriver",
    "NewResourceDriver",
    "OverrideKind",
    "References",
    "ScenarioDriver",
    "ScenarioSpec",
    "WagesDriver",
    "load_scenario_spec",
    "parse_scenario_spec",
]

Change = Annotated[float, Field(gt=-1, allow_inf_nan=False)]
Name = Annotated[str, Field(min_length=1)]


class OverrideKind(StrEnum):
    """What a scenario driver changes."""

    DEMAND = "demand"
    CAPACITY = "capacity"
    LEAD_TIME = "lead_time"
    WAGES = "wages"
    NEW_RESOURCE = "new_resource"


class _Driver(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DemandDriver(_Driver):
    """Demand x (1 + change) for a family and/or site, in periods starting from..to."""

    kind: Literal["demand", "volume"]
    change: Change
    family: Name | None = None
    site: Name | None = None
    start: dt.date | None = Field(default=None, alias="from")
    end: dt.date | None = Field(default=None, alias="to")

    @property
    def override(self) -> OverrideKind:
        return OverrideKind.DEMAND


class CapacityDriver(_Driver):
    """A site's (or one resource's) hours x (1 + change) on days from..to (inclusive)."""

    kind: Literal["capacity"]
    change: Change
    site: Name
    resource: Name | None = None
    start: dt.date | None = Field(default=None, alias="from")
    end: dt.date | None = Field(default=None, alias="to")

    @property
    def override(self) -> OverrideKind:
        return OverrideKind.CAPACITY


class LeadTimeDriver(_Driver):
    """``days`` more lead time from a supplier (negative: fewer), at one site or all."""

    kind: Literal["lead_time"]
    supplier: Name
    days: Annotated[float, Field(allow_inf_nan=False)]
    site: Name | None = None

    @property
    def override(self) -> OverrideKind:
        return OverrideKind.LEAD_TIME


class WagesDriver(_Driver):
    """Hourly rates x (1 + change), at one site or all."""

    kind: Literal["wages"]
    change: Change
    site: Name | None = None

    @property
    def override(self) -> OverrideKind:
        return OverrideKind.WAGES


class NewResourceDriver(_Driver):
    """A new resource (line) at a site; ``like`` shares an existing resource's work."""

    kind: Literal["new_resource"]
    resource: Name
    site: Name
    hours_per_day: Annotated[float, Field(gt=0, le=24, allow_inf_nan=False)]
    like: Name | None = None
    name: Name | None = None

    @property
    def override(self) -> OverrideKind:
        return OverrideKind.NEW_RESOURCE


ScenarioDriver = Annotated[
    DemandDriver | CapacityDriver | LeadTimeDriver | WagesDriver | NewResourceDriver,
    Field(discriminator="kind"),
]
_MODELS: dict[str, type[_Driver]] = {
    "demand": DemandDriver,
    "volume": DemandDriver,
    "capacity": CapacityDriver,
    "lead_time": LeadTimeDriver,
    "wages": WagesDriver,
    "new_resource": NewResourceDriver,
}


class ScenarioSpec(BaseModel):
    """A named set of drivers; no drivers is the base."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Name | None = None
    description: str | None = None
    drivers: tuple[ScenarioDriver, ...] = ()

    def of(self, kind: OverrideKind) -> list[Any]:
        """The drivers of one kind, in file order."""
        return [d for d in self.drivers if d.override is kind]

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = self.model_dump(mode="json", by_alias=True, exclude_none=True)
        return data


def _label(driver: Any) -> str:
    scope = [
        str(v)
        for v in (getattr(driver, k, None) for k in ("family", "site", "resource", "supplier"))
        if v is not None
    ]
    return str(driver.override.value) + (f" ({', '.join(scope)})" if scope else "")


class DateOrder:
    """``from`` is not after ``to``."""

    def check(self, spec: ScenarioSpec) -> list[Problem]:
        return [
            (("drivers", i, "to"), f"to {d.end} is before from {d.start}; swap them")
            for i, d in enumerate(spec.drivers)
            if isinstance(d, DemandDriver | CapacityDriver)
            and d.start is not None
            and d.end is not None
            and d.end < d.start
        ]


class NoDuplicates:
    """The same driver twice would compound silently (finance refuses it too)."""

    def check(self, spec: ScenarioSpec) -> list[Problem]:
        keys = [
            d.model_dump(exclude={"change", "days", "hours_per_day", "name", "kind"})
            | {"kind": d.override.value}
            for d in spec.drivers
        ]
        text = [repr(sorted(k.items())) for k in keys]
        counts = Counter(text)
        return [
            (
                ("drivers", i),
                f"the same driver ({_label(spec.drivers[i])}) appears {counts[t]} times and would "
                "compound; merge them into one change",
            )
            for i, t in enumerate(text)
            if counts[t] > 1 and text.index(t) != i
        ]


SPEC_RULES: tuple[Rule[ScenarioSpec], ...] = (DateOrder(), NoDuplicates())


@dataclass(frozen=True)
class References:
    """What the warehouse holds: every family, site, supplier and resource named exists.

    ``resources`` maps a resource id to its site.
    """

    families: frozenset[str]
    sites: frozenset[str]
    suppliers: frozenset[str]
    resources: Mapping[str, str]

    def check(self, spec: ScenarioSpec) -> list[Problem]:
        out: list[Problem] = []

        def need(i: int, key: str, value: str | None, known: frozenset[str], what: str) -> None:
            if value is not None and value not in known:
                shown = ", ".join(sorted(known)[:12]) + (" ..." if len(known) > 12 else "")
                out.append(
                    (("drivers", i, key), f"{what} {value!r} is not in the warehouse ({shown})")
                )

        resources = frozenset(self.resources)
        for i, d in enumerate(spec.drivers):
            need(i, "family", getattr(d, "family", None), self.families, "family")
            need(i, "site", getattr(d, "site", None), self.sites, "site")
            need(i, "supplier", getattr(d, "supplier", None), self.suppliers, "supplier")
            if isinstance(d, CapacityDriver):
                need(i, "resource", d.resource, resources, "resource")
            if isinstance(d, NewResourceDriver):
                if d.resource in resources:
                    out.append(
                        (
                            ("drivers", i, "resource"),
                            f"resource {d.resource!r} already exists; give the new one a new id",
                        )
                    )
                need(i, "like", d.like, resources, "resource")
                if (
                    d.like is not None
                    and d.like in self.resources
                    and self.resources[d.like] != d.site
                ):
                    out.append(
                        (
                            ("drivers", i, "like"),
                            f"{d.like!r} is at site {self.resources[d.like]!r}, not {d.site!r}; "
                            "a parallel line must be at the same site",
                        )
                    )
        return out


def _describe(spec_data: Any, loc: Loc) -> tuple[Loc, str]:
    """The loc without Pydantic's union tag, and the field named for a person."""
    if len(loc) >= 3 and loc[0] == "drivers" and isinstance(loc[1], int) and loc[2] in _MODELS:
        loc = (*loc[:2], *loc[3:])
    if len(loc) >= 2 and loc[0] == "drivers" and isinstance(loc[1], int):
        kind = ""
        if isinstance(spec_data, Mapping):
            items = spec_data.get("drivers")
            if (
                isinstance(items, list)
                and loc[1] < len(items)
                and isinstance(items[loc[1]], Mapping)
            ):
                kind = f" ({items[loc[1]].get('kind')})"
        rest = ".".join(str(p) for p in loc[2:])
        return loc, f"driver #{loc[1] + 1}{kind}" + (f": {rest}" if rest else "")
    return loc, ".".join(str(p) for p in loc) or "(top level)"


def _allowed(spec_data: Any, loc: Loc) -> str:
    if len(loc) == 3 and loc[0] == "drivers" and isinstance(spec_data, Mapping):
        item = spec_data["drivers"][loc[1]]
        model = _MODELS.get(str(item.get("kind")))
        if model is not None:
            keys = sorted(f.alias or name for name, f in model.model_fields.items())
            return f"; allowed keys: {', '.join(keys)}"
    if len(loc) == 1:
        return f"; allowed keys: {', '.join(sorted(ScenarioSpec.model_fields))}"
    return ""


def parse_scenario_spec(
    data: Any,
    *,
    source: str = "<scenario>",
    lines: Mapping[Loc, int] | None = None,
    references: References | None = None,
) -> ScenarioSpec:
    """Validate a parsed document: schema, :data:`SPEC_RULES`, then the references."""
    lines = lines or {}
    if not isinstance(data, Mapping):
        raise SpecError(
            f"{source}: a scenario must be a mapping of keys, got {type(data).__name__}"
        )
    try:
        spec = TypeAdapter(ScenarioSpec).validate_python(data)
    except ValidationError as exc:
        problems: list[tuple[int, str]] = []
        for err in exc.errors():
            loc, field = _describe(data, tuple(err["loc"]))
            line = line_of(lines, loc)
            where = place(source, line)
            if err["type"] == "extra_forbidden":
                text = f"unknown key {loc[-1]!r}{_allowed(data, loc)}"
            elif err["type"] == "union_tag_invalid":
                kinds = ", ".join(_MODELS)
                text = f"unknown kind {err.get('input', {}).get('kind')!r}; kinds are {kinds}"
            elif err["type"] == "missing":
                text = "required key is missing; add it"
            else:
                text = f"{err['msg']} (got {err.get('input')!r})"
            problems.append((line or 0, f"{where}: {field}: {text}"))
        problems.sort(key=lambda p: p[0])
        count = len(problems)
        head = f"{source}: the scenario has {count} problem{'s' if count != 1 else ''}"
        raise SpecError("\n".join([head, *(p for _, p in problems)])) from None
    rules: list[Rule[ScenarioSpec]] = list(SPEC_RULES)
    if references is not None:
        rules.append(references)
    found = run_rules(spec, rules)
    if found:
        rows = sorted(
            ((line_of(lines, loc) or 0, _describe(data, loc)[1], msg) for loc, msg in found),
            key=lambda r: r[0],
        )
        count = len(rows)
        head = f"{source}: the scenario has {count} problem{'s' if count != 1 else ''}"
        body = [f"{place(source, line or None)}: {field}: {msg}" for line, field, msg in rows]
        raise SpecError("\n".join([head, *body]))
    return spec


def load_scenario_spec(
    path: str | Path, references: References | None = None
) -> tuple[ScenarioSpec, str]:
    """Read and validate a scenario file; returns the spec and the file's text."""
    data, lines = load_document(path)
    text = Path(path).read_text(encoding="utf-8")
    return parse_scenario_spec(data, source=str(path), lines=lines, references=references), text
