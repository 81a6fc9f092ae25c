"""The briefing as data: frozen, typed sections that every renderer reads.

A :class:`Briefing` is assembled once (:mod:`obeya.review.assemble`) and rendered
many times (HTML, PDF, PPTX, JSON for the web app's archive). Each
:class:`Section` is either *present* (a title, a headline message, facts with their
numbers and sources, findings, an optional table and chart) or *absent* with a
one-line note that says why (no data, engine unavailable): a renderer shows the
note and never fills the gap with prose.

Every number a reader sees is a :class:`Fact`: its value, the text shown, and the
source it came from (the engine call or table), so a figure can be checked.
Chart specs are Vega-Lite JSON kept as text, so the whole briefing is immutable.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

__all__ = [
    "Action",
    "ActionRule",
    "Briefing",
    "ChartKind",
    "ChartSpec",
    "Fact",
    "Finding",
    "MoneyKind",
    "Presence",
    "Section",
    "SectionKind",
    "TableBlock",
    "TableRow",
    "Tone",
]


class SectionKind(StrEnum):
    """The sections of a briefing, in reading order."""

    SCORECARD = "scorecard"
    MOVERS = "movers"
    SPC = "spc"
    INVENTORY = "inventory"
    CAPACITY = "capacity"
    SUPPLIERS = "suppliers"
    PNL = "pnl"
    FORECAST = "forecast"
    ACTIONS = "actions"


class Presence(StrEnum):
    PRESENT = "present"
    ABSENT = "absent"


class Tone(StrEnum):
    """How a figure reads: good news, bad news, a warning, or neither."""

    GOOD = "good"
    WARN = "warn"
    BAD = "bad"
    NEUTRAL = "neutral"


class ChartKind(StrEnum):
    SPARKLINE = "sparkline"
    TREND = "trend"
    WATERFALL = "waterfall"
    SPC = "spc"
    BARS = "bars"


class ActionRule(StrEnum):
    """The catalog of action rules (see :mod:`obeya.review.actions`)."""

    CARRIER_AT_SITE = "carrier_at_site"
    SUPPLIER_LEAD_TIME = "supplier_lead_time"
    CAPACITY_OVERLOAD = "capacity_overload"
    PNL_VARIANCE = "pnl_variance"
    STOCKOUT_RISK = "stockout_risk"
    PROCESS_SHIFT = "process_shift"


class MoneyKind(StrEnum):
    """What an action's money figure is."""

    SAVING = "saving"  # a cost the action can avoid
    REVENUE = "revenue"  # revenue or order value the action protects
    COST = "cost"  # what the action itself costs
    INVENTORY = "inventory"  # stock the action adds (money tied up)


@dataclass(frozen=True, slots=True)
class Fact:
    """One number as shown, with where it came from."""

    label: str
    value: float | None
    display: str
    source: str
    tone: Tone = Tone.NEUTRAL

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "value": self.value,
            "display": self.display,
            "source": self.source,
            "tone": self.tone.value,
        }


@dataclass(frozen=True, slots=True)
class ChartSpec:
    """A Vega-Lite chart (as JSON text) with a title and a description for readers."""

    kind: ChartKind
    title: str
    spec_json: str
    description: str = ""

    @classmethod
    def of(
        cls, kind: ChartKind, title: str, spec: dict[str, Any], description: str = ""
    ) -> ChartSpec:
        return cls(kind, title, json.dumps(spec, sort_keys=True, default=str), description)

    @property
    def spec(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.spec_json)
        return loaded

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "title": self.title,
            "description": self.description,
            "spec": self.spec,
        }


@dataclass(frozen=True, slots=True)
class TableRow:
    cells: tuple[str, ...]
    tone: Tone = Tone.NEUTRAL
    chart: ChartSpec | None = None  # a sparkline beside the row
    link: str | None = None


@dataclass(frozen=True, slots=True)
class TableBlock:
    columns: tuple[str, ...]
    rows: tuple[TableRow, ...]
    chart_column: str | None = None  # the heading of the sparkline column, if any

    def to_dict(self) -> dict[str, Any]:
        return {
            "columns": list(self.columns),
            "chart_column": self.chart_column,
            "rows": [
                {
                    "cells": list(r.cells),
                    "tone": r.tone.value,
                    "link": r.link,
                    "chart": r.chart.to_dict() if r.chart else None,
                }
                for r in self.rows
            ],
        }


@dataclass(frozen=True, slots=True)
class Finding:
    """One message inside a section (a mover, a characteristic, a supplier)."""

    headline: str
    facts: tuple[Fact, ...] = ()
    chart: ChartSpec | None = None
    link: str | None = None
    tone: Tone = Tone.NEUTRAL
    details: tuple[str, ...] = ()  # further sentences, each built from the facts

    def to_dict(self) -> dict[str, Any]:
        return {
            "headline": self.headline,
            "facts": [f.to_dict() for f in self.facts],
            "chart": self.chart.to_dict() if self.chart else None,
            "link": self.link,
            "tone": self.tone.value,
            "details": list(self.details),
        }


@dataclass(frozen=True, slots=True)
class Section:
    """A part of the briefing: present with its message, or absent with a note."""

    kind: SectionKind
    title: str
    presence: Presence
    headline: str = ""
    note: str = ""
    facts: tuple[Fact, ...] = ()
    findings: tuple[Finding, ...] = ()
    table: TableBlock | None = None
    chart: ChartSpec | None = None
    notes: tuple[str, ...] = ()  # caveats about the data behind a present section

    @classmethod
    def absent(cls, kind: SectionKind, title: str, note: str) -> Section:
        """A section left out, with the one-line reason shown in its place."""
        return cls(kind, title, Presence.ABSENT, note=note)

    @property
    def is_present(self) -> bool:
        return self.presence is Presence.PRESENT

    def charts(self) -> tuple[ChartSpec, ...]:
        """Every chart of the section: its own, then its findings'."""
        own = (self.chart,) if self.chart else ()
        return own + tuple(f.chart for f in self.findings if f.chart is not None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "title": self.title,
            "presence": self.presence.value,
            "headline": self.headline,
            "note": self.note,
            "facts": [f.to_dict() for f in self.facts],
            "findings": [f.to_dict() for f in self.findings],
            "table": self.table.to_dict() if self.table else None,
            "chart": self.chart.to_dict() if self.chart else None,
            "notes": list(self.notes),
        }


@dataclass(frozen=True, slots=True)
class Action:
    """A recommended action with its quantified impact and the evidence behind it.

    ``impact_money`` is in the reporting currency, of the kind ``money_kind`` says (a
    saving, revenue protected, the action's cost, stock tied up);
    ``impact_service_pts`` in percentage points of the KPI named in the evidence.
    Either may be None when the rule has no such figure; ``impact`` says in words what
    the figures mean.
    """

    rule: ActionRule
    title: str
    because: str
    impact: str
    impact_money: float | None
    money_kind: MoneyKind | None
    impact_service_pts: float | None
    evidence: tuple[Fact, ...]
    link: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule.value,
            "title": self.title,
            "because": self.because,
            "impact": self.impact,
            "impact_money": self.impact_money,
            "money_kind": self.money_kind.value if self.money_kind else None,
            "impact_service_pts": self.impact_service_pts,
            "evidence": [f.to_dict() for f in self.evidence],
            "link": self.link,
        }


@dataclass(frozen=True, slots=True)
class Briefing:
    """The whole review for one period; ``timings`` holds seconds per section."""

    period: str
    grain: str
    period_start: date
    period_end: date
    as_of: date
    generated_at: datetime
    warehouse: str
    sections: tuple[Section, ...]
    actions: tuple[Action, ...]
    timings: tuple[tuple[str, float], ...] = field(default=())

    @property
    def title(self) -> str:
        kind = "Weekly" if self.grain == "week" else "Monthly"
        return f"{kind} operations review {self.period}"

    def section(self, kind: SectionKind) -> Section:
        for s in self.sections:
            if s.kind is kind:
                return s
        raise KeyError(f"the briefing has no {kind.value} section")

    @property
    def present(self) -> tuple[Section, ...]:
        return tuple(s for s in self.sections if s.is_present)

    @property
    def absent(self) -> tuple[Section, ...]:
        return tuple(s for s in self.sections if not s.is_present)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the web app archives briefings in this form."""
        return {
            "title": self.title,
            "period": self.period,
            "grain": self.grain,
            "period_start": self.period_start.isoformat(),
            "period_end": self.period_end.isoformat(),
            "as_of": self.as_of.isoformat(),
            "generated_at": self.generated_at.isoformat(timespec="seconds"),
            "warehouse": self.warehouse,
            "sections": [s.to_dict() for s in self.sections],
            "actions": [a.to_dict() for a in self.actions],
            "timings": dict(self.timings),
        }
