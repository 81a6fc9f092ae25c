"""The catalog's expression language: what it accepts, refuses, and how it computes."""

from __future__ import annotations

from datetime import date, datetime

import ibis
import numpy as np
import pyarrow as pa
import pytest

from obeya.metrics.expressions import (
    ExpressionError,
    IbisScope,
    ValueType,
    compile_ibis,
    infer,
    parse,
    references,
)
from obeya.metrics.formulas import Additivity, additivity, evaluate_formula, parse_formula

N, S, D, T, B = (
    ValueType.NUMBER,
    ValueType.STRING,
    ValueType.DATE,
    ValueType.TIMESTAMP,
    ValueType.BOOLEAN,
)
COLUMNS = {
    "qty": N,
    "price": N,
    "status": S,
    "due": D,
    "done": D,
    "opened": T,
    "closed": T,
    "flag": B,
    "products.family": S,
}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("__import__('os')", "is not a known function"),
        ("lambda: 1", "is not allowed"),
        ("qty if flag else price", "is not allowed"),
        ("a.b.c", "is not a column"),
        ("0 < qty < 5", "chains comparisons"),
        ("round(qty, ndigits=2)", "is not a known function"),
        ("qty +", "cannot parse"),
    ],
)
def test_grammar_refusals(text: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=message):
        infer(parse(text), COLUMNS)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("qty + status", r"\+ needs numbers, `status` is a string"),
        ("done - due", "use days"),
        ("due <= opened", "use date"),
        ("qty == None", "use isnull"),
        ("qtty > 1", "did you mean `qty`"),
        ("days(due, closed)", "compares a date with a timestamp"),
        ("least(qty, status)", "mixes"),
        ("status in ('a', 1)", "compares a string with a number"),
    ],
)
def test_type_refusals(text: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=message):
        infer(parse(text), COLUMNS)


def test_types_and_references() -> None:
    assert infer(parse("days(due, done) <= 2 and products.family in ('F1', 'F2')"), COLUMNS) is B
    assert infer(parse("hours(opened, closed) / 24"), COLUMNS) is N
    assert infer(parse("date(opened) <= as_of"), COLUMNS) is B
    assert references(parse("coalesce(qty, products.family)")) == {
        (None, "qty"),
        ("products", "family"),
    }


def test_compiled_expressions_compute_in_the_database() -> None:
    table = pa.table(
        {
            "qty": [4.0, 0.0, None],
            "price": [2.0, 3.0, 1.0],
            "due": [date(2025, 1, 10)] * 3,
            "done": [date(2025, 1, 12), None, date(2025, 1, 9)],
            "opened": [datetime(2025, 1, 1, 8), datetime(2025, 1, 1, 8), datetime(2025, 1, 1, 8)],
            "closed": [datetime(2025, 1, 2, 20), None, datetime(2025, 1, 1, 9)],
        }
    )
    con = ibis.duckdb.connect()
    t = ibis.memtable(table)
    scope = IbisScope(t, {**COLUMNS}, date(2025, 1, 31), {"truck": 0.1})

    def run(text: str) -> list[object]:
        return con.to_pyarrow(t.select(x=compile_ibis(parse(text), scope))).column("x").to_pylist()

    assert run("price / qty") == [0.5, None, None]  # x / 0 is null, never an error
    assert run("days(due, done)") == [2.0, None, -1.0]
    assert run("hours(opened, closed)") == [36.0, None, 1.0]  # exact hours, not hour boundaries
    assert run("coalesce(qty, 0) * price") == [8.0, 0.0, 0.0]
    assert run("done <= due") == [False, None, True]


def test_formulas() -> None:
    values = {
        "a": np.array([1.0, 2.0]),
        "b": np.array([4.0, 0.0]),
        "period_days": np.array([31.0, 31.0]),
    }
    out = evaluate_formula(parse_formula("100 * a / b"), values)
    assert out[0] == 25.0
    assert np.isnan(out[1])
    with pytest.raises(ExpressionError, match="is not allowed in a formula"):
        parse_formula("a if b else 1")
    additive = {"a": True, "b": True, "p90": False}
    assert additivity(parse_formula("a * 365 / period_days"), additive) is Additivity.ADDITIVE
    assert additivity(parse_formula("period_days"), additive) is Additivity.CONSTANT
    assert additivity(parse_formula("a * b"), additive) is Additivity.OTHER
    assert additivity(parse_formula("a + 1"), additive) is Additivity.OTHER
    assert additivity(parse_formula("p90"), additive) is Additivity.OTHER
