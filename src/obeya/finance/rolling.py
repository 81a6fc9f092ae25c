"""Rolling forecast: actuals to date plus a driver-based projection of the year's rest.

For ``as_of`` month A of year Y the landing of each P&L line is its ledger actuals
January..A plus a projection of the months A+1..December built from drivers:

* **Volume** per site, family and month: the latest run of the ``forecasts`` table
  when the warehouse has one (:mod:`obeya.finance.forecast_source`), else the
  fallback *trailing 12 months x last year's seasonality*: the family's mean
  monthly units over the 12 months to A (months with shipments), times the
  family's seasonal index of that calendar month in year Y-1 (the month's units over
  Y-1's monthly mean; 1 when Y-1 is not complete in the data). Family units are
  split over sites by each site's share of the family's trailing-12-month units.
* **Rates per unit** from the trailing 3 months (A-2..A): the ledger's revenue,
  material, direct labour and freight of those months split into site x family
  cells (:func:`~obeya.finance.history.base_from_history`) over the units shipped
  in each cell. A cell without units in those months takes its family's rate,
  then the company's. So revenue = units x price, material = units x unit cost,
  labour = units x labour cost per unit, freight = units x freight per unit.
* **Fixed lines** (overhead, warehousing, SG&A, other) per site at run rate: the
  mean of the trailing 3 months of ``gl_actuals``.

Drivers (:class:`~obeya.finance.drivers.Driver`, e.g. price +2%) may move the
projection; actuals are never moved. The landing is compared with the full-year
budget line by line. :meth:`RollingForecast.inputs` turns the projection into
:class:`~obeya.finance.montecarlo.RollingForecastInputs` for the P10/P50/P90 range;
the volatility of each driver is estimated from the trailing 12 months
(:mod:`obeya.finance.volatility`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from obeya.errors import DataError
from obeya.finance._common import backend, month_index, month_label, require_table
from obeya.finance.drivers import (
    FIXED_LINES,
    NO_ORDERS,
    VARIABLE_LINES,
    Driver,
    DriverBase,
    line_totals,
)
from obeya.finance.forecast_source import latest_forecast_units
from obeya.finance.history import History, base_from_history, ledger_by_site, load_history
from obeya.finance.montecarlo import (
    LandingForecast,
    RollingForecastInputs,
    Uncertain,
    VolumeDistribution,
)
from obeya.finance.pnl import Comparison, Favourability, PnlLineCode, PnlMode, pnl
from obeya.finance.volatility import Volatility, estimate_volatility

__all__ = [
    "DriverRate",
    "LandingLine",
    "RollingForecast",
    "build_rolling_forecast",
    "latest_actual_month",
    "rolling_inputs",
]

RATE_MONTHS = 3
TREND_MONTHS = 12
_VAR = [line.value for line in VARIABLE_LINES]
_FIX = [line.value for line in FIXED_LINES]


@dataclass(frozen=True, slots=True)
class DriverRate:
    """A driver of the projection: its value, its volatility and where it comes from."""

    name: str
    value: float
    sd: float
    unit: str
    source: str


@dataclass(frozen=True, slots=True)
class LandingLine:
    """One line of the full-year landing against the full-year budget."""

    line: PnlLineCode
    actual_to_date: float
    projected: float
    landing: float
    budget: float
    variance: float
    variance_pct: float | None
    favourability: Favourability


@dataclass(frozen=True, slots=True, eq=False)
class RollingForecast:
    """Actuals to date, the projected cells of the remaining months, and the drivers.

    ``cells``: site_id, family, ym, units and the variable lines per remaining month;
    ``fixed``: site_id, ym and the fixed lines per remaining month.
    """

    as_of: str
    year: int
    actual_months: tuple[str, ...]
    remaining_months: tuple[str, ...]
    volume_source: str
    cells: pd.DataFrame
    fixed: pd.DataFrame
    actual_to_date: Mapping[PnlLineCode, float]
    budget: Mapping[PnlLineCode, float]
    rates: tuple[DriverRate, ...]
    volatility: Volatility
    adjustments: tuple[Driver, ...]
    notes: tuple[str, ...]

    def projected(self) -> dict[PnlLineCode, float]:
        sums = {line: float(self.cells[line.value].sum()) for line in VARIABLE_LINES}
        sums |= {line: float(self.fixed[line.value].sum()) for line in FIXED_LINES}
        return line_totals(sums)

    def landing(self) -> tuple[LandingLine, ...]:
        """Every P&L line: actual to date + projected = landing, against budget."""
        actual = line_totals(self.actual_to_date)
        projected = self.projected()
        budget = line_totals(self.budget)
        out = []
        for line in PnlLineCode:
            land = actual[line] + projected[line]
            variance = land - budget[line]
            pct = variance / abs(budget[line]) if budget[line] != 0 else None
            if abs(variance) <= 1e-9 * max(1.0, abs(budget[line])):
                fav = Favourability.ON_PLAN
            elif (variance > 0) == line.higher_is_better:
                fav = Favourability.FAVOURABLE
            else:
                fav = Favourability.UNFAVOURABLE
            out.append(
                LandingLine(
                    line, actual[line], projected[line], land, budget[line], variance, pct, fav
                )
            )
        return tuple(out)

    def to_dict(self, simulation: LandingForecast | None = None) -> dict[str, object]:
        """JSON-ready: the landing by line, the drivers, volatilities and the range."""
        return {
            "as_of": self.as_of,
            "year": self.year,
            "actual_months": list(self.actual_months),
            "remaining_months": list(self.remaining_months),
            "volume_source": self.volume_source,
            "adjustments": [d.label + f" {d.change:+.1%}" for d in self.adjustments],
            "landing": [dataclasses.asdict(ln) for ln in self.landing()],
            "drivers": [dataclasses.asdict(r) for r in self.rates],
            "volatility": dataclasses.asdict(self.volatility),
            "range": None if simulation is None else simulation.to_dict(),
            "notes": list(self.notes),
        }

    def base(self) -> DriverBase:
        """The forecast year as a driver base: drivers move the projection, not actuals."""
        cells = self.cells.groupby(["site_id", "family"], as_index=False)[["units", *_VAR]].sum()
        fixed = self.fixed.groupby("site_id", as_index=False)[_FIX].sum()
        return DriverBase(
            f"forecast {self.year} as of {self.as_of}", cells, fixed, dict(self.actual_to_date)
        )

    def inputs(self) -> RollingForecastInputs:
        """The Monte Carlo inputs: monthly units, mix-weighted rates, fixed costs.

        Price = projected revenue / projected units of all remaining months (so that
        units x price gives the projected revenue exactly), likewise the unit cost
        (material + labour) and the freight rate; each with its estimated volatility.
        """
        if not self.remaining_months:
            raise DataError(
                f"{self.as_of} is the last month of {self.year}: nothing is left to forecast; "
                "the landing is the actuals"
            )
        yms = [month_index(m) for m in self.remaining_months]
        by_month = self.cells.groupby("ym")[["units", *_VAR]].sum().reindex(yms, fill_value=0.0)
        fixed = self.fixed.groupby("ym")[_FIX].sum().reindex(yms, fill_value=0.0).sum(axis=1)
        units = float(by_month["units"].sum())
        if units <= 0:
            raise DataError(
                "the projection has no units for the remaining months (no shipments in the "
                "trailing 12 months and no stored forecast); the range cannot be simulated"
            )
        v = self.volatility
        price = float(by_month["revenue"].sum()) / units
        unit_cost = float((by_month["cogs_material"] + by_month["cogs_labor"]).sum()) / units
        freight = float(by_month["freight"].sum()) / units
        n = len(yms)
        lags = np.abs(np.subtract.outer(np.arange(n), np.arange(n)))
        corr = np.power(v.volume_autocorrelation, lags)
        actual = line_totals(self.actual_to_date)
        costs_to_date = actual[PnlLineCode.REVENUE] - actual[PnlLineCode.OPERATING_INCOME]
        return RollingForecastInputs(
            months=self.remaining_months,
            planned_units=tuple(float(u) for u in by_month["units"]),
            volume_sd=v.volume_sd,
            price=Uncertain(price, v.price_sd * price),
            unit_cost=Uncertain(unit_cost, v.unit_cost_sd * unit_cost),
            freight_rate=Uncertain(freight, v.freight_sd * freight),
            fixed_costs=tuple(Uncertain(float(f), v.fixed_sd) for f in fixed),
            volume_distribution=VolumeDistribution.NORMAL,
            volume_correlation=tuple(tuple(float(x) for x in row) for row in corr),
            actual_revenue_to_date=actual[PnlLineCode.REVENUE],
            actual_costs_to_date=costs_to_date,
        )


def latest_actual_month(con: Any) -> str:
    """The last month with ledger actuals (the default ``as_of``)."""
    gl = require_table(backend(con), "gl_actuals", "the forecast")
    last = gl.period.max().execute()
    if last is None or (isinstance(last, float) and np.isnan(last)):
        raise DataError("gl_actuals is empty: load the ledger before forecasting")
    return str(last)


def _fallback_units(
    history: History, as_of: int, remaining: list[int], notes: list[str]
) -> tuple[pd.DataFrame, str]:
    """Family units per remaining month: trailing-12-month mean x last year's index."""
    o = history.orders
    trail = o[(o["ym"] > as_of - TREND_MONTHS) & (o["ym"] <= as_of)]
    active = trail.loc[trail["units"] > 0, "ym"].nunique()
    level = trail.groupby("family")["units"].sum() / max(active, 1)
    last_year = as_of // 12 - 1
    ly = o[(o["ym"] >= 12 * last_year) & (o["ym"] < 12 * last_year + 12)]
    complete = ly.loc[ly["units"] > 0, "ym"].nunique() == 12
    if complete:
        grid = ly.pivot_table(index="family", columns="ym", values="units", aggfunc="sum")
        grid = grid.reindex(columns=range(12 * last_year, 12 * last_year + 12)).fillna(0.0)
        mean = grid.mean(axis=1)
        index = grid.div(mean.where(mean > 0), axis=0).fillna(1.0)
        index.columns = [c % 12 for c in index.columns]
        index = index.reindex(level.index).fillna(1.0)
        source = (
            f"fallback: trailing 12 months' units x the seasonality of {last_year} (order lines)"
        )
    else:
        index = pd.DataFrame(1.0, index=level.index, columns=range(12))
        source = "fallback: trailing 12 months' units, flat (no complete year before to give seasonality)"
        notes.append(
            f"{last_year} is not complete in the order lines, so the projection has no seasonality"
        )
    rows = [
        pd.DataFrame({"family": level.index, "ym": m, "units": level.to_numpy() * index[m % 12]})
        for m in remaining
    ]
    frame = (
        pd.concat(rows, ignore_index=True)
        if rows
        else pd.DataFrame({"family": [], "ym": [], "units": []})
    )
    return frame, source


def _site_split(history: History, as_of: int, family_units: pd.DataFrame) -> pd.DataFrame:
    """Family units split over sites by trailing-12-month unit shares."""
    o = history.orders
    trail = o[(o["ym"] > as_of - TREND_MONTHS) & (o["ym"] <= as_of)]
    by_site = trail.groupby(["family", "site_id"], as_index=False)["units"].sum()
    fam_total = by_site.groupby("family")["units"].transform("sum")
    by_site["share"] = np.where(
        fam_total > 0, by_site["units"] / fam_total.where(fam_total > 0), 0.0
    )
    company = trail.groupby("site_id")["units"].sum()
    company_share = pd.DataFrame(
        {"site_id": company.index, "share": (company / max(company.sum(), 1e-300)).to_numpy()}
    )
    known = family_units.merge(by_site[["family", "site_id", "share"]], on="family", how="inner")
    unseen = family_units[~family_units["family"].isin(by_site["family"])]
    spread = unseen.merge(company_share, how="cross")
    out = pd.concat([known, spread], ignore_index=True)
    out["units"] = out["units"] * out["share"]
    return out[["site_id", "family", "ym", "units"]]


def _rates(base: DriverBase) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, float]]:
    """Per-unit rates of the variable lines per cell, with family and company fallbacks."""
    cells = base.cells[base.cells["family"] != NO_ORDERS]
    cells = cells[cells["units"] > 0]
    cell_rate = cells[["site_id", "family"]].copy()
    for col in _VAR:
        cell_rate[col] = cells[col] / cells["units"]
    fam = cells.groupby("family")[["units", *_VAR]].sum()
    fam_rate = fam[_VAR].div(fam["units"], axis=0).add_prefix("fam_").reset_index()
    total_units = float(cells["units"].sum())
    company = {c: float(cells[c].sum()) / total_units if total_units > 0 else 0.0 for c in _VAR}
    return cell_rate, fam_rate, company


def _project(
    units: pd.DataFrame, base3: DriverBase, months_in_window: int, remaining: list[int]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    cell_rate, fam_rate, company = _rates(base3)
    cells = units.merge(cell_rate, on=["site_id", "family"], how="left").merge(
        fam_rate, on="family", how="left"
    )
    for col in _VAR:
        rate = cells[col].fillna(cells[f"fam_{col}"]).fillna(company[col])
        cells[col] = cells["units"] * rate
    cells = cells[["site_id", "family", "ym", "units", *_VAR]]
    orphan = base3.cells[base3.cells["family"] == NO_ORDERS]
    run_rate = [
        orphan.assign(ym=m, **{c: orphan[c] / months_in_window for c in _VAR}) for m in remaining
    ]
    if run_rate and not orphan.empty:
        cells = pd.concat([cells, *run_rate], ignore_index=True)
    fixed_rate = base3.fixed.set_index("site_id")[_FIX] / months_in_window
    fixed = pd.concat(
        [fixed_rate.reset_index().assign(ym=m) for m in remaining]
        or [pd.DataFrame(columns=["site_id", *_FIX, "ym"])],
        ignore_index=True,
    )
    return cells, fixed[["site_id", "ym", *_FIX]]


def _driver_rates(
    history: History, base3: DriverBase, first: int, last: int, vol: Volatility
) -> tuple[DriverRate, ...]:
    """The drivers as a person reads them, from the trailing months."""
    units = base3.units
    totals = base3.totals()
    labour = float(history.labour.loc[history.labour["ym"].between(first, last), "cost"].sum())
    freight = float(history.freight.loc[history.freight["ym"].between(first, last), "cost"].sum())
    months = last - first + 1
    fixed = sum(totals[line] for line in FIXED_LINES) / months

    def per_unit(x: float) -> float:
        return x / units if units > 0 else 0.0

    window = f"{month_label(first)}..{month_label(last)}"
    booked_lab = totals[PnlLineCode.COGS_LABOR] / labour if labour > 0 else 1.0
    booked_fr = totals[PnlLineCode.FREIGHT] / freight if freight > 0 else 1.0
    price = per_unit(totals[PnlLineCode.REVENUE])
    material = per_unit(totals[PnlLineCode.COGS_MATERIAL])
    lab_unit = per_unit(totals[PnlLineCode.COGS_LABOR])
    fr_unit = per_unit(totals[PnlLineCode.FREIGHT])
    return (
        DriverRate("units per month", units / months, vol.volume_sd * units / months, "units",
                   f"order lines shipped {window}"),
        DriverRate("price", price, vol.price_sd * price, "per unit", f"ledger revenue {window}"),
        DriverRate("material", material, 0.0, "per unit", f"ledger cogs_material {window}"),
        DriverRate(
            "direct labour", lab_unit, 0.0, "per unit",
            f"labor_hours {per_unit(labour):,.2f} per unit x {booked_lab:.1%} booked to cogs_labor",
        ),
        DriverRate("material + labour", material + lab_unit,
                   vol.unit_cost_sd * (material + lab_unit), "per unit", "sum of the two above"),
        DriverRate(
            "freight", fr_unit, vol.freight_sd * fr_unit, "per unit",
            f"shipments {per_unit(freight):,.2f} per unit x {booked_fr:.1%} booked to freight",
        ),
        DriverRate("fixed costs", fixed, vol.fixed_sd, "per month",
                   f"ledger overhead, warehousing, SG&A, other {window} (mean)"),
    )  # fmt: skip


def build_rolling_forecast(
    source: Any,
    as_of: str | None = None,
    *,
    drivers: Sequence[Driver] = (),
    use_forecasts: bool = True,
    budget_version: str | None = None,
) -> RollingForecast:
    """The rolling forecast of the year of ``as_of`` (default: the last ledger month).

    ``source`` is a :class:`~obeya.warehouse.Warehouse` or an Ibis backend; ``drivers``
    move the projection (e.g. ``Driver(kind="price", change=0.02)``).
    """
    con = backend(source)
    as_of = as_of or latest_actual_month(con)
    a = month_index(as_of)
    year = a // 12
    first = min(12 * (year - 1), a - TREND_MONTHS + 1)
    history = load_history(con, first, a)
    if a not in set(history.gl_months().tolist()):
        raise DataError(
            f"gl_actuals has no amounts for {as_of}; forecast as of a month with ledger actuals "
            f"(the latest is {latest_actual_month(con)})"
        )
    notes: list[str] = []
    remaining = list(range(a + 1, 12 * year + 12))
    rate_first = a - RATE_MONTHS + 1
    base3 = base_from_history(history, rate_first, a)
    gl_months = int(((history.gl_months() >= rate_first) & (history.gl_months() <= a)).sum())

    family_units, volume_source = _fallback_units(history, a, remaining, notes)
    stored = latest_forecast_units(con, remaining, notes) if use_forecasts else None
    if stored is not None:
        units_frame, run_label = stored
        covered = set(units_frame["ym"].tolist())
        fallback = family_units[~family_units["ym"].isin(covered)]
        if "site_id" in units_frame.columns:
            units = pd.concat([units_frame, _site_split(history, a, fallback)], ignore_index=True)
        else:
            units = _site_split(history, a, pd.concat([units_frame, fallback], ignore_index=True))
        volume_source = f"forecasts run {run_label}" + (
            f" (months it lacks: {volume_source})" if len(covered) < len(remaining) else ""
        )
    else:
        units = _site_split(history, a, family_units)
    cells, fixed = _project(units, base3, max(gl_months, 1), remaining)
    if drivers:
        moved = DriverBase("projection", cells, fixed).apply(drivers)
        cells, fixed = moved.cells, moved.fixed

    vol = estimate_volatility(history, a, TREND_MONTHS, notes)
    ytd = pnl(con, as_of, PnlMode.YTD, comparison=Comparison.BUDGET, budget_version=budget_version)
    full = pnl(
        con, as_of, PnlMode.FULL_YEAR, comparison=Comparison.BUDGET, budget_version=budget_version
    )
    actual = {
        ln.line: ln.actual for ln in ytd.total() if ln.line in (*VARIABLE_LINES, *FIXED_LINES)
    }
    budget = {
        ln.line: ln.comparison for ln in full.total() if ln.line in (*VARIABLE_LINES, *FIXED_LINES)
    }
    if not ledger_by_site(history, rate_first, a).to_numpy().any():
        notes.append("the trailing months have no ledger amounts; the projection is empty")
    return RollingForecast(
        as_of=as_of,
        year=year,
        actual_months=ytd.months,
        remaining_months=tuple(month_label(m) for m in remaining),
        volume_source=volume_source,
        cells=cells.reset_index(drop=True),
        fixed=fixed.reset_index(drop=True),
        actual_to_date=actual,
        budget=budget,
        rates=_driver_rates(history, base3, rate_first, a, vol),
        volatility=vol,
        adjustments=tuple(drivers),
        notes=tuple(notes),
    )


def rolling_inputs(
    warehouse: Any,
    as_of: str | None = None,
    *,
    drivers: Sequence[Driver] = (),
    use_forecasts: bool = True,
    budget_version: str | None = None,
) -> RollingForecastInputs:
    """:class:`RollingForecastInputs` for :func:`simulate_landing`, from the warehouse."""
    return build_rolling_forecast(
        warehouse,
        as_of,
        drivers=drivers,
        use_forecasts=use_forecasts,
        budget_version=budget_version,
    ).inputs()
