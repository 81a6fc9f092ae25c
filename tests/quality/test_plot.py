"""Charts render offline to SVG/PNG and show the limits and signals."""

from __future__ import annotations

import pandas as pd

from obeya.quality import (
    analyse_flow,
    cusum_chart,
    dfg_chart_spec,
    p_chart,
    spc_chart_spec,
    to_png,
    to_svg,
    xbar_r_chart,
)
from tests.quality.published import CUSUM_9_1, ORANGE_JUICE, piston_rings_long


def _data_rows(spec: dict[str, object]) -> list[dict[str, object]]:
    datasets = spec["datasets"]
    assert isinstance(datasets, dict)
    return [row for rows in datasets.values() for row in rows]


def test_xbar_r_svg_shows_both_panels_and_their_limits() -> None:
    svg = to_svg(spc_chart_spec(xbar_r_chart(piston_rings_long())))
    assert svg.startswith("<svg")
    # UCL = 74.001176 + 0.576819*0.02324 = 74.01458; R chart UCL = 2.114497*0.02324 = 0.04914.
    assert "UCL 74.01458" in svg
    assert "LCL 73.98777" in svg
    assert "UCL 0.04914" in svg
    assert "subgroup average (xbar)" in svg


def test_p_chart_marks_the_signals() -> None:
    chart = p_chart({"subgroup": list(range(1, 31)), "defectives": ORANGE_JUICE, "size": [50] * 30})
    spec = spc_chart_spec(chart)
    rows = [r for r in _data_rows(spec.to_dict()) if "flag" in r]
    signalled = sorted({r["position"] for r in rows if r["flag"] == "signal"})
    # Rule 1 at 15 and 23; the WE zone rules also fire at 22 and 24 (see the signals).
    assert signalled == sorted({chart.labels.index(s.subgroup) + 1 for s in chart.signals})
    assert {15, 23} <= set(signalled)
    svg = to_svg(spec)
    assert "UCL 0.4102" in svg  # Montgomery: UCL = 0.4102
    assert "#c0392b" in svg  # the signal colour


def test_cusum_png_and_decision_interval() -> None:
    chart = cusum_chart(
        {"subgroup": list(range(1, 31)), "value": CUSUM_9_1}, target=10.0, sigma=1.0
    )
    spec = spc_chart_spec(chart)
    assert "H 5.00" in to_svg(spec)
    assert to_png(spec, scale=1.0).startswith(b"\x89PNG")


def test_dfg_picture_names_activities_and_counts() -> None:
    log = pd.DataFrame(
        {
            "case_id": ["a", "a", "a", "b", "b", "b", "b"],
            "activity": ["order", "pick", "ship", "order", "pick", "pick", "ship"],
            "timestamp": pd.to_datetime(
                [
                    "2026-01-01 08:00", "2026-01-01 09:00", "2026-01-01 12:00",
                    "2026-01-01 08:00", "2026-01-01 08:30", "2026-01-01 10:30",
                    "2026-01-01 11:00",
                ]
            ),
        }
    )  # fmt: skip
    svg = to_svg(dfg_chart_spec(analyse_flow(log).dfg))
    for name in ("order", "pick", "ship"):
        assert f">{name}<" in svg
    # order -> pick twice (1 h and 0.5 h: mean 0.75 h); pick repeats once in b (a self-loop).
    assert "2 · 0.8 h" in svg
    assert "↻ 1" in svg
