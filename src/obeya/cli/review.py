"""``obeya brief`` (the executive briefing) and ``obeya alerts`` (rules, runs, tests).

Thin commands: they call :func:`obeya.review.write_briefing` and the functions of
:mod:`obeya.alerts`, and print what was written or sent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from obeya.cli.data import WarehouseOption
from obeya.cli.output import err, out

__all__ = ["register"]

alerts_app = typer.Typer(
    name="alerts",
    help="Alert rules (YAML): run them, check them, send a test message.",
    no_args_is_help=True,
    epilog="Examples: obeya alerts check alerts.yaml | obeya alerts run alerts.yaml --dry-run | "
    "obeya alerts test alerts.yaml",
)
RulesArgument = Annotated[
    Path, typer.Argument(help="The alert rules file (YAML).", show_default=False)
]


def register(app: typer.Typer) -> None:
    app.command(
        "brief",
        epilog="Examples: obeya brief --period 2025-11 | obeya brief --period 2025-W46 --format pdf "
        "--paper letter --out ./briefings | obeya brief --format html,pptx",
    )(brief)
    alerts_app.command(
        "run",
        epilog="Examples: obeya alerts run alerts.yaml | obeya alerts run alerts.yaml --dry-run",
    )(alerts_run)
    alerts_app.command("test", epilog="Example: obeya alerts test alerts.yaml")(alerts_test)
    alerts_app.command("check", epilog="Example: obeya alerts check alerts.yaml")(alerts_check)
    app.add_typer(alerts_app)


def brief(
    period: Annotated[
        str | None,
        typer.Option(
            "--period",
            "-p",
            help="Month YYYY-MM or ISO week YYYY-Www (default: the latest complete month).",
            show_default=False,
        ),
    ] = None,
    grain: Annotated[
        str | None,
        typer.Option(help="month or week (default: from the period's form).", show_default=False),
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="Comma-separated: html, pdf, pptx, json.")
    ] = "html,pdf,pptx",
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Folder for the files.")] = Path("."),
    paper: Annotated[str, typer.Option(help="PDF page size: a4 or letter.")] = "a4",
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            envvar="OBEYA_BASE_URL",
            help="The war room's address, for links from the briefing (none by default).",
            show_default=False,
        ),
    ] = None,
    warehouse: WarehouseOption = None,
) -> None:
    """The weekly or monthly operations review as HTML, PDF and PowerPoint.

    Scorecard, top movers and their drivers, SPC signals, stock-outs and excess ahead,
    capacity hot spots, supplier problems, the P&L against budget and recommended
    actions with their impact; a section without data is left out with a note.
    Prints the paths written.
    """
    from obeya.review import BriefingSettings, write_briefing

    settings = BriefingSettings(base_url=base_url)
    paths = write_briefing(
        warehouse_or_default(warehouse),
        period,
        fmt,
        out_dir,
        grain=grain,
        paper=paper,
        settings=settings,
    )
    for path in paths:
        out.print(str(path), markup=False)


def warehouse_or_default(warehouse: str | None) -> str:
    from obeya.warehouse import resolve_url

    return resolve_url(warehouse).target


def alerts_run(
    rules: RulesArgument,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Evaluate and list; send and record nothing.")
    ] = False,
    warehouse: WarehouseOption = None,
) -> None:
    """Evaluate every rule once and send each new condition to the rule's channels.

    One alert per condition until it clears (state in the warehouse table
    alert_state); a channel that fails is tried again on the next run. Exits 1 when
    a delivery failed or a rule could not be evaluated.
    """
    from obeya.alerts import load_rules, run_alerts
    from obeya.warehouse import Warehouse

    spec = load_rules(rules)
    with Warehouse.open(warehouse, read_only=dry_run) as wh:
        report = run_alerts(wh, spec, dry_run=dry_run)
    verb = "would send" if dry_run else "sent"
    for o in report.outcomes:
        if o.error is not None:
            err.print(f"{o.rule_id}: error: {o.error}", markup=False)
            continue
        out.print(
            f"{o.rule_id}: {len(o.active)} active, {len(o.new)} new, {len(o.cleared)} cleared; "
            f"{verb} {len(o.sent)}" + (f": {', '.join(o.sent)}" if o.sent else ""),
            markup=False,
        )
        for failure in o.failures:
            err.print(f"{o.rule_id}: delivery failed: {failure}", markup=False)
    if not report.ok:
        raise typer.Exit(1)


def alerts_test(rules: RulesArgument) -> None:
    """Send a test message on every channel of the rules file."""
    from obeya.alerts import load_rules, send_test

    lines = send_test(load_rules(rules))
    for line in lines:
        out.print(line, markup=False)
    if any(not line.endswith(": ok") for line in lines):
        raise typer.Exit(1)


def alerts_check(rules: RulesArgument) -> None:
    """Check a rules file (schema, channels, ids) and list its rules."""
    from obeya.alerts import load_rules

    spec = load_rules(rules)
    for r in spec.spec.rules:
        out.print(
            f"{spec.where(r.id)}: {r.id} ({r.kind.value}) -> {', '.join(r.channels)}", markup=False
        )
