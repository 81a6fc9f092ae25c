"""Planner overrides: applied and logged; bad files refused with file:row:column."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest

from obeya.demand import (
    Grain,
    OverrideKind,
    OverridesRefused,
    apply_overrides,
    load_overrides,
    read_overrides,
)

HEADER = "sku,site_id,period,value,percent,who,why"


def _forecasts() -> pa.Table:
    return pa.table(
        {
            "sku": ["A1", "A1", "B2"],
            "site_id": ["DAL", "DAL", "LYO"],
            "period_start": pa.array(
                [date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 2)], pa.date32()
            ),
            "forecast": [100.0, 110.0, 50.0],
        }
    )


def test_value_and_percent_applied_and_logged(tmp_path: Path) -> None:
    path = tmp_path / "ov.csv"
    path.write_text(
        f"{HEADER}\nA1,DAL,2026-03-09,120,,maria,promotion agreed\n\nB2,LYO,2026-03-02,,-20,tom,volume moves to Q3\n"
    )
    ov = load_overrides(path, grain=Grain.WEEK)
    adjusted, log = apply_overrides(_forecasts(), ov)
    assert adjusted.column("adjusted").to_pylist() == [100.0, 120.0, 40.0]  # 50 * (1 - 20/100)
    rows = log.to_pylist()
    assert rows[0]["kind"] == OverrideKind.VALUE.value
    assert (rows[0]["before"], rows[0]["after"]) == (110.0, 120.0)
    assert (rows[1]["before"], rows[1]["after"]) == (50.0, 40.0)
    assert rows[1]["who"] == "tom"
    assert rows[1]["why"] == "volume moves to Q3"
    # the blank line 3 keeps the row numbers the user sees
    assert rows[0]["source"] == f"{path}:2"
    assert rows[1]["source"] == f"{path}:4"


def test_monthly_period_can_be_a_month() -> None:
    ov = read_overrides(
        f"{HEADER}\nA1,DAL,2026-03,5,,ann,launch\n", source="m.csv", grain=Grain.MONTH
    )
    assert ov.table.column("period_start").to_pylist() == [date(2026, 3, 1)]


def test_every_problem_is_named_with_file_row_and_column() -> None:
    text = "\n".join(
        [
            HEADER,
            "A1,DAL,2026-03-04,120,,maria,wednesday",  # row 2: not a Monday
            "A1,DAL,2026-03-09,120,10,maria,both",  # row 3: value and percent
            "A1,LYO,2026-03-09,,,maria,neither",  # row 4: neither
            "B2,LYO,2026-03-02,-5,,,negative",  # row 5: negative, no who
            "B2,LYO,2026-13-02,1,,x,bad date",  # row 6
            "B2,LYO,2026-03-16,1;5,,x,comma",  # row 7: not a number
            "A1,DAL,2026-03-09,1,,x,again",  # row 8: duplicate of row 3
        ]
    )
    with pytest.raises(OverridesRefused) as info:
        read_overrides(text, source="ov.csv", grain=Grain.WEEK)
    message = str(info.value)
    assert message.startswith("overrides refused: 8 problems; no override was applied")
    assert (
        "ov.csv:2:period: '2026-03-04': a weekly period starts on a Monday; 2026-03-04 is a Wednesday: use 2026-03-02"
        in message
    )
    assert "ov.csv:3:percent: '10': give either value or percent, not both" in message
    assert "ov.csv:4:value: '': give a value or a percent" in message
    assert "ov.csv:5:who: '': who is required" in message
    assert "ov.csv:5:value: '-5': a demand forecast cannot be negative" in message
    assert "ov.csv:6:period: '2026-13-02': not a date" in message
    assert "ov.csv:7:value: '1;5': not a number" in message
    assert (
        "ov.csv:8:sku: 'A1': a second override for this sku, site and period (first on row 3)"
        in message
    )


def test_unknown_and_missing_columns_are_refused() -> None:
    with pytest.raises(
        OverridesRefused, match=r"x.csv:1:qty: unknown column; allowed: sku, site_id"
    ):
        read_overrides("sku,site_id,period,qty,who,why\n", source="x.csv", grain=Grain.WEEK)
    with pytest.raises(OverridesRefused, match=r"x.csv:1:why: required column is missing"):
        read_overrides("sku,site_id,period,value,who\n", source="x.csv", grain=Grain.WEEK)


def test_override_outside_the_run_is_refused() -> None:
    ov = read_overrides(
        f"{HEADER}\nZZ,DAL,2026-03-02,5,,ann,typo\n", source="o.csv", grain=Grain.WEEK
    )
    with pytest.raises(
        OverridesRefused,
        match=r"o.csv:2:sku: 'ZZ': no forecast for sku ZZ at site DAL in the period starting 2026-03-02; this run forecasts 2026-03-02 to 2026-03-09",
    ):
        apply_overrides(_forecasts(), ov)
