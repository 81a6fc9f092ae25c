"""The briefing's deck opened in LibreOffice Impress: ``soffice`` converts it to PDF
and the PDF is read back page by page with poppler (pdfinfo, pdftotext, pdftoppm).

python-pptx only says the file is well formed as python-pptx sees it; here a second,
independent reader lays every slide out. One page per slide, each page shows its
slide's title and every paragraph and table cell of the slide (pdftotext drops what
falls off the page, so an overflowing box would show as missing text), and each
chart picture is drawn where the slide puts it. LibreOffice and poppler are
installed by ``scripts/system-deps.sh`` (``make system``): a missing ``soffice``
fails the tests rather than skipping them.

The deck is the hand-made company of ``tests/review/company.py`` (November 2025),
converted once for the module, and once for all pytest-xdist workers (building the
briefing takes about 3 s, soffice about 2 s to start and convert).
"""

from __future__ import annotations

import fcntl
import io
import os
import pickle
import re
import shutil
import signal
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pptx import Presentation
from pptx.shapes.autoshape import Shape
from pptx.shapes.graphfrm import GraphicFrame
from pptx.shapes.picture import Picture
from pptx.slide import Slide

from obeya.ingest import load_arrow
from obeya.review import Briefing, Format, SectionKind, assemble_briefing, render
from obeya.warehouse import Warehouse
from tests.review.company import company_tables

# the moment the briefing is assembled, as in tests/review/conftest.py
NOW = datetime(2025, 12, 1, 9, 0)
SOFFICE_TIMEOUT_S = 180
DPI = 50
EMU_PER_INCH = 914_400


@dataclass(frozen=True)
class Converted:
    """The briefing, its deck, and the PDF LibreOffice made of it."""

    briefing: Briefing
    deck: Path
    pdf: Path
    stdout: str
    stderr: str


def _soffice_to_pdf(deck: Path, out_dir: Path, profile: Path) -> tuple[int, str, str]:
    """Convert ``deck`` to PDF in ``out_dir`` with a profile of its own (so it runs as
    root and beside other soffice processes); the exit code, stdout and stderr.

    soffice starts helper processes: on a timeout the whole process group is killed.
    """
    soffice = shutil.which("soffice")
    assert soffice is not None, (
        "soffice (LibreOffice Impress) is not installed: run scripts/system-deps.sh as root "
        "(make system)"
    )
    cmd = [
        soffice,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--norestore",
        "--convert-to",
        "pdf",
        "--outdir",
        str(out_dir),
        str(deck),
    ]
    with subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    ) as proc:
        try:
            out, err = proc.communicate(timeout=SOFFICE_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            pytest.fail(f"soffice did not convert {deck.name} within {SOFFICE_TIMEOUT_S} s")
    return proc.returncode, out, err


def _convert(root: Path) -> Converted:
    with Warehouse.open(":memory:") as wh:
        load_arrow(wh, company_tables(), label="company")
        briefing = assemble_briefing(wh, "2025-11", now=NOW)
    deck = render(briefing, Format.PPTX, root / "briefing-2025-11.pptx")
    code, out, err = _soffice_to_pdf(deck, root / "pdf", root / "profile")
    assert code == 0, f"soffice exited with {code}: {err}"
    return Converted(briefing, deck, root / "pdf" / "briefing-2025-11.pdf", out, err)


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> Converted:
    """The deck converted once: under pytest-xdist the workers share one conversion in
    the session's folder (the first to take the lock converts, the others read it)."""
    base = tmp_path_factory.getbasetemp()
    root = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "libreoffice"
    root.mkdir(exist_ok=True)
    with (root / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = root / "converted.pickle"
        if done.is_file():
            shared: Converted = pickle.loads(done.read_bytes())
            return shared
        converted = _convert(root)
        done.write_bytes(pickle.dumps(converted))
        return converted


def _run(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True, timeout=60).stdout


def _squash(text: str) -> str:
    """The text without any whitespace: a line LibreOffice wraps, at a space or after
    a hyphen (``QC-P-`` / ``PL1-01``), reads the same as the unwrapped original."""
    return "".join(text.split())


def _page_text(pdf: Path, page: int) -> str:
    # -raw keeps the content order and does not join a hyphen at a line's end
    return _run("pdftotext", "-raw", "-f", str(page), "-l", str(page), str(pdf), "-")


def _slides(deck: Path) -> list[Slide]:
    return list(Presentation(str(deck)).slides)


def _texts(slide: Slide) -> list[str]:
    """Every paragraph of the slide's text boxes and placeholders, every table cell."""
    out: list[str] = []
    for shape in slide.shapes:
        if isinstance(shape, Shape) and shape.has_text_frame:
            out += [p.text for p in shape.text_frame.paragraphs]
        if isinstance(shape, GraphicFrame) and shape.has_table:
            out += [cell.text for row in shape.table.rows for cell in row.cells]
    return out


def _title(slide: Slide) -> str:
    return slide.shapes.title.text if slide.shapes.title is not None else ""


def test_soffice_converts_the_deck(converted: Converted) -> None:
    assert converted.pdf.is_file()
    assert f"-> {converted.pdf} using filter : impress_pdf_Export" in converted.stdout
    # soffice exits 0 even when it cannot load the file; it says so on stderr
    assert not re.search(r"^Error", converted.stderr, re.MULTILINE), converted.stderr


def test_one_page_per_slide_at_16_by_9(converted: Converted) -> None:
    info = _run("pdfinfo", str(converted.pdf))
    pages = re.search(r"^Pages:\s+(\d+)$", info, re.MULTILINE)
    assert pages is not None
    assert int(pages.group(1)) == len(_slides(converted.deck))
    # 13.333 x 7.5 inches at 72 points an inch: 959.98 x 540 points
    size = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+) pts", info, re.MULTILINE)
    assert size is not None
    assert float(size.group(1)) == pytest.approx(13.333 * 72, abs=0.1)
    assert float(size.group(2)) == pytest.approx(7.5 * 72, abs=0.1)


def test_each_page_shows_its_slide_title_and_text(converted: Converted) -> None:
    slides = _slides(converted.deck)
    titles = [_title(s) for s in slides]
    # the whole deck is read back, from the cover to the sections left out
    assert titles[0] == "Monthly operations review 2025-11"
    assert titles[-1] == "3 sections left out for lack of data"
    # the check below reads tables too: the scorecard's KPI names are among the texts
    scorecard = converted.briefing.section(SectionKind.SCORECARD).table
    assert scorecard is not None
    assert {row.cells[0] for row in scorecard.rows} <= {t for s in slides for t in _texts(s)}
    for page, slide in enumerate(slides, start=1):
        text = _squash(_page_text(converted.pdf, page))
        assert _squash(titles[page - 1]) in text, (page, titles[page - 1])
        # every paragraph and table cell on the slide is on the page, in full
        missing = [p for p in _texts(slide) if _squash(p) not in text]
        assert missing == [], (page, missing)


def _picture_slides(slides: list[Slide]) -> list[tuple[int, Picture]]:
    return [
        (page, shape)
        for page, slide in enumerate(slides, start=1)
        for shape in slide.shapes
        if isinstance(shape, Picture)
    ]


def test_chart_pages_draw_their_charts(converted: Converted, tmp_path: Path) -> None:
    slides = _slides(converted.deck)
    pictures = _picture_slides(slides)
    pages = {page for page, _ in pictures}
    titles = [_title(s) for s in slides]
    # a chart on every mover's slide and on the P&L's (the waterfall)
    chart_titles = [f.headline for f in converted.briefing.section(SectionKind.MOVERS).findings]
    chart_titles.append(converted.briefing.section(SectionKind.PNL).headline)
    assert {titles.index(t) + 1 for t in chart_titles} <= pages
    scale = DPI / EMU_PER_INCH
    for page, picture in pictures:
        stem = tmp_path / f"page-{page}"
        _run(
            "pdftoppm", "-r", str(DPI), "-png", "-gray", "-singlefile",
            "-f", str(page), "-l", str(page), str(converted.pdf), str(stem),
        )  # fmt: skip
        with Image.open(stem.with_suffix(".png")) as im:
            grey = np.asarray(im.convert("L"), dtype=np.float64)
        top, left = round(picture.top * scale), round(picture.left * scale)
        bottom = round((picture.top + picture.height) * scale)
        right = round((picture.left + picture.width) * scale)
        drawn = grey[top:bottom, left:right]
        # ink where the picture sits: a blank box has none; the charts' lines, bars,
        # axes and labels cover some 4% to 50% of it
        assert (drawn < 200).mean() > 0.01, page
        # and it is this slide's chart: the embedded PNG, scaled to the box, matches
        # what LibreOffice drew (0.7 to 0.95 on this deck and on the demo company's,
        # where another chart of the same deck gives at most 0.4; a blank box none)
        with Image.open(io.BytesIO(picture.image.blob)) as im:
            source = np.asarray(
                im.convert("L").resize((right - left, bottom - top), Image.Resampling.BOX),
                dtype=np.float64,
            )
        assert np.corrcoef(drawn.ravel(), source.ravel())[0, 1] > 0.5, page
