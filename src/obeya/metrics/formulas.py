"""KPI formulas: arithmetic over measures, evaluated on aggregated rows.

A formula (a KPI's ``numerator``, ``denominator`` or ``value``) reads measure ids,
numbers and ``period_days`` (the calendar days of the period up to as_of) with
``+ - * /``. It is parsed with :mod:`ast`, checked node by node, and evaluated with
NumPy on the few aggregated rows a query returns. :func:`additivity` tells how a
formula behaves when its rows are split by a dimension, which decides how a change
is explained (rate and mix, or each member's change).
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from enum import StrEnum
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from obeya.metrics.expressions import ExpressionError, parse_syntax
from obeya.metrics.spec import FormulaSpec, KpiSpec

__all__ = [
    "PERIOD_DAYS",
    "Additivity",
    "additivity",
    "evaluate_formula",
    "formula_alternatives",
    "formula_measures",
    "formula_names",
    "measures_of",
    "parse_formula",
]

PERIOD_DAYS = "period_days"


def _describe(node: ast.AST) -> str:
    try:
        return f"`{ast.unparse(node)}`"
    except Exception:  # bare operator nodes cannot be unparsed
        return type(node).__name__


@lru_cache(maxsize=1024)
def parse_formula(text: str) -> ast.expr:
    """Parse a formula: arithmetic over measure ids, numbers and ``period_days``."""
    tree = parse_syntax(text)
    for node in ast.walk(tree):
        allowed = (
            ast.BinOp,
            ast.UnaryOp,
            ast.Name,
            ast.Constant,
            ast.Load,
            ast.Add,
            ast.Sub,
            ast.Mult,
            ast.Div,
            ast.USub,
            ast.UAdd,
        )
        if not isinstance(node, allowed):
            raise ExpressionError(
                f"{_describe(node)} is not allowed in a formula",
                "a formula is arithmetic (+ - * /) over measure ids, numbers and period_days",
            )
        if isinstance(node, ast.Constant) and (
            isinstance(node.value, bool) or not isinstance(node.value, int | float)
        ):
            raise ExpressionError(f"{node.value!r} is not a number", "use numbers only in formulas")
    return tree


def formula_names(tree: ast.expr) -> set[str]:
    """The measure ids a formula reads (``period_days`` excluded)."""
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id != PERIOD_DAYS}


def formula_alternatives(formula: FormulaSpec) -> list[FormulaSpec]:
    """The formula and its fallbacks, in order of preference."""
    out = [formula]
    while out[-1].fallback is not None:
        fallback = out[-1].fallback
        assert fallback is not None
        out.append(fallback)
    return out


def formula_measures(formula: FormulaSpec) -> list[str]:
    """Measure ids one formula alternative reads (not its fallback), in order of use."""
    names: list[str] = []
    for text in (formula.numerator, formula.denominator, formula.value):
        if text is None:
            continue
        try:
            tree = parse_formula(text)
        except ExpressionError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id != PERIOD_DAYS and node.id not in names:
                names.append(node.id)
    return names


def measures_of(kpi: KpiSpec) -> list[str]:
    out: list[str] = []
    for alt in formula_alternatives(kpi.formula):
        out += [m for m in formula_measures(alt) if m not in out]
    return out


def evaluate_formula(
    tree: ast.expr, values: Mapping[str, NDArray[np.float64]]
) -> NDArray[np.float64]:
    """Evaluate a formula over aggregated columns; x / 0 gives NaN (null)."""
    if isinstance(tree, ast.Constant):
        return np.asarray(float(tree.value), dtype=np.float64)  # type: ignore[arg-type]
    if isinstance(tree, ast.Name):
        return values[tree.id]
    if isinstance(tree, ast.UnaryOp):
        operand = evaluate_formula(tree.operand, values)
        return -operand if isinstance(tree.op, ast.USub) else operand
    assert isinstance(tree, ast.BinOp)
    left, right = evaluate_formula(tree.left, values), evaluate_formula(tree.right, values)
    match tree.op:
        case ast.Add():
            return np.asarray(left + right, dtype=np.float64)
        case ast.Sub():
            return np.asarray(left - right, dtype=np.float64)
        case ast.Mult():
            return np.asarray(left * right, dtype=np.float64)
        case _:
            with np.errstate(divide="ignore", invalid="ignore"):
                safe = np.where(right == 0, np.nan, right)
                return np.asarray(left / safe, dtype=np.float64)


class Additivity(StrEnum):
    """How a formula behaves when its rows are split by a dimension."""

    ADDITIVE = "additive"  # the members' values add up to the whole (a sum, a count)
    CONSTANT = "constant"  # the same for every member (numbers, period_days)
    OTHER = "other"  # neither (a percentile, a product of two sums)


def additivity(tree: ast.expr, measure_additive: Mapping[str, bool]) -> Additivity:
    """Classify a formula: linear in additive measures with constant coefficients."""
    a, c, o = Additivity.ADDITIVE, Additivity.CONSTANT, Additivity.OTHER
    if isinstance(tree, ast.Constant):
        return c
    if isinstance(tree, ast.Name):
        if tree.id == PERIOD_DAYS:
            return c
        return a if measure_additive.get(tree.id, False) else o
    if isinstance(tree, ast.UnaryOp):
        return additivity(tree.operand, measure_additive)
    assert isinstance(tree, ast.BinOp)
    left, right = additivity(tree.left, measure_additive), additivity(tree.right, measure_additive)
    if o in (left, right):
        return o
    if isinstance(tree.op, ast.Add | ast.Sub):
        return left if left == right else o
    if isinstance(tree.op, ast.Mult):
        return c if left == right == c else (o if left == right == a else a)
    return c if left == right == c else (a if (left, right) == (a, c) else o)
