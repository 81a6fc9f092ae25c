"""Planning engines: aggregate (S&OP) plans, rough-cut capacity, Erlang C staffing,
rosters and workforce plans. Pure functions over typed specs, arrays and tables;
see ``docs/planning.md`` for every model written out."""

from obeya.planning._lp import (
    Conflict,
    LpSolver,
    SolveStatus,
)
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
from obeya.planning.network import (
    CostComponent,
    NetworkPlan,
    NetworkPlanInput,
    PlanDuals,
    PlanInfeasibleError,
    build_network_lp,
    plan_network,
)
from obeya.planning.capacity import (
    CapacityReport,
    ForecastColumns,
    PeriodGrain,
    WorkCalendar,
    rough_cut_capacity,
)
from obeya.planning.erlang import (
    ErlangResult,
    erlang_b,
    erlang_c,
    erlang_c_probability,
    erlang_c_staffing,
    service_level,
)

__all__ = [
    "AggregateCosts",
    "AggregatePlan",
    "AggregateSpec",
    "CapacityReport",
    "Conflict",
    "ConstraintKind",
    "CostComponent",
    "ErlangResult",
    "ForecastColumns",
    "LpSolver",
    "NetworkPlan",
    "NetworkPlanInput",
    "PeriodGrain",
    "PeriodPlan",
    "PlanDecisions",
    "PlanDuals",
    "PlanEvaluation",
    "PlanInfeasibleError",
    "ShadowPrice",
    "SolveStatus",
    "WorkCalendar",
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
    "rough_cut_capacity",
    "service_level",
]
