"""The shipped catalog against the spec, and bad catalog files against the loader."""

from __future__ import annotations

import textwrap
from datetime import date
from pathlib import Path

import pytest

from obeya.errors import SpecError
from obeya.ingest import load_arrow
from obeya.metrics import (
    Catalog,
    Dimension,
    KpiCatalogError,
    Severity,
    catalog_for,
    compute,
    load_catalog,
)
from obeya.metrics.expressions import parse, references
from obeya.metrics.formulas import formula_alternatives, formula_measures
from obeya.warehouse import Warehouse
from tests.metrics.company import company_tables
from tests.metrics.helpers import approx, ratio, row

AS_OF = date(2025, 3, 31)

ORDER_DIMS = {"site", "customer", "channel", "family", "sku", "carrier"}
REVENUE_DIMS = {"site", "customer", "channel", "family", "sku"}
WORK_DIMS = {"site", "resource"}
# id -> (dimensions, attribution columns) as listed in shared/spec/kpis.md
SPEC: dict[str, tuple[set[str], set[str]]] = {
    "otd": (ORDER_DIMS, {"promised_date"}),
    "otif": (ORDER_DIMS, {"promised_date"}),
    "fill_rate_units": (ORDER_DIMS, {"promised_date"}),
    "fill_rate_lines": (ORDER_DIMS, {"promised_date"}),
    "order_cycle_time_days": (ORDER_DIMS, {"delivery_date"}),
    "order_cycle_time_days_p50": (ORDER_DIMS, {"delivery_date"}),
    "order_cycle_time_days_p90": (ORDER_DIMS, {"delivery_date"}),
    "perfect_order_rate": ({"site", "customer", "channel"}, {"promised_date"}),
    "revenue": (REVENUE_DIMS, {"ship_date"}),
    "gross_margin_pct": (REVENUE_DIMS, {"ship_date"}),
    "units_shipped": (REVENUE_DIMS, {"ship_date"}),
    "throughput_units_per_day": ({"site", "family"}, {"ship_date"}),
    "inventory_value": ({"site", "family", "sku"}, {"snapshot_date"}),
    "inventory_turns": ({"site", "family"}, {"ship_date", "snapshot_date"}),
    "days_of_supply": ({"site", "family"}, {"ship_date", "snapshot_date"}),
    "stockout_rate": ({"site", "family"}, {"snapshot_date"}),
    "freight_cost_per_unit": ({"site", "carrier", "mode"}, {"ship_date"}),
    "fulfillment_cost_per_unit": ({"site"}, {"work_date", "ship_date"}),
    "units_per_labor_hour": ({"site"}, {"ship_date", "work_date"}),
    "overtime_pct": ({"site", "department"}, {"work_date"}),
    "oee": (WORK_DIMS, {"actual_start"}),
    "availability": (WORK_DIMS, {"actual_start"}),
    "performance": (WORK_DIMS, {"actual_start"}),
    "quality_rate": (WORK_DIMS, {"actual_start"}),
    # from inspections (inspected_at) where present, else work orders (actual_start)
    "first_pass_yield": ({"site", "resource", "sku"}, {"actual_start", "inspected_at"}),
    "supplier_otd": ({"supplier", "site", "sku"}, {"promised_date"}),
    "supplier_ppm": ({"supplier", "site"}, {"receipt_date"}),
    "supplier_lead_time_days": ({"supplier", "site"}, {"receipt_date"}),
    "supplier_lead_time_days_p90": ({"supplier", "site"}, {"receipt_date"}),
    "purchase_price_variance": ({"supplier", "sku"}, {"receipt_date"}),
    "return_rate_units": ({"site", "sku", "customer"}, {"return_date", "ship_date"}),
    "nps": ({"segment"}, {"response_date"}),
    "ticket_sla_attainment": ({"priority", "category"}, {"opened_at"}),
    "escalation_rate": ({"priority", "category"}, {"opened_at"}),
    "trir": ({"site"}, {"incident_date", "work_date"}),
    "dart_rate": ({"site"}, {"incident_date", "work_date"}),
    "ltir": ({"site"}, {"incident_date", "work_date"}),
    "co2e_kg_per_unit": ({"site", "carrier", "mode"}, {"ship_date"}),
    # the period of the energy rows; units shipped (ship_date) or made (actual_start)
    "energy_kwh_per_unit": ({"site"}, {"period", "ship_date", "actual_start"}),
    "waste_diversion_pct": ({"site"}, {"period"}),
}


def _attribution(catalog: Catalog, kpi_id: str) -> set[str]:
    columns: set[str] = set()
    for alt in formula_alternatives(catalog.kpi(kpi_id).formula):
        for mid in formula_measures(alt):
            columns |= {name for _, name in references(parse(catalog.measures[mid].date))}
    return columns


def test_every_spec_kpi_with_its_dimensions_and_dates(catalog: Catalog) -> None:
    missing = set(SPEC) - set(catalog.ids)
    assert not missing
    for kpi_id, (dims, dates) in SPEC.items():
        assert {d.value for d in catalog.kpi(kpi_id).dimensions} == dims, kpi_id
        assert _attribution(catalog, kpi_id) == dates, kpi_id


def test_shipped_catalog_has_no_warning_and_sourced_factors(catalog: Catalog) -> None:
    assert catalog.warnings == ()
    factors = catalog.emission_factors
    assert factors is not None
    assert factors.year == 2012
    assert "Defra" in factors.source
    assert set(factors.factors) == {"truck", "ltl", "parcel", "rail", "ocean", "air"}
    assert all(k.owner for k in catalog.kpis.values())


def write(tmp_path: Path, text: str, name: str = "kpis.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip())
    return path


BAD = """
version: 1
measures:
  - id: late_lines
    source: order_lines
    agg: count
    filter: "delivery_date > promised_dat"
    date: promised_date
  - id: weird
    source: order_lines
    expr: "qty_shipped + status"
    date: ship_date
kpis:
  - id: late_rate
    label: Late rate
    description: Late lines over lines due.
    area: service
    unit: ratio
    direction: lower
    formula: {numerator: late_lines, denominator: lines_dew}
    dimensions: [site, supplier]
    target: {value: 0.05, red: 0.02}
    owner: Me
    empty_reason: no lines due
  - id: colourful
    label: Colourful
    description: x
    area: service
    unit: ratio
    direction: higher
    formula: {value: lines_due}
    empty_reason: none
    colour: red
targets:
  otdd: {value: 0.9, red: 0.8}
"""


def test_a_bad_file_reports_every_problem_with_file_line_and_field(tmp_path: Path) -> None:
    path = write(tmp_path, BAD)
    with pytest.raises(KpiCatalogError, match="KPI catalog refused: 7 errors") as info:
        load_catalog([path])
    errors = {
        (i.location.line, i.obj, i.field): i
        for i in info.value.issues
        if i.severity is Severity.ERROR
    }
    assert set(errors) == {
        (6, "measure late_lines", "filter"),
        (10, "measure weird", "expr"),
        (19, "kpi late_rate", "formula.denominator"),
        (20, "kpi late_rate", "dimensions"),
        (21, "kpi late_rate", "target"),
        (32, "kpi colourful", "colour"),
        (34, "target otdd", None),
    }
    assert "did you mean `promised_date`?" in errors[(6, "measure late_lines", "filter")].fix
    assert (
        "unknown measure 'lines_dew'"
        in errors[(19, "kpi late_rate", "formula.denominator")].message
    )
    assert "did you mean 'lines_due'?" in errors[(19, "kpi late_rate", "formula.denominator")].fix
    assert (
        "'supplier' is not defined on source(s) order_lines"
        in errors[(20, "kpi late_rate", "dimensions")].message
    )
    assert "red >= amber >= value" in errors[(21, "kpi late_rate", "target")].fix
    assert "allowed: id, label" in errors[(32, "kpi colourful", "colour")].fix
    # each line of the message names the file and line
    assert (
        f"{path}:6: error: measure late_lines, field filter: unknown column `promised_dat`"
        in str(info.value)
    )


def test_warnings_do_not_refuse_the_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        version: 1
        kpis:
          - id: lines_due_share
            label: Lines due
            description: Lines due, as a single value in ratio units.
            area: service
            unit: ratio
            direction: higher
            formula: {value: lines_due}
            empty_reason: no order lines due in the period
        """,
    )
    catalog = load_catalog([path])
    found = {(i.location.line, i.obj, i.field, i.severity) for i in catalog.warnings}
    assert found == {
        (3, "kpi lines_due_share", "owner", Severity.WARNING),
        (9, "kpi lines_due_share", "formula", Severity.WARNING),
    }


def test_yaml_syntax_and_duplicate_keys(tmp_path: Path) -> None:
    path = write(tmp_path, "version: 1\nkpis:\n  - id: x\n    label: [unclosed\n")
    with pytest.raises(KpiCatalogError, match=r"kpis.yaml:\d+: error: file: not valid YAML"):
        load_catalog([path])
    path = write(
        tmp_path,
        "version: 1\ntargets:\n  otd: {value: 0.9, red: 0.8}\n  otd: {value: 0.8, red: 0.7}\n",
    )
    with pytest.raises(
        KpiCatalogError, match=r"kpis.yaml:4: error: file, field otd: key 'otd' appears twice"
    ):
        load_catalog([path])
    path = write(tmp_path, "version: 2\nkpi: []\n")
    with pytest.raises(KpiCatalogError, match="unknown section 'kpi'") as info:
        load_catalog([path])
    assert "unsupported version 2" in str(info.value)


def test_each_problem_is_at_the_line_of_its_own_item_or_section(tmp_path: Path) -> None:
    # line 2 `kpis:`, line 3 the item `- 7`; line 4 `emission_factors: 5`; line 5 `yes:`
    path = write(tmp_path, "version: 1\nkpis:\n  - 7\nemission_factors: 5\nyes: 1\n")
    with pytest.raises(KpiCatalogError) as info:
        load_catalog([path])
    found = {(i.location.line, i.obj, i.field) for i in info.value.issues}
    assert found == {
        (3, "kpi ?", None),  # the item itself, not the `kpis:` line above it
        (4, "emission_factors", None),
        (5, "file", "yes"),  # a key is the text written, not the boolean True
    }


COMPANY = """
version: 1
emission_factors:
  source: Our carrier's own figures
  year: 2025
  factors:
    truck: {value: 0.2}
measures:
  - id: lines_early
    source: order_lines
    agg: count
    filter: "days(delivery_date, promised_date) >= 2"
    date: promised_date
kpis:
  - id: early_delivery_rate
    label: Early delivery
    description: Lines due in the period delivered two days or more before the promise.
    area: service
    unit: ratio
    direction: lower
    formula: {numerator: lines_early, denominator: lines_due}
    dimensions: [site]
    owner: Logistics
    empty_reason: no order lines due in the period
targets:
  otd:
    value: 0.8
    amber: 0.75
    red: 0.5
    sites:
      ATL: {value: 0.99, red: 0.9}
"""


@pytest.fixture
def company_file(tmp_path: Path) -> Path:
    return write(tmp_path, COMPANY)


def test_a_company_file_adds_and_overrides(company_file: Path) -> None:
    catalog = load_catalog([company_file])
    assert catalog.ids[-1] == "early_delivery_rate"
    otd = catalog.kpi("otd")
    assert otd.target is not None
    assert otd.target.value == 0.8
    assert otd.target.for_site("ATL").value == 0.99
    assert otd.target.for_site("DAL").value == 0.8
    # the truck factor is replaced, the other modes are kept
    assert catalog.factors()["truck"] == 0.2
    assert catalog.factors()["parcel"] == 0.5907
    assert catalog.location("kpi", "early_delivery_rate").file == str(company_file)
    assert catalog.location("kpi", "otd").file.endswith("catalog.yaml")


def test_company_definitions_are_computed(tmp_path: Path, company_file: Path) -> None:
    wh = Warehouse.open(str(tmp_path / "obeya.duckdb"))
    try:
        load_arrow(wh, company_tables(), label="company")
        catalog = catalog_for(wh)  # picks up kpis.yaml beside the warehouse file
        assert "early_delivery_rate" in catalog.ids
        t = compute(
            wh,
            ["early_delivery_rate", "otd", "co2e_kg_per_unit"],
            "month",
            by=["site"],
            start="2025-01",
            end="2025-01",
            as_of=AS_OF,
            catalog=catalog,
        )
        # DAL's January lines L1 (9 vs 10 Jan), L2 (10 vs 10), L6 (28 vs 28), L7 (14 vs
        # 14): none two days early; ATL: L3 late, L4 undelivered -> 0 of 4 and 0 of 2.
        assert ratio(t, "early_delivery_rate", "2025-01", site="DAL") == (0, 4, 0.0)
        # ATL's otd 0 of 2 against ATL's own target 99% (red below 90%): red.
        assert row(t, "otd", "2025-01", site="ATL")["target"] == 0.99
        assert row(t, "otd", "2025-01", site="DAL")["target"] == 0.8
        # S1 (DAL, truck): 0.5 t x 100 km x 0.2 = 10 kg over 10 units.
        assert ratio(t, "co2e_kg_per_unit", "2025-01", site="DAL")[0] == approx(10 + 2.9535)
        t = compute(wh, ["otd"], "month", start="2025-01", as_of=AS_OF, catalog=catalog)
        # 2/3 in February is below the amber level 75% and above red 50%: amber.
        assert row(t, "otd", "2025-02")["status"] == "amber"
        assert row(t, "otd", "2025-03")["status"] == "green"
    finally:
        wh.close()


def test_cutting_by_a_dimension_a_kpi_lacks_is_refused(catalog: Catalog) -> None:
    wh = Warehouse.open(":memory:")
    try:
        with pytest.raises(
            SpecError, match=r"nps cannot be cut by site \(its dimensions: segment\)"
        ):
            compute(wh, ["otd", "nps"], "month", by=["site"], as_of=AS_OF, catalog=catalog)
        with pytest.raises(SpecError, match="unknown KPI 'otdd'; did you mean 'otd'"):
            compute(wh, ["otdd"], "month", as_of=AS_OF, catalog=catalog)
        assert Dimension("site") is Dimension.SITE
    finally:
        wh.close()
