"""``obeya flow`` on a hand-made event log (warehouse and XES), figures worked by hand.

Process ``o2c``, instant events (no lifecycle), on 2025-03-03:

    case c1: A 08:00, B 10:00, C 11:00          throughput 3 h
    case c2: A 08:00, B 09:00, B 12:00, C 13:00  throughput 5 h (B repeated at once)
    case c3: A 09:00, C 15:00                    throughput 6 h

An event's waiting time is the time since the case's previous event:
B waits 2 (c1), 1 and 3 (c2): 6 h in all; C waits 1 (c1), 1 (c2), 6 (c3): 8 h;
A opens every case and waits 0. A second process ``p2p`` shares the table.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from tests.clirun import run
from tests.quality.cli_fixtures import T, table, warehouse

Capsys = pytest.CaptureFixture[str]

EVENTS = [
    ("c1", "A", 8), ("c1", "B", 10), ("c1", "C", 11),
    ("c2", "A", 8), ("c2", "B", 9), ("c2", "B", 12), ("c2", "C", 13),
    ("c3", "A", 9), ("c3", "C", 15),
]  # fmt: skip


@pytest.fixture
def wh(tmp_path: Path) -> str:
    rows = [
        {
            "case_id": c,
            "activity": a,
            "timestamp": T(2025, 3, 3, h),
            "process": "o2c",
            "site_id": "P1",
        }
        for c, a, h in EVENTS
    ]
    rows += [
        {
            "case_id": "po1",
            "activity": "Order",
            "timestamp": T(2025, 3, 3, 8),
            "process": "p2p",
            "site_id": "P1",
        },
        {
            "case_id": "po1",
            "activity": "Receive",
            "timestamp": T(2025, 3, 5, 8),
            "process": "p2p",
            "site_id": "P1",
        },
    ]
    return warehouse(tmp_path / "f.duckdb", {"process_events": table(rows)})


def flow_json(capsys: Capsys, *args: str) -> Any:
    code, out, err = run(capsys, "flow", *args, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def check_o2c(doc: Any) -> None:
    assert (doc["cases"], doc["events"]) == (3, 9)
    # Throughput 3, 5, 6 h: median 5, mean 14/3, p90 (linear) 5 + 0.8 x (6 - 5) = 5.8.
    assert doc["throughput"] == pytest.approx(
        {"cases": 3, "mean_hours": 14 / 3, "median_hours": 5.0, "p90_hours": 5.8}
    )
    # Three variants, one case each, ordered by their activities.
    assert [(v["activities"], v["cases"]) for v in doc["variants"]] == [
        (["A", "B", "B", "C"], 1),
        (["A", "B", "C"], 1),
        (["A", "C"], 1),
    ]
    waits = {
        a["activity"]: (
            a["events"],
            a["cases"],
            a["waiting_total_hours"],
            a["waiting_median_hours"],
        )
        for a in doc["activities"]
    }
    assert waits == {"A": (3, 3, 0.0, None), "B": (3, 2, 6.0, 2.0), "C": (3, 3, 8.0, 1.0)}
    assert doc["bottlenecks"] == ["C", "B", "A"]
    # B follows itself once in c2: one repeat, a self-loop, one case with rework.
    assert doc["rework"] == [
        {"activity": "B", "cases_with_repeat": 1, "repeats": 1, "self_loops": 1, "returns": 0}
    ]
    assert doc["rework_cases"] == 1
    edges = {(e["source"], e["target"]): (e["count"], e["mean_hours"]) for e in doc["dfg"]["edges"]}
    # A->B after 2 h (c1) and 1 h (c2); B->C 1 h and 1 h; B->B 3 h; A->C 6 h.
    assert edges == {
        ("A", "B"): (2, 1.5),
        ("B", "C"): (2, 1.0),
        ("B", "B"): (1, 3.0),
        ("A", "C"): (1, 6.0),
    }


def test_flow_of_a_warehouse_process(capsys: Capsys, wh: str, tmp_path: Path) -> None:
    svg = tmp_path / "flow.svg"
    doc = flow_json(
        capsys, "--process", "o2c", "--value-added", "B", "--svg", str(svg), "--warehouse", wh
    )
    assert doc["process"] == "o2c"
    check_o2c(doc)
    # Value-added time is the time leading up to each B event: 2 + 1 + 3 = 6 h of the
    # 3 + 5 + 6 = 14 h of lead time: PCE = 6/14.
    assert doc["cycle_efficiency"] == pytest.approx(
        {
            "value_added": ["B"],
            "value_added_hours": 6.0,
            "lead_time_hours": 14.0,
            "efficiency": 6 / 14,
        }
    )
    assert svg.read_text().startswith("<svg")
    code, out, _ = run(capsys, "flow", "--process", "o2c", "--value-added", "B", "--warehouse", wh)
    assert code == 0
    assert (
        "o2c: 3 cases, 9 events, 3 variants; throughput median 5.0 h, mean 4.7 h, p90 5.8 h" in out
    )
    assert "bottlenecks: C (8 h waiting), B (6 h waiting), A (0 h waiting)" in out
    assert "rework: 1 cases; B (1 repeats in 1 cases)" in out
    assert "process cycle efficiency: 42.9% (6.0 h value-added of 14.0 h lead time)" in out


def test_lead_times_export_for_planning(capsys: Capsys, wh: str, tmp_path: Path) -> None:
    path = tmp_path / "lead_times.csv"
    code, _, err = run(
        capsys, "flow", "--process", "o2c", "--export-lead-times", str(path), "--warehouse", wh
    )
    assert code == 0, err
    assert f"note: wrote {path} (3 rows)" in err
    with path.open() as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == [
        "process", "level", "activity", "cases", "events", "median_hours", "mean_hours",
        "p90_hours", "lead_time_days",
    ]  # fmt: skip
    got = {(r["level"], r["activity"]): r for r in rows}
    # Whole cases: 3, 5, 6 h -> median 5 h = 5/24 days.
    whole = got[("process", "")]
    assert (whole["process"], whole["cases"], whole["events"]) == ("o2c", "3", "3")
    assert float(whole["median_hours"]) == pytest.approx(5.0)
    assert float(whole["lead_time_days"]) == pytest.approx(5 / 24)
    # A opens every case, so it has no measured cycle time and no row. B: 2, 1, 3 h in
    # 2 cases -> median 2, mean 2, p90 1.8th gap of [1, 2, 3] = 2.8. C: 1, 1, 6 h ->
    # median 1, mean 8/3, p90 1 + 0.8 x 5 = 5.
    assert set(got) == {("process", ""), ("activity", "B"), ("activity", "C")}
    b, c = got[("activity", "B")], got[("activity", "C")]
    assert (b["cases"], b["events"], c["cases"], c["events"]) == ("2", "3", "3", "3")
    assert [float(b[k]) for k in ("median_hours", "mean_hours", "p90_hours")] == pytest.approx(
        [2.0, 2.0, 2.8]
    )
    assert [float(c[k]) for k in ("median_hours", "mean_hours", "p90_hours")] == pytest.approx(
        [1.0, 8 / 3, 5.0]
    )
    assert float(c["lead_time_days"]) == pytest.approx(1 / 24)


def test_flow_of_an_xes_file(capsys: Capsys, tmp_path: Path) -> None:
    traces: dict[str, list[str]] = {}
    for case, activity, hour in EVENTS:
        traces.setdefault(case, []).append(
            f'<event><string key="concept:name" value="{activity}"/>'
            f'<date key="time:timestamp" value="2025-03-03T{hour:02d}:00:00+00:00"/></event>'
        )
    body = "".join(
        f'<trace><string key="concept:name" value="{case}"/>{"".join(events)}</trace>'
        for case, events in traces.items()
    )
    path = tmp_path / "o2c.xes"
    path.write_text(f'<?xml version="1.0" encoding="UTF-8"?><log xes.version="1.0">{body}</log>')
    doc = flow_json(capsys, "--xes", str(path))
    assert doc["process"] == "o2c"  # named after the file
    check_o2c(doc)


def test_flow_refusals(capsys: Capsys, wh: str, tmp_path: Path) -> None:
    code, _, err = run(capsys, "flow", "--warehouse", wh)
    assert code == 2
    assert err == "error: process_events holds 2 processes (o2c, p2p); choose one with --process\n"
    code, _, err = run(capsys, "flow", "--process", "x", "--warehouse", wh)
    assert code == 2
    assert err == "error: process 'x' has no events in process_events (processes: o2c, p2p)\n"
    code, _, err = run(capsys, "flow", "--process", "o2c", "--value-added", "Z", "--warehouse", wh)
    assert code == 2
    assert err == (
        "error: process o2c: value_added names 'Z', which is not an activity in the log "
        "(activities: A, B, C)\n"
    )
    broken = tmp_path / "broken.xes"
    broken.write_text("<log><trace>")
    code, _, err = run(capsys, "flow", "--xes", str(broken))
    assert code == 2
    assert err.startswith(f"error: {broken}: not a well-formed XES (XML) file")
