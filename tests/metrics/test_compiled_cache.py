"""The compiled-SQL cache: a group is built and compiled once per definition.

Keyed by content (request, measures, sources, emission factors), so a catalog loaded
again from the same files reuses the SQL, and a changed definition does not.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from obeya.ingest import load_arrow
from obeya.metrics import compute, load_catalog, measures
from obeya.metrics.engine import _request
from obeya.warehouse import Warehouse
from tests.metrics.company import company_tables

AS_OF = date(2025, 3, 31)


@pytest.fixture(scope="module")
def duck() -> Iterator[Warehouse]:
    wh = Warehouse.open(":memory:")
    load_arrow(wh, company_tables(), label="company")
    yield wh
    wh.close()


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The groups built from Ibis from here on (the cache starts empty)."""
    measures.COMPILED.clear()
    seen: list[str] = []
    real = measures.build_query

    def counting(plan: measures.QueryPlan, group: measures.MeasureGroup) -> object:
        seen.append(group.source)
        return real(plan, group)

    monkeypatch.setattr(measures, "build_query", counting)
    return seen


def _sql(wh: Warehouse, catalog: object, kpi: str) -> list[str]:
    r = _request(wh, [kpi], "month", ["site"], None, "2025-01", None, AS_OF, catalog)  # type: ignore[arg-type]
    return [measures.compiled_sql(r.query, g) for g in r.groups]


def test_same_definitions_compile_once(duck: Warehouse, builds: list[str]) -> None:
    first = _sql(duck, load_catalog(), "otd")
    assert builds == ["order_lines"]
    # a catalog loaded again from the same files is a different object, same content
    again = _sql(duck, load_catalog(), "otd")
    assert again == first
    assert builds == ["order_lines"]


def test_a_changed_definition_compiles_again(
    duck: Warehouse, builds: list[str], tmp_path: Path
) -> None:
    shipped = _sql(duck, load_catalog(), "co2e_kg_per_unit")
    company = tmp_path / "kpis.yaml"
    company.write_text(
        "version: 1\nemission_factors:\n  source: Our carrier's figures\n  year: 2025\n"
        "  factors:\n    truck: {value: 0.2}\n"
    )
    changed = _sql(duck, load_catalog([company]), "co2e_kg_per_unit")
    assert len(builds) == 2 * len(shipped)
    assert shipped != changed
    assert "0.2" in changed[0]  # the company's truck factor is in the new SQL
    assert "0.2 " not in shipped[0]


def test_results_do_not_depend_on_the_cache(duck: Warehouse) -> None:
    kpis = ["otd", "perfect_order_rate", "order_cycle_time_days_p50", "revenue"]
    measures.COMPILED.clear()
    cold = compute(duck, kpis, "month", by=["site"], start="2025-01", as_of=AS_OF)
    warm = compute(duck, kpis, "month", by=["site"], start="2025-01", as_of=AS_OF)
    assert cold.equals(warm)
    assert cold.num_rows > 0
