"""Planner overrides: a CSV file of judgement applied after reconciliation.

One row per SKU x site x period (header names are exact; order is free)::

    sku,site_id,period,value,percent,who,why
    A1,DAL,2026-03-02,120,,maria,promotion agreed with Acme
    B2,LYO,2026-03-09,,-20,tom,customer moving volume to Q3

* ``period``: the first day of the period (a Monday for weekly runs, the 1st for
  monthly runs, where ``2026-03`` also works);
* ``value`` replaces the forecast; ``percent`` scales it (``-20`` is 20 % less):
  give exactly one of them;
* ``who`` and ``why`` are required: an override nobody can explain is not kept.

The whole file is checked before anything is applied; every problem is reported at
once as ``file:row:column: value: rule`` (the header is row 1), and an override
for a SKU x site x period the run does not forecast is refused the same way. The
applied overrides are returned as a log with the value before and after.

The rules live in :func:`validate_overrides`, which checks rows given as an Arrow
table; the CSV reader and the web war room's override form both go through it.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import assert_never

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from obeya.demand._frames import index_of
from obeya.demand.series import Grain
from obeya.errors import DataError, Problem

__all__ = [
    "OVERRIDE_COLUMNS",
    "OverrideKind",
    "Overrides",
    "OverridesRefused",
    "apply_overrides",
    "load_overrides",
    "read_overrides",
    "validate_overrides",
]

OVERRIDE_COLUMNS = ("sku", "site_id", "period", "value", "percent", "who", "why")
_REQUIRED = ("sku", "site_id", "period", "who", "why")
_NUMBER = r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$"
_DAY = r"^\d{4}-\d{2}-\d{2}$"
_MONTH = r"^\d{4}-\d{2}$"
_KEY_SEP = "\x1f"
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class OverrideKind(StrEnum):
    VALUE = "value"  # the forecast becomes this quantity
    PERCENT = "percent"  # the forecast is scaled by (1 + percent / 100)


class OverridesRefused(DataError):
    """The overrides file has problems; no override was applied."""

    MAX_SHOWN = 50

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems[: self.MAX_SHOWN])
        self.total = len(problems)
        lines = [
            f"overrides refused: {self.total} problem{'s' if self.total != 1 else ''}; "
            "no override was applied"
        ]
        lines += [str(p) for p in self.problems]
        if self.total > len(self.problems):
            lines.append(f"... and {self.total - len(self.problems)} more")
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class Overrides:
    """Validated overrides: ``sku, site_id, period_start, kind, amount, who, why, row``.

    ``row`` is the row in ``source`` as the user sees it (header = 1).
    """

    table: pa.Table
    source: str
    grain: Grain


def load_overrides(path: str | Path, *, grain: Grain) -> Overrides:
    """Read and validate an overrides CSV file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise DataError(
            f"{p}: cannot read the overrides file ({exc.strerror}); check the path"
        ) from exc
    return read_overrides(text, source=str(p), grain=grain)


def read_overrides(text: str, *, source: str, grain: Grain) -> Overrides:
    """Validate overrides given as CSV text (``source`` names it in messages)."""
    records = list(csv.reader(text.splitlines()))
    if not records or not any(cell.strip() for cell in records[0]):
        raise OverridesRefused(
            [Problem(source, 1, None, None, f"no header; expected {','.join(OVERRIDE_COLUMNS)}")]
        )
    header = [h.strip() for h in records[0]]
    problems = _header_problems(header, source, 1)
    if problems:
        raise OverridesRefused(problems)
    body = [(i + 2, r) for i, r in enumerate(records[1:]) if any(cell.strip() for cell in r)]
    for row_no, r in body:
        if len(r) != len(header):
            problems.append(
                Problem(
                    source, row_no, None, None, f"has {len(r)} cells; the header has {len(header)}"
                )
            )
    if problems:
        raise OverridesRefused(problems)
    cells = pa.table(
        {name: pa.array([r[j] for _, r in body], pa.string()) for j, name in enumerate(header)}
    )
    return validate_overrides(cells, source=source, grain=grain, rows=[n for n, _ in body])


def validate_overrides(
    table: pa.Table,
    *,
    source: str,
    grain: Grain,
    rows: Sequence[int] | None = None,
) -> Overrides:
    """Validate overrides given as an Arrow table: every rule of the CSV file, no file.

    ``table`` has columns named as in :data:`OVERRIDE_COLUMNS` (any order; ``value``
    or ``percent`` may be absent, the others are required). Cells may be text or
    numbers and dates (they are read as their text); a null is an empty cell.
    ``rows`` numbers the rows as the user sees them in messages (default 1, 2, ...).
    Raises :class:`OverridesRefused` with every problem as ``source:row:column:
    value: rule``; nothing is returned unless every row is valid.
    """
    problems = _header_problems(table.column_names, source, None)
    if problems:
        raise OverridesRefused(problems)
    n = table.num_rows
    numbers = np.arange(1, n + 1, dtype=np.int64) if rows is None else np.asarray(rows, np.int64)
    if numbers.shape != (n,):
        raise DataError(
            f"{source}: {len(numbers)} row numbers for {n} rows; give one number per row"
        )
    empty = pa.array([""] * n, pa.string())
    col = {
        name: pc.utf8_trim_whitespace(
            pc.fill_null(pc.cast(table.column(name).combine_chunks(), pa.string()), "")
        )
        if name in table.column_names
        else empty
        for name in OVERRIDE_COLUMNS
    }
    return _validate(col, numbers, source, grain)


def _header_problems(names: Sequence[str], source: str, row: int | None) -> list[Problem]:
    """The problems of the column names (``row`` is the header's row, None for a table)."""
    allowed = ", ".join(OVERRIDE_COLUMNS)
    problems = [
        Problem(source, row, name, None, f"unknown column; allowed: {allowed}")
        for name in names
        if name not in OVERRIDE_COLUMNS
    ]
    problems += [
        Problem(source, row, name, None, "required column is missing; add it")
        for name in _REQUIRED
        if name not in names
    ]
    if "value" not in names and "percent" not in names:
        problems.append(
            Problem(source, row, "value", None, "give a value column, a percent column or both")
        )
    if len(set(names)) != len(names):
        problems.append(Problem(source, row, None, None, "a column name appears twice"))
    return problems


def _validate(col: dict[str, pa.Array], rows: np.ndarray, source: str, grain: Grain) -> Overrides:
    # (row index, column order, column, value, rule)
    found: list[tuple[int, int, str, str, str]] = []

    def flag(mask: np.ndarray, name: str, rule: str) -> None:
        values = col[name].to_pylist()
        found.extend(
            (int(i), OVERRIDE_COLUMNS.index(name), name, values[int(i)], rule)
            for i in np.flatnonzero(mask)
        )

    def empty(name: str) -> np.ndarray:
        return np.asarray(
            pc.equal(pc.utf8_length(col[name]), 0).to_numpy(zero_copy_only=False), dtype=bool
        )

    for name in _REQUIRED:
        flag(empty(name), name, f"{name} is required")

    period_text = col["period"]
    if grain is Grain.MONTH:
        is_month = np.asarray(
            pc.match_substring_regex(period_text, _MONTH).to_numpy(zero_copy_only=False), dtype=bool
        )
        period_text = pc.if_else(
            pa.array(is_month), pc.binary_join_element_wise(period_text, "01", "-"), period_text
        )
    shaped = np.asarray(
        pc.match_substring_regex(period_text, _DAY).to_numpy(zero_copy_only=False), dtype=bool
    )
    parsed = pc.strptime(
        pc.if_else(pa.array(shaped), period_text, "1970-01-01"),
        format="%Y-%m-%d",
        unit="s",
        error_is_null=True,
    )
    bad_date = ~shaped | np.asarray(pc.is_null(parsed).to_numpy(zero_copy_only=False), dtype=bool)
    has_period = ~empty("period")
    hint = "YYYY-MM-DD or YYYY-MM" if grain is Grain.MONTH else "YYYY-MM-DD"
    flag(has_period & bad_date, "period", f"not a date; write it as {hint}")
    days = pc.cast(pc.fill_null(parsed, 0), pa.date32())
    dow = np.asarray(pc.day_of_week(days).to_numpy(zero_copy_only=False), dtype=np.int64)
    dom = np.asarray(pc.day(days).to_numpy(zero_copy_only=False), dtype=np.int64)
    ok_date = has_period & ~bad_date
    day_values = np.asarray(days.to_numpy(zero_copy_only=False), dtype="datetime64[D]")
    match grain:
        case Grain.WEEK:
            mondays = day_values - dow.astype("timedelta64[D]")
            found.extend(
                (
                    int(i),
                    OVERRIDE_COLUMNS.index("period"),
                    "period",
                    col["period"][int(i)].as_py(),
                    f"a weekly period starts on a Monday; {day_values[i]} is a "
                    f"{_WEEKDAYS[int(dow[i])]}: use {mondays[i]}",
                )
                for i in np.flatnonzero(ok_date & (dow != 0))
            )
        case Grain.MONTH:
            flag(
                ok_date & (dom != 1),
                "period",
                "a monthly period starts on the 1st; give the first day of the month (or YYYY-MM)",
            )
        case _:
            assert_never(grain)

    amounts: dict[str, np.ndarray] = {}
    for name in ("value", "percent"):
        shaped_n = np.asarray(
            pc.match_substring_regex(col[name], _NUMBER).to_numpy(zero_copy_only=False), dtype=bool
        )
        flag(
            ~empty(name) & ~shaped_n,
            name,
            "not a number; use digits with a point as decimal separator",
        )
        amounts[name] = np.asarray(
            pc.cast(pc.if_else(pa.array(shaped_n), col[name], "0"), pa.float64()).to_numpy(
                zero_copy_only=False
            ),
            dtype=np.float64,
        )
        flag(shaped_n & ~np.isfinite(amounts[name]), name, "the number is too large")
    flag(~empty("value") & ~empty("percent"), "percent", "give either value or percent, not both")
    flag(empty("value") & empty("percent"), "value", "give a value or a percent")
    flag(~empty("value") & (amounts["value"] < 0), "value", "a demand forecast cannot be negative")
    flag(
        ~empty("percent") & (amounts["percent"] < -100),
        "percent",
        "a percent below -100 would make the forecast negative",
    )

    key = pc.binary_join_element_wise(
        col["sku"], col["site_id"], pc.cast(days, pa.string()), _KEY_SEP
    )
    key_np = np.asarray(key.to_pylist(), dtype=object)
    _uniq, first, inverse = np.unique(key_np, return_index=True, return_inverse=True)
    dup = np.arange(len(key_np)) != first[inverse]
    found.extend(
        (
            int(i),
            OVERRIDE_COLUMNS.index("sku"),
            "sku",
            col["sku"][int(i)].as_py(),
            f"a second override for this sku, site and period (first on row {rows[first[inverse[i]]]}); keep one",
        )
        for i in np.flatnonzero(dup & ok_date)
    )
    if found:
        found.sort(key=lambda f: (f[0], f[1]))
        raise OverridesRefused(
            [Problem(source, int(rows[i]), name, value, rule) for i, _, name, value, rule in found]
        )
    is_value = ~empty("value")
    table = pa.table(
        {
            "sku": col["sku"],
            "site_id": col["site_id"],
            "period_start": days,
            "kind": pa.array(
                np.where(is_value, OverrideKind.VALUE.value, OverrideKind.PERCENT.value).tolist(),
                pa.string(),
            ),
            "amount": pa.array(np.where(is_value, amounts["value"], amounts["percent"])),
            "who": col["who"],
            "why": col["why"],
            "row": pa.array(rows),
        }
    )
    return Overrides(table=table, source=source, grain=grain)


def apply_overrides(forecasts: pa.Table, overrides: Overrides) -> tuple[pa.Table, pa.Table]:
    """Apply overrides to ``forecasts`` (``sku, site_id, period_start, forecast``).

    Returns the forecasts with an ``adjusted`` column (the forecast where no override
    applies) and the log: ``sku, site_id, period_start, kind, amount, before, after,
    who, why, source`` (``file:row``). Refuses, naming file:row:column, an override
    whose SKU x site x period the forecasts do not hold.
    """
    ov = overrides.table
    fkey = pc.binary_join_element_wise(
        forecasts.column("sku"),
        forecasts.column("site_id"),
        pc.cast(forecasts.column("period_start"), pa.string()),
        _KEY_SEP,
    )
    okey = pc.binary_join_element_wise(
        ov.column("sku"),
        ov.column("site_id"),
        pc.cast(ov.column("period_start"), pa.string()),
        _KEY_SEP,
    )
    where = index_of(fkey, okey)
    if (where < 0).any():
        periods = forecasts.column("period_start")
        span = (
            f"{pc.min(periods).as_py()} to {pc.max(periods).as_py()}" if len(periods) else "nothing"
        )
        skus = ov.column("sku").to_pylist()
        sites = ov.column("site_id").to_pylist()
        starts = ov.column("period_start").to_pylist()
        rows = ov.column("row").to_pylist()
        raise OverridesRefused(
            [
                Problem(
                    overrides.source,
                    int(rows[i]),
                    "sku",
                    skus[i],
                    f"no forecast for sku {skus[i]} at site {sites[i]} in the period starting {starts[i]}; "
                    f"this run forecasts {span}: check the codes and the period",
                )
                for i in np.flatnonzero(where < 0)
            ]
        )
    before_all = forecasts.column("forecast").to_numpy().astype(np.float64)
    adjusted = before_all.copy()
    amount = ov.column("amount").to_numpy()
    is_value = np.asarray(
        pc.equal(ov.column("kind"), OverrideKind.VALUE.value).to_numpy(zero_copy_only=False),
        dtype=bool,
    )
    before = before_all[where]
    after = np.where(is_value, amount, before * (1.0 + amount / 100.0))
    adjusted[where] = after
    log = pa.table(
        {
            "sku": ov.column("sku"),
            "site_id": ov.column("site_id"),
            "period_start": ov.column("period_start"),
            "kind": ov.column("kind"),
            "amount": ov.column("amount"),
            "before": pa.array(before),
            "after": pa.array(after),
            "who": ov.column("who"),
            "why": ov.column("why"),
            "source": pc.binary_join_element_wise(
                pa.array([overrides.source] * ov.num_rows, pa.string()),
                pc.cast(ov.column("row"), pa.string()),
                ":",
            ),
        }
    )
    return forecasts.append_column("adjusted", pa.array(adjusted)), log
