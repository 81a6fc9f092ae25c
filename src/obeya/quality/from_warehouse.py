"""The warehouse tables behind the quality commands, read as the engines want them.

* ``characteristics`` and ``quality_samples``: one characteristic's specification and
  its measurements as a long (subgroup, value) table, subgroups in time order;
* ``inspections``: units inspected and defective per day or ISO week (the subgroups
  of p, np, c and u charts), cut by site, SKU or supplier; and totals per defect code,
  site, supplier or SKU for Pareto analysis, with the cost of the defectives;
* ``process_events``: the event log of one process.

Aggregation runs in the database through Ibis (the same code on DuckDB and
PostgreSQL); only per-subgroup or per-category rows come back, except the event log,
which process mining needs whole.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from typing import Any, assert_never

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa

from obeya.errors import DataError
from obeya.metrics.periods import Grain, truncate
from obeya.warehouse import Warehouse

__all__ = [
    "Characteristic",
    "InspectionCut",
    "ParetoBy",
    "SubgroupGrain",
    "characteristic_samples",
    "inspection_categories",
    "inspection_subgroups",
    "process_event_log",
    "read_characteristic",
]


@dataclass(frozen=True, slots=True)
class Characteristic:
    """One row of ``characteristics``: what is measured and its specification."""

    characteristic_id: str
    name: str
    site_id: str | None
    resource_id: str | None
    unit: str | None
    lsl: float | None
    usl: float | None
    target: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "characteristic_id": self.characteristic_id,
            "name": self.name,
            "site_id": self.site_id,
            "resource_id": self.resource_id,
            "unit": self.unit,
            "lsl": self.lsl,
            "usl": self.usl,
            "target": self.target,
        }


class SubgroupGrain(enum.StrEnum):
    """How inspections are grouped into subgroups of an attribute chart."""

    DAY = "day"
    WEEK = "week"  # ISO week, starting Monday

    @property
    def grain(self) -> Grain:
        match self:
            case SubgroupGrain.DAY:
                return Grain.DAY
            case SubgroupGrain.WEEK:
                return Grain.WEEK
            case _:
                assert_never(self)


class ParetoBy(enum.StrEnum):
    """The inspection column a Pareto chart ranks."""

    DEFECT_CODE = "defect_code"
    SITE = "site"
    SUPPLIER = "supplier"
    SKU = "sku"

    @property
    def column(self) -> str:
        match self:
            case ParetoBy.DEFECT_CODE:
                return "defect_code"
            case ParetoBy.SITE:
                return "site_id"
            case ParetoBy.SUPPLIER:
                return "supplier_id"
            case ParetoBy.SKU:
                return "sku"
            case _:
                assert_never(self)


@dataclass(frozen=True, slots=True)
class InspectionCut:
    """Which inspections count: optional site, SKU and supplier, and a date window."""

    site: str | None = None
    sku: str | None = None
    supplier: str | None = None
    start: date | None = None
    end: date | None = None

    def describe(self) -> str:
        parts = [
            f"{name} {value}"
            for name, value in (("site", self.site), ("sku", self.sku), ("supplier", self.supplier))
            if value is not None
        ]
        if self.start is not None or self.end is not None:
            parts.append(f"from {self.start or 'the start'} to {self.end or 'the end'}")
        return ", ".join(parts) or "all inspections"


def _optional_float(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)  # type: ignore[arg-type]


def read_characteristic(wh: Warehouse, characteristic_id: str) -> Characteristic:
    """The characteristic's row, or a refusal listing a few of the known ids."""
    table = wh.table("characteristics")
    rows = table.filter(table.characteristic_id == characteristic_id).to_pyarrow().to_pylist()
    if not rows:
        known = table.select("characteristic_id").limit(8).to_pyarrow().column(0).to_pylist()
        listed = ", ".join(known) if known else "none: load characteristics first"
        raise DataError(
            f"characteristic {characteristic_id!r} is not in the warehouse (known: {listed})"
        )
    row = rows[0]
    return Characteristic(
        characteristic_id=row["characteristic_id"],
        name=row["name"],
        site_id=row.get("site_id"),
        resource_id=row.get("resource_id"),
        unit=row.get("unit"),
        lsl=_optional_float(row.get("lsl")),
        usl=_optional_float(row.get("usl")),
        target=_optional_float(row.get("target")),
    )


def _day(column: ir.Value) -> ir.DateValue:
    return column.date()  # type: ignore[attr-defined, no-any-return]


def characteristic_samples(
    wh: Warehouse, characteristic_id: str, *, start: date | None = None, end: date | None = None
) -> pa.Table:
    """(subgroup, sample_no, value) of one characteristic, ordered by subgroup and sample."""
    samples = wh.table("quality_samples")
    kept = samples.filter(samples.characteristic_id == characteristic_id)
    if start is not None:
        kept = kept.filter(_day(kept.measured_at) >= ibis.date(start))
    if end is not None:
        kept = kept.filter(_day(kept.measured_at) <= ibis.date(end))
    table = (
        kept.select("subgroup", "sample_no", "value")
        .order_by(["subgroup", "sample_no"])
        .to_pyarrow()
    )
    if table.num_rows == 0:
        window = "" if start is None and end is None else f" from {start} to {end}"
        raise DataError(
            f"characteristic {characteristic_id!r} has no measurements in quality_samples"
            f"{window}; load quality_samples or widen --from/--to"
        )
    return table


def _inspections(wh: Warehouse, cut: InspectionCut) -> ir.Table:
    table = wh.table("inspections")
    for column, value in (("site_id", cut.site), ("sku", cut.sku), ("supplier_id", cut.supplier)):
        if value is not None:
            table = table.filter(table[column] == value)
    day = _day(table.inspected_at)
    if cut.start is not None:
        table = table.filter(day >= ibis.date(cut.start))
    if cut.end is not None:
        table = table.filter(day <= ibis.date(cut.end))
    return table


def inspection_subgroups(wh: Warehouse, grain: SubgroupGrain, cut: InspectionCut) -> pa.Table:
    """(subgroup, defectives, inspected) per day or ISO week, the subgroup as YYYY-MM-DD.

    The week's label is its Monday. Days or weeks without inspections are not
    subgroups (nothing was sampled).
    """
    table = _inspections(wh, cut)
    start = truncate(_day(table.inspected_at), grain.grain)
    grouped = (
        table.group_by(period=start)
        .aggregate(defectives=table.qty_defective.sum(), inspected=table.qty_inspected.sum())
        .order_by("period")
        .to_pyarrow()
    )
    if grouped.num_rows == 0:
        raise DataError(
            f"no inspections match ({cut.describe()}); load inspections or widen the cut"
        )
    labels = pa.array([d.isoformat() for d in grouped.column("period").to_pylist()], pa.string())
    return pa.table(
        {
            "subgroup": labels,
            "defectives": grouped.column("defectives").cast(pa.float64()),
            "inspected": grouped.column("inspected").cast(pa.float64()),
        }
    )


NO_CATEGORY = "(none)"


def inspection_categories(wh: Warehouse, by: ParetoBy, cut: InspectionCut) -> pa.Table:
    """(category, defectives, inspected, cost) per category, and totals over every row.

    ``cost`` is qty_defective x the product's unit_cost (0 where the inspection names
    no SKU or the SKU has no product row). An inspection without the column's value
    (no defect code, no supplier) falls in the category ``(none)``. The ``inspected``
    column counts every matching inspection, with or without defectives.
    """
    table = _inspections(wh, cut)
    products = wh.table("products").select(p_sku="sku", unit_cost="unit_cost")
    joined = table.left_join(products, table.sku == products.p_sku)
    category = joined[by.column].cast("string").fill_null(NO_CATEGORY)
    cost = (joined.qty_defective * joined.unit_cost.fill_null(0)).cast("float64")
    grouped = (
        joined.group_by(category=category)
        .aggregate(
            defectives=joined.qty_defective.sum().cast("float64"),
            inspected=joined.qty_inspected.sum().cast("float64"),
            cost=cost.sum(),
            inspections=joined.count(),
        )
        .order_by("category")
        .to_pyarrow()
    )
    if grouped.num_rows == 0:
        raise DataError(
            f"no inspections match ({cut.describe()}); load inspections or widen the cut"
        )
    return grouped


def process_event_log(
    wh: Warehouse,
    *,
    process: str | None,
    site: str | None = None,
    start: date | None = None,
    end: date | None = None,
) -> tuple[pd.DataFrame, str]:
    """The events of one process (case_id, activity, timestamp, resource) and its name.

    Without ``process`` the log must hold a single process; otherwise the refusal
    lists them. Events are returned in case and time order.
    """
    events = wh.table("process_events")
    if site is not None:
        events = events.filter(events.site_id == site)
    day = _day(events.timestamp)
    if start is not None:
        events = events.filter(day >= ibis.date(start))
    if end is not None:
        events = events.filter(day <= ibis.date(end))
    names = events.select("process").distinct().order_by("process").to_pyarrow().column(0)
    processes = [str(p) for p in names.to_pylist()]
    if process is None:
        if not processes:
            raise DataError("process_events holds no events for this cut; load an event log first")
        if len(processes) > 1:
            raise DataError(
                f"process_events holds {len(processes)} processes ({', '.join(processes)}); "
                f"choose one with --process"
            )
        process = processes[0]
    elif process not in processes:
        listed = ", ".join(processes) or "none"
        raise DataError(
            f"process {process!r} has no events in process_events (processes: {listed})"
        )
    chosen = events.filter(events.process == process)
    log = (
        chosen.select("case_id", "activity", "timestamp", "resource")
        .order_by(["case_id", "timestamp", "activity"])
        .to_pandas()
    )
    return log, process
