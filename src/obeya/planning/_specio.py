"""Read a YAML or JSON plan/scenario spec through :mod:`obeya.yamlspec`, and turn
Pydantic's validation errors into one :class:`~obeya.errors.SpecError` that lists
every problem at once as ``file:line: field: what is wrong (fix)``.

A ``.json`` file is read with the YAML parser when it can (so it gets line numbers)
and with the JSON parser otherwise (tab indentation, say). A key given twice in one
mapping is an error, not a silent override.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from obeya.errors import SpecError
from obeya.yamlspec import (
    DocumentSyntaxError,
    Format,
    Loc,
    UnreadableDocument,
    line_of,
    place,
    read_yaml,
)

__all__ = ["load_document", "validate_spec"]

M = TypeVar("M", bound=BaseModel)


def load_document(path: str | Path) -> tuple[Any, Mapping[Loc, int]]:
    """Parse a YAML/JSON file; return the data and a map from key path to line."""
    p = Path(path)
    try:
        doc = read_yaml(p, "the spec file")
    except UnreadableDocument as exc:
        raise SpecError(f"{p}: cannot read the spec file ({exc.reason}); {exc.fix}") from exc
    except DocumentSyntaxError as exc:
        if exc.format is Format.JSON:
            raise SpecError(f"{p}:{exc.line}: not valid JSON: {exc.problem}") from exc
        raise SpecError(f"{place(str(p), exc.line)}: not valid YAML/JSON: {exc.detail}") from exc
    if doc.duplicates:
        dup = doc.duplicates[0]
        raise SpecError(
            f"{p}:{dup.line}: {'.'.join(str(k) for k in dup.loc)}: duplicate key (first given "
            f"on line {dup.first_line}); keep one"
        )
    if doc.data is None:
        raise SpecError(f"{p}: the spec file is empty; expected a mapping of keys")
    return doc.data, doc.lines


def _allowed_keys(model: type[BaseModel], loc: Loc) -> list[str] | None:
    """Field names of the (nested) model that owns the key at ``loc``."""
    current: type[BaseModel] = model
    for part in loc[:-1]:
        if not isinstance(part, str) or part not in current.model_fields:
            return None
        annotation = current.model_fields[part].annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            current = annotation
        else:
            return None
    return sorted(current.model_fields)


def validate_spec(
    model: type[M],
    data: Any,
    *,
    source: str = "<spec>",
    lines: Mapping[Loc, int] | None = None,
) -> M:
    """Validate ``data`` against ``model``; every problem is reported in one SpecError."""
    if not isinstance(data, Mapping):
        raise SpecError(f"{source}: a spec must be a mapping of keys, got {type(data).__name__}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        lines = lines or {}
        problems: list[str] = []
        for err in exc.errors():
            loc: Loc = tuple(err["loc"])
            where = place(source, line_of(lines, loc))
            field = ".".join(str(p) for p in loc) or "(top level)"
            if err["type"] == "extra_forbidden":
                allowed = _allowed_keys(model, loc)
                fix = f"; allowed keys: {', '.join(allowed)}" if allowed else ""
                problems.append(f"{where}: {field}: unknown key '{loc[-1]}'{fix}")
            elif err["type"] == "missing":
                problems.append(f"{where}: {field}: required key is missing; add it")
            else:
                value = err.get("input")
                problems.append(f"{where}: {field}: {err['msg']} (got {value!r})")
        count = len(problems)
        head = f"{source}: the spec has {count} problem{'s' if count != 1 else ''}"
        raise SpecError("\n".join([head, *problems])) from None
