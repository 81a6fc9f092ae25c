"""The ``obeya`` command line: thin commands over the same services as the web app.

One exception handler: a user's mistake (any :class:`~obeya.errors.ObeyaError`)
prints one ``error:`` line (the problems of a refused load follow it) and exits
with status 2; the traceback is shown only with ``--verbose``.
"""

from __future__ import annotations

import sys
import traceback

import typer

from obeya.cli import data, demo
from obeya.cli import finance as finance_cli
from obeya.cli import forecast as forecast_cli
from obeya.cli import inventory as inventory_cli
from obeya.cli import kpi as kpi_cli
from obeya.cli import planning as planning_cli
from obeya.cli import quality as quality_cli
from obeya.cli import review as review_cli
from obeya.cli import web as web_cli
from obeya.cli.output import err
from obeya.errors import LoadRefused, ObeyaError

__all__ = ["app", "main"]

app = typer.Typer(
    name="obeya",
    help="obeya: the operations war room. One data model, every analysis, answers you can defend.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
    context_settings={"help_option_names": ["-h", "--help"]},
)

_state = {"verbose": False}


@app.callback()
def _root(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show tracebacks for errors."),
) -> None:
    """obeya: the operations war room."""
    _state["verbose"] = verbose


data.register(app)
demo.register(app)
kpi_cli.register(app)
finance_cli.register(app)
inventory_cli.register(app)
web_cli.register(app)
planning_cli.register(app)
quality_cli.register(app)
review_cli.register(app)
forecast_cli.register(app)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``obeya`` script."""
    args = sys.argv[1:] if argv is None else argv
    _state["verbose"] = "--verbose" in args or "-v" in args
    try:
        app(args=args, prog_name="obeya")  # Typer handles its own usage errors and exits
    except ObeyaError as exc:
        if _state["verbose"]:
            traceback.print_exc()
        message = exc.render() if isinstance(exc, LoadRefused) else str(exc)
        err.print(f"error: {message}", markup=False)
        raise SystemExit(2) from None
