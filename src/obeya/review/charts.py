"""Charts of the briefing as Altair (Vega-Lite) specs, rendered offline to SVG and PNG.

* :func:`sparkline`: a KPI's last periods, a line without axes, the latest point
  marked in the colour of its status;
* :func:`trend`: a KPI per period over its target band (the zone between the red
  level and the target shaded, the target ruled);
* :func:`waterfall`: from a start total through signed steps to an end total (the
  P&L against budget);
* :func:`bars`: a ranked horizontal bar chart (revenue at risk, utilisation);
* SPC charts come from :func:`obeya.quality.spc_chart_spec` as they are.

Rendering goes through ``vl_convert`` with no network (:func:`svg` for HTML and
PDF, :func:`png` for slides); results are cached by spec, because the same chart is
drawn for several formats.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from typing import Any, assert_never

import altair as alt
import vl_convert as vlc

from obeya.metrics import Unit
from obeya.review.model import ChartKind, ChartSpec, Tone

__all__ = ["bars", "clear_cache", "png", "sparkline", "spc", "svg", "trend", "waterfall"]

COLOURS = {
    Tone.GOOD: "#1e8449",
    Tone.WARN: "#d68910",
    Tone.BAD: "#c0392b",
    Tone.NEUTRAL: "#1f4e79",
}
_FONT = "DejaVu Sans"


def axis_format(unit: Unit) -> str:
    """The d3 format of a unit's axis labels."""
    match unit:
        case Unit.RATIO:
            return ".0%"
        case Unit.CURRENCY | Unit.UNITS | Unit.KG | Unit.PPM:
            return ",.0f"
        case (
            Unit.DAYS
            | Unit.UNITS_PER_DAY
            | Unit.UNITS_PER_HOUR
            | Unit.CURRENCY_PER_UNIT
            | Unit.TIMES_PER_YEAR
            | Unit.PER_200K_HOURS
            | Unit.SCORE
            | Unit.KG_PER_UNIT
            | Unit.KWH_PER_UNIT
        ):
            return ",.2~f"
        case _:
            assert_never(unit)


def _data(rows: Sequence[dict[str, Any]]) -> Any:
    """Inline data of a chart (the spec carries the numbers, no file or URL)."""
    return alt.Data(values=list(rows))  # type: ignore[no-untyped-call]


def _config(chart: Any) -> dict[str, Any]:
    # the specs are built by this module from known fields: skip the schema check, which
    # costs tens of milliseconds a chart and a scorecard draws dozens of sparklines
    spec: dict[str, Any] = (
        chart.configure(font=_FONT).configure_view(stroke=None).to_dict(validate=False)
    )
    return spec


def sparkline(points: Sequence[tuple[date, float | None]], tone: Tone, title: str) -> ChartSpec:
    """The last periods of a KPI as a small line; the latest value dotted."""
    rows = [{"period": d.isoformat(), "value": v} for d, v in points if v is not None]
    data = _data(rows)
    x = alt.X("period:T", axis=None)
    y = alt.Y("value:Q", axis=None, scale=alt.Scale(zero=False))
    line = alt.Chart(data).mark_line(color="#7f8c8d", strokeWidth=1.5).encode(x=x, y=y)
    last = (
        alt.Chart(_data(rows[-1:]))
        .mark_point(filled=True, size=30, color=COLOURS[tone])
        .encode(x=x, y=y)
    )
    chart = alt.layer(line, last).properties(width=90, height=20, padding=2)
    return ChartSpec.of(
        ChartKind.SPARKLINE,
        title,
        _config(chart),
        f"{title}: {len(rows)} periods, the latest dotted",
    )


def trend(
    points: Sequence[tuple[date, float | None]],
    unit: Unit,
    title: str,
    target: float | None,
    red: float | None,
    period_format: str = "%Y-%m",
) -> ChartSpec:
    """A KPI per period with its target band (red level to target) and target line."""
    rows = [{"period": d.isoformat(), "value": v} for d, v in points if v is not None]
    fmt = axis_format(unit)
    x = alt.X("period:T", title=None, axis=alt.Axis(format=period_format, labelAngle=0))
    line = (
        alt.Chart(_data(rows))
        .mark_line(point=True, color=COLOURS[Tone.NEUTRAL])
        .encode(
            x=x,
            y=alt.Y("value:Q", title=None, axis=alt.Axis(format=fmt), scale=alt.Scale(zero=False)),
        )
    )
    layers: list[Any] = []
    description = f"{title} per period"
    if target is not None and red is not None:
        low, high = sorted((target, red))
        layers.append(
            alt.Chart(_data([{"low": low, "high": high}]))
            .mark_rect(color="#f0ad4e", opacity=0.18)
            .encode(y="low:Q", y2="high:Q")
        )
        description += "; the shaded band runs from the red level to the target"
    if target is not None:
        layers.append(
            alt.Chart(_data([{"target": target}]))
            .mark_rule(color=COLOURS[Tone.GOOD], strokeDash=[6, 4])
            .encode(y="target:Q")
        )
        description += "; the dashed line is the target"
    chart = alt.layer(*layers, line).properties(width=480, height=150, title=title)
    return ChartSpec.of(ChartKind.TREND, title, _config(chart), description)


def waterfall(
    start_label: str,
    start: float,
    steps: Sequence[tuple[str, float]],
    end_label: str,
    end: float,
    title: str,
) -> ChartSpec:
    """Bars from ``start`` through each signed step to ``end`` (steps add up to the gap)."""
    rows: list[dict[str, Any]] = [
        {
            "order": 0,
            "label": start_label,
            "low": 0.0,
            "high": start,
            "value": start,
            "kind": "total",
        }
    ]
    level = start
    for i, (label, value) in enumerate(steps, start=1):
        rows.append(
            {
                "order": i,
                "label": label,
                "low": min(level, level + value),
                "high": max(level, level + value),
                "value": value,
                "kind": "up" if value >= 0 else "down",
            }
        )
        level += value
    rows.append(
        {
            "order": len(rows),
            "label": end_label,
            "low": 0.0,
            "high": end,
            "value": end,
            "kind": "total",
        }
    )
    colour = alt.Color(
        "kind:N",
        scale=alt.Scale(
            domain=["total", "up", "down"],
            range=[COLOURS[Tone.NEUTRAL], COLOURS[Tone.GOOD], COLOURS[Tone.BAD]],
        ),
        legend=None,
    )
    # the totals dwarf the steps, so the axis starts just below the lowest level
    levels = [r["low"] for r in rows[1:-1]] + [r["high"] for r in rows]
    top, bottom = max(levels), min(*levels, start, end)
    floor = bottom - 0.25 * max(top - bottom, abs(top) * 0.01)
    for r in (rows[0], rows[-1]):
        r["low"] = floor
    base = alt.Chart(_data(rows)).encode(
        x=alt.X(
            "label:N",
            sort=alt.EncodingSortField(field="order"),
            title=None,
            axis=alt.Axis(labelAngle=-30),
        )
    )
    bar_chart = base.mark_bar(size=28).encode(
        y=alt.Y(
            "low:Q",
            title=None,
            axis=alt.Axis(format="~s"),
            scale=alt.Scale(zero=False, domain=[floor, top + 0.05 * (top - floor)]),
        ),
        y2="high:Q",
        color=colour,
    )
    labels = base.mark_text(dy=-6, fontSize=10).encode(
        y="high:Q", text=alt.Text("value:Q", format=".3~s")
    )
    chart = alt.layer(bar_chart, labels).properties(width=560, height=240, title=title)
    return ChartSpec.of(
        ChartKind.WATERFALL,
        title,
        _config(chart),
        f"{title}: from {start_label} to {end_label}, green steps raise it and red steps lower it; "
        "the axis starts near the lowest level, not at zero",
    )


def bars(
    rows: Sequence[tuple[str, float]], title: str, value_format: str, tone: Tone = Tone.NEUTRAL
) -> ChartSpec:
    """A horizontal bar per category, largest first."""
    data = [{"category": c, "value": v, "order": i} for i, (c, v) in enumerate(rows)]
    base = alt.Chart(_data(data)).encode(
        y=alt.Y("category:N", sort=alt.EncodingSortField(field="order"), title=None),
    )
    bar_chart = base.mark_bar(color=COLOURS[tone]).encode(
        x=alt.X("value:Q", title=None, axis=alt.Axis(format=value_format))
    )
    label_format = ".3~s" if value_format == "~s" else value_format
    labels = base.mark_text(align="left", dx=3, fontSize=10).encode(
        x="value:Q", text=alt.Text("value:Q", format=label_format)
    )
    height = max(60, 22 * len(data))
    chart = alt.layer(bar_chart, labels).properties(width=460, height=height, title=title)
    return ChartSpec.of(ChartKind.BARS, title, _config(chart), f"{title}, largest first")


def spc(chart_spec: dict[str, Any], title: str, description: str) -> ChartSpec:
    """Wrap a control chart drawn by :func:`obeya.quality.spc_chart_spec`."""
    return ChartSpec.of(ChartKind.SPC, title, chart_spec, description)


_XMLNS = re.compile(r'\s+xmlns(:xlink)?="[^"]*"')


@lru_cache(maxsize=512)
def _svg(spec_json: str) -> str:
    import json

    return str(vlc.vegalite_to_svg(json.loads(spec_json)))


@lru_cache(maxsize=256)
def _png(spec_json: str, scale: float) -> bytes:
    import json

    return bytes(vlc.vegalite_to_png(json.loads(spec_json), scale=scale))


def clear_cache() -> None:
    """Forget the rendered charts (the benchmark times drawing them)."""
    _svg.cache_clear()
    _png.cache_clear()


def svg(chart: ChartSpec, *, inline: bool = True) -> str:
    """The chart as SVG text; ``inline`` drops the namespace declarations (an SVG
    inside HTML needs none), so the page holds no URL at all."""
    text = _svg(chart.spec_json)
    text = text[text.index("<svg") :]
    return _XMLNS.sub("", text, count=2) if inline else text


def png(chart: ChartSpec, scale: float = 2.0) -> bytes:
    """The chart as PNG bytes (``scale`` 2 for sharp slides)."""
    return _png(chart.spec_json, scale)
