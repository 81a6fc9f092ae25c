"""The improvement (kaizen) register: projects and their verifications, in the warehouse.

Two tables are added to the warehouse (documented in ``docs/quality.md``):

* ``kaizen_projects``: one row per project: what it improves (a catalog KPI and a
  cut of it), the baseline and after windows, the target, owner, status and the
  value of one unit of improvement;
* ``kaizen_verifications``: one row per ``verify`` run: before and after values, the
  test and its p-value, the annual saving and whether the target was met.

``verify_project`` computes the KPI per period with the KPI engine
(:func:`obeya.metrics.evaluate`), compares the windows with
:func:`obeya.quality.kaizen_measure.measure_change`, stores the result and marks an
active or planned project ``verified`` when it improved significantly. The briefing
reads ``list_projects`` and ``latest_verifications``.
"""

from __future__ import annotations

import enum
import json
import math
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from typing import Any

from obeya.errors import SpecError, WarehouseError
from obeya.metrics import Catalog, Dimension, Grain, catalog_for, evaluate
from obeya.quality.kaizen_measure import KaizenMeasurement, VerifyTest, Window, measure_change
from obeya.warehouse import Backend, Warehouse

__all__ = [
    "KaizenMethod",
    "KaizenProject",
    "KaizenStatus",
    "Verification",
    "add_project",
    "ensure_kaizen_tables",
    "get_project",
    "latest_verifications",
    "list_projects",
    "verify_project",
]

_F = "DOUBLE PRECISION"
KAIZEN_TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "kaizen_projects": (
        ("id", "VARCHAR PRIMARY KEY"),
        ("title", "VARCHAR"),
        ("method", "VARCHAR"),
        ("kpi", "VARCHAR"),
        ("filters", "VARCHAR"),
        ("baseline_from", "DATE"),
        ("baseline_to", "DATE"),
        ("after_from", "DATE"),
        ("after_to", "DATE"),
        ("target", _F),
        ("owner", "VARCHAR"),
        ("status", "VARCHAR"),
        ("value_per_unit", _F),
        ("created_at", "TIMESTAMP"),
    ),
    "kaizen_verifications": (
        ("verification_id", "VARCHAR PRIMARY KEY"),
        ("project_id", "VARCHAR"),
        ("verified_at", "TIMESTAMP"),
        ("kpi", "VARCHAR"),
        ("unit", "VARCHAR"),
        ("grain", "VARCHAR"),
        ("as_of", "DATE"),
        ("test", "VARCHAR"),
        ("better", "VARCHAR"),
        ("before_periods", "BIGINT"),
        ("after_periods", "BIGINT"),
        ("before_value", _F),
        ("after_value", _F),
        ("change", _F),
        ("ci_low", _F),
        ("ci_high", _F),
        ("statistic", _F),
        ("p_value", _F),
        ("alpha", _F),
        ("significant", "BOOLEAN"),
        ("improved", "BOOLEAN"),
        ("improvement", _F),
        ("before_events", "BIGINT"),
        ("before_trials", "BIGINT"),
        ("after_events", "BIGINT"),
        ("after_trials", "BIGINT"),
        ("value_per_unit", _F),
        ("annual_volume", _F),
        ("annual_saving", _F),
        ("saving_low", _F),
        ("saving_high", _F),
        ("target", _F),
        ("target_met", "BOOLEAN"),
        ("note", "VARCHAR"),
    ),
}


class KaizenMethod(enum.StrEnum):
    """How the project is run: a DMAIC (Six Sigma) project or a kaizen event."""

    DMAIC = "dmaic"
    KAIZEN = "kaizen"


class KaizenStatus(enum.StrEnum):
    """Where the project stands; ``verify`` moves planned/active to verified on success."""

    PLANNED = "planned"
    ACTIVE = "active"
    VERIFIED = "verified"
    CLOSED = "closed"


def _iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()


@dataclass(frozen=True, slots=True)
class KaizenProject:
    """One row of ``kaizen_projects``; ``after_to`` None means "since go-live"."""

    id: str
    title: str
    method: KaizenMethod
    kpi: str
    filters: Mapping[str, tuple[str, ...]]
    baseline_from: date
    baseline_to: date
    after_from: date
    after_to: date | None
    target: float | None
    owner: str
    status: KaizenStatus
    value_per_unit: float
    created_at: datetime

    def filters_text(self) -> str:
        return ", ".join(f"{k}={'|'.join(v)}" for k, v in self.filters.items()) or "all"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "method": self.method.value,
            "kpi": self.kpi,
            "filters": {k: list(v) for k, v in self.filters.items()},
            "baseline_from": _iso(self.baseline_from),
            "baseline_to": _iso(self.baseline_to),
            "after_from": _iso(self.after_from),
            "after_to": _iso(self.after_to),
            "target": self.target,
            "owner": self.owner,
            "status": self.status.value,
            "value_per_unit": self.value_per_unit,
            "created_at": _iso(self.created_at),
        }


@dataclass(frozen=True, slots=True)
class Verification:
    """One row of ``kaizen_verifications``: the measured change and what it is worth."""

    verification_id: str
    project_id: str
    verified_at: datetime
    kpi: str
    unit: str
    grain: str
    as_of: date
    test: str
    better: str
    before_periods: int
    after_periods: int
    before_value: float
    after_value: float
    change: float
    ci_low: float
    ci_high: float
    statistic: float
    p_value: float
    alpha: float
    significant: bool
    improved: bool
    improvement: float
    before_events: int | None
    before_trials: int | None
    after_events: int | None
    after_trials: int | None
    value_per_unit: float
    annual_volume: float
    annual_saving: float
    saving_low: float
    saving_high: float
    target: float | None
    target_met: bool | None
    note: str

    def to_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["verified_at"] = _iso(self.verified_at)
        out["as_of"] = _iso(self.as_of)
        return out


def ensure_kaizen_tables(wh: Warehouse) -> None:
    """Create the register's tables that do not exist yet."""
    if wh.read_only:
        raise WarehouseError("the warehouse is open read-only; open it writable to keep projects")
    with wh.transaction() as cur:
        for name, columns in KAIZEN_TABLES.items():
            body = ", ".join(f'"{c}" {t}' for c, t in columns)
            cur.execute(f"CREATE TABLE IF NOT EXISTS {name} ({body})")


def _insert(wh: Warehouse, table: str, row: Mapping[str, object]) -> None:
    names = ", ".join(f'"{c}"' for c in row)
    mark = "?" if wh.backend is Backend.DUCKDB else "%s"
    with wh.transaction() as cur:
        cur.execute(
            f"INSERT INTO {table} ({names}) VALUES ({', '.join([mark] * len(row))})",
            list(row.values()),
        )


def _rows(wh: Warehouse, table: str, order: Sequence[str]) -> list[dict[str, Any]]:
    if table not in wh.existing_tables():
        return []
    rows: list[dict[str, Any]] = wh.table(table).order_by(list(order)).to_pyarrow().to_pylist()
    return rows


def _project(row: Mapping[str, Any]) -> KaizenProject:
    filters = json.loads(row["filters"] or "{}")
    return KaizenProject(
        id=row["id"],
        title=row["title"],
        method=KaizenMethod(row["method"]),
        kpi=row["kpi"],
        filters={k: tuple(v) for k, v in filters.items()},
        baseline_from=row["baseline_from"],
        baseline_to=row["baseline_to"],
        after_from=row["after_from"],
        after_to=row["after_to"],
        target=row["target"],
        owner=row["owner"] or "",
        status=KaizenStatus(row["status"]),
        value_per_unit=float(row["value_per_unit"]),
        created_at=row["created_at"],
    )


def list_projects(wh: Warehouse) -> tuple[KaizenProject, ...]:
    """Every project in the register, oldest first (empty when there is no register)."""
    return tuple(_project(r) for r in _rows(wh, "kaizen_projects", ["created_at", "id"]))


def get_project(wh: Warehouse, project_id: str) -> KaizenProject:
    """One project, or a refusal listing the ids there are."""
    projects = {p.id: p for p in list_projects(wh)}
    if project_id not in projects:
        known = ", ".join(projects) or "none yet: add one with `obeya kaizen add`"
        raise SpecError(f"kaizen project {project_id!r} is not in the register (projects: {known})")
    return projects[project_id]


def _next_id(existing: Sequence[str]) -> str:
    numbers = [int(m.group(1)) for i in existing if (m := re.fullmatch(r"KZ-(\d+)", i))]
    return f"KZ-{max(numbers, default=0) + 1:03d}"


def _check_filters(
    catalog: Catalog, kpi: str, filters: Mapping[str, Sequence[str]]
) -> dict[str, tuple[str, ...]]:
    spec = catalog.kpi(kpi)
    out: dict[str, tuple[str, ...]] = {}
    for name, values in filters.items():
        try:
            dim = Dimension(name)
        except ValueError:
            known = ", ".join(d.value for d in spec.dimensions)
            raise SpecError(
                f"filter {name!r} is not a dimension; {kpi} can be cut by {known or 'nothing'}"
            ) from None
        if dim not in spec.dimensions:
            known = ", ".join(d.value for d in spec.dimensions) or "nothing"
            raise SpecError(f"KPI {kpi!r} cannot be cut by {name} (its dimensions: {known})")
        if not values:
            raise SpecError(f"filter {name!r} lists no values; write {name}=VALUE")
        out[dim.value] = tuple(str(v) for v in values)
    return out


def _check_windows(
    baseline_from: date, baseline_to: date, after_from: date, after_to: date | None
) -> None:
    if baseline_to < baseline_from:
        raise SpecError(
            f"the baseline ends ({baseline_to}) before it starts ({baseline_from}); swap the dates"
        )
    if after_from <= baseline_to:
        raise SpecError(
            f"the after window starts {after_from}, not after the baseline ends {baseline_to}; "
            f"the two windows must not overlap"
        )
    if after_to is not None and after_to < after_from:
        raise SpecError(
            f"the after window ends ({after_to}) before it starts ({after_from}); swap the dates"
        )


def add_project(
    wh: Warehouse,
    *,
    title: str,
    kpi: str,
    baseline_from: date,
    baseline_to: date,
    after_from: date,
    after_to: date | None = None,
    method: KaizenMethod = KaizenMethod.KAIZEN,
    filters: Mapping[str, Sequence[str]] | None = None,
    target: float | None = None,
    owner: str = "",
    status: KaizenStatus = KaizenStatus.ACTIVE,
    value_per_unit: float = 0.0,
    project_id: str | None = None,
    catalog: Catalog | None = None,
) -> KaizenProject:
    """Validate a project (KPI and filters against the catalog, windows in order) and store it."""
    if not title.strip():
        raise SpecError("a project needs a title; say what is being improved")
    if not math.isfinite(value_per_unit):
        raise SpecError(f"value per unit {value_per_unit} must be a finite number")
    if target is not None and not math.isfinite(target):
        raise SpecError(f"target {target} must be a finite number")
    catalog = catalog or catalog_for(wh)
    cut = _check_filters(catalog, kpi, filters or {})
    _check_windows(baseline_from, baseline_to, after_from, after_to)
    ensure_kaizen_tables(wh)
    existing = [p.id for p in list_projects(wh)]
    chosen = project_id.strip() if project_id is not None else _next_id(existing)
    if not chosen:
        raise SpecError("a project id cannot be empty; leave --id out to number it KZ-001, ...")
    if chosen in existing:
        raise SpecError(f"kaizen project {chosen!r} already exists; choose another --id")
    project = KaizenProject(
        id=chosen,
        title=title.strip(),
        method=method,
        kpi=kpi,
        filters=cut,
        baseline_from=baseline_from,
        baseline_to=baseline_to,
        after_from=after_from,
        after_to=after_to,
        target=target,
        owner=owner,
        status=status,
        value_per_unit=float(value_per_unit),
        created_at=datetime.now(UTC).replace(tzinfo=None),
    )
    row = project.to_dict() | {
        "filters": json.dumps({k: list(v) for k, v in cut.items()}, sort_keys=True),
        "baseline_from": baseline_from,
        "baseline_to": baseline_to,
        "after_from": after_from,
        "after_to": after_to,
        "created_at": project.created_at,
    }
    _insert(wh, "kaizen_projects", row)
    return project


def _verification(project: KaizenProject, m: KaizenMeasurement) -> Verification:
    i = m.improvement
    before, after = m.before_counts, m.after_counts
    low, high = i.annual_saving_ci
    return Verification(
        verification_id=uuid.uuid4().hex[:12],
        project_id=project.id,
        verified_at=datetime.now(UTC).replace(tzinfo=None),
        kpi=m.kpi,
        unit=m.unit.value,
        grain=m.grain.value,
        as_of=m.as_of,
        test=i.test.value,
        better=i.better.value,
        before_periods=len(m.before_periods),
        after_periods=len(m.after_periods),
        before_value=i.before,
        after_value=i.after,
        change=i.change,
        ci_low=i.ci[0],
        ci_high=i.ci[1],
        statistic=i.statistic,
        p_value=i.p_value,
        alpha=i.alpha,
        significant=i.significant,
        improved=i.improved,
        improvement=i.improvement,
        before_events=None if before is None else before.events,
        before_trials=None if before is None else before.trials,
        after_events=None if after is None else after.events,
        after_trials=None if after is None else after.trials,
        value_per_unit=i.value_per_unit,
        annual_volume=m.annual_volume,
        annual_saving=i.annual_saving,
        saving_low=low,
        saving_high=high,
        target=m.target,
        target_met=m.target_met,
        note=f"{m.why}; annual volume: {m.volume_basis}",
    )


def verify_project(
    wh: Warehouse,
    project_id: str,
    *,
    grain: Grain = Grain.WEEK,
    test: VerifyTest = VerifyTest.AUTO,
    alpha: float = 0.05,
    annual_volume: float | None = None,
    as_of: date | None = None,
    catalog: Catalog | None = None,
    store: bool = True,
) -> tuple[Verification, KaizenMeasurement]:
    """Measure the project's KPI before and after, store the result, update the status."""
    project = get_project(wh, project_id)
    catalog = catalog or catalog_for(wh)
    spec = catalog.kpi(project.kpi)
    result = evaluate(
        wh,
        [project.kpi],
        grain,
        filters=dict(project.filters),
        start=project.baseline_from,
        end=project.after_to,
        as_of=as_of,
        catalog=catalog,
    )
    measurement = measure_change(
        result.table,
        spec,
        baseline=Window(project.baseline_from, project.baseline_to),
        after=Window(project.after_from, project.after_to),
        grain=grain,
        as_of=result.as_of,
        test=test,
        alpha=alpha,
        value_per_unit=project.value_per_unit,
        annual_volume=annual_volume,
        target=project.target,
    )
    verification = _verification(project, measurement)
    if store:
        ensure_kaizen_tables(wh)
        _insert(
            wh,
            "kaizen_verifications",
            verification.to_dict()
            | {
                "verified_at": verification.verified_at,
                "as_of": verification.as_of,
            },
        )
        if verification.improved and project.status in (KaizenStatus.PLANNED, KaizenStatus.ACTIVE):
            mark = "?" if wh.backend is Backend.DUCKDB else "%s"
            with wh.transaction() as cur:
                cur.execute(
                    f"UPDATE kaizen_projects SET status = {mark} WHERE id = {mark}",
                    [KaizenStatus.VERIFIED.value, project.id],
                )
    return verification, measurement


def _stored(row: Mapping[str, Any]) -> Verification:
    return Verification(**{f.name: row[f.name] for f in fields(Verification)})


def latest_verifications(wh: Warehouse) -> tuple[Verification, ...]:
    """The latest verification of every verified project, in project order."""
    latest: dict[str, Verification] = {}
    for row in _rows(wh, "kaizen_verifications", ["project_id", "verified_at"]):
        latest[row["project_id"]] = _stored(row)
    return tuple(latest[k] for k in sorted(latest))
