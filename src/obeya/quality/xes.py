"""Reading IEEE XES event logs (the process-mining exchange format) into a long table.

``read_xes`` streams the XML with ``iterparse`` (memory stays flat on large logs) and
returns one row per event with the columns ``case_id`` (the trace's concept:name),
``activity`` (concept:name), ``timestamp`` (time:timestamp, as UTC), ``resource``
(org:resource) and ``lifecycle`` (lifecycle:transition): the shape
:func:`obeya.quality.analyse_flow` reads with its default column names.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from os import PathLike

import pandas as pd

from obeya.errors import DataError

__all__ = ["read_xes"]

_ATTRIBUTES = {"string", "date", "int", "float", "boolean", "id", "list", "container"}
_KEYS = {
    "concept:name": "activity",
    "time:timestamp": "timestamp",
    "org:resource": "resource",
    "lifecycle:transition": "lifecycle",
}


def _local(tag: str) -> str:
    """Tag without its XML namespace (XES files may or may not declare one)."""
    return tag.rsplit("}", 1)[-1]


def read_xes(path: str | PathLike[str]) -> pd.DataFrame:
    """Events of an XES file as a DataFrame (case_id, activity, timestamp, resource, lifecycle).

    Events missing a name or a timestamp are refused with the trace and position.
    """
    rows: dict[str, list[str | None]] = {k: [] for k in _KEYS.values()}
    trace_of_event: list[int] = []
    trace_names: list[str] = []
    event: dict[str, str] | None = None
    depth = 0  # nesting of attribute elements; only direct children of a trace/event count
    in_trace = False
    try:
        # The log is the user's own file; expat >= 2.4 caps entity expansion and
        # ElementTree never fetches external entities.
        for kind, element in ET.iterparse(path, events=("start", "end")):  # noqa: S314
            tag = _local(element.tag)
            if kind == "start":
                if tag in _ATTRIBUTES:
                    key = element.get("key", "")
                    if depth == 0 and key in _KEYS:
                        if event is not None:
                            event[_KEYS[key]] = element.get("value", "")
                        elif key == "concept:name" and in_trace:
                            trace_names[-1] = element.get("value", trace_names[-1])
                    depth += 1
                elif tag == "trace":
                    trace_names.append(f"trace-{len(trace_names) + 1}")
                    in_trace = True
                elif tag == "event":
                    event = {}
            elif tag in _ATTRIBUTES:
                depth -= 1
            elif tag == "event" and event is not None:
                for column, values in rows.items():
                    values.append(event.get(column))
                trace_of_event.append(len(trace_names) - 1)
                event = None
                element.clear()
            elif tag == "trace":
                in_trace = False
                element.clear()
    except ET.ParseError as err:
        raise DataError(f"{path}: not a well-formed XES (XML) file: {err}") from err
    frame = pd.DataFrame(rows)
    traces = pd.Series(trace_of_event, dtype="int64")
    frame.insert(0, "case_id", pd.Series(trace_names, dtype=object).iloc[traces].to_numpy())
    for column, xes_key in (("activity", "concept:name"), ("timestamp", "time:timestamp")):
        missing = frame[column].isna() | (frame[column] == "")
        if missing.any():
            row = int(missing.to_numpy().nonzero()[0][0])
            position = int(traces.groupby(traces).cumcount().iloc[row]) + 1
            raise DataError(
                f"{path}: event {position} of trace {frame['case_id'].iloc[row]!r} has no "
                f"{xes_key}; every event needs one"
            )
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True, format="ISO8601")
    return frame
