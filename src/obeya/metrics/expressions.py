"""The small expression language of the KPI catalog.

Two kinds of expression appear in a catalog file:

*row expressions* (a measure's ``expr``, ``filter`` and ``date``, a source's filter and
dimensions) are evaluated in the database, over one table and its lookup joins::

    least(qty_shipped, qty_ordered)
    delivery_date <= promised_date and qty_shipped >= qty_ordered
    coalesce(ideal_units_per_hour, resources.ideal_units_per_hour)
    weight_kg / 1000 * distance_km * emission_factor(mode)

*formula expressions* (a KPI's numerator, denominator or value) are arithmetic over
measure ids, numbers and ``period_days``, evaluated on the aggregated rows.

The grammar is a strict subset of Python expressions, parsed with :mod:`ast` and
checked node by node: names (columns, ``as_of``), ``join.column``, numbers, strings,
``True``/``False``/``None``, ``+ - * /``, one comparison at a time (``== != < <= > >=``,
``in (...)``), ``and``/``or``/``not`` and the functions in :data:`FUNCTIONS`. Division
by zero gives null, never an error. Nothing is ever passed to ``eval``.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.operations as ops
import ibis.expr.types as ir

from obeya.model import ColumnType

__all__ = [
    "AS_OF",
    "FUNCTIONS",
    "ExpressionError",
    "IbisScope",
    "ValueType",
    "as_float",
    "compile_ibis",
    "infer",
    "parse",
    "parse_syntax",
    "references",
    "value_type",
]

AS_OF = "as_of"


class ValueType(StrEnum):
    NUMBER = "number"
    DATE = "date"
    TIMESTAMP = "timestamp"
    STRING = "string"
    BOOLEAN = "boolean"
    NULL = "null"


def value_type(column_type: ColumnType) -> ValueType:
    """The expression type of a model column."""
    return {
        ColumnType.STRING: ValueType.STRING,
        ColumnType.PERIOD: ValueType.STRING,
        ColumnType.DATE: ValueType.DATE,
        ColumnType.TIMESTAMP: ValueType.TIMESTAMP,
        ColumnType.DECIMAL: ValueType.NUMBER,
        ColumnType.INTEGER: ValueType.NUMBER,
        ColumnType.BOOLEAN: ValueType.BOOLEAN,
    }[column_type]


class ExpressionError(ValueError):
    """An expression breaks the grammar or its types; ``fix`` says what to write."""

    def __init__(self, message: str, fix: str = "") -> None:
        super().__init__(f"{message}; fix: {fix}" if fix else message)
        self.message = message
        self.fix = fix


FUNCTIONS: Mapping[str, str] = {
    "coalesce": "coalesce(a, b, ...): the first argument that is not null",
    "least": "least(a, b, ...): the smallest argument",
    "greatest": "greatest(a, b, ...): the largest argument",
    "isnull": "isnull(x): x is empty",
    "notnull": "notnull(x): x is not empty",
    "if_else": "if_else(condition, a, b): a where the condition holds, else b",
    "abs": "abs(x): absolute value",
    "days": "days(start, end): end minus start in days",
    "hours": "hours(start, end): end minus start in hours",
    "date": "date(x): the date of a timestamp",
    "month_start": "month_start(period): the first day of a YYYY-MM period",
    "emission_factor": "emission_factor(mode): kg CO2e per tonne-km from the factor table",
}

_COMPARE = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
_ARITH = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}


# ------------------------------------------------------------------------ parsing


@lru_cache(maxsize=4096)
def parse(text: str) -> ast.expr:
    """Parse and check the grammar of a row expression."""
    tree = parse_syntax(text)
    for node in ast.walk(tree):
        _check_node(node)
    return tree


def parse_syntax(text: str) -> ast.expr:
    """The expression tree of ``text`` (syntax only; callers check the nodes)."""
    try:
        return ast.parse(text.strip(), mode="eval").body
    except SyntaxError as exc:
        raise ExpressionError(
            f"cannot parse {text!r}: {exc.msg}",
            "write a formula such as `qty_shipped * unit_price` or `status != 'cancelled'`",
        ) from None


def _describe(node: ast.AST) -> str:
    try:
        return f"`{ast.unparse(node)}`"
    except Exception:  # some bare operator nodes cannot be unparsed
        return type(node).__name__


def _check_node(node: ast.AST) -> None:
    ok = (
        ast.BoolOp,
        ast.And,
        ast.Or,
        ast.UnaryOp,
        ast.Not,
        ast.USub,
        ast.UAdd,
        ast.BinOp,
        ast.Add,
        ast.Sub,
        ast.Mult,
        ast.Div,
        ast.Compare,
        ast.Eq,
        ast.NotEq,
        ast.Lt,
        ast.LtE,
        ast.Gt,
        ast.GtE,
        ast.In,
        ast.NotIn,
        ast.Call,
        ast.Name,
        ast.Attribute,
        ast.Constant,
        ast.Load,
        ast.Tuple,
        ast.List,
    )
    if not isinstance(node, ok):
        raise ExpressionError(
            f"{_describe(node)} is not allowed",
            "use columns, numbers, quoted text, + - * /, comparisons, and/or/not and the "
            "functions " + ", ".join(FUNCTIONS),
        )
    if isinstance(node, ast.Compare) and len(node.ops) != 1:
        raise ExpressionError(f"{_describe(node)} chains comparisons", "write `a <= b and b <= c`")
    if isinstance(node, ast.Attribute) and not isinstance(node.value, ast.Name):
        raise ExpressionError(f"{_describe(node)} is not a column", "write `join_name.column`")
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            raise ExpressionError(
                f"{_describe(node.func)} is not a known function",
                "use one of " + ", ".join(FUNCTIONS),
            )
        if node.keywords:
            raise ExpressionError(
                f"{_describe(node)} uses keyword arguments", "pass arguments by position"
            )
    if isinstance(node, ast.Constant) and not isinstance(
        node.value, int | float | str | bool | None
    ):
        raise ExpressionError(f"{node.value!r} is not a number, text, True, False or None")


def references(tree: ast.expr) -> set[tuple[str | None, str]]:
    """The columns an expression reads, as (join name or None, column)."""
    out: set[tuple[str | None, str]] = set()
    attribute_names: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            out.add((node.value.id, node.attr))
            attribute_names.add(id(node.value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            attribute_names.add(id(node.func))
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and id(node) not in attribute_names and node.id != AS_OF:
            out.add((None, node.id))
    return out


# ------------------------------------------------------------------------ types


def _qualified(qualifier: str | None, name: str) -> str:
    return name if qualifier is None else f"{qualifier}.{name}"


def infer(tree: ast.expr, columns: Mapping[str, ValueType]) -> ValueType:
    """The type of a row expression; raises :class:`ExpressionError` on a mismatch.

    ``columns`` maps ``column`` and ``join.column`` to their types.
    """
    return _Typer(columns).visit(tree)


@dataclass
class _Typer:
    columns: Mapping[str, ValueType]

    def visit(self, node: ast.expr) -> ValueType:
        if isinstance(node, ast.Constant):
            return self._constant(node.value)
        if isinstance(node, ast.Name | ast.Attribute):
            return self._column(node)
        if isinstance(node, ast.BoolOp):
            for value in node.values:
                self._expect(value, (ValueType.BOOLEAN,), "and/or")
            return ValueType.BOOLEAN
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.Not):
                self._expect(node.operand, (ValueType.BOOLEAN,), "not")
                return ValueType.BOOLEAN
            self._expect(node.operand, (ValueType.NUMBER,), "a sign")
            return ValueType.NUMBER
        if isinstance(node, ast.BinOp):
            symbol = _ARITH[type(node.op)]
            for side in (node.left, node.right):
                found = self.visit(side)
                if found not in (ValueType.NUMBER, ValueType.NULL):
                    timely = found in (ValueType.DATE, ValueType.TIMESTAMP)
                    raise ExpressionError(
                        f"`{ast.unparse(node)}`: {symbol} needs numbers, "
                        f"`{ast.unparse(side)}` is a {found.value}",
                        "use days(start, end) or hours(start, end) for the time between two dates"
                        if timely
                        else "use numeric columns only",
                    )
            return ValueType.NUMBER
        if isinstance(node, ast.Compare):
            return self._compare(node)
        if isinstance(node, ast.Call):
            return self._call(node)
        raise ExpressionError(f"{_describe(node)} is not allowed here")

    @staticmethod
    def _constant(value: object) -> ValueType:
        if isinstance(value, bool):
            return ValueType.BOOLEAN
        if isinstance(value, int | float):
            return ValueType.NUMBER
        if isinstance(value, str):
            return ValueType.STRING
        return ValueType.NULL

    def _column(self, node: ast.Name | ast.Attribute) -> ValueType:
        if isinstance(node, ast.Name):
            if node.id == AS_OF:
                return ValueType.DATE
            key = node.id
        else:
            assert isinstance(node.value, ast.Name)
            key = _qualified(node.value.id, node.attr)
        if key not in self.columns:
            near = _near(key, self.columns)
            own = sorted(k for k in self.columns if "." not in k)
            joins = sorted({k.split(".")[0] for k in self.columns if "." in k})
            listing = ", ".join(own) + (
                f"; and join.column for the joins {', '.join(joins)}" if joins else ""
            )
            raise ExpressionError(
                f"unknown column `{key}`",
                (f"did you mean `{near}`? " if near else "") + "columns here: " + listing,
            )
        return self.columns[key]

    def _expect(self, node: ast.expr, types: tuple[ValueType, ...], where: str) -> ValueType:
        found = self.visit(node)
        if found not in (*types, ValueType.NULL):
            wanted = " or ".join(t.value for t in types)
            raise ExpressionError(
                f"`{ast.unparse(node)}` is a {found.value}; {where} needs a {wanted}",
                "check the column and the function's arguments",
            )
        return found

    def _compare(self, node: ast.Compare) -> ValueType:
        op, right = node.ops[0], node.comparators[0]
        left_type = self.visit(node.left)
        if isinstance(op, ast.In | ast.NotIn):
            if not isinstance(right, ast.Tuple | ast.List) or not all(
                isinstance(e, ast.Constant) for e in right.elts
            ):
                raise ExpressionError(
                    f"`{ast.unparse(node)}`: `in` needs a list of constants",
                    "write `x in ('a', 'b')`",
                )
            for element in right.elts:
                self._same(node, left_type, self.visit(element))
            return ValueType.BOOLEAN
        right_type = self.visit(right)
        if ValueType.NULL in (left_type, right_type):
            raise ExpressionError(
                f"`{ast.unparse(node)}` compares with None", "use isnull(x) or notnull(x)"
            )
        if not isinstance(op, ast.Eq | ast.NotEq) and left_type is ValueType.BOOLEAN:
            raise ExpressionError(
                f"`{ast.unparse(node)}` orders booleans", "compare numbers, dates or text"
            )
        self._same(node, left_type, right_type)
        return ValueType.BOOLEAN

    @staticmethod
    def _same(node: ast.expr, a: ValueType, b: ValueType) -> None:
        if a != b and ValueType.NULL not in (a, b):
            fix = (
                "use date(x) to compare a timestamp with a date"
                if {a, b} == {ValueType.DATE, ValueType.TIMESTAMP}
                else "compare values of the same type"
            )
            raise ExpressionError(
                f"`{ast.unparse(node)}` compares a {a.value} with a {b.value}", fix
            )

    def _call(self, node: ast.Call) -> ValueType:
        assert isinstance(node.func, ast.Name)
        name, args = node.func.id, node.args
        text = ast.unparse(node)

        def arity(n: int, at_least: bool = False) -> None:
            if (len(args) < n) if at_least else (len(args) != n):
                raise ExpressionError(
                    f"`{text}`: {name} takes {'at least ' if at_least else ''}{n} argument"
                    f"{'s' if n != 1 else ''}",
                    FUNCTIONS[name],
                )

        if name in ("coalesce", "least", "greatest"):
            arity(2, at_least=True)
            types = {self.visit(a) for a in args} - {ValueType.NULL}
            if len(types) > 1:
                raise ExpressionError(
                    f"`{text}` mixes {', '.join(sorted(types))}", "give arguments of one type"
                )
            found = types.pop() if types else ValueType.NULL
            if name != "coalesce" and found not in (
                ValueType.NUMBER,
                ValueType.DATE,
                ValueType.TIMESTAMP,
            ):
                raise ExpressionError(f"`{text}`: {name} needs numbers or dates", FUNCTIONS[name])
            return found
        if name in ("isnull", "notnull"):
            arity(1)
            self.visit(args[0])
            return ValueType.BOOLEAN
        if name == "if_else":
            arity(3)
            self._expect(args[0], (ValueType.BOOLEAN,), "if_else's condition")
            a, b = self.visit(args[1]), self.visit(args[2])
            self._same(node, a, b)
            return a if a is not ValueType.NULL else b
        if name == "abs":
            arity(1)
            return self._expect(args[0], (ValueType.NUMBER,), "abs")
        if name in ("days", "hours"):
            arity(2)
            a = self._expect(args[0], (ValueType.DATE, ValueType.TIMESTAMP), name)
            b = self._expect(args[1], (ValueType.DATE, ValueType.TIMESTAMP), name)
            self._same(node, a, b)
            return ValueType.NUMBER
        if name == "date":
            arity(1)
            self._expect(args[0], (ValueType.DATE, ValueType.TIMESTAMP), "date")
            return ValueType.DATE
        if name in ("month_start", "emission_factor"):
            arity(1)
            self._expect(args[0], (ValueType.STRING,), name)
            return ValueType.DATE if name == "month_start" else ValueType.NUMBER
        raise ExpressionError(
            f"`{text}`: unknown function {name}", "use one of " + ", ".join(FUNCTIONS)
        )


def _near(key: str, options: Mapping[str, object]) -> str | None:
    import difflib

    found = difflib.get_close_matches(key, list(options), n=1, cutoff=0.7)
    return found[0] if found else None


# ------------------------------------------------------------------------ to Ibis


def as_float(value: ir.Value) -> ir.FloatingValue:
    """Force a double in the SQL itself.

    PostgreSQL computes ``1.0`` or ``SUM(bigint)`` as NUMERIC, which does not convert
    to a float column; Ibis drops a cast whose type it already believes to hold, so
    the cast is built as an operation directly.
    """
    return ops.Cast(value, to=dt.float64).to_expr()  # type: ignore[return-value]


@dataclass(frozen=True)
class IbisScope:
    """What a row expression can see when compiled to Ibis.

    ``table`` holds the source's columns and, for each lookup join, its columns named
    ``<join>__<column>``; ``types`` maps ``column`` and ``join.column`` to their types.
    """

    table: ir.Table
    types: Mapping[str, ValueType]
    as_of: date
    emission_factors: Mapping[str, float]

    def column(self, qualifier: str | None, name: str) -> ir.Value:
        return self.table[name if qualifier is None else f"{qualifier}__{name}"]


def compile_ibis(tree: ast.expr, scope: IbisScope) -> ir.Value:
    """The Ibis expression of a (checked) row expression."""
    return _Compiler(scope).visit(tree)


@dataclass
class _Compiler:
    scope: IbisScope

    def visit(self, node: ast.expr) -> ir.Value:
        if isinstance(node, ast.Constant):
            if node.value is None:
                return ibis.null()
            if isinstance(node.value, str):
                return ibis.literal(node.value, type="string")
            return ibis.literal(node.value)
        if isinstance(node, ast.Name):
            if node.id == AS_OF:
                return ibis.literal(self.scope.as_of, type="date")
            return self.scope.column(None, node.id)
        if isinstance(node, ast.Attribute):
            assert isinstance(node.value, ast.Name)
            return self.scope.column(node.value.id, node.attr)
        if isinstance(node, ast.BoolOp):
            values = [self.visit(v) for v in node.values]
            out = values[0]
            for v in values[1:]:
                out = (out & v) if isinstance(node.op, ast.And) else (out | v)  # type: ignore[operator]
            return out
        if isinstance(node, ast.UnaryOp):
            operand = self.visit(node.operand)
            if isinstance(node.op, ast.Not):
                return ~operand  # type: ignore[operator, no-any-return]
            return -operand if isinstance(node.op, ast.USub) else operand  # type: ignore[operator]
        if isinstance(node, ast.BinOp):
            left, right = self.visit(node.left), self.visit(node.right)
            match node.op:
                case ast.Add():
                    return left + right  # type: ignore[operator, no-any-return]
                case ast.Sub():
                    return left - right  # type: ignore[operator, no-any-return]
                case ast.Mult():
                    return left * right  # type: ignore[operator, no-any-return]
                case _:
                    return left / right.nullif(0)  # type: ignore[operator, no-any-return]
        if isinstance(node, ast.Compare):
            return self._compare(node)
        assert isinstance(node, ast.Call)
        return self._call(node)

    def _compare(self, node: ast.Compare) -> ir.Value:
        left, op, right = self.visit(node.left), node.ops[0], node.comparators[0]
        if isinstance(op, ast.In | ast.NotIn):
            assert isinstance(right, ast.Tuple | ast.List)
            values = [e.value for e in right.elts if isinstance(e, ast.Constant)]
            return left.isin(values) if isinstance(op, ast.In) else left.notin(values)
        other = self.visit(right)
        match op:
            case ast.Eq():
                return left == other  # type: ignore[no-any-return]
            case ast.NotEq():
                return left != other  # type: ignore[no-any-return]
            case ast.Lt():
                return left < other  # type: ignore[operator, no-any-return]
            case ast.LtE():
                return left <= other  # type: ignore[operator, no-any-return]
            case ast.Gt():
                return left > other  # type: ignore[operator, no-any-return]
            case _:
                return left >= other  # type: ignore[operator, no-any-return]

    def _type(self, node: ast.expr) -> ValueType:
        return _Typer(self.scope.types).visit(node)

    def _call(self, node: ast.Call) -> ir.Value:
        assert isinstance(node.func, ast.Name)
        name = node.func.id
        args = [self.visit(a) for a in node.args]
        match name:
            case "coalesce":
                return ibis.coalesce(*args)
            case "least":
                return ibis.least(*args)
            case "greatest":
                return ibis.greatest(*args)
            case "isnull":
                return args[0].isnull()
            case "notnull":
                return args[0].notnull()
            case "if_else":
                return ibis.ifelse(args[0], args[1], args[2])
            case "abs":
                return args[0].abs()  # type: ignore[attr-defined, no-any-return]
            case "days" | "hours":
                per_day = 1.0 if name == "days" else 24.0
                if self._type(node.args[0]) is ValueType.DATE:
                    days = args[1].delta(args[0], unit="day")  # type: ignore[attr-defined]
                    return as_float(days) * per_day
                seconds = as_float(args[1].epoch_seconds()) - as_float(args[0].epoch_seconds())  # type: ignore[attr-defined]
                return seconds / (86400.0 / per_day)
            case "date":
                if self._type(node.args[0]) is ValueType.DATE:
                    return args[0]
                return args[0].date()  # type: ignore[attr-defined, no-any-return]
            case "month_start":
                return ops.Cast(args[0] + "-01", to=dt.date).to_expr()  # type: ignore[operator]
            case _:
                factors = self.scope.emission_factors
                if not factors:
                    return ibis.null().cast("float64")
                branches = [
                    (args[0] == mode, ibis.literal(float(f))) for mode, f in sorted(factors.items())
                ]
                return ibis.cases(*branches, else_=ibis.null().cast("float64"))
