"""docs/kpis.md is generated from the catalog and must not be stale."""

from __future__ import annotations

from pathlib import Path

from obeya.metrics import Catalog, render_kpi, render_kpi_docs

DOCS = Path(__file__).resolve().parents[2] / "docs" / "kpis.md"


def test_committed_docs_match_the_catalog(catalog: Catalog) -> None:
    expected = render_kpi_docs(catalog)
    assert DOCS.read_text(encoding="utf-8") == expected, (
        "docs/kpis.md is stale: run `uv run python -m obeya.metrics.docs > docs/kpis.md`"
    )


def test_every_kpi_is_documented_with_its_formula(catalog: Catalog) -> None:
    text = render_kpi_docs(catalog)
    for kpi in catalog.kpis.values():
        assert f"### `{kpi.id}`: {kpi.label}" in text
    assert "- **Formula**: `otd = (lines_on_time) / (lines_due)`" in text
    assert (
        "| `lines_on_time` | count of order_lines rows where `status != 'cancelled'` and "
        "`delivery_date <= promised_date`; dated by `promised_date` |" in text
    )
    assert "- **Target**: 95.0% (amber below 95.0%, red below 90.0%)" in text
    assert "| truck | 0.12366 |" in text


def test_one_kpi_section(catalog: Catalog) -> None:
    text = render_kpi(catalog, "perfect_order_rate")
    assert text.startswith("### `perfect_order_rate`: Perfect order rate\n")
    assert "with no returns row (matched on order_id, dated by `return_date` up to as_of)" in text
