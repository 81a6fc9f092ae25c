"""Small constructed series and a cheap candidate set for the demand tests."""

from __future__ import annotations

from datetime import date, timedelta

import pyarrow as pa

from obeya.demand import CandidateSet, Grain, series_from_table
from obeya.demand.series import DemandSeries

CHEAP = {
    "selection_metric": "mae",
    "benchmark": "seasonal_naive",
    "short_history": "average",
    "min_train_periods": 4,
    "candidates": {
        "seasonal_naive": {"model": "SeasonalNaive"},
        "naive": {"model": "Naive"},
        "average": {"model": "HistoricAverage"},
        "croston_sba": {"model": "CrostonSBA"},
        "adida": {"model": "ADIDA"},
    },
    "classes": {
        "smooth": ["average", "naive", "seasonal_naive"],
        "erratic": ["average", "naive", "seasonal_naive"],
        "intermittent": ["croston_sba", "adida", "seasonal_naive"],
        "lumpy": ["croston_sba", "adida", "seasonal_naive"],
    },
}


def cheap_candidates() -> CandidateSet:
    return CandidateSet.from_mapping(CHEAP, source="cheap")


def starts(grain: Grain, first: date, n: int) -> list[date]:
    if grain is Grain.WEEK:
        return [first + timedelta(weeks=i) for i in range(n)]
    return [
        date(first.year + (first.month - 1 + i) // 12, (first.month - 1 + i) % 12 + 1, 1)
        for i in range(n)
    ]


def make_series(
    values: dict[str, list[float]], grain: Grain, first: date, family: dict[str, str] | None = None
) -> DemandSeries:
    """Series ``sku@S1`` ending together; shorter ones start later."""
    n = max(len(v) for v in values.values())
    cal = starts(grain, first, n)
    ids, ds, ys = [], [], []
    for sku, v in values.items():
        ids += [f"{sku}@S1"] * len(v)
        ds += cal[n - len(v) :]
        ys += [float(x) for x in v]
    data = pa.table({"unique_id": ids, "ds": pa.array(ds, pa.date32()), "y": ys})
    skus = list(values)
    keys = pa.table(
        {
            "unique_id": [f"{s}@S1" for s in skus],
            "sku": skus,
            "site_id": ["S1"] * len(skus),
            "family": [(family or {}).get(s, "F") for s in skus],
        }
    )
    return series_from_table(data, keys, grain=grain)
