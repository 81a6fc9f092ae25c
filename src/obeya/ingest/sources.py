"""Finding and reading the files of a load.

A load names files or folders. A file is named after its table (``order_lines.csv``,
``order_lines.csv.gz``, ``order_lines.parquet``, ``order_lines.xlsx``); a folder holds
such files, or sub-folders named after a table with part files inside
(``order_lines/part-0.parquet``). A ``.csv.gz`` file is a gzip-compressed CSV: it is
read as a stream through Arrow's gzip codec, never unpacked to disk, and checked
exactly as the plain CSV (the same rules, the same row numbers). Every source becomes
a DuckDB relation with a ``__row`` column: the row as the user sees it in the file,
the header being row 1 (so the first record is row 2, in every format).
"""

from __future__ import annotations

import gzip
from collections.abc import Mapping
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
_GZIP_CSV = ".csv.gz"  # a gzip-compressed CSV: format CSV, the table is the name without it
_KINDS = ".csv, .csv.gz, .parquet or .xlsx"  # the file types a load reads, as messages say


def file_kind(path: Path) -> tuple[str, FileFormat] | None:
    """The table a file is named after and its format, or None for a type not read.

    ``order_lines.csv.gz`` is table ``order_lines`` in format CSV (compressed); any
    other file is its stem and the format of its last suffix (case ignored).
    """
    name = path.name
    if name.lower().endswith(_GZIP_CSV):
        return name[: -len(_GZIP_CSV)], FileFormat.CSV
    fmt = _SUFFIXES.get(path.suffix.lower())
    return None if fmt is None else (path.stem, fmt)


def _gzipped(path: Path) -> bool:
    return path.name.lower().endswith(_GZIP_CSV)


@dataclass(frozen=True)
class Source:
    """One table's worth of input: one or more files of one format, or an Arrow table."""

    table: str
    label: str  # how problems name it: the file path or a name given for it, or a mapping
    format: FileFormat
    paths: tuple[Path, ...] = ()
    data: pa.Table | None = None
    row_offset: int = 2  # the user's row number of the first record
    names: tuple[str, ...] = ()  # how the user knows each of ``paths``; default the paths

    @property
    def files(self) -> str:
        """The source as the load log records it: its files' names, else its label."""
        return ", ".join(self.file_names()) or self.label

    def file_names(self) -> list[str]:
        """How problems and the load log name each file: ``names``, else the paths."""
        return list(self.names) if self.names else [str(p) for p in self.paths]


def discover(
    paths: list[Path], labels: Mapping[Path, str] | None = None
) -> tuple[list[Source], list[str]]:
    """The sources named by ``paths`` and the notes about files passed over.

    An explicit file whose name is not a model table, or a path that does not
    exist, is a problem: the load is refused naming it. ``labels`` names a given
    path in problems and in the load log instead of the path itself (an upload
    saved to a temporary file keeps the user's file name).
    """
    given = labels or {}
    sources: list[Source] = []
    notes: list[str] = []
    problems: list[Problem] = []
    for path in paths:
        label = given.get(path, str(path))
        if not path.exists():
            problems.append(Problem(label, None, None, None, "no such file or folder"))
        elif path.is_dir():
            found = _discover_folder(path, notes)
            if not found:
                problems.append(
                    Problem(
                        label,
                        None,
                        None,
                        None,
                        "no file in this folder is named after a model table "
                        "(such as order_lines.csv, sites.parquet or products.xlsx)",
                    )
                )
            sources += found
        else:
            kind = file_kind(path)
            if kind is None:
                problems.append(
                    Problem(label, None, None, None, f"unsupported file type; use {_KINDS}")
                )
            elif kind[0] not in TABLES:
                problems.append(
                    Problem(
                        label,
                        None,
                        None,
                        None,
                        f"{kind[0]!r} is not a model table; name the file after "
                        "its table (e.g. order_lines.csv) or use --mapping",
                    )
                )
            else:
                sources.append(Source(kind[0], label, kind[1], (path,), names=(label,)))
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
        kind = file_kind(entry) if entry.is_file() else None
        if entry.is_dir() and entry.name in TABLES:
            kinds = {p: file_kind(p) for p in sorted(entry.iterdir()) if p.is_file()}
            parts = tuple(p for p, k in kinds.items() if k is not None)
            formats = {k[1] for k in kinds.values() if k is not None}
            if len(formats) == 1 and FileFormat.XLSX not in formats:
                found.append(Source(entry.name, str(entry), formats.pop(), parts))
            else:
                notes.append(
                    f"passed over {entry}: a table folder holds .csv (or .csv.gz) or "
                    ".parquet parts of one kind"
                )
        elif kind is not None and kind[0] in TABLES:
            found.append(Source(kind[0], str(entry), kind[1], (entry,)))
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
            named = zip(source.file_names(), source.paths, strict=True)
            return _register_arrow(
                con, name, [(n, _read_csv(p, n)) for n, p in named], source.row_offset
            )
        case FileFormat.XLSX:
            named = zip(source.file_names(), source.paths, strict=True)
            return _register_arrow(
                con, name, [(n, _read_xlsx(p, n)) for n, p in named], source.row_offset
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


def _read_csv(path: Path, label: str) -> pa.Table:
    """A CSV file (``.csv.gz``: gzip-compressed) with every column read as text."""
    import csv

    packed = _gzipped(path)
    what = "gzip-compressed CSV file" if packed else "CSV file"
    try:
        with (
            gzip.open(path, "rt", newline="", encoding="utf-8-sig", errors="replace")
            if packed
            else path.open(newline="", encoding="utf-8-sig", errors="replace")
        ) as fh:
            header = next(csv.reader(fh), [])
    except (OSError, EOFError) as exc:  # gzip.BadGzipFile is an OSError; a cut file EOFError
        raise LoadRefused(
            [Problem(label, None, None, None, f"not a readable {what}: {exc}")]
        ) from exc
    if not header:
        raise LoadRefused(
            [Problem(label, 1, None, None, "the file is empty; row 1 must be the header")]
        )
    try:
        return pacsv.read_csv(
            pa.input_stream(str(path), compression="gzip") if packed else path,
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, OSError) as exc:  # a damaged gzip stream is an OSError
        raise LoadRefused(
            [Problem(label, None, None, None, f"not a readable {what}: {exc}")]
        ) from exc


def _read_xlsx(path: Path, label: str) -> pa.Table:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        rows = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises its own error types for corrupt files
        raise LoadRefused(
            [Problem(label, None, None, None, f"not a readable XLSX file: {exc}")]
        ) from exc
    if not rows:
        raise LoadRefused(
            [Problem(label, 1, None, None, "the first sheet is empty; row 1 must be the header")]
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
