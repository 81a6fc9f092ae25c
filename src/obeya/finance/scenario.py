"""Driver scenarios on the P&L: what a price, volume, cost or wage change is worth.

A scenario file (YAML) lists drivers (see :mod:`obeya.finance.drivers` for what each
kind moves)::

    name: Freight and wage squeeze          # optional
    base: last_12_months                    # or forecast (the rolling forecast year)
    as_of: 2025-10                          # optional; default the last ledger month
    drivers:
      - {kind: price, family: Kettles, change: 0.02}
      - {kind: freight_rate, change: 0.10}
      - {kind: wages, change: 0.04}
      - {kind: volume, change: -0.08, site: P-DE1}

The keys ``kind``, ``change``, ``family`` and ``site`` of a driver, and the kinds
``demand`` (read as ``volume``) and ``wages``, are the ones planning scenarios use,
so one file can feed both. Unknown keys are refused; every problem is reported at
once as ``file:line: driver #n: field: what is wrong``.

The *base* is the last full 12 months of the ledger to ``as_of`` (split into site x
family cells by the order lines, :func:`~obeya.finance.history.base_from_history`),
or the rolling forecast of ``as_of``'s year, where drivers move only the projected
months. The result is the P&L line by line, base against scenario. The tornado
moves each driver alone by -step and +step (e.g. -10% and +10%) and sorts the
drivers by the swing in operating income.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, assert_never

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from obeya.errors import DataError, SpecError
from obeya.finance._common import backend, month_index
from obeya.finance.drivers import Driver, DriverBase
from obeya.finance.history import base_from_history, load_history
from obeya.finance.pnl import PnlLineCode
from obeya.finance.rolling import build_rolling_forecast, latest_actual_month
from obeya.yamlspec import Loc, line_of, load_yaml, validate_document

__all__ = [
    "ScenarioBaseKind",
    "ScenarioLine",
    "ScenarioResult",
    "ScenarioSpec",
    "ScenarioTornadoBar",
    "load_scenario",
    "parse_scenario",
    "run_scenario",
    "scenario_base",
    "scenario_tornado",
]


class ScenarioBaseKind(StrEnum):
    LAST_12_MONTHS = "last_12_months"
    FORECAST = "forecast"


class ScenarioSpec(BaseModel):
    """A named set of drivers and the base they apply to."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str | None = None
    description: str | None = None
    base: ScenarioBaseKind = ScenarioBaseKind.LAST_12_MONTHS
    as_of: Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] | None = None
    drivers: Annotated[tuple[Driver, ...], Field(min_length=1)]
    _locations: tuple[str, ...] = PrivateAttr(default=())

    @property
    def locations(self) -> tuple[str, ...]:
        """``file:line`` of each driver (empty for a spec built in code)."""
        return self._locations


@dataclass(frozen=True, slots=True)
class ScenarioLine:
    line: PnlLineCode
    base: float
    scenario: float
    change: float
    change_pct: float | None


@dataclass(frozen=True, slots=True)
class ScenarioTornadoBar:
    """Operating income with one driver alone at -step and +step, and at its own change."""

    driver: str
    change: float
    operating_income_low: float
    operating_income_high: float
    impact: float  # operating income change with the driver alone at its own change

    @property
    def swing(self) -> float:
        return abs(self.operating_income_high - self.operating_income_low)


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    name: str
    base_label: str
    drivers: tuple[str, ...]
    lines: tuple[ScenarioLine, ...]
    tornado_step: float | None = None
    tornado: tuple[ScenarioTornadoBar, ...] = ()

    def line(self, code: PnlLineCode) -> ScenarioLine:
        return next(ln for ln in self.lines if ln.line is code)

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "base": self.base_label,
            "drivers": list(self.drivers),
            "lines": [
                {
                    "line": ln.line.value,
                    "base": ln.base,
                    "scenario": ln.scenario,
                    "change": ln.change,
                    "change_pct": ln.change_pct,
                }
                for ln in self.lines
            ],
            "tornado_step": self.tornado_step,
            "tornado": [
                {
                    "driver": b.driver,
                    "change": b.change,
                    "operating_income_low": b.operating_income_low,
                    "operating_income_high": b.operating_income_high,
                    "swing": b.swing,
                    "impact": b.impact,
                }
                for b in self.tornado
            ],
        }


# ------------------------------------------------------------------ loading


def _describe(loc: Loc) -> str:
    if len(loc) >= 2 and loc[0] == "drivers" and isinstance(loc[1], int):
        rest = ".".join(str(p) for p in loc[2:])
        return f"driver #{loc[1] + 1}" + (f": {rest}" if rest else "")
    return ".".join(str(p) for p in loc)


def _rules(spec: ScenarioSpec) -> list[tuple[Loc, str]]:
    """The same driver (kind, family, site) twice would compound silently."""
    keys = [(d.kind, d.family, d.site) for d in spec.drivers]
    counts = Counter(keys)
    return [
        (
            ("drivers", i),
            f"the same driver ({spec.drivers[i].label}) appears {counts[k]} times and would "
            "compound; merge them into one change",
        )
        for i, k in enumerate(keys)
        if counts[k] > 1 and keys.index(k) != i
    ]


def _finish(spec: ScenarioSpec, source: str, lines: dict[Loc, int]) -> ScenarioSpec:
    locations = tuple(
        f"{source}:{line_of(lines, ('drivers', i))}" if lines else f"{source}: driver #{i + 1}"
        for i in range(len(spec.drivers))
    )
    spec._locations = locations
    return spec


def parse_scenario(data: Any, source: str = "<scenario>") -> ScenarioSpec:
    """Validate a scenario already in memory (a dict)."""
    spec = validate_document(
        ScenarioSpec,
        data,
        source=source,
        what="scenario",
        lines={},
        dups=[],
        describe=_describe,
        rules=_rules,
    )
    return _finish(spec, source, {})


def load_scenario(path: str | Path) -> ScenarioSpec:
    """Read and validate a scenario YAML file; every problem names file:line."""
    data, lines, dups = load_yaml(path, "scenario")
    spec = validate_document(
        ScenarioSpec,
        data,
        source=str(path),
        what="scenario",
        lines=lines,
        dups=dups,
        describe=_describe,
        rules=_rules,
    )
    return _finish(spec, str(path), lines)


# ------------------------------------------------------------------ running


def scenario_base(source: Any, kind: ScenarioBaseKind, as_of: str | None = None) -> DriverBase:
    """The base P&L a scenario moves, from the warehouse (or an Ibis backend)."""
    con = backend(source)
    as_of = as_of or latest_actual_month(con)
    match kind:
        case ScenarioBaseKind.LAST_12_MONTHS:
            last = month_index(as_of)
            history = load_history(con, last - 11, last, "the scenario")
            if not len(history.gl):
                raise DataError(
                    f"gl_actuals has nothing in the 12 months to {as_of}: "
                    "choose as_of with ledger actuals"
                )
            return base_from_history(history, last - 11, last, f"last 12 months to {as_of}")
        case ScenarioBaseKind.FORECAST:
            return build_rolling_forecast(con, as_of).base()
        case _:
            assert_never(kind)


def _operating_income(base: DriverBase) -> float:
    return base.totals()[PnlLineCode.OPERATING_INCOME]


def scenario_tornado(
    base: DriverBase, drivers: tuple[Driver, ...], step: float, where: tuple[str, ...] = ()
) -> tuple[ScenarioTornadoBar, ...]:
    """Each driver alone at -step and +step; the largest operating-income swing first."""
    if not 0.0 < step < 1.0:
        raise SpecError(
            f"the tornado step must be a fraction between 0 and 1 (0.1 = 10%), got {step}"
        )
    base_oi = _operating_income(base)
    bars = []
    for i, d in enumerate(drivers):
        loc = (where[i],) if i < len(where) else ()
        low = _operating_income(base.apply([d.with_change(-step)], loc))
        high = _operating_income(base.apply([d.with_change(step)], loc))
        own = _operating_income(base.apply([d], loc)) - base_oi
        bars.append(ScenarioTornadoBar(d.label, d.change, low, high, own))
    bars.sort(key=lambda b: (-b.swing, b.driver))
    return tuple(bars)


def run_scenario(
    spec: ScenarioSpec, base: DriverBase, *, tornado_step: float | None = None
) -> ScenarioResult:
    """The P&L of ``base`` with every driver of ``spec`` applied, line by line."""
    moved = base.apply(spec.drivers, spec.locations)
    before, after = base.totals(), moved.totals()
    lines = tuple(
        ScenarioLine(
            line,
            before[line],
            after[line],
            after[line] - before[line],
            (after[line] - before[line]) / abs(before[line]) if before[line] != 0 else None,
        )
        for line in PnlLineCode
    )
    tornado = (
        scenario_tornado(base, spec.drivers, tornado_step, spec.locations)
        if tornado_step is not None
        else ()
    )
    return ScenarioResult(
        name=spec.name or "scenario",
        base_label=base.label,
        drivers=tuple(d.label + f" {d.change:+.1%}" for d in spec.drivers),
        lines=lines,
        tornado_step=tornado_step,
        tornado=tornado,
    )
