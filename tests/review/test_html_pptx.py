"""The briefing as files: one self-contained HTML page, a deck checked slide by slide,
the JSON twin."""

from __future__ import annotations

import re
from pathlib import Path

from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from obeya.review import Briefing, Format, SectionKind, render


def test_html_is_one_self_contained_file(briefing: Briefing, tmp_path: Path) -> None:
    html = render(briefing, Format.HTML, tmp_path / "b.html").read_text(encoding="utf-8")
    # nothing is fetched: no URL at all, no script, stylesheet link, image or font file
    assert re.search(r"https?://", html) is None
    for pattern in (r"<script", r"<link", r"<img", r"\bsrc=", r"url\(", r"@import", r"@font-face"):
        assert re.search(pattern, html, re.IGNORECASE) is None, pattern
    assert html.count("<svg") >= 1 + len(briefing.section(SectionKind.SCORECARD).table.rows)  # type: ignore[union-attr]
    for s in briefing.present:
        assert f"<h2>{s.title.replace('&', '&amp;')}</h2>" in html
        assert s.headline.replace("&", "&amp;") in html
    assert "Left out: no forecast run in the warehouse: run a forecast first." in html


def test_deck_one_message_per_slide(briefing: Briefing, tmp_path: Path) -> None:
    deck = Presentation(str(render(briefing, Format.PPTX, tmp_path / "b.pptx")))
    titles = [s.shapes.title.text if s.shapes.title is not None else "" for s in deck.slides]
    assert titles[0] == "Monthly operations review 2025-11"
    assert titles[1] == "Monthly operations review 2025-11: in brief"
    scorecard = briefing.section(SectionKind.SCORECARD)
    assert titles[2] == scorecard.headline
    slides = list(deck.slides)
    assert any(shape.has_table for shape in slides[2].shapes)
    movers = briefing.section(SectionKind.MOVERS).findings
    for finding in movers:  # one slide per mover: the sentence, and its chart as a picture
        slide = slides[titles.index(finding.headline)]
        assert any(shape.shape_type == MSO_SHAPE_TYPE.PICTURE for shape in slide.shapes)
    pnl = slides[titles.index(briefing.section(SectionKind.PNL).headline)]
    assert any(shape.shape_type == MSO_SHAPE_TYPE.PICTURE for shape in pnl.shapes)  # waterfall
    actions = briefing.section(SectionKind.ACTIONS)
    assert actions.headline in titles
    assert [t for t in titles if t in {a.title for a in briefing.actions}] == [
        a.title for a in briefing.actions
    ]
    assert titles[-1] == "3 sections left out for lack of data"
    text = " ".join(shape.text_frame.text for shape in slides[-1].shapes if shape.has_text_frame)
    assert "Stock-outs and excess ahead: inventory_snapshots is empty" in text


def test_json_twin(briefing: Briefing, tmp_path: Path) -> None:
    text = render(briefing, Format.JSON, tmp_path / "b.json").read_text(encoding="utf-8")
    assert '"title": "Monthly operations review 2025-11"' in text
