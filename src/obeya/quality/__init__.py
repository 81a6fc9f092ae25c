"""Quality and continuous improvement: SPC charts and rules, capability, Pareto, process
flow analysis and before/after verification of improvements.

Every engine takes tables or arrays and returns frozen results with ``to_dict()``;
see ``docs/quality.md`` for each chart, rule and index with its formula and inputs.
"""

from obeya.quality.batch import XbarRBatch, xbar_r_batch
from obeya.quality.capability import (
    Capability,
    CapabilityMethod,
    Normality,
    Ppm,
    WithinMethod,
    anderson_darling,
    capability,
)
from obeya.quality.charts import (
    c_chart,
    imr_chart,
    np_chart,
    p_chart,
    u_chart,
    xbar_r_chart,
    xbar_s_chart,
)
from obeya.quality.constants import ControlConstants, c4, control_constants, d2, d3
from obeya.quality.flow import (
    ActivityStats,
    CycleEfficiency,
    Dfg,
    DfgNode,
    EventLogColumns,
    FlowAnalysis,
    Rework,
    Throughput,
    Transition,
    Variant,
    analyse_flow,
    directly_follows_graph,
)
from obeya.quality.kaizen import (
    Better,
    Counts,
    Improvement,
    KpiKind,
    SignificanceTest,
    compare_distributions,
    compare_means,
    compare_rates,
    verify_improvement,
)
from obeya.quality.pareto import Dpmo, Pareto, ParetoRow, dpmo, pareto
from obeya.quality.plot import dfg_chart_spec, spc_chart_spec, to_png, to_svg
from obeya.quality.results import (
    ChartKind,
    ControlChart,
    CusumChart,
    Panel,
    Phase,
    Signal,
    Statistic,
)
from obeya.quality.rules import Pattern, Rule, RuleSet, rule_masks, rules_of
from obeya.quality.timeweighted import cusum_chart, ewma_chart
from obeya.quality.xes import read_xes

__all__ = [
    "ActivityStats",
    "Better",
    "Capability",
    "CapabilityMethod",
    "ChartKind",
    "ControlChart",
    "ControlConstants",
    "Counts",
    "CusumChart",
    "CycleEfficiency",
    "Dfg",
    "DfgNode",
    "Dpmo",
    "EventLogColumns",
    "FlowAnalysis",
    "Improvement",
    "KpiKind",
    "Normality",
    "Panel",
    "Pareto",
    "ParetoRow",
    "Pattern",
    "Phase",
    "Ppm",
    "Rework",
    "Rule",
    "RuleSet",
    "Signal",
    "SignificanceTest",
    "Statistic",
    "Throughput",
    "Transition",
    "Variant",
    "WithinMethod",
    "XbarRBatch",
    "analyse_flow",
    "anderson_darling",
    "c4",
    "c_chart",
    "capability",
    "compare_distributions",
    "compare_means",
    "compare_rates",
    "control_constants",
    "cusum_chart",
    "d2",
    "d3",
    "dfg_chart_spec",
    "directly_follows_graph",
    "dpmo",
    "ewma_chart",
    "imr_chart",
    "np_chart",
    "p_chart",
    "pareto",
    "read_xes",
    "rule_masks",
    "rules_of",
    "spc_chart_spec",
    "to_png",
    "to_svg",
    "u_chart",
    "verify_improvement",
    "xbar_r_batch",
    "xbar_r_chart",
    "xbar_s_chart",
]
