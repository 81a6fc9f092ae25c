"""Guaranteed-service model (Graves & Willems 2000) solved exactly on tree networks.

Every stage j quotes its customers an outbound service time ``S_j`` and is quoted
an inbound service time ``SI_j`` by its suppliers. It holds safety stock for its net
replenishment time ``NRT_j = SI_j + T_j - S_j`` (``T_j`` its processing time):
``SS_j = z_j sigma_j sqrt(NRT_j)``. The model picks integer service times that
minimise ``sum_j h_j SS_j`` subject to

* ``SI_j >= S_i`` for every predecessor ``i`` of ``j`` (``SI_j`` = external inbound
  service time for a source), ``0 <= S_j <= SI_j + T_j`` (``NRT_j >= 0``),
* ``S_j <= max_service_time_j`` where given (the promise to customers; 0 by default
  for nodes with external demand).

``sigma_j`` is the sd of per-period demand at ``j``: its own external demand plus
that of every successor, variances added (one unit of ``j`` per unit of each
successor). Demand means add the same way and give the base stock
``mu_j NRT_j + SS_j``.

The solver is Graves & Willems' dynamic programme over a spanning tree, in the form:
root the undirected tree anywhere, and for each subtree tabulate its least cost as a
function of the service time on the link to its parent (outbound ``S`` when the
parent is downstream, inbound ``SI`` when it is upstream), using prefix/suffix
minima over NumPy tables of (SI, S) pairs. Service times range over 0..M with M the
longest chain of processing times, which holds every optimal solution; the optimum
is exact. The DP lets a stage wait for inputs longer than it must (``SI_j`` above
its predecessors' ``S``); a final pass tightens ``SI_j`` to the maximum, which never
raises the cost, so the reported service times satisfy ``SI_j = max_i S_i``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import special

from obeya.errors import SpecError
from obeya.inventory._normal import FloatArray
from obeya.inventory.network import Network, network_from_dict

__all__ = [
    "GsmNodeResult",
    "GsmResult",
    "gsm_result_to_dict",
    "gsm_tree",
]

MAX_SERVICE_TIME_HORIZON = 2000
"""Largest service-time range M the solver tabulates (tables are (M+1)^2 per node)."""


@dataclass(frozen=True, slots=True)
class GsmNodeResult:
    """Optimal service times and stock at one stage."""

    id: str
    service_time: int
    inbound_service_time: int
    net_replenishment_time: int
    safety_stock: float
    base_stock: float
    demand_mean: float
    demand_sd: float
    z: float
    holding_cost: float
    safety_stock_cost: float


@dataclass(frozen=True, slots=True)
class GsmResult:
    """Least total safety-stock holding cost and the per-node solution, by node id."""

    total_cost: float
    nodes: Mapping[str, GsmNodeResult]


@dataclass(frozen=True, slots=True)
class _Stage:
    index: int
    processing_time: int
    preds: tuple[int, ...]
    succs: tuple[int, ...]
    coefficient: float  # h z sigma
    source_inbound: int | None  # external inbound service time for sources
    max_out: int | None


@dataclass(slots=True)
class _Table:
    """A subtree's cost as a function of the service time on its parent link."""

    cost: FloatArray
    best_link: NDArray[np.int64]  # the node's S (parent downstream) or SI (parent upstream)
    best_other: NDArray[np.int64]  # the other of its own (SI, S) pair at that link value


def gsm_tree(network: Network | Mapping[str, Any]) -> GsmResult:
    """Optimal guaranteed-service safety stocks for a tree (or forest) network.

    ``network`` is a :class:`Network` or a dict of the YAML shape (see
    ``docs/inventory.md``). The answer is optimal over all integer service times.
    """
    net = network if isinstance(network, Network) else network_from_dict(network)
    ids = [n.id for n in net.nodes]
    pos = {node_id: i for i, node_id in enumerate(ids)}
    succ_ids = net.successors()
    order = _topological(net, pos)
    means = np.zeros(len(ids))
    variances = np.zeros(len(ids))
    for i in reversed(order):  # downstream first: successors are final before their preds
        node = net.nodes[i]
        means[i] += node.demand_mean or 0.0
        variances[i] += (node.demand_sd or 0.0) ** 2
        for pred in node.predecessors:
            means[pos[pred]] += means[i]
            variances[pos[pred]] += variances[i]
    sigmas = np.sqrt(variances)
    # Validation guarantees each node has its own z or the network a service level.
    default_z = math.nan if net.service_level is None else float(special.ndtri(net.service_level))
    zs = np.array([default_z if n.z is None else n.z for n in net.nodes])
    stages = [
        _Stage(
            index=i,
            processing_time=node.processing_time,
            preds=tuple(pos[p] for p in node.predecessors),
            succs=tuple(pos[s] for s in succ_ids[node.id]),
            coefficient=node.holding_cost * zs[i] * sigmas[i],
            source_inbound=None if node.predecessors else node.external_inbound_service_time,
            max_out=_max_out(node.max_service_time, node.has_external_demand),
        )
        for i, node in enumerate(net.nodes)
    ]
    horizon = _horizon(stages, order)
    if horizon > MAX_SERVICE_TIME_HORIZON:
        raise SpecError(
            f"network: the longest chain of processing times is {horizon} periods, above the "
            f"solver's {MAX_SERVICE_TIME_HORIZON}; express times in coarser periods "
            "(weeks rather than days)"
        )
    out_time = np.zeros(len(ids), dtype=np.int64)
    in_time = np.zeros(len(ids), dtype=np.int64)
    for component in _components(stages):
        _solve_component(stages, component, horizon, out_time, in_time)
    _tighten(stages, order, out_time, in_time)
    results: dict[str, GsmNodeResult] = {}
    total = 0.0
    for i, node in enumerate(net.nodes):
        nrt = int(in_time[i] + node.processing_time - out_time[i])
        safety = float(zs[i] * sigmas[i] * math.sqrt(nrt))
        cost = node.holding_cost * safety
        total += cost
        results[node.id] = GsmNodeResult(
            id=node.id,
            service_time=int(out_time[i]),
            inbound_service_time=int(in_time[i]),
            net_replenishment_time=nrt,
            safety_stock=safety,
            base_stock=float(means[i] * nrt + safety),
            demand_mean=float(means[i]),
            demand_sd=float(sigmas[i]),
            z=float(zs[i]),
            holding_cost=node.holding_cost,
            safety_stock_cost=cost,
        )
    return GsmResult(total_cost=total, nodes=MappingProxyType(results))


def gsm_result_to_dict(result: GsmResult) -> dict[str, Any]:
    """The JSON shape: ``{"total_cost": ..., "nodes": [{"id": ..., ...}, ...]}``."""
    return {
        "total_cost": result.total_cost,
        "nodes": [
            {
                "id": node.id,
                "service_time": node.service_time,
                "inbound_service_time": node.inbound_service_time,
                "base_stock": node.base_stock,
                "safety_stock": node.safety_stock,
                "net_replenishment_time": node.net_replenishment_time,
            }
            for node in result.nodes.values()
        ],
    }


def _max_out(given: int | None, external_demand: bool) -> int | None:
    if given is not None:
        return given
    return 0 if external_demand else None


def _topological(net: Network, pos: Mapping[str, int]) -> list[int]:
    """Node indices with every predecessor before its successors (Kahn's algorithm)."""
    indegree = [len(n.predecessors) for n in net.nodes]
    succs = net.successors()
    ready = [i for i, d in enumerate(indegree) if d == 0]
    order: list[int] = []
    while ready:
        i = ready.pop()
        order.append(i)
        for s in succs[net.nodes[i].id]:
            indegree[pos[s]] -= 1
            if indegree[pos[s]] == 0:
                ready.append(pos[s])
    return order


def _horizon(stages: list[_Stage], order: list[int]) -> int:
    """Longest chain of processing times (with external inbound times): bounds S and SI."""
    longest = [0] * len(stages)
    for i in order:
        st = stages[i]
        start = st.source_inbound if st.source_inbound is not None else 0
        start = max([start, *(longest[p] for p in st.preds)])
        longest[i] = start + st.processing_time
    return max(longest)


def _components(stages: list[_Stage]) -> list[list[int]]:
    seen: set[int] = set()
    components: list[list[int]] = []
    for start in range(len(stages)):
        if start in seen:
            continue
        stack, members = [start], []
        seen.add(start)
        while stack:
            i = stack.pop()
            members.append(i)
            for j in (*stages[i].preds, *stages[i].succs):
                if j not in seen:
                    seen.add(j)
                    stack.append(j)
        components.append(members)
    return components


def _local_cost(stage: _Stage, horizon: int) -> FloatArray:
    """Stage cost over (SI, S) in 0..M, with inf where a constraint fails."""
    values = np.arange(horizon + 1)
    si = values[:, None]
    s = values[None, :]
    nrt = si + stage.processing_time - s
    feasible = nrt >= 0
    if stage.max_out is not None:
        feasible = feasible & (s <= stage.max_out)
    if stage.source_inbound is not None:
        feasible = feasible & (si >= stage.source_inbound)
    cost: FloatArray = np.where(feasible, stage.coefficient * np.sqrt(np.maximum(nrt, 0)), np.inf)
    return cost


def _solve_component(
    stages: list[_Stage],
    members: list[int],
    horizon: int,
    out_time: NDArray[np.int64],
    in_time: NDArray[np.int64],
) -> None:
    root = members[0]
    parent: dict[int, int | None] = {root: None}
    visit = [root]
    post: list[int] = []
    while visit:  # iterative DFS; post-order is the reverse of this pre-order
        i = visit.pop()
        post.append(i)
        for j in (*stages[i].preds, *stages[i].succs):
            if j not in parent:
                parent[j] = i
                visit.append(j)
    post.reverse()
    tables: dict[int, _Table] = {}
    totals: dict[int, FloatArray] = {}
    for i in post:
        st = stages[i]
        total = _local_cost(st, horizon)
        for j in st.preds:
            if parent.get(j) == i:
                total = total + tables[j].cost[:, None]  # constrains SI_i >= S_j
        for j in st.succs:
            if parent.get(j) == i:
                total = total + tables[j].cost[None, :]  # constrains SI_j >= S_i
        totals[i] = total
        p = parent[i]
        if p is None:
            continue
        if p in st.succs:  # parent downstream: tabulate by S_i, min over S_i <= x
            by_s = total.min(axis=0)
            best_si = total.argmin(axis=0)
            tables[i] = _running_min(by_s, best_si, reverse=False)
        else:  # parent upstream: tabulate by SI_i, min over SI_i >= y
            by_si = total.min(axis=1)
            best_s = total.argmin(axis=1)
            tables[i] = _running_min(by_si, best_s, reverse=True)
    flat = int(np.argmin(totals[root]))
    in_time[root], out_time[root] = divmod(flat, horizon + 1)
    for i in reversed(post):  # parents before children
        st = stages[i]
        for j in st.preds:
            if parent.get(j) == i:
                out_time[j] = tables[j].best_link[in_time[i]]
                in_time[j] = tables[j].best_other[in_time[i]]
        for j in st.succs:
            if parent.get(j) == i:
                in_time[j] = tables[j].best_link[out_time[i]]
                out_time[j] = tables[j].best_other[out_time[i]]


def _running_min(values: FloatArray, other: NDArray[np.int64], *, reverse: bool) -> _Table:
    """Prefix (or suffix) minimum of ``values`` with the position that attains it."""
    v = values[::-1] if reverse else values
    running = np.minimum.accumulate(v)
    record = np.where(v <= running, np.arange(v.size), 0)
    where = np.maximum.accumulate(record)
    if reverse:
        running = running[::-1]
        where = (v.size - 1 - where)[::-1]
    return _Table(cost=running, best_link=where, best_other=other[where])


def _tighten(
    stages: list[_Stage],
    order: list[int],
    out_time: NDArray[np.int64],
    in_time: NDArray[np.int64],
) -> None:
    """Set ``SI_j = max_i S_i`` (or the supplier's time) and ``S_j <= SI_j + T_j``.

    Lowering a stage's inbound time and capping its outbound time never raises any
    stage's NRT, so an optimal solution stays optimal.
    """
    for i in order:
        st = stages[i]
        if st.source_inbound is not None:
            in_time[i] = st.source_inbound
        else:
            in_time[i] = max(int(out_time[p]) for p in st.preds)
        out_time[i] = min(int(out_time[i]), int(in_time[i]) + st.processing_time)
