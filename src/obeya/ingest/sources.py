"""Finding and reading the files of a load.

A load names files or folders. A file is named after its table (``order_lines.csv``,
``order_lines.parquet``, ``order_lines.xlsx``); a folder holds such files, or
sub-folders named after a table with part files inside (``order_lines/part-0.parquet``).
Every source becomes a DuckDB relation with a ``__row`` column: the row as the user
sees it in the file, the header being row 1 (so the first record is row 2, in every
format).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import assert_never

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv

from obeya.errors import DataError, LoadRefused, Problem
from obeya.model import TABLES

__all__ = ["FileFormat", "Source", "discover", "register"]

ROW = "__row"
FILE = "__file"


class FileFormat(StrEnum):
    CSV = "csv"
    PARQUET = "parquet"
    XLSX = "xlsx"
    ARROW = "arrow"  # an in-memory table (demo generator, mappings)


_SUFFIXES = {".csv": FileFormat.CSV, ".parquet": FileFormat.PARQUET, ".xlsx": FileFormat.XLSX}


@dataclass(frozen=True)
class Source:
    """One table's worth of input: one or more files of one format, or an Arrow table."""

    table: str
    label: str  # how problems name it: the file path, or the mapping's source
    format: FileFormat
    paths: tuple[Path, ...] = ()
    data: pa.Table | None = None
    row_offset: int = 2  # the user's row number of the first record

    @property
    def files(self) -> str:
        return ", ".join(str(p) for p in self.paths) or self.label


def discover(paths: list[Path]) -> tuple[list[Source], list[str]]:
    """The sources named by ``paths`` and the notes about files passed over.

    An explicit file whose name is not a model table, or a path that does not
    exist, is a problem: the load is refused naming it.
    """
    sources: list[Source] = []
    notes: list[str] = []
    problems: list[Problem] = []
    for path in paths:
        if not path.exists():
            problems.append(Problem(str(path), None, None, None, "no such file or folder"))
        elif path.is_dir():
            found = _discover_folder(path, notes)
            if not found:
                problems.append(
                    Problem(
                        str(path),
                        None,
                        None,
                        None,
                        "no file in this folder is named after a model table "
                        "(such as order_lines.csv, sites.parquet or products.xlsx)",
                    )
                )
            sources += found
        else:
            fmt = _SUFFIXES.get(path.suffix.lower())
            if fmt is None:
                problems.append(
                    Problem(
                        str(path),
                        None,
                        None,
                        None,
                        "unsupported file type; use .csv, .parquet or .xlsx",
                    )
                )
            elif path.stem not in TABLES:
                problems.append(
                    Problem(
                        str(path),
                        None,
                        None,
                        None,
                        f"{path.stem!r} is not a model table; name the file after "
                        "its table (e.g. order_lines.csv) or use --mapping",
                    )
                )
            else:
                sources.append(Source(path.stem, str(path), fmt, (path,)))
    if problems:
        raise LoadRefused(problems)
    seen: dict[str, str] = {}
    for s in sources:
        if s.table in seen:
            raise LoadRefused(
                [
                    Problem(
                        s.label,
                        None,
                        None,
                        None,
                        f"table {s.table} is given twice in one load (also by {seen[s.table]})",
                    )
                ]
            )
        seen[s.table] = s.label
    return sources, notes


def _discover_folder(folder: Path, notes: list[str]) -> list[Source]:
    found: list[Source] = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir() and entry.name in TABLES:
            parts = sorted(p for p in entry.iterdir() if p.suffix.lower() in _SUFFIXES)
            formats = {_SUFFIXES[p.suffix.lower()] for p in parts}
            if len(formats) == 1 and FileFormat.XLSX not in formats:
                found.append(Source(entry.name, str(entry), formats.pop(), tuple(parts)))
            else:
                notes.append(
                    f"passed over {entry}: a table folder holds .csv or .parquet parts of one kind"
                )
        elif entry.is_file() and entry.suffix.lower() in _SUFFIXES and entry.stem in TABLES:
            found.append(Source(entry.stem, str(entry), _SUFFIXES[entry.suffix.lower()], (entry,)))
        else:
            notes.append(f"passed over {entry}: not named after a model table")
    return found


def register(con: duckdb.DuckDBPyConnection, source: Source, name: str) -> list[str]:
    """Make ``source`` readable as the view or table ``name`` in ``con``.

    The relation has the file's own columns plus ``__row`` and ``__file``. Returns
    the file's column names (as given, in order).
    """
    match source.format:
        case FileFormat.PARQUET:
            files = [str(p) for p in source.paths]
            rel = con.read_parquet(files, filename=True, file_row_number=True)
            cols = [c for c in rel.columns if c not in ("filename", "file_row_number")]
            select = ", ".join(_q(c) for c in cols)
            rel.project(
                f"{select}, file_row_number + {source.row_offset} AS {ROW}, filename AS {FILE}"
            ).create_view(name, replace=True)
            return cols
        case FileFormat.CSV:
            return _register_arrow(
                con, name, [(str(p), _read_csv(p)) for p in source.paths], source.row_offset
            )
        case FileFormat.XLSX:
            return _register_arrow(
                con, name, [(str(p), _read_xlsx(p)) for p in source.paths], source.row_offset
            )
        case FileFormat.ARROW:
            assert source.data is not None
            return _register_arrow(con, name, [(source.label, source.data)], source.row_offset)
        case _:
            assert_never(source.format)


def _register_arrow(
    con: duckdb.DuckDBPyConnection, name: str, parts: list[tuple[str, pa.Table]], offset: int
) -> list[str]:
    columns = list(parts[0][1].column_names)
    tables = []
    for label, data in parts:
        if list(data.column_names) != columns:
            raise LoadRefused(
                [
                    Problem(
                        label,
                        1,
                        None,
                        None,
                        f"the parts of one table must have the same columns; expected {columns}",
                    )
                ]
            )
        n = data.num_rows
        numbered = data.append_column(ROW, pa.array(range(offset, offset + n), pa.int64()))
        tables.append(numbered.append_column(FILE, pa.repeat(pa.scalar(label, pa.string()), n)))
    combined = pa.concat_tables(tables) if len(tables) > 1 else tables[0]
    con.register(f"{name}_arrow", combined)
    con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM {name}_arrow")
    return columns


def _read_csv(path: Path) -> pa.Table:
    import csv

    with path.open(newline="", encoding="utf-8-sig", errors="replace") as fh:
        header = next(csv.reader(fh), [])
    if not header:
        raise LoadRefused(
            [Problem(str(path), 1, None, None, "the file is empty; row 1 must be the header")]
        )
    try:
        return pacsv.read_csv(
            path,
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as exc:
        raise LoadRefused(
            [Problem(str(path), None, None, None, f"not a readable CSV file: {exc}")]
        ) from exc


def _read_xlsx(path: Path) -> pa.Table:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        rows = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises its own error types for corrupt files
        raise LoadRefused(
            [Problem(str(path), None, None, None, f"not a readable XLSX file: {exc}")]
        ) from exc
    if not rows:
        raise LoadRefused(
            [
                Problem(
                    str(path), 1, None, None, "the first sheet is empty; row 1 must be the header"
                )
            ]
        )
    header = [str(h).strip() for h in rows[0]]
    body = rows[1:]
    columns = list(zip(*body, strict=True)) if body else [() for _ in header]
    return pa.table(
        {
            h: pa.array([_cell_text(v) for v in col], pa.string())
            for h, col in zip(header, columns, strict=True)
        }
    )


def _cell_text(value: object) -> str:
    """A spreadsheet cell as the text a CSV export would hold."""
    import datetime as dt

    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return (
            value.isoformat(sep="T")
            if (value.hour or value.minute or value.second)
            else value.date().isoformat()
        )
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote(name: str) -> str:
    """A SQL identifier, quoted."""
    return _q(name)


def require_known(table: str) -> None:
    if table not in TABLES:
        raise DataError(f"unknown table {table!r}")
