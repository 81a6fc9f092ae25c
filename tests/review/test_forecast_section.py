"""The forecast accuracy section, present when a forecast run was made before the period.

A run as of 2025-10-31 forecasts November 2025: 50 units of A at DAL and 45 at ATL.
The order lines ordered in November (promised 2025-11-14, ordered 8 days before):
DAL 6 lines x 10 = 60 units, ATL 4 x 10 = 40. WAPE = (|50 - 60| + |45 - 40|) / 100 =
15.0%; bias = (95 - 100) / 100 = -5.0% (under-forecast).
"""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

from obeya.demand.store import ensure_forecast_tables
from obeya.review import BriefingSettings, SectionKind, assemble_briefing
from obeya.warehouse import Warehouse


def test_wape_and_bias_of_the_latest_run_before_the_period(
    company_path: Path, tmp_path: Path
) -> None:
    path = tmp_path / "w.duckdb"
    shutil.copy(company_path, path)
    with Warehouse.open(str(path)) as wh:
        ensure_forecast_tables(wh)
        con = wh.duckdb
        con.execute(
            "INSERT INTO forecast_runs VALUES (?, ?, ?, ?, ?, ?)",
            ["RUN1", datetime(2025, 10, 31, 18), "month", 3, "{}", date(2025, 10, 31)],
        )
        for site, units in (("DAL", 50.0), ("ATL", 45.0)):
            con.execute(
                "INSERT INTO forecasts (run_id, sku, site_id, period_start, model, forecast) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                ["RUN1", "A", site, date(2025, 11, 1), "naive", units],
            )
        only = BriefingSettings(sections=(SectionKind.SCORECARD, SectionKind.FORECAST))
        briefing = assemble_briefing(wh, "2025-11", settings=only)
    s = briefing.section(SectionKind.FORECAST)
    assert s.headline == (
        "Forecast run RUN1 (as of 2025-10-31) missed 2025-11 demand by a WAPE of 15.0% over 2 "
        "SKU x site series, 5.0% under the 100 units ordered."
    )
    assert {f.label: f.display for f in s.facts} == {
        "WAPE": "15.0%",
        "bias": "-5.0%",
        "units ordered": "100",
        "units forecast": "95",
    }
    assert briefing.section(SectionKind.MOVERS).note == "left out by the settings"
