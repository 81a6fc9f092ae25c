"""The one YAML spec reader (obeya.yamlspec): lines, keys, dialects, duplicates, errors.

Every line number below is counted by hand in the literal text it refers to.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from obeya.errors import ConfigError, SpecError
from obeya.yamlspec import (
    Dialect,
    Document,
    DocumentSyntaxError,
    Duplicate,
    Format,
    UnreadableDocument,
    line_of,
    load_yaml,
    parse_yaml,
    place,
    read_yaml,
)

NESTED = """\
# a comment on line 1
name: plan
drivers:
  - kind: demand
    change: 0.1
  - kind: wages
costs: {hire: 400, layoff: 600}
"""


def test_every_key_and_item_has_its_line() -> None:
    doc = parse_yaml(NESTED, "s.yaml")
    assert doc.data == {
        "name": "plan",
        "drivers": [{"kind": "demand", "change": 0.1}, {"kind": "wages"}],
        "costs": {"hire": 400, "layoff": 600},
    }
    # line 2 `name:`, 3 `drivers:`, 4 the first item and its `kind:`, 5 `change:`,
    # 6 the second item, 7 `costs:` and both keys of its flow mapping.
    assert doc.lines == {
        (): 2,  # the document starts at its first key, below the comment
        ("name",): 2,
        ("drivers",): 3,
        ("drivers", 0): 4,
        ("drivers", 0, "kind"): 4,
        ("drivers", 0, "change"): 5,
        ("drivers", 1): 6,
        ("drivers", 1, "kind"): 6,
        ("costs",): 7,
        ("costs", "hire"): 7,
        ("costs", "layoff"): 7,
    }
    assert doc.duplicates == ()


def test_a_missing_key_is_placed_at_its_nearest_enclosing_key() -> None:
    doc = parse_yaml(NESTED, "s.yaml")
    assert doc.line(("drivers", 1, "change")) == 6  # the item that lacks it
    assert line_of(doc.lines, ("absent",)) == 2  # the document itself
    assert line_of({}, ("absent",)) is None
    assert place("s.yaml", 6) == "s.yaml:6"
    assert place("s.yaml", None) == "s.yaml"


def test_duplicates_name_both_lines_and_keep_the_later_value() -> None:
    text = "a: 1\nb:\n  x: 1\n  x: 2\n  x: 3\na: 4\n"
    doc = parse_yaml(text, "d.yaml")
    assert doc.data == {"a": 4, "b": {"x": 3}}
    # b.x first on line 3, again on 4 and 5; a first on line 1, again on 6
    assert doc.duplicates == (
        Duplicate(("b", "x"), 4, 3),
        Duplicate(("b", "x"), 5, 3),
        Duplicate(("a",), 6, 1),
    )


def test_keys_are_the_text_written_in_both_dialects() -> None:
    text = "01: a\nyes: b\n2024-01-01: c\n1.5: d\nnull: e\n"
    for dialect in Dialect:
        doc = parse_yaml(text, "k.yaml", dialect=dialect)
        assert list(doc.data) == ["01", "yes", "2024-01-01", "1.5", "null"]


def test_the_safe_dialect_reads_values_as_pyyaml_does() -> None:
    text = "a: yes\nb: 0010\nc: 2024-01-01\nd: 1.5\ne: ~\nf: '07'\ng: 1_000\n"
    assert parse_yaml(text, "v.yaml").data == yaml.safe_load(text)
    assert parse_yaml(text, "v.yaml").data == {
        "a": True,
        "b": 8,  # YAML 1.1: a leading zero makes an octal number
        "c": dt.date(2024, 1, 1),
        "d": 1.5,
        "e": None,
        "f": "07",
        "g": 1000,
    }


def test_the_text_dialect_keeps_codes_as_written() -> None:
    text = "a: yes\nb: 0010\nc: 2024-01-01\nd: 1.5\ne: ~\nf: TRUE\ng: -3\nh: NO\ni: .inf\n"
    assert parse_yaml(text, "v.yaml", dialect=Dialect.TEXT).data == {
        "a": "yes",
        "b": "0010",
        "c": "2024-01-01",
        "d": 1.5,
        "e": None,
        "f": True,
        "g": -3,
        "h": "NO",
        "i": ".inf",
    }


def test_merge_keys_in_the_safe_dialect_only() -> None:
    text = "base: &b {x: 1, y: 2}\nmore: &m {y: 3, z: 4}\nitem:\n  <<: [*b, *m]\n  x: 9\n"
    doc = parse_yaml(text, "m.yaml")
    # the item's own x wins; of the merged mappings the first listed wins (y from base)
    assert doc.data["item"] == {"x": 9, "y": 2, "z": 4}
    assert doc.data == yaml.safe_load(text)
    assert doc.duplicates == ()  # a key merged in and given again is an override
    assert doc.lines[("item", "y")] == 1  # where base gives y
    text_dialect = parse_yaml(text, "m.yaml", dialect=Dialect.TEXT)
    assert text_dialect.data["item"] == {"<<": [{"x": 1, "y": 2}, {"y": 3, "z": 4}], "x": 9}


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("a: [1, 2\n", 2, "expected ',' or ']', but got '<stream end>'"),
        ("a: 1\n? [x, y]\n: 2\n", 2, "a key must be plain text, not a list or a mapping"),
        # the value that contains itself starts at its anchor &r, on line 1
        ("a: &r\n  - *r\n", 1, "a value refers to itself through an alias; write it out"),
        (
            "a: 1\nb: x\x01\n",
            2,
            "unacceptable character #x0001: special characters are not allowed",
        ),
        ("a: !thing 1\n", 1, "could not determine a constructor for the tag '!thing'"),
        ("a: 1\n---\nb: 2\n", 2, "but found another document"),
    ],
)
def test_syntax_errors_carry_line_and_problem(text: str, line: int, problem: str) -> None:
    with pytest.raises(DocumentSyntaxError) as caught:
        parse_yaml(text, "bad.yaml")
    error = caught.value
    assert (error.line, error.problem, error.format) == (line, problem, Format.YAML)
    assert str(error) == f"bad.yaml:{line}: invalid YAML: {problem}; fix the syntax"
    assert isinstance(error, SpecError)


def test_an_empty_document_has_no_data_and_no_lines() -> None:
    assert parse_yaml("# nothing here\n", "e.yaml") == Document(None, {})


def test_json_that_yaml_refuses_is_read_as_json(tmp_path: Path) -> None:
    good = tmp_path / "tabs.json"
    good.write_text('{\n\t"a": 1,\n\t"b": [true]\n}\n', encoding="utf-8")
    assert read_yaml(good, "the spec") == Document({"a": 1, "b": [True]}, {})
    bad = tmp_path / "bad.json"
    bad.write_text('{\n\t"a": 1,\n}\n', encoding="utf-8")
    with pytest.raises(DocumentSyntaxError) as caught:
        read_yaml(bad, "the spec")
    assert (caught.value.line, caught.value.format) == (3, Format.JSON)  # the `}` after a comma
    same_text = tmp_path / "tabs.yaml"  # no fallback for a YAML file
    same_text.write_text(good.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(DocumentSyntaxError, match=r"tabs\.yaml:2: invalid YAML"):
        read_yaml(same_text, "the spec")


def test_unreadable_files_say_why_and_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(UnreadableDocument) as caught:
        read_yaml(tmp_path / "absent.yaml", "the plan")
    assert caught.value.missing
    assert str(caught.value) == (
        f"cannot read the plan {tmp_path / 'absent.yaml'}: No such file or directory; "
        "check the path"
    )
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("name: Müller\n".encode("latin-1"))
    with pytest.raises(UnreadableDocument, match="save it as UTF-8") as caught:
        read_yaml(latin, "the plan")
    assert not caught.value.missing
    with pytest.raises(ConfigError, match="Is a directory"):
        read_yaml(tmp_path, "the plan")


def test_load_yaml_gives_data_lines_and_the_paths_of_repeated_keys(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text("a: 1\nb: {c: 2}\na: 3\n", encoding="utf-8")
    data, lines, dups = load_yaml(path, "settings")
    assert data == {"a": 3, "b": {"c": 2}}
    assert (lines[("a",)], lines[("b", "c")]) == (3, 2)
    assert dups == [("a",)]


_KEYS = st.text("abcxyz_", min_size=1, max_size=6)
_VALUES = st.one_of(st.integers(-1000, 1000), st.text("abc XYZ", max_size=8), st.booleans())
_TREES = st.recursive(
    _VALUES,
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3),
        st.dictionaries(_KEYS, inner, min_size=1, max_size=3),
    ),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None)
@given(tree=st.dictionaries(_KEYS, _TREES, min_size=1, max_size=4))
def test_a_dumped_tree_reads_back_with_each_key_on_its_line(tree: dict[str, object]) -> None:
    """Data round-trips; in block style each key's recorded line holds that key."""
    text = yaml.safe_dump(tree, default_flow_style=False, sort_keys=False)
    doc = parse_yaml(text, "t.yaml")
    assert doc.data == tree
    assert doc.duplicates == ()
    rows = text.splitlines()
    for loc, line in doc.lines.items():
        if loc and isinstance(loc[-1], str):
            assert rows[line - 1].lstrip(" -").startswith(f"{loc[-1]}:")
