"""Inventory engines: textbook models, many-SKU policies, classification,
multi-echelon safety stock (guaranteed service), projection and simulation.

Pure functions over numbers and arrays that return frozen results; see
``docs/inventory.md`` for the models, formulas, units and the network YAML.
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
from obeya.inventory.policy import (
    PolicyResult,
    PolicyTotals,
    ReviewPolicy,
    ServiceTarget,
    inventory_policy,
    policy_totals,
    safety_factor,
)
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

__all__ = [
    "AbcClass",
    "AbcResult",
    "AbcXyzResult",
    "EoqResult",
    "GsmNodeResult",
    "GsmResult",
    "Network",
    "NewsvendorResult",
    "NodeSpec",
    "PolicyResult",
    "PolicyTotals",
    "ProjectionResult",
    "ProjectionTables",
    "RQMethod",
    "RQResult",
    "ReorderPointResult",
    "ReviewPolicy",
    "SeasonalOrder",
    "ServiceTarget",
    "ShortageModel",
    "SimulationResult",
    "XyzClass",
    "XyzResult",
    "abc_classify",
    "abc_xyz_classify",
    "eoq",
    "gsm_result_to_dict",
    "gsm_tree",
    "inventory_policy",
    "lead_time_demand_sd",
    "load_network",
    "network_from_dict",
    "newsvendor",
    "newsvendor_quantities",
    "normal_loss",
    "normal_loss_inverse",
    "policy_totals",
    "project_inventory",
    "project_inventory_table",
    "reorder_point",
    "rq_policy",
    "safety_factor",
    "sample_demand_bootstrap",
    "sample_demand_normal",
    "simulate_policy",
    "xyz_classify",
]
