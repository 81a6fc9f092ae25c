"""The briefing as a PowerPoint deck (python-pptx): one message per slide.

Every slide's title is the message, a sentence built from the data; the evidence
sits below it: a chart (PNG rendered offline by vl-convert), the facts, a table.
The deck: a title slide, "in brief", the scorecard (a table, split over slides of
:data:`ROWS_PER_SLIDE` rows), one slide per top mover, one per other section
present, one listing the sections left out and why, then the actions (a summary
table and one slide each). 16:9, fonts from the default theme, so it opens alike in
PowerPoint and LibreOffice Impress.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Sequence
from pathlib import Path

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_AUTO_SIZE
from pptx.presentation import Presentation as PresentationType
from pptx.slide import Slide
from pptx.util import Emu, Inches, Pt

from obeya.review import charts
from obeya.review.model import Briefing, ChartSpec, Fact, Finding, Section, SectionKind, Tone

__all__ = ["ROWS_PER_SLIDE", "render_pptx"]

ROWS_PER_SLIDE = 14
# lengths in EMU (914,400 to the inch), kept as plain integers
_WIDTH, _HEIGHT = int(Inches(13.333)), int(Inches(7.5))
_MARGIN = int(Inches(0.5))
_BODY_TOP = int(Inches(1.55))
_BODY_WIDTH = _WIDTH - 2 * _MARGIN
_TONE_HEX = {Tone.GOOD: "1E8449", Tone.WARN: "B9770E", Tone.BAD: "C0392B", Tone.NEUTRAL: "1B2631"}


def _rgb(hex_colour: str) -> RGBColor:
    colour: RGBColor = RGBColor.from_string(hex_colour)  # type: ignore[no-untyped-call]
    return colour


_TONES = {tone: _rgb(code) for tone, code in _TONE_HEX.items()}


def _in(inches: float) -> int:
    return int(Inches(inches))


_TITLE_ONLY = 5
_TITLE_SLIDE = 0


def _png_size(data: bytes) -> tuple[int, int]:
    """(width, height) in pixels from a PNG's header."""
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def _slide(prs: PresentationType, title: str) -> Slide:
    slide: Slide = prs.slides.add_slide(prs.slide_layouts[_TITLE_ONLY])
    shape = slide.shapes.title
    assert shape is not None
    shape.left, shape.top = Emu(_MARGIN), Emu(_in(0.3))
    shape.width, shape.height = Emu(_BODY_WIDTH), Emu(_in(1.15))
    frame = shape.text_frame
    frame.word_wrap = True
    frame.text = title
    size = 24 if len(title) < 80 else 20 if len(title) < 160 else 16
    for paragraph in frame.paragraphs:
        for run in paragraph.runs:
            run.font.size = Pt(size)
            run.font.bold = True
    return slide


def _text(
    slide: Slide,
    lines: Sequence[tuple[str, Tone]],
    box: tuple[int, int, int, int],
    size: int = 14,
) -> None:
    """Paragraphs in the box (left, top, width, height), each in its tone's colour."""
    left, top, width, height = box
    frame = slide.shapes.add_textbox(Emu(left), Emu(top), Emu(width), Emu(height)).text_frame
    frame.word_wrap = True
    # shrink on overflow (PowerPoint and Impress honour the flag when they lay out the
    # slide); and start smaller for long text: about 1,000 characters fill a box of
    # 4.7 x 5.4 inches at 12 pt
    frame.auto_size = MSO_AUTO_SIZE.TEXT_TO_FIT_SHAPE
    capacity = 1000 * (width * height) / (_in(4.7) * _in(5.4)) * (12 / size) ** 2
    chars = sum(len(line) + 40 for line, _ in lines)  # a paragraph's last line is short
    if chars > capacity:
        size = max(9, int(size * (capacity / chars) ** 0.5))
    for i, (line, tone) in enumerate(lines):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        run = paragraph.add_run()
        run.text = line
        run.font.size = Pt(size)
        run.font.color.rgb = _TONES[tone]
        paragraph.space_after = Pt(6)


def _picture(slide: Slide, chart: ChartSpec, box: tuple[int, int, int, int]) -> None:
    """The chart scaled to fit the box, keeping its proportions."""
    left, top, width, height = box
    data = charts.png(chart)
    w, h = _png_size(data)
    scale = min(width / w, height / h)
    slide.shapes.add_picture(
        io.BytesIO(data), Emu(left), Emu(top), width=Emu(int(w * scale)), height=Emu(int(h * scale))
    )


def _facts(facts: Sequence[Fact], limit: int = 8) -> list[tuple[str, Tone]]:
    return [(f"{f.label}: {f.display}", f.tone) for f in facts[:limit]]


def _table(
    slide: Slide, columns: Sequence[str], rows: Sequence[tuple[Sequence[str], Tone]], top: int
) -> None:
    height = _in(0.36) * (len(rows) + 1)
    shape = slide.shapes.add_table(
        len(rows) + 1, len(columns), Emu(_MARGIN), Emu(top), Emu(_BODY_WIDTH), Emu(height)
    )
    table = shape.table
    for j, name in enumerate(columns):
        table.cell(0, j).text = name
        for paragraph in table.cell(0, j).text_frame.paragraphs:
            for run in paragraph.runs:
                run.font.size = Pt(11)
    for i, (cells, tone) in enumerate(rows, start=1):
        for j, value in enumerate(cells):
            cell = table.cell(i, j)
            cell.text = value
            for paragraph in cell.text_frame.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(11)
                    if value in ("red", "amber", "green"):
                        run.font.color.rgb = _TONES[tone]
                        run.font.bold = True


def _split(share: float) -> tuple[tuple[int, int, int, int], tuple[int, int, int, int]]:
    """A chart box on the left (``share`` of the width) and a text box on the right."""
    height = _in(5.4)
    left = int(_BODY_WIDTH * share)
    gap = _in(0.2)
    return (
        (_MARGIN, _BODY_TOP, left, height),
        (_MARGIN + left + gap, _BODY_TOP, _BODY_WIDTH - left - gap, height),
    )


_FULL = (_MARGIN, _BODY_TOP, _BODY_WIDTH, _in(5.6))


def _scorecard(prs: PresentationType, s: Section) -> None:
    assert s.table is not None
    rows = [(r.cells, r.tone) for r in s.table.rows]
    pages = [rows[i : i + ROWS_PER_SLIDE] for i in range(0, len(rows), ROWS_PER_SLIDE)]
    for n, page in enumerate(pages, start=1):
        title = s.headline if n == 1 else f"Scorecard, continued ({n} of {len(pages)})"
        _table(_slide(prs, title), s.table.columns, page, _BODY_TOP)


def _section(prs: PresentationType, s: Section) -> None:
    slide = _slide(prs, s.headline)
    chart = s.chart or next((f.chart for f in s.findings if f.chart is not None), None)
    lines = [(f.headline, f.tone) for f in s.findings[:4]] or _facts(s.facts)
    lines += [(n, Tone.NEUTRAL) for n in s.notes[:1]]
    if chart is not None:
        left, right = _split(0.58)
        _picture(slide, chart, left)
        _text(slide, lines, right, 12)
    elif s.table is not None:
        _text(slide, lines[:2], (_MARGIN, _BODY_TOP, _BODY_WIDTH, _in(1.2)), 12)
        rows = [(r.cells, r.tone) for r in s.table.rows[:8]]
        _table(slide, s.table.columns, rows, _BODY_TOP + _in(1.3))
    else:
        _text(slide, lines, _FULL, 14)


def _mover(prs: PresentationType, f: Finding) -> None:
    slide = _slide(prs, f.headline)
    left, right = _split(0.6)
    if f.chart is not None:
        _picture(slide, f.chart, left)
    lines = [(d, Tone.NEUTRAL) for d in f.details] + _facts(f.facts, 5)
    _text(slide, lines, right if f.chart is not None else _FULL, 12)


def _actions(prs: PresentationType, s: Section) -> None:
    rows = [
        ((f.headline, f.details[1] if len(f.details) > 1 else ""), f.tone) for f in s.findings[:8]
    ]
    _table(_slide(prs, s.headline), ("Action", "Impact"), rows, _BODY_TOP)
    for f in s.findings:
        lines = [(d, Tone.NEUTRAL) for d in f.details] + _facts(f.facts, 6)
        _text(_slide(prs, f.headline), lines, _FULL, 14)


def render_pptx(briefing: Briefing, path: Path) -> Path:
    """Write the deck to ``path`` and return it."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = Emu(_WIDTH), Emu(_HEIGHT)
    cover = prs.slides.add_slide(prs.slide_layouts[_TITLE_SLIDE])
    assert cover.shapes.title is not None
    cover.shapes.title.text = briefing.title
    cover.placeholders[
        1
    ].text = f"Period {briefing.period_start} to {briefing.period_end}; data as of {briefing.as_of}"
    summary = [
        (f"{s.title}: {s.headline}", Tone.NEUTRAL)
        for s in briefing.present
        if s.kind is not SectionKind.ACTIONS
    ]
    _text(_slide(prs, f"{briefing.title}: in brief"), summary[:7], _FULL, 13)
    for s in briefing.present:
        match s.kind:
            case SectionKind.SCORECARD if s.table is not None:
                _scorecard(prs, s)
            case SectionKind.MOVERS if s.findings:
                for f in s.findings:
                    _mover(prs, f)
            case SectionKind.ACTIONS:
                _actions(prs, s)
            case _:
                _section(prs, s)
    if briefing.absent:
        lines = [(f"{s.title}: {s.note}.", Tone.NEUTRAL) for s in briefing.absent]
        n = len(briefing.absent)
        title = f"{n} section{'s' if n != 1 else ''} left out for lack of data"
        _text(_slide(prs, title), lines, _FULL, 14)
    prs.save(str(path))
    return path
