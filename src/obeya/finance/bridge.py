"""Price / volume / mix / unit-cost variance bridge between two tables.

Given an *actual* table and a *comparison* table (budget or last year) at one grain
(the *member*: a family, customer or site) with units, revenue and cost, the change
in revenue or gross margin is split into effects per member that add up exactly to
the total change. Notation, per member i (a = actual, b = comparison):

    U units, R revenue, C cost, V the measure (R, or R - C for gross margin)
    p = R / U, c = C / U, v = V / U              per-unit price, cost and measure
    U_a, U_b = total units of continuing members
    s_i = U_i / U                                 share of the units (mix)
    v_bar_b = sum V_b / U_b                       comparison average per unit

Members with units on both sides are *continuing*; their effects are

    price  = (p_a - p_b) x U_a,i                  at actual units
    cost   = -(c_a - c_b) x U_a,i                 at actual units (margin only)
    volume = (U_a,i - U_b,i) x v_bar_b            at the comparison average
    mix    = U_a x (s_a,i - s_b,i) x (v_b,i - v_bar_b)

(the default ``DEVIATION`` convention: a member that gains share at the average
margin adds no mix). The ``MEMBER`` convention (Horngren's sales-quantity and
sales-mix variances) uses ``volume = (U_a - U_b) x s_b,i x v_b,i`` and ``mix = U_a x
(s_a,i - s_b,i) x v_b,i`` instead; the volume and mix *totals* are identical under
both, and under ``MEMBER`` each member's effects also add up to its own change.

A member with no comparison units is *new*: its whole actual value is the ``new``
effect; a member with no actual units is *lost*: minus its comparison value is the
``lost`` effect. Everything is computed on whole columns (pandas/NumPy).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import assert_never

import numpy as np
import pandas as pd
import pyarrow as pa

from obeya.errors import DataError

__all__ = [
    "BridgeColumns",
    "BridgeMeasure",
    "Effect",
    "MemberStatus",
    "MixConvention",
    "VarianceBridge",
    "Waterfall",
    "WaterfallGrouping",
    "WaterfallStep",
    "variance_bridge",
]


class BridgeMeasure(StrEnum):
    REVENUE = "revenue"
    GROSS_MARGIN = "gross_margin"


class Effect(StrEnum):
    VOLUME = "volume"
    MIX = "mix"
    PRICE = "price"
    COST = "cost"
    NEW = "new"
    LOST = "lost"


class MixConvention(StrEnum):
    DEVIATION = "deviation"  # mix at member minus average; volume at the average
    MEMBER = "member"  # Horngren: quantity and mix at each member's own per-unit value


class MemberStatus(StrEnum):
    CONTINUING = "continuing"
    NEW = "new"
    LOST = "lost"


class WaterfallGrouping(StrEnum):
    EFFECT = "effect"
    MEMBER = "member"


@dataclass(frozen=True, slots=True)
class BridgeColumns:
    """Column names of the input tables (both tables use the same names)."""

    member: str = "member"
    units: str = "units"
    revenue: str = "revenue"
    cost: str = "cost"


@dataclass(frozen=True, slots=True)
class WaterfallStep:
    label: str
    value: float
    start: float
    end: float


@dataclass(frozen=True, slots=True)
class Waterfall:
    """Chart data: a start bar, floating steps, an end bar."""

    start_label: str
    start: float
    steps: tuple[WaterfallStep, ...]
    end_label: str
    end: float

    def to_dict(self) -> dict[str, object]:
        return {
            "start": {"label": self.start_label, "value": self.start},
            "steps": [
                {"label": s.label, "value": s.value, "start": s.start, "end": s.end}
                for s in self.steps
            ],
            "end": {"label": self.end_label, "value": self.end},
        }


_EFFECTS_BY_MEASURE: Mapping[BridgeMeasure, tuple[Effect, ...]] = {
    BridgeMeasure.REVENUE: (Effect.VOLUME, Effect.MIX, Effect.PRICE, Effect.NEW, Effect.LOST),
    BridgeMeasure.GROSS_MARGIN: (
        Effect.VOLUME,
        Effect.MIX,
        Effect.PRICE,
        Effect.COST,
        Effect.NEW,
        Effect.LOST,
    ),
}


@dataclass(frozen=True, slots=True, eq=False)
class VarianceBridge:
    """The decomposition; ``members`` holds one ranked row per member.

    ``members`` columns: member, status, comparison, actual, change, one column per
    effect, total (the member's effects summed) and rank (1 = largest |total|).
    """

    measure: BridgeMeasure
    convention: MixConvention
    comparison_label: str
    comparison_total: float
    actual_total: float
    effects: Mapping[Effect, float]
    members: pd.DataFrame

    @property
    def change(self) -> float:
        return self.actual_total - self.comparison_total

    def waterfall(
        self, by: WaterfallGrouping = WaterfallGrouping.EFFECT, top: int = 10
    ) -> Waterfall:
        """Steps from the comparison total to the actual total, by effect or member."""
        match by:
            case WaterfallGrouping.EFFECT:
                pairs = [
                    (e.value, v)
                    for e, v in self.effects.items()
                    if e not in (Effect.NEW, Effect.LOST) or v != 0.0
                ]
            case WaterfallGrouping.MEMBER:
                ranked = self.members
                head = ranked.head(top)
                pairs = list(
                    zip(head["member"].astype(str), head["total"].astype(float), strict=True)
                )
                rest = ranked.iloc[top:]
                if len(rest):
                    pairs.append((f"other ({len(rest)} members)", float(rest["total"].sum())))
            case _:
                assert_never(by)
        values = np.array([v for _, v in pairs], dtype=np.float64)
        ends = self.comparison_total + np.cumsum(values)
        starts = ends - values
        steps = tuple(
            WaterfallStep(label, float(v), float(s), float(e))
            for (label, v), s, e in zip(pairs, starts, ends, strict=True)
        )
        return Waterfall(
            self.comparison_label, self.comparison_total, steps, "actual", self.actual_total
        )


def _frame(table: pd.DataFrame | pa.Table, cols: BridgeColumns, side: str) -> pd.DataFrame:
    df = table.to_pandas() if isinstance(table, pa.Table) else table
    wanted = [cols.member, cols.units, cols.revenue, cols.cost]
    missing = [c for c in wanted if c not in df.columns]
    if missing:
        raise DataError(
            f"{side} table lacks column(s) {', '.join(missing)}; "
            f"it has {', '.join(map(str, df.columns))}. "
            "Pass BridgeColumns(...) naming the member, units, revenue and cost columns"
        )
    out = df[wanted].copy()
    for c in wanted[1:]:
        values = pd.to_numeric(out[c], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        if not np.isfinite(values).all():
            raise DataError(
                f"{side} table: column {c} has {int((~np.isfinite(values)).sum())} empty or "
                "non-numeric values; fill them with numbers"
            )
        out[c] = values
    if out[cols.member].isna().any():
        raise DataError(
            f"{side} table: column {cols.member} has empty members; name every row's member"
        )
    negative = out[cols.units] < 0
    if negative.any():
        raise DataError(
            f"{side} table: units must not be negative; {int(negative.sum())} row(s) are, e.g. "
            f"member {out.loc[negative, cols.member].iloc[0]!r}; net returns off elsewhere"
        )
    return out.groupby(cols.member, sort=True, as_index=False)[wanted[1:]].sum()


def variance_bridge(
    actual: pd.DataFrame | pa.Table,
    comparison: pd.DataFrame | pa.Table,
    measure: BridgeMeasure = BridgeMeasure.GROSS_MARGIN,
    *,
    columns: BridgeColumns | None = None,
    convention: MixConvention = MixConvention.DEVIATION,
    comparison_label: str = "budget",
) -> VarianceBridge:
    """Split the change in ``measure`` from ``comparison`` to ``actual`` into effects.

    Rows are summed per member first, so the tables may be at a finer grain.
    ``columns`` names the input columns (default member, units, revenue, cost).
    """
    cols = BridgeColumns() if columns is None else columns
    a = _frame(actual, cols, "actual")
    b = _frame(comparison, cols, comparison_label)
    m = a.merge(b, on=cols.member, how="outer", suffixes=("_a", "_b")).fillna(0.0)
    ua, ub = m[f"{cols.units}_a"].to_numpy(), m[f"{cols.units}_b"].to_numpy()
    ra, rb = m[f"{cols.revenue}_a"].to_numpy(), m[f"{cols.revenue}_b"].to_numpy()
    ca, cb = m[f"{cols.cost}_a"].to_numpy(), m[f"{cols.cost}_b"].to_numpy()
    match measure:
        case BridgeMeasure.REVENUE:
            va, vb = ra, rb
        case BridgeMeasure.GROSS_MARGIN:
            va, vb = ra - ca, rb - cb
        case _:
            assert_never(measure)

    cont = (ua > 0) & (ub > 0)
    ua_c, ub_c = np.where(cont, ua, 0.0), np.where(cont, ub, 0.0)
    total_ua, total_ub = float(ua_c.sum()), float(ub_c.sum())
    safe_ua, safe_ub = np.where(cont, ua, 1.0), np.where(cont, ub, 1.0)
    share_a = ua_c / total_ua if total_ua > 0 else np.zeros_like(ua)
    share_b = ub_c / total_ub if total_ub > 0 else np.zeros_like(ub)
    unit_b = np.where(cont, vb / safe_ub, 0.0)
    avg_b = float(np.where(cont, vb, 0.0).sum()) / total_ub if total_ub > 0 else 0.0

    price = np.where(cont, (ra / safe_ua - rb / safe_ub) * ua, 0.0)
    cost = np.zeros_like(price)
    if measure is BridgeMeasure.GROSS_MARGIN:
        cost = np.where(cont, -(ca / safe_ua - cb / safe_ub) * ua, 0.0)
    match convention:
        case MixConvention.DEVIATION:
            volume = (ua_c - ub_c) * avg_b
            mix = total_ua * (share_a - share_b) * (unit_b - avg_b)
        case MixConvention.MEMBER:
            volume = (total_ua - total_ub) * share_b * unit_b
            mix = total_ua * (share_a - share_b) * unit_b
        case _:
            assert_never(convention)
    new = np.where(cont, 0.0, va)
    lost = np.where(cont, 0.0, 0.0 - vb)

    by_effect = {
        Effect.VOLUME: volume,
        Effect.MIX: mix,
        Effect.PRICE: price,
        Effect.COST: cost,
        Effect.NEW: new,
        Effect.LOST: lost,
    }
    effects = _EFFECTS_BY_MEASURE[measure]
    status = np.where(
        cont,
        MemberStatus.CONTINUING.value,
        np.where(ub > 0, MemberStatus.LOST.value, MemberStatus.NEW.value),
    )
    # A member with amounts but no units on either side is neither: call it new when it
    # has actual value, lost otherwise (its effects say exactly what happened).
    status = np.where(~cont & (ua <= 0) & (ub <= 0) & (va == 0), MemberStatus.LOST.value, status)
    members = pd.DataFrame(
        {
            "member": m[cols.member].to_numpy(),
            "status": status,
            "comparison": vb,
            "actual": va,
            "change": va - vb,
            **{e.value: by_effect[e] for e in effects},
        }
    )
    members["total"] = np.sum([by_effect[e] for e in effects], axis=0)
    order = np.lexsort(
        (members["member"].astype(str).to_numpy(), -np.abs(members["total"].to_numpy()))
    )
    members = members.iloc[order].reset_index(drop=True)
    members["rank"] = np.arange(1, len(members) + 1)
    return VarianceBridge(
        measure=measure,
        convention=convention,
        comparison_label=comparison_label,
        comparison_total=float(vb.sum()),
        actual_total=float(va.sum()),
        effects={e: float(by_effect[e].sum()) for e in effects},
        members=members,
    )
