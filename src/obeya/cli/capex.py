"""``obeya capex``: capital project metrics, the NPV tornado and the best portfolio.

Registered by :func:`obeya.cli.finance.register`. The engines are imported inside the
commands, off the start-up path of every other command.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from obeya.cli.data import FormatOption
from obeya.cli.finance import opt, print_json, show
from obeya.cli.output import OutputFormat, out

__all__ = ["register"]

SpecArgument = Annotated[Path, typer.Argument(help="The capital projects YAML file.")]


def register(app: typer.Typer) -> None:
    capex_app = typer.Typer(no_args_is_help=True, rich_markup_mode="markdown")
    commands = (
        ("evaluate", capex_evaluate, "obeya capex evaluate projects.yaml --format json"),
        ("tornado", capex_tornado, "obeya capex tornado projects.yaml --project agv --step 0.1"),
        ("portfolio", capex_portfolio, "obeya capex portfolio projects.yaml --budget 500000"),
    )
    for name, fn, example in commands:
        capex_app.command(name, epilog=f"Example: {example}")(fn)
    app.add_typer(
        capex_app,
        name="capex",
        help="Capital projects: metrics, NPV tornado, the best portfolio within a budget.",
        epilog="Examples: obeya capex evaluate projects.yaml | obeya capex portfolio projects.yaml",
    )


@functools.cache
def _quiet_highs() -> None:
    """Make the process's first HiGHS object with fd 1 on /dev/null: highspy prints
    its banner to the standard output below Python, the first time only."""
    import highspy

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            highspy.Highs()  # type: ignore[no-untyped-call]
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def capex_evaluate(file: SpecArgument, fmt: FormatOption = OutputFormat.TABLE) -> None:
    """NPV, IRR, MIRR, payback, discounted payback and profitability index per project.

    A metric that does not exist (no IRR for flows that never change sign, say) is
    empty, with the reason under the table (`irr_note` etc. in JSON, `notes` in CSV).
    """
    from obeya.finance import evaluate, load_capex_spec

    results = [r.to_dict() for r in evaluate(load_capex_spec(file))]
    if fmt is OutputFormat.JSON:
        print_json(results)
        return
    keys = ("id", "npv", "irr", "mirr", "payback_years", "discounted_payback_years")
    rows = [{k: r[k] for k in (*keys, "profitability_index")} for r in results]
    notes = [
        (r["id"], k.removesuffix("_note"), str(v))
        for r in results
        for k, v in r.items()
        if k.endswith("_note")
    ]
    if fmt is OutputFormat.CSV:
        for row in rows:
            row["notes"] = "; ".join(f"{m}: {n}" for pid, m, n in notes if pid == row["id"])
        show(rows, fmt)
        return
    show(rows, fmt, f"Capital projects in {file}", pct=("irr", "mirr"))
    for pid, metric, note in notes:
        out.print(f"{pid}: {metric}: {note}", markup=False)


def capex_tornado(
    file: SpecArgument,
    project: Annotated[str, typer.Option("--project", help="The project id.")],
    step: Annotated[float, typer.Option(help="Relative move of each driver, 0.1 = 10%.")] = 0.1,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """NPV with each driver moved down and up by --step, largest swing first."""
    from obeya.finance import load_capex_spec, tornado

    t = tornado(load_capex_spec(file), project, step)
    bars = [dataclasses.asdict(b) | {"swing": b.swing} for b in t.bars]
    if fmt is OutputFormat.JSON:
        print_json({"project": t.project_id, "base_npv": t.base_npv, "step": t.step, "bars": bars})
        return
    title = f"NPV tornado of {t.project_id} (base NPV {t.base_npv:,.0f}, step {t.step:.0%})"
    show(bars, fmt, title)


def capex_portfolio(
    file: SpecArgument,
    budget: Annotated[
        float | None, opt("--budget", help="Year-0 budget (replaces the file's budget).", min=0)
    ] = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """The projects that maximise total NPV within the budget (a 0-1 programme, HiGHS).

    Honours requires, excludes and mandatory; a spec with no feasible choice is an
    error naming the conflict.
    """
    from obeya.finance import load_capex_spec, npv, select_portfolio

    spec = load_capex_spec(file)
    if budget is not None:
        spec = spec.model_copy(update={"budget": budget})
    _quiet_highs()
    result = select_portfolio(spec)
    projects = [
        {
            "id": p.id,
            "chosen": p.id in result.chosen,
            "npv": npv(spec.discount_rate, p.flows()),
            "capex": -float(p.flows()[0]),
        }
        for p in spec.projects
    ]
    if fmt is OutputFormat.JSON:
        print_json(result.to_dict() | {"projects": projects})
        return
    show(projects, fmt, f"Portfolio from {file}")
    if fmt is OutputFormat.TABLE:
        budgets = ", ".join(f"{b:,.0f}" for b in result.budgets) or "none"
        out.print(
            f"chosen: {', '.join(result.chosen) or '(none)'}; total NPV {result.total_npv:,.2f}; "
            f"capex used {result.capex_used:,.2f} of budget {budgets}",
            markup=False,
        )
