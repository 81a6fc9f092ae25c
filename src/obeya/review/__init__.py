"""The executive briefing: what matters this week or month, from every engine.

:func:`assemble_briefing` reads the warehouse through the engines (KPI scorecard and
drivers, SPC, inventory outlook, capacity, suppliers, P&L, forecast accuracy) and
returns a frozen :class:`Briefing`; :func:`write_briefing` renders it as one
self-contained HTML file, a PDF (A4 or Letter) and a PowerPoint deck. See
``docs/briefing.md``.
"""

from obeya.review.actions import RULES, Evidence, propose_actions
from obeya.review.assemble import assemble_briefing, default_period, resolve_period
from obeya.review.context import BriefingSettings, Context
from obeya.review.links import PAGES, Page, link
from obeya.review.model import (
    Action,
    ActionRule,
    Briefing,
    ChartKind,
    ChartSpec,
    Fact,
    Finding,
    MoneyKind,
    Presence,
    Section,
    SectionKind,
    TableBlock,
    TableRow,
    Tone,
)
from obeya.review.movers import DriverCell, Mover, rank_movers
from obeya.review.write import Format, Paper, render, write_briefing

__all__ = [
    "PAGES",
    "RULES",
    "Action",
    "ActionRule",
    "Briefing",
    "BriefingSettings",
    "ChartKind",
    "ChartSpec",
    "Context",
    "DriverCell",
    "Evidence",
    "Fact",
    "Finding",
    "Format",
    "MoneyKind",
    "Mover",
    "Page",
    "Paper",
    "Presence",
    "Section",
    "SectionKind",
    "TableBlock",
    "TableRow",
    "Tone",
    "assemble_briefing",
    "default_period",
    "link",
    "propose_actions",
    "rank_movers",
    "render",
    "resolve_period",
    "write_briefing",
]
