"""The rows behind a KPI figure add up to the engine's numerator and denominator.

Cases of the hand-made company (tests/metrics/company.py) worked by hand, each also
checked against ``compute()`` for the same figure, on DuckDB and PostgreSQL; then
every KPI whose figure is a ratio of sums of one source's rows, checked against
``compute()`` company-wide and per site.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

import obeya.metrics as metrics
import obeya.metrics.drill as drill_module
from obeya.errors import ConfigError, DataError, SpecError
from obeya.metrics import Catalog, Drill, MeasureKind, compute, drill_rows
from obeya.metrics.formulas import (
    PERIOD_DAYS,
    evaluate_formula,
    formula_alternatives,
    formula_measures,
    formula_names,
    parse_formula,
)
from obeya.warehouse import Warehouse
from tests.metrics.helpers import approx, ratio, row

AS_OF = date(2025, 3, 31)


def _totals(d: Drill) -> dict[str, float | None]:
    return {m.id: m.total for m in d.measures}


def _column_sums(d: Drill) -> dict[str, float]:
    """Each additive measure's contribution column summed over the rows returned."""
    out = {}
    for m in d.measures:
        if m.column is not None:
            out[m.id] = float(pc.sum(d.rows.column(m.column).cast(pa.float64())).as_py() or 0.0)
    return out


def approx_all(values: Mapping[str, float | None]) -> object:
    """``values`` up to rounding (sums in the database and in Arrow may differ in the last bits)."""
    return pytest.approx(dict(values), rel=1e-9, abs=1e-12)


def _keys(d: Drill, *columns: str) -> list[tuple[object, ...]]:
    return list(zip(*(d.rows.column(c).to_pylist() for c in columns), strict=True))


def test_drill_rows_is_public() -> None:
    assert {"Drill", "DrillMeasure", "drill_rows"} <= set(metrics.__all__)
    for name in drill_module.__all__:
        assert getattr(metrics, name) is getattr(drill_module, name)


def test_otd_at_atl_in_january(company: Warehouse, catalog: Catalog) -> None:
    # Lines promised in January at ATL (status not cancelled): L3 (O2/1, promised
    # 15 Jan, delivered 18 Jan: late) and L4 (O3/1, promised 20 Jan, never delivered:
    # late). lines_due = 2, lines_on_time = 0.
    d = drill_rows(company, catalog, "otd", "2025-01", by="site", member="ATL", as_of=AS_OF)
    assert _keys(d, "order_id", "line_no") == [("O2", 1), ("O3", 1)]
    assert _keys(d, "_lines_on_time", "_lines_due") == [(0, 1), (0, 1)]
    assert d.rows.column("_site").to_pylist() == ["ATL", "ATL"]
    assert _totals(d) == {"lines_on_time": 0.0, "lines_due": 2.0}
    assert _column_sums(d) == _totals(d)
    assert (d.table_name, d.date_expression, d.total_rows, d.truncated) == (
        "order_lines",
        "promised_date",
        2,
        False,
    )
    assert (d.period_start, d.period_end, d.period) == (
        date(2025, 1, 1),
        date(2025, 1, 31),
        "2025-01",
    )
    num, den, _ = ratio(
        compute(company, ["otd"], by=["site"], as_of=AS_OF), "otd", "2025-01", site="ATL"
    )
    assert (num, den) == (0.0, 2.0)


def test_otd_company_wide_rows_are_capped_but_totals_are_not(
    company: Warehouse, catalog: Catalog
) -> None:
    # January, company-wide: L1, L2, L6, L7 (DAL, on time) and L3, L4 (ATL, late);
    # L5 is cancelled and the source's filter drops it: 4 on time of 6 due.
    d = drill_rows(company, catalog, "otd", "2025-01", as_of=AS_OF, limit=2)
    assert (d.rows.num_rows, d.total_rows, d.truncated) == (2, 6, True)
    # ordered by date, then key: L1 and L2 are both promised on 10 January
    assert _keys(d, "_date", "order_id", "line_no") == [
        (date(2025, 1, 10), "O1", 1),
        (date(2025, 1, 10), "O1", 2),
    ]
    assert _totals(d) == {"lines_on_time": 4.0, "lines_due": 6.0}
    num, den, _ = ratio(compute(company, ["otd"], as_of=AS_OF), "otd", "2025-01")
    assert (num, den) == (4.0, 6.0)


def test_otd_by_carrier_reads_the_first_shipment_of_each_order(
    company: Warehouse, catalog: Catalog
) -> None:
    # The carrier of a line is that of its order's first shipment (by ship_date, then
    # shipment_id): O1 has S1 (K1, 8 Jan) and S2 (K2, 9 Jan), so K1; O2 has S3 (K2).
    # K1 in January: L1 and L2 (O1), both delivered by 10 Jan as promised: 2 of 2.
    # K2: L3 (O2), late: 0 of 1.
    k1 = drill_rows(company, catalog, "otd", "2025-01", by="carrier", member="K1", as_of=AS_OF)
    assert _keys(k1, "order_id", "line_no") == [("O1", 1), ("O1", 2)]
    assert _totals(k1) == _column_sums(k1) == {"lines_on_time": 2.0, "lines_due": 2.0}
    k2 = drill_rows(company, catalog, "otd", "2025-01", by="carrier", member="K2", as_of=AS_OF)
    assert _keys(k2, "order_id", "line_no") == [("O2", 1)]
    assert _totals(k2) == {"lines_on_time": 0.0, "lines_due": 1.0}
    table = compute(company, ["otd"], by=["carrier"], as_of=AS_OF)
    assert ratio(table, "otd", "2025-01", carrier="K1")[:2] == (2.0, 2.0)
    assert ratio(table, "otd", "2025-01", carrier="K2")[:2] == (0.0, 1.0)


def test_revenue_company_wide_in_january(company: Warehouse, catalog: Catalog) -> None:
    # qty_shipped x unit_price of the lines shipped in January:
    # L1 10 x 10 = 100, L2 4 x 20 = 80, L3 8 x 10 = 80, L6 4 x 10 = 40, L7 2 x 10 = 20
    # = 320 (L4 and L5 never shipped).
    d = drill_rows(company, catalog, "revenue", "2025-01", as_of=AS_OF)
    assert sorted(_keys(d, "order_id", "line_no")) == [
        ("O1", 1),
        ("O1", 2),
        ("O2", 1),
        ("O5", 1),
        ("O6", 1),
    ]
    assert _totals(d) == _column_sums(d) == {"shipped_revenue": approx(320.0)}
    r = row(compute(company, ["revenue"], as_of=AS_OF), "revenue", "2025-01")
    assert (r["numerator"], r["value"]) == (approx(320.0), approx(320.0))


def test_oee_reads_the_resource_rate_through_its_lookup_join(
    company: Warehouse, catalog: Catalog
) -> None:
    # Work orders started in January at ATL: W1 (R1, 900 good, no rate of its own:
    # the resource's 100/h, 9 h; 12 run + 3 down) and W2 (R2, 190 good at its own
    # 40/h, 4.75 h; 5 run + 1 down). W3 never started.
    # oee = (9 + 4.75) / (12 + 3 + 5 + 1) = 13.75 / 21.
    d = drill_rows(company, catalog, "oee", "2025-01", by="site", member="ATL", as_of=AS_OF)
    assert _keys(d, "work_order_id", "_wo_good_ideal_hours") == [
        ("W1", approx(9.0)),
        ("W2", approx(4.75)),
    ]
    totals = _totals(d)
    assert totals == _column_sums(d)
    assert totals == {
        "wo_good_ideal_hours": approx(13.75),
        "wo_run_hours": 17.0,
        "wo_downtime_hours": 4.0,
    }
    num, den, value = ratio(
        compute(company, ["oee"], by=["site"], as_of=AS_OF), "oee", "2025-01", site="ATL"
    )
    assert (num, den, value) == (approx(13.75), approx(21.0), approx(13.75 / 21))


def test_return_rate_site_comes_from_the_returned_order_line(
    company: Warehouse, catalog: Catalog
) -> None:
    # RT1 returns 1 unit of A from order O5 on 5 Feb; its site is that of O5's first
    # line for A (L6, DAL). Shipped in February at DAL: L8 3 + L9 6 = 9 units; at ATL
    # L10 5 + L11 2 = 7 units and nothing returned.
    dal = drill_rows(
        company, catalog, "return_rate_units", "2025-02", by="site", member="DAL", as_of=AS_OF
    )
    assert _keys(dal, "return_id", "_site", "_returned_units") == [("RT1", "DAL", 1.0)]
    assert _totals(dal) == {"returned_units": 1.0}
    assert dal.notes == (
        "shipped_units reads order_lines by ship_date; open its own KPI to see those rows",
    )
    atl = drill_rows(
        company, catalog, "return_rate_units", "2025-02", by="site", member="ATL", as_of=AS_OF
    )
    assert (atl.total_rows, _totals(atl)) == (0, {"returned_units": 0.0})
    table = compute(company, ["return_rate_units", "units_shipped"], by=["site"], as_of=AS_OF)
    assert ratio(table, "return_rate_units", "2025-02", site="DAL")[:2] == (1.0, 9.0)
    assert ratio(table, "return_rate_units", "2025-02", site="ATL")[:2] == (0.0, 7.0)
    # the denominator's own rows: units_shipped drills into them
    for site, units in (("DAL", 9.0), ("ATL", 7.0)):
        shipped = drill_rows(
            company, catalog, "units_shipped", "2025-02", by="site", member=site, as_of=AS_OF
        )
        assert _totals(shipped) == {"shipped_units": units}


def test_a_cut_the_first_formula_lacks_drills_into_the_fallback(
    company: Warehouse, catalog: Catalog
) -> None:
    # Inspections carry no resource, so first_pass_yield by resource is computed from
    # work orders (the engine's plan, which the drill-down follows): R1 in January
    # is W1, 900 good of 900 + 100 made.
    d = drill_rows(
        company, catalog, "first_pass_yield", "2025-01", by="resource", member="R1", as_of=AS_OF
    )
    assert (d.table_name, _keys(d, "work_order_id")) == ("work_orders", [("W1",)])
    assert _totals(d) == {"wo_good_units": 900.0, "wo_units": 1000.0}
    table = compute(company, ["first_pass_yield"], by=["resource"], as_of=AS_OF)
    assert ratio(table, "first_pass_yield", "2025-01", resource="R1")[:2] == (900.0, 1000.0)
    # Company-wide the inspections come first (I1: 200 inspected, 6 defective) and
    # the note names the fallback.
    whole = drill_rows(company, catalog, "first_pass_yield", "2025-01", as_of=AS_OF)
    assert _totals(whole) == {"inspected_good_units": 194.0, "inspected_units": 200.0}
    assert any("falls back to wo_good_units, wo_units" in n for n in whole.notes)


def test_special_kinds_list_their_rows_without_a_sum(company: Warehouse, catalog: Catalog) -> None:
    # perfect_order_rate counts whole orders: the lines are shown, nothing is summed.
    d = drill_rows(company, catalog, "perfect_order_rate", "2025-01", as_of=AS_OF)
    assert [(m.id, m.kind, m.column, m.total) for m in d.measures] == [
        ("orders_perfect", MeasureKind.ENTITY_COUNT, None, None),
        ("orders_due", MeasureKind.ENTITY_COUNT, None, None),
    ]
    assert d.total_rows == 6
    assert len(d.notes) == 2
    assert all("not their sum" in n for n in d.notes)


def test_the_warehouse_or_its_backend_give_the_same_rows(
    company: Warehouse, catalog: Catalog
) -> None:
    by_warehouse = drill_rows(company, catalog, "otd", "2025-01", as_of=AS_OF)
    by_backend = drill_rows(company.ibis, catalog, "otd", "2025-01", as_of=AS_OF)
    assert by_backend == by_warehouse


def test_requests_the_kpi_cannot_answer_are_refused(company: Warehouse, catalog: Catalog) -> None:
    with pytest.raises(SpecError, match=r"otd cannot be cut by department \(its dimensions"):
        drill_rows(company, catalog, "otd", "2025-01", by="department", member="x", as_of=AS_OF)
    with pytest.raises(ConfigError, match="give both a dimension and its member"):
        drill_rows(company, catalog, "otd", "2025-01", by="site", as_of=AS_OF)
    with pytest.raises(ConfigError, match="unknown dimension 'plant'"):
        drill_rows(company, catalog, "otd", "2025-01", by="plant", member="ATL", as_of=AS_OF)


def test_an_empty_warehouse_says_to_load_data(catalog: Catalog) -> None:
    with Warehouse.open(":memory:") as wh, pytest.raises(DataError, match="load data first"):
        drill_rows(wh, catalog, "otd", "2025-01")


# ---------------------------------------------------------------- every sum-of-rows KPI


def _sum_of_rows_kpis(catalog: Catalog) -> list[str]:
    """KPIs whose figure is arithmetic over sums and counts of one source's rows."""
    out = []
    for kpi in catalog.kpis.values():
        (formula, *fallback) = formula_alternatives(kpi.formula)
        measures = [catalog.measure(m) for m in formula_measures(formula)]
        texts = [t for t in (formula.numerator, formula.denominator, formula.value) if t]
        if (
            not fallback
            and len({(m.source, m.date) for m in measures}) == 1
            and all(m.kind is MeasureKind.AGGREGATE and m.agg.additive for m in measures)
            and not any(PERIOD_DAYS in t for t in texts)
        ):
            out.append(kpi.id)
    return out


def _formula_value(text: str | None, totals: Mapping[str, float]) -> float | None:
    if text is None:
        return None
    tree = parse_formula(text)
    values = {m: np.asarray(totals[m]) for m in formula_names(tree)}
    return float(evaluate_formula(tree, values))


def _figure(
    table: pa.Table, kpi: str, period: str, members: Mapping[str, str]
) -> dict[str, Any] | None:
    """The KPI's row for the period and members; None when the engine has none."""
    found = [
        r
        for r in table.to_pylist()
        if r["kpi"] == kpi
        and r["period_start"].isoformat()[:7] == period
        and all(r[k] == v for k, v in members.items())
    ]
    assert len(found) <= 1, found
    return found[0] if found else None


def test_every_sum_of_rows_kpi_adds_up_to_the_engine(company: Warehouse, catalog: Catalog) -> None:
    kpis = _sum_of_rows_kpis(catalog)
    assert {"otd", "revenue", "oee", "nps", "supplier_ppm"} <= set(kpis)
    whole = compute(company, kpis, start="2025-01", end="2025-02", as_of=AS_OF)
    sited = [k for k in kpis if any(d.value == "site" for d in catalog.kpi(k).dimensions)]
    by_site = compute(company, sited, by=["site"], start="2025-01", end="2025-02", as_of=AS_OF)
    cases: list[tuple[str, str, dict[str, str]]] = [
        (k, p, {}) for k in kpis for p in ("2025-01", "2025-02")
    ]
    cases += [(k, "2025-01", {"site": s}) for k in sited for s in ("ATL", "DAL")]
    for kpi, period, members in cases:
        formula = catalog.kpi(kpi).formula
        cut = {"by": "site", "member": members["site"]} if members else {}
        d = drill_rows(company, catalog, kpi, period, as_of=AS_OF, **cut)
        assert not d.truncated
        totals = _totals(d)
        assert _column_sums(d) == approx_all(totals), (kpi, period, members)
        figure = _figure(by_site if members else whole, kpi, period, members)
        where = (kpi, period, members, totals, figure)
        if figure is None or figure["numerator"] is None:  # no figure: no rows
            assert d.total_rows == 0, where
            continue
        sums = {m: t for m, t in totals.items() if t is not None}
        numerator = _formula_value(formula.numerator or formula.value, sums)
        denominator = _formula_value(formula.denominator, sums)
        assert figure["numerator"] == approx(numerator), where
        assert figure["denominator"] == (None if denominator is None else approx(denominator)), (
            where
        )
