"""Finance engines: capital projects, portfolio, variance bridge, P&L, landing forecast.

* :mod:`capex` metrics (NPV, IRR, MIRR, payback, PI) on yearly cash flows;
  :mod:`cashflow` and :mod:`depreciation` derive after-tax flows from drivers;
  :mod:`capex_spec` loads the YAML spec, :mod:`evaluation` evaluates it and draws
  the NPV tornado, :mod:`portfolio` picks the best set within the budget (HiGHS).
* :mod:`bridge` splits a revenue or margin change into price, volume, mix and cost.
* :mod:`pnl` builds the P&L against budget or last year in the warehouse (Ibis).
* :mod:`montecarlo` simulates the full-year landing (P10/P50/P90).
* :mod:`bridge_sources` bridges revenue and margin from the order lines against the
  sales budget or last year.
* :mod:`history` reads the monthly operating history and splits the ledger into
  site x family driver cells (:mod:`drivers`); :mod:`rolling` projects the rest of
  the year from drivers (volume from :mod:`forecast_source` or history, volatility
  from :mod:`volatility`); :mod:`scenario` applies driver scenarios from YAML.
* :mod:`cost_to_serve` allocates freight, handling, returns, service and payment
  terms to customers; :mod:`whale` draws the whale curve.

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
from obeya.finance.bridge_sources import (
    BridgeBy,
    OrderBridge,
    bridge_from_orders,
    order_bridge_tables,
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
from obeya.finance.cost_to_serve import (
    DEFAULT_PRIORITY_WEIGHTS,
    CostPool,
    CostToServe,
    CostToServeBy,
    CostToServeSettings,
    cost_to_serve,
    cost_to_serve_window,
    load_cost_to_serve_settings,
    loss_drivers,
)
from obeya.finance.depreciation import (
    MACRS_HALF_YEAR_PERCENT,
    DepreciationMethod,
    book_value,
    depreciation_schedule,
)
from obeya.finance.drivers import (
    FIXED_LINES,
    VARIABLE_LINES,
    Driver,
    DriverBase,
    DriverKind,
    line_totals,
)
from obeya.finance.evaluation import Tornado, TornadoBar, TornadoDriver, evaluate, tornado
from obeya.finance.forecast_source import FORECAST_TABLE, latest_forecast_units
from obeya.finance.history import History, base_from_history, ledger_by_site, load_history
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
from obeya.finance.rolling import (
    DriverRate,
    LandingLine,
    RollingForecast,
    build_rolling_forecast,
    latest_actual_month,
    rolling_inputs,
)
from obeya.finance.scenario import (
    ScenarioBaseKind,
    ScenarioLine,
    ScenarioResult,
    ScenarioSpec,
    ScenarioTornadoBar,
    load_scenario,
    parse_scenario,
    run_scenario,
    scenario_base,
    scenario_tornado,
)
from obeya.finance.volatility import Volatility, estimate_volatility
from obeya.finance.whale import WhaleCurve, whale_curve

__all__ = [
    "DEFAULT_PRIORITY_WEIGHTS",
    "FIXED_LINES",
    "FORECAST_TABLE",
    "MACRS_HALF_YEAR_PERCENT",
    "VARIABLE_LINES",
    "BridgeBy",
    "BridgeColumns",
    "BridgeMeasure",
    "CapexSpec",
    "CashFlowDrivers",
    "Comparison",
    "CostPool",
    "CostToServe",
    "CostToServeBy",
    "CostToServeSettings",
    "DepreciationMethod",
    "Driver",
    "DriverBase",
    "DriverKind",
    "DriverRate",
    "Effect",
    "Favourability",
    "History",
    "IrrResult",
    "IrrStatus",
    "LandingForecast",
    "LandingLine",
    "MemberStatus",
    "MetricValue",
    "MixConvention",
    "OrderBridge",
    "PnlLine",
    "PnlLineCode",
    "PnlMode",
    "PnlReport",
    "PortfolioItem",
    "PortfolioResult",
    "ProjectResult",
    "ProjectSpec",
    "Quantiles",
    "RollingForecast",
    "RollingForecastInputs",
    "ScenarioBaseKind",
    "ScenarioLine",
    "ScenarioResult",
    "ScenarioSpec",
    "ScenarioTornadoBar",
    "Tornado",
    "TornadoBar",
    "TornadoDriver",
    "Uncertain",
    "VarianceBridge",
    "Volatility",
    "VolumeDistribution",
    "Waterfall",
    "WaterfallGrouping",
    "WaterfallStep",
    "WhaleCurve",
    "base_from_history",
    "book_value",
    "bridge_from_orders",
    "build_rolling_forecast",
    "cost_to_serve",
    "cost_to_serve_window",
    "depreciation_schedule",
    "derive_cash_flows",
    "discounted_payback",
    "estimate_volatility",
    "evaluate",
    "evaluate_cash_flows",
    "irr",
    "latest_actual_month",
    "latest_forecast_units",
    "ledger_by_site",
    "line_totals",
    "load_capex_spec",
    "load_cost_to_serve_settings",
    "load_history",
    "load_scenario",
    "loss_drivers",
    "mirr",
    "npv",
    "optimise_portfolio",
    "order_bridge_tables",
    "parse_capex_spec",
    "parse_scenario",
    "payback",
    "period_months",
    "pnl",
    "pnl_query",
    "profitability_index",
    "rolling_inputs",
    "run_scenario",
    "scenario_base",
    "scenario_tornado",
    "select_portfolio",
    "simulate_landing",
    "tornado",
    "variance_bridge",
    "whale_curve",
]
