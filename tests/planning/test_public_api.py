"""The package's public surface is honest: every exported name exists and is
documented, and every spec key is in the docs."""

from __future__ import annotations

import re
from pathlib import Path

import obeya.planning as planning
from obeya.planning import AggregateCosts, AggregateSpec

DOC = (Path(__file__).resolve().parents[2] / "docs" / "planning.md").read_text()


def test_every_exported_name_exists_and_is_documented() -> None:
    assert sorted(planning.__all__) == planning.__all__
    for name in planning.__all__:
        assert hasattr(planning, name), name
        assert re.search(rf"\b{name}\b", DOC), f"{name} is not in docs/planning.md"


def test_every_spec_key_is_in_the_docs_table() -> None:
    for key in AggregateSpec.model_fields:
        if key != "costs":
            assert f"| `{key}` |" in DOC, key
    for key in AggregateCosts.model_fields:
        assert f"| `costs.{key}` |" in DOC, key
