"""The kaizen register: ``obeya kaizen add|list|verify`` and its public functions.

The fixture holds two projects' worth of data, worked out by hand:

* first pass yield of site P1 from inspections of 100 units every Sunday: baseline
  weeks of 2025-03-03..03-24 with 5, 6, 4, 5 defectives (380 good of 400 = 0.95);
  go-live week 03-31 (3 defectives, in neither window); after weeks 04-07..04-28 with
  2, 1, 2, 1 (394 of 400 = 0.985). Site P2 has one bad lot the cut leaves out.
* order cycle time of site P1: two lines delivered every Sunday with cycle days
  (5, 7), (6, 8), (5, 7), (6, 8) before (weekly means 6, 7, 6, 7) and (3, 5), (4, 6),
  (3, 5), (4, 6) after (4, 5, 4, 5); one 10-day line in the go-live week.

Every test statistic is also recomputed with statsmodels or SciPy called directly.
"""

from __future__ import annotations

import json
import math
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportions_ztest

from obeya.errors import DataError
from obeya.ingest import load_arrow
from obeya.metrics import Grain, load_catalog
from obeya.quality import (
    KaizenStatus,
    VerifyTest,
    Window,
    add_project,
    latest_verifications,
    list_projects,
    measure_change,
    verify_project,
)
from obeya.warehouse import Warehouse
from tests.clirun import run
from tests.quality.cli_fixtures import T, reference, table, warehouse

Capsys = pytest.CaptureFixture[str]

SUNDAYS = [date(2025, 3, 9) + timedelta(weeks=i) for i in range(9)]  # 03-09 .. 05-04
DEFECTIVES = [5, 6, 4, 5, 3, 2, 1, 2, 1]  # the fifth Sunday (04-06) is the go-live week
CYCLES = [(5, 7), (6, 8), (5, 7), (6, 8), (10,), (3, 5), (4, 6), (3, 5), (4, 6)]


def company() -> dict[str, pa.Table]:
    inspections = [
        {
            "inspection_id": f"I{i}",
            "site_id": "P1",
            "sku": "A",
            "inspected_at": T(day.year, day.month, day.day, 10),
            "qty_inspected": 100.0,
            "qty_defective": float(d),
        }
        for i, (day, d) in enumerate(zip(SUNDAYS, DEFECTIVES, strict=True))
    ]
    inspections.append(
        {"inspection_id": "X", "site_id": "P2", "sku": "A", "inspected_at": T(2025, 3, 9, 10),
         "qty_inspected": 100.0, "qty_defective": 50.0}
    )  # fmt: skip
    lines = [
        {
            "order_id": f"O{i}{j}",
            "line_no": 1,
            "customer_id": "C1",
            "sku": "A",
            "site_id": "P1",
            "order_date": day - timedelta(days=days),
            "promised_date": day,
            "ship_date": day - timedelta(days=days),
            "delivery_date": day,
            "qty_ordered": 1.0,
            "qty_shipped": 1.0,
            "unit_price": 9.0,
            "unit_cost": 5.0,
            "status": "delivered",
        }
        for i, (day, cycle) in enumerate(zip(SUNDAYS, CYCLES, strict=True))
        for j, days in enumerate(cycle)
    ]
    return {"inspections": table(inspections), "order_lines": table(lines)}


@pytest.fixture
def wh(tmp_path: Path) -> str:
    return warehouse(tmp_path / "k.duckdb", company())


ADD_FPY = (
    "kaizen", "add", "--title", "Poka-yoke at final test", "--kpi", "first_pass_yield",
    "--filter", "site=P1", "--baseline-from", "2025-03-03", "--baseline-to", "2025-03-30",
    "--go-live", "2025-04-07", "--target", "0.98", "--value-per-unit", "12",
    "--method", "DMAIC", "--owner", "Q. Lead",
)  # fmt: skip
ADD_CYCLE = (
    "kaizen", "add", "--title", "Pick-to-light", "--kpi", "order_cycle_time_days",
    "--filter", "site=P1", "--baseline-from", "2025-03-03", "--baseline-to", "2025-03-30",
    "--after-from", "2025-04-07", "--after-to", "2025-05-04", "--value-per-unit", "1.5",
)  # fmt: skip


def test_verify_a_rate_with_the_two_proportion_z_test(capsys: Capsys, wh: str) -> None:
    code, out, err = run(capsys, *ADD_FPY, "--warehouse", wh)
    assert code == 0, err
    assert out == (
        "added KZ-001 'Poka-yoke at final test': first_pass_yield (site=P1), baseline "
        "2025-03-03 to 2025-03-30, after since 2025-04-07\n"
    )
    code, out, err = run(
        capsys, "kaizen", "verify", "KZ-001", "--format", "json", "--warehouse", wh
    )
    assert code == 0, err
    v = json.loads(out)["verification"]
    # Good units: before 400 - 20 = 380 of 400 (0.95), after 400 - 6 = 394 of 400 (0.985).
    assert (v["before_events"], v["before_trials"], v["after_events"], v["after_trials"]) == (
        380,
        400,
        394,
        400,
    )
    assert (v["before_periods"], v["after_periods"]) == (4, 4)
    assert v["before_value"] == pytest.approx(0.95)
    assert v["after_value"] == pytest.approx(0.985)
    # Pooled p = 774/800 = 0.9675; SE = sqrt(0.9675 x 0.0325 x (1/400 + 1/400)) = 0.0125387;
    # z = 0.035/0.0125387 = 2.7913; two-sided p = 2(1 - Phi(2.7913)) = 0.00525.
    z_hand = 0.035 / math.sqrt(0.9675 * 0.0325 * (2 / 400))
    assert v["statistic"] == pytest.approx(z_hand, rel=1e-9)
    z_sm, p_sm = proportions_ztest([394, 380], [400, 400])
    assert v["statistic"] == pytest.approx(z_sm, rel=1e-9)
    assert v["p_value"] == pytest.approx(p_sm, rel=1e-9)
    assert v["p_value"] == pytest.approx(0.00525, abs=5e-5)
    assert v["test"] == "two_proportion_z"
    assert v["improved"] is True
    # Volume: 400 units inspected in the 28 days of the after window: 400/28 x 365 =
    # 5214.2857 a year; saving 0.035 x 12 x 5214.2857 = 2190.0.
    assert v["annual_volume"] == pytest.approx(400 / 28 * 365)
    assert v["annual_saving"] == pytest.approx(2190.0)
    # Its interval: the Wald interval of the difference, unpooled SE, valued the same way.
    se = math.sqrt(0.95 * 0.05 / 400 + 0.985 * 0.015 / 400)
    half = stats.norm.isf(0.025) * se
    assert (v["saving_low"], v["saving_high"]) == pytest.approx(
        ((0.035 - half) * 12 * 400 / 28 * 365, (0.035 + half) * 12 * 400 / 28 * 365)
    )
    assert v["target"] == 0.98
    assert v["target_met"] is True
    # The project is now verified, and the briefing sees the stored result.
    with Warehouse.open(wh, read_only=True) as con:
        (project,) = list_projects(con)
        (latest,) = latest_verifications(con)
    assert project.status is KaizenStatus.VERIFIED
    assert project.method.value == "dmaic"
    assert latest.project_id == "KZ-001"
    assert latest.annual_saving == pytest.approx(2190.0)


def test_verify_a_mean_with_welch_and_mann_whitney(capsys: Capsys, wh: str) -> None:
    assert run(capsys, *ADD_CYCLE, "--warehouse", wh)[0] == 0
    code, out, err = run(
        capsys, "kaizen", "verify", "KZ-001", "--format", "json", "--warehouse", wh
    )
    assert code == 0, err
    doc = json.loads(out)
    v = doc["verification"]
    assert doc["detail"]["before_values"] == [6.0, 7.0, 6.0, 7.0]
    assert doc["detail"]["after_values"] == [4.0, 5.0, 4.0, 5.0]
    # Means 6.5 and 4.5, both variances 1/3: t = -2/sqrt(1/12 + 1/12) = -4.898979, df 6.
    assert v["test"] == "welch_t"
    assert v["statistic"] == pytest.approx(-2 / math.sqrt(1 / 6), rel=1e-9)
    welch = stats.ttest_ind([4, 5, 4, 5], [6, 7, 6, 7], equal_var=False)
    assert v["p_value"] == pytest.approx(welch.pvalue, rel=1e-9)
    assert v["p_value"] == pytest.approx(2 * stats.t.sf(2 / math.sqrt(1 / 6), 6), rel=1e-9)
    # Lower is better: improvement 2 days x 1.5 per line-day x (8 lines / 28 days x 365).
    assert v["improvement"] == pytest.approx(2.0)
    assert v["improved"] is True
    assert v["annual_saving"] == pytest.approx(2 * 1.5 * 8 / 28 * 365)
    assert v["target"] is None
    assert v["target_met"] is None
    code, out, err = run(
        capsys,
        "kaizen",
        "verify",
        "KZ-001",
        "--test",
        "skewed",
        "--format",
        "json",
        "--warehouse",
        wh,
    )
    assert code == 0, err
    v = json.loads(out)["verification"]
    u = stats.mannwhitneyu([4, 5, 4, 5], [6, 7, 6, 7], alternative="two-sided")
    assert v["test"] == "mann_whitney_u"
    assert (v["statistic"], v["p_value"]) == pytest.approx((u.statistic, u.pvalue))
    # Two verifications stored; the latest is the Mann-Whitney one.
    with Warehouse.open(wh, read_only=True) as con:
        assert [x.test for x in latest_verifications(con)] == ["mann_whitney_u"]
        stored = con.sql_arrow("SELECT count(*) AS n FROM kaizen_verifications").to_pylist()
    assert stored == [{"n": 2}]


def test_table_output_and_list(capsys: Capsys, wh: str) -> None:
    run(capsys, *ADD_FPY, "--warehouse", wh)
    run(capsys, *ADD_CYCLE, "--id", "PTL", "--status", "planned", "--warehouse", wh)
    code, out, _ = run(capsys, "kaizen", "verify", "KZ-001", "--warehouse", wh)
    assert code == 0
    assert (
        "KZ-001 Poka-yoke at final test: first_pass_yield (site=P1) rose from 95.0% to 98.5% "
        "(3.5 pts); two-proportion z test p = 0.00525 < 0.05: improved. Target 98.0% met. "
        "Annual saving 2,190" in out
    )
    assert "status: verified" in out
    code, out, _ = run(capsys, "kaizen", "list", "--format", "json", "--warehouse", wh)
    projects = json.loads(out)
    assert [(p["id"], p["status"], p["filters"]) for p in projects] == [
        ("KZ-001", "verified", {"site": ["P1"]}),
        ("PTL", "planned", {"site": ["P1"]}),
    ]
    assert projects[0]["latest_verification"]["annual_saving"] == pytest.approx(2190.0)
    assert projects[1]["latest_verification"] is None
    assert projects[1]["after_to"] == "2025-05-04"
    assert projects[0]["after_to"] is None
    code, out, _ = run(capsys, "kaizen", "list", "--warehouse", wh)
    assert code == 0
    assert "KZ-001" in out
    assert "PTL" in out


def test_add_and_verify_refusals(capsys: Capsys, wh: str) -> None:
    base = (
        "kaizen",
        "add",
        "--title",
        "x",
        "--baseline-from",
        "2025-03-03",
        "--baseline-to",
        "2025-03-30",
    )
    code, _, err = run(capsys, *base, "--kpi", "otdd", "--go-live", "2025-04-07", "--warehouse", wh)
    assert code == 2
    assert err.startswith("error: unknown KPI 'otdd'; did you mean 'otd'?")
    code, _, err = run(
        capsys, *base, "--kpi", "first_pass_yield", "--filter", "carrier=K", "--go-live", "2025-04-07",
        "--warehouse", wh,
    )  # fmt: skip
    assert code == 2
    assert err == (
        "error: KPI 'first_pass_yield' cannot be cut by carrier (its dimensions: site, resource, sku)\n"
    )
    code, _, err = run(capsys, *base, "--kpi", "otd", "--go-live", "2025-03-15", "--warehouse", wh)
    assert code == 2
    assert "the two windows must not overlap" in err
    code, _, err = run(capsys, *base, "--kpi", "otd", "--warehouse", wh)
    assert code == 2
    assert "--after-from DATE or --go-live DATE" in err
    code, _, err = run(capsys, *base, "--kpi", "otd", "--go-live", "2025-13-01", "--warehouse", wh)
    assert code == 2
    assert err == "error: --go-live '2025-13-01': not a date; write YYYY-MM-DD\n"
    assert run(capsys, *ADD_CYCLE, "--warehouse", wh)[0] == 0
    code, _, err = run(capsys, *ADD_CYCLE, "--id", "KZ-001", "--warehouse", wh)
    assert code == 2
    assert "kaizen project 'KZ-001' already exists" in err
    code, _, err = run(capsys, "kaizen", "verify", "KZ-009", "--warehouse", wh)
    assert code == 2
    assert err == "error: kaizen project 'KZ-009' is not in the register (projects: KZ-001)\n"
    code, _, err = run(capsys, "kaizen", "verify", "KZ-001", "--test", "rate", "--warehouse", wh)
    assert code == 2
    assert "--test rate: KPI 'order_cycle_time_days' is not a share of whole counts" in err
    code, _, err = run(capsys, "kaizen", "verify", "KZ-001", "--grain", "month", "--warehouse", wh)
    # March 2025 ends 03-31, after the baseline's last day: no whole month in the baseline.
    assert code == 2
    assert "the baseline window 2025-03-03 to 2025-03-30 holds no whole month" in err


def test_measure_change_of_a_kpi_without_denominator() -> None:
    # units_shipped per week: 100, 110, 90, 100 before and 120, 130, 110, 120 after
    # (means 100 and 120, variances 200/3): t = 20/sqrt(200/3/4 x 2) = 3.4641, df 6.
    # Without a denominator the volume is 365/7 weeks a year: saving 20 x 2 x 52.142857.
    weeks = [date(2025, 3, 3) + timedelta(weeks=i) for i in range(9)]
    values = [100.0, 110.0, 90.0, 100.0, 500.0, 120.0, 130.0, 110.0, 120.0]
    rows = pa.table(
        {
            "kpi": ["units_shipped"] * 9,
            "period_start": pa.array(weeks, pa.date32()),
            "value": values,
            "numerator": values,
            "denominator": pa.array([None] * 9, pa.float64()),
        }
    )
    spec = load_catalog().kpi("units_shipped")
    result = measure_change(
        rows,
        spec,
        baseline=Window(date(2025, 3, 3), date(2025, 3, 30)),
        after=Window(date(2025, 4, 7)),
        grain=Grain.WEEK,
        as_of=date(2025, 5, 4),
        value_per_unit=2.0,
    )
    assert result.kind.value == "mean"
    assert result.before_periods[0] == date(2025, 3, 3)
    assert result.improvement.statistic == pytest.approx(20 / math.sqrt(200 / 3 / 4 * 2))
    welch = stats.ttest_ind([120, 130, 110, 120], [100, 110, 90, 100], equal_var=False)
    assert result.improvement.p_value == pytest.approx(welch.pvalue)
    assert result.annual_volume == pytest.approx(365 / 7)
    assert result.improvement.annual_saving == pytest.approx(20 * 2 * 365 / 7)
    assert result.volume_basis.startswith("52.1429 periods per year")
    # The current week, cut at as-of 2025-05-01 (Thursday), still counts (4 of 7 days);
    # a window ending mid-week leaves that week out.
    cut = measure_change(
        rows,
        spec,
        baseline=Window(date(2025, 3, 3), date(2025, 3, 26)),
        after=Window(date(2025, 4, 7)),
        grain=Grain.WEEK,
        as_of=date(2025, 5, 1),
        test=VerifyTest.SKEWED,
    )
    assert len(cut.before_periods) == 3
    assert len(cut.after_periods) == 4
    assert cut.annual_volume == pytest.approx(365 / np.mean([7, 7, 7, 4]))
    with pytest.raises(
        DataError, match=r"the after window 2025-06-02 to 2025-05-01 \(as of\) holds no whole week"
    ):
        measure_change(
            rows, spec, baseline=Window(date(2025, 3, 3), date(2025, 3, 30)),
            after=Window(date(2025, 6, 2)), grain=Grain.WEEK, as_of=date(2025, 5, 1),
        )  # fmt: skip


@pytest.mark.postgres
def test_register_on_postgres(pg_url: str) -> None:
    with Warehouse.open(pg_url) as con:
        load_arrow(con, reference() | company(), label="t")
        project = add_project(
            con,
            title="Poka-yoke",
            kpi="first_pass_yield",
            filters={"site": ["P1"]},
            baseline_from=date(2025, 3, 3),
            baseline_to=date(2025, 3, 30),
            after_from=date(2025, 4, 7),
            value_per_unit=12.0,
        )
        verification, _ = verify_project(con, project.id)
        (stored,) = latest_verifications(con)
        (listed,) = list_projects(con)
    assert stored.annual_saving == pytest.approx(2190.0) == verification.annual_saving
    assert (stored.before_events, stored.after_events) == (380, 394)
    assert listed.status is KaizenStatus.VERIFIED
    assert listed.after_to is None
