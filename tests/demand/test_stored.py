"""The one reader of stored forecast runs, on runs stored by hand with known numbers.

The hand-made company (``store_hand_runs``), weekly, as of Sunday 2025-02-16:

* order lines per week (weeks start Monday 2025-01-06 = w0 .. 2025-02-10 = w5):
  A1@DAL 10, 12, 8, 11, 9, 10 and B2@DAL 4, 8, 4, 6, 5, 5; a line of 500 A1 ordered
  after the as-of date does not count;
* run ``r1`` (the latest): one backtest origin, 2025-01-27 (w3), forecasting w4, w5
  (actuals A1 9, 10 and B2 5, 5). A1's chosen model ``naive`` forecast 11, 11; B2's
  chosen ``average`` 4, 4; the benchmark ``seasonal_naive`` 12, 13 (A1) and 4, 6 (B2);
  an unchosen ``average`` for A1 10.25, 10.25. Forecasts for w6, w7: A1 10, 10 with
  the first adjusted to 12; B2 4, 4; Z9@LYO (no product row, no backtest) 1, 1 with
  the second adjusted to 2;
* run ``r0`` (older): A1 forecast 99; its backtest has only model ``ets`` (errors +3,
  -3), not the model the run uses.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from obeya.demand import (
    NO_FAMILY,
    Level,
    latest_run_id,
    new_run_id,
    run_info,
    store_run,
    stored_accuracy,
    stored_backtest_errors,
    stored_forecast,
)
from obeya.errors import DataError, WarehouseError
from obeya.ingest import load_arrow
from obeya.warehouse import Warehouse
from tests.demand.warehouse_fixtures import REFERENCE, order_lines

W0 = date(2025, 1, 6)
AS_OF = date(2025, 2, 16)


def week(k: int) -> date:
    return W0 + timedelta(weeks=k)


HISTORY = {"A1": [10, 12, 8, 11, 9, 10], "B2": [4, 8, 4, 6, 5, 5]}


ForecastRow = tuple[str, str, date, str, str, float, float | None]
BacktestRow = tuple[str, str, date, date, str, float, float]


def forecast_table(rows: list[ForecastRow]) -> pa.Table:
    """Stored forecast rows from (sku, site, period_start, model, class, forecast, adjusted).

    The intervals are the forecast -2/+2 (80 %) and -3/+3 (95 %).
    """
    f = [r[5] for r in rows]
    return pa.table(
        {
            "sku": pa.array([r[0] for r in rows], pa.string()),
            "site_id": pa.array([r[1] for r in rows], pa.string()),
            "period_start": pa.array([r[2] for r in rows], pa.date32()),
            "model": pa.array([r[3] for r in rows], pa.string()),
            "demand_class": pa.array([r[4] for r in rows], pa.string()),
            "forecast": pa.array(f, pa.float64()),
            "lo80": pa.array([v - 2 for v in f], pa.float64()),
            "hi80": pa.array([v + 2 for v in f], pa.float64()),
            "lo95": pa.array([v - 3 for v in f], pa.float64()),
            "hi95": pa.array([v + 3 for v in f], pa.float64()),
            "adjusted": pa.array([r[6] for r in rows], pa.float64()),
        }
    )


def backtest_table(rows: list[BacktestRow]) -> pa.Table:
    """Stored backtest rows from (sku, site, cutoff, period_start, model, actual, forecast)."""
    return pa.table(
        {
            "sku": pa.array([r[0] for r in rows], pa.string()),
            "site_id": pa.array([r[1] for r in rows], pa.string()),
            "cutoff": pa.array([r[2] for r in rows], pa.date32()),
            "period_start": pa.array([r[3] for r in rows], pa.date32()),
            "model": pa.array([r[4] for r in rows], pa.string()),
            "actual": pa.array([r[5] for r in rows], pa.float64()),
            "forecast": pa.array([r[6] for r in rows], pa.float64()),
        }
    )


def no_overrides() -> pa.Table:
    strings = pa.array([], pa.string())
    numbers = pa.array([], pa.float64())
    return pa.table(
        {
            "sku": strings,
            "site_id": strings,
            "period_start": pa.array([], pa.date32()),
            "kind": strings,
            "amount": numbers,
            "before": numbers,
            "after": numbers,
            "who": strings,
            "why": strings,
            "source": strings,
        }
    )


def store_hand_made(
    wh: Warehouse,
    run_id: str,
    *,
    created_at: datetime,
    grain: str,
    as_of: date,
    forecasts: list[ForecastRow],
    backtests: Sequence[BacktestRow] = (),
    params: dict[str, object] | None = None,
) -> None:
    """Store a run made by hand through the demand module's own writer."""
    store_run(
        wh,
        run_id=run_id,
        created_at=created_at,
        grain=grain,
        horizon=len({r[2] for r in forecasts}),
        params=params or {},
        as_of=as_of,
        forecasts=forecast_table(forecasts),
        backtests=backtest_table(list(backtests)),
        overrides=no_overrides(),
    )


def _f(
    sku: str, site: str, k: int, model: str, cls: str, f: float, adj: float | None
) -> ForecastRow:
    return (sku, site, week(k), model, cls, f, adj)


def _b(sku: str, site: str, k: int, model: str, actual: float, f: float) -> BacktestRow:
    return (sku, site, week(3), week(k), model, actual, f)


PARAMS = {
    "windows": 1,
    "step": 2,
    "cutoffs": [week(3).isoformat()],
    "benchmark": "seasonal_naive",
    "cancelled": "include",
    "reconciliation": "bottom_up",
    "n_series": 3,
}


def store_hand_runs(wh: Warehouse) -> None:
    """The company and runs of the module docstring."""
    lines: list[tuple[str, str, date, date | None, float, str]] = [
        (sku, "DAL", week(k) + timedelta(days=1), None, float(q), "open")
        for sku, qs in HISTORY.items()
        for k, q in enumerate(qs)
    ]
    lines.append(("A1", "DAL", date(2025, 2, 18), None, 500.0, "open"))  # after as_of
    load_arrow(wh, {**REFERENCE, "order_lines": order_lines(lines)}, label="hand")
    store_hand_made(
        wh,
        "r0",
        created_at=datetime(2025, 2, 10, 8, 0),
        grain="week",
        as_of=date(2025, 2, 9),
        params={**PARAMS, "cutoffs": [week(2).isoformat()]},
        forecasts=[_f("A1", "DAL", 6, "naive", "smooth", 99.0, None)],
        backtests=[_b("A1", "DAL", 4, "ets", 9.0, 12.0), _b("A1", "DAL", 5, "ets", 10.0, 7.0)],
    )
    store_hand_made(
        wh,
        "r1",
        created_at=datetime(2025, 2, 17, 8, 0),
        grain="week",
        as_of=AS_OF,
        params=PARAMS,
        forecasts=[
            _f("A1", "DAL", 6, "naive", "smooth", 10.0, 12.0),
            _f("A1", "DAL", 7, "naive", "smooth", 10.0, None),
            _f("B2", "DAL", 6, "average", "erratic", 4.0, 4.0),
            _f("B2", "DAL", 7, "average", "erratic", 4.0, 4.0),
            _f("Z9", "LYO", 6, "average", "intermittent", 1.0, 1.0),
            _f("Z9", "LYO", 7, "average", "intermittent", 1.0, 2.0),
        ],
        backtests=[
            _b("A1", "DAL", 4, "naive", 9.0, 11.0),
            _b("A1", "DAL", 5, "naive", 10.0, 11.0),
            _b("A1", "DAL", 4, "seasonal_naive", 9.0, 12.0),
            _b("A1", "DAL", 5, "seasonal_naive", 10.0, 13.0),
            _b("A1", "DAL", 4, "average", 9.0, 10.25),
            _b("A1", "DAL", 5, "average", 10.0, 10.25),
            _b("B2", "DAL", 4, "average", 5.0, 4.0),
            _b("B2", "DAL", 5, "average", 5.0, 4.0),
            _b("B2", "DAL", 4, "seasonal_naive", 5.0, 4.0),
            _b("B2", "DAL", 5, "seasonal_naive", 5.0, 6.0),
        ],
    )


@pytest.fixture(scope="module")
def hand(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = str(tmp_path_factory.mktemp("stored") / "hand.duckdb")
    with Warehouse.open(path) as wh:
        store_hand_runs(wh)
    return path


def _rows(expr: object) -> list[dict[str, object]]:
    return expr.to_pyarrow().to_pylist()  # type: ignore[attr-defined, no-any-return]


def test_latest_run_and_its_header(hand: str) -> None:
    with Warehouse.open(hand, read_only=True) as wh:
        assert latest_run_id(wh) == "r1"  # created after r0
        info = run_info(wh)
        older = run_info(wh.ibis, "r0")  # a bare Ibis backend works too
    assert (info.run_id, info.grain, info.horizon, info.as_of) == ("r1", "week", 2, AS_OF)
    assert info.created_at == datetime(2025, 2, 17, 8, 0)
    assert info.params["cutoffs"] == ["2025-01-27"]
    assert older.as_of == date(2025, 2, 9)


def test_ties_on_created_at_go_to_the_greatest_run_id(tmp_path: Path) -> None:
    with Warehouse.open(str(tmp_path / "w.duckdb")) as wh:
        load_arrow(wh, dict(REFERENCE), label="ref")
        for rid in ("b", "a"):
            store_hand_made(
                wh,
                rid,
                created_at=datetime(2025, 1, 1),
                grain="week",
                as_of=date(2025, 1, 1),
                forecasts=[_f("A1", "DAL", 0, "naive", "smooth", 1.0, None)],
            )
        assert latest_run_id(wh) == "b"


def test_sku_site_rows_use_the_adjusted_figure_where_present(hand: str) -> None:
    with Warehouse.open(hand, read_only=True) as wh:
        rows = _rows(stored_forecast(wh))
        plain = _rows(stored_forecast(wh, "r1", use_adjusted=False))
        with_family = _rows(stored_forecast(wh, with_family=True))
    assert [(r["sku"], r["site_id"], r["period_start"]) for r in rows] == [
        ("A1", "DAL", week(6)),
        ("A1", "DAL", week(7)),
        ("B2", "DAL", week(6)),
        ("B2", "DAL", week(7)),
        ("Z9", "LYO", week(6)),
        ("Z9", "LYO", week(7)),
    ]
    # adjusted 12 replaces A1's 10; a null adjusted keeps the forecast; Z9's second is 2
    assert [r["forecast"] for r in rows] == [12.0, 10.0, 4.0, 4.0, 1.0, 2.0]
    assert [r["statistical"] for r in rows] == [10.0, 10.0, 4.0, 4.0, 1.0, 1.0]
    assert [r["forecast"] for r in plain] == [10.0, 10.0, 4.0, 4.0, 1.0, 1.0]
    # the intervals are the statistical forecast's: 10 -> 8..12 and 7..13
    assert (rows[0]["lo80"], rows[0]["hi80"], rows[0]["lo95"], rows[0]["hi95"]) == (8, 12, 7, 13)
    assert rows[0]["model"] == "naive"
    assert rows[2]["demand_class"] == "erratic"
    assert "family" not in rows[0]
    assert [r["family"] for r in with_family] == ["widgets"] * 2 + ["gadgets"] * 2 + [NO_FAMILY] * 2


def test_levels_are_sums_of_the_sku_site_figures(hand: str) -> None:
    with Warehouse.open(hand, read_only=True) as wh:
        family = _rows(stored_forecast(wh, level="family"))
        site = _rows(stored_forecast(wh, level=Level.SITE))
        family_site = _rows(stored_forecast(wh, level="family_site"))
        total = _rows(stored_forecast(wh, level="total"))
        total_plain = _rows(stored_forecast(wh, level="total", use_adjusted=False))

    def table(rows: list[dict[str, object]], key: str) -> dict[tuple[object, date], float]:
        return {(r[key], r["period_start"]): r["forecast"] for r in rows}  # type: ignore[misc]

    # family: widgets = A1 (12, 10); gadgets = B2 (4, 4); no family = Z9 (1, 2)
    assert table(family, "family") == {
        ("(no family)", week(6)): 1.0,
        ("(no family)", week(7)): 2.0,
        ("gadgets", week(6)): 4.0,
        ("gadgets", week(7)): 4.0,
        ("widgets", week(6)): 12.0,
        ("widgets", week(7)): 10.0,
    }
    # site: DAL = A1 + B2 = 16, 14; LYO = Z9 = 1, 2
    assert table(site, "site_id") == {
        ("DAL", week(6)): 16.0,
        ("DAL", week(7)): 14.0,
        ("LYO", week(6)): 1.0,
        ("LYO", week(7)): 2.0,
    }
    assert {(r["family"], r["site_id"]) for r in family_site} == {
        ("widgets", "DAL"),
        ("gadgets", "DAL"),
        ("(no family)", "LYO"),
    }
    # total: 12 + 4 + 1 = 17 and 10 + 4 + 2 = 16; statistical 15 and 15
    assert [(r["period_start"], r["forecast"], r["n_series"]) for r in total] == [
        (week(6), 17.0, 3),
        (week(7), 16.0, 3),
    ]
    assert [r["statistical"] for r in total] == [15.0, 15.0]
    assert [r["forecast"] for r in total_plain] == [15.0, 15.0]
    assert set(total[0]) == {"period_start", "forecast", "statistical", "n_series"}


def test_backtest_errors_of_the_chosen_model(hand: str) -> None:
    with Warehouse.open(hand, read_only=True) as wh:
        latest = _rows(stored_backtest_errors(wh))
        older = _rows(stored_backtest_errors(wh, "r0"))
    a1, b2 = latest  # Z9 has no backtest (short history): absent
    # A1, naive (the chosen model; seasonal_naive and average are not): errors
    # 11 - 9 = +2 and 11 - 10 = +1: MAE 1.5, RMSE sqrt((4 + 1) / 2), mean error 1.5
    assert (a1["sku"], a1["model"], a1["n"], a1["pooled"]) == ("A1", "naive", 2, False)
    assert a1["mae"] == pytest.approx(1.5)
    assert a1["rmse"] == pytest.approx(math.sqrt(2.5))
    assert a1["mean_error"] == pytest.approx(1.5)
    # B2, average: 4 - 5 = -1 twice
    assert (b2["sku"], b2["model"], b2["mae"], b2["rmse"], b2["mean_error"]) == (
        "B2",
        "average",
        1.0,
        1.0,
        -1.0,
    )
    # r0 uses naive but stored only ets backtests: pooled errors +3, -3
    (row,) = older
    assert (row["model"], row["pooled"], row["mae"], row["rmse"], row["mean_error"]) == (
        "naive",
        True,
        3.0,
        3.0,
        0.0,
    )


def test_accuracy_of_a_stored_run_by_hand(hand: str) -> None:
    with Warehouse.open(hand, read_only=True) as wh:
        report = stored_accuracy(wh, worst=5)
    overall = report.overall.to_pylist()[0]
    # actuals 9 + 10 + 5 + 5 = 29; |errors| A1 2 + 1, B2 1 + 1 = 5; errors sum +1
    assert overall["n_series"] == 2
    assert overall["actual"] == 29.0
    assert overall["wape"] == pytest.approx(5 / 29)
    assert overall["bias"] == pytest.approx(1 / 29)
    # MASE scales, naive lag 1 (4 training weeks < 53) up to the origin w3:
    # A1 (|12-10| + |8-12| + |11-8|) / 3 = 3; B2 (4 + 4 + 2) / 3 = 10/3.
    # q: A1 2/3, 1/3; B2 1/(10/3) = 0.3 twice -> mean (1 + 0.6) / 4 = 0.4
    assert overall["mase"] == pytest.approx(0.4)
    # seasonal naive: |12-9| + |13-10| + |4-5| + |6-5| = 8 -> WAPE 8/29; FVA 3/29
    assert overall["bench_wape"] == pytest.approx(8 / 29)
    assert overall["fva"] == pytest.approx(3 / 29)
    family = {r["family"]: r for r in report.by_family.to_pylist()}
    assert family["widgets"]["wape"] == pytest.approx(3 / 19)
    assert family["gadgets"]["wape"] == pytest.approx(2 / 10)
    assert family["gadgets"]["bias"] == pytest.approx(-2 / 10)
    classes = {r["demand_class"]: r["mase"] for r in report.by_class.to_pylist()}
    assert classes == pytest.approx({"smooth": 0.5, "erratic": 0.3})
    assert report.by_site.column("site_id").to_pylist() == ["DAL"]  # Z9@LYO has no backtest
    worst = report.worst.to_pylist()
    assert [(r["sku"], r["abs_error"]) for r in worst] == [("A1", 3.0), ("B2", 2.0)]
    assert [r["error_share"] for r in worst] == pytest.approx([0.6, 0.4])


def test_no_run_yet_is_one_clear_error(tmp_path: Path) -> None:
    with Warehouse.open(str(tmp_path / "empty.duckdb")) as wh:
        assert latest_run_id(wh) is None
        for read in (run_info, stored_forecast, stored_backtest_errors, stored_accuracy):
            with pytest.raises(
                WarehouseError, match=r"no forecast run yet: run `obeya forecast run`"
            ):
                read(wh)
        assert "forecast_runs" not in wh.existing_tables()  # reading created nothing


def test_unknown_run_and_level_are_refused(hand: str) -> None:
    with Warehouse.open(hand, read_only=True) as wh:
        with pytest.raises(
            WarehouseError,
            match=r"no forecast run 'nope' in the warehouse; the latest runs are r1, r0",
        ):
            stored_forecast(wh, "nope")
        with pytest.raises(DataError, match=r"level must be one of total, family, .*got 'sku'"):
            stored_forecast(wh, level="sku")
        with pytest.raises(DataError, match="worst must be a number of series >= 0"):
            stored_accuracy(wh, worst=-1)


def test_params_that_are_not_json_are_refused(tmp_path: Path) -> None:
    with Warehouse.open(str(tmp_path / "w.duckdb")) as wh:
        store_hand_made(
            wh,
            "x",
            created_at=datetime(2025, 1, 1),
            grain="week",
            as_of=date(2025, 1, 1),
            forecasts=[],
        )
        wh.duckdb.execute("UPDATE forecast_runs SET params = '{broken'")
        with pytest.raises(DataError, match=r"forecast run 'x': forecast_runs.params is not JSON"):
            run_info(wh)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    wh = Warehouse.open(str(tmp_path_factory.mktemp("prop") / "p.duckdb"))
    load_arrow(wh, dict(REFERENCE), label="ref")
    return wh


SERIES = [("A1", "DAL"), ("A1", "LYO"), ("B2", "DAL"), ("C3", "LYO"), ("Q7", "DAL")]
GENERATED = st.lists(
    st.tuples(
        st.floats(0, 1e4, allow_nan=False),
        st.one_of(st.none(), st.floats(0, 1e4, allow_nan=False)),
    ),
    min_size=len(SERIES) * 3,
    max_size=len(SERIES) * 3,
)  # (forecast, adjusted or None) for each of SERIES x weeks 0..2


def store_generated(
    wh: Warehouse, data: list[tuple[float, float | None]]
) -> tuple[str, np.ndarray]:
    """A fresh weekly run of SERIES x 3 weeks from ``data``, and its figures in force.

    The figures are a (series, week) array: the adjusted value where given, else the
    forecast. A fresh run id each time (Hypothesis replays examples).
    """
    rows = [
        _f(sku, site, k, "naive", "smooth", data[3 * i + k][0], data[3 * i + k][1])
        for i, (sku, site) in enumerate(SERIES)
        for k in range(3)
    ]
    rid = new_run_id()
    store_hand_made(
        wh,
        rid,
        created_at=datetime(2025, 1, 1),
        grain="week",
        as_of=date(2025, 1, 1),
        forecasts=rows,
    )
    value = np.array([a if a is not None else f for f, a in data]).reshape(len(SERIES), 3)
    return rid, value


@settings(max_examples=25, deadline=None)
@given(
    data=GENERATED,
)
def test_every_level_adds_up_to_the_total(
    scratch: Warehouse, data: list[tuple[float, float | None]]
) -> None:
    rid, value = store_generated(scratch, data)
    want = value.sum(axis=0)  # per week, coalesce(adjusted, forecast) summed
    for level in ("family", "site", "family_site", "total"):
        got = np.zeros(3)
        counted = np.zeros(3)
        for r in _rows(stored_forecast(scratch, rid, level=level)):
            k = (r["period_start"] - W0).days // 7  # type: ignore[operator]
            got[k] += r["forecast"]  # type: ignore[operator]
            counted[k] += r["n_series"]  # type: ignore[operator]
        assert got == pytest.approx(want, rel=1e-9, abs=1e-6), level
        assert counted.tolist() == [len(SERIES)] * 3


@pytest.mark.postgres
def test_the_reader_gives_the_same_on_postgres(hand: str, pg_url: str) -> None:
    pg = Warehouse.open(pg_url)
    try:
        store_hand_runs(pg)
        with Warehouse.open(hand, read_only=True) as duck:
            for level in ("sku_site", "family", "total"):
                on_pg = _rows(stored_forecast(pg, level=level))
                on_duck = _rows(stored_forecast(duck, level=level))
                assert json.dumps(on_pg, default=str) == json.dumps(on_duck, default=str)
            errors_pg = _rows(stored_backtest_errors(pg))
            errors_duck = _rows(stored_backtest_errors(duck))
            assert [r["sku"] for r in errors_pg] == [r["sku"] for r in errors_duck]
            assert [r["rmse"] for r in errors_pg] == pytest.approx([r["rmse"] for r in errors_duck])
            acc_pg = stored_accuracy(pg).overall.to_pylist()[0]
            acc_duck = stored_accuracy(duck).overall.to_pylist()[0]
            for name in ("wape", "mase", "bias", "fva"):
                assert acc_pg[name] == pytest.approx(acc_duck[name]), name
    finally:
        pg.close()
