"""The P&L against budget or last year, aggregated in the warehouse through Ibis.

``gl_actuals`` and ``budget`` hold amounts per month, site and account, revenue and
costs both positive; ``accounts`` maps each account to a P&L line. The sums per P&L
line (and site) are computed by the database; only those few rows come back, and
the margin lines are then computed from them, never summed from accounts::

    gross_margin     = revenue - cogs_material - cogs_labor - cogs_overhead
    operating_income = gross_margin - freight - warehousing - sga - other

Variance = actual - comparison; variance % = variance / |comparison| (None when the
comparison is zero). A variance is favourable when it raises profit: actual above
comparison on revenue and the margin lines, actual below comparison on cost lines.

Modes (``period`` is a month ``YYYY-MM``): ``month`` that month; ``quarter`` the
quarter to date (first month of its calendar quarter through ``period``); ``ytd``
January through ``period``; ``full_year`` January through December of that year.
Last year compares with the same months one year earlier, from ``gl_actuals``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, assert_never

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
from ibis.common.exceptions import IbisError, TableNotFound

from obeya.errors import ConfigError, DataError, WarehouseError
from obeya.model.schema import PL_LINES

__all__ = [
    "Comparison",
    "Favourability",
    "PnlLine",
    "PnlLineCode",
    "PnlMode",
    "PnlReport",
    "period_months",
    "pnl",
    "pnl_query",
]

_PERIOD = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


class PnlMode(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YTD = "ytd"
    FULL_YEAR = "full_year"


class Comparison(StrEnum):
    BUDGET = "budget"
    LAST_YEAR = "last_year"


class PnlLineCode(StrEnum):
    """The P&L lines in report order."""

    REVENUE = "revenue"
    COGS_MATERIAL = "cogs_material"
    COGS_LABOR = "cogs_labor"
    COGS_OVERHEAD = "cogs_overhead"
    GROSS_MARGIN = "gross_margin"
    FREIGHT = "freight"
    WAREHOUSING = "warehousing"
    SGA = "sga"
    OTHER = "other"
    OPERATING_INCOME = "operating_income"

    @property
    def higher_is_better(self) -> bool:
        """True for revenue and the margins; False for cost lines."""
        match self:
            case PnlLineCode.REVENUE | PnlLineCode.GROSS_MARGIN | PnlLineCode.OPERATING_INCOME:
                return True
            case (
                PnlLineCode.COGS_MATERIAL
                | PnlLineCode.COGS_LABOR
                | PnlLineCode.COGS_OVERHEAD
                | PnlLineCode.FREIGHT
                | PnlLineCode.WAREHOUSING
                | PnlLineCode.SGA
                | PnlLineCode.OTHER
            ):
                return False
            case _:
                assert_never(self)


class Favourability(StrEnum):
    FAVOURABLE = "favourable"
    UNFAVOURABLE = "unfavourable"
    ON_PLAN = "on_plan"


@dataclass(frozen=True, slots=True)
class PnlLine:
    """One line of the P&L for the company (``site_id`` None) or one site."""

    site_id: str | None
    line: PnlLineCode
    actual: float
    comparison: float
    variance: float
    variance_pct: float | None
    favourability: Favourability


@dataclass(frozen=True, slots=True)
class PnlReport:
    """Company lines first (in line order), then each site's lines when by site."""

    period: str
    mode: PnlMode
    comparison: Comparison
    months: tuple[str, ...]
    comparison_months: tuple[str, ...]
    lines: tuple[PnlLine, ...]

    def total(self) -> tuple[PnlLine, ...]:
        return tuple(ln for ln in self.lines if ln.site_id is None)

    def site(self, site_id: str) -> tuple[PnlLine, ...]:
        return tuple(ln for ln in self.lines if ln.site_id == site_id)

    def line(self, code: PnlLineCode, site_id: str | None = None) -> PnlLine:
        for ln in self.lines:
            if ln.line is code and ln.site_id == site_id:
                return ln
        raise DataError(f"no P&L line {code.value} for site {site_id!r} in this report")

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "site_id": [ln.site_id for ln in self.lines],
                "line": [ln.line.value for ln in self.lines],
                "actual": [ln.actual for ln in self.lines],
                self.comparison.value: [ln.comparison for ln in self.lines],
                "variance": [ln.variance for ln in self.lines],
                "variance_pct": [ln.variance_pct for ln in self.lines],
                "favourability": [ln.favourability.value for ln in self.lines],
            }
        )


def period_months(period: str, mode: PnlMode) -> tuple[str, ...]:
    """The months (``YYYY-MM``) a mode covers for ``period``."""
    match_ = _PERIOD.fullmatch(period)
    if match_ is None:
        raise ConfigError(f"period must be a month as YYYY-MM (e.g. 2025-03), got {period!r}")
    year, month = int(match_.group(1)), int(match_.group(2))
    match mode:
        case PnlMode.MONTH:
            first, last = month, month
        case PnlMode.QUARTER:
            first, last = 3 * ((month - 1) // 3) + 1, month
        case PnlMode.YTD:
            first, last = 1, month
        case PnlMode.FULL_YEAR:
            first, last = 1, 12
        case _:
            assert_never(mode)
    return tuple(f"{year:04d}-{m:02d}" for m in range(first, last + 1))


def _shift_year(months: tuple[str, ...], years: int) -> tuple[str, ...]:
    return tuple(f"{int(m[:4]) + years:04d}{m[4:]}" for m in months)


def _table(con: Any, name: str) -> ir.Table:
    try:
        return con.table(name)
    except (TableNotFound, IbisError) as exc:
        raise WarehouseError(
            f"the warehouse has no table {name!r} ({exc}); load it before running the P&L"
        ) from None


def _sums(
    facts: ir.Table, accounts: ir.Table, months: tuple[str, ...], source: str, by_site: bool
) -> ir.Table:
    f = facts.filter(facts.period.isin(months)).select("site_id", "account", "amount")
    j = f.left_join(accounts, f.account == accounts.account)
    keys = ["pl_line", "site_id"] if by_site else ["pl_line"]
    agg = j.group_by(keys).aggregate(amount=j.amount.sum())
    if not by_site:
        agg = agg.mutate(site_id=ibis.null("string"))
    return agg.select(
        source=ibis.literal(source), pl_line=agg.pl_line, site_id=agg.site_id, amount=agg.amount
    )


def pnl_query(
    con: Any,
    months: tuple[str, ...],
    comparison_months: tuple[str, ...],
    comparison: Comparison = Comparison.BUDGET,
    *,
    by_site: bool = False,
    budget_version: str | None = None,
) -> ir.Table:
    """The Ibis expression summing amounts per source, P&L line (and site)."""
    accounts = _table(con, "accounts").select("account", "pl_line")
    actuals = _table(con, "gl_actuals")
    match comparison:
        case Comparison.BUDGET:
            comp = _table(con, "budget")
            if budget_version is not None:
                comp = comp.filter(comp.version == budget_version)
        case Comparison.LAST_YEAR:
            comp = actuals
        case _:
            assert_never(comparison)
    return _sums(actuals, accounts, months, "actual", by_site).union(
        _sums(comp, accounts, comparison_months, "comparison", by_site)
    )


def _check_budget_versions(con: Any, months: tuple[str, ...]) -> None:
    budget = _table(con, "budget")
    if "version" not in budget.columns:
        return
    rows = budget.filter(budget.period.isin(months)).select("version").distinct().execute()
    versions = sorted(str(v) for v in rows["version"].dropna())
    if len(versions) > 1:
        raise DataError(
            f"the budget holds {len(versions)} versions for these months ({', '.join(versions)}); "
            "summing them would double count: pass budget_version= to pick one"
        )


def _unmapped(con: Any, months: tuple[str, ...], comparison: Comparison) -> list[str]:
    accounts = _table(con, "accounts")
    names = ["gl_actuals"] if comparison is Comparison.LAST_YEAR else ["gl_actuals", "budget"]
    found: set[str] = set()
    for name in names:
        t = _table(con, name)
        missing = t.filter(t.period.isin(months)).anti_join(accounts, "account")
        found |= {
            str(a) for a in missing.select("account").distinct().limit(20).execute()["account"]
        }
    return sorted(found)


def _favourability(
    lines: np.ndarray[Any, np.dtype[np.object_]],
    variance: np.ndarray[Any, np.dtype[np.float64]],
    scale: np.ndarray[Any, np.dtype[np.float64]],
) -> list[Favourability]:
    better = np.array([PnlLineCode(ln).higher_is_better for ln in lines])
    on_plan = np.abs(variance) <= 1e-9 * np.maximum(1.0, scale)
    good = np.where(better, variance > 0, variance < 0)
    return [
        Favourability.ON_PLAN
        if flat
        else Favourability.FAVOURABLE
        if ok
        else Favourability.UNFAVOURABLE
        for flat, ok in zip(on_plan, good, strict=True)
    ]


def _lines(wide: pd.DataFrame) -> list[PnlLine]:
    """P&L lines from a frame indexed by site with one column per (source, pl_line)."""
    out: dict[str, pd.DataFrame] = {}
    for source in ("actual", "comparison"):
        t = pd.DataFrame({ln: wide.get((source, ln), 0.0) for ln in PL_LINES}, index=wide.index)
        t["gross_margin"] = t["revenue"] - t["cogs_material"] - t["cogs_labor"] - t["cogs_overhead"]
        t["operating_income"] = (
            t["gross_margin"] - t["freight"] - t["warehousing"] - t["sga"] - t["other"]
        )
        out[source] = t[[c.value for c in PnlLineCode]]
    long = pd.DataFrame(
        {
            "site_id": np.repeat(wide.index.to_numpy(dtype=object), len(PnlLineCode)),
            "line": np.tile(np.array([c.value for c in PnlLineCode], dtype=object), len(wide)),
            "actual": out["actual"].to_numpy(dtype=np.float64).ravel(),
            "comparison": out["comparison"].to_numpy(dtype=np.float64).ravel(),
        }
    )
    variance = (long["actual"] - long["comparison"]).to_numpy()
    comp = long["comparison"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(comp != 0.0, variance / np.abs(comp), np.nan)
    fav = _favourability(long["line"].to_numpy(), variance, np.abs(comp))
    return [
        PnlLine(
            site_id=None if site is None or site == _ALL else str(site),
            line=PnlLineCode(line),
            actual=float(a),
            comparison=float(c),
            variance=float(v),
            variance_pct=None if np.isnan(p) else float(p),
            favourability=f,
        )
        for site, line, a, c, v, p, f in zip(
            long["site_id"], long["line"], long["actual"], comp, variance, pct, fav, strict=True
        )
    ]


_ALL = "\x00all"


def pnl(
    con: Any,
    period: str,
    mode: PnlMode = PnlMode.MONTH,
    *,
    comparison: Comparison = Comparison.BUDGET,
    by_site: bool = False,
    budget_version: str | None = None,
) -> PnlReport:
    """The P&L for ``period`` under ``mode`` against budget or last year.

    ``con`` is an Ibis backend (DuckDB, PostgreSQL, ...) holding ``gl_actuals``,
    ``budget`` and ``accounts``. With ``by_site`` the report also has every site's
    lines after the company lines.
    """
    months = period_months(period, mode)
    comp_months = months if comparison is Comparison.BUDGET else _shift_year(months, -1)
    if comparison is Comparison.BUDGET and budget_version is None:
        _check_budget_versions(con, comp_months)
    expr = pnl_query(
        con, months, comp_months, comparison, by_site=by_site, budget_version=budget_version
    )
    sums = expr.execute()
    if sums["pl_line"].isna().any():
        accounts = _unmapped(con, months + comp_months, comparison)
        raise DataError(
            "amounts are booked on accounts missing from the accounts table: "
            f"{', '.join(accounts)}; add them to accounts with their pl_line"
        )
    unknown = sorted(set(sums["pl_line"]) - set(PL_LINES))
    if unknown:
        raise DataError(
            f"accounts map to unknown P&L lines {unknown}; "
            f"pl_line must be one of {', '.join(PL_LINES)}"
        )
    sums["site_id"] = sums["site_id"].astype(object).where(sums["site_id"].notna(), _ALL)
    total = sums.groupby(["source", "pl_line"], as_index=False)["amount"].sum()
    total["site_id"] = _ALL
    frames = [total] + ([sums] if by_site else [])
    stacked = pd.concat(frames, ignore_index=True)
    wide = stacked.pivot_table(
        index="site_id",
        columns=["source", "pl_line"],
        values="amount",
        aggfunc="sum",
        fill_value=0.0,
    )
    site_order = [_ALL, *sorted(s for s in wide.index if s != _ALL)]
    wide = wide.reindex(site_order).fillna(0.0)
    return PnlReport(
        period=period,
        mode=mode,
        comparison=comparison,
        months=months,
        comparison_months=comp_months,
        lines=tuple(_lines(wide)),
    )
