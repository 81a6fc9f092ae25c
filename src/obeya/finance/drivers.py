"""P&L drivers and the base they move: shared by scenarios and the rolling forecast.

A :class:`DriverBase` holds a P&L broken into *cells*: the variable lines (revenue,
material, direct labour, freight) and the units per site and product family, and
the fixed lines (overhead, warehousing, SG&A, other) per site, plus amounts no
driver moves (``locked``: the actuals to date of a forecast year). A
:class:`Driver` multiplies the lines its kind moves by ``1 + change`` in the cells
its ``site`` and ``family`` select (all cells when not given):

============  ==============================================================
kind          lines multiplied by (1 + change)
============  ==============================================================
price         revenue
volume        units, revenue, cogs_material, cogs_labor, freight
unit_cost     cogs_material
freight_rate  freight
wages         cogs_labor
overhead      cogs_overhead (by site only)
warehousing   warehousing (by site only)
sga           sga (by site only)
============  ==============================================================

``demand`` is read as ``volume`` so that planning scenarios, which speak of demand,
read the same. Several drivers compound: a cell under price +2% and volume -8% has
revenue x 1.02 x 0.92. The margins are recomputed from the lines, never moved.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any, Self, assert_never

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from obeya.errors import SpecError
from obeya.finance.pnl import PnlLineCode

__all__ = [
    "FIXED_LINES",
    "VARIABLE_LINES",
    "Driver",
    "DriverBase",
    "DriverKind",
    "line_totals",
]

VARIABLE_LINES: tuple[PnlLineCode, ...] = (
    PnlLineCode.REVENUE,
    PnlLineCode.COGS_MATERIAL,
    PnlLineCode.COGS_LABOR,
    PnlLineCode.FREIGHT,
)
FIXED_LINES: tuple[PnlLineCode, ...] = (
    PnlLineCode.COGS_OVERHEAD,
    PnlLineCode.WAREHOUSING,
    PnlLineCode.SGA,
    PnlLineCode.OTHER,
)
NO_ORDERS = "(no orders)"  # the family of ledger amounts a site booked without order lines


class DriverKind(StrEnum):
    """What a driver changes."""

    PRICE = "price"
    VOLUME = "volume"
    UNIT_COST = "unit_cost"
    FREIGHT_RATE = "freight_rate"
    WAGES = "wages"
    OVERHEAD = "overhead"
    WAREHOUSING = "warehousing"
    SGA = "sga"

    @property
    def lines(self) -> tuple[PnlLineCode, ...]:
        """The P&L lines the driver multiplies."""
        match self:
            case DriverKind.PRICE:
                return (PnlLineCode.REVENUE,)
            case DriverKind.VOLUME:
                return VARIABLE_LINES
            case DriverKind.UNIT_COST:
                return (PnlLineCode.COGS_MATERIAL,)
            case DriverKind.FREIGHT_RATE:
                return (PnlLineCode.FREIGHT,)
            case DriverKind.WAGES:
                return (PnlLineCode.COGS_LABOR,)
            case DriverKind.OVERHEAD:
                return (PnlLineCode.COGS_OVERHEAD,)
            case DriverKind.WAREHOUSING:
                return (PnlLineCode.WAREHOUSING,)
            case DriverKind.SGA:
                return (PnlLineCode.SGA,)
            case _:
                assert_never(self)

    @property
    def by_family(self) -> bool:
        """True when the driver moves variable lines, kept per family."""
        return all(line in VARIABLE_LINES for line in self.lines)


class Driver(BaseModel):
    """One change: ``kind`` moved by ``change`` (0.02 = +2%) in a site and/or family."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: DriverKind
    change: Annotated[float, Field(gt=-1, allow_inf_nan=False)]
    family: Annotated[str, Field(min_length=1)] | None = None
    site: Annotated[str, Field(min_length=1)] | None = None

    @field_validator("kind", mode="before")
    @classmethod
    def _demand_is_volume(cls, value: Any) -> Any:
        return DriverKind.VOLUME.value if value == "demand" else value

    @model_validator(mode="after")
    def _family_needs_variable_line(self) -> Self:
        if self.family is not None and not self.kind.by_family:
            raise ValueError(
                f"{self.kind.value} is booked per site, not per product family: "
                "remove family (or use site)"
            )
        return self

    @property
    def label(self) -> str:
        scope = [s for s in (self.family, self.site) if s is not None]
        return self.kind.value + (f" ({', '.join(scope)})" if scope else "")

    def with_change(self, change: float) -> Driver:
        return self.model_copy(update={"change": change})


def line_totals(amounts: Mapping[PnlLineCode, float]) -> dict[PnlLineCode, float]:
    """All ten lines in report order, the margins computed from the others."""
    out = {line: float(amounts.get(line, 0.0)) for line in (*VARIABLE_LINES, *FIXED_LINES)}
    gm = (
        out[PnlLineCode.REVENUE]
        - out[PnlLineCode.COGS_MATERIAL]
        - out[PnlLineCode.COGS_LABOR]
        - out[PnlLineCode.COGS_OVERHEAD]
    )
    oi = (
        gm
        - out[PnlLineCode.FREIGHT]
        - out[PnlLineCode.WAREHOUSING]
        - out[PnlLineCode.SGA]
        - out[PnlLineCode.OTHER]
    )
    out[PnlLineCode.GROSS_MARGIN] = gm
    out[PnlLineCode.OPERATING_INCOME] = oi
    return {line: out[line] for line in PnlLineCode}


def _cell_columns() -> list[str]:
    return ["site_id", "family", "units", *(line.value for line in VARIABLE_LINES)]


def _fixed_columns() -> list[str]:
    return ["site_id", *(line.value for line in FIXED_LINES)]


@dataclass(frozen=True, slots=True, eq=False)
class DriverBase:
    """A P&L in cells that drivers can move; see the module docstring.

    ``cells`` has site_id, family, units and one column per variable line (it may
    carry more key columns, such as a month); ``fixed`` has site_id and one column per
    fixed line; ``locked`` holds amounts per line that no driver moves.
    """

    label: str
    cells: pd.DataFrame
    fixed: pd.DataFrame
    locked: Mapping[PnlLineCode, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for frame, wanted, name in (
            (self.cells, _cell_columns(), "cells"),
            (self.fixed, _fixed_columns(), "fixed"),
        ):
            missing = [c for c in wanted if c not in frame.columns]
            if missing:
                raise SpecError(f"driver base {name} lack column(s) {', '.join(missing)}")

    def totals(self) -> dict[PnlLineCode, float]:
        """The P&L lines (with margins) of the base, locked amounts included."""
        sums = {
            line: float(self.cells[line.value].sum()) + float(self.locked.get(line, 0.0))
            for line in VARIABLE_LINES
        }
        sums |= {
            line: float(self.fixed[line.value].sum()) + float(self.locked.get(line, 0.0))
            for line in FIXED_LINES
        }
        return line_totals(sums)

    @property
    def units(self) -> float:
        return float(self.cells["units"].sum())

    def sites(self) -> list[str]:
        return sorted(
            set(self.cells["site_id"].astype(str)) | set(self.fixed["site_id"].astype(str))
        )

    def families(self) -> list[str]:
        return sorted(set(self.cells["family"].astype(str)) - {NO_ORDERS})

    def check(self, driver: Driver, where: str = "") -> None:
        """Refuse a driver whose site or family the base does not have."""
        prefix = f"{where}: " if where else ""
        if driver.site is not None and driver.site not in self.sites():
            raise SpecError(
                f"{prefix}driver {driver.label}: site {driver.site!r} is not in the base "
                f"({self.label}); its sites are {', '.join(self.sites())}"
            )
        if driver.family is not None and driver.family not in self.families():
            raise SpecError(
                f"{prefix}driver {driver.label}: family {driver.family!r} is not in the base "
                f"({self.label}); its families are {', '.join(self.families())}"
            )

    def apply(self, drivers: Sequence[Driver], where: Sequence[str] = ()) -> DriverBase:
        """A new base with every driver applied (they compound); ``where`` names them."""
        cells, fixed = self.cells.copy(), self.fixed.copy()
        for i, d in enumerate(drivers):
            self.check(d, where[i] if i < len(where) else f"driver #{i + 1}")
            factor = 1.0 + d.change
            if d.kind.by_family:
                mask = np.ones(len(cells), dtype=bool)
                if d.site is not None:
                    mask &= (cells["site_id"] == d.site).to_numpy()
                if d.family is not None:
                    mask &= (cells["family"] == d.family).to_numpy()
                columns = [line.value for line in d.kind.lines]
                if d.kind is DriverKind.VOLUME:
                    columns.append("units")
                scale = np.where(mask, factor, 1.0)
                cells[columns] = cells[columns].to_numpy(dtype=np.float64) * scale[:, None]
            else:
                site_mask = (
                    np.ones(len(fixed), dtype=bool)
                    if d.site is None
                    else (fixed["site_id"] == d.site).to_numpy()
                )
                for line in d.kind.lines:
                    fixed[line.value] = np.where(
                        site_mask,
                        fixed[line.value].to_numpy(dtype=np.float64) * factor,
                        fixed[line.value].to_numpy(dtype=np.float64),
                    )
        return DriverBase(self.label, cells, fixed, dict(self.locked))
