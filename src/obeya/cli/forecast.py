"""``obeya forecast``: run and store a demand forecast, its accuracy, the stored runs.

Thin commands over :mod:`obeya.demand`: ``run`` calls
:func:`~obeya.demand.run_forecast`; ``accuracy``, ``runs`` and ``show`` read stored runs
through :mod:`obeya.demand.stored`. Options are checked before the warehouse is
opened, so a mistake costs no forecasting time; notes go to standard error, so
``--format json`` output stays clean.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import pyarrow as pa
import pyarrow.compute as pc
import typer

from obeya.cli.data import FormatOption, WarehouseOption
from obeya.cli.output import OutputFormat, err, out, print_rows, to_jsonable
from obeya.errors import ConfigError, DataError
from obeya.warehouse import Warehouse

if TYPE_CHECKING:
    from obeya.demand import ForecastRun

__all__ = ["register"]

forecast_app = typer.Typer(
    help="Demand forecasts: run and store one, its accuracy, the stored runs and their figures.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)

RunOption = Annotated[
    str | None, typer.Option("--run", help="A forecast run id (default: the latest run).")
]
_GROUP_COLUMNS = ["n_series", "actual", "abs_error", "wape", "mase", "bias", "bench_wape", "fva"]
_BY = {"family": "by_family", "site": "by_site", "class": "by_class"}
_BY_KEY = {"family": "family", "site": "site_id", "class": "demand_class"}


def register(app: typer.Typer) -> None:
    """Add the ``forecast`` command group to ``app``."""
    forecast_app.command(
        "run",
        epilog="Examples: obeya forecast run | obeya forecast run --grain month --horizon 12 "
        "--overrides overrides.csv --format json",
    )(forecast_run)
    forecast_app.command(
        "accuracy", epilog="Example: obeya forecast accuracy --by class --worst 10"
    )(forecast_accuracy)
    forecast_app.command("runs", epilog="Example: obeya forecast runs --format json")(forecast_runs)
    forecast_app.command(
        "show",
        epilog="Examples: obeya forecast show --sku KET-0003 --site DC-NL1 | "
        "obeya forecast show 3f9c2a1b7d4e --level family --format csv",
    )(forecast_show)
    app.add_typer(forecast_app, name="forecast", epilog="Example: obeya forecast run --horizon 13")


# ------------------------------------------------------------------ checking options


def _choice(option: str, value: str, allowed: list[str]) -> str:
    if value not in allowed:
        raise ConfigError(f"{option} {value!r}: not one of {', '.join(allowed)}")
    return value


def _as_of(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ConfigError(f"--as-of {value!r}: not a date; write it as YYYY-MM-DD") from exc


def _overrides_error(exc: Exception) -> DataError:
    """One ``error:`` line naming file:row:column when a single override is refused."""
    from obeya.demand import OverridesRefused

    if isinstance(exc, OverridesRefused) and exc.total == 1:
        return DataError(f"{exc.problems[0]} (overrides refused; no override was applied)")
    return DataError(str(exc))


# ------------------------------------------------------------------ run


def forecast_run(
    grain: Annotated[str, typer.Option("--grain", "-g", help="week or month.")] = "week",
    horizon: Annotated[int, typer.Option(help="Periods to forecast.")] = 13,
    windows: Annotated[
        int, typer.Option(help="Backtest origins (each one period-horizon apart).")
    ] = 3,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help="Forecast as at this date, YYYY-MM-DD (default: latest order)."
        ),
    ] = None,
    candidates: Annotated[
        Path | None,
        typer.Option(help="Candidate models per demand class (YAML; default: the shipped file)."),
    ] = None,
    overrides: Annotated[
        Path | None,
        typer.Option(help="Planner overrides (CSV: sku,site_id,period,value,percent,who,why)."),
    ] = None,
    reconciliation: Annotated[
        str,
        typer.Option(help="auto, mint_shrink, wls_var, wls_struct or bottom_up."),
    ] = "auto",
    cancelled: Annotated[
        str, typer.Option(help="Cancelled order lines as demand: include or exclude.")
    ] = "include",
    n_jobs: Annotated[
        int | None,
        typer.Option("--n-jobs", help="Worker processes for the costly models (default: cores)."),
    ] = None,
    fmt: FormatOption = OutputFormat.TABLE,
    warehouse: WarehouseOption = None,
) -> None:
    """Forecast demand per SKU x site, store the run and print what it did.

    Every series gets the model that backtested best among its demand class's
    candidates; the forecasts are reconciled across family and site, the overrides
    applied, and the run stored under a new run id. Prints the series by demand class,
    the models chosen, the time per step, and the backtest accuracy against the
    seasonal naive (WAPE, MASE, bias, value added).
    """
    from obeya.demand import (
        CancelledPolicy,
        Grain,
        OverridesRefused,
        ReconcileMethod,
        load_candidates,
        load_overrides,
        run_forecast,
    )

    the_grain = Grain(_choice("--grain", grain, [g.value for g in Grain]))
    if horizon < 1:
        raise ConfigError(f"--horizon {horizon}: forecast at least 1 period, such as 13")
    if windows < 1:
        raise ConfigError(f"--windows {windows}: backtest at least 1 origin, such as 3")
    if n_jobs is not None and n_jobs < 1:
        raise ConfigError(f"--n-jobs {n_jobs}: use at least 1 worker process")
    method = ReconcileMethod(
        _choice("--reconciliation", reconciliation, [m.value for m in ReconcileMethod])
    )
    policy = CancelledPolicy(_choice("--cancelled", cancelled, [c.value for c in CancelledPolicy]))
    day = _as_of(as_of)
    cands = load_candidates(candidates)
    try:
        ovs = None if overrides is None else load_overrides(overrides, grain=the_grain)
    except OverridesRefused as exc:
        raise _overrides_error(exc) from None
    with Warehouse.open(warehouse, create=False) as wh:
        try:
            with err.status(f"forecasting demand ({the_grain.value}, {horizon} periods) ..."):
                run = run_forecast(
                    wh,
                    the_grain,
                    horizon,
                    windows,
                    day,
                    cands,
                    ovs,
                    n_jobs,
                    reconciliation=method,
                    cancelled=policy,
                    store=True,
                )
        except OverridesRefused as exc:
            raise _overrides_error(exc) from None
    _print_run(run, fmt)


def _run_summary(run: ForecastRun) -> dict[str, Any]:
    """The run's counts, timings and overall accuracy (for every output format)."""
    from obeya.demand import Route, series_id

    fc = run.forecasts
    first = pc.min(fc.column("period_start")).as_py()
    one = fc.filter(pc.equal(fc.column("period_start"), pa.scalar(first, pa.date32())))
    by_class = one.group_by("demand_class").aggregate([("sku", "count")])
    by_model = one.group_by("model").aggregate([("sku", "count")])
    choice = run.backtest.choice
    bottom = series_id(one.column("sku"), one.column("site_id"))
    short = choice.filter(
        pc.and_(
            pc.equal(choice.column("route"), Route.SHORT_HISTORY.value),
            pc.is_in(choice.column("unique_id"), value_set=bottom),
        )
    )
    overall = run.accuracy.overall.to_pylist()[0] if run.accuracy.overall.num_rows else {}
    return {
        "run_id": run.run_id,
        "created_at": run.created_at,
        "grain": run.grain.value,
        "horizon": run.horizon,
        "windows": run.windows,
        "as_of": run.as_of,
        "first_period": first,
        "reconciliation": run.reconcile_method.value,
        "counts": {
            "series": one.num_rows,
            "short_history": short.num_rows,
            "overrides": run.overrides_log.num_rows,
            "by_class": _counts(by_class, "demand_class"),
            "by_model": _counts(by_model, "model"),
        },
        "timings": {t.step: round(t.seconds, 3) for t in run.timings}
        | {"total": round(sum(t.seconds for t in run.timings), 3)},
        "accuracy": {
            k: overall.get(k) for k in ("n_series", "wape", "mase", "bias", "bench_wape", "fva")
        },
    }


def _counts(table: pa.Table, key: str) -> dict[str, int]:
    ordered = table.take(pc.sort_indices(table, [("sku_count", "descending"), (key, "ascending")]))
    return dict(
        zip(ordered.column(key).to_pylist(), ordered.column("sku_count").to_pylist(), strict=True)
    )


def _print_run(run: ForecastRun, fmt: OutputFormat) -> None:
    summary = _run_summary(run)
    acc = summary["accuracy"]
    if fmt is OutputFormat.JSON:
        out.print(json.dumps(to_jsonable(summary), indent=2), markup=False)
        return
    if fmt is OutputFormat.CSV:
        row = {k: summary[k] for k in ("run_id", "grain", "horizon", "windows", "as_of")}
        row |= {"series": summary["counts"]["series"], **acc}
        print_rows(pa.Table.from_pylist([row]), fmt)
        return
    counts = summary["counts"]
    out.print(
        f"forecast run {run.run_id} stored: {counts['series']:,} SKU x site series, "
        f"{run.horizon} {run.grain.value}s from {summary['first_period']}, as of {run.as_of} "
        f"(reconciliation {run.reconcile_method.value}, {counts['overrides']} overrides)",
        markup=False,
    )
    n = max(counts["series"], 1)
    print_rows(
        pa.Table.from_pylist(
            [
                {"demand_class": k, "series": v, "share": round(v / n, 3)}
                for k, v in counts["by_class"].items()
            ]
        ),
        fmt,
        title="series by demand class",
    )
    print_rows(
        pa.Table.from_pylist(
            [
                {"model": k, "series": v, "share": round(v / n, 3)}
                for k, v in counts["by_model"].items()
            ]
        ),
        fmt,
        title=f"models chosen ({counts['short_history']} short-history series get the default)",
    )
    print_rows(
        pa.Table.from_pylist([{"step": k, "seconds": v} for k, v in summary["timings"].items()]),
        fmt,
        title="time per step",
    )
    out.print(_accuracy_sentence(acc), markup=False)


def _accuracy_sentence(acc: dict[str, Any]) -> str:
    def num(value: Any, spec: str) -> str:
        return "n/a" if value is None or math.isnan(value) else format(value, spec)

    return (
        f"backtest accuracy over {acc.get('n_series') or 0:,.0f} series: WAPE "
        f"{num(acc.get('wape'), '.3f')}, MASE {num(acc.get('mase'), '.3f')}, bias "
        f"{num(acc.get('bias'), '+.3f')}; value added over the seasonal naive "
        f"{num(acc.get('fva'), '+.3f')} WAPE points (its WAPE {num(acc.get('bench_wape'), '.3f')})"
    )


# ------------------------------------------------------------------ accuracy


def forecast_accuracy(
    run: RunOption = None,
    by: Annotated[
        str | None,
        typer.Option("--by", help="Only this cut: family, site or class (default: all three)."),
    ] = None,
    worst: Annotated[
        int, typer.Option(help="How many of the worst series to list (largest absolute error).")
    ] = 20,
    fmt: FormatOption = OutputFormat.TABLE,
    warehouse: WarehouseOption = None,
) -> None:
    """WAPE, MASE, bias and value added of a stored run, by family, site and demand class.

    Measured on the backtest of each series' chosen model; value added (FVA) is the
    seasonal naive's WAPE minus the model's, in WAPE points. The worst series, those
    with the largest share of the absolute error, are where a planner's hour goes
    furthest. CSV prints the accuracy rows (overall and per group) in one table.
    """
    from obeya.demand import run_info, stored_accuracy

    cuts = list(_BY) if by is None else [_choice("--by", by, list(_BY))]
    if worst < 0:
        raise ConfigError(f"--worst {worst}: list 0 or more series, such as 20")
    with Warehouse.open(warehouse, create=False) as wh:
        info = run_info(wh, run)
        report = stored_accuracy(wh, info.run_id, worst=worst)
    benchmark = str(info.params.get("benchmark") or "seasonal_naive")
    overall = report.overall.select(_GROUP_COLUMNS)
    groups = {cut: _group_rows(getattr(report, _BY[cut]), _BY_KEY[cut]) for cut in cuts}
    worst_rows = report.worst.select(
        [
            "sku",
            "site_id",
            "family",
            "demand_class",
            "model",
            "actual",
            "abs_error",
            "error_share",
            "wape",
            "bias",
            "mase",
        ]
    )
    match fmt:
        case OutputFormat.JSON:
            body: dict[str, Any] = {
                "run_id": info.run_id,
                "grain": info.grain,
                "as_of": info.as_of,
                "benchmark": benchmark,
                "overall": overall.to_pylist()[0],
            }
            body |= {_BY[cut]: t.to_pylist() for cut, t in groups.items()}
            body["worst"] = worst_rows.to_pylist()
            out.print(json.dumps(to_jsonable(body), indent=2), markup=False)
        case OutputFormat.CSV:
            parts = [_long(overall, "all", None)]
            parts += [_long(t, cut, _BY_KEY[cut]) for cut, t in groups.items()]
            print_rows(pa.concat_tables(parts), fmt)
        case OutputFormat.TABLE:
            acc = overall.to_pylist()[0]
            out.print(
                f"forecast run {info.run_id} ({info.grain}, as of {info.as_of}); benchmark "
                f"{benchmark}",
                markup=False,
            )
            out.print(_accuracy_sentence(acc), markup=False)
            narrow = [c for c in _GROUP_COLUMNS if c not in ("actual", "abs_error")]
            for cut, table in groups.items():
                print_rows(table.select([_BY_KEY[cut], *narrow]), fmt, title=f"accuracy by {cut}")
            print_rows(
                worst_rows.drop_columns(["family", "bias", "mase"]),
                fmt,
                title=f"the {worst_rows.num_rows} worst series (largest absolute error)",
            )


def _group_rows(table: pa.Table, key: str) -> pa.Table:
    return table.select([key, *_GROUP_COLUMNS])


def _long(table: pa.Table, group: str, key: str | None) -> pa.Table:
    """Accuracy rows as ``group, member, <measures>`` (one CSV table for every cut)."""
    n = table.num_rows
    member = (
        pa.array(["all"] * n, pa.string()) if key is None else table.column(key).cast(pa.string())
    )
    body = table.select(_GROUP_COLUMNS).cast(
        pa.schema([pa.field(c, pa.float64()) for c in _GROUP_COLUMNS])
    )
    return pa.table(
        {"group": pa.array([group] * n, pa.string()), "member": member}
        | {c: body.column(c) for c in _GROUP_COLUMNS}
    )


# ------------------------------------------------------------------ runs and show


def forecast_runs(
    fmt: FormatOption = OutputFormat.TABLE, warehouse: WarehouseOption = None
) -> None:
    """The stored forecast runs, newest first, with their main settings."""
    with Warehouse.open(warehouse, create=False) as wh:
        if "forecast_runs" not in wh.existing_tables():
            rows: list[dict[str, Any]] = []
        else:
            t = wh.table("forecast_runs")
            rows = (
                t.order_by([t.created_at.desc(), t.run_id.desc()])
                .select("run_id", "created_at", "grain", "horizon", "as_of", "params")
                .to_pyarrow()
                .to_pylist()
            )
    listed = [_run_row(r) for r in rows]  # one row per run: a handful
    if not listed:
        err.print("note: no forecast run yet: run `obeya forecast run`", markup=False)
    schema = pa.schema(
        [
            ("run_id", pa.string()),
            ("created_at", pa.timestamp("us")),
            ("grain", pa.string()),
            ("horizon", pa.int64()),
            ("windows", pa.int64()),
            ("as_of", pa.date32()),
            ("series", pa.int64()),
            ("reconciliation", pa.string()),
            ("overrides", pa.string()),
        ]
    )
    print_rows(pa.Table.from_pylist(listed, schema=schema), fmt, title="forecast runs")


def _run_row(row: dict[str, Any]) -> dict[str, Any]:
    try:
        params = json.loads(row["params"] or "{}")
    except json.JSONDecodeError:
        params = {}
    params = params if isinstance(params, dict) else {}
    created = row["created_at"]
    return {
        "run_id": row["run_id"],
        "created_at": created.replace(microsecond=0) if isinstance(created, dt.datetime) else None,
        "grain": row["grain"],
        "horizon": row["horizon"],
        "windows": params.get("windows"),
        "as_of": row["as_of"],
        "series": params.get("n_series"),
        "reconciliation": params.get("reconciliation"),
        "overrides": params.get("overrides"),
    }


def forecast_show(
    run_id: Annotated[
        str | None, typer.Argument(metavar="[RUN_ID]", help="A run id (default: the latest run).")
    ] = None,
    sku: Annotated[str | None, typer.Option("--sku", help="Only this SKU.")] = None,
    site: Annotated[str | None, typer.Option("--site", help="Only this site.")] = None,
    level: Annotated[
        str,
        typer.Option("--level", help="sku_site (default), family, site, family_site or total."),
    ] = "sku_site",
    fmt: FormatOption = OutputFormat.TABLE,
    warehouse: WarehouseOption = None,
) -> None:
    """A stored forecast: per SKU x site with 80 % and 95 % intervals, or summed to a level.

    `forecast` is the figure to plan with (a planner's override where there is one),
    `statistical` the reconciled model forecast; the intervals are the statistical
    forecast's. Family, site and total are sums of the SKU x site figures (no intervals:
    a sum's quantiles are not the sums of quantiles).
    """
    from obeya.demand import Level, run_info, stored_forecast

    lvl = Level(_choice("--level", level, [v.value for v in Level]))
    if sku is not None and lvl is not Level.SKU_SITE:
        raise ConfigError(f"--sku {sku!r} filters SKU x site rows; leave out --level {level}")
    if site is not None and lvl not in (Level.SKU_SITE, Level.SITE, Level.FAMILY_SITE):
        raise ConfigError(f"--site {site!r} does not apply at --level {level}; leave it out")
    with Warehouse.open(warehouse, create=False) as wh:
        info = run_info(wh, run_id)
        expr = stored_forecast(wh, info.run_id, level=lvl)
        if sku is not None:
            expr = expr.filter(expr.sku == sku)
        if site is not None:
            expr = expr.filter(expr.site_id == site)
        table = expr.to_pyarrow()
    if table.num_rows == 0 and (sku is not None or site is not None):
        wanted = " and ".join(
            f"{name} {value!r}" for name, value in (("sku", sku), ("site", site)) if value
        )
        raise DataError(
            f"forecast run {info.run_id} has no rows for {wanted}; check the codes "
            f"(`obeya forecast show {info.run_id} --level site` lists the sites)"
        )
    title = f"forecast run {info.run_id} ({info.grain}, as of {info.as_of})"
    if fmt is OutputFormat.TABLE:
        table, same = _fold_constants(table)
        title += "".join(f", {name} {value}" for name, value in same)
    print_rows(table, fmt, title=title)


def _fold_constants(table: pa.Table) -> tuple[pa.Table, list[tuple[str, str]]]:
    """For people: label columns with one value move to the title, and ``statistical``
    goes when no row was overridden, so the table keeps to the figures."""
    if table.num_rows == 0:
        return table, []
    same: list[tuple[str, str]] = []
    for name in ("sku", "site_id", "family", "model", "demand_class"):
        if name in table.column_names and len(pc.unique(table.column(name))) == 1:
            same.append((name, str(table.column(name)[0].as_py())))
            table = table.drop_columns([name])
    if (
        "statistical" in table.column_names
        and pc.all(pc.equal(table.column("forecast"), table.column("statistical"))).as_py()
    ):
        same.append(("overrides", "none"))
        table = table.drop_columns(["statistical"])
    return table, same
