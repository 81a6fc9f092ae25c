"""Typed results of the control charts, each with a ``to_dict()`` for JSON.

A chart is one or two *panels* (X-bar and R, I and MR, or a single p chart); each
panel holds per-point values, centre line, limits and the σ of the plotted
statistic, so charts with constant and with variable limits share one shape. JSON
gives a limit as a number when it is the same at every point and as a list
(one per subgroup) when it varies.
"""

from __future__ import annotations

import enum
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from obeya.quality._input import BoolArray, FloatArray, float_list, jsonable
from obeya.quality.rules import RuleSet

__all__ = ["ChartKind", "ControlChart", "CusumChart", "Panel", "Phase", "Signal", "Statistic"]


class Statistic(enum.Enum):
    """What a panel plots; the value is the key used in JSON."""

    XBAR = "xbar"
    R = "r"
    S = "s"
    INDIVIDUAL = "i"
    MR = "mr"
    P = "p"
    NP = "np"
    C = "c"
    U = "u"
    EWMA = "ewma"
    CUSUM = "cusum"

    @property
    def noun(self) -> str:
        """What one point is, in words a supervisor uses."""
        return _NOUNS[self]


_NOUNS = {
    Statistic.XBAR: "subgroup average",
    Statistic.R: "subgroup range",
    Statistic.S: "subgroup standard deviation",
    Statistic.INDIVIDUAL: "individual value",
    Statistic.MR: "moving range",
    Statistic.P: "proportion defective",
    Statistic.NP: "number defective",
    Statistic.C: "count of nonconformities",
    Statistic.U: "nonconformities per unit",
    Statistic.EWMA: "EWMA of the subgroup averages",
    Statistic.CUSUM: "cumulative sum",
}


class ChartKind(enum.Enum):
    """The kinds of control chart obeya draws."""

    XBAR_R = "xbar_r"
    XBAR_S = "xbar_s"
    I_MR = "i_mr"
    P = "p"
    NP = "np"
    C = "c"
    U = "u"
    EWMA = "ewma"
    CUSUM = "cusum"


class Phase(enum.Enum):
    """Phase I: limits from all (retained) subgroups. Phase II: limits from a reference set."""

    PHASE_I = "I"
    PHASE_II = "II"


@dataclass(frozen=True, slots=True)
class Signal:
    """One out-of-control signal: which chart, rule and subgroups, and what to do."""

    chart: Statistic
    subgroup: Hashable
    rule: int
    rule_set: RuleSet
    points: tuple[Hashable, ...]
    explanation: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form: labels as given (numpy scalars unwrapped, times as ISO text)."""
        return {
            "chart": self.chart.value,
            "subgroup": jsonable(self.subgroup),
            "rule": self.rule,
            "rule_set": self.rule_set.value,
            "points": [jsonable(p) for p in self.points],
            "explanation": self.explanation,
        }


def _frozen(array: FloatArray) -> FloatArray:
    out = np.array(array, dtype=np.float64)
    out.flags.writeable = False
    return out


def _scalar_or_list(values: FloatArray) -> float | list[float | None]:
    """A limit as one number when it is the same at every point, else one per point."""
    if np.all(values == values[0]):
        return float(values[0])
    return float_list(values)


@dataclass(frozen=True, eq=False, slots=True)
class Panel:
    """One plotted statistic with its centre line, limits and σ at every point.

    ``limit`` is the width of the control limits in σ (3 for Shewhart charts, L for
    EWMA). ``rules`` lists the rule numbers applied to this panel.
    """

    statistic: Statistic
    values: FloatArray
    center: FloatArray
    ucl: FloatArray
    lcl: FloatArray
    sigma: FloatArray
    limit: float = 3.0
    rules: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        for name in ("values", "center", "ucl", "lcl", "sigma"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))

    @property
    def z(self) -> FloatArray:
        """Standardised values (x - centre)/σ, the input of the run rules."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray((self.values - self.center) / self.sigma, dtype=np.float64)

    def limits_dict(self) -> dict[str, Any]:
        """``{"center", "ucl", "lcl"}``: numbers, or lists for per-point limits."""
        return {
            "center": _scalar_or_list(self.center),
            "ucl": _scalar_or_list(self.ucl),
            "lcl": _scalar_or_list(self.lcl),
        }


@dataclass(frozen=True, eq=False, slots=True)
class ControlChart:
    """A Shewhart or EWMA chart: panels, signals and the subgroups behind the limits.

    ``reference`` marks the subgroups the limits were computed from (all of them in
    Phase I) and ``excluded`` those the user removed as having assignable causes;
    excluded subgroups stay on the chart and are still judged by the rules.
    ``extra`` holds further per-subgroup columns (sizes, counts, raw means) and
    ``parameters`` the estimates behind the limits.
    """

    kind: ChartKind
    labels: tuple[Hashable, ...]
    panels: tuple[Panel, ...]
    signals: tuple[Signal, ...]
    phase: Phase
    rule_set: RuleSet
    reference: BoolArray
    excluded: BoolArray
    extra: Mapping[str, FloatArray] = field(default_factory=dict)
    parameters: Mapping[str, float] = field(default_factory=dict)

    def panel(self, statistic: Statistic) -> Panel:
        """The panel plotting ``statistic``."""
        for panel in self.panels:
            if panel.statistic is statistic:
                return panel
        raise KeyError(f"{self.kind.value} chart has no {statistic.value} panel")

    def signals_on(self, statistic: Statistic) -> tuple[Signal, ...]:
        """The signals raised on one panel."""
        return tuple(s for s in self.signals if s.chart is statistic)

    def to_dict(self) -> dict[str, Any]:
        """JSON: ``{"xbar": {...limits}, "r": {...}, "signals": [...], "points": {...}}``."""
        out: dict[str, Any] = {
            "chart": self.kind.value,
            "phase": self.phase.value,
            "rule_set": self.rule_set.value,
        }
        for panel in self.panels:
            out[panel.statistic.value] = panel.limits_dict()
        out["parameters"] = {k: float(v) for k, v in self.parameters.items()}
        out["signals"] = [s.to_dict() for s in self.signals]
        points: dict[str, Any] = {"subgroup": [jsonable(x) for x in self.labels]}
        for panel in self.panels:
            points[panel.statistic.value] = float_list(panel.values)
        for name, column in self.extra.items():
            points[name] = float_list(column)
        points["excluded"] = [bool(x) for x in self.excluded]
        points["reference"] = [bool(x) for x in self.reference]
        out["points"] = points
        return out


@dataclass(frozen=True, eq=False, slots=True)
class CusumChart:
    """A tabular CUSUM: upper and lower sums against the decision interval H.

    ``x`` is the charted statistic (individual values or subgroup averages), ``sigma``
    its standard deviation, ``k`` and ``h`` the reference value and decision interval
    in σ units, so ``K = k·σ`` and ``H = h·σ``. ``n_plus``/``n_minus`` count the
    periods since each sum was last zero (used to estimate the shifted mean).
    """

    labels: tuple[Hashable, ...]
    x: FloatArray
    c_plus: FloatArray
    c_minus: FloatArray
    n_plus: FloatArray
    n_minus: FloatArray
    target: float
    sigma: float
    k: float
    h: float
    signals: tuple[Signal, ...]
    phase: Phase
    rule_set: RuleSet
    reference: BoolArray
    excluded: BoolArray

    def __post_init__(self) -> None:
        for name in ("x", "c_plus", "c_minus", "n_plus", "n_minus"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))

    @property
    def decision_interval(self) -> float:
        """H = h·σ, in the units of the data."""
        return self.h * self.sigma

    @property
    def reference_value(self) -> float:
        """K = k·σ, in the units of the data."""
        return self.k * self.sigma

    def to_dict(self) -> dict[str, Any]:
        """JSON: ``{"cusum": {"center": 0, "ucl": H, "lcl": -H}, "signals": [...], ...}``.

        The lower sum is reported as the positive ``c_minus``; charts plot it as -C-.
        """
        big_h = self.decision_interval
        return {
            "chart": ChartKind.CUSUM.value,
            "phase": self.phase.value,
            "rule_set": self.rule_set.value,
            "cusum": {"center": 0.0, "ucl": big_h, "lcl": -big_h},
            "parameters": {
                "target": self.target,
                "sigma": self.sigma,
                "k": self.k,
                "h": self.h,
                "K": self.reference_value,
                "H": big_h,
            },
            "signals": [s.to_dict() for s in self.signals],
            "points": {
                "subgroup": [jsonable(x) for x in self.labels],
                "x": float_list(self.x),
                "c_plus": float_list(self.c_plus),
                "c_minus": float_list(self.c_minus),
                "n_plus": float_list(self.n_plus),
                "n_minus": float_list(self.n_minus),
                "excluded": [bool(x) for x in self.excluded],
                "reference": [bool(x) for x in self.reference],
            },
        }
