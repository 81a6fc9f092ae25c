"""The candidate configuration: the shipped file, and refusals with file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from obeya.demand import DemandClass, load_candidates
from obeya.errors import ConfigError, SpecError
from tests.demand.helpers import CHEAP, cheap_candidates


def test_shipped_file_routes_each_class() -> None:
    c = load_candidates()
    assert c.benchmark == "seasonal_naive"
    assert [x.name for x in c.for_class(DemandClass.SMOOTH)] == [
        "ets",
        "theta",
        "mstl",
        "seasonal_naive",
    ]
    assert "croston_sba" in c.classes[DemandClass.LUMPY]
    for cand in c.candidates:  # every candidate builds for both grains
        assert cand.build(52) is not None
        assert cand.build(12) is not None


def test_unknown_key_is_refused_with_its_line(tmp_path: Path) -> None:
    text = (
        Path(load_candidates().source)
        .read_text()
        .replace("    spec: ZZN", "    spec: ZZN\n    sesonal: true")
    )
    path = tmp_path / "c.yaml"
    path.write_text(text)
    line = text.splitlines().index("    sesonal: true") + 1
    with pytest.raises(
        SpecError, match=rf"c.yaml:{line}: candidates.ets.sesonal: unknown key 'sesonal'"
    ):
        load_candidates(path)


def test_unknown_candidate_in_a_class_is_refused() -> None:
    bad = {**CHEAP, "classes": {**CHEAP["classes"], "lumpy": ["croston_sba", "prophet"]}}
    with pytest.raises(SpecError, match=r"classes.lumpy: unknown candidate 'prophet'"):
        type(cheap_candidates()).from_mapping(bad, source="x.yaml")


def test_short_history_model_must_fit_any_length() -> None:
    bad = {**CHEAP, "short_history": "croston_sba"}
    with pytest.raises(SpecError, match="short_history: 'croston_sba'"):
        type(cheap_candidates()).from_mapping(bad, source="x.yaml")


def test_seasonal_ets_on_52_weeks_is_refused() -> None:
    doc = {
        **CHEAP,
        "candidates": {**CHEAP["candidates"], "hw": {"model": "AutoETS", "spec": "ZZA"}},
    }
    cand = type(cheap_candidates()).from_mapping(doc).candidate("hw")
    with pytest.raises(ConfigError, match="AutoETS fits seasons of at most 24"):
        cand.build(52)
    assert cand.build(12) is not None


def test_tsb_smoothing_must_be_in_range() -> None:
    doc = {**CHEAP, "candidates": {**CHEAP["candidates"], "tsb": {"model": "TSB", "alpha_d": 1.5}}}
    with pytest.raises(SpecError, match=r"candidates.tsb.TSB.alpha_d|candidates.tsb.alpha_d"):
        type(cheap_candidates()).from_mapping(doc)
