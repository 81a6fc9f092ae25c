"""The P&L from the warehouse (DuckDB through Ibis) against hand-computed figures."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import ibis
import pytest

from obeya.errors import ConfigError, DataError, WarehouseError
from obeya.finance import (
    Comparison,
    Favourability,
    PnlLineCode,
    PnlMode,
    period_months,
    pnl,
    pnl_query,
)
from obeya.model.schema import TABLES

ACCOUNTS = [
    ("4000", "Product sales", "revenue"),
    ("4010", "Service sales", "revenue"),
    ("5000", "Material", "cogs_material"),
    ("5100", "Direct labour", "cogs_labor"),
    ("5200", "Plant overhead", "cogs_overhead"),
    ("6000", "Outbound freight", "freight"),
    ("6100", "Warehousing", "warehousing"),
    ("7000", "SG&A", "sga"),
    ("7900", "Other", "other"),
]
GL = [
    # 2025-01
    ("2025-01", "S1", "4000", 1000), ("2025-01", "S1", "5000", 400), ("2025-01", "S1", "5100", 100),
    ("2025-01", "S1", "6000", 50), ("2025-01", "S1", "7000", 80),
    ("2025-01", "S2", "4000", 500), ("2025-01", "S2", "4010", 100), ("2025-01", "S2", "5000", 250),
    ("2025-01", "S2", "5200", 60), ("2025-01", "S2", "6100", 30), ("2025-01", "S2", "7900", 10),
    # 2025-02
    ("2025-02", "S1", "4000", 1200), ("2025-02", "S1", "5000", 450), ("2025-02", "S1", "5100", 110),
    ("2025-02", "S1", "6000", 60), ("2025-02", "S1", "7000", 80),
    ("2025-02", "S2", "4000", 550), ("2025-02", "S2", "5000", 260), ("2025-02", "S2", "5200", 60),
    ("2025-02", "S2", "6100", 35),
    # 2025-04
    ("2025-04", "S1", "4000", 900), ("2025-04", "S1", "5000", 380),
    # last year
    ("2024-02", "S1", "4000", 1000), ("2024-02", "S1", "5000", 500),
    ("2024-02", "S2", "4000", 400), ("2024-02", "S2", "6000", 20),
]  # fmt: skip
BUDGET = [
    ("2025-01", "S1", "4000", 1100), ("2025-01", "S1", "5000", 420), ("2025-01", "S1", "5100", 100),
    ("2025-01", "S1", "6000", 40), ("2025-01", "S1", "7000", 80),
    ("2025-01", "S2", "4000", 600), ("2025-01", "S2", "5000", 240), ("2025-01", "S2", "5200", 60),
    ("2025-01", "S2", "6100", 30),
    ("2025-02", "S1", "4000", 1100), ("2025-02", "S1", "5000", 420), ("2025-02", "S1", "5100", 100),
    ("2025-02", "S1", "6000", 40), ("2025-02", "S1", "7000", 80),
    ("2025-02", "S2", "4000", 600), ("2025-02", "S2", "5000", 240), ("2025-02", "S2", "5200", 60),
    ("2025-02", "S2", "6100", 30),
    ("2025-04", "S1", "4000", 1000), ("2025-04", "S1", "5000", 400),
    ("2025-12", "S1", "4000", 2000),
]  # fmt: skip


def _values(rows: list[tuple[object, ...]]) -> str:
    return ", ".join("(" + ", ".join(repr(v) for v in row) + ")" for row in rows)


def _exec(c: Any, sql: str) -> None:
    """Run a statement; PostgreSQL hands back a cursor to close, DuckDB its connection."""
    result = c.raw_sql(sql)
    if c.name == "postgres":
        result.close()


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def con(request: pytest.FixtureRequest) -> Iterator[Any]:
    """The fixture warehouse on an in-memory DuckDB and on a throw-away PostgreSQL."""
    if request.param == "duckdb":
        c = ibis.duckdb.connect()
    else:
        c = ibis.connect(request.getfixturevalue("pg_url"))
    for name in ("accounts", "gl_actuals", "budget"):
        _exec(c, TABLES[name].ddl())
    _exec(c, f"INSERT INTO accounts (account, name, pl_line) VALUES {_values(ACCOUNTS)}")
    _exec(c, f"INSERT INTO gl_actuals (period, site_id, account, amount) VALUES {_values(GL)}")
    _exec(c, f"INSERT INTO budget (period, site_id, account, amount) VALUES {_values(BUDGET)}")
    yield c
    c.disconnect()


def _figures(report: Any, site: str | None = None) -> dict[str, tuple[float, float]]:
    return {ln.line.value: (ln.actual, ln.comparison) for ln in report.lines if ln.site_id == site}


def test_month_against_budget(con: Any) -> None:
    r = pnl(con, "2025-02", PnlMode.MONTH)
    # Actual Feb: revenue 1200 + 550 = 1750; material 450 + 260 = 710; labour 110;
    # overhead 60; gross margin 1750 - 710 - 110 - 60 = 870; freight 60; warehousing 35;
    # SG&A 80; other 0; operating income 870 - 60 - 35 - 80 - 0 = 695.
    # Budget Feb: revenue 1100 + 600 = 1700; material 420 + 240 = 660; labour 100;
    # overhead 60; gross margin 1700 - 820 = 880; freight 40; warehousing 30; SG&A 80;
    # operating income 880 - 40 - 30 - 80 = 730.
    assert [ln.line for ln in r.total()] == list(PnlLineCode)
    assert _figures(r) == {
        "revenue": (1750, 1700),
        "cogs_material": (710, 660),
        "cogs_labor": (110, 100),
        "cogs_overhead": (60, 60),
        "gross_margin": (870, 880),
        "freight": (60, 40),
        "warehousing": (35, 30),
        "sga": (80, 80),
        "other": (0, 0),
        "operating_income": (695, 730),
    }
    revenue = r.line(PnlLineCode.REVENUE)
    assert revenue.variance == 50
    assert revenue.variance_pct == pytest.approx(50 / 1700)
    assert revenue.favourability is Favourability.FAVOURABLE
    material = r.line(PnlLineCode.COGS_MATERIAL)
    assert material.variance == 50  # spent 50 more than budget
    assert material.favourability is Favourability.UNFAVOURABLE
    assert r.line(PnlLineCode.COGS_OVERHEAD).favourability is Favourability.ON_PLAN
    margin = r.line(PnlLineCode.GROSS_MARGIN)
    assert margin.variance == -10
    assert margin.variance_pct == pytest.approx(-10 / 880)
    assert margin.favourability is Favourability.UNFAVOURABLE
    income = r.line(PnlLineCode.OPERATING_INCOME)
    assert income.variance == -35
    assert income.favourability is Favourability.UNFAVOURABLE
    other = r.line(PnlLineCode.OTHER)
    assert other.variance_pct is None  # nothing budgeted: no percentage
    assert r.months == ("2025-02",)


def test_cost_below_budget_is_favourable(con: Any) -> None:
    # Jan S2: material actual 250 vs budget 240 (unfavourable); S1 freight 50 vs 40.
    # Jan S1 material 400 vs budget 420: 20 under budget -> favourable, -4.76%.
    r = pnl(con, "2025-01", PnlMode.MONTH, by_site=True)
    s1_material = r.line(PnlLineCode.COGS_MATERIAL, "S1")
    assert s1_material.variance == -20
    assert s1_material.variance_pct == pytest.approx(-20 / 420)
    assert s1_material.favourability is Favourability.FAVOURABLE
    # S2 revenue 500 + 100 = 600 vs 600: on plan; S2 other 10 vs 0: unfavourable.
    assert r.line(PnlLineCode.REVENUE, "S2").favourability is Favourability.ON_PLAN
    assert r.line(PnlLineCode.OTHER, "S2").favourability is Favourability.UNFAVOURABLE


def test_ytd_by_site(con: Any) -> None:
    r = pnl(con, "2025-02", PnlMode.YTD, by_site=True)
    assert r.months == ("2025-01", "2025-02")
    assert list(dict.fromkeys(ln.site_id for ln in r.lines)) == [None, "S1", "S2"]
    # S1 Jan + Feb actual: revenue 2200; material 850; labour 210; GM 2200 - 1060 = 1140;
    # freight 110; SG&A 160; operating income 1140 - 270 = 870.
    # S1 budget: revenue 2200; material 840; labour 200; GM 1160; freight 80; SG&A 160;
    # operating income 1160 - 240 = 920.
    s1 = _figures(r, "S1")
    assert s1["revenue"] == (2200, 2200)
    assert s1["gross_margin"] == (1140, 1160)
    assert s1["operating_income"] == (870, 920)
    # The company lines are the sum of the sites: actual revenue 2200 + (600 + 550) =
    # 3350; budget 2200 + (600 + 600) = 3400.
    assert _figures(r)["revenue"] == (3350, 3400)


def test_quarter_to_date_and_full_year(con: Any) -> None:
    # Q2 to date through May: April only has data. Actual revenue 900, material 380,
    # GM 520; budget revenue 1000, material 400, GM 600.
    q = pnl(con, "2025-05", PnlMode.QUARTER)
    assert q.months == ("2025-04", "2025-05")
    assert _figures(q)["gross_margin"] == (520, 600)
    # Full year 2025: actual revenue 1000 + 500 + 100 + 1200 + 550 + 900 = 4250;
    # budget 1100 + 600 + 1100 + 600 + 1000 + 2000 = 6400.
    fy = pnl(con, "2025-02", PnlMode.FULL_YEAR)
    assert len(fy.months) == 12
    assert _figures(fy)["revenue"] == (4250, 6400)


def test_last_year_comparison(con: Any) -> None:
    # Feb 2024: revenue 1000 + 400 = 1400; material 500; freight 20; GM 900; OI 880.
    # Feb 2025: revenue 1750 (+350, favourable); GM 870 (-30); freight 60 (+40).
    r = pnl(con, "2025-02", comparison=Comparison.LAST_YEAR)
    assert r.comparison_months == ("2024-02",)
    figures = _figures(r)
    assert figures["revenue"] == (1750, 1400)
    assert figures["gross_margin"] == (870, 900)
    assert figures["operating_income"] == (695, 880)
    assert r.line(PnlLineCode.REVENUE).favourability is Favourability.FAVOURABLE
    assert r.line(PnlLineCode.FREIGHT).favourability is Favourability.UNFAVOURABLE
    assert list(r.to_frame().columns) == [
        "site_id",
        "line",
        "actual",
        "last_year",
        "variance",
        "variance_pct",
        "favourability",
    ]


def test_aggregation_is_one_grouped_query(con: Any) -> None:
    expr = pnl_query(con, ("2025-02",), ("2025-02",), by_site=True)
    sql = ibis.to_sql(expr, dialect=con.name).upper()
    assert "GROUP BY" in sql
    assert "SUM(" in sql
    rows = expr.execute()
    # Feb actual: S1 has 5 lines (revenue, material, labour, freight, SG&A), S2 has 4
    # (revenue, material, overhead, warehousing); the budget the same: 2 x 9 = 18 rows.
    assert len(rows) == 18


def test_unmapped_account_is_refused(con: Any) -> None:
    _exec(
        con,
        "INSERT INTO gl_actuals (period, site_id, account, amount) VALUES ('2025-02', 'S1', '9999', 5)",
    )
    with pytest.raises(DataError, match="missing from the accounts table: 9999"):
        pnl(con, "2025-02")


def test_budget_versions_must_be_chosen(con: Any) -> None:
    _exec(con, "UPDATE budget SET version = 'v1'")
    _exec(
        con,
        "INSERT INTO budget (period, site_id, account, amount, version) VALUES ('2025-02', 'S1', '4000', 5000, 'v2')",
    )
    with pytest.raises(DataError, match=r"2 versions.*v1, v2.*budget_version="):
        pnl(con, "2025-02")
    assert _figures(pnl(con, "2025-02", budget_version="v1"))["revenue"] == (1750, 1700)
    assert _figures(pnl(con, "2025-02", budget_version="v2"))["revenue"] == (1750, 5000)


def test_missing_table_and_bad_period(con: Any) -> None:
    _exec(con, "DROP TABLE budget")
    with pytest.raises(WarehouseError, match="no table 'budget'"):
        pnl(con, "2025-02")
    with pytest.raises(ConfigError, match="YYYY-MM"):
        pnl(con, "2025-13")


def test_period_months() -> None:
    assert period_months("2025-08", PnlMode.QUARTER) == ("2025-07", "2025-08")
    assert period_months("2025-03", PnlMode.YTD) == ("2025-01", "2025-02", "2025-03")
    assert period_months("2025-12", PnlMode.MONTH) == ("2025-12",)
