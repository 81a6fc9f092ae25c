"""``obeya kpi``: the KPI catalog, computed figures, drivers and the scorecard."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import pyarrow as pa
import typer

from obeya.cli.data import FormatOption, WarehouseOption
from obeya.cli.output import OutputFormat, out, print_rows, to_jsonable
from obeya.errors import ConfigError
from obeya.warehouse import Warehouse

if TYPE_CHECKING:
    from obeya.metrics import Catalog, ScorecardRow

__all__ = ["register"]

kpi_app = typer.Typer(
    help="The KPI catalog: list, show, compute, explain, scorecard.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)

KpisOption = Annotated[
    list[Path] | None,
    typer.Option("--kpis", help="A company KPI file adding or overriding definitions."),
]
GrainOption = Annotated[
    str, typer.Option("--grain", "-g", help="day, week, month, quarter or year.")
]


def register(app: typer.Typer) -> None:
    app.add_typer(kpi_app, name="kpi", epilog="Example: obeya kpi scorecard --period 2025-11")


def _catalog(wh: Warehouse | None, extra: list[Path] | None) -> Catalog:
    """The shipped catalog, the warehouse's ``kpis.yaml`` and any ``--kpis`` files."""
    from obeya.metrics import load_catalog
    from obeya.metrics.loader import COMPANY_FILE

    files: list[Path] = []
    folder = None if wh is None else wh.url.folder
    if folder is not None and (folder / COMPANY_FILE).is_file():
        files.append(folder / COMPANY_FILE)
    return load_catalog([*files, *(extra or [])])


def _split(value: str | None) -> list[str]:
    return [] if not value else [v.strip() for v in value.split(",") if v.strip()]


def _filters(values: list[str] | None) -> dict[str, object]:
    """``--where site=DAL`` (repeatable; several members as ``site=DAL,LYO``)."""
    found: dict[str, object] = {}
    for item in values or []:
        name, sep, members = item.partition("=")
        if not sep or not name.strip() or not members.strip():
            raise ConfigError(f"--where {item!r}: write DIMENSION=MEMBER, such as site=DAL")
        found[name.strip()] = _split(members)
    return found


@kpi_app.command("list", epilog="Example: obeya kpi list --format json")
def kpi_list(fmt: FormatOption = OutputFormat.TABLE, kpis: KpisOption = None) -> None:
    """Every KPI of the catalog: id, label, unit, direction, dimensions, target."""
    catalog = _catalog(None, kpis)
    rows = []
    for kpi_id in catalog.ids:
        k = catalog.kpi(kpi_id)
        rows.append(
            {
                "id": k.id,
                "label": k.label,
                "area": k.area.value,
                "unit": k.unit.value,
                "direction": k.direction.value,
                "dimensions": ", ".join(d.value for d in k.dimensions),
                "target": None if k.target is None else k.target.value,
                "owner": k.owner,
            }
        )
    print_rows(pa.Table.from_pylist(rows), fmt, title="KPI catalog")


@kpi_app.command("show", epilog="Example: obeya kpi show otif")
def kpi_show(
    kpi_id: Annotated[str, typer.Argument(metavar="ID", help="A KPI id, such as otd.")],
    kpis: KpisOption = None,
) -> None:
    """One KPI's definition: formula, attribution date, dimensions, target, source."""
    from obeya.metrics import render_kpi

    out.print(render_kpi(_catalog(None, kpis), kpi_id), markup=False)


@kpi_app.command(
    "compute",
    epilog="Example: obeya kpi compute otd,otif --grain month --by site "
    "--from 2025-01 --to 2025-11 --format json",
)
def kpi_compute(
    ids: Annotated[str, typer.Argument(metavar="ID[,ID...]", help="KPI ids, comma-separated.")],
    grain: GrainOption = "month",
    by: Annotated[str | None, typer.Option("--by", help="Dimensions, comma-separated.")] = None,
    start: Annotated[str | None, typer.Option("--from", help="First period or date.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last period or date.")] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Figures as at this date (default: latest data).")
    ] = None,
    where: Annotated[
        list[str] | None, typer.Option("--where", help="A filter DIMENSION=MEMBER (repeatable).")
    ] = None,
    fmt: FormatOption = OutputFormat.TABLE,
    kpis: KpisOption = None,
    warehouse: WarehouseOption = None,
) -> None:
    """KPIs per period and dimension, with numerator, denominator, target and changes.

    Ratios are re-divided from their sums at every roll-up; an empty denominator gives
    an empty value with the reason.
    """
    from obeya.metrics import compute

    with Warehouse.open(warehouse, create=False) as wh:
        table = compute(
            wh,
            _split(ids),
            grain,
            _split(by),
            _filters(where),
            start,
            end,
            as_of,
            _catalog(wh, kpis),
        )
    print_rows(table, fmt, title="KPIs")


@kpi_app.command(
    "explain",
    epilog="Example: obeya kpi explain otd --by site --period 2025-11 --vs last_year",
)
def kpi_explain(
    kpi_id: Annotated[str, typer.Argument(metavar="ID", help="The KPI to explain.")],
    by: Annotated[str, typer.Option("--by", help="The dimension to split by.")],
    period: Annotated[str, typer.Option("--period", help="The period, such as 2025-11.")],
    vs: Annotated[str, typer.Option("--vs", help="prior, last_year or target.")] = "prior",
    grain: GrainOption = "month",
    as_of: Annotated[str | None, typer.Option("--as-of", help="Figures as at this date.")] = None,
    fmt: FormatOption = OutputFormat.TABLE,
    kpis: KpisOption = None,
    warehouse: WarehouseOption = None,
) -> None:
    """Why a KPI moved: each member's rate and mix effect, adding up to the change."""
    from obeya.metrics import explain

    with Warehouse.open(warehouse, create=False) as wh:
        result = explain(wh, kpi_id, period, by, vs, grain, None, as_of, _catalog(wh, kpis))
    if fmt is OutputFormat.JSON:
        out.print(json.dumps(to_jsonable(result.to_dict()), indent=2), markup=False)
        return
    members = pa.Table.from_pylist(
        [
            {k: v for k, v in m.items() if k != "contribution"}
            | {"contribution": m["contribution"]}
            for m in result.to_dict()["members"]
        ]
    )
    if fmt is OutputFormat.TABLE:
        out.print(result.sentence(), markup=False)
    print_rows(members, fmt, title=f"{result.label} by {result.dimension.value}")


@kpi_app.command(
    "scorecard", epilog="Example: obeya kpi scorecard --period 2025-11 --by site --format json"
)
def kpi_scorecard(
    period: Annotated[
        str | None, typer.Option("--period", help="The period (default: the latest).")
    ] = None,
    grain: GrainOption = "month",
    by: Annotated[
        str | None, typer.Option("--by", help="Cut by one dimension, such as site.")
    ] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Figures as at this date.")] = None,
    fmt: FormatOption = OutputFormat.TABLE,
    kpis: KpisOption = None,
    warehouse: WarehouseOption = None,
) -> None:
    """The Director's one-page table: every KPI against target, prior and last year.

    JSON adds the last 13 periods of each KPI as sparkline data.
    """
    from obeya.metrics import scorecard

    with Warehouse.open(warehouse, create=False) as wh:
        card = scorecard(wh, period, grain, by, _catalog(wh, kpis), as_of)
    if fmt is OutputFormat.JSON:
        out.print(json.dumps(to_jsonable(card.to_dict()), indent=2), markup=False)
        return
    if fmt is OutputFormat.CSV:
        table = card.to_arrow()
    else:
        table = pa.Table.from_pylist([_scorecard_line(r, by is not None) for r in card.rows])
    title = f"scorecard {card.period} (as of {card.as_of.isoformat()})"
    print_rows(table, fmt, title=title)


def _signed(row: ScorecardRow, change: float | None) -> str:
    if change is None:
        return ""
    if abs(change) < 1e-12:
        return "="
    return ("+" if change > 0 else "-") + row.unit.show_change(change)


def _scorecard_line(row: ScorecardRow, with_member: bool) -> dict[str, object]:
    """A scorecard row as a Director reads it: units shown, changes signed."""
    line: dict[str, object] = {"kpi": row.kpi}
    if with_member:
        line["member"] = row.member or "all"
    line |= {
        "value": row.display,
        "target": "" if row.target is None else row.unit.show(row.target),
        "status": row.status or "",
        "vs prior": _signed(row, row.change_vs_prior),
        "vs last year": _signed(row, row.change_vs_last_year),
        "note": row.reason or "",
    }
    return line
