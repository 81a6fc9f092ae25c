"""Conditions of each rule kind on the hand-made company (tests/review/company.py).

November 2025 is the period holding the latest data each KPI reads (order lines and
shipments: the last delivery, 2025-11-16; purchase order lines: the last receipt,
2025-11-20). OTD at DAL 3 of 6 lines on time = 50.0% (red below 90.0%), at ATL 4 of
4 = 100.0%; supplier S2 on time on 1 of 4 PO lines due = 25.0%; no inventory
snapshots and no quality samples.
"""

from __future__ import annotations

import pytest

from obeya.alerts import AlertKind, Condition, evaluate_rule, parse_rules
from obeya.errors import DataError, SpecError
from obeya.warehouse import Warehouse


def _rules(rule: dict[str, object]) -> object:
    return parse_rules(
        {
            "base_url": "https://obeya.example.com/",
            "channels": {"hook": {"type": "webhook", "url": "http://127.0.0.1:9/x"}},
            "rules": [{"channels": ["hook"], **rule}],
        },
        "rules.yaml",
    )


def _evaluate(wh: Warehouse, rule: dict[str, object]) -> list[Condition]:
    rules = _rules(rule)
    return evaluate_rule(wh, rules, rules.spec.rules[0])  # type: ignore[attr-defined]


def test_kpi_red_by_site(wh: Warehouse) -> None:
    (c,) = _evaluate(wh, {"id": "otd", "kind": "kpi_red", "kpis": ["otd", "otif"], "by": "site"})[
        :1
    ]
    assert (c.kind, c.key) == (AlertKind.KPI_RED, "otd|site=DAL")
    assert c.title == "On-time delivery is red at site DAL: 50.0%"
    assert c.detail == (
        "On-time delivery at site DAL is 50.0% in 2025-11 to 2025-11-16: below its red level "
        "of 90.0% (target 95.0%)."
    )
    assert c.link == (
        "https://obeya.example.com/kpis/otd/rows?period=2025-11&grain=month&by=site&member=DAL"
    )
    keys = [
        x.key
        for x in _evaluate(
            wh, {"id": "otd", "kind": "kpi_red", "kpis": ["otd", "otif"], "by": "site"}
        )
    ]
    assert keys == ["otd|site=DAL", "otif|site=DAL"]  # ATL is on target; keys in order


def test_kpi_red_company_wide(wh: Warehouse) -> None:
    (c,) = _evaluate(wh, {"id": "otd", "kind": "kpi_red", "kpis": ["otd"]})
    assert (c.key, c.title) == ("otd", "On-time delivery is red: 70.0%")
    assert c.link == "https://obeya.example.com/kpis/otd?period=2025-11&grain=month"


def test_supplier_otd_below(wh: Warehouse) -> None:
    (c,) = _evaluate(wh, {"id": "sup", "kind": "supplier_otd_below", "level": 0.8})
    assert (c.key, c.title) == ("S2", "Supplier S2 on time 25.0%, below 80.0%")
    assert c.detail == (
        "S2 delivered 1 of 4 PO lines due in 2025-11 (to 2025-11-20) on time: 25.0% against "
        "the level of 80.0%."
    )
    assert _evaluate(wh, {"id": "sup", "kind": "supplier_otd_below", "level": 0.2}) == []
    assert (
        _evaluate(wh, {"id": "sup", "kind": "supplier_otd_below", "level": 0.8, "min_lines": 5})
        == []
    )


def test_no_samples_no_signal_and_no_stock_no_projection(wh: Warehouse) -> None:
    assert _evaluate(wh, {"id": "spc", "kind": "spc_signal"}) == []
    with pytest.raises(DataError, match="inventory_snapshots is empty"):
        _evaluate(wh, {"id": "stock", "kind": "stockout_within", "weeks": 4})


def test_unknown_kpi(wh: Warehouse) -> None:
    with pytest.raises(SpecError, match=r"rule 'x': unknown KPI otdd; use ids of the catalog"):
        _evaluate(wh, {"id": "x", "kind": "kpi_red", "kpis": ["otdd"]})
