"""Capital rationing: the project portfolio with the most NPV within the budget.

A 0-1 mixed-integer programme, solved with HiGHS (``highspy``)::

    maximise    sum_i npv_i x_i                       x_i in {0, 1}
    subject to  sum_i need_{i,t} x_i <= budget_t      for each budgeted year t
                x_a <= x_b                            a requires b
                x_a + x_b <= 1                        a excludes b (or b excludes a)
                x_a = 1                               a is mandatory

``need_{i,t} = -c_{i,t}`` is the net cash a project needs in year t (negative when
it produces cash, which then funds the others, as in the capital rationing model of
Brealey, Myers & Allen, ch. 5, and Weingartner). A single budget number limits year
0 (the initial capex); a list limits years 0, 1, ... in turn. Before solving, the spec is checked for contradictions the solver would
hide by simply leaving projects out: a project that requires (directly or through a
chain) a project it, or anything in that chain, excludes can never be chosen, and
mandatory projects whose requirements exclude each other have no solution; mandatory
projects that no choice of the others fits in the budget are reported by the
solver. These raise :class:`~obeya.errors.InfeasibleError` naming the conflict.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import highspy
import numpy as np

from obeya.errors import InfeasibleError, SpecError
from obeya.finance.capex import npv
from obeya.finance.capex_spec import CapexSpec

__all__ = ["PortfolioItem", "PortfolioResult", "optimise_portfolio", "select_portfolio"]


@dataclass(frozen=True, slots=True)
class PortfolioItem:
    """One candidate: its NPV, net cash needed per year, and its links to others."""

    id: str
    npv: float
    cash_needs: tuple[float, ...]  # -cash flow in year 0, 1, ...: positive = consumes cash
    requires: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    mandatory: bool = False


@dataclass(frozen=True, slots=True)
class PortfolioResult:
    """The chosen projects and what they use of the budget."""

    chosen: tuple[str, ...]
    rejected: tuple[str, ...]
    total_npv: float
    capex_used: float  # year-0 net cash need of the chosen projects
    need_by_year: tuple[float, ...]  # net cash need per budgeted year
    budgets: tuple[float, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "chosen": list(self.chosen),
            "rejected": list(self.rejected),
            "total_npv": self.total_npv,
            "capex_used": self.capex_used,
            "need_by_year": list(self.need_by_year),
            "budgets": list(self.budgets),
        }


def _closure(start: str, requires: Mapping[str, tuple[str, ...]]) -> dict[str, list[str]]:
    """Every project ``start`` needs, each with the chain of requirements leading to it."""
    paths: dict[str, list[str]] = {start: [start]}
    frontier = [start]
    while frontier:
        current = frontier.pop()
        for nxt in requires.get(current, ()):
            if nxt not in paths:
                paths[nxt] = [*paths[current], nxt]
                frontier.append(nxt)
    return paths


def _excluded_pair(
    members: Mapping[str, list[str]], excludes: Mapping[str, frozenset[str]]
) -> tuple[str, str] | None:
    for a in members:
        for b in excludes.get(a, frozenset()):
            if b in members:
                return a, b
    return None


def _check_conflicts(items: Sequence[PortfolioItem]) -> None:
    ids = {it.id for it in items}
    requires = {it.id: it.requires for it in items}
    excludes: dict[str, set[str]] = {it.id: set() for it in items}
    for it in items:
        for other in (*it.requires, *it.excludes):
            if other not in ids:
                raise SpecError(f"project {it.id!r} refers to unknown project {other!r}")
        for other in it.excludes:  # exclusion is symmetric
            excludes[it.id].add(other)
            excludes[other].add(it.id)
    frozen = {k: frozenset(v) for k, v in excludes.items()}
    for it in items:
        members = _closure(it.id, requires)
        pair = _excluded_pair(members, frozen)
        if pair is not None:
            a, b = pair
            raise InfeasibleError(
                f"project {it.id!r} can never be chosen: choosing it brings in {a!r} "
                f"({' requires '.join(members[a])}) and {b!r} ({' requires '.join(members[b])}), "
                f"but {a!r} and {b!r} exclude each other; drop one of the requires/excludes links"
            )
    mandatory: dict[str, list[str]] = {}
    for it in items:
        if it.mandatory:
            for k, v in _closure(it.id, requires).items():
                mandatory.setdefault(k, v)
    pair = _excluded_pair(mandatory, frozen)
    if pair is not None:
        a, b = pair
        raise InfeasibleError(
            f"mandatory projects need both {a!r} (via {' requires '.join(mandatory[a])}) and {b!r} "
            f"(via {' requires '.join(mandatory[b])}), which exclude each other; "
            "make one of them optional or drop the exclusion"
        )


def _need(item: PortfolioItem, year: int) -> float:
    return item.cash_needs[year] if year < len(item.cash_needs) else 0.0


def optimise_portfolio(
    items: Sequence[PortfolioItem], budgets: Sequence[float] = ()
) -> PortfolioResult:
    """The NPV-maximising subset of ``items`` within ``budgets`` (year 0, 1, ...)."""
    if not items:
        raise SpecError("a portfolio needs at least one candidate project")
    if len({it.id for it in items}) != len(items):
        raise SpecError("project ids in a portfolio must be unique")
    _check_conflicts(items)
    n = len(items)
    col = {it.id: i for i, it in enumerate(items)}

    # Rows as (lower, upper, columns, coefficients), built into one CSR matrix.
    row_lo: list[float] = []
    row_hi: list[float] = []
    starts: list[int] = [0]
    index: list[int] = []
    value: list[float] = []

    def add_row(lo: float, hi: float, cols: Sequence[int], coefs: Sequence[float]) -> None:
        row_lo.append(lo)
        row_hi.append(hi)
        index.extend(cols)
        value.extend(coefs)
        starts.append(len(index))

    needs = np.array(
        [[_need(it, t) for t in range(len(budgets))] for it in items], dtype=np.float64
    ).reshape(n, len(budgets))
    for t, cap in enumerate(budgets):
        used = np.flatnonzero(needs[:, t])
        add_row(-highspy.kHighsInf, float(cap), used.tolist(), needs[used, t].tolist())
    pairs: set[tuple[int, int]] = set()
    for it in items:
        for b in it.requires:
            add_row(-highspy.kHighsInf, 0.0, [col[it.id], col[b]], [1.0, -1.0])
        for b in it.excludes:
            pairs.add((min(col[it.id], col[b]), max(col[it.id], col[b])))
    for i, j in sorted(pairs):
        add_row(-highspy.kHighsInf, 1.0, [i, j], [1.0, 1.0])

    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = len(row_lo)
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = np.array([it.npv for it in items], dtype=np.float64)
    lp.col_lower_ = np.array([1.0 if it.mandatory else 0.0 for it in items], dtype=np.float64)
    lp.col_upper_ = np.ones(n, dtype=np.float64)
    lp.row_lower_ = np.array(row_lo, dtype=np.float64)
    lp.row_upper_ = np.array(row_hi, dtype=np.float64)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = n
    lp.a_matrix_.num_row_ = len(row_lo)
    lp.a_matrix_.start_ = np.array(starts, dtype=np.int32)
    lp.a_matrix_.index_ = np.array(index, dtype=np.int32)
    lp.a_matrix_.value_ = np.array(value, dtype=np.float64)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n

    solver = highspy.Highs()  # type: ignore[no-untyped-call]
    solver.setOptionValue("output_flag", False)
    solver.setOptionValue("mip_rel_gap", 0.0)
    solver.setOptionValue("threads", 1)
    solver.passModel(lp)
    solver.run()
    status = solver.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        forced = ", ".join(it.id for it in items if it.mandatory) or "none"
        raise InfeasibleError(
            f"no portfolio fits: the solver reports {solver.modelStatusToString(status)}; "
            f"mandatory projects ({forced}) and what they require do not fit the budgets "
            f"{list(budgets)}; raise a budget or make a project optional"
        )
    x = np.asarray(solver.getSolution().col_value) > 0.5
    chosen = tuple(it.id for it, pick in zip(items, x, strict=True) if pick)
    rejected = tuple(it.id for it, pick in zip(items, x, strict=True) if not pick)
    used_by_year = tuple(float(v) for v in needs[x].sum(axis=0)) if budgets else ()
    return PortfolioResult(
        chosen=chosen,
        rejected=rejected,
        total_npv=float(sum(it.npv for it, pick in zip(items, x, strict=True) if pick)),
        capex_used=float(sum(_need(it, 0) for it, pick in zip(items, x, strict=True) if pick)),
        need_by_year=used_by_year,
        budgets=tuple(float(b) for b in budgets),
    )


def select_portfolio(spec: CapexSpec) -> PortfolioResult:
    """The best portfolio of the spec's projects at its discount rate and budget."""
    items = []
    for p in spec.projects:
        flows = p.flows()
        items.append(
            PortfolioItem(
                id=p.id,
                npv=npv(spec.discount_rate, flows),
                cash_needs=tuple(float(-v) for v in flows),
                requires=p.requires,
                excludes=p.excludes,
                mandatory=p.mandatory,
            )
        )
    return optimise_portfolio(items, spec.budgets())
