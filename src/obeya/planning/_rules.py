"""Semantic rules of a spec, run after its schema, every problem reported at once.

A rule is a small object with a ``check`` method that returns ``(loc, message)``
pairs, ``loc`` being the key path of the offending value (``("staff", 2, "shifts")``).
:func:`raise_problems` turns them into one :class:`~obeya.errors.SpecError` whose
lines read ``file:line: field: message``, in file order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Generic, Protocol, TypeVar

from obeya.errors import SpecError
from obeya.yamlspec import Loc, line_of, place

__all__ = ["Problem", "Rule", "raise_problems", "run_rules"]

Problem = tuple[Loc, str]
S_contra = TypeVar("S_contra", contravariant=True)
S = TypeVar("S")


class Rule(Protocol, Generic[S_contra]):
    """One semantic rule of a spec."""

    def check(self, spec: S_contra) -> list[Problem]: ...


def run_rules(spec: S, rules: Sequence[Rule[S]]) -> list[Problem]:
    """Every problem every rule finds."""
    return [problem for rule in rules for problem in rule.check(spec)]


def raise_problems(
    problems: Sequence[Problem], *, source: str, lines: Mapping[Loc, int], what: str
) -> None:
    """Raise one SpecError listing ``problems`` (nothing when there are none)."""
    if not problems:
        return

    def where(loc: Loc) -> tuple[int, str]:
        line = line_of(lines, loc)
        field = ".".join(str(p) for p in loc) or "(top level)"
        return (line or 0, f"{place(source, line)}: {field}")

    ordered = sorted(problems, key=lambda p: where(p[0])[0])
    count = len(ordered)
    head = f"{source}: the {what} has {count} problem{'s' if count != 1 else ''}"
    raise SpecError("\n".join([head, *(f"{where(loc)[1]}: {msg}" for loc, msg in ordered)]))
