"""Rolling-origin backtest: origins, no leakage, routing and the model choice."""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from obeya.demand import (
    Cost,
    DemandClass,
    Grain,
    Route,
    backtest,
    classify,
    jobs_for,
    load_candidates,
    plan_groups,
)
from obeya.errors import ConfigError
from tests.demand.helpers import cheap_candidates, make_series


def _run(series, horizon: int, windows: int, step: int | None = None):  # type: ignore[no-untyped-def]
    classes = classify(series.data)
    return backtest(
        series.data,
        classes,
        cheap_candidates(),
        grain=series.grain,
        horizon=horizon,
        windows=windows,
        step=step,
    )


def test_cutoffs_and_windows() -> None:
    # 70 weeks from Monday 2024-01-01: the last is 2024-01-01 + 69 weeks (483 days;
    # 2024 has 366) = 2025-01-01 + 117 days = 2025-04-28. Horizon 4, 3 windows 4 apart:
    # the test span is 4 + 2*4 = 12 weeks, so the first origin (the last training
    # week) is 2025-04-28 - 84 days = 2025-02-03, then 2025-03-03 and 2025-03-31.
    rng = np.random.default_rng(1)
    series = make_series({"A": list(rng.poisson(20, 70))}, Grain.WEEK, date(2024, 1, 1))
    result = _run(series, horizon=4, windows=3)
    assert series.end == date(2025, 4, 28)
    assert result.cutoffs == (date(2025, 2, 3), date(2025, 3, 3), date(2025, 3, 31))
    fc = result.forecasts.to_pylist()
    assert {r["cutoff"] for r in fc} == set(result.cutoffs)
    for r in fc:
        weeks_ahead = (r["ds"] - r["cutoff"]).days / 7
        assert 1 <= weeks_ahead <= 4
    # one row per window, step and model that ran
    models = {r["model"] for r in fc}
    assert len(fc) == 3 * 4 * len(models)


def test_overlapping_windows_with_a_step_of_one() -> None:
    series = make_series({"A": [float(i % 5) for i in range(30)]}, Grain.WEEK, date(2024, 1, 1))
    result = _run(series, horizon=3, windows=4, step=1)
    gaps = {(b - a).days for a, b in zip(result.cutoffs, result.cutoffs[1:], strict=False)}
    assert gaps == {7}


def test_no_forecast_sees_data_after_its_cutoff() -> None:
    rng = np.random.default_rng(7)
    base = list(rng.poisson(30, 80).astype(float))
    series = make_series({"A": base}, Grain.WEEK, date(2024, 1, 1))
    first = _run(series, horizon=4, windows=3)
    cut0 = first.cutoffs[0]
    # change everything after the first origin; its window's forecasts must not move
    poisoned = base[:-12] + [1e6] * 12
    second = _run(make_series({"A": poisoned}, Grain.WEEK, date(2024, 1, 1)), horizon=4, windows=3)

    def window(r):  # type: ignore[no-untyped-def]
        t = r.forecasts.filter(pc.equal(r.forecasts.column("cutoff"), pa.scalar(cut0, pa.date32())))
        t = t.take(pc.sort_indices(t, [("model", "ascending"), ("ds", "ascending")]))
        return t.column("forecast").to_pylist()

    assert window(first) == window(second)
    later = second.forecasts.filter(
        pc.greater(second.forecasts.column("cutoff"), pa.scalar(cut0, pa.date32()))
    )
    assert max(later.column("forecast").to_pylist()) > 1000  # the later windows did see it


def test_choice_picks_the_known_best_model() -> None:
    season = [5.0, 8, 13, 21, 34, 55, 34, 21, 13, 8, 5, 3]
    bursts = [0.0, 0, 5, 0, 0, 0, 0, 5, 0, 0, 0, 0]  # ADI 6, CV² 0: intermittent, yearly
    series = make_series(
        {"SEAS": season * 5, "FLAT": [7.0] * 60, "INT": bursts * 5, "NEW": [3.0, 4.0, 5.0]},
        Grain.MONTH,
        date(2020, 1, 1),
    )
    result = _run(series, horizon=3, windows=3)
    choice = {r["unique_id"]: r for r in result.choice.to_pylist()}
    # a pure yearly pattern: last year's same month is exact
    assert choice["SEAS@S1"]["model"] == "seasonal_naive"
    assert choice["SEAS@S1"]["score"] == pytest.approx(0.0, abs=1e-9)
    # a constant: every model is exact, the tie goes to the first listed for the class
    assert choice["FLAT@S1"]["demand_class"] == DemandClass.SMOOTH.value
    assert choice["FLAT@S1"]["model"] == "average"
    assert choice["FLAT@S1"]["score"] == pytest.approx(0.0, abs=1e-9)
    # intermittent: routed to the intermittent candidates, the exact one wins
    assert choice["INT@S1"]["demand_class"] == DemandClass.INTERMITTENT.value
    assert choice["INT@S1"]["model"] == "seasonal_naive"
    ran = set(
        result.forecasts.filter(pc.equal(result.forecasts.column("unique_id"), "INT@S1"))
        .column("model")
        .to_pylist()
    )
    assert ran == {"croston_sba", "adida", "seasonal_naive"}  # never the smooth-only models
    # three months cannot be backtested: short history gets the configured model
    assert choice["NEW@S1"]["route"] == Route.SHORT_HISTORY
    assert choice["NEW@S1"]["model"] == "average"


def test_cheap_models_run_in_one_process_and_groups_share_series() -> None:
    cands = load_candidates()
    pool = cands.candidates
    eligible = np.zeros((4, len(pool)), dtype=bool)
    names = [c.name for c in pool]
    for name in ("ets", "theta", "mstl"):
        eligible[:2, names.index(name)] = True
    eligible[:, names.index("seasonal_naive")] = True
    groups = plan_groups(eligible, pool)
    assert sorted(g.names for g in groups) == [("ets", "theta", "mstl"), ("seasonal_naive",)]
    assert jobs_for(Cost.CHEAP, 100_000, None) == 1
    assert jobs_for(Cost.EXPENSIVE, 10, 2) == 1  # too few series for a pool
    assert jobs_for(Cost.EXPENSIVE, 10_000, 1) == 1


def test_bad_horizon_is_refused() -> None:
    series = make_series({"A": [1.0] * 20}, Grain.WEEK, date(2024, 1, 1))
    with pytest.raises(ConfigError, match="horizon and windows must be at least 1"):
        _run(series, horizon=0, windows=3)
