"""The roster spec: a YAML document that becomes a :class:`~obeya.planning.RosterProblem`.

Example (``docs/planning.md``, "obeya workforce roster", documents every key)::

    start_date: 2026-03-02            # optional: names the days
    profiles:                         # staff required per hour of a day
      weekday:
        blocks:                       # blocks add up; hours outside them need nobody
          - {start_hour: 6, end_hour: 14, staff: 2}
          - {start_hour: 14, end_hour: 22, staff: 2}
      weekend:
        hours: [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0]
    requirement: [weekday, weekday, weekday, weekday, weekday, weekend, weekend]
    shifts:
      - {name: early, start_hour: 6, length_hours: 8}
      - {name: late, start_hour: 14, length_hours: 8, cost_per_hour: 2}
    staff:
      - {id: ana, cost_per_hour: 22, unavailable_days: [5, 6], shifts: [early]}
      - {id: temp, count: 2, cost_per_hour: 30, max_hours_per_week: 24}
    rules: {max_hours_per_week: 40, min_rest_hours: 11, min_days_off_per_week: 2,
            max_consecutive_days: 6}
    coverage: soft                    # or hard: every required hour must be covered
    understaffing_penalty_per_hour: 1000

Checked in three stages, every problem reported at once as ``file:line: field:
what is wrong``: the schema (unknown keys refused), then the rules of
:data:`ROSTER_RULES` (profile names, shift names, day numbers, ...).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field

from obeya.errors import SpecError
from obeya.planning._rules import Problem, Rule, raise_problems, run_rules
from obeya.planning._specio import load_document, validate_spec
from obeya.planning.roster import (
    CoverageMode,
    LabourRules,
    RosterProblem,
    RosterResult,
    ShiftTemplate,
    StaffMember,
)

__all__ = [
    "ROSTER_RULES",
    "RosterReport",
    "RosterSpec",
    "load_roster_spec",
    "parse_roster_spec",
    "roster_report",
]

NonNeg = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Hour = Annotated[int, Field(ge=0, le=23)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Block(_Model):
    """``staff`` people from ``start_hour`` to ``end_hour`` (exclusive)."""

    start_hour: Hour
    end_hour: Annotated[int, Field(ge=1, le=24)]
    staff: Annotated[int, Field(ge=0)]


class Profile(_Model):
    """A day's requirement: 24 hourly counts (``hours``) or ``blocks``, not both."""

    hours: tuple[Annotated[int, Field(ge=0)], ...] | None = None
    blocks: tuple[Block, ...] | None = None

    def counts(self) -> NDArray[np.int64]:
        """The 24 hourly counts (blocks add up)."""
        if self.hours is not None:
            return np.asarray(self.hours, dtype=np.int64)
        out = np.zeros(24, dtype=np.int64)
        for b in self.blocks or ():  # a profile's handful of blocks
            out[b.start_hour : b.end_hour] += b.staff
        return out


class Shift(_Model):
    name: Annotated[str, Field(min_length=1)]
    start_hour: Hour
    length_hours: Annotated[int, Field(ge=1, le=24)]
    cost_per_hour: NonNeg = 0.0
    cost_per_shift: NonNeg = 0.0


class Staff(_Model):
    """A person, or ``count`` identical people named ``id-1`` ... ``id-n``."""

    id: Annotated[str, Field(min_length=1)]
    count: Annotated[int, Field(ge=1)] = 1
    cost_per_hour: NonNeg = 0.0
    max_hours_per_week: Annotated[int, Field(ge=0)] | None = None
    unavailable_days: tuple[Annotated[int, Field(ge=0)], ...] = ()
    shifts: tuple[str, ...] | None = None

    def ids(self) -> list[str]:
        return (
            [self.id] if self.count == 1 else [f"{self.id}-{i}" for i in range(1, self.count + 1)]
        )


class Rules(_Model):
    max_hours_per_week: Annotated[int, Field(ge=0)] = 40
    min_rest_hours: Annotated[int, Field(ge=0)] = 11
    min_days_off_per_week: Annotated[int, Field(ge=0, le=7)] = 2
    max_consecutive_days: Annotated[int, Field(ge=1)] = 6


class RosterSpec(_Model):
    """A roster problem as a document; :meth:`problem` builds the engine's input."""

    start_date: dt.date | None = None
    profiles: Mapping[str, Profile]
    requirement: Annotated[tuple[str, ...], Field(min_length=1)]
    shifts: Annotated[tuple[Shift, ...], Field(min_length=1)]
    staff: Annotated[tuple[Staff, ...], Field(min_length=1)]
    rules: Rules = Field(default_factory=Rules)
    coverage: CoverageMode = CoverageMode.SOFT
    understaffing_penalty_per_hour: NonNeg = 1000.0

    @property
    def days(self) -> int:
        return len(self.requirement)

    def day_labels(self) -> list[str]:
        """ISO dates from ``start_date``, else ``day 1`` ... ``day n``."""
        if self.start_date is None:
            return [f"day {d + 1}" for d in range(self.days)]
        return [(self.start_date + dt.timedelta(days=d)).isoformat() for d in range(self.days)]

    def problem(self) -> RosterProblem:
        required = np.stack([self.profiles[name].counts() for name in self.requirement])
        return RosterProblem(
            required=required,
            shifts=[
                ShiftTemplate(
                    s.name, s.start_hour, s.length_hours, s.cost_per_hour, s.cost_per_shift
                )
                for s in self.shifts
            ],
            staff=[
                StaffMember(
                    staff_id=sid,
                    cost_per_hour=p.cost_per_hour,
                    max_hours_per_week=p.max_hours_per_week,
                    unavailable_days=frozenset(p.unavailable_days),
                    shifts=None if p.shifts is None else frozenset(p.shifts),
                )
                for p in self.staff
                for sid in p.ids()
            ],
            rules=LabourRules(
                max_hours_per_week=self.rules.max_hours_per_week,
                min_rest_hours=self.rules.min_rest_hours,
                min_days_off_per_week=self.rules.min_days_off_per_week,
                max_consecutive_days=self.rules.max_consecutive_days,
            ),
            understaffing_penalty_per_hour=self.understaffing_penalty_per_hour,
            coverage=self.coverage,
        )


class ProfileShape:
    """A profile gives 24 ``hours`` or ``blocks``, exactly one; blocks end after they start."""

    def check(self, spec: RosterSpec) -> list[Problem]:
        out: list[Problem] = []
        for name, p in spec.profiles.items():
            if (p.hours is None) == (p.blocks is None):
                out.append(
                    (("profiles", name), "give either hours (24 counts) or blocks, not both")
                )
            if p.hours is not None and len(p.hours) != 24:
                out.append(
                    (
                        ("profiles", name, "hours"),
                        f"has {len(p.hours)} counts; give 24, one per hour",
                    )
                )
            for i, b in enumerate(p.blocks or ()):
                if b.end_hour <= b.start_hour:
                    out.append(
                        (
                            ("profiles", name, "blocks", i),
                            f"end_hour {b.end_hour} must be after start_hour {b.start_hour}",
                        )
                    )
        return out


class KnownProfiles:
    """Every day of the requirement names a profile."""

    def check(self, spec: RosterSpec) -> list[Problem]:
        known = ", ".join(sorted(spec.profiles)) or "none"
        return [
            (("requirement", d), f"unknown profile {name!r}; profiles are {known}")
            for d, name in enumerate(spec.requirement)
            if name not in spec.profiles
        ]


class UniqueNames:
    """Shift names and staff ids are unique (after ``count`` expands them)."""

    def check(self, spec: RosterSpec) -> list[Problem]:
        out: list[Problem] = []
        shifts = Counter(s.name for s in spec.shifts)
        out += [
            (("shifts", i, "name"), f"shift {s.name!r} is defined {shifts[s.name]} times")
            for i, s in enumerate(spec.shifts)
            if shifts[s.name] > 1
        ]
        ids = Counter(sid for p in spec.staff for sid in p.ids())
        out += [
            (("staff", i, "id"), f"staff id {sid!r} is used {ids[sid]} times; ids must be unique")
            for i, p in enumerate(spec.staff)
            for sid in p.ids()
            if ids[sid] > 1
        ]
        return out


class StaffReferences:
    """Staff may only name shifts that exist and days inside the horizon."""

    def check(self, spec: RosterSpec) -> list[Problem]:
        names = {s.name for s in spec.shifts}
        out: list[Problem] = []
        for i, p in enumerate(spec.staff):
            unknown = sorted(set(p.shifts or ()) - names)
            if unknown:
                out.append(
                    (
                        ("staff", i, "shifts"),
                        f"unknown shift(s) {', '.join(unknown)}; shifts are {', '.join(sorted(names))}",
                    )
                )
            outside = sorted(d for d in p.unavailable_days if d >= spec.days)
            if outside:
                out.append(
                    (
                        ("staff", i, "unavailable_days"),
                        f"day(s) {outside} are outside the horizon of {spec.days} days "
                        f"(days count from 0 to {spec.days - 1})",
                    )
                )
        return out


ROSTER_RULES: tuple[Rule[RosterSpec], ...] = (
    ProfileShape(),
    KnownProfiles(),
    UniqueNames(),
    StaffReferences(),
)


def parse_roster_spec(
    data: Mapping[str, Any],
    *,
    source: str = "<roster>",
    lines: Mapping[tuple[str | int, ...], int] | None = None,
) -> RosterSpec:
    """Validate a parsed document: the schema, then every rule of :data:`ROSTER_RULES`."""
    spec = validate_spec(RosterSpec, data, source=source, lines=lines)
    raise_problems(run_rules(spec, ROSTER_RULES), source=source, lines=lines or {}, what="roster")
    return spec


def load_roster_spec(path: str | Path) -> RosterSpec:
    """Read and validate a roster YAML/JSON file; errors name file:line:field."""
    data, lines = load_document(path)
    if not isinstance(data, Mapping):
        raise SpecError(f"{path}: a roster must be a mapping of keys, got {type(data).__name__}")
    return parse_roster_spec(data, source=str(path), lines=lines)


@dataclass(frozen=True)
class RosterReport:
    """A solved roster named by the spec's days: the grid and the daily coverage.

    ``grid``: staff_id and one column per day label (the shift, "" for a day off).
    ``daily``: date, day, required, scheduled, short, over (person-hours).
    """

    result: RosterResult
    labels: tuple[str, ...]
    grid: pd.DataFrame
    daily: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        """Status, cost, bound and gap, the roster, assignments and coverage (JSON-ready)."""
        r = self.result
        labels = list(self.labels)
        return {
            "status": r.status.value,
            "labour_cost": r.labour_cost,
            "shortage_hours": r.shortage_hours,
            "penalty_cost": r.penalty_cost,
            "objective": r.objective,
            "best_bound": r.best_bound,
            "gap": r.gap,
            "wall_seconds": r.wall_seconds,
            "days": labels,
            "roster": self.grid.to_dict(orient="records"),
            "assignments": r.assignments.assign(
                date=[labels[d] for d in r.assignments["day"]]
            ).to_dict(orient="records"),
            "coverage": self.daily.to_dict(orient="records"),
            "hourly": r.coverage.to_dict(orient="records"),
        }


def roster_report(spec: RosterSpec, result: RosterResult) -> RosterReport:
    """Name the result's days after the spec and total its coverage per day."""
    labels = spec.day_labels()
    grid = result.roster()
    grid.columns = pd.Index(labels)
    daily = result.coverage.groupby("day", as_index=False)[
        ["required", "scheduled", "short", "over"]
    ].sum()
    daily.insert(0, "date", [labels[d] for d in daily["day"]])
    return RosterReport(result, tuple(labels), grid.reset_index(), daily)
