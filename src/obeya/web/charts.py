"""Charts for the pages: Vega-Lite specs built with Altair, drawn in the browser by the
Vega bundle the app serves itself (``/static/vega.js``, from vl-convert), and small
inline SVG sparklines for the scorecard."""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from typing import Any

from markupsafe import Markup, escape

from obeya.metrics import Direction, KpiSpec, Unit

__all__ = [
    "bar_chart",
    "kpi_trend_chart",
    "line_chart",
    "sparkline_svg",
    "vega_bundle",
    "warm_up",
]

_bundle: str | None = None
_bundle_lock = threading.Lock()


def vega_bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one script (built once per process)."""
    global _bundle  # noqa: PLW0603 - built once, it takes a second
    with _bundle_lock:
        if _bundle is None:
            import vl_convert

            _bundle = vl_convert.javascript_bundle()  # type: ignore[call-arg]  # stub lacks the default
        return _bundle


def warm_up() -> threading.Thread:
    """Build the Vega bundle and import Altair in the background, so the first chart
    page does not wait for them."""

    def run() -> None:
        vega_bundle()
        import altair  # noqa: F401

    thread = threading.Thread(target=run, name="obeya-warm-up", daemon=True)
    thread.start()
    return thread


def _axis_format(unit: Unit) -> str:
    return ".0%" if unit is Unit.RATIO else ",.4~g"


def kpi_trend_chart(spec: KpiSpec, points: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The KPI's values per period over its target band (amber zone shaded, target ruled)."""
    import altair as alt

    data = [
        {"period": p["period"], "value": p["value"], "status": p["status"] or "none"}
        for p in points
    ]
    base = alt.Chart({"values": data})
    fmt = _axis_format(spec.unit)
    line = base.mark_line(point=True, color="#1f4e79").encode(
        x=alt.X("period:O", title=None, sort=None),
        y=alt.Y("value:Q", title=spec.label, axis=alt.Axis(format=fmt)),
        tooltip=[alt.Tooltip("period:O"), alt.Tooltip("value:Q", format=fmt)],
    )
    layers: list[Any] = []
    if spec.target is not None:
        t = spec.target
        low, high = sorted((t.red, t.amber_level))
        band = (
            alt.Chart({"values": [{"low": low, "high": high}]})
            .mark_rect(color="#f0ad4e", opacity=0.18)
            .encode(y="low:Q", y2="high:Q")
        )
        rule = (
            alt.Chart({"values": [{"target": t.value}]})
            .mark_rule(color="#2e7d32", strokeDash=[6, 4])
            .encode(y="target:Q")
        )
        layers += [band, rule]
    chart = alt.layer(*layers, line).properties(width="container", height=240)
    spec_dict: dict[str, Any] = chart.to_dict()
    spec_dict["description"] = (
        f"{spec.label} per period; the shaded band runs from the red level to the amber level; "
        f"the dashed line is the target ({'higher' if spec.direction is Direction.HIGHER else 'lower'} is better)"
    )
    return spec_dict


def line_chart(
    rows: Sequence[dict[str, Any]], x: str, y: str, color: str | None = None, title: str = ""
) -> dict[str, Any]:
    import altair as alt

    enc: dict[str, Any] = {
        "x": alt.X(f"{x}:O", title=None, sort=None),
        "y": alt.Y(f"{y}:Q", title=title or y),
    }
    if color:
        enc["color"] = alt.Color(f"{color}:N", title=None)
    chart = alt.Chart({"values": list(rows)}).mark_line(point=True).encode(**enc)
    return chart.properties(width="container", height=220).to_dict()  # type: ignore[no-any-return]


def bar_chart(rows: Sequence[dict[str, Any]], x: str, y: str, title: str = "") -> dict[str, Any]:
    import altair as alt

    chart = (
        alt.Chart({"values": list(rows)})
        .mark_bar(color="#1f4e79")
        .encode(x=alt.X(f"{x}:N", title=None, sort=None), y=alt.Y(f"{y}:Q", title=title or y))
    )
    return chart.properties(width="container", height=220).to_dict()  # type: ignore[no-any-return]


def sparkline_svg(values: Sequence[float | None], width: int = 110, height: int = 24) -> Markup:
    """A polyline of the values (gaps where a value is missing), as inline SVG."""
    known = [v for v in values if v is not None and math.isfinite(v)]
    if len(known) < 2:
        return Markup(  # noqa: S704 - integers only
            f'<svg class="spark" width="{width}" height="{height}" aria-hidden="true"></svg>'
        )
    lo, hi = min(known), max(known)
    span = hi - lo or 1.0
    step = (width - 4) / max(len(values) - 1, 1)
    segments: list[list[str]] = [[]]
    for i, v in enumerate(values):
        if v is None or not math.isfinite(v):
            if segments[-1]:
                segments.append([])
            continue
        x = 2 + i * step
        y = height - 2 - (v - lo) / span * (height - 4)
        segments[-1].append(f"{x:.1f},{y:.1f}")
    lines = "".join(f'<polyline points="{escape(" ".join(s))}" />' for s in segments if len(s) > 1)
    return Markup(  # noqa: S704 - numbers only, escaped
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="trend">{lines}</svg>'
    )
