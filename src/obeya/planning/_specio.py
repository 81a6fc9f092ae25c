"""Read a YAML or JSON spec keeping the line of every key, and turn Pydantic's
validation errors into one :class:`~obeya.errors.SpecError` that lists every problem
at once as ``file:line: field: what is wrong (fix)``.

JSON is read with the YAML parser (a JSON document is valid YAML for the documents
a spec holds), so both formats get line numbers; a ``.json`` file the YAML parser
refuses (tab indentation, say) is read with the JSON parser instead. A key given
twice in one mapping is an error, not a silent override.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from obeya.errors import SpecError

__all__ = ["load_document", "validate_spec"]

M = TypeVar("M", bound=BaseModel)
Loc = tuple[str | int, ...]


def _construct(node: yaml.Node, path: Loc, lines: dict[Loc, int], source: str) -> Any:
    """Plain Python data from a composed YAML node, recording each path's line."""
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = yaml.safe_load(yaml.serialize(key_node))
            line = key_node.start_mark.line + 1
            if key in out:
                where = ".".join(str(p) for p in (*path, key))
                raise SpecError(
                    f"{source}:{line}: {where}: duplicate key (first given on line "
                    f"{lines[(*path, key)]}); keep one"
                )
            out[key] = _construct(value_node, (*path, key), lines, source)
            lines[(*path, key)] = line  # the key's line, not the value's
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, (*path, i), lines, source) for i, item in enumerate(node.value)]
    return yaml.safe_load(yaml.serialize(node))


def load_document(path: str | Path) -> tuple[Any, dict[Loc, int]]:
    """Parse a YAML/JSON file; return the data and a map from key path to line."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"{p}: cannot read the spec file ({exc.strerror}); check the path") from exc
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        if p.suffix.lower() == ".json":
            try:
                return json.loads(text), {}
            except json.JSONDecodeError as json_exc:
                raise SpecError(
                    f"{p}:{json_exc.lineno}: not valid JSON: {json_exc.msg}"
                ) from json_exc
        mark = getattr(exc, "problem_mark", None)
        where = f"{p}:{mark.line + 1}" if mark is not None else str(p)
        raise SpecError(f"{where}: not valid YAML/JSON: {exc}") from exc
    lines: dict[Loc, int] = {}
    if node is None:
        raise SpecError(f"{p}: the spec file is empty; expected a mapping of keys")
    return _construct(node, (), lines, str(p)), lines


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
            line = next((lines[loc[:n]] for n in range(len(loc), 0, -1) if loc[:n] in lines), None)
            where = f"{source}:{line}" if line is not None else source
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
