"""Evaluate a capex spec: metrics per project and the NPV tornado.

The tornado answers "which assumption matters most": each driver is moved down and
up by the same relative step (default 10%) with the others held at base, and the
bars are sorted by the NPV swing between the two. Derived projects move capex,
annual savings, opex change, discount rate and life (rounded to whole years, at
least 1); projects with explicit cash flows move all inflows together, all outflows
(the outlay) together, and the discount rate. A driver whose base value is zero
(say no opex change) cannot move relatively and is left out.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import assert_never

import numpy as np
from numpy.typing import NDArray

from obeya.errors import SpecError
from obeya.finance.capex import ProjectResult, evaluate_cash_flows, npv
from obeya.finance.capex_spec import CapexSpec, ProjectSpec
from obeya.finance.cashflow import CashFlowDrivers, derive_cash_flows

__all__ = ["Tornado", "TornadoBar", "TornadoDriver", "evaluate", "tornado"]


class TornadoDriver(StrEnum):
    """An assumption the tornado moves."""

    CAPEX = "capex"
    SAVINGS = "annual_savings"
    OPEX = "opex_change"
    DISCOUNT_RATE = "discount_rate"
    LIFE = "life"
    INFLOWS = "inflows"
    OUTLAY = "outlay"


@dataclass(frozen=True, slots=True)
class TornadoBar:
    """NPV with one driver moved down (``low``) and up (``high``) by the step."""

    driver: TornadoDriver
    base_input: float
    low_input: float
    high_input: float
    npv_low: float
    npv_high: float

    @property
    def swing(self) -> float:
        return abs(self.npv_high - self.npv_low)


@dataclass(frozen=True, slots=True)
class Tornado:
    """The bars of one project's tornado, largest swing first."""

    project_id: str
    base_npv: float
    step: float
    bars: tuple[TornadoBar, ...]


def evaluate(spec: CapexSpec) -> list[ProjectResult]:
    """Every metric of every project, in the spec's order."""
    return [
        evaluate_cash_flows(
            p.id,
            p.flows(),
            spec.discount_rate,
            finance_rate=spec.finance_rate,
            reinvest_rate=spec.reinvest_rate,
        )
        for p in spec.projects
    ]


def _base_value(
    driver: TornadoDriver, project: ProjectSpec, drivers: CashFlowDrivers | None, rate: float
) -> float:
    flows = project.flows()
    match driver:
        case TornadoDriver.DISCOUNT_RATE:
            return rate
        case TornadoDriver.INFLOWS:
            return float(flows[flows > 0].sum())
        case TornadoDriver.OUTLAY:
            return float(-flows[flows < 0].sum())
        case TornadoDriver.CAPEX:
            return 0.0 if drivers is None else drivers.capex
        case TornadoDriver.SAVINGS:
            return 0.0 if drivers is None else drivers.annual_savings
        case TornadoDriver.OPEX:
            return 0.0 if drivers is None else drivers.opex_change
        case TornadoDriver.LIFE:
            return 0.0 if drivers is None else float(drivers.life)
        case _:
            assert_never(driver)


def _npv_with(
    driver: TornadoDriver,
    factor: float,
    flows: NDArray[np.float64],
    drivers: CashFlowDrivers | None,
    rate: float,
) -> tuple[float, float]:
    """(moved input value, NPV) with ``driver`` multiplied by ``factor``."""
    match driver:
        case TornadoDriver.DISCOUNT_RATE:
            moved = rate * factor
            return moved, npv(moved, flows)
        case TornadoDriver.INFLOWS:
            scaled = np.where(flows > 0, flows * factor, flows)
            return float(scaled[scaled > 0].sum()), npv(rate, scaled)
        case TornadoDriver.OUTLAY:
            scaled = np.where(flows < 0, flows * factor, flows)
            return float(-scaled[scaled < 0].sum()), npv(rate, scaled)
        case TornadoDriver.CAPEX | TornadoDriver.SAVINGS | TornadoDriver.OPEX | TornadoDriver.LIFE:
            if drivers is None:
                raise SpecError(f"tornado driver {driver.value} applies to derived projects only")
            moved_drivers = _move(driver, factor, drivers)
            moved_value = _derived_value(driver, moved_drivers)
            return moved_value, npv(rate, derive_cash_flows(moved_drivers))
        case _:
            assert_never(driver)


def _move(driver: TornadoDriver, factor: float, d: CashFlowDrivers) -> CashFlowDrivers:
    if driver is TornadoDriver.CAPEX:
        return replace(d, capex=d.capex * factor)
    if driver is TornadoDriver.SAVINGS:
        return replace(d, annual_savings=d.annual_savings * factor)
    if driver is TornadoDriver.OPEX:
        return replace(d, opex_change=d.opex_change * factor)
    return replace(d, life=max(1, round(d.life * factor)))


def _derived_value(driver: TornadoDriver, d: CashFlowDrivers) -> float:
    if driver is TornadoDriver.CAPEX:
        return d.capex
    if driver is TornadoDriver.SAVINGS:
        return d.annual_savings
    if driver is TornadoDriver.OPEX:
        return d.opex_change
    return float(d.life)


def tornado(spec: CapexSpec, project_id: str, step: float = 0.10) -> Tornado:
    """NPV at -``step`` and +``step`` (relative) on each driver, largest swing first."""
    if not 0.0 < step < 1.0:
        raise SpecError(f"tornado step must be a fraction between 0 and 1 (0.10 = 10%), got {step}")
    project = spec.project(project_id)
    drivers = project.drivers()
    flows = project.flows()
    rate = spec.discount_rate
    candidates = (
        (
            TornadoDriver.CAPEX,
            TornadoDriver.SAVINGS,
            TornadoDriver.OPEX,
            TornadoDriver.DISCOUNT_RATE,
            TornadoDriver.LIFE,
        )
        if drivers is not None
        else (TornadoDriver.INFLOWS, TornadoDriver.OUTLAY, TornadoDriver.DISCOUNT_RATE)
    )
    bars = []
    for driver in candidates:
        base = _base_value(driver, project, drivers, rate)
        if base == 0.0:
            continue
        low_input, npv_low = _npv_with(driver, 1.0 - step, flows, drivers, rate)
        high_input, npv_high = _npv_with(driver, 1.0 + step, flows, drivers, rate)
        bars.append(TornadoBar(driver, base, low_input, high_input, npv_low, npv_high))
    bars.sort(key=lambda b: b.swing, reverse=True)
    return Tornado(project.id, npv(rate, flows), step, tuple(bars))
