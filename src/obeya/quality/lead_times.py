"""Measured cycle times of a process, shaped as lead times that planning can read.

``lead_times(log, process=...)`` returns one row for the whole process (case
throughput: first start to last end of each case) and one row per activity (the
activity's cycle time: from the end of the case's previous activity to the end of
this one, so waiting plus processing). An instant log (no start events) has no
cycle time for the first activity of a case, which is left out of that activity's
figures. The columns, written as CSV by ``obeya flow --export-lead-times``:

=================  =====================================================
``process``        the process name
``level``          ``process`` (whole cases) or ``activity``
``activity``       the activity; empty on the process row
``cases``          cases measured
``events``         activity instances measured (cases on the process row)
``median_hours``   median cycle time, hours
``mean_hours``     mean cycle time, hours
``p90_hours``      90th percentile, hours (linear interpolation)
``lead_time_days`` median_hours / 24: the lead time planning uses
=================  =====================================================
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from obeya.errors import DataError
from obeya.quality._input import TableLike
from obeya.quality.flow import EventLogColumns, _events, _instances

__all__ = ["lead_times"]

LEAD_TIME_SCHEMA = pa.schema(
    [
        pa.field("process", pa.string()),
        pa.field("level", pa.string()),
        pa.field("activity", pa.string()),
        pa.field("cases", pa.int64()),
        pa.field("events", pa.int64()),
        pa.field("median_hours", pa.float64()),
        pa.field("mean_hours", pa.float64()),
        pa.field("p90_hours", pa.float64()),
        pa.field("lead_time_days", pa.float64()),
    ]
)

_HOUR = pd.Timedelta(hours=1)


def _summary(groups: pd.core.groupby.SeriesGroupBy) -> pd.DataFrame:  # type: ignore[type-arg]
    return pd.DataFrame(
        {
            "events": groups.size(),
            "median_hours": groups.median(),
            "mean_hours": groups.mean(),
            "p90_hours": groups.quantile(0.9),
        }
    )


def lead_times(log: TableLike, *, process: str, columns: EventLogColumns | None = None) -> pa.Table:
    """Per-process and per-activity cycle times of an event log (see the module doc)."""
    instances, _ = _instances(_events(log, columns or EventLogColumns()))
    spans = instances.groupby("case", sort=False).agg(first=("start", "min"), last=("end", "max"))
    hours = ((spans["last"] - spans["first"]) / _HOUR).to_numpy(np.float64)
    whole = pd.DataFrame(
        {
            "process": [process],
            "level": ["process"],
            "activity": [""],
            "cases": [hours.size],
            "events": [hours.size],
            "median_hours": [float(np.median(hours))],
            "mean_hours": [float(hours.mean())],
            "p90_hours": [float(np.quantile(hours, 0.9))],
        }
    )
    cycle = instances["waiting_h"].fillna(0.0) + instances["processing_h"]
    measured = instances.assign(cycle=cycle)[
        instances["waiting_h"].notna() | (instances["processing_h"] > 0)
    ]
    if measured.empty:
        raise DataError(
            f"process {process!r}: no activity has a measurable cycle time (every case has a "
            f"single instant event)"
        )
    by_activity = measured.groupby("activity", sort=True)
    per_activity = _summary(by_activity["cycle"]).assign(cases=by_activity["case"].nunique())
    per_activity = per_activity.reset_index().assign(process=process, level="activity")
    frame = pd.concat([whole, per_activity], ignore_index=True)
    frame["lead_time_days"] = frame["median_hours"] / 24.0
    return pa.Table.from_pandas(
        frame[LEAD_TIME_SCHEMA.names], schema=LEAD_TIME_SCHEMA, preserve_index=False
    )
