"""The network YAML: loading, schema errors and network rules, each naming the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from obeya.errors import SpecError
from obeya.inventory import gsm_tree, load_network, network_from_dict

EXAMPLE = """\
service_level: 0.95          # one z for every node, unless a node gives its own `z`
nodes:
  - id: assembly
    processing_time: 2       # periods
    holding_cost: 0.5        # per unit per period
    predecessors: [board, housing]
    demand_sd: 10
    max_service_time: 2
  - id: board
    processing_time: 4
    holding_cost: 0.08
    predecessors: []
    external_inbound_service_time: 0
  - id: housing
    processing_time: 3
    holding_cost: 0.04
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "network.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_documented_example_loads_and_solves(tmp_path: Path) -> None:
    network = load_network(write(tmp_path, EXAMPLE))
    assert [n.id for n in network.nodes] == ["assembly", "board", "housing"]
    result = gsm_tree(network)
    # By hand: promise 2 at assembly. With S_board = S_housing = 0 the assembly has
    # NRT 0 + 2 - 2 = 0 and the parts hold stock: board 0.08 z 10 sqrt(4) = 1.6 z,
    # housing 0.04 z 10 sqrt(3) = 0.69282 z; total 2.29282 z. Any positive inbound time SI at
    # the assembly costs it at least 0.5 z 10 sqrt(SI) >= 5 z, so this is optimal.
    # 2.2928203 * 1.6448536 = 3.771378.
    assert result.total_cost == pytest.approx(2.2928203 * 1.6448536, abs=1e-5)
    assert result.nodes["assembly"].service_time == 2


def problems(data: dict[str, Any]) -> str:
    with pytest.raises(SpecError) as info:
        network_from_dict(data)
    return str(info.value)


def node(i: str, preds: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "id": i,
        "processing_time": 1,
        "holding_cost": 1.0,
        "predecessors": preds or [],
        **extra,
    }


def test_unknown_key_is_refused_with_file_and_line(tmp_path: Path) -> None:
    text = EXAMPLE.replace("    holding_cost: 0.08\n", "    holding_cost: 0.08\n    lead_tme: 3\n")
    with pytest.raises(
        SpecError,
        match=r"network.yaml:12: nodes\[1\] \(id 'board'\)\.lead_tme: "
        r"unknown key",
    ):
        load_network(write(tmp_path, text))


def test_a_key_given_twice_is_refused_with_both_lines(tmp_path: Path) -> None:
    # EXAMPLE gives the housing's holding_cost on line 16; the copy goes on line 17
    text = EXAMPLE.replace("holding_cost: 0.04\n", "holding_cost: 0.04\n    holding_cost: 0.4\n")
    with pytest.raises(SpecError) as info:
        load_network(write(tmp_path, text))
    assert str(info.value).splitlines() == [
        f"{tmp_path / 'network.yaml'}: the network spec has 1 problem",
        f"{tmp_path / 'network.yaml'}:17: nodes[2] (id 'housing').holding_cost: "
        "key given twice (first on line 16); keep one",
    ]


def test_wrong_type_names_the_field_and_line(tmp_path: Path) -> None:
    text = EXAMPLE.replace("holding_cost: 0.04", "holding_cost: cheap")
    with pytest.raises(
        SpecError,
        match=r"network.yaml:16: nodes\[2\] \(id 'housing'\)"
        r"\.holding_cost: Input should be a valid number",
    ):
        load_network(write(tmp_path, text))


def test_every_schema_problem_is_reported_at_once() -> None:
    text = problems(
        {"service_level": 1.5, "nodes": [{"id": "a", "processing_time": -1, "holding_cost": 1}]}
    )
    assert "2 problems" in text
    assert "service_level: Input should be less than 1" in text
    assert "nodes[0] (id 'a').processing_time: Input should be greater than or equal to 0" in text


def test_fractional_processing_time_is_refused() -> None:
    text = problems({"nodes": [node("a", demand_sd=1, z=1) | {"processing_time": 1.5}]})
    assert "processing_time" in text


def test_unknown_predecessor_names_the_node() -> None:
    text = problems({"service_level": 0.9, "nodes": [node("a", ["ghost"], demand_sd=1)]})
    assert "unknown predecessor 'ghost' of node 'a'" in text


def test_directed_cycle_is_refused() -> None:
    text = problems(
        {
            "service_level": 0.9,
            "nodes": [
                node("a", ["c"]),
                node("b", ["a"]),
                node("c", ["b"]),
                node("d", ["c"], demand_sd=1),
            ],
        }
    )
    assert "closes a cycle" in text


def test_undirected_cycle_is_refused() -> None:
    # a -> b -> d and a -> c -> d: a diamond, not a tree.
    text = problems(
        {
            "service_level": 0.9,
            "nodes": [
                node("a"),
                node("b", ["a"]),
                node("c", ["a"]),
                node("d", ["b", "c"], demand_sd=1),
            ],
        }
    )
    assert "link 'c' -> 'd' closes a cycle" in text


def test_missing_demand_names_the_node() -> None:
    text = problems({"service_level": 0.9, "nodes": [node("a"), node("b", ["a"])]})
    assert "node 'b' feeds no other node" in text
    assert "needs demand_sd" in text


def test_missing_safety_factor_names_the_node() -> None:
    text = problems({"nodes": [node("a", demand_sd=1)]})
    assert "node 'a' has no safety factor" in text


def test_supplier_time_only_at_sources() -> None:
    text = problems(
        {
            "service_level": 0.9,
            "nodes": [node("a"), node("b", ["a"], demand_sd=1, external_inbound_service_time=2)],
        }
    )
    assert "nodes[1] (id 'b').external_inbound_service_time: node 'b' has predecessors" in text


def test_duplicate_ids_are_refused() -> None:
    text = problems(
        {"service_level": 0.9, "nodes": [node("a", demand_sd=1), node("a", demand_sd=1)]}
    )
    assert "duplicate id 'a' (also nodes[0])" in text


def test_not_a_mapping() -> None:
    with pytest.raises(SpecError, match="a network is a mapping with 'nodes'"):
        network_from_dict([1, 2])  # type: ignore[arg-type]


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="cannot read the network file"):
        load_network(tmp_path / "absent.yaml")


def test_bad_yaml(tmp_path: Path) -> None:
    # the flow list opened on line 1 is still open when the text ends, on line 2
    with pytest.raises(SpecError, match=r"network\.yaml:2: invalid YAML: expected the node"):
        load_network(write(tmp_path, "nodes: [\n"))
