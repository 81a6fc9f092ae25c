"""The briefing as a PDF on A4 and Letter: its text checked page by page (pdftotext)
and every page rendered to a picture (pdftoppm)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from obeya.review import Briefing, Format, Paper, render

PAGE_SIZES = {Paper.A4: "595.276 x 841.89 pts (A4)", Paper.LETTER: "612 x 792 pts (letter)"}


def _pdf_pages(path: Path) -> list[str]:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))  # type: ignore[union-attr]
    return [
        subprocess.run(
            ["pdftotext", "-layout", "-f", str(i), "-l", str(i), str(path), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for i in range(1, pages + 1)
    ]


@pytest.mark.parametrize("paper", [Paper.A4, Paper.LETTER])
def test_pdf_reads_page_by_page(briefing: Briefing, tmp_path: Path, paper: Paper) -> None:
    path = render(briefing, Format.PDF, tmp_path / f"b-{paper.value}.pdf", paper)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert PAGE_SIZES[paper] in info
    pages = _pdf_pages(path)
    assert "Monthly operations review 2025-11" in pages[0]
    assert "In brief" in pages[0]
    # every section present starts a page with its title; the sections left out are
    # listed in brief, with their notes
    firsts = [p.strip().splitlines()[0].strip() if p.strip() else "" for p in pages]
    for s in briefing.present:
        assert s.title in firsts, s.title
    assert "Forecast accuracy: left out (no forecast run in the warehouse" in " ".join(
        pages[0].split()
    )
    # the figures are in the text, not only in pictures
    movers = " ".join(pages[firsts.index("Top movers") :])
    assert "OTD fell 20.0 pts to 70.0% against 2025-10; 28.0 pts of the fall come" in " ".join(
        movers.split()
    )
    assert f"page 1 of {len(pages)}" in pages[0]
    # every page renders to a picture with ink on it
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(path), str(tmp_path / "p")], check=True)
    images = sorted(tmp_path.glob("p-*.png"))
    assert len(images) == len(pages)
    for image in images:
        with Image.open(image) as im:
            darkest = min(im.convert("L").getextrema())
            assert darkest < 200, image.name
