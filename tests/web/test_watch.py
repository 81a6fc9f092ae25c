"""The data watcher: a load made outside the app is warmed before anyone asks.

`obeya serve` runs a DataWatcher; here its check() is called directly (the loop
only calls it on a timer), after the warehouse is changed by another connection, as
`obeya load` would change it.
"""

from __future__ import annotations

from pathlib import Path

from obeya.metrics import Grain
from obeya.warehouse import Warehouse
from obeya.web.context import DataWatcher
from obeya.web.routes.scorecard import ScorecardView
from tests.web.conftest import make_site

KEY = ("scorecard", None, Grain.MONTH, None)


def _warmed(state: object) -> ScorecardView | None:
    found, view = state.cache.peek((*KEY, state.gate.data_version()))  # type: ignore[attr-defined]
    return view if found else None


def _otd(view: ScorecardView) -> float | None:
    return next(r.value for r in view.rows if r.kpi == "otd")


def test_a_change_from_outside_is_warmed_without_a_request(
    tmp_path: Path, company_file: Path
) -> None:
    site = make_site(tmp_path / "site", company_file, prewarm=True)
    state = site.app.state.obeya
    watcher = DataWatcher(state, every=3600)  # the timer never fires in this test
    watcher.start()
    try:
        # the app warmed its scorecard when it started; nothing moved since
        started = state.warm()
        assert started is not None
        started.join(60)
        before = _warmed(state)
        assert before is not None
        assert watcher.check() is None

        # another process makes every delivered line late, without moving any event date
        with Warehouse.open(str(site.warehouse)) as wh:
            wh.duckdb.execute(
                "UPDATE order_lines SET promised_date = delivery_date - 1 "
                "WHERE delivery_date IS NOT NULL"
            )
            wh.duckdb.execute("CHECKPOINT")
        assert _warmed(state) is None  # the cached view belongs to the old data

        thread = watcher.check()
        assert thread is not None
        thread.join(60)
        after = _warmed(state)
        assert after is not None
        # every line due in the month is now late: OTD falls to 0 where it was positive
        otd_before = _otd(before)
        assert otd_before is not None
        assert otd_before > 0
        assert _otd(after) == 0.0
        assert watcher.check() is None  # seen once, not warmed again
    finally:
        watcher.stop()
