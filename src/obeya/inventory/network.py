"""The multi-echelon network spec: YAML in, a validated, frozen :class:`Network` out.

Checked in three stages, and every problem of a stage is reported at once:

1. the YAML (read by :mod:`obeya.yamlspec`: syntax, a key given twice in a mapping)
   and the schema: known keys only, right types and ranges (Pydantic,
   ``extra="forbid"``);
2. parsing into frozen models;
3. network rules: unique ids, known predecessors, no cycles, a tree (or forest) when
   directions are ignored, demand at every node that feeds no other node, a safety
   factor for every node.

Errors are :class:`~obeya.errors.SpecError` lines ``file:line: nodes[2] (id 'board'):
field: what is wrong; fix``. See ``docs/inventory.md`` for the format.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from obeya.errors import SpecError
from obeya.yamlspec import (
    Duplicate,
    Loc,
    UnreadableDocument,
    line_of,
    place,
    read_yaml,
)

__all__ = ["Network", "NodeSpec", "load_network", "network_from_dict"]


class NodeSpec(BaseModel):
    """One stage of the network (a stocking point: part, sub-assembly, warehouse)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)

    id: str = Field(min_length=1)
    processing_time: int = Field(ge=0, description="periods from inputs available to output")
    holding_cost: float = Field(ge=0, description="per unit per period")
    predecessors: tuple[str, ...] = ()
    demand_mean: float | None = Field(default=None, ge=0)
    demand_sd: float | None = Field(default=None, ge=0)
    max_service_time: int | None = Field(default=None, ge=0)
    external_inbound_service_time: int = Field(default=0, ge=0)
    z: float | None = None

    @field_validator("holding_cost", "demand_mean", "demand_sd", "z")
    @classmethod
    def _finite(cls, value: float | None) -> float | None:
        if value is not None and not math.isfinite(value):
            raise ValueError("must be a finite number")
        return value

    @property
    def has_external_demand(self) -> bool:
        return self.demand_sd is not None


class Network(BaseModel):
    """A validated network; build it with :func:`network_from_dict` or :func:`load_network`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    service_level: float | None = Field(default=None, gt=0, lt=1)
    nodes: tuple[NodeSpec, ...] = Field(min_length=1)

    def node(self, node_id: str) -> NodeSpec:
        """The node with this id (KeyError if absent)."""
        for node in self.nodes:
            if node.id == node_id:
                return node
        raise KeyError(node_id)

    def successors(self) -> dict[str, tuple[str, ...]]:
        """Each node id mapped to the ids that list it as a predecessor."""
        result: dict[str, list[str]] = {n.id: [] for n in self.nodes}
        for node in self.nodes:
            for pred in node.predecessors:
                result[pred].append(node.id)
        return {k: tuple(v) for k, v in result.items()}


def load_network(path: str | Path) -> Network:
    """Read a network YAML file; errors name the file, line, node and field."""
    file = Path(path)
    try:
        doc = read_yaml(file, "the network file")  # bad YAML: file:line: invalid YAML: ...
    except UnreadableDocument as exc:
        raise SpecError(f"{file}: cannot read the network file ({exc.reason})") from exc
    return _build(doc.data, source=str(file), lines=doc.lines, duplicates=doc.duplicates)


def network_from_dict(data: Mapping[str, Any]) -> Network:
    """Validate a network given as a dict of the YAML's shape."""
    return _build(data, source="network", lines={})


def _build(
    data: object,
    *,
    source: str,
    lines: Mapping[Loc, int],
    duplicates: Sequence[Duplicate] = (),
) -> Network:
    if not isinstance(data, Mapping):
        raise SpecError(
            f"{source}: a network is a mapping with 'nodes' (and usually 'service_level'), "
            f"got {type(data).__name__}"
        )
    raw_nodes = data.get("nodes")
    problems = [
        _where(source, dup.line, dup.loc, raw_nodes)
        + f": key given twice (first on line {dup.first_line}); keep one"
        for dup in duplicates
    ]
    try:
        network = Network.model_validate(dict(data))
    except ValidationError as exc:
        errors = exc.errors()
        locs = [tuple(err["loc"]) for err in errors]
        # A sequence whose items failed also reports 'too short'; the items say why.
        problems += [
            _where(source, line_of(lines, loc), loc, raw_nodes) + f": {_message(err)}"
            for err, loc in zip(errors, locs, strict=True)
            if not (
                err["type"] == "too_short"
                and any(o[: len(loc)] == loc and len(o) > len(loc) for o in locs)
            )
        ]
        raise SpecError(_render(source, problems)) from exc
    for index, field, text in _semantic_problems(network):
        at: Loc = ("nodes", index, *field)
        problems.append(_where(source, line_of(lines, at), at, raw_nodes) + f": {text}")
    if problems:
        raise SpecError(_render(source, problems))
    return network


def _render(source: str, problems: list[str]) -> str:
    count = len(problems)
    head = f"{source}: the network spec has {count} problem{'s' if count != 1 else ''}"
    return "\n".join([head, *problems])


def _message(err: Mapping[str, Any]) -> str:
    if err.get("type") == "extra_forbidden":
        return "unknown key; remove it or check its spelling (see docs/inventory.md)"
    if err.get("type") == "missing":
        return "is required"
    return str(err.get("msg", "is invalid"))


def _where(source: str, line: int | None, loc: Loc, raw_nodes: object) -> str:
    """``file:line: nodes[2] (id 'board').field`` for a message."""
    parts: list[str] = []
    if len(loc) >= 2 and loc[0] == "nodes" and isinstance(loc[1], int):
        label = f"nodes[{loc[1]}]"
        if isinstance(raw_nodes, list) and loc[1] < len(raw_nodes):
            item = raw_nodes[loc[1]]
            if isinstance(item, Mapping) and "id" in item:
                label += f" (id {item['id']!r})"
        parts.append(label)
        parts.extend(str(p) for p in loc[2:])
    else:
        parts.extend(str(p) for p in loc)
    return f"{place(source, line)}: {'.'.join(parts) if parts else 'network'}"


def _semantic_problems(network: Network) -> list[tuple[int, tuple[str, ...], str]]:
    """Every broken network rule as (node index, field path, message)."""
    problems: list[tuple[int, tuple[str, ...], str]] = []
    index_of: dict[str, int] = {}
    for index, node in enumerate(network.nodes):
        if node.id in index_of:
            problems.append(
                (
                    index,
                    ("id",),
                    f"duplicate id {node.id!r} (also nodes[{index_of[node.id]}]); "
                    "give every node its own id",
                )
            )
        else:
            index_of[node.id] = index
    for index, node in enumerate(network.nodes):
        seen: set[str] = set()
        for pred in node.predecessors:
            if pred == node.id:
                problems.append((index, ("predecessors",), f"node {node.id!r} lists itself"))
            elif pred not in index_of:
                problems.append(
                    (
                        index,
                        ("predecessors",),
                        f"unknown predecessor {pred!r} of node "
                        f"{node.id!r}; add a node with that id or fix the name",
                    )
                )
            elif pred in seen:
                problems.append(
                    (
                        index,
                        ("predecessors",),
                        f"predecessor {pred!r} listed twice in node {node.id!r}",
                    )
                )
            seen.add(pred)
        if node.predecessors and "external_inbound_service_time" in node.model_fields_set:
            problems.append(
                (
                    index,
                    ("external_inbound_service_time",),
                    f"node {node.id!r} has "
                    "predecessors; only sources take a supplier's service time",
                )
            )
        if node.demand_mean is not None and node.demand_sd is None:
            problems.append(
                (
                    index,
                    ("demand_sd",),
                    f"node {node.id!r} gives demand_mean without "
                    "demand_sd; give the sd of demand per period too",
                )
            )
        if node.z is None and network.service_level is None:
            problems.append(
                (
                    index,
                    ("z",),
                    f"node {node.id!r} has no safety factor: give the network a "
                    "service_level or the node a z",
                )
            )
    if problems:
        return problems
    successors = network.successors()
    for index, node in enumerate(network.nodes):
        if not successors[node.id] and node.demand_sd is None:
            problems.append(
                (
                    index,
                    ("demand_sd",),
                    f"node {node.id!r} feeds no other node, so it faces "
                    "customers and needs demand_sd (sd of demand per period)",
                )
            )
    problems.extend(_cycle_problems(network, index_of))
    return problems


def _cycle_problems(
    network: Network, index_of: Mapping[str, int]
) -> list[tuple[int, tuple[str, ...], str]]:
    # Union-find over undirected edges: an edge joining two nodes already connected
    # closes a cycle (directed or not), which a tree cannot have.
    parent = {node.id: node.id for node in network.nodes}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    problems: list[tuple[int, tuple[str, ...], str]] = []
    for node in network.nodes:
        for pred in node.predecessors:
            a, b = root(pred), root(node.id)
            if a == b:
                problems.append(
                    (
                        index_of[node.id],
                        ("predecessors",),
                        f"the link {pred!r} -> {node.id!r} "
                        "closes a cycle (ignoring directions); the guaranteed-service model "
                        "here solves trees: remove one link of the cycle",
                    )
                )
            else:
                parent[a] = b
    return problems
