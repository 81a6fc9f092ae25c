"""Read a YAML spec keeping the line of every key; report every problem at once.

Checking happens in three stages: the YAML itself (syntax, duplicate keys), the
schema (Pydantic: types, ranges, unknown keys refused), then semantic rules given by
the caller. Every problem becomes one line ``file:line: where: what is wrong`` of a
single :class:`~obeya.errors.SpecError`, in file order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from obeya.errors import ConfigError, SpecError

__all__ = ["Loc", "line_of", "load_yaml", "validate_document"]

M = TypeVar("M", bound=BaseModel)
Loc = tuple[str | int, ...]
Describe = Callable[[Loc], str]


def _index(node: yaml.Node, loc: Loc, lines: dict[Loc, int], dups: list[Loc]) -> None:
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                dups.append((*loc, key))
            seen.add(key)
            _index(value_node, (*loc, key), lines, dups)
            lines[(*loc, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index(item, (*loc, i), lines, dups)


def load_yaml(path: str | Path, what: str) -> tuple[Any, dict[Loc, int], list[Loc]]:
    """(data, line of every key path, duplicated key paths) of a YAML file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read {what} {p}: {exc.strerror}; check the path") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{p}:{mark.line + 1}" if mark is not None else str(p)
        problem = getattr(exc, "problem", None) or str(exc)
        raise SpecError(f"{where}: invalid YAML: {problem}; fix the syntax") from None
    lines: dict[Loc, int] = {}
    dups: list[Loc] = []
    if node is not None:
        _index(node, (), lines, dups)
    return data, lines, dups


def line_of(lines: Mapping[Loc, int], loc: Loc) -> int | None:
    """The line of ``loc`` or of its nearest ancestor present in the file."""
    for n in range(len(loc), -1, -1):
        if loc[:n] in lines:
            return lines[loc[:n]]
    return None


def validate_document(
    model: type[M],
    data: Any,
    *,
    source: str,
    what: str,
    lines: Mapping[Loc, int],
    dups: list[Loc],
    describe: Describe,
    rules: Callable[[M], list[tuple[Loc, str]]] | None = None,
) -> M:
    """Validate ``data`` into ``model``; raise one SpecError listing every problem.

    ``describe(loc)`` names a location for a person (e.g. ``driver #2: kind``).
    """
    if not isinstance(data, dict):
        raise SpecError(f"{source}:1: {what} must be a mapping of keys, got {type(data).__name__}")
    problems: list[tuple[Loc, str]] = [
        (loc, "duplicate key; each key may appear once") for loc in dups
    ]
    spec: M | None = None
    try:
        spec = model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        inner = {tuple(e["loc"][:n]) for e in errors for n in range(len(e["loc"]))}
        for err in errors:
            if err["type"] == "too_short" and tuple(err["loc"]) in inner:
                continue  # a list whose every item failed: the items' errors say why
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown key (not allowed here); check the spelling or remove it"
            elif err["type"] == "missing":
                msg = "required key is missing; add it"
            elif not isinstance(err.get("input"), dict | list):
                msg += f" (got {err.get('input')!r})"
            problems.append((tuple(err["loc"]), msg))
    if spec is not None and rules is not None:
        problems += rules(spec)
    if problems:
        problems.sort(key=lambda p: line_of(lines, p[0]) or 0)
        messages = []
        for loc, msg in problems:
            line = line_of(lines, loc)
            where = f"{source}:{line}" if line is not None else source
            name = describe(loc)
            messages.append(f"{where}: {name}: {msg}" if name else f"{where}: {msg}")
        count = len(messages)
        head = f"{what} {source} has {count} problem{'s' if count != 1 else ''}"
        raise SpecError("\n".join([head, *messages]))
    assert spec is not None
    return spec
