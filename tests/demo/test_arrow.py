"""The Arrow builders: keys, dictionary gathers, dates and the model's schemas."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from obeya.demo.arrow import (
    Strings,
    arrow_schema,
    date_array,
    fixed_ids,
    make_table,
    timestamp_array,
)
from obeya.model import TABLES


def test_fixed_ids_by_hand() -> None:
    ids = fixed_ids("SO", np.array([1, 42, 999_999_999]), 9)
    assert ids.to_pylist() == ["SO000000001", "SO000000042", "SO999999999"]
    assert ids.type == pa.string()


@given(
    prefix=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ-", max_size=4),
    digits=st.integers(1, 12),
    data=st.data(),
)
@settings(max_examples=60)
def test_fixed_ids_equal_python_formatting(prefix: str, digits: int, data: st.DataObject) -> None:
    numbers = data.draw(st.lists(st.integers(0, 10**digits - 1), max_size=30))
    got = fixed_ids(prefix, np.array(numbers, dtype=np.int64), digits).to_pylist()
    assert got == [f"{prefix}{n:0{digits}d}" for n in numbers]


def test_fixed_ids_refuse_numbers_that_do_not_fit() -> None:
    with pytest.raises(AssertionError, match=r"numbers outside 0\.\.999"):
        fixed_ids("X", np.array([1000]), 3)


@given(
    values=st.lists(st.text(max_size=6), min_size=1, max_size=8),
    data=st.data(),
)
@settings(max_examples=60)
def test_strings_take_equals_list_indexing(values: list[str], data: st.DataObject) -> None:
    codes = data.draw(st.lists(st.integers(0, len(values) - 1), max_size=40))
    valid = data.draw(st.lists(st.booleans(), min_size=len(codes), max_size=len(codes)))
    strings = Strings(values)
    idx = np.array(codes, dtype=np.int64)
    assert strings.take(idx).to_pylist() == [values[c] for c in codes]
    masked = strings.take(idx, np.array(valid, dtype=bool)).to_pylist()
    assert masked == [values[c] if v else None for c, v in zip(codes, valid, strict=True)]


def test_dates_and_timestamps() -> None:
    # Day 20,089 is 2025-01-01; 1 hour = 3,600,000,000 microseconds.
    days = date_array(np.array([0, 20_089]), np.array([True, False]))
    assert [str(d) if d else None for d in days.to_pylist()] == ["1970-01-01", None]
    ts = timestamp_array(np.array([20_089 * 86_400_000_000 + 3_600_000_000]))
    assert str(ts[0].as_py()) == "2025-01-01 01:00:00"


def test_arrow_schema_follows_the_model_types() -> None:
    schema = arrow_schema("order_lines")
    assert schema.names == list(TABLES["order_lines"].column_names)
    assert schema.field("line_no").type == pa.int64()
    assert schema.field("order_date").type == pa.date32()
    assert schema.field("qty_ordered").type == pa.float64()
    assert schema.field("status").type == pa.string()
    assert arrow_schema("tickets").field("opened_at").type == pa.timestamp("us")
    assert arrow_schema("tickets").field("escalated").type == pa.bool_()
    assert arrow_schema("gl_actuals").field("period").type == pa.string()


def test_make_table_wants_exactly_the_model_columns() -> None:
    with pytest.raises(AssertionError, match=r"missing columns \['mode'\], unexpected \['modus'\]"):
        make_table("carriers", {"carrier_id": ["C1"], "name": ["A"], "modus": ["truck"]})
    table = make_table("carriers", {"mode": ["truck"], "name": ["A"], "carrier_id": ["C1"]})
    assert table.column_names == ["carrier_id", "name", "mode"]
