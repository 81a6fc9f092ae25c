"""``obeya kaizen add|list|verify``: the improvement register in the warehouse.

Thin over :mod:`obeya.quality.register`; the engines are imported inside the commands
so other commands start fast. Choices mirror the engines' enums by value.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated

import pyarrow as pa
import typer

from obeya.cli.data import FormatOption, WarehouseOption
from obeya.cli.output import OutputFormat, out, print_rows
from obeya.cli.quality import note, parse_date, print_json
from obeya.errors import ConfigError
from obeya.metrics.periods import Grain
from obeya.warehouse import Warehouse

__all__ = ["KaizenMethodChoice", "KaizenStatusChoice", "VerifyTestChoice", "register"]


class KaizenMethodChoice(StrEnum):  # obeya.quality.KaizenMethod
    DMAIC = "dmaic"
    KAIZEN = "kaizen"


class KaizenStatusChoice(StrEnum):  # obeya.quality.KaizenStatus
    PLANNED = "planned"
    ACTIVE = "active"
    VERIFIED = "verified"
    CLOSED = "closed"


class VerifyTestChoice(StrEnum):  # obeya.quality.VerifyTest
    AUTO = "auto"
    RATE = "rate"
    MEAN = "mean"
    SKEWED = "skewed"


def register(app: typer.Typer) -> None:
    """Add the ``kaizen`` command group to ``app``."""
    kaizen = typer.Typer(
        name="kaizen",
        help="The improvement register: projects, and the before/after proof that they worked.",
        epilog='Examples: obeya kaizen add --title "Pick-to-light" --kpi otd --filter site=DC-NL1 '
        "--baseline-from 2025-01-06 --baseline-to 2025-03-30 --go-live 2025-04-07 | "
        "obeya kaizen verify KZ-001 | obeya kaizen list",
        no_args_is_help=True,
    )
    kaizen.command(
        "add",
        epilog='Example: obeya kaizen add --title "SMED on line 2" --kpi first_pass_yield '
        "--filter site=P-DE1 --baseline-from 2025-03-03 --baseline-to 2025-03-30 "
        "--go-live 2025-04-07 --value-per-unit 12",
    )(kaizen_add)
    kaizen.command("list", epilog="Example: obeya kaizen list --format json")(kaizen_list)
    kaizen.command(
        "verify", epilog="Example: obeya kaizen verify KZ-001 --grain week --format json"
    )(kaizen_verify)
    app.add_typer(kaizen)


def _filters(values: list[str] | None) -> dict[str, list[str]]:
    out_: dict[str, list[str]] = {}
    for text in values or []:
        name, sep, value = text.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise ConfigError(f"--filter {text!r}: write DIMENSION=VALUE, e.g. --filter site=P-DE1")
        out_.setdefault(name.strip(), []).append(value.strip())
    return out_


def _required_date(value: str, option: str) -> dt.date:
    day = parse_date(value, option)
    assert day is not None
    return day


def kaizen_add(
    title: Annotated[str, typer.Option(help="What is being improved.")],
    kpi: Annotated[str, typer.Option(help="A KPI id of the catalog (docs/kpis.md).")],
    baseline_from: Annotated[str, typer.Option(help="First day of the baseline.")],
    baseline_to: Annotated[str, typer.Option(help="Last day of the baseline.")],
    after_from: Annotated[str | None, typer.Option(help="First day of the after window.")] = None,
    go_live: Annotated[
        str | None, typer.Option(help="Go-live date: the after window runs from it to today.")
    ] = None,
    after_to: Annotated[
        str | None, typer.Option(help="Last day of the after window (default: as of the data).")
    ] = None,
    method: Annotated[
        KaizenMethodChoice,
        typer.Option(case_sensitive=False, help="DMAIC project or kaizen event."),
    ] = KaizenMethodChoice.KAIZEN,
    filter_: Annotated[
        list[str] | None,
        typer.Option("--filter", help="Cut of the KPI, DIMENSION=VALUE (repeatable)."),
    ] = None,
    target: Annotated[float | None, typer.Option(help="Target value of the KPI.")] = None,
    owner: Annotated[str, typer.Option(help="Who owns the project.")] = "",
    status: Annotated[KaizenStatusChoice, typer.Option(help="Where the project stands.")] = (
        KaizenStatusChoice.ACTIVE
    ),
    value_per_unit: Annotated[
        float, typer.Option(help="Money per unit of KPI improvement per unit of volume.")
    ] = 0.0,
    project_id: Annotated[
        str | None, typer.Option("--id", help="Project id (default: KZ-001, KZ-002, ...).")
    ] = None,
    warehouse: WarehouseOption = None,
) -> None:
    """Add a project to the improvement register (stored in the warehouse)."""
    from obeya import quality as q

    if (after_from is None) == (go_live is None):
        raise ConfigError("give the after window's start: --after-from DATE or --go-live DATE")
    start = _required_date(
        after_from or go_live or "", "--after-from" if after_from else "--go-live"
    )
    with Warehouse.open(warehouse, create=False) as wh:
        project = q.add_project(
            wh,
            title=title,
            kpi=kpi,
            method=q.KaizenMethod(method.value),
            filters=_filters(filter_),
            baseline_from=_required_date(baseline_from, "--baseline-from"),
            baseline_to=_required_date(baseline_to, "--baseline-to"),
            after_from=start,
            after_to=parse_date(after_to, "--after-to"),
            target=target,
            owner=owner,
            status=q.KaizenStatus(status.value),
            value_per_unit=value_per_unit,
            project_id=project_id,
        )
    after = (
        f"{project.after_from} to {project.after_to}"
        if project.after_to
        else (f"since {project.after_from}")
    )
    out.print(
        f"added {project.id} {project.title!r}: {project.kpi} ({project.filters_text()}), "
        f"baseline {project.baseline_from} to {project.baseline_to}, after {after}",
        markup=False,
    )


def kaizen_list(fmt: FormatOption = OutputFormat.TABLE, warehouse: WarehouseOption = None) -> None:
    """The projects of the register with their latest verification."""
    from obeya import quality as q

    with Warehouse.open(warehouse, create=False) as wh:
        projects = q.list_projects(wh)
        latest = {v.project_id: v for v in q.latest_verifications(wh)}
    if fmt is OutputFormat.JSON:
        print_json(
            [
                p.to_dict()
                | {"latest_verification": (v.to_dict() if (v := latest.get(p.id)) else None)}
                for p in projects
            ]
        )
        return
    rows = []
    for p in projects:
        v = latest.get(p.id)
        rows.append(
            {
                "id": p.id,
                "title": p.title,
                "kpi": p.kpi,
                "cut": p.filters_text(),
                "status": p.status.value,
                "before": None if v is None else v.before_value,
                "after": None if v is None else v.after_value,
                "p_value": None if v is None else v.p_value,
                "annual_saving": None if v is None else v.annual_saving,
            }
        )
    if not rows:
        note("the register is empty; add a project with `obeya kaizen add`")
    schema = pa.schema(
        [pa.field(n, pa.string()) for n in ("id", "title", "kpi", "cut", "status")]
        + [pa.field(n, pa.float64()) for n in ("before", "after", "p_value", "annual_saving")]
    )
    print_rows(pa.Table.from_pylist(rows, schema=schema), fmt, title="kaizen register")


def kaizen_verify(
    project_id: Annotated[str, typer.Argument(help="The project id (see obeya kaizen list).")],
    grain: Annotated[Grain, typer.Option(help="Periods the KPI is computed over.")] = Grain.WEEK,
    test: Annotated[
        VerifyTestChoice, typer.Option(help="Significance test (auto: by the kind of KPI).")
    ] = VerifyTestChoice.AUTO,
    alpha: Annotated[float, typer.Option(help="Significance level.")] = 0.05,
    annual_volume: Annotated[
        float | None, typer.Option(help="Units per year (default: from the after window).")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option(help="Date the data are taken at (default: the latest).")
    ] = None,
    fmt: FormatOption = OutputFormat.TABLE,
    warehouse: WarehouseOption = None,
) -> None:
    """Measure a project's KPI before and after, test the change, value it, store it."""
    from obeya import quality as q

    with Warehouse.open(warehouse, create=False) as wh:
        verification, measurement = q.verify_project(
            wh,
            project_id,
            grain=grain,
            test=q.VerifyTest(test.value),
            alpha=alpha,
            annual_volume=annual_volume,
            as_of=parse_date(as_of, "--as-of"),
        )
        project = q.get_project(wh, project_id)
    match fmt:
        case OutputFormat.JSON:
            print_json(
                {
                    "project": project.to_dict(),
                    "verification": verification.to_dict(),
                    "detail": measurement.to_dict(),
                }
            )
        case OutputFormat.CSV | OutputFormat.TABLE:
            periods = pa.table(
                {
                    "window": ["baseline"] * len(measurement.before_periods)
                    + ["after"] * len(measurement.after_periods),
                    "period_start": [
                        *measurement.before_periods,
                        *measurement.after_periods,
                    ],
                    "value": [*measurement.before_values, *measurement.after_values],
                }
            )
            print_rows(periods, fmt, title=f"{project.kpi} per {grain.value}")
            if fmt is OutputFormat.TABLE:
                out.print(q.verification_sentence(project, verification), markup=False)
                out.print(f"test: {measurement.why}", markup=False)
                out.print(f"status: {project.status.value}", markup=False)
