"""Write a briefing to files: :func:`write_briefing` is what the CLI, ``obeya demo``
and the web app's archive call.

Files are named ``briefing-<period>.<ext>`` (``briefing-2025-11.pdf``,
``briefing-2025-W46.pptx``) in ``out_dir``, which is created when missing. Each
file is written to a temporary name beside it and renamed, so a reader never sees
half a file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import assert_never

from obeya.errors import ConfigError
from obeya.metrics.periods import Grain
from obeya.review.assemble import assemble_briefing
from obeya.review.context import BriefingSettings
from obeya.review.model import Briefing
from obeya.review.render_html import Paper, render_html
from obeya.review.render_pdf import render_pdf
from obeya.review.render_pptx import render_pptx
from obeya.warehouse import Warehouse

__all__ = ["Format", "Paper", "parse_formats", "render", "write_briefing"]


class Format(StrEnum):
    HTML = "html"
    PDF = "pdf"
    PPTX = "pptx"
    JSON = "json"


def parse_formats(text: str | Iterable[str | Format]) -> tuple[Format, ...]:
    """``"html,pdf"`` or a list of names, in order, without repeats."""
    names = text.split(",") if isinstance(text, str) else [str(t) for t in text]
    out: list[Format] = []
    for name in (n.strip().lower() for n in names):
        if not name:
            continue
        try:
            fmt = Format(name)
        except ValueError:
            known = ", ".join(f.value for f in Format)
            raise ConfigError(
                f"unknown briefing format {name!r}; use one or more of {known}"
            ) from None
        if fmt not in out:
            out.append(fmt)
    if not out:
        raise ConfigError("no briefing format given; use html, pdf, pptx or json (comma-separated)")
    return tuple(out)


def render(briefing: Briefing, fmt: Format, path: Path, paper: Paper = Paper.A4) -> Path:
    """Write one format of ``briefing`` to ``path`` (atomically) and return ``path``."""
    tmp = path.with_name(f".{path.name}.tmp")
    match fmt:
        case Format.HTML:
            tmp.write_text(render_html(briefing, paper), encoding="utf-8")
        case Format.PDF:
            render_pdf(briefing, tmp, paper)
        case Format.PPTX:
            render_pptx(briefing, tmp)
        case Format.JSON:
            tmp.write_text(
                json.dumps(briefing.to_dict(), indent=2, ensure_ascii=False), encoding="utf-8"
            )
        case _:
            assert_never(fmt)
    os.replace(tmp, path)
    return path


def write_briefing(
    warehouse: Warehouse | str | Path,
    period: str | date | None = None,
    formats: str | Iterable[str | Format] = (Format.HTML, Format.PDF, Format.PPTX),
    out_dir: str | Path = ".",
    *,
    grain: Grain | str | None = None,
    paper: Paper | str = Paper.A4,
    settings: BriefingSettings | None = None,
) -> list[Path]:
    """Assemble the briefing of ``period`` and write it in every format; the paths.

    ``warehouse`` is an open :class:`~obeya.warehouse.Warehouse` or its location (it
    is then opened read-only and closed again).
    """
    fmts = parse_formats(formats)
    try:
        paper = Paper(str(paper).lower())
    except ValueError:
        raise ConfigError(f"unknown paper {paper!r}; use a4 or letter") from None
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(warehouse, Warehouse):
        briefing = assemble_briefing(warehouse, period, grain, settings)
    else:
        with Warehouse.open(str(warehouse), read_only=True) as wh:
            briefing = assemble_briefing(wh, period, grain, settings)
    return [
        render(briefing, fmt, folder / f"briefing-{briefing.period}.{fmt.value}", paper)
        for fmt in fmts
    ]
