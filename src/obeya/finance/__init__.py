"""Finance engines: capital projects, portfolio, variance bridge, P&L, landing forecast.

* :mod:`capex` metrics (NPV, IRR, MIRR, payback, PI) on yearly cash flows;
  :mod:`cashflow` and :mod:`depreciation` derive after-tax flows from drivers;
  :mod:`capex_spec` loads the YAML spec, :mod:`evaluation` evaluates it and draws
  the NPV tornado, :mod:`portfolio` picks the best set within the budget (HiGHS).
* :mod:`bridge` splits a revenue or margin change into price, volume, mix and cost.
* :mod:`pnl` builds the P&L against budget or last year in the warehouse (Ibis).
* :mod:`montecarlo` simulates the full-year landing (P10/P50/P90).

Formulas and sign conventions are in ``docs/finance.md``.
"""

from obeya.finance.bridge import (
    BridgeColumns,
    BridgeMeasure,
    Effect,
    MemberStatus,
    MixConvention,
    VarianceBridge,
    Waterfall,
    WaterfallGrouping,
    WaterfallStep,
    variance_bridge,
)
from obeya.finance.capex import (
    IrrResult,
    IrrStatus,
    MetricValue,
    ProjectResult,
    discounted_payback,
    evaluate_cash_flows,
    irr,
    mirr,
    npv,
    payback,
    profitability_index,
)
from obeya.finance.capex_spec import CapexSpec, ProjectSpec, load_capex_spec, parse_capex_spec
from obeya.finance.cashflow import CashFlowDrivers, derive_cash_flows
from obeya.finance.depreciation import (
    MACRS_HALF_YEAR_PERCENT,
    DepreciationMethod,
    book_value,
    depreciation_schedule,
)
from obeya.finance.evaluation import Tornado, TornadoBar, TornadoDriver, evaluate, tornado
from obeya.finance.montecarlo import (
    LandingForecast,
    Quantiles,
    RollingForecastInputs,
    Uncertain,
    VolumeDistribution,
    simulate_landing,
)
from obeya.finance.pnl import (
    Comparison,
    Favourability,
    PnlLine,
    PnlLineCode,
    PnlMode,
    PnlReport,
    period_months,
    pnl,
    pnl_query,
)
from obeya.finance.portfolio import (
    PortfolioItem,
    PortfolioResult,
    optimise_portfolio,
    select_portfolio,
)

__all__ = [
    "MACRS_HALF_YEAR_PERCENT",
    "BridgeColumns",
    "BridgeMeasure",
    "CapexSpec",
    "CashFlowDrivers",
    "Comparison",
    "DepreciationMethod",
    "Effect",
    "Favourability",
    "IrrResult",
    "IrrStatus",
    "LandingForecast",
    "MemberStatus",
    "MetricValue",
    "MixConvention",
    "PnlLine",
    "PnlLineCode",
    "PnlMode",
    "PnlReport",
    "PortfolioItem",
    "PortfolioResult",
    "ProjectResult",
    "ProjectSpec",
    "Quantiles",
    "RollingForecastInputs",
    "Tornado",
    "TornadoBar",
    "TornadoDriver",
    "Uncertain",
    "VarianceBridge",
    "VolumeDistribution",
    "Waterfall",
    "WaterfallGrouping",
    "WaterfallStep",
    "book_value",
    "depreciation_schedule",
    "derive_cash_flows",
    "discounted_payback",
    "evaluate",
    "evaluate_cash_flows",
    "irr",
    "load_capex_spec",
    "mirr",
    "npv",
    "optimise_portfolio",
    "parse_capex_spec",
    "payback",
    "period_months",
    "pnl",
    "pnl_query",
    "profitability_index",
    "select_portfolio",
    "simulate_landing",
    "tornado",
    "variance_bridge",
]
