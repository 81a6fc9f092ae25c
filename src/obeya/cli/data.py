"""Commands for the warehouse and its data: init, load, validate, loads, tables, sql."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pyarrow as pa
import typer

from obeya.cli.output import OutputFormat, err, out, print_rows
from obeya.ingest import (
    LoadOptions,
    LoadReport,
    discover,
    load,
    load_mapping,
    load_sources,
    sources_from_mapping,
    validate,
)
from obeya.model import TABLES
from obeya.warehouse import LOAD_LOG, Warehouse
from obeya.warehouse.console import run_readonly_query

__all__ = ["WarehouseOption", "register"]

WarehouseOption = Annotated[
    str | None,
    typer.Option(
        "--warehouse",
        "-w",
        envvar="OBEYA_WAREHOUSE",
        help="DuckDB file path or postgresql:// URL (default ./obeya.duckdb).",
        show_default=False,
    ),
]
FormatOption = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]


def register(app: typer.Typer) -> None:
    app.command("init", epilog="Example: obeya init --warehouse ./acme.duckdb")(init)
    app.command(
        "load",
        epilog="Examples: obeya load ./exports/ | obeya load order_lines.csv sites.csv | "
        "obeya load --mapping sap_sd_mm --source ./sap_extract",
    )(load_cmd)
    app.command("validate", epilog="Example: obeya validate ./exports/")(validate_cmd)
    app.command("loads", epilog="Example: obeya loads --limit 20")(loads)
    app.command("tables", epilog="Example: obeya tables --format json")(tables)
    app.command("docs", epilog="Example: obeya docs --folder docs")(docs)
    app.command(
        "sql",
        epilog='Example: obeya sql "SELECT site_id, count(*) FROM order_lines '
        'GROUP BY 1" --format csv',
    )(sql)


def init(warehouse: WarehouseOption = None) -> None:
    """Create the warehouse and every table of the data model (safe to repeat)."""
    with Warehouse.open(warehouse) as wh:
        out.print(f"warehouse ready at {wh.url} ({len(TABLES)} model tables)")


def _print_report(report: LoadReport, verb: str) -> None:
    for note in report.notes:
        err.print(f"note: {note}", markup=False)
    rows = pa.table(
        {
            "table": [t.table for t in report.tables],
            "rows": [t.rows for t in report.tables],
            "inserted": [t.inserted for t in report.tables],
            "replaced": [t.replaced for t in report.tables],
            "source": [t.source for t in report.tables],
        }
    )
    if report.dry_run:
        rows = rows.drop_columns(["inserted", "replaced"])
    print_rows(rows, OutputFormat.TABLE)
    out.print(
        f"{verb}: {report.rows:,} rows in {len(report.tables)} tables"
        + ("" if report.dry_run else f" (load {report.load_id})")
    )


def _run(
    warehouse: str | None,
    paths: list[Path] | None,
    mapping: str | None,
    allow_overship: bool,
    *,
    dry_run: bool,
    source: str | None = None,
) -> LoadReport:
    """One load (or dry run) of files, a mapped source, or both together, atomically."""
    if not paths and mapping is None:
        raise typer.BadParameter("give files or folders to load, or --mapping FILE.yaml")
    files = list(paths or [])
    options = LoadOptions(allow_overship=allow_overship)
    with Warehouse.open(warehouse) as wh:
        if mapping is None:
            return validate(wh, files, options) if dry_run else load(wh, files, options=options)
        from obeya.mappings import resolve_mapping

        overrides = (
            None if source is None else {"source": {"url" if "://" in source else "path": source}}
        )
        mapping_path = resolve_mapping(mapping)
        if not files:
            return load_mapping(
                wh, mapping_path, dry_run=dry_run, overrides=overrides, options=options
            )
        found, notes = discover(files)
        sources = sources_from_mapping(mapping_path, overrides) + found
        report = load_sources(wh, sources, options=options, dry_run=dry_run)
        report.notes = notes + report.notes
        return report


PathsArgument = Annotated[
    list[Path] | None, typer.Argument(help="Files or folders named after tables.")
]
MappingOption = Annotated[
    str | None,
    typer.Option("--mapping", "-m", help="A mapping file, or a shipped one: sap_sd_mm, odoo."),
]
SourceOption = Annotated[
    str | None,
    typer.Option("--source", help="The mapping's source: a folder, or a postgresql:// URL."),
]
OvershipOption = Annotated[bool, typer.Option(help="Accept qty_shipped above qty_ordered.")]


def load_cmd(
    paths: PathsArgument = None,
    mapping: MappingOption = None,
    source: SourceOption = None,
    allow_overship: OvershipOption = False,
    warehouse: WarehouseOption = None,
) -> None:
    """Load files (CSV, gzip-compressed CSV, Parquet, XLSX) or a mapped source into the warehouse.

    Every integrity rule is checked first; a refused load lists every problem as
    file:row:column: value: rule, exits with status 2 and writes nothing. Rows with
    a key already in the warehouse replace it, so loading twice is harmless.
    """
    report = _run(warehouse, paths, mapping, allow_overship, dry_run=False, source=source)
    _print_report(report, "loaded")


def validate_cmd(
    paths: PathsArgument = None,
    mapping: MappingOption = None,
    source: SourceOption = None,
    allow_overship: OvershipOption = False,
    warehouse: WarehouseOption = None,
) -> None:
    """Check files as `obeya load` would, and write nothing (a dry run)."""
    report = _run(warehouse, paths, mapping, allow_overship, dry_run=True, source=source)
    _print_report(report, "valid")


def loads(
    limit: Annotated[int, typer.Option(help="How many of the latest entries.")] = 50,
    fmt: FormatOption = OutputFormat.TABLE,
    warehouse: WarehouseOption = None,
) -> None:
    """List the load log: time, source, table, rows inserted and replaced, checksum."""
    with Warehouse.open(warehouse, create=False) as wh:
        table = wh.sql_arrow(
            f"SELECT load_id, loaded_at, table_name, rows_inserted, rows_replaced, source, checksum "
            f"FROM {LOAD_LOG} ORDER BY loaded_at DESC, load_id, table_name LIMIT ?",
            [limit],
        )
    print_rows(table, fmt, title="loads")


def tables(fmt: FormatOption = OutputFormat.TABLE, warehouse: WarehouseOption = None) -> None:
    """Rows and date range of every table of the model in the warehouse."""
    with Warehouse.open(warehouse, create=False) as wh:
        print_rows(table_summary(wh), fmt, title=str(wh.url))


def table_summary(wh: Warehouse) -> pa.Table:
    """One row per model table: rows, and the first and last date of its date column."""
    parts = []
    for t in TABLES.values():
        if t.date_column:
            d = f'CAST("{t.date_column}" AS VARCHAR)'
            parts.append(
                f"SELECT '{t.name}' AS table_name, '{t.kind}' AS kind, count(*) AS rows, "
                f"min({d}) AS first, max({d}) AS last FROM {t.name}"
            )
        else:
            parts.append(
                f"SELECT '{t.name}' AS table_name, '{t.kind}' AS kind, count(*) AS rows, "
                f"CAST(NULL AS VARCHAR) AS first, CAST(NULL AS VARCHAR) AS last FROM {t.name}"
            )
    table = wh.sql_arrow(" UNION ALL ".join(parts))
    order = {name: i for i, name in enumerate(TABLES)}
    idx = sorted(range(table.num_rows), key=lambda i: order[table.column("table_name")[i].as_py()])
    table = table.take(idx)
    # dates are shown as dates (a timestamp column's range is cut to the day)
    return table.set_column(
        3, "first", pa.compute.utf8_slice_codeunits(table.column("first"), 0, 10)
    ).set_column(4, "last", pa.compute.utf8_slice_codeunits(table.column("last"), 0, 10))


def sql(
    query: Annotated[str, typer.Argument(help="A read-only SQL query.")],
    fmt: FormatOption = OutputFormat.TABLE,
    max_rows: Annotated[int, typer.Option(help="Stop after this many rows.")] = 10_000,
    warehouse: WarehouseOption = None,
) -> None:
    """Run a read-only SQL query on the warehouse.

    The console cannot change the warehouse, nor read or write local files.
    """
    table, truncated = run_readonly_query(query, warehouse, max_rows=max_rows)
    print_rows(table, fmt)
    if truncated:
        err.print(f"note: only the first {max_rows:,} rows are shown (--max-rows)", markup=False)


def docs(
    folder: Annotated[Path, typer.Option(help="Where to write the pages.")] = Path("docs"),
) -> None:
    """Regenerate the generated reference pages (data model, KPI catalog, commands)."""
    from obeya.cli import app
    from obeya.cli.reference import write_docs

    for path in write_docs(app, folder):
        out.print(f"wrote {path}")
