"""The aggregate plan spec: YAML/JSON files, unknown keys, every problem at once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from obeya.errors import ConfigError, SpecError
from obeya.planning import AggregateSpec, load_aggregate_spec, parse_aggregate_spec, plan_aggregate

EXAMPLE = """\
periods: 4
demand: [1200, 1500, 2100, 1800]
initial_workforce: 40
initial_inventory: 300
initial_backlog: 0
min_final_inventory: 200
max_final_backlog: 0
hours_per_unit: 3
regular_hours_per_worker: 160      # per period
max_overtime_hours_per_worker: 12  # per period
max_subcontract_units: null        # per period; null = unlimited
integer: false
costs: {material_per_unit: 12, holding_per_unit: 1.5, backlog_per_unit: 6,
        hire_per_worker: 400, layoff_per_worker: 600, regular_per_hour: 5,
        overtime_per_hour: 7.5, subcontract_per_unit: 35}
"""


def test_documented_example_loads_and_solves(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(EXAMPLE)
    spec = load_aggregate_spec(path)
    assert isinstance(spec, AggregateSpec)
    assert spec.demand == (1200, 1500, 2100, 1800)
    assert spec.max_subcontract_units is None
    assert spec.labels == ("1", "2", "3", "4")
    plan = plan_aggregate(spec)
    # Opening stock 300 and the closing target 200 bound production from below:
    # total made + subcontracted = 6600 + 200 - 300 = 6500 units.
    made = sum(p.production + p.subcontracted for p in plan.periods)
    assert made == pytest.approx(6500)


def test_json_file_is_read_the_same_way(tmp_path: Path) -> None:
    import yaml

    path = tmp_path / "plan.json"
    path.write_text(json.dumps(yaml.safe_load(EXAMPLE), indent=2))
    assert load_aggregate_spec(path) == parse_aggregate_spec(yaml.safe_load(EXAMPLE))


def test_unknown_key_is_named_with_its_file_line_and_the_allowed_keys(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(EXAMPLE.replace("integer: false", "integer: false\novertime_cap: 3"))
    with pytest.raises(
        SpecError,
        match=r"plan\.yaml:13: overtime_cap: unknown key 'overtime_cap'; allowed keys: costs, demand",
    ):
        load_aggregate_spec(path)


def test_unknown_nested_cost_key_is_named(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(
        EXAMPLE.replace("subcontract_per_unit: 35", "subcontract_per_unit: 35, freight: 2")
    )
    with pytest.raises(
        SpecError, match=r"costs\.freight: unknown key 'freight'; allowed keys: backlog_per_unit"
    ):
        load_aggregate_spec(path)


def test_every_problem_is_reported_at_once() -> None:
    doc = {
        "periods": 3,
        "demand": [1, 2],
        "initial_workforce": -1,
        "hours_per_unit": 0,
        "regular_hours_per_worker": 160,
        "costs": {"material_per_unit": 1},
    }
    with pytest.raises(SpecError) as info:
        parse_aggregate_spec(doc, source="s.yaml")
    text = str(info.value)
    assert "s.yaml: the spec has" in text
    assert "initial_workforce: Input should be greater than or equal to 0 (got -1)" in text
    assert "hours_per_unit: Input should be greater than 0 (got 0)" in text
    assert "costs.holding_per_unit: required key is missing; add it" in text


def test_demand_must_have_one_value_per_period() -> None:
    doc = yaml_doc()
    doc["demand"] = [1, 2, 3]
    with pytest.raises(SpecError, match="demand has 3 values but periods is 4"):
        parse_aggregate_spec(doc)


def test_spec_errors_are_config_errors_and_value_errors() -> None:
    with pytest.raises(ConfigError, match="a spec must be a mapping"):
        parse_aggregate_spec([1, 2])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="periods"):
        parse_aggregate_spec({**yaml_doc(), "periods": 0})


def test_missing_and_malformed_files_say_so(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="cannot read the spec file"):
        load_aggregate_spec(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("periods: [1, 2\n")
    with pytest.raises(SpecError, match=r"bad\.yaml:\d+: not valid YAML/JSON"):
        load_aggregate_spec(bad)
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    with pytest.raises(SpecError, match="the spec file is empty"):
        load_aggregate_spec(empty)


def test_spec_is_frozen() -> None:
    spec = parse_aggregate_spec(yaml_doc())
    with pytest.raises(ValueError, match="frozen"):
        spec.periods = 5  # type: ignore[misc]


def yaml_doc() -> dict[str, object]:
    import yaml

    doc: dict[str, object] = yaml.safe_load(EXAMPLE)
    return doc


def test_a_key_given_twice_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(EXAMPLE + "periods: 5\n")
    with pytest.raises(
        SpecError, match=r"plan\.yaml:16: periods: duplicate key \(first given on line 1\)"
    ):
        load_aggregate_spec(path)


def test_merge_keys_are_read_and_a_list_as_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    merged = EXAMPLE.replace("costs: {material_per_unit: 12, ", "costs: {<<: *c, ")
    assert merged != EXAMPLE
    path.write_text("shared: &c {material_per_unit: 12}\n" + merged)
    with pytest.raises(SpecError) as info:
        load_aggregate_spec(path)
    # material_per_unit comes through the merge, so the one problem is the foreign key
    assert f"{path}: the spec has 1 problem\n{path}:1: shared: unknown key 'shared'" in str(
        info.value
    )
    path.write_text("? [periods]\n: 4\n")
    with pytest.raises(
        SpecError, match=r"(?s)plan\.yaml:1: not valid YAML/JSON: .*a key must be plain text"
    ):
        load_aggregate_spec(path)


def test_tab_indented_json_is_read(tmp_path: Path) -> None:
    import yaml

    path = tmp_path / "plan.json"
    path.write_text(json.dumps(yaml.safe_load(EXAMPLE), indent="\t"))
    assert load_aggregate_spec(path).periods == 4
    bad = tmp_path / "bad.json"
    bad.write_text('{\n\t"periods": 4,\n\t}')
    with pytest.raises(SpecError, match=r"bad\.json:3: not valid JSON"):
        load_aggregate_spec(bad)
