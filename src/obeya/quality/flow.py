"""Process mining on an event log: variants, throughput, waiting, rework, efficiency.

The log is long: one row per event with a case id, an activity and a timestamp
(names configurable with :class:`EventLogColumns`), optionally a resource and a
lifecycle transition. When the log has both ``start`` and ``complete`` events, the
k-th start of an activity in a case pairs with its k-th complete, giving processing
time (complete - start) and waiting time (start - end of the previous activity);
events with other transitions (schedule, assign, ...) are ignored and events without
one count as completions.
Otherwise every event is an instant and the waiting time of an event is the time
since the previous event of its case. Everything runs as pandas/NumPy operations
over the whole log.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from obeya.errors import DataError, SpecError
from obeya.quality._input import TableLike, as_frame

__all__ = [
    "ActivityStats",
    "CycleEfficiency",
    "Dfg",
    "DfgNode",
    "EventLogColumns",
    "FlowAnalysis",
    "Rework",
    "Throughput",
    "Transition",
    "Variant",
    "analyse_flow",
    "directly_follows_graph",
]

_HOUR = pd.Timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class EventLogColumns:
    """Column names of the event log; optional columns are used when present."""

    case_id: str = "case_id"
    activity: str = "activity"
    timestamp: str = "timestamp"
    resource: str | None = "resource"
    lifecycle: str | None = "lifecycle"


@dataclass(frozen=True, slots=True)
class Variant:
    """One distinct sequence of activities and how many cases followed it."""

    activities: tuple[str, ...]
    cases: int
    share: float

    def to_dict(self) -> dict[str, Any]:
        return {"activities": list(self.activities), "cases": self.cases, "share": self.share}


@dataclass(frozen=True, slots=True)
class Throughput:
    """Case throughput time (first event to last), in hours."""

    cases: int
    mean_hours: float
    median_hours: float
    p90_hours: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "cases": self.cases,
            "mean_hours": self.mean_hours,
            "median_hours": self.median_hours,
            "p90_hours": self.p90_hours,
        }


@dataclass(frozen=True, slots=True)
class ActivityStats:
    """Counts and times of one activity; processing times only with start/complete pairs."""

    activity: str
    events: int
    cases: int
    waiting_total_hours: float
    waiting_mean_hours: float | None
    waiting_median_hours: float | None
    processing_mean_hours: float | None
    processing_median_hours: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "activity": self.activity,
            "events": self.events,
            "cases": self.cases,
            "waiting_total_hours": self.waiting_total_hours,
            "waiting_mean_hours": self.waiting_mean_hours,
            "waiting_median_hours": self.waiting_median_hours,
            "processing_mean_hours": self.processing_mean_hours,
            "processing_median_hours": self.processing_median_hours,
        }


@dataclass(frozen=True, slots=True)
class Transition:
    """A directly-follows edge: how often ``target`` came right after ``source``."""

    source: str
    target: str
    count: int
    mean_hours: float
    median_hours: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "target": self.target,
            "count": self.count,
            "mean_hours": self.mean_hours,
            "median_hours": self.median_hours,
        }


@dataclass(frozen=True, slots=True)
class Rework:
    """Repetitions of one activity within cases: right away (self-loops) or later (returns)."""

    activity: str
    cases_with_repeat: int
    repeats: int
    self_loops: int
    returns: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "activity": self.activity,
            "cases_with_repeat": self.cases_with_repeat,
            "repeats": self.repeats,
            "self_loops": self.self_loops,
            "returns": self.returns,
        }


@dataclass(frozen=True, slots=True)
class CycleEfficiency:
    """Process cycle efficiency = value-added time / lead time (sums over all cases).

    Value-added time is the processing time of value-added activities when the log
    pairs start and complete events, else the time leading up to each value-added
    event (since the previous event of the case).
    """

    value_added: tuple[str, ...]
    value_added_hours: float
    lead_time_hours: float

    @property
    def efficiency(self) -> float | None:
        if not self.value_added or self.lead_time_hours == 0:
            return None
        return self.value_added_hours / self.lead_time_hours

    def to_dict(self) -> dict[str, Any]:
        return {
            "value_added": list(self.value_added),
            "value_added_hours": self.value_added_hours,
            "lead_time_hours": self.lead_time_hours,
            "efficiency": self.efficiency,
        }


@dataclass(frozen=True, slots=True)
class DfgNode:
    """An activity in the directly-follows graph, with how many cases start or end there."""

    activity: str
    events: int
    cases: int
    starts: int
    ends: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.activity,
            "events": self.events,
            "cases": self.cases,
            "starts": self.starts,
            "ends": self.ends,
        }


@dataclass(frozen=True, slots=True)
class Dfg:
    """The directly-follows graph: activities and the transitions between them."""

    nodes: tuple[DfgNode, ...]
    edges: tuple[Transition, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "nodes": [n.to_dict() for n in self.nodes],
            "edges": [e.to_dict() for e in self.edges],
        }


@dataclass(frozen=True, slots=True)
class FlowAnalysis:
    """Everything :func:`analyse_flow` finds; ``bottlenecks`` ranks activities by total wait."""

    cases: int
    events: int
    paired: bool
    variants: tuple[Variant, ...]
    throughput: Throughput
    activities: tuple[ActivityStats, ...]
    transitions: tuple[Transition, ...]
    bottlenecks: tuple[ActivityStats, ...]
    rework: tuple[Rework, ...]
    rework_cases: int
    cycle_efficiency: CycleEfficiency
    dfg: Dfg

    def to_dict(self) -> dict[str, Any]:
        return {
            "cases": self.cases,
            "events": self.events,
            "paired": self.paired,
            "variants": [v.to_dict() for v in self.variants],
            "throughput": self.throughput.to_dict(),
            "activities": [a.to_dict() for a in self.activities],
            "transitions": [t.to_dict() for t in self.transitions],
            "bottlenecks": [b.activity for b in self.bottlenecks],
            "rework": [r.to_dict() for r in self.rework],
            "rework_cases": self.rework_cases,
            "rework_share": self.rework_cases / self.cases,
            "cycle_efficiency": self.cycle_efficiency.to_dict(),
            "dfg": self.dfg.to_dict(),
        }


def _events(log: TableLike, columns: EventLogColumns) -> pd.DataFrame:
    """The log with standard column names and parsed UTC timestamps, in input order."""
    available = set(log.column_names if hasattr(log, "column_names") else log)
    optional = {"resource": columns.resource, "lifecycle": columns.lifecycle}
    names = {"case": columns.case_id, "activity": columns.activity, "ts": columns.timestamp} | {
        key: name for key, name in optional.items() if name is not None and name in available
    }
    frame = as_frame(log, list(names.values()), what="event log")
    frame = frame.set_axis(list(names), axis=1)
    if frame.empty:
        raise DataError("event log: the log has no events")
    ts = pd.to_datetime(frame["ts"], utc=True, errors="coerce", format="ISO8601")
    if ts.isna().any():
        row = int(np.flatnonzero(ts.isna().to_numpy())[0])
        raise DataError(
            f"event log: timestamp {frame['ts'].iloc[row]!r} at row {row} is missing or not "
            f"an ISO 8601 time; every event needs one"
        )
    for key in ("case", "activity"):
        if frame[key].isna().any():
            row = int(np.flatnonzero(frame[key].isna().to_numpy())[0])
            raise DataError(f"event log: empty {names[key]!r} at row {row}")
    return frame.assign(ts=ts, activity=frame["activity"].astype(str), order=np.arange(len(frame)))


def _instances(events: pd.DataFrame) -> tuple[pd.DataFrame, bool]:
    """Activity instances (case, activity, start, end), sorted by case and time."""
    if "lifecycle" in events:
        # An event without a transition is a completion (the XES default).
        stage = events["lifecycle"].fillna("complete").astype(str).str.strip().str.lower()
        events = events.assign(stage=stage)[stage.isin(["start", "complete"])]
        if events.empty:
            raise DataError(
                "event log: no event has a 'start' or 'complete' lifecycle transition; "
                "map the transitions or pass lifecycle=None to EventLogColumns"
            )
    paired = "stage" in events and bool((events["stage"] == "start").any())
    if paired:
        keys = ["case", "activity", "k"]
        parts = {}
        for stage in ("start", "complete"):
            part = events[events["stage"] == stage].sort_values(["ts", "order"], kind="mergesort")
            part = part.assign(k=part.groupby(["case", "activity"], sort=False).cumcount())
            parts[stage] = part.set_index(keys)[["ts", "order"]]
        both = parts["start"].join(parts["complete"], how="outer", lsuffix="_s", rsuffix="_c")
        # An unpaired event counts as an instant (start = end).
        instances = pd.DataFrame(
            {
                "start": both["ts_s"].fillna(both["ts_c"]),
                "end": both["ts_c"].fillna(both["ts_s"]),
                "order": both["order_s"].fillna(both["order_c"]),
            }
        ).reset_index()
    else:
        instances = events.assign(start=events["ts"], end=events["ts"])
    instances = instances.sort_values(["case", "start", "end", "order"], kind="mergesort")
    instances = instances.reset_index(drop=True)
    by_case = instances.groupby("case", sort=False)
    previous_end = by_case["end"].shift(1)
    instances["position"] = by_case.cumcount()
    instances["waiting_h"] = ((instances["start"] - previous_end) / _HOUR).clip(lower=0.0)
    instances["processing_h"] = (instances["end"] - instances["start"]) / _HOUR
    instances["next"] = by_case["activity"].shift(-1)
    instances["gap_next_h"] = by_case["waiting_h"].shift(-1)
    return instances, paired


def _variants(instances: pd.DataFrame) -> tuple[Variant, ...]:
    """Distinct activity sequences: one row of activity codes per case, then np.unique."""
    case_codes, _ = pd.factorize(instances["case"], sort=False)
    act_codes, activities = pd.factorize(instances["activity"], sort=False)
    cases = int(case_codes.max()) + 1
    length = int(instances["position"].max()) + 1
    paths = np.full((cases, length), -1, dtype=np.int64)
    paths[case_codes, instances["position"].to_numpy()] = act_codes
    unique, counts = np.unique(paths, axis=0, return_counts=True)
    names = np.asarray(activities, dtype=object)
    found = [
        Variant(tuple(str(a) for a in names[row[row >= 0]]), int(c), int(c) / cases)
        for row, c in zip(unique, counts, strict=True)
    ]
    return tuple(sorted(found, key=lambda v: (-v.cases, v.activities)))


def _edges(instances: pd.DataFrame) -> tuple[Transition, ...]:
    steps = instances.dropna(subset=["next"])
    table = (
        steps.groupby(["activity", "next"], sort=True)["gap_next_h"]
        .agg(["count", "mean", "median"])
        .reset_index()
        .sort_values(["count", "activity", "next"], ascending=[False, True, True], kind="stable")
    )
    return tuple(
        Transition(str(a), str(b), int(c), float(mean), float(med))
        for a, b, c, mean, med in table.itertuples(index=False)
    )


def _activity_table(instances: pd.DataFrame, paired: bool) -> pd.DataFrame:
    grouped = instances.groupby("activity", sort=True)
    table = pd.DataFrame(
        {
            "events": grouped.size(),
            "cases": grouped["case"].nunique(),
            "wait_total": grouped["waiting_h"].sum(),
            "wait_mean": grouped["waiting_h"].mean(),
            "wait_median": grouped["waiting_h"].median(),
            "proc_mean": grouped["processing_h"].mean(),
            "proc_median": grouped["processing_h"].median(),
        }
    )
    if not paired:
        table[["proc_mean", "proc_median"]] = np.nan
    return table


def _optional(x: float) -> float | None:
    return None if pd.isna(x) else float(x)


def _dfg(instances: pd.DataFrame, table: pd.DataFrame, edges: tuple[Transition, ...]) -> Dfg:
    firsts = instances[instances["position"] == 0]["activity"].value_counts()
    lasts = instances[instances["next"].isna()]["activity"].value_counts()
    nodes = tuple(
        DfgNode(
            str(a),
            int(row.events),
            int(row.cases),
            int(firsts.get(a, 0)),
            int(lasts.get(a, 0)),
        )
        for a, row in table.iterrows()
    )
    return Dfg(nodes, edges)


def directly_follows_graph(log: TableLike, *, columns: EventLogColumns | None = None) -> Dfg:
    """The directly-follows graph of a log (nodes with counts, edges with counts and times)."""
    instances, paired = _instances(_events(log, columns or EventLogColumns()))
    return _dfg(instances, _activity_table(instances, paired), _edges(instances))


def analyse_flow(
    log: TableLike,
    *,
    columns: EventLogColumns | None = None,
    value_added: Collection[str] = (),
) -> FlowAnalysis:
    """Variants, throughput, per-activity waiting, transitions, bottlenecks, rework and
    process cycle efficiency of an event log (``value_added`` names the activities that
    add value).
    """
    instances, paired = _instances(_events(log, columns or EventLogColumns()))
    table = _activity_table(instances, paired)
    unknown = sorted(set(value_added) - set(table.index))
    if unknown:
        raise SpecError(
            f"value_added names {unknown[0]!r}, which is not an activity in the log "
            f"(activities: {', '.join(map(str, table.index))})"
        )
    spans = instances.groupby("case", sort=False).agg(first=("start", "min"), last=("end", "max"))
    hours = ((spans["last"] - spans["first"]) / _HOUR).to_numpy(np.float64)
    throughput = Throughput(
        len(hours),
        float(hours.mean()),
        float(np.median(hours)),
        float(np.quantile(hours, 0.9)),
    )
    stats = tuple(
        ActivityStats(
            str(a),
            int(r.events),
            int(r.cases),
            float(r.wait_total),
            _optional(r.wait_mean),
            _optional(r.wait_median),
            _optional(r.proc_mean),
            _optional(r.proc_median),
        )
        for a, r in table.iterrows()
    )
    edges = _edges(instances)
    loops = {e.source: e.count for e in edges if e.source == e.target}
    per_case = instances.groupby(["activity", "case"], sort=True).size()
    repeated = (per_case > 1).groupby(level="activity").sum()
    rework = tuple(
        Rework(
            s.activity,
            int(repeated[s.activity]),
            s.events - s.cases,
            loops.get(s.activity, 0),
            s.events - s.cases - loops.get(s.activity, 0),
        )
        for s in stats
        if s.events > s.cases
    )
    rework_cases = int(per_case[per_case > 1].index.get_level_values("case").nunique())
    is_va = instances["activity"].isin(list(value_added))
    va_hours = instances.loc[is_va, "processing_h" if paired else "waiting_h"].sum()
    efficiency = CycleEfficiency(tuple(sorted(value_added)), float(va_hours), float(hours.sum()))
    return FlowAnalysis(
        cases=len(hours),
        events=len(instances),
        paired=paired,
        variants=_variants(instances),
        throughput=throughput,
        activities=stats,
        transitions=edges,
        bottlenecks=tuple(sorted(stats, key=lambda s: (-s.waiting_total_hours, s.activity))),
        rework=rework,
        rework_cases=rework_cases,
        cycle_efficiency=efficiency,
        dfg=_dfg(instances, table, edges),
    )
