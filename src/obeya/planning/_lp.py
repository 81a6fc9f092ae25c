"""Linear programmes built from NumPy arrays and solved with HiGHS.

The planning models describe their variables and constraints as *blocks*: a named
group of columns (or rows) laid out over a few labelled axes (family x site x
period, say). A block hands back an integer array of column (row) indices with the
block's shape, so a constraint is written as whole-array arithmetic on index
arrays and coefficient arrays, collected as COO triplets and compressed once into a
CSC matrix. Nothing here makes one Python call per coefficient.

The same layout turns a row or column index back into a readable label such as
``capacity[site=S2, period=5]``, which is how infeasibility (an IIS computed by
HiGHS) and binding constraints are reported in words a planner understands.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final, assert_never

import numpy as np
import scipy.sparse as sp
from highspy import (
    HighsLp,
    HighsModelStatus,
    HighsVarType,
    MatrixFormat,
    ObjSense,
    kSolutionStatusFeasible,
)
from highspy._core import _Highs
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "Block",
    "Conflict",
    "Layout",
    "LinearProgram",
    "LpSolution",
    "LpSolver",
    "SolveStatus",
    "Triplets",
    "solve_lp",
]

INF: Final = math.inf
FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


class LpSolver(StrEnum):
    """Which HiGHS algorithm solves the LP (a MIP always uses branch and bound)."""

    SIMPLEX = "simplex"
    IPM = "ipm"


class SolveStatus(StrEnum):
    """Outcome of a solve, in the planner's words."""

    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    UNBOUNDED_OR_INFEASIBLE = "unbounded_or_infeasible"
    TIME_LIMIT = "time_limit"
    ITERATION_LIMIT = "iteration_limit"
    ERROR = "error"


_STATUS: Final[dict[HighsModelStatus, SolveStatus]] = {
    HighsModelStatus.kOptimal: SolveStatus.OPTIMAL,
    HighsModelStatus.kModelEmpty: SolveStatus.OPTIMAL,
    HighsModelStatus.kInfeasible: SolveStatus.INFEASIBLE,
    HighsModelStatus.kUnbounded: SolveStatus.UNBOUNDED,
    HighsModelStatus.kUnboundedOrInfeasible: SolveStatus.UNBOUNDED_OR_INFEASIBLE,
    HighsModelStatus.kTimeLimit: SolveStatus.TIME_LIMIT,
    HighsModelStatus.kIterationLimit: SolveStatus.ITERATION_LIMIT,
}


@dataclass(frozen=True, slots=True)
class Block:
    """A named group of consecutive columns or rows laid out over labelled axes."""

    name: str
    offset: int
    axes: tuple[tuple[str, tuple[str, ...]], ...]

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(labels) for _, labels in self.axes)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    def indices(self) -> IntArray:
        """The block's global indices, shaped like its axes."""
        return (self.offset + np.arange(self.size, dtype=np.int64)).reshape(self.shape)

    def coordinates(self, index: int) -> tuple[tuple[str, str], ...]:
        """(axis, label) pairs of one global index; axes of length one are left out."""
        local = np.unravel_index(index - self.offset, self.shape)
        return tuple(
            (axis, labels[int(i)])
            for (axis, labels), i in zip(self.axes, local, strict=True)
            if len(labels) > 1
        )

    def label(self, index: int) -> str:
        """``name[axis=label, ...]`` for one global index."""
        coords = ", ".join(f"{axis}={value}" for axis, value in self.coordinates(index))
        return f"{self.name}[{coords}]" if coords else self.name


@dataclass(slots=True)
class Layout:
    """Allocates blocks of consecutive indices (columns or rows) and labels them."""

    blocks: list[Block] = field(default_factory=list)
    size: int = 0

    def add(self, name: str, *axes: tuple[str, tuple[str, ...]]) -> IntArray:
        """Append a block and return its indices shaped like ``axes``."""
        block = Block(name, self.size, tuple(axes))
        self.blocks.append(block)
        self.size += block.size
        return block.indices()

    def block_of(self, index: int) -> Block:
        """The block holding a global index."""
        offsets = np.fromiter((b.offset for b in self.blocks), dtype=np.int64)
        return self.blocks[int(np.searchsorted(offsets, index, side="right")) - 1]

    def label(self, index: int) -> str:
        return self.block_of(index).label(index)


@dataclass(slots=True)
class Triplets:
    """COO triplets of a constraint matrix, appended a whole array at a time."""

    rows: list[IntArray] = field(default_factory=list)
    cols: list[IntArray] = field(default_factory=list)
    values: list[FloatArray] = field(default_factory=list)

    def add(self, rows: ArrayLike, cols: ArrayLike, values: ArrayLike) -> None:
        """Add ``values`` at ``(rows, cols)``; the three broadcast against each other."""
        r, c, v = np.broadcast_arrays(
            np.asarray(rows, dtype=np.int64),
            np.asarray(cols, dtype=np.int64),
            np.asarray(values, dtype=np.float64),
        )
        keep = v != 0.0
        self.rows.append(r[keep].ravel())
        self.cols.append(c[keep].ravel())
        self.values.append(v[keep].ravel())

    def to_csc(self, num_rows: int, num_cols: int) -> sp.csc_array:
        """Compress to CSC; duplicate entries are summed."""
        if not self.rows:
            return sp.csc_array((num_rows, num_cols), dtype=np.float64)
        coo = sp.coo_array(
            (np.concatenate(self.values), (np.concatenate(self.rows), np.concatenate(self.cols))),
            shape=(num_rows, num_cols),
        )
        return coo.tocsc()


@dataclass(frozen=True, slots=True)
class Conflict:
    """One member of an irreducible infeasible subsystem, in words."""

    kind: str  # "constraint" or "variable bound"
    label: str
    bound: str  # "lower", "upper" or "equality"
    value: float

    def __str__(self) -> str:
        op = {"lower": ">=", "upper": "<=", "equality": "="}.get(self.bound, self.bound)
        return f"{self.label} {op} {self.value:g}"


@dataclass(frozen=True, slots=True)
class LinearProgram:
    """``min cost.x  s.t.  row_lower <= A x <= row_upper,  col_lower <= x <= col_upper``."""

    cost: FloatArray
    col_lower: FloatArray
    col_upper: FloatArray
    matrix: sp.csc_array
    row_lower: FloatArray
    row_upper: FloatArray
    integer: NDArray[np.bool_]
    columns: Layout
    rows: Layout

    @property
    def num_cols(self) -> int:
        return int(self.cost.shape[0])

    @property
    def num_rows(self) -> int:
        return int(self.row_lower.shape[0])

    @property
    def is_mip(self) -> bool:
        return bool(self.integer.any())

    def to_highs(self) -> HighsLp:
        """The LP as a HiGHS ``HighsLp`` in column-wise (CSC) form."""
        lp = HighsLp()
        lp.num_col_ = self.num_cols
        lp.num_row_ = self.num_rows
        lp.sense_ = ObjSense.kMinimize
        lp.col_cost_ = self.cost
        lp.col_lower_ = self.col_lower
        lp.col_upper_ = self.col_upper
        lp.row_lower_ = self.row_lower
        lp.row_upper_ = self.row_upper
        a = lp.a_matrix_
        a.format_ = MatrixFormat.kColwise
        a.num_col_ = self.num_cols
        a.num_row_ = self.num_rows
        a.start_ = self.matrix.indptr.astype(np.int32)
        a.index_ = self.matrix.indices.astype(np.int32)
        a.value_ = self.matrix.data.astype(np.float64)
        lp.a_matrix_ = a
        if self.is_mip:
            lp.integrality_ = [
                HighsVarType.kInteger if flag else HighsVarType.kContinuous
                for flag in self.integer.tolist()
            ]
        return lp


@dataclass(frozen=True, slots=True)
class LpSolution:
    """What HiGHS returned; arrays are empty unless a primal solution exists."""

    status: SolveStatus
    objective: float
    x: FloatArray
    row_activity: FloatArray
    row_dual: FloatArray
    has_duals: bool
    solver: LpSolver
    solve_seconds: float
    iterations: int
    mip_gap: float | None
    conflicts: tuple[Conflict, ...]


def _new_highs(threads: int | None, time_limit_seconds: float | None) -> _Highs:
    # The public ``highspy.Highs`` wrapper calls into HiGHS from its constructor, which
    # prints the licence banner to stdout before ``output_flag`` can be switched off.
    # Engines must not print, so the solver core is used directly.
    highs = _Highs()
    highs.setOptionValue("output_flag", False)
    if threads is not None:
        highs.setOptionValue("threads", threads)
    if time_limit_seconds is not None:
        highs.setOptionValue("time_limit", float(time_limit_seconds))
    return highs


def solve_lp(
    lp: LinearProgram,
    *,
    solver: LpSolver = LpSolver.SIMPLEX,
    time_limit_seconds: float | None = None,
    mip_rel_gap: float | None = None,
    explain_infeasibility: bool = True,
) -> LpSolution:
    """Solve ``lp`` with HiGHS; on infeasibility compute an IIS and name its members."""
    highs = _new_highs(None, time_limit_seconds)
    match solver:
        case LpSolver.SIMPLEX:
            highs.setOptionValue("solver", "simplex")
        case LpSolver.IPM:
            highs.setOptionValue("solver", "ipm")
        case _:
            assert_never(solver)
    if mip_rel_gap is not None:
        highs.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    highs.passModel(lp.to_highs())
    start = time.perf_counter()
    highs.run()
    seconds = time.perf_counter() - start
    model_status = highs.getModelStatus()
    status = _STATUS.get(model_status, SolveStatus.ERROR)
    info = highs.getInfo()
    iterations = int(info.simplex_iteration_count) + max(int(info.ipm_iteration_count), 0)
    has_primal = info.primal_solution_status == kSolutionStatusFeasible
    empty = np.zeros(0)
    if has_primal and status in (SolveStatus.OPTIMAL, SolveStatus.TIME_LIMIT):
        solution = highs.getSolution()
        x = np.asarray(solution.col_value, dtype=np.float64)
        activity = np.asarray(solution.row_value, dtype=np.float64)
        has_duals = bool(solution.dual_valid) and not lp.is_mip
        duals = np.asarray(solution.row_dual, dtype=np.float64) if has_duals else empty
        objective = float(info.objective_function_value)
    else:
        x, activity, duals, has_duals, objective = empty, empty, empty, False, math.nan
    conflicts: tuple[Conflict, ...] = ()
    if status in (SolveStatus.INFEASIBLE, SolveStatus.UNBOUNDED_OR_INFEASIBLE) and (
        explain_infeasibility
    ):
        conflicts = _iis(lp, time_limit_seconds)
    return LpSolution(
        status=status,
        objective=objective,
        x=x,
        row_activity=activity,
        row_dual=duals,
        has_duals=has_duals,
        solver=solver,
        solve_seconds=seconds,
        iterations=iterations,
        mip_gap=float(info.mip_gap) if lp.is_mip and has_primal else None,
        conflicts=conflicts,
    )


_LOWER, _UPPER, _BOXED = 2, 3, 4  # HiGHS IisBoundStatus codes


def _iis(lp: LinearProgram, time_limit_seconds: float | None) -> tuple[Conflict, ...]:
    """An irreducible infeasible subsystem of the LP relaxation, in words.

    HiGHS's irreducible strategy deletion-filters the constraints, so every member
    named is needed for the conflict. Integrality is dropped: an IIS is an LP notion.
    """
    relaxed = LinearProgram(
        lp.cost,
        lp.col_lower,
        lp.col_upper,
        lp.matrix,
        lp.row_lower,
        lp.row_upper,
        np.zeros_like(lp.integer),
        lp.columns,
        lp.rows,
    )
    highs = _new_highs(None, time_limit_seconds)
    highs.setOptionValue("iis_strategy", 4)  # kIisStrategyIrreducible
    highs.passModel(relaxed.to_highs())
    highs.run()
    _, iis = highs.getIis()
    if not iis.valid_:
        return ()
    out: list[Conflict] = []
    for index, bound in zip(iis.row_index_, iis.row_bound_, strict=True):
        out.extend(
            _conflicts(
                "constraint", lp.rows.label(index), lp.row_lower[index], lp.row_upper[index], bound
            )
        )
    for index, bound in zip(iis.col_index_, iis.col_bound_, strict=True):
        out.extend(
            _conflicts(
                "variable bound",
                lp.columns.label(index),
                lp.col_lower[index],
                lp.col_upper[index],
                bound,
            )
        )
    return tuple(out)


def _conflicts(kind: str, label: str, lower: float, upper: float, bound: int) -> list[Conflict]:
    if lower == upper:
        return [Conflict(kind, label, "equality", float(lower))]
    out: list[Conflict] = []
    if bound in (_LOWER, _BOXED) and math.isfinite(lower):
        out.append(Conflict(kind, label, "lower", float(lower)))
    if bound in (_UPPER, _BOXED) and math.isfinite(upper):
        out.append(Conflict(kind, label, "upper", float(upper)))
    return out
