"""Read a YAML spec keeping the line of every key; report every problem at once.

Every spec file of obeya (KPI catalogs, plans and scenarios, source mappings, the
inventory network, finance and alert specs) is read here, so that a bad field is
reported as ``file:line: field: what is wrong`` the same way everywhere.

Checking happens in three stages: the YAML itself (syntax, duplicate keys), the
schema (Pydantic: types, ranges, unknown keys refused), then semantic rules given by
the caller. :func:`read_yaml` does the first stage and returns a :class:`Document`:
the data, the line of every key path, and the keys given twice. A caller that words
its messages its own way catches :class:`UnreadableDocument` and
:class:`DocumentSyntaxError`, which carry the parts (path, line, problem) apart;
:func:`validate_document` does the other two stages for callers that take its
wording, listing every problem in one :class:`~obeya.errors.SpecError` in file order.

Reading rules, the same for every spec:

* keys are the text as written (``01:`` is the key ``'01'``, ``yes:`` is ``'yes'``);
  a key that is a list or a mapping is a syntax error;
* a key given twice in one mapping is recorded (a :class:`Duplicate`), the later
  value kept, so the caller can refuse it with both lines;
* values follow the :class:`Dialect` asked for;
* a ``.json`` file that the YAML parser refuses (tab indentation, say) is read with
  the JSON parser, without line numbers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar, assert_never

import yaml
from pydantic import BaseModel, ValidationError
from yaml.constructor import ConstructorError, SafeConstructor

from obeya.errors import ConfigError, SpecError

__all__ = [
    "Dialect",
    "Document",
    "DocumentSyntaxError",
    "Duplicate",
    "Format",
    "Loc",
    "UnreadableDocument",
    "line_of",
    "load_yaml",
    "parse_yaml",
    "place",
    "read_text",
    "read_yaml",
    "validate_document",
]

M = TypeVar("M", bound=BaseModel)
Loc = tuple[str | int, ...]
Describe = Callable[[Loc], str]


class Dialect(StrEnum):
    """How plain (unquoted) values are read; quoted values are always text.

    ``SAFE`` is PyYAML's safe schema (YAML 1.1): ``yes``/``no``/``on``/``off`` are
    booleans, ``2024-01-01`` a date, ``0010`` the number 8, and ``<<`` merges a
    mapping in. ``TEXT`` keeps codes as written, as YAML 1.2 reads them: only
    ``true``/``false`` are booleans, a number with leading zeros, a date or any
    other word stays text, and ``<<`` is an ordinary key.
    """

    SAFE = "safe"
    TEXT = "text"


class Format(StrEnum):
    """The language a document was refused in."""

    YAML = "YAML"
    JSON = "JSON"


class UnreadableDocument(ConfigError):
    """A spec file cannot be read: absent, a folder, not allowed, or not UTF-8 text."""

    def __init__(self, path: Path, what: str, reason: str, fix: str, *, missing: bool) -> None:
        self.path = path
        self.reason = reason  # "No such file or directory"
        self.fix = fix  # "check the path"
        self.missing = missing  # no file there at all
        super().__init__(f"cannot read {what} {path}: {reason}; {fix}")


class DocumentSyntaxError(SpecError):
    """A document is not valid YAML (or JSON); ``line`` is 1-based when known."""

    def __init__(
        self, source: str, line: int | None, problem: str, detail: str, language: Format
    ) -> None:
        self.source = source
        self.line = line
        self.problem = problem  # one phrase: "expected ',' or ']', but got '<stream end>'"
        self.detail = detail  # the parser's full text, with the context and a caret
        self.format = language
        super().__init__(f"{place(source, line)}: invalid {language}: {problem}; fix the syntax")


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A key given again in the same mapping (the later value is the one kept)."""

    loc: Loc
    line: int
    first_line: int


@dataclass(frozen=True)
class Document:
    """A parsed spec file: its data, the line of every key path, its repeated keys.

    ``lines`` maps a key path such as ``("nodes", 2, "holding_cost")`` to the line of
    that key (of the item, for a list index; ``()`` is the document itself).
    """

    data: Any
    lines: Mapping[Loc, int]
    duplicates: tuple[Duplicate, ...] = ()

    def line(self, loc: Loc) -> int | None:
        """The line of ``loc`` or of its nearest enclosing key in the file."""
        return line_of(self.lines, loc)


# ------------------------------------------------------------------------ reading


def read_text(path: str | Path, what: str) -> str:
    """The text of a spec file; :class:`UnreadableDocument` says why it cannot be read."""
    p = Path(path)
    try:
        return p.read_text(encoding="utf-8")
    except OSError as exc:
        reason = exc.strerror or str(exc)
        missing = isinstance(exc, FileNotFoundError)
        raise UnreadableDocument(p, what, reason, "check the path", missing=missing) from exc
    except UnicodeDecodeError as exc:
        raise UnreadableDocument(p, what, str(exc), "save it as UTF-8", missing=False) from exc


def read_yaml(path: str | Path, what: str, *, dialect: Dialect = Dialect.SAFE) -> Document:
    """Read and parse a YAML (or JSON) spec file; ``what`` names it in messages."""
    p = Path(path)
    text = read_text(p, what)
    try:
        return parse_yaml(text, str(p), dialect=dialect)
    except DocumentSyntaxError:
        if p.suffix.lower() != ".json":
            raise
    # JSON that YAML refuses (tab indentation): read it, without line numbers
    try:
        return Document(json.loads(text), {})
    except json.JSONDecodeError as exc:
        raise DocumentSyntaxError(str(p), exc.lineno, exc.msg, str(exc), Format.JSON) from exc


def parse_yaml(text: str, source: str, *, dialect: Dialect = Dialect.SAFE) -> Document:
    """Parse one YAML document; ``source`` names it in messages (usually the path)."""
    builder = _Builder(dialect)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = builder.build(root, ()) if root is not None else None
    except yaml.YAMLError as exc:
        line: int | None = None
        if isinstance(exc, yaml.reader.ReaderError):  # a control character: no mark
            line = text.count("\n", 0, exc.position) + 1
            problem = str(exc).split("\n", 1)[0]
        else:
            mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
            line = mark.line + 1 if mark is not None else None
            problem = getattr(exc, "problem", None) or str(exc)
        raise DocumentSyntaxError(source, line, problem, str(exc), Format.YAML) from exc
    return Document(data, builder.lines, tuple(builder.duplicates))


def load_yaml(path: str | Path, what: str) -> tuple[Any, dict[Loc, int], list[Loc]]:
    """(data, line of every key path, duplicated key paths) of a YAML file."""
    doc = read_yaml(path, what)
    return doc.data, dict(doc.lines), [d.loc for d in doc.duplicates]


_MAP, _SEQ, _STR, _INT, _FLOAT, _BOOL, _NULL, _MERGE = (
    f"tag:yaml.org,2002:{t}" for t in ("map", "seq", "str", "int", "float", "bool", "null", "merge")
)
_DECIMAL = re.compile(r"[-+]?(0|[1-9][0-9]*)")
_FLOATING = re.compile(r"[-+]?([0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)([eE][-+]?[0-9]+)?")
_LEADING_ZERO = re.compile(r"[-+]?0[0-9]+")


def _text_scalar(node: yaml.ScalarNode) -> str | int | float | bool | None:
    """A plain scalar read the YAML 1.2 way (see :class:`Dialect`)."""
    text = str(node.value)
    if node.style is not None or node.tag == _STR:
        return text
    if node.tag == _NULL:
        return None
    if node.tag == _BOOL:
        return {"true": True, "false": False}.get(text.lower(), text)
    if node.tag == _INT and _DECIMAL.fullmatch(text):
        return int(text)
    if node.tag == _FLOAT and _FLOATING.fullmatch(text) and not _LEADING_ZERO.fullmatch(text):
        return float(text)
    return text


class _Builder:
    """Plain Python data from composed YAML nodes, recording lines and repeated keys."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.constructor = SafeConstructor()
        self.lines: dict[Loc, int] = {}
        self.duplicates: list[Duplicate] = []
        self.building: set[int] = set()  # an alias back to one of these is a loop

    def build(self, node: yaml.Node, loc: Loc) -> Any:
        if id(node) in self.building:
            raise ConstructorError(
                None,
                None,
                "a value refers to itself through an alias; write it out",
                node.start_mark,
            )
        self.lines[loc] = node.start_mark.line + 1
        self.building.add(id(node))
        try:
            return self._value(node, loc)
        finally:
            self.building.discard(id(node))

    def _value(self, node: yaml.Node, loc: Loc) -> Any:
        match self.dialect:
            case Dialect.SAFE:
                if isinstance(node, yaml.MappingNode) and node.tag == _MAP:
                    return self._mapping(node, loc)
                if isinstance(node, yaml.SequenceNode) and node.tag == _SEQ:
                    return [self.build(item, (*loc, i)) for i, item in enumerate(node.value)]
                # scalars, and !!set, !!omap or an unknown tag (refused), as safe_load does
                return self.constructor.construct_object(node, deep=True)
            case Dialect.TEXT:
                if isinstance(node, yaml.MappingNode):
                    return self._mapping(node, loc)
                if isinstance(node, yaml.SequenceNode):
                    return [self.build(item, (*loc, i)) for i, item in enumerate(node.value)]
                assert isinstance(node, yaml.ScalarNode)
                return _text_scalar(node)
            case _:
                assert_never(self.dialect)

    def _mapping(self, node: yaml.MappingNode, loc: Loc) -> dict[str, Any]:
        out: dict[str, Any] = {}
        first: dict[str, int] = {}  # the file's own keys (not merged in), at their lines
        for key_node, value_node, merged in self._entries(node, frozenset()):
            if not isinstance(key_node, yaml.ScalarNode):
                raise ConstructorError(
                    "while reading a mapping",
                    node.start_mark,
                    "a key must be plain text, not a list or a mapping",
                    key_node.start_mark,
                )
            key, line = str(key_node.value), key_node.start_mark.line + 1
            if merged:
                if key in out:
                    continue  # the mapping's own key, or an earlier merged one, wins
            elif key in first:
                self.duplicates.append(Duplicate((*loc, key), line, first[key]))
            else:
                first[key] = line
            out[key] = self.build(value_node, (*loc, key))
            self.lines[(*loc, key)] = line  # the key's line, not its value's
        return out

    def _entries(
        self, node: yaml.MappingNode, seen: frozenset[int]
    ) -> list[tuple[yaml.Node, yaml.Node, bool]]:
        """(key, value, merged) pairs: the mapping's own, then those ``<<`` brings in."""
        merge = self.dialect is Dialect.SAFE
        own = [(k, v, False) for k, v in node.value if not (merge and k.tag == _MERGE)]
        if len(own) == len(node.value):
            return own
        seen = seen | {id(node)}
        brought: list[tuple[yaml.Node, yaml.Node, bool]] = []
        for key_node, value_node in node.value:
            if key_node.tag != _MERGE:
                continue
            sources = (
                value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            )
            for source in sources:
                if not isinstance(source, yaml.MappingNode) or id(source) in seen:
                    raise ConstructorError(
                        "while merging a mapping (<<)",
                        key_node.start_mark,
                        "expected a mapping or a list of mappings (and no loop)",
                        source.start_mark,
                    )
                brought += [(k, v, True) for k, v, _ in self._entries(source, seen)]
        return own + brought


# ------------------------------------------------------------------------ locating


def line_of(lines: Mapping[Loc, int], loc: Loc) -> int | None:
    """The line of ``loc`` or of its nearest ancestor present in the file."""
    for n in range(len(loc), -1, -1):
        if loc[:n] in lines:
            return lines[loc[:n]]
    return None


def place(source: str, line: int | None) -> str:
    """``file:line`` for a message, or the file alone when the line is unknown."""
    return f"{source}:{line}" if line is not None else source


# ------------------------------------------------------------------------ validating


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
            where = place(source, line_of(lines, loc))
            name = describe(loc)
            messages.append(f"{where}: {name}: {msg}" if name else f"{where}: {msg}")
        count = len(messages)
        head = f"{what} {source} has {count} problem{'s' if count != 1 else ''}"
        raise SpecError("\n".join([head, *messages]))
    assert spec is not None
    return spec
