"""Process mining on small hand-made event logs, times worked out by hand."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from obeya.errors import DataError, SpecError
from obeya.quality import EventLogColumns, analyse_flow, directly_follows_graph, read_xes


def instant_log() -> pd.DataFrame:
    """Three orders; one event per activity (no start/complete), rows shuffled."""
    rows = [
        # Case A: receive 08:00, check 10:00, fix 13:00, ship next day 08:00 (24 h).
        ("A", "receive", "2026-01-01 08:00"),
        ("A", "check", "2026-01-01 10:00"),
        ("A", "fix", "2026-01-01 13:00"),
        ("A", "ship", "2026-01-02 08:00"),
        # Case B: receive 09:00, check 09:30, ship 12:00 (3 h).
        ("B", "receive", "2026-01-01 09:00"),
        ("B", "check", "2026-01-01 09:30"),
        ("B", "ship", "2026-01-01 12:00"),
        # Case C: receive 08:00, check 09:00, fix 11:00, check again 12:00, ship 16:00 (8 h).
        ("C", "receive", "2026-01-02 08:00"),
        ("C", "check", "2026-01-02 09:00"),
        ("C", "fix", "2026-01-02 11:00"),
        ("C", "check", "2026-01-02 12:00"),
        ("C", "ship", "2026-01-02 16:00"),
    ]
    frame = pd.DataFrame(rows, columns=["case_id", "activity", "timestamp"])
    frame["timestamp"] = pd.to_datetime(frame["timestamp"])
    return frame.sample(frac=1.0, random_state=3).reset_index(drop=True)


def test_throughput_waiting_and_bottlenecks_by_hand() -> None:
    flow = analyse_flow(instant_log(), value_added=["fix"])
    assert (flow.cases, flow.events, flow.paired) == (3, 12, False)
    # Throughput 24, 3 and 8 h: mean 35/3, median 8, p90 = 8 + 0.8*(24 - 8) = 20.8.
    assert flow.throughput.mean_hours == pytest.approx(35 / 3)
    assert flow.throughput.median_hours == pytest.approx(8.0)
    assert flow.throughput.p90_hours == pytest.approx(20.8)
    by_name = {a.activity: a for a in flow.activities}
    # Waiting = time since the previous event of the case:
    # check: A 2 h, B 0.5 h, C 1 h and 1 h -> total 4.5, mean 1.125, median 1.
    assert by_name["check"].events == 4
    assert by_name["check"].cases == 3
    assert by_name["check"].waiting_total_hours == pytest.approx(4.5)
    assert by_name["check"].waiting_mean_hours == pytest.approx(1.125)
    assert by_name["check"].waiting_median_hours == pytest.approx(1.0)
    # fix: A 3 h, C 2 h -> 5 h; ship: A 19 h, B 2.5 h, C 4 h -> 25.5 h; receive starts cases.
    assert by_name["fix"].waiting_total_hours == pytest.approx(5.0)
    assert by_name["ship"].waiting_total_hours == pytest.approx(25.5)
    assert by_name["receive"].waiting_total_hours == 0.0
    assert by_name["receive"].waiting_mean_hours is None
    assert by_name["check"].processing_mean_hours is None
    assert [b.activity for b in flow.bottlenecks] == ["ship", "fix", "check", "receive"]
    # Value-added time: the time leading to each fix, 3 + 2 = 5 h, over 35 h of lead time.
    assert flow.cycle_efficiency.value_added_hours == pytest.approx(5.0)
    assert flow.cycle_efficiency.efficiency == pytest.approx(5 / 35)


def test_transitions_variants_and_rework_by_hand() -> None:
    flow = analyse_flow(instant_log())
    edges = {
        (t.source, t.target): (t.count, t.mean_hours, t.median_hours) for t in flow.transitions
    }
    assert edges == {
        ("receive", "check"): (3, pytest.approx(3.5 / 3), pytest.approx(1.0)),  # 2, 0.5, 1 h
        ("check", "fix"): (2, pytest.approx(2.5), pytest.approx(2.5)),  # 3, 2 h
        ("check", "ship"): (2, pytest.approx(3.25), pytest.approx(3.25)),  # 2.5, 4 h
        ("fix", "check"): (1, pytest.approx(1.0), pytest.approx(1.0)),
        ("fix", "ship"): (1, pytest.approx(19.0), pytest.approx(19.0)),
    }
    assert [(v.activities, v.cases) for v in flow.variants] == [
        (("receive", "check", "fix", "check", "ship"), 1),
        (("receive", "check", "fix", "ship"), 1),
        (("receive", "check", "ship"), 1),
    ]
    assert flow.variants[0].share == pytest.approx(1 / 3)
    # Case C checks twice, with fix in between: a return, not a self-loop.
    assert [
        (r.activity, r.cases_with_repeat, r.repeats, r.self_loops, r.returns) for r in flow.rework
    ] == [("check", 1, 1, 0, 1)]
    assert flow.rework_cases == 1
    assert flow.cycle_efficiency.efficiency is None  # no value-added activities named


def test_self_loops_and_common_variants() -> None:
    log = pd.DataFrame(
        {
            "case_id": ["X", "X", "X", "X", "Y", "Y", "Y", "Z", "Z", "Z"],
            "activity": ["in", "pack", "pack", "out", "in", "pack", "out", "in", "pack", "out"],
            "timestamp": pd.date_range("2026-02-01", periods=10, freq="h"),
        }
    )
    flow = analyse_flow(log)
    assert [(v.activities, v.cases) for v in flow.variants] == [
        (("in", "pack", "out"), 2),
        (("in", "pack", "pack", "out"), 1),
    ]
    assert [(r.activity, r.self_loops, r.returns) for r in flow.rework] == [("pack", 1, 0)]


def paired_log() -> pa.Table:
    """Start/complete events with non-default column names, given out of order."""
    rows = [
        # Order X: A 08:00-09:00, B 10:00-12:00, A again 13:00-13:30 (rework).
        ("X", "A", "start", "2026-03-02T08:00:00Z"),
        ("X", "A", "complete", "2026-03-02T09:00:00Z"),
        ("X", "B", "start", "2026-03-02T10:00:00Z"),
        ("X", "B", "complete", "2026-03-02T12:00:00Z"),
        ("X", "A", "start", "2026-03-02T13:00:00Z"),
        ("X", "A", "complete", "2026-03-02T13:30:00Z"),
        # Order Y: A 08:00-08:30, B 08:30-09:30.
        ("Y", "A", "start", "2026-03-02T08:00:00Z"),
        ("Y", "A", "complete", "2026-03-02T08:30:00Z"),
        ("Y", "B", "start", "2026-03-02T08:30:00Z"),
        ("Y", "B", "complete", "2026-03-02T09:30:00Z"),
        ("Y", "B", "schedule", "2026-03-02T07:00:00Z"),  # not start/complete: ignored
    ]
    order = [5, 0, 9, 2, 7, 1, 10, 4, 3, 8, 6]
    picked = [rows[i] for i in order]
    return pa.table(
        {
            "order": [r[0] for r in picked],
            "step": [r[1] for r in picked],
            "transition": [r[2] for r in picked],
            "at": [r[3] for r in picked],
        }
    )


def test_start_complete_pairs_give_processing_and_waiting() -> None:
    columns = EventLogColumns(
        case_id="order", activity="step", timestamp="at", lifecycle="transition"
    )
    flow = analyse_flow(paired_log(), columns=columns, value_added=["B"])
    assert flow.paired
    assert flow.events == 5  # activity instances
    by_name = {a.activity: a for a in flow.activities}
    # Processing: A 1, 0.5, 0.5 h (mean 2/3, median 0.5); B 2 and 1 h (mean 1.5).
    assert by_name["A"].processing_mean_hours == pytest.approx(2 / 3)
    assert by_name["A"].processing_median_hours == pytest.approx(0.5)
    assert by_name["B"].processing_mean_hours == pytest.approx(1.5)
    # Waiting: X's B waits 10:00 - 09:00 = 1 h, X's second A 13:00 - 12:00 = 1 h, Y's B 0 h.
    assert by_name["A"].waiting_total_hours == pytest.approx(1.0)
    assert by_name["B"].waiting_total_hours == pytest.approx(1.0)
    # Throughput X 08:00-13:30 = 5.5 h, Y 08:00-09:30 = 1.5 h.
    assert flow.throughput.mean_hours == pytest.approx(3.5)
    # PCE: B's processing 2 + 1 = 3 h of 7 h lead time.
    assert flow.cycle_efficiency.efficiency == pytest.approx(3 / 7)
    edges = {(t.source, t.target): (t.count, t.mean_hours) for t in flow.transitions}
    assert edges == {("A", "B"): (2, pytest.approx(0.5)), ("B", "A"): (1, pytest.approx(1.0))}
    assert [(v.activities, v.cases) for v in flow.variants] == [
        (("A", "B"), 1),
        (("A", "B", "A"), 1),
    ]


def test_dfg_json() -> None:
    dfg = directly_follows_graph(instant_log()).to_dict()
    nodes = {n["id"]: n for n in dfg["nodes"]}
    assert nodes["receive"]["starts"] == 3
    assert nodes["ship"]["ends"] == 3
    assert nodes["check"]["events"] == 4
    first = dfg["edges"][0]
    assert (first["source"], first["target"], first["count"]) == ("receive", "check", 3)
    assert first["mean_hours"] == pytest.approx(3.5 / 3)


def test_flow_refusals() -> None:
    with pytest.raises(SpecError, match="value_added names 'pack'"):
        analyse_flow(instant_log(), value_added=["pack"])
    with pytest.raises(DataError, match="column 'case_id' is not in the data"):
        analyse_flow(instant_log().rename(columns={"case_id": "case"}))
    bad = instant_log().astype({"timestamp": str})
    bad.loc[2, "timestamp"] = "yesterday"
    with pytest.raises(DataError, match="'yesterday' at row 2"):
        analyse_flow(bad)


XES = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1.0" xmlns="http://www.xes-standard.org/">
  <extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
  <global scope="event"><string key="concept:name" value="__INVALID__"/></global>
  <string key="concept:name" value="demo log"/>
  <trace>
    <string key="concept:name" value="case-1"/>
    <event>
      <string key="concept:name" value="register"/>
      <string key="org:resource" value="ana"/>
      <string key="lifecycle:transition" value="start"/>
      <date key="time:timestamp" value="2026-04-01T09:00:00.000+02:00"/>
    </event>
    <event>
      <string key="concept:name" value="register"/>
      <string key="lifecycle:transition" value="complete"/>
      <date key="time:timestamp" value="2026-04-01T09:30:00.000+02:00"/>
      <list key="notes"><string key="concept:name" value="nested, not the activity"/></list>
    </event>
    <event>
      <string key="concept:name" value="approve"/>
      <string key="lifecycle:transition" value="complete"/>
      <date key="time:timestamp" value="2026-04-01T08:00:00.000Z"/>
    </event>
  </trace>
  <trace>
    <string key="concept:name" value="case-2"/>
    <event>
      <string key="concept:name" value="register"/>
      <date key="time:timestamp" value="2026-04-02T10:00:00Z"/>
    </event>
  </trace>
</log>
"""


def test_read_xes(tmp_path: Path) -> None:
    path = tmp_path / "log.xes"
    path.write_text(XES, encoding="utf-8")
    log = read_xes(path)
    assert list(log.columns) == ["case_id", "activity", "timestamp", "resource", "lifecycle"]
    assert log["case_id"].tolist() == ["case-1", "case-1", "case-1", "case-2"]
    assert log["activity"].tolist() == ["register", "register", "approve", "register"]
    assert log["resource"].tolist() == ["ana", None, None, None]
    # 09:00 at +02:00 is 07:00 UTC.
    assert log["timestamp"].iloc[0] == pd.Timestamp("2026-04-01T07:00:00Z")
    flow = analyse_flow(log)
    # case-1: register 07:00-07:30 UTC, approve 08:00 UTC: 1 h; case-2 is one instant.
    assert flow.paired
    assert flow.throughput.mean_hours == pytest.approx(0.5)


def test_read_xes_refusals(tmp_path: Path) -> None:
    missing = tmp_path / "missing.xes"
    missing.write_text(XES.replace('<date key="time:timestamp" value="2026-04-02T10:00:00Z"/>', ""))
    with pytest.raises(DataError, match="event 1 of trace 'case-2' has no time:timestamp"):
        read_xes(missing)
    broken = tmp_path / "broken.xes"
    broken.write_text("<log><trace>")
    with pytest.raises(DataError, match="not a well-formed XES"):
        read_xes(broken)
