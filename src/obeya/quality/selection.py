"""Reading the subgroups a person names on the command line: ``--phase1`` and ``--exclude``.

Subgroups are named by their labels as they appear in the data (numbers, dates,
codes). ``--phase1 25`` is a count (the first 25 subgroups); ``--phase1 1-25`` is a
range of labels, from one label to another in the order of the data, inclusive; for
labels that are not whole numbers (dates contain dashes) write the range with two
dots: ``2026-01-05..2026-03-30``. ``--exclude 15,23`` lists labels (ranges allowed).
Every name is checked against the data, and a refusal says which labels there are.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Sequence

from obeya.errors import SpecError

__all__ = ["parse_exclude", "parse_phase1", "subgroup_labels"]

_COUNT = re.compile(r"^\d+$")
_INT_RANGE = re.compile(r"^([+-]?\d+)\s*-\s*([+-]?\d+)$")


def subgroup_labels(values: Sequence[Hashable]) -> tuple[Hashable, ...]:
    """Distinct labels in order of first appearance (the charts' subgroup order)."""
    return tuple(dict.fromkeys(values))


def _shown(labels: tuple[Hashable, ...]) -> str:
    if not labels:
        return "there are no subgroups"
    if len(labels) == 1:
        return f"the only subgroup is {labels[0]}"
    return f"subgroups run from {labels[0]} to {labels[-1]}, {len(labels)} in all"


def _label(token: str, labels: tuple[Hashable, ...], *, option: str, source: str) -> Hashable:
    """The label of ``labels`` written as ``token`` (integers compared as integers)."""
    text = token.strip()
    integers = bool(labels) and all(isinstance(x, int) for x in labels)
    key: Hashable = text
    if integers:
        try:
            key = int(text)
        except ValueError:
            raise SpecError(
                f"{option} {token!r}: the subgroups of {source} are numbered, so write "
                f"numbers ({_shown(labels)})"
            ) from None
    if key not in labels:
        raise SpecError(
            f"{option} names subgroup {text}, which is not in {source} ({_shown(labels)}); "
            f"use labels from the subgroup column"
        )
    return key


def _range(
    text: str, labels: tuple[Hashable, ...], *, option: str, source: str
) -> list[Hashable] | None:
    """The labels from one end of a written range to the other, or None if not a range."""
    if ".." in text:
        first, last = text.split("..", 1)
    else:
        match = _INT_RANGE.match(text)
        if match is None or not all(isinstance(x, int) for x in labels):
            return None
        first, last = match.group(1), match.group(2)
    start = labels.index(_label(first, labels, option=option, source=source))
    stop = labels.index(_label(last, labels, option=option, source=source))
    if stop < start:
        raise SpecError(
            f"{option} {text}: subgroup {last.strip()} comes before {first.strip()} in "
            f"{source}; write the range from the earlier subgroup to the later one"
        )
    return list(labels[start : stop + 1])


def parse_phase1(
    text: str | None, labels: tuple[Hashable, ...], *, source: str
) -> int | list[Hashable] | None:
    """``None`` (Phase I), a count of leading subgroups, or the labels of a range."""
    if text is None or not text.strip():
        return None
    text = text.strip()
    found = _range(text, labels, option="--phase1", source=source)
    if found is not None:
        return found
    if _COUNT.match(text):
        count = int(text)
        if not 2 <= count <= len(labels):
            raise SpecError(
                f"--phase1 {count}: the trial subgroups must number between 2 and the "
                f"{len(labels)} subgroups in {source}; {_shown(labels)}"
            )
        return count
    raise SpecError(
        f"--phase1 {text!r}: give a count of leading subgroups (25) or a range of labels "
        f"(1-25, or 2026-01-05..2026-03-30 for labels that are not numbers)"
    )


def parse_exclude(text: str | None, labels: tuple[Hashable, ...], *, source: str) -> list[Hashable]:
    """The labels in a comma-separated list; ``15-18`` and ``a..b`` ranges are expanded."""
    if text is None or not text.strip():
        return []
    chosen: list[Hashable] = []
    for token in (t.strip() for t in text.split(",")):
        if not token:
            continue
        found = _range(token, labels, option="--exclude", source=source)
        chosen += (
            found
            if found is not None
            else [_label(token, labels, option="--exclude", source=source)]
        )
    return list(dict.fromkeys(chosen))
