"""Links from the briefing and the alerts to the war-room pages that explain a figure.

Every page path lives in :data:`PAGES`, one template per kind of page, so the web
app and these links change together in one place. The KPI pages (``/kpis/{kpi}``
with ``period``, ``grain`` and ``by``; ``/kpis/{kpi}/rows`` with ``by`` and
``member`` for the rows behind one member's figure) are the web app's routes of
``obeya.web.routes.kpis``. A link is absolute when a base URL is known (the alert
rules file's ``base_url``, the briefing's ``--base-url``) and a path otherwise.
"""

from __future__ import annotations

from enum import StrEnum
from typing import assert_never
from urllib.parse import quote, urlencode

__all__ = ["PAGES", "Page", "link"]


class Page(StrEnum):
    KPI = "kpi"  # one KPI's trend, breakdown by a dimension
    KPI_ROWS = "kpi_rows"  # the rows behind one member's figure
    SPC = "spc"  # one characteristic's control chart
    PNL = "pnl"  # the P&L against budget


PAGES: dict[Page, str] = {
    Page.KPI: "/kpis/{kpi}",
    Page.KPI_ROWS: "/kpis/{kpi}/rows",
    Page.SPC: "/spc/{characteristic}",
    Page.PNL: "/pnl",
}


def link(page: Page, base_url: str | None = None, **params: str | None) -> str:
    """The path (or URL under ``base_url``) of ``page``; path parameters fill the
    template and the others become the query string (``None`` values are left out)."""
    path_keys: tuple[str, ...]
    match page:
        case Page.KPI | Page.KPI_ROWS:
            path_keys = ("kpi",)
        case Page.SPC:
            path_keys = ("characteristic",)
        case Page.PNL:
            path_keys = ()
        case _:
            assert_never(page)
    path = PAGES[page].format(**{k: quote(str(params[k]), safe="") for k in path_keys})
    query = {k: v for k, v in params.items() if k not in path_keys and v is not None}
    text = path + ("?" + urlencode(query) if query else "")
    return base_url.rstrip("/") + text if base_url else text
