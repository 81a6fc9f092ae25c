"""The briefing as a PDF: WeasyPrint lays out the briefing's HTML with print CSS.

Each section starts a page; the page size is A4 or US Letter (:class:`Paper`), with
margins that suit both. WeasyPrint may fetch nothing: the fetcher allows only
``data:`` URLs, and the HTML has none anyway, so the PDF is made offline.
"""

from __future__ import annotations

from pathlib import Path

from weasyprint import HTML, URLFetcher

from obeya.review.model import Briefing
from obeya.review.render_html import Paper, render_html

__all__ = ["render_pdf"]


def render_pdf(briefing: Briefing, path: Path, paper: Paper = Paper.A4) -> Path:
    """Write the PDF to ``path`` and return it."""
    html = render_html(briefing, paper)
    fetcher = URLFetcher(allowed_protocols=("data",))
    HTML(string=html, url_fetcher=fetcher, media_type="print").write_pdf(target=str(path))
    return path
