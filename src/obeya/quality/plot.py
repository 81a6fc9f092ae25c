"""Charts of the quality results as Altair (Vega-Lite) specs, rendered offline to SVG/PNG.

``spc_chart_spec`` draws a control chart: the ±1σ and ±2σ zones shaded, the centre
line and control limits (per point when they vary) labelled with their values, the
plotted statistic, and the subgroups behind each signal marked. ``dfg_chart_spec``
draws a directly-follows graph without Graphviz: activities placed in columns by
their distance from the start of the process, transitions as lines with counts and
mean hours. ``to_svg``/``to_png`` render through vl-convert, with no network.
"""

from __future__ import annotations

import math

import altair as alt
import numpy as np
import pandas as pd
import vl_convert as vlc
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import shortest_path

from obeya.quality._signals import decimals_for
from obeya.quality.flow import Dfg
from obeya.quality.results import ControlChart, CusumChart, Panel, Signal

__all__ = ["dfg_chart_spec", "spc_chart_spec", "to_png", "to_svg"]

SpcChart = alt.LayerChart | alt.VConcatChart

_RED, _GREEN, _BLUE, _GREY = "#c0392b", "#1e8449", "#2e86c1", "#7f8c8d"
_X = alt.X("position:Q", title="subgroup", axis=alt.Axis(tickMinStep=1, format="d"))


def _flags(n: int, labels: tuple[object, ...], signals: tuple[Signal, ...]) -> list[str]:
    index = {label: i for i, label in enumerate(labels)}
    flags = ["in control"] * n
    for signal in signals:
        for point in signal.points:
            if flags[index[point]] == "in control":
                flags[index[point]] = "pattern"
    for signal in signals:
        flags[index[signal.subgroup]] = "signal"
    return flags


def _limit_labels(
    frame: pd.DataFrame, places: int, names: dict[str, str], scale: alt.Scale
) -> alt.Chart:
    last = frame.iloc[-1]
    rows = [
        {"position": last["position"], "y": last[col], "text": f"{text} {last[col]:.{places}f}"}
        for col, text in names.items()
    ]
    labels: alt.Chart = (
        alt.Chart(pd.DataFrame(rows))
        .mark_text(align="left", dx=6, fontSize=11)
        .encode(x="position:Q", y=alt.Y("y:Q", scale=scale), text="text:N")
    )
    return labels


def _y_scale(frame: pd.DataFrame, columns: list[str]) -> alt.Scale:
    """A y scale fitted to the limits and points (not stretched down to zero)."""
    values = frame[columns].to_numpy(np.float64)
    low, high = float(np.nanmin(values)), float(np.nanmax(values))
    pad = 0.05 * (high - low) if high > low else 1.0
    return alt.Scale(domain=[low - pad, high + pad], zero=False, nice=False)


def _point_layers(frame: pd.DataFrame, field: str, title: str, scale: alt.Scale) -> list[alt.Chart]:
    base = alt.Chart(frame).encode(x=_X)
    line = base.mark_line(color=_GREY, strokeWidth=1).encode(
        y=alt.Y(f"{field}:Q", title=title, scale=scale)
    )
    dots = base.mark_point(filled=True, size=40).encode(
        y=alt.Y(f"{field}:Q", scale=scale),
        color=alt.Color(
            "flag:N",
            scale=alt.Scale(
                domain=["in control", "pattern", "signal", "excluded"],
                range=[_BLUE, "#e67e22", _RED, "#bbbbbb"],
            ),
            legend=alt.Legend(title=None, orient="bottom"),
        ),
        tooltip=["label:N", alt.Tooltip(f"{field}:Q", format=".4~g"), "flag:N"],
    )
    return [line, dots]


def _limit_lines(base: alt.Chart, scale: alt.Scale) -> list[alt.Chart]:
    return [
        base.mark_line(color=_RED, strokeDash=[6, 3], interpolate="step").encode(
            y=alt.Y("ucl:Q", scale=scale)
        ),
        base.mark_line(color=_RED, strokeDash=[6, 3], interpolate="step").encode(
            y=alt.Y("lcl:Q", scale=scale)
        ),
        base.mark_line(color=_GREEN, interpolate="step").encode(y=alt.Y("center:Q", scale=scale)),
    ]


def _panel_chart(panel: Panel, chart: ControlChart, width: int, height: int) -> alt.LayerChart:
    n = panel.values.size
    sigma = panel.sigma
    flags = _flags(n, chart.labels, chart.signals_on(panel.statistic))
    flags = [
        "excluded" if ex and f == "in control" else f
        for f, ex in zip(flags, chart.excluded, strict=True)
    ]
    frame = pd.DataFrame(
        {
            "position": np.arange(1, n + 1),
            "label": [str(x) for x in chart.labels],
            "value": panel.values,
            "center": panel.center,
            "ucl": panel.ucl,
            "lcl": panel.lcl,
            "zone2_low": np.maximum(panel.center - 2 * sigma, panel.lcl),
            "zone2_high": np.minimum(panel.center + 2 * sigma, panel.ucl),
            "zone1_low": np.maximum(panel.center - sigma, panel.lcl),
            "zone1_high": np.minimum(panel.center + sigma, panel.ucl),
            "flag": flags,
        }
    )
    scale = _y_scale(frame, ["value", "ucl", "lcl"])
    base = alt.Chart(frame).encode(x=_X)
    zones = [
        base.mark_area(opacity=opacity, color=_BLUE, interpolate="step").encode(
            y=alt.Y(f"zone{k}_low:Q", scale=scale), y2=f"zone{k}_high:Q"
        )
        for k, opacity in ((2, 0.10), (1, 0.14))
    ]
    places = decimals_for(float(np.median(sigma)))
    labels = _limit_labels(frame, places, {"ucl": "UCL", "center": "CL", "lcl": "LCL"}, scale)
    layers = [
        *zones,
        *_limit_lines(base, scale),
        *_point_layers(frame, "value", panel.statistic.value, scale),
        labels,
    ]
    return alt.LayerChart(layer=layers).properties(
        width=width, height=height, title=f"{panel.statistic.noun} ({panel.statistic.value})"
    )


def _cusum_chart(chart: CusumChart, width: int, height: int) -> alt.LayerChart:
    n = chart.x.size
    big_h = chart.decision_interval
    frame = pd.DataFrame(
        {
            "position": np.arange(1, n + 1),
            "label": [str(x) for x in chart.labels],
            "c_plus": chart.c_plus,
            "c_minus": -chart.c_minus,
            "ucl": np.full(n, big_h),
            "center": np.zeros(n),
            "lcl": np.full(n, -big_h),
            "flag": _flags(n, chart.labels, chart.signals),
        }
    )
    scale = _y_scale(frame, ["c_plus", "c_minus", "ucl", "lcl"])
    base = alt.Chart(frame).encode(x=_X)
    lower = base.mark_line(color=_GREY, strokeDash=[2, 2]).encode(y=alt.Y("c_minus:Q", scale=scale))
    labels = _limit_labels(frame, decimals_for(chart.sigma), {"ucl": "H", "lcl": "-H"}, scale)
    layers = [
        *_limit_lines(base, scale),
        lower,
        *_point_layers(frame, "c_plus", "C+ and -C-", scale),
        labels,
    ]
    return alt.LayerChart(layer=layers).properties(
        width=width, height=height, title="tabular CUSUM"
    )


def spc_chart_spec(
    result: ControlChart | CusumChart, *, width: int = 640, height: int = 220
) -> SpcChart:
    """An Altair chart of a control-chart result (two panels stacked for X-bar/R etc.)."""
    if isinstance(result, CusumChart):
        return _cusum_chart(result, width, height)
    panels = [_panel_chart(p, result, width, height) for p in result.panels]
    if len(panels) == 1:
        return panels[0]
    stacked: alt.VConcatChart = alt.VConcatChart(vconcat=panels).resolve_scale(color="shared")
    return stacked


def _ranks(dfg: Dfg) -> dict[str, int]:
    """Column of each activity: fewest transitions from any start activity (BFS)."""
    names = [node.activity for node in dfg.nodes]
    index = {name: i for i, name in enumerate(names)}
    source = len(names)  # a virtual start node, linked to every start activity
    rows = [index[e.source] for e in dfg.edges] + [source] * len(names)
    cols = [index[e.target] for e in dfg.edges] + list(range(len(names)))
    weights = [1.0] * len(dfg.edges) + [1.0 if n.starts > 0 else 0.0 for n in dfg.nodes]
    keep = [i for i, w in enumerate(weights) if w > 0]
    graph = csr_matrix(
        ([1.0] * len(keep), ([rows[i] for i in keep], [cols[i] for i in keep])),
        shape=(source + 1, source + 1),
    )
    distance = shortest_path(graph, directed=True, unweighted=True, indices=source)
    finite = distance[np.isfinite(distance)]
    deepest = int(finite.max()) if finite.size else 1
    return {
        name: (int(distance[i]) if math.isfinite(distance[i]) else deepest + 1) - 1
        for i, name in enumerate(names)
    }


def dfg_chart_spec(dfg: Dfg, *, width: int = 720, height: int = 360) -> alt.LayerChart:
    """The directly-follows graph as a picture: nodes by rank, edges with counts and hours."""
    ranks = _ranks(dfg)
    by_rank: dict[int, list[str]] = {}
    for node in sorted(dfg.nodes, key=lambda n: (-n.events, n.activity)):
        by_rank.setdefault(ranks[node.activity], []).append(node.activity)
    pos = {
        name: (float(rank), i - (len(members) - 1) / 2.0)
        for rank, members in by_rank.items()
        for i, name in enumerate(members)
    }
    pairs = {(e.source, e.target) for e in dfg.edges}
    columns = max(ranks.values()) + 1
    rows = max(len(m) for m in by_rank.values())
    px, py = width / max(columns, 1), height / max(rows, 1)
    edge_rows = []
    for e in dfg.edges:
        if e.source == e.target:
            continue
        offset = 0.12 if (e.target, e.source) in pairs else 0.0
        offset = offset if e.source < e.target else -offset
        (x1, y1), (x2, y2) = pos[e.source], pos[e.target]
        y1, y2 = y1 + offset, y2 + offset
        edge_rows.append(
            {
                "x": x1,
                "y": y1,
                "x2": x2,
                "y2": y2,
                "mx": x1 + 0.5 * (x2 - x1),
                "my": y1 + 0.5 * (y2 - y1),
                "ax": x1 + 0.8 * (x2 - x1),
                "ay": y1 + 0.8 * (y2 - y1),
                "angle": math.degrees(math.atan2((y2 - y1) * py, (x2 - x1) * px)),
                "count": e.count,
                "text": f"{e.count} · {e.mean_hours:.1f} h",
            }
        )
    loops = {e.source: e.count for e in dfg.edges if e.source == e.target}
    node_rows = [
        {
            "x": pos[n.activity][0],
            "y": pos[n.activity][1],
            "name": n.activity,
            "events": n.events,
            "caption": f"{n.events} events"
            + (f" · ↻ {loops[n.activity]}" if n.activity in loops else ""),
        }
        for n in dfg.nodes
    ]
    x_scale = alt.Scale(domain=[-0.5, columns - 0.5])
    y_scale = alt.Scale(domain=[-(rows / 2.0), rows / 2.0], reverse=True)
    x = alt.X("x:Q", scale=x_scale, axis=None)
    y = alt.Y("y:Q", scale=y_scale, axis=None)
    edges = alt.Chart(
        pd.DataFrame(
            edge_rows,
            columns=["x", "y", "x2", "y2", "mx", "my", "ax", "ay", "angle", "count", "text"],
        )
    )
    nodes = alt.Chart(pd.DataFrame(node_rows))
    layers = [
        edges.mark_rule(color=_GREY, opacity=0.7).encode(
            x=x,
            y=y,
            x2="x2:Q",
            y2="y2:Q",
            strokeWidth=alt.StrokeWidth("count:Q", scale=alt.Scale(range=[1, 6]), legend=None),
        ),
        edges.mark_point(shape="triangle-right", filled=True, color=_GREY, size=80).encode(
            x=alt.X("ax:Q", scale=x_scale, axis=None),
            y=alt.Y("ay:Q", scale=y_scale, axis=None),
            angle=alt.Angle("angle:Q", scale=None),
        ),
        edges.mark_text(fontSize=10, dy=-6, color="#34495e").encode(
            x=alt.X("mx:Q", scale=x_scale, axis=None),
            y=alt.Y("my:Q", scale=y_scale, axis=None),
            text="text:N",
        ),
        nodes.mark_circle(color=_BLUE, opacity=0.9).encode(
            x=x, y=y, size=alt.Size("events:Q", scale=alt.Scale(range=[300, 1500]), legend=None)
        ),
        nodes.mark_text(fontSize=12, fontWeight="bold", dy=-24).encode(x=x, y=y, text="name:N"),
        nodes.mark_text(fontSize=10, dy=26).encode(x=x, y=y, text="caption:N"),
    ]
    return alt.LayerChart(layer=layers).properties(width=width, height=height, title="process flow")


def to_svg(chart: SpcChart | alt.Chart) -> str:
    """Render an Altair chart to SVG text, offline."""
    return str(vlc.vegalite_to_svg(chart.to_dict()))


def to_png(chart: SpcChart | alt.Chart, *, scale: float = 2.0) -> bytes:
    """Render an Altair chart to PNG bytes, offline (``scale`` 2 for print quality)."""
    return bytes(vlc.vegalite_to_png(chart.to_dict(), scale=scale))
