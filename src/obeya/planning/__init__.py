"""Planning engines: aggregate (S&OP) plans, rough-cut capacity, Erlang C staffing,
rosters and workforce plans. Pure functions over typed specs, arrays and tables."""

from obeya.planning._lp import Conflict, LpSolver, SolveStatus
from obeya.planning.aggregate import (
    AggregatePlan,
    ConstraintKind,
    PeriodPlan,
    ShadowPrice,
    network_input_from_spec,
    plan_aggregate,
)
from obeya.planning.aggregate_eval import (
    PlanDecisions,
    PlanEvaluation,
    chase_plan,
    evaluate_plan,
    level_plan,
)
from obeya.planning.aggregate_spec import (
    AggregateCosts,
    AggregateSpec,
    load_aggregate_spec,
    parse_aggregate_spec,
)
from obeya.planning.erlang import (
    ErlangResult,
    erlang_b,
    erlang_c,
    erlang_c_probability,
    erlang_c_staffing,
    service_level,
)
from obeya.planning.network import (
    CostComponent,
    NetworkPlan,
    NetworkPlanInput,
    PlanDuals,
    PlanInfeasibleError,
    build_network_lp,
    plan_network,
)

__all__ = [
    "AggregateCosts",
    "AggregatePlan",
    "AggregateSpec",
    "Conflict",
    "ConstraintKind",
    "ErlangResult",
    "CostComponent",
    "LpSolver",
    "NetworkPlan",
    "NetworkPlanInput",
    "PeriodPlan",
    "PlanDecisions",
    "PlanDuals",
    "PlanEvaluation",
    "PlanInfeasibleError",
    "ShadowPrice",
    "SolveStatus",
    "build_network_lp",
    "chase_plan",
    "erlang_b",
    "erlang_c",
    "erlang_c_probability",
    "erlang_c_staffing",
    "evaluate_plan",
    "level_plan",
    "load_aggregate_spec",
    "network_input_from_spec",
    "parse_aggregate_spec",
    "plan_aggregate",
    "plan_network",
    "service_level",
]
