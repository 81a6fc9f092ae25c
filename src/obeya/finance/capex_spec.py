"""The capital-projects spec: YAML validated by Pydantic, errors with file and line.

A spec holds a discount rate, an optional budget and a list of projects, each with
either explicit yearly cash flows or the drivers they are derived from::

    discount_rate: 0.09
    budget: 500000            # year-0 capex budget; or a list, one budget per year
    projects:
      - id: palletiser
        cash_flows: [-250000, 60000, 70000, 80000, 80000, 60000]
      - id: agv
        capex: 400000
        annual_savings: 120000
        life: 6
        tax_rate: 0.25
        depreciation: macrs_5
        salvage: 20000
        requires: [wms]
        excludes: [agv_lite]

Checking happens in three stages: the YAML itself (syntax, duplicate keys), the
schema (types, ranges, unknown keys refused, explicit-versus-derived), then the
rules across projects (unique ids, known references). Every problem is collected and
reported at once as a :class:`~obeya.errors.SpecError`, each line naming the file,
the line, the project id and the field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Self

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from obeya.errors import SpecError
from obeya.finance.cashflow import CashFlowDrivers, derive_cash_flows
from obeya.finance.depreciation import DepreciationMethod
from obeya.yamlspec import Loc, line_of, load_yaml

__all__ = ["CapexSpec", "ProjectSpec", "load_capex_spec", "parse_capex_spec"]

_DERIVED_FIELDS = (
    "capex",
    "annual_savings",
    "opex_change",
    "life",
    "salvage",
    "tax_rate",
    "depreciation",
    "working_capital",
)
_FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
_Loc = Loc


class ProjectSpec(BaseModel):
    """One candidate project: explicit ``cash_flows`` or the drivers to derive them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, Field(min_length=1, pattern=r"^\S(.*\S)?$")]
    cash_flows: Annotated[tuple[_FiniteFloat, ...], Field(min_length=2)] | None = None
    capex: Annotated[float, Field(ge=0, allow_inf_nan=False)] | None = None
    annual_savings: _FiniteFloat | None = None
    opex_change: _FiniteFloat = 0.0
    life: Annotated[int, Field(ge=1, le=100)] | None = None
    salvage: Annotated[float, Field(ge=0, allow_inf_nan=False)] = 0.0
    tax_rate: Annotated[float, Field(ge=0, lt=1)] = 0.0
    depreciation: DepreciationMethod = DepreciationMethod.STRAIGHT_LINE
    working_capital: Annotated[float, Field(ge=0, allow_inf_nan=False)] = 0.0
    requires: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    mandatory: bool = False

    @model_validator(mode="after")
    def _explicit_or_derived(self) -> Self:
        derived_given = [f for f in _DERIVED_FIELDS if f in self.model_fields_set]
        if self.cash_flows is not None:
            if derived_given:
                raise ValueError(
                    f"give either cash_flows or drivers, not both: remove "
                    f"{', '.join(derived_given)} or remove cash_flows"
                )
            return self
        missing = [f for f in ("capex", "annual_savings", "life") if getattr(self, f) is None]
        if missing:
            raise ValueError(
                f"a project needs cash_flows, or capex, annual_savings and life to derive them; "
                f"missing: {', '.join(missing)}"
            )
        return self

    @property
    def is_derived(self) -> bool:
        return self.cash_flows is None

    def drivers(self) -> CashFlowDrivers | None:
        """The drivers of a derived project (None for explicit cash flows)."""
        if self.capex is None or self.annual_savings is None or self.life is None:
            return None
        return CashFlowDrivers(
            capex=self.capex,
            annual_savings=self.annual_savings,
            life=self.life,
            tax_rate=self.tax_rate,
            depreciation=self.depreciation,
            salvage=self.salvage,
            opex_change=self.opex_change,
            working_capital=self.working_capital,
        )

    def flows(self) -> NDArray[np.float64]:
        """Yearly cash flows, year 0 first: as given, or derived from the drivers."""
        drivers = self.drivers()
        if drivers is None:
            return np.asarray(self.cash_flows, dtype=np.float64)
        return derive_cash_flows(drivers)


class CapexSpec(BaseModel):
    """A set of candidate projects, the rate to discount them and the budget."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    discount_rate: Annotated[float, Field(gt=-1, lt=10)]
    finance_rate: Annotated[float, Field(gt=-1, lt=10)] | None = None
    reinvest_rate: Annotated[float, Field(gt=-1, lt=10)] | None = None
    budget: (
        Annotated[float, Field(ge=0, allow_inf_nan=False)]
        | Annotated[
            tuple[Annotated[float, Field(ge=0, allow_inf_nan=False)], ...], Field(min_length=1)
        ]
        | None
    ) = None
    projects: Annotated[tuple[ProjectSpec, ...], Field(min_length=1)]

    def project(self, project_id: str) -> ProjectSpec:
        for p in self.projects:
            if p.id == project_id:
                return p
        raise SpecError(
            f"no project {project_id!r} in the spec; known ids: "
            + ", ".join(p.id for p in self.projects)
        )

    def budgets(self) -> tuple[float, ...]:
        """The budget per year (year 0 first); empty when there is no budget."""
        if self.budget is None:
            return ()
        if isinstance(self.budget, tuple):
            return self.budget
        return (self.budget,)


# ------------------------------------------------------------------ YAML with lines


def _describe(source: str, lines: Mapping[_Loc, int], data: object, loc: _Loc, msg: str) -> str:
    """``file:line: project 'id': field: message`` for a location in the document."""
    where = source
    line = line_of(lines, loc)
    if line is not None:
        where += f":{line}"
    parts = [where]
    rest: _Loc = loc
    if len(loc) >= 2 and loc[0] == "projects" and isinstance(loc[1], int):
        project_id = None
        projects = data.get("projects") if isinstance(data, dict) else None
        if isinstance(projects, list) and loc[1] < len(projects):
            item = projects[loc[1]]
            if isinstance(item, dict):
                project_id = item.get("id")
        parts.append(
            f"project {project_id!r}" if project_id is not None else f"project #{loc[1] + 1}"
        )
        rest = loc[2:]
    if rest:
        parts.append(".".join(str(p) for p in rest))
    return ": ".join(parts) + ": " + msg


def _reference_problems(spec: CapexSpec) -> list[tuple[_Loc, str]]:
    """Rules across projects: unique ids, references to known, other projects."""
    problems: list[tuple[_Loc, str]] = []
    ids = [p.id for p in spec.projects]
    seen: set[str] = set()
    for i, pid in enumerate(ids):
        if pid in seen:
            problems.append(
                (("projects", i, "id"), f"duplicate project id {pid!r}; ids must be unique")
            )
        seen.add(pid)
    known = set(ids)
    for i, p in enumerate(spec.projects):
        for kind, refs in (("requires", p.requires), ("excludes", p.excludes)):
            for j, ref in enumerate(refs):
                if ref == p.id:
                    problems.append(
                        (("projects", i, kind, j), f"a project cannot list itself in {kind}")
                    )
                elif ref not in known:
                    problems.append(
                        (
                            ("projects", i, kind, j),
                            f"unknown project {ref!r}; known ids: {', '.join(sorted(known))}",
                        )
                    )
    return problems


def _validate(
    data: object, source: str, lines: Mapping[_Loc, int], dups: Sequence[_Loc]
) -> CapexSpec:
    problems: list[tuple[_Loc, str]] = [
        (loc, "duplicate key; each key may appear once") for loc in dups
    ]
    spec: CapexSpec | None = None
    try:
        spec = CapexSpec.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown key (not allowed here); check the spelling or remove it"
            elif not isinstance(err.get("input"), dict | list):
                msg += f" (got {err.get('input')!r})"
            problems.append((tuple(err["loc"]), msg))
    if spec is not None:  # rules across projects need a spec that passed the schema
        problems += _reference_problems(spec)
    if problems:
        problems.sort(key=lambda p: line_of(lines, p[0]) or 0)
        messages = [_describe(source, lines, data, loc, msg) for loc, msg in problems]
        head = f"capex spec {source} has {len(messages)} problem{'s' if len(messages) != 1 else ''}"
        raise SpecError("\n".join([head, *messages]))
    assert spec is not None
    return spec


def parse_capex_spec(data: object, source: str = "<capex spec>") -> CapexSpec:
    """Validate an already-parsed document (a dict) into a :class:`CapexSpec`."""
    return _validate(data, source, {}, ())


def load_capex_spec(path: str | Path) -> CapexSpec:
    """Read and validate a capex spec YAML file; every problem names file:line."""
    p = Path(path)
    data, lines, dups = load_yaml(p, "capex spec")
    if not isinstance(data, dict):
        raise SpecError(
            f"{p}:1: a capex spec is a mapping with discount_rate and projects, "
            f"got {type(data).__name__}"
        )
    return _validate(data, str(p), lines, dups)
