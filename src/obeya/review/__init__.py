"""The executive briefing: what matters this week or month, from every engine.

:func:`assemble_briefing` reads the warehouse through the engines (KPI scorecard and
drivers, SPC, inventory outlook, capacity, suppliers, P&L, forecast accuracy) and
returns a frozen :class:`Briefing`; :func:`write_briefing` renders it as one
self-contained HTML file, a PDF (A4 or Letter) and a PowerPoint deck. See
``docs/briefing.md``.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

# the module of every public name: imported on first use, so that reading a link or
# the model does not load the renderers (WeasyPrint, python-pptx) and every engine
_WHERE = {
    "RULES": "actions",
    "Evidence": "actions",
    "propose_actions": "actions",
    "assemble_briefing": "assemble",
    "default_period": "assemble",
    "resolve_period": "assemble",
    "BriefingSettings": "context",
    "Context": "context",
    "PAGES": "links",
    "Page": "links",
    "link": "links",
    "Action": "model",
    "ActionRule": "model",
    "Briefing": "model",
    "ChartKind": "model",
    "ChartSpec": "model",
    "Fact": "model",
    "Finding": "model",
    "MoneyKind": "model",
    "Presence": "model",
    "Section": "model",
    "SectionKind": "model",
    "TableBlock": "model",
    "TableRow": "model",
    "Tone": "model",
    "DriverCell": "movers",
    "Mover": "movers",
    "rank_movers": "movers",
    "Format": "write",
    "Paper": "write",
    "render": "write",
    "write_briefing": "write",
}

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


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(f"obeya.review.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
