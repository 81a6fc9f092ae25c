"""Inventory engines: textbook models, many-SKU policies, classification,
multi-echelon safety stock (guaranteed service), projection and simulation.

The engines are pure functions over numbers and arrays that return frozen results;
``warehouse_inputs``, ``network_from_sites`` and ``outlook`` read their inputs from
the warehouse (one Ibis query per statistic family), and ``planner`` and
``policy_check`` run the engines over every SKU x site. See ``docs/inventory.md``.
"""

from obeya.inventory._normal import normal_loss, normal_loss_inverse
from obeya.inventory.classify import (
    AbcClass,
    AbcResult,
    AbcXyzResult,
    XyzClass,
    XyzResult,
    abc_classify,
    abc_xyz_classify,
    xyz_classify,
)
from obeya.inventory.gsm import GsmNodeResult, GsmResult, gsm_result_to_dict, gsm_tree
from obeya.inventory.models import (
    EoqResult,
    NewsvendorResult,
    ReorderPointResult,
    RQMethod,
    RQResult,
    eoq,
    lead_time_demand_sd,
    newsvendor,
    reorder_point,
    rq_policy,
)
from obeya.inventory.network import Network, NodeSpec, load_network, network_from_dict
from obeya.inventory.network_from_sites import (
    SiteNetwork,
    SiteNetworkSettings,
    network_from_warehouse,
)
from obeya.inventory.outlook import InventoryOutlook, OutlookSettings, inventory_outlook
from obeya.inventory.planner import (
    GroupBy,
    PlannerSettings,
    PolicyPlan,
    class_codes,
    parse_class_targets,
    plan_items_table,
    plan_policy,
    plan_summary,
)
from obeya.inventory.policy import (
    PolicyResult,
    PolicyTotals,
    ReviewPolicy,
    ServiceTarget,
    inventory_policy,
    policy_totals,
    safety_factor,
)
from obeya.inventory.policy_check import DemandModel, PolicyCheck, check_policy, pick_series
from obeya.inventory.projection import (
    ProjectionResult,
    ProjectionTables,
    project_inventory,
    project_inventory_table,
)
from obeya.inventory.seasonal import SeasonalOrder, newsvendor_quantities
from obeya.inventory.simulate import (
    ShortageModel,
    SimulationResult,
    sample_demand_bootstrap,
    sample_demand_normal,
    simulate_policy,
)
from obeya.inventory.warehouse_inputs import (
    DemandSource,
    ForecastRun,
    InputSettings,
    LeadTimeSource,
    SdSource,
    SeriesInputs,
    current_stock,
    demand_window,
    latest_forecast_run,
    read_series_inputs,
    resolve_as_of,
    weekly_demand,
)

__all__ = [
    "AbcClass",
    "AbcResult",
    "AbcXyzResult",
    "DemandModel",
    "DemandSource",
    "EoqResult",
    "ForecastRun",
    "GroupBy",
    "GsmNodeResult",
    "GsmResult",
    "InputSettings",
    "InventoryOutlook",
    "LeadTimeSource",
    "Network",
    "NewsvendorResult",
    "NodeSpec",
    "OutlookSettings",
    "PlannerSettings",
    "PolicyCheck",
    "PolicyPlan",
    "PolicyResult",
    "PolicyTotals",
    "ProjectionResult",
    "ProjectionTables",
    "RQMethod",
    "RQResult",
    "ReorderPointResult",
    "ReviewPolicy",
    "SdSource",
    "SeasonalOrder",
    "SeriesInputs",
    "ServiceTarget",
    "ShortageModel",
    "SimulationResult",
    "SiteNetwork",
    "SiteNetworkSettings",
    "XyzClass",
    "XyzResult",
    "abc_classify",
    "abc_xyz_classify",
    "check_policy",
    "class_codes",
    "current_stock",
    "demand_window",
    "eoq",
    "gsm_result_to_dict",
    "gsm_tree",
    "inventory_outlook",
    "inventory_policy",
    "latest_forecast_run",
    "lead_time_demand_sd",
    "load_network",
    "network_from_dict",
    "network_from_warehouse",
    "newsvendor",
    "newsvendor_quantities",
    "normal_loss",
    "normal_loss_inverse",
    "parse_class_targets",
    "pick_series",
    "plan_items_table",
    "plan_policy",
    "plan_summary",
    "policy_totals",
    "project_inventory",
    "project_inventory_table",
    "read_series_inputs",
    "reorder_point",
    "resolve_as_of",
    "rq_policy",
    "safety_factor",
    "sample_demand_bootstrap",
    "sample_demand_normal",
    "simulate_policy",
    "weekly_demand",
    "xyz_classify",
]
