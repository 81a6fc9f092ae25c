"""Reconciliation: hand-worked bottom-up and WLS, and coherence as a property.

WLS with structural scaling (W = diag(S·1)) as in Hyndman & Athanasopoulos,
*Forecasting: Principles and Practice*, 3rd ed., section 11.3 (the MinT family):
reconciled bottom = (S' W⁻¹ S)⁻¹ S' W⁻¹ ŷ.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from obeya.demand import Level, ReconcileMethod, build_hierarchy, reconcile

DAY = date(2026, 1, 5)


def _keys(rows: list[tuple[str, str, str]]) -> pa.Table:
    return pa.table(
        {
            "unique_id": [f"{s}@{site}" for s, site, _ in rows],
            "sku": [s for s, _, _ in rows],
            "site_id": [site for _, site, _ in rows],
            "family": [f for _, _, f in rows],
        }
    )


def _base(ids: list[str], values: dict[str, list[float]]) -> pa.Table:
    h = len(next(iter(values.values())))
    return pa.table(
        {
            "unique_id": [i for i in ids for _ in range(h)],
            "ds": pa.array([DAY + timedelta(weeks=k) for _ in ids for k in range(h)], pa.date32()),
            "forecast": [v for i in ids for v in values[i]],
        }
    )


def _value(table: pa.Table, node: str) -> float:
    return next(r["reconciled"] for r in table.to_pylist() if r["unique_id"] == node)


def test_bottom_up_by_hand() -> None:
    h = build_hierarchy(_keys([("A", "S", "F1"), ("B", "S", "F1"), ("C", "S", "F2")]))
    ids = h.ids.to_pylist()
    values = {i: [100.0] for i in ids} | {"A@S": [1.0], "B@S": [2.0], "C@S": [3.0]}
    out = reconcile(h, _base(ids, values), method=ReconcileMethod.BOTTOM_UP).table
    assert _value(out, "total") == 6.0
    assert _value(out, "family:F1") == 3.0
    assert _value(out, "family:F2") == 3.0
    assert _value(out, "site:S") == 6.0
    assert _value(out, "family_site:F1@S") == 3.0


def test_wls_structural_by_hand() -> None:
    # Nodes total, family:F, site:S, family_site:F@S (each = A + B), A, B.
    # W = diag(2, 2, 2, 2, 1, 1); S'W⁻¹S = [[3, 2], [2, 3]];
    # S'W⁻¹ŷ with aggregates 10, A 3, B 4: [4*10/2 + 3, 4*10/2 + 4] = [23, 24];
    # solve: A = (3*23 - 2*24)/5 = 4.2, B = (3*24 - 2*23)/5 = 5.2, total 9.4.
    h = build_hierarchy(_keys([("A", "S", "F"), ("B", "S", "F")]))
    ids = h.ids.to_pylist()
    values = {i: [10.0] for i in ids} | {"A@S": [3.0], "B@S": [4.0]}
    out = reconcile(h, _base(ids, values), method=ReconcileMethod.WLS_STRUCT).table
    assert _value(out, "A@S") == pytest.approx(4.2, abs=1e-4)
    assert _value(out, "B@S") == pytest.approx(5.2, abs=1e-4)
    assert _value(out, "total") == pytest.approx(9.4, abs=1e-4)


@st.composite
def hierarchies(draw: st.DrawFn) -> tuple[pa.Table, int, int]:
    n = draw(st.integers(min_value=2, max_value=10))
    rows = [
        (f"K{i}", f"S{draw(st.integers(0, 2))}", f"F{draw(st.integers(0, 2))}") for i in range(n)
    ]
    seed = draw(st.integers(0, 2**31 - 1))
    h = draw(st.integers(1, 3))
    return _keys(rows), seed, h


@settings(max_examples=25, deadline=None)
@given(
    hierarchies(),
    st.sampled_from(
        [
            ReconcileMethod.BOTTOM_UP,
            ReconcileMethod.WLS_STRUCT,
            ReconcileMethod.WLS_VAR,
            ReconcileMethod.MINT_SHRINK,
        ]
    ),
)
def test_children_sum_to_parents(case: tuple[pa.Table, int, int], method: ReconcileMethod) -> None:
    keys, seed, horizon = case
    hier = build_hierarchy(keys)
    ids = hier.ids.to_pylist()
    rng = np.random.default_rng(seed)
    values = {i: list(rng.gamma(2.0, 10.0, horizon)) for i in ids}  # incoherent on purpose
    t = 12
    actual = rng.gamma(2.0, 10.0, (len(ids), t))
    errors = pa.table(
        {
            "unique_id": [i for i in ids for _ in range(t)],
            "ds": pa.array(
                [DAY - timedelta(weeks=t - k) for _ in ids for k in range(t)], pa.date32()
            ),
            "actual": actual.reshape(-1),
            "forecast": (actual + rng.normal(0, 3, actual.shape)).reshape(-1),
        }
    )
    out = reconcile(hier, _base(ids, values), errors=errors, method=method).table.to_pylist()
    bottom = [r for r in out if r["level"] == Level.SKU_SITE.value]
    assert all(r["reconciled"] >= 0 for r in bottom)
    nodes = {r["unique_id"]: r for r in hier.nodes.to_pylist()}
    for r in out:
        if r["level"] == Level.SKU_SITE.value:
            continue
        node = nodes[r["unique_id"]]
        kids = [
            b["reconciled"]
            for b in bottom
            if b["ds"] == r["ds"]
            and (node["family"] is None or nodes[b["unique_id"]]["family"] == node["family"])
            and (node["site_id"] is None or nodes[b["unique_id"]]["site_id"] == node["site_id"])
        ]
        assert r["reconciled"] == pytest.approx(sum(kids), abs=1e-6)
