"""The briefing as one self-contained HTML file: inline CSS, inline SVG charts.

The page loads nothing: no script, no stylesheet, no font, no image from anywhere
(the SVG charts are written into the page without namespace URLs), so it reads the
same offline, attached to an e-mail or archived. The same HTML, with the page size
of :class:`Paper`, is what WeasyPrint lays out for the PDF.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import assert_never

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from obeya.review import charts
from obeya.review.model import Briefing, ChartSpec

__all__ = ["Paper", "page_css", "render_html"]

_TEMPLATES = Path(__file__).parent / "templates"


class Paper(StrEnum):
    A4 = "a4"
    LETTER = "letter"

    @property
    def css_size(self) -> str:
        match self:
            case Paper.A4:
                return "A4"
            case Paper.LETTER:
                return "letter"
            case _:
                assert_never(self)


def page_css(paper: Paper) -> str:
    """The ``@page`` rule: size, margins and a page counter in the footer."""
    return (
        f"@page {{ size: {paper.css_size}; margin: 14mm 13mm 16mm 13mm;\n"
        "  @bottom-left { content: string(title); font-size: 7.5pt; color: #5d6d7e; }\n"
        '  @bottom-right { content: "page " counter(page) " of " counter(pages); '
        "font-size: 7.5pt; color: #5d6d7e; } }\n"
        "h1 { string-set: title content(); }"
    )


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(_TEMPLATES),
        autoescape=select_autoescape(["html", "j2"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
    )

    def svg(chart: ChartSpec) -> Markup:
        return Markup(charts.svg(chart))  # noqa: S704 - SVG rendered by vl-convert from our own spec

    env.globals["svg"] = svg
    return env


def render_html(briefing: Briefing, paper: Paper = Paper.A4) -> str:
    """The whole briefing as one HTML document (a string)."""
    env = _environment()
    css = (_TEMPLATES / "briefing.css").read_text(encoding="utf-8")
    template = env.get_template("briefing.html.j2")
    return template.render(b=briefing, css=Markup(css), page_css=Markup(page_css(paper)))  # noqa: S704
