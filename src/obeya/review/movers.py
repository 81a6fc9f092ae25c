"""Top movers: which KPIs moved most, and which members of which dimension drove it.

**Size of a move.** A KPI's change against the prior period and against the same
period last year (from the scorecard) is counted in the KPI's own tolerance: the
distance between its target and its red level in the catalog (OTD with target 95%
and red 90% has a band of 5 pts, so a fall of 11.2 pts has size 2.24). A KPI
without a target counts 10% of its baseline value as one band. A KPI that swings
by more than its band from one period to the next is counted in its swing
instead: the standard deviation of the period-to-period changes over the
scorecard's sparkline (a monthly incident rate jumps around; a move of that size
is no news). A move that makes the KPI worse counts in full, one that improves it
at half weight, so problems rank first; the larger of the two comparisons is the
KPI's move. KPIs whose move
has at least ``min_size`` bands are ranked by that score, the largest ``count``
kept.

**Drivers.** The KPI engine splits the change by the first dimension of
:data:`FIRST` the KPI has (:func:`obeya.metrics.explain`, rate and mix effects),
then the change is split over the cells of that dimension crossed with each of the
first three of :data:`SECOND` the KPI has (:func:`obeya.metrics.compute` by both,
:func:`obeya.metrics.decompose_ratio` over the cells, whose effects add up to the
company change exactly). The cell of the top member that explains most of the
change names the driver when it carries at least half of that member's effect;
otherwise the member alone does. A percentile KPI does not split and is not a
mover (its mean or ratio twin is).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, assert_never

import numpy as np

from obeya.errors import SpecError
from obeya.metrics import (
    Against,
    Catalog,
    Dimension,
    Direction,
    DriverResult,
    KpiSpec,
    MemberEffect,
    Method,
    ScorecardRow,
    compute,
    decompose_additive,
    decompose_ratio,
    explain,
)
from obeya.metrics.periods import Grain, last_year_start, period_label, prior_start
from obeya.review.narrative import Names, change_sentence, driver_clause, kpi_name, member_text
from obeya.warehouse import Warehouse

__all__ = [
    "FIRST",
    "SECOND",
    "Candidate",
    "DriverCell",
    "Mover",
    "cell_detail",
    "explain_mover",
    "rank_movers",
]

FIRST: tuple[Dimension, ...] = (
    Dimension.SITE,
    Dimension.SUPPLIER,
    Dimension.RESOURCE,
    Dimension.CARRIER,
    Dimension.CUSTOMER,
    Dimension.FAMILY,
    Dimension.CHANNEL,
    Dimension.CATEGORY,
    Dimension.PRIORITY,
    Dimension.DEPARTMENT,
    Dimension.MODE,
    Dimension.SEGMENT,
    Dimension.SKU,
)
SECOND: tuple[Dimension, ...] = (
    Dimension.CARRIER,
    Dimension.SUPPLIER,
    Dimension.RESOURCE,
    Dimension.DEPARTMENT,
    Dimension.CUSTOMER,
    Dimension.FAMILY,
    Dimension.CATEGORY,
    Dimension.CHANNEL,
    Dimension.MODE,
)
NO_TARGET_BAND = 0.10  # share of the baseline that counts as one band without a target
IMPROVEMENT_WEIGHT = 0.5
CELL_SHARE = 0.5  # a cell names the driver when it carries half its member's effect
SECOND_TRIES = 3


@dataclass(frozen=True, slots=True)
class Candidate:
    """A KPI's move before it is explained."""

    row: ScorecardRow
    spec: KpiSpec
    against: Against
    change: float
    size: float
    adverse: bool

    @property
    def score(self) -> float:
        return self.size * (1.0 if self.adverse else IMPROVEMENT_WEIGHT)


@dataclass(frozen=True, slots=True)
class DriverCell:
    """One cell (first member x second member) of the crossed split.

    ``value_0`` and ``value_1`` are the cell's own rate (or value) in the baseline and
    the period, ``share_0`` and ``share_1`` its share of the denominator (0 for
    additive KPIs), ``rate_effect`` and ``mix_effect`` its two effects (they add up to
    ``contribution``), ``rest_value_1`` the rate of the other cells of the same first
    member in the period (None for additive KPIs), ``numerator_1`` and
    ``denominator_1`` the cell's sums in the period.
    """

    first: Dimension
    first_member: str | None
    second: Dimension
    second_member: str | None
    rate_effect: float
    mix_effect: float
    share_0: float
    share_1: float
    value_0: float | None
    value_1: float | None
    rest_value_1: float | None
    numerator_1: float | None
    denominator_1: float | None

    @property
    def contribution(self) -> float:
        return self.rate_effect + self.mix_effect


@dataclass(frozen=True, slots=True)
class Mover:
    """A ranked move with its drivers and the sentence that tells it."""

    row: ScorecardRow
    spec: KpiSpec
    against: Against
    baseline: date
    change: float
    size: float
    adverse: bool
    drivers: DriverResult | None
    top: MemberEffect | None  # the first-level member explaining most of the change
    cell: DriverCell | None
    sentence: str

    @property
    def name(self) -> str:
        return kpi_name(self.spec.id, self.spec.label)


def _swing(row: ScorecardRow) -> float:
    """Standard deviation of the period-to-period changes over the sparkline (0 with
    fewer than three consecutive values)."""
    values = np.array(
        [np.nan if p.value is None else p.value for p in row.sparkline], dtype=np.float64
    )
    steps = np.diff(values)
    steps = steps[np.isfinite(steps)]
    return float(steps.std(ddof=1)) if steps.size >= 2 else 0.0


def _band(spec: KpiSpec, row: ScorecardRow, value: float, change: float) -> float | None:
    band = 0.0
    if spec.target is not None:
        band = abs(spec.target.value - spec.target.red)
    if band <= 0:
        band = abs(value - change) * NO_TARGET_BAND
    band = max(band, _swing(row))
    return band if band > 0 else None


def _adverse(direction: Direction, change: float) -> bool:
    match direction:
        case Direction.HIGHER:
            return change < 0
        case Direction.LOWER:
            return change > 0
        case _:
            assert_never(direction)


def rank_movers(
    rows: Sequence[ScorecardRow], catalog: Catalog, *, min_size: float
) -> list[Candidate]:
    """Company-wide rows ranked by the size of their move (see the module doc)."""
    found: list[Candidate] = []
    for row in rows:  # one row per KPI: a few dozen
        if row.member is not None or row.value is None:
            continue
        spec = catalog.kpi(row.kpi)
        best: Candidate | None = None
        for against, change in (
            (Against.PRIOR, row.change_vs_prior),
            (Against.LAST_YEAR, row.change_vs_last_year),
        ):
            if change is None or not math.isfinite(change) or change == 0:
                continue
            band = _band(spec, row, row.value, change)
            if band is None:
                continue
            c = Candidate(
                row, spec, against, change, abs(change) / band, _adverse(row.direction, change)
            )
            if best is None or c.score > best.score:
                best = c
        if best is not None and best.size >= min_size:
            found.append(best)
    found.sort(key=lambda c: (-c.score, c.spec.id))
    return found


def _baseline(start: date, grain: Grain, against: Against) -> date:
    match against:
        case Against.PRIOR:
            return prior_start(start, grain)
        case Against.LAST_YEAR:
            day = last_year_start(start, grain)
            if day is None:
                raise SpecError(f"{period_label(start, grain)} has no same period last year")
            return day
        case Against.TARGET:
            raise SpecError("movers compare with the prior period or last year, not the target")
        case _:
            assert_never(against)


def _against_text(baseline: date, grain: Grain, against: Against) -> str:
    text = period_label(baseline, grain)
    return text + " (last year)" if against is Against.LAST_YEAR else text


def _top(result: DriverResult, change: float) -> MemberEffect | None:
    helping = [m for m in result.members if m.contribution * change > 0]
    return max(helping, key=lambda m: abs(m.contribution)) if helping else None


def _cells(
    wh: Warehouse,
    spec: KpiSpec,
    first: Dimension,
    second: Dimension,
    member: str | None,
    start: date,
    baseline: date,
    grain: Grain,
    method: Method,
    as_of: date,
    catalog: Catalog,
) -> list[DriverCell]:
    """Every cell of ``member`` (a first-level member) in the crossed split; empty when
    the member does not split into two or more cells (no drill-down to offer)."""
    table = compute(
        wh, [spec.id], grain, [first, second], None, min(start, baseline), start, as_of, catalog
    )
    rows = [r for r in table.to_pylist() if r["value"] is not None]
    now = {(r[first.value], r[second.value]): r for r in rows if r["period_start"] == start}
    then = {(r[first.value], r[second.value]): r for r in rows if r["period_start"] == baseline}
    keys = sorted(set(now) | set(then), key=lambda k: (str(k[0]), str(k[1])))
    if not now or not then or sum(1 for k in keys if k[0] == member) < 2:
        return []

    def col(side: dict[Any, dict[str, Any]], name: str) -> list[float]:
        return [
            math.nan if side.get(k, {}).get(name) is None else float(side[k][name]) for k in keys
        ]

    match method:
        case Method.RATE_MIX:
            d = decompose_ratio(
                col(then, "numerator"),
                col(then, "denominator"),
                col(now, "numerator"),
                col(now, "denominator"),
            )
        case Method.ADDITIVE:
            d = decompose_additive(col(then, "value"), col(now, "value"))
        case _:
            assert_never(method)
    cells = []
    for i, k in enumerate(keys):  # the cells of one member: a handful to a few hundred
        if k[0] != member:
            continue
        row = now.get(k, {})
        rest_value: float | None = None
        if method is Method.RATE_MIX:
            others = [now[o] for o in keys if o[0] == member and o != k and o in now]
            num = sum(float(r["numerator"] or 0.0) for r in others)
            den = sum(float(r["denominator"] or 0.0) for r in others)
            rest_value = num / den if den > 0 else None
        cells.append(
            DriverCell(
                first,
                k[0],
                second,
                k[1],
                float(d.rate_effect[i]),
                float(d.mix_effect[i]),
                float(d.share_0[i]),
                float(d.share_1[i]),
                then.get(k, {}).get("value"),
                row.get("value"),
                rest_value,
                row.get("numerator"),
                row.get("denominator"),
            )
        )
    return cells


def explain_mover(
    wh: Warehouse,
    candidate: Candidate,
    start: date,
    grain: Grain,
    as_of: date,
    catalog: Catalog,
    names: Names,
) -> Mover | None:
    """The candidate with its drivers and sentence; None for a KPI that cannot split."""
    spec, change = candidate.spec, candidate.change
    baseline = _baseline(start, grain, candidate.against)
    assert candidate.row.value is not None
    head = change_sentence(
        kpi_name(spec.id, spec.label),
        spec.unit,
        candidate.row.value,
        change,
        _against_text(baseline, grain, candidate.against),
    )
    first = next((d for d in FIRST if d in spec.dimensions), None)
    result: DriverResult | None = None
    top: MemberEffect | None = None
    cell: DriverCell | None = None
    clause = ""
    if first is not None:
        try:
            result = explain(
                wh, spec.id, start, first, candidate.against, grain, as_of=as_of, catalog=catalog
            )
        except SpecError:
            return None  # a percentile: its mean or ratio twin tells the story
        top = _top(result, change) if result.change is not None else None
    if first is not None and result is not None and top is not None:
        seconds = [d for d in SECOND if d in spec.dimensions and d is not first][:SECOND_TRIES]
        for second in seconds:  # a few dimensions, one query each
            cells = _cells(
                wh,
                spec,
                first,
                second,
                top.member,
                start,
                baseline,
                grain,
                result.method,
                as_of,
                catalog,
            )
            helping = [c for c in cells if c.contribution * change > 0]
            best = max(helping, key=lambda c: abs(c.contribution), default=None)
            if best is not None and (
                cell is None or abs(best.contribution) > abs(cell.contribution)
            ):
                cell = best
        if cell is not None and abs(cell.contribution) >= CELL_SHARE * abs(top.contribution):
            clause = driver_clause(
                spec.unit,
                change,
                cell.contribution,
                [(cell.first, cell.first_member), (cell.second, cell.second_member)],
                names,
            )
        else:
            cell = None
            clause = driver_clause(
                spec.unit, change, top.contribution, [(first, top.member)], names
            )
    sentence = head + (f"; {clause}" if clause else "") + "."
    return Mover(
        candidate.row,
        spec,
        candidate.against,
        baseline,
        change,
        candidate.size,
        candidate.adverse,
        result,
        top,
        cell,
        sentence,
    )


def cell_detail(mover: Mover, names: Names, grain: Grain) -> str | None:
    """What the driving cell did, in words: its own rate moved (``went from 100.0% in
    2025-10 to 25.0%``) or, when the mix effect is the larger, its share did."""
    cell = mover.cell
    if cell is None or cell.value_1 is None:
        return None
    unit, then = mover.spec.unit, period_label(mover.baseline, grain)
    who = (
        f"{member_text(cell.first, cell.first_member, names)}, "
        f"{member_text(cell.second, cell.second_member, names)}"
    )
    if abs(cell.mix_effect) > abs(cell.rate_effect):
        way = "rose" if cell.share_1 > cell.share_0 else "fell"
        text = (
            f"The share of {who} {way} from {cell.share_0 * 100:.1f}% in {then} to "
            f"{cell.share_1 * 100:.1f}%, at {unit.show(cell.value_1)}"
        )
    elif cell.value_0 is not None:
        text = (
            f"At {who}, {mover.name} went from {unit.show(cell.value_0)} in {then} to "
            f"{unit.show(cell.value_1)}"
        )
    else:
        text = f"At {who}, {mover.name} reached {unit.show(cell.value_1)} (none in {then})"
    if cell.rest_value_1 is not None:
        text += f"; the other {cell.second.value}s there reached {unit.show(cell.rest_value_1)}"
    return text + "."
