"""The generated documentation: data model, KPI catalog and the CLI reference.

``obeya docs`` writes them; a test fails when a committed file is stale.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from obeya.model.docs import render_data_model

__all__ = ["GENERATED", "render_cli_reference", "walk_commands", "write_docs"]


def walk_commands(cmd: Any, path: list[str]) -> list[tuple[list[str], Any]]:
    found = [(path, cmd)]
    commands = getattr(cmd, "commands", None) or {}
    for name in sorted(commands):
        found += walk_commands(commands[name], [*path, name])
    return found


def render_cli_reference(app: typer.Typer) -> str:
    """Every command's ``--help``, as text, in one Markdown page."""
    root = typer.main.get_command(app)
    lines = [
        "# Command reference",
        "",
        "<!-- Generated from the commands' --help by `obeya docs`; do not edit. -->",
        "",
        "Every command takes `--warehouse PATH|URL` (or the `OBEYA_WAREHOUSE` environment",
        "variable; default `./obeya.duckdb`) and `--help`. Errors in your input print one",
        "`error:` line and exit with status 2 (`obeya --verbose ...` adds the traceback).",
        "",
    ]
    import typer.rich_utils as ru

    saved = (ru.MAX_WIDTH, ru.COLOR_SYSTEM, ru.FORCE_TERMINAL)
    ru.MAX_WIDTH, ru.COLOR_SYSTEM, ru.FORCE_TERMINAL = 100, None, False
    try:
        for path, cmd in walk_commands(root, ["obeya"]):
            if cmd.hidden:
                continue
            buf = io.StringIO()
            with contextlib.redirect_stdout(buf):
                help_text = cmd.get_help(typer.Context(cmd, info_name=" ".join(path)))
            text = buf.getvalue() or help_text
            text = "\n".join(line.rstrip() for line in text.strip("\n").splitlines())
            lines += [f"## `{' '.join(path)}`", "", "```text", text, "```", ""]
    finally:
        ru.MAX_WIDTH, ru.COLOR_SYSTEM, ru.FORCE_TERMINAL = saved
    return "\n".join(lines)


def _generated(app: typer.Typer) -> dict[str, Callable[[], str]]:
    docs: dict[str, Callable[[], str]] = {
        "data-model.md": render_data_model,
        "cli.md": lambda: render_cli_reference(app),
    }
    try:
        from obeya.metrics import load_catalog, render_kpi_docs
    except ImportError:
        return docs
    docs["kpis.md"] = lambda: render_kpi_docs(load_catalog())
    return docs


GENERATED = _generated


def write_docs(app: typer.Typer, folder: Path) -> list[Path]:
    """Write every generated page into ``folder``; return the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, render in _generated(app).items():
        path = folder / name
        path.write_text(render().rstrip("\n") + "\n")
        written.append(path)
    return written
