"""Guaranteed-service model: published instances, hand arithmetic, brute-force optimality."""

from __future__ import annotations

import itertools
import json
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from obeya.inventory import gsm_result_to_dict, gsm_tree, network_from_dict

Z95 = 1.6448536269514722  # Phi^-1(0.95)


def camera(max_service_time: int) -> dict[str, Any]:
    """Snyder & Shen, Fundamentals of Supply Chain Theory, 2nd ed., Figure 6.14 (a digital
    camera supply chain after Graves & Willems): processing times and holding costs per
    stage, demand sd 10 at Build_Test_Pack, 95 % service everywhere."""

    def node(i: str, t: int, h: float, preds: list[str]) -> dict[str, Any]:
        return {"id": i, "processing_time": t, "holding_cost": h, "predecessors": preds}

    final = node(
        "Build_Test_Pack",
        2,
        0.50,
        ["Camera", "Ship_to_Final_Assembly", "Circuit_Board", "Other_Parts"],
    )
    final |= {"demand_sd": 10, "max_service_time": max_service_time}
    return {
        "service_level": 0.95,
        "nodes": [
            node("Raw_Material", 2, 0.01, []),
            node("Process_Wafers", 3, 0.03, ["Raw_Material"]),
            node("Package_Test_Wafers", 2, 0.04, ["Process_Wafers"]),
            node("Imager_Base", 4, 0.06, []),
            node("Imager_Assembly", 2, 0.12, ["Package_Test_Wafers", "Imager_Base"]),
            node("Ship_to_Final_Assembly", 3, 0.13, ["Imager_Assembly"]),
            node("Camera", 6, 0.20, []),
            node("Circuit_Board", 4, 0.08, []),
            node("Other_Parts", 3, 0.04, []),
            final,
        ],
    }


def test_camera_network_figure_6_14_worked_by_hand() -> None:
    # Optimum 18.8240 with S = {RM 0, PW 3, PTW 5, IB 4, IA 7, Ship 0, Camera 0, CB 0,
    # OP 0, BTP 2}, as asserted in stockpyl's tests/test_gsm_tree.py (the book author's
    # library). Re-derived by hand: every node has sd 10 (one assembly chain); NRTs:
    # RM 0+2-0 = 2, PW 0+3-3 = 0, PTW 3+2-5 = 0, IB 0+4-4 = 0, IA max(5,4)+2-7 = 0,
    # Ship 7+3-0 = 10, Camera 6, CB 4, OP 3, BTP max(0,0,0,0)+2-2 = 0.
    # sum h sqrt(NRT) = 0.01*1.414214 + 0.13*3.162278 + 0.20*2.449490 + 0.08*2 + 0.04*1.732051
    #                 = 0.014142 + 0.411096 + 0.489898 + 0.160000 + 0.069282 = 1.144418;
    # x z sigma = 1.644854 * 10 -> 18.8240.
    result = gsm_tree(camera(2))
    assert result.total_cost == pytest.approx(18.8240044725922, abs=1e-9)
    service = {k: v.service_time for k, v in result.nodes.items()}
    assert service == {
        "Raw_Material": 0,
        "Process_Wafers": 3,
        "Package_Test_Wafers": 5,
        "Imager_Base": 4,
        "Imager_Assembly": 7,
        "Ship_to_Final_Assembly": 0,
        "Camera": 0,
        "Circuit_Board": 0,
        "Other_Parts": 0,
        "Build_Test_Pack": 2,
    }
    ship = result.nodes["Ship_to_Final_Assembly"]
    assert (ship.inbound_service_time, ship.net_replenishment_time) == (7, 10)
    assert ship.safety_stock == pytest.approx(Z95 * 10 * math.sqrt(10))


@pytest.mark.parametrize(
    ("promise", "expected"),
    # stockpyl tests/test_gsm_tree.py, Figure 6.14 with the customer promise s = 5, 8, 12.
    [(5, 12.4686888061037), (8, 3.25788236403285), (12, 0.232617430735335)],
)
def test_camera_network_longer_promises(promise: int, expected: float) -> None:
    assert gsm_tree(camera(promise)).total_cost == pytest.approx(expected, abs=1e-9)


def test_camera_network_twelve_periods_by_hand() -> None:
    # With s = 12 only Raw_Material keeps stock (NRT 2): 0.01 * 1.644854 * 10 * sqrt(2)
    # = 0.232617.
    result = gsm_tree(camera(12))
    assert result.total_cost == pytest.approx(0.01 * Z95 * 10 * math.sqrt(2), abs=1e-12)


def problem_6_9(s1: int, s2: int) -> dict[str, Any]:
    """Snyder & Shen, 2nd ed., Problem 6.9 (as encoded in stockpyl's tests): a spanning tree
    with both assembly (4, 5 -> 3) and distribution (3 -> 1, 2) parts; z = 4; holding cost =
    unit value x 20 % / 365 per day."""
    h = lambda value: value * 0.2 / 365  # noqa: E731
    return {
        "nodes": [
            {
                "id": "1",
                "processing_time": 7,
                "holding_cost": h(220),
                "predecessors": ["3"],
                "z": 4,
                "demand_mean": 22.0,
                "demand_sd": 4.1,
                "max_service_time": s1,
            },
            {
                "id": "2",
                "processing_time": 7,
                "holding_cost": h(140),
                "predecessors": ["3"],
                "z": 4,
                "demand_mean": 15.3,
                "demand_sd": 6.2,
                "max_service_time": s2,
            },
            {
                "id": "3",
                "processing_time": 21,
                "holding_cost": h(90),
                "predecessors": ["4", "5"],
                "z": 4,
            },
            {"id": "4", "processing_time": 3, "holding_cost": h(5), "z": 4},
            {"id": "5", "processing_time": 8, "holding_cost": h(20), "predecessors": ["6"], "z": 4},
            {"id": "6", "processing_time": 2, "holding_cost": h(7.5), "z": 4},
        ]
    }


def test_problem_6_9_mixed_tree_worked_by_hand() -> None:
    # stockpyl: 15.649530249501 with S = {1: 3, 2: 3, 3: 0, 4: 0, 5: 0, 6: 2}.
    # By hand: sd at 3, 4, 5, 6 = sqrt(4.1^2 + 6.2^2) = sqrt(55.25) = 7.433034.
    # NRT: 1: 0+7-3 = 4; 2: 4; 3: max(0,0)+21-0 = 21; 4: 3; 5: 2+8-0 = 10; 6: 0+2-2 = 0.
    # cost = 4 * [4.1*0.120548*2 + 6.2*0.076712*2 + 7.433034*(0.049315*4.582576
    #        + 0.0027397*1.732051 + 0.010959*3.162278)]
    #      = 4 * [0.988493 + 0.951233 + 7.433034 * (0.225989 + 0.004745 + 0.034655)]
    #      = 4 * [1.939726 + 1.972652] = 15.6495.
    result = gsm_tree(problem_6_9(3, 3))
    assert result.total_cost == pytest.approx(15.649530249501, abs=1e-9)
    assert {k: v.service_time for k, v in result.nodes.items()} == {
        "1": 3,
        "2": 3,
        "3": 0,
        "4": 0,
        "5": 0,
        "6": 2,
    }
    three = result.nodes["3"]
    assert three.demand_sd == pytest.approx(math.sqrt(55.25))
    assert three.demand_mean == pytest.approx(37.3)
    # base stock = mean x NRT + safety stock = 37.3 * 21 + 4 * 7.433034 * sqrt(21)
    assert three.base_stock == pytest.approx(37.3 * 21 + 4 * math.sqrt(55.25) * math.sqrt(21))


@pytest.mark.parametrize(
    ("s1", "s2", "expected"),
    # stockpyl tests/test_gsm_tree.py, Problem 6.9 with other customer promises.
    [(0, 7, 13.121240238718), (21, 5, 10.5811190103555)],
)
def test_problem_6_9_other_promises(s1: int, s2: int, expected: float) -> None:
    assert gsm_tree(problem_6_9(s1, s2)).total_cost == pytest.approx(expected, abs=1e-9)


def test_example_6_5_distribution_tree_by_hand() -> None:
    # Snyder & Shen, 2nd ed., Example 6.5 (stockpyl: cost 2 sqrt 2 + sqrt 6 + 3): 1 -> 3 -> {2, 4},
    # z = 1, supplier service 1 at node 1, customer promises 0 (node 2) and 1 (node 4).
    # S = {1: 0, 2: 0, 3: 0, 4: 1}: NRT 1 = 1+2-0 = 3, sd sqrt 2 -> 1*sqrt2*sqrt3 = sqrt 6;
    # NRT 3 = 1, sd sqrt 2 -> 2 sqrt 2; NRT 2 = 1 -> 3; NRT 4 = 0+1-1 = 0 -> 0.
    network = {
        "nodes": [
            {
                "id": "1",
                "processing_time": 2,
                "holding_cost": 1,
                "external_inbound_service_time": 1,
                "z": 1,
            },
            {
                "id": "2",
                "processing_time": 1,
                "holding_cost": 3,
                "predecessors": ["3"],
                "demand_sd": 1,
                "max_service_time": 0,
                "z": 1,
            },
            {"id": "3", "processing_time": 1, "holding_cost": 2, "predecessors": ["1"], "z": 1},
            {
                "id": "4",
                "processing_time": 1,
                "holding_cost": 3,
                "predecessors": ["3"],
                "demand_sd": 1,
                "max_service_time": 1,
                "z": 1,
            },
        ]
    }
    result = gsm_tree(network)
    assert result.total_cost == pytest.approx(2 * math.sqrt(2) + math.sqrt(6) + 3, abs=1e-12)
    assert result.nodes["1"].inbound_service_time == 1


def test_result_json_shape() -> None:
    payload = gsm_result_to_dict(gsm_tree(problem_6_9(3, 3)))
    assert json.loads(json.dumps(payload)) == payload
    assert set(payload) == {"total_cost", "nodes"}
    assert [n["id"] for n in payload["nodes"]] == ["1", "2", "3", "4", "5", "6"]
    assert set(payload["nodes"][0]) == {
        "id",
        "service_time",
        "inbound_service_time",
        "base_stock",
        "safety_stock",
        "net_replenishment_time",
    }


def test_forest_is_solved_per_tree() -> None:
    a = problem_6_9(3, 3)
    b = {
        "nodes": [
            {**n, "id": "b" + n["id"], "predecessors": ["b" + p for p in n.get("predecessors", [])]}
            for n in problem_6_9(0, 7)["nodes"]
        ]
    }
    both = gsm_tree({"nodes": a["nodes"] + b["nodes"]})
    assert both.total_cost == pytest.approx(15.649530249501 + 13.121240238718, abs=1e-9)


# --- brute force ---------------------------------------------------------------------


@st.composite
def trees(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(1, 5))
    preds: list[list[str]] = [[] for _ in range(n)]
    for i in range(1, n):
        j = draw(st.integers(0, i - 1))
        if draw(st.booleans()):
            preds[i].append(f"n{j}")  # j supplies i
        else:
            preds[j].append(f"n{i}")  # i supplies j
    has_succ = {p for ps in preds for p in ps}
    nodes = []
    for i in range(n):
        node: dict[str, Any] = {
            "id": f"n{i}",
            "processing_time": draw(st.integers(0, 2)),
            "holding_cost": draw(st.floats(0.0, 5.0)),
            "predecessors": preds[i],
        }
        if f"n{i}" not in has_succ or draw(st.booleans()):
            node["demand_sd"] = draw(st.floats(0.0, 10.0))
            node["max_service_time"] = draw(st.integers(0, 3))
        if not preds[i]:
            node["external_inbound_service_time"] = draw(st.integers(0, 1))
        if draw(st.booleans()):
            node["z"] = draw(st.floats(0.0, 3.0))
        nodes.append(node)
    return {"service_level": draw(st.floats(0.5, 0.99)), "nodes": nodes}


def brute_force(network: dict[str, Any]) -> float:
    """Least cost over every integer service-time vector, with SI = max of predecessors."""
    from scipy.stats import norm

    nodes = network["nodes"]
    ids = [n["id"] for n in nodes]
    pos = {k: i for i, k in enumerate(ids)}
    succ: dict[str, list[str]] = {k: [] for k in ids}
    for n in nodes:
        for p in n["predecessors"]:
            succ[p].append(n["id"])

    def variance(k: str) -> float:
        own = nodes[pos[k]].get("demand_sd", 0.0) ** 2
        return own + sum(variance(s) for s in succ[k])

    def longest(k: str) -> int:
        node = nodes[pos[k]]
        start = max(
            [
                node.get("external_inbound_service_time", 0),
                *(longest(p) for p in node["predecessors"]),
            ]
        )
        return start + node["processing_time"]

    z = [n.get("z", float(norm.ppf(network["service_level"]))) for n in nodes]
    coef = np.array(
        [n["holding_cost"] * z[i] * math.sqrt(variance(n["id"])) for i, n in enumerate(nodes)]
    )
    grids = np.array(list(itertools.product(*(range(longest(k) + 1) for k in ids))))
    s = grids.T  # [node, combination]
    si = np.empty_like(s)
    for i, n in enumerate(nodes):
        if n["predecessors"]:
            si[i] = np.max([s[pos[p]] for p in n["predecessors"]], axis=0)
        else:
            si[i] = n.get("external_inbound_service_time", 0)
    t = np.array([n["processing_time"] for n in nodes])[:, None]
    nrt = si + t - s
    cap = np.array([n.get("max_service_time", 0 if "demand_sd" in n else 10**6) for n in nodes])
    ok = np.all((nrt >= 0) & (s <= cap[:, None]), axis=0)
    cost = (coef[:, None] * np.sqrt(np.maximum(nrt, 0))).sum(axis=0)
    return float(cost[ok].min())


@settings(max_examples=120, deadline=None)
@given(trees())
def test_dynamic_programme_matches_brute_force(network: dict[str, Any]) -> None:
    result = gsm_tree(network)
    assert result.total_cost == pytest.approx(brute_force(network), rel=1e-9, abs=1e-9)
    spec = network_from_dict(network)
    succ = spec.successors()
    for node in spec.nodes:
        r = result.nodes[node.id]
        expected_si = (
            max(result.nodes[p].service_time for p in node.predecessors)
            if node.predecessors
            else node.external_inbound_service_time
        )
        assert r.inbound_service_time == expected_si
        assert r.net_replenishment_time == r.inbound_service_time + node.processing_time - (
            r.service_time
        )
        assert r.net_replenishment_time >= 0
        if node.demand_sd is not None:
            assert r.service_time <= (node.max_service_time or 0)
        assert r.demand_sd == pytest.approx(
            math.sqrt(
                (node.demand_sd or 0) ** 2
                + sum(result.nodes[s].demand_sd ** 2 for s in succ[node.id])
            )
        )
