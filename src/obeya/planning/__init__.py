"""Planning engines: aggregate (S&OP) plans, rough-cut capacity, Erlang C staffing,
rosters and workforce plans, the same plans built from the warehouse, and what-if
scenarios. Pure functions over typed specs, arrays and tables (the warehouse is read
by dedicated readers); see ``docs/planning.md`` for every model written out."""

from obeya.planning._lp import (
    Conflict,
    LinearProgram,
    LpSolution,
    LpSolver,
    SolveStatus,
    solve_lp,
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
from obeya.planning.aggregate_warehouse import WarehousePlan, plan_from_warehouse
from obeya.planning.calendar_spec import CalendarSpec, SiteCalendar, Weekday, load_calendar
from obeya.planning.capacity import (
    CapacityReport,
    ForecastColumns,
    PeriodGrain,
    WorkCalendar,
    rough_cut_capacity,
)
from obeya.planning.capacity_plan import (
    CapacityChange,
    CapacityOutcome,
    NewResource,
    capacity_plan,
    effective_days,
)
from obeya.planning.demand_input import DemandBasis, DemandFrame, DemandSource, read_demand
from obeya.planning.erlang import (
    ErlangResult,
    erlang_b,
    erlang_c,
    erlang_c_probability,
    erlang_c_staffing,
    service_level,
)
from obeya.planning.inventory_warehouse import (
    InventoryOutcome,
    LeadTimeChange,
    inventory_from_inputs,
    read_policy_inputs,
)
from obeya.planning.network import (
    BuiltModel,
    CostComponent,
    NetworkPlan,
    NetworkPlanInput,
    PlanDuals,
    PlanInfeasibleError,
    build_network_lp,
    plan_network,
)
from obeya.planning.network_hours import plan_network_hours
from obeya.planning.planning_config import PlanningConfig, load_planning_config
from obeya.planning.roster import (
    CoverageMode,
    LabourRules,
    RosterProblem,
    RosterResult,
    RosterStatus,
    ShiftTemplate,
    StaffMember,
    solve_roster,
)
from obeya.planning.roster_check import (
    RosterRule,
    RuleViolation,
    check_roster,
)
from obeya.planning.roster_spec import (
    RosterReport,
    RosterSpec,
    load_roster_spec,
    parse_roster_spec,
    roster_report,
)
from obeya.planning.scenario_spec import (
    OverrideKind,
    References,
    ScenarioSpec,
    load_scenario_spec,
    parse_scenario_spec,
)
from obeya.planning.scenario_store import Metric, ScenarioStatus
from obeya.planning.scenarios import (
    ScenarioInputs,
    ScenarioRun,
    compare_results,
    read_scenario_inputs,
    run_scenario,
    run_stored_scenario,
)
from obeya.planning.warehouse_facts import PlanningFacts, read_facts
from obeya.planning.workforce import (
    VolumeColumns,
    WorkforcePlan,
    WorkforceSettings,
    learn_labour_standards,
    plan_workforce,
)
from obeya.planning.workforce_warehouse import StaffingPlan, staffing_from_warehouse

__all__ = [
    "AggregateCosts",
    "AggregatePlan",
    "AggregateSpec",
    "BuiltModel",
    "CalendarSpec",
    "CapacityChange",
    "CapacityOutcome",
    "CapacityReport",
    "Conflict",
    "ConstraintKind",
    "CostComponent",
    "CoverageMode",
    "DemandBasis",
    "DemandFrame",
    "DemandSource",
    "ErlangResult",
    "ForecastColumns",
    "InventoryOutcome",
    "LabourRules",
    "LeadTimeChange",
    "LinearProgram",
    "LpSolution",
    "LpSolver",
    "Metric",
    "NetworkPlan",
    "NetworkPlanInput",
    "NewResource",
    "OverrideKind",
    "PeriodGrain",
    "PeriodPlan",
    "PlanDecisions",
    "PlanDuals",
    "PlanEvaluation",
    "PlanInfeasibleError",
    "PlanningConfig",
    "PlanningFacts",
    "References",
    "RosterProblem",
    "RosterReport",
    "RosterResult",
    "RosterRule",
    "RosterSpec",
    "RosterStatus",
    "RuleViolation",
    "ScenarioInputs",
    "ScenarioRun",
    "ScenarioSpec",
    "ScenarioStatus",
    "ShadowPrice",
    "ShiftTemplate",
    "SiteCalendar",
    "SolveStatus",
    "StaffMember",
    "StaffingPlan",
    "VolumeColumns",
    "WarehousePlan",
    "Weekday",
    "WorkCalendar",
    "WorkforcePlan",
    "WorkforceSettings",
    "build_network_lp",
    "capacity_plan",
    "chase_plan",
    "check_roster",
    "compare_results",
    "effective_days",
    "erlang_b",
    "erlang_c",
    "erlang_c_probability",
    "erlang_c_staffing",
    "evaluate_plan",
    "inventory_from_inputs",
    "learn_labour_standards",
    "level_plan",
    "load_aggregate_spec",
    "load_calendar",
    "load_planning_config",
    "load_roster_spec",
    "load_scenario_spec",
    "network_input_from_spec",
    "parse_aggregate_spec",
    "parse_roster_spec",
    "parse_scenario_spec",
    "plan_aggregate",
    "plan_from_warehouse",
    "plan_network",
    "plan_network_hours",
    "plan_workforce",
    "read_demand",
    "read_facts",
    "read_policy_inputs",
    "read_scenario_inputs",
    "roster_report",
    "rough_cut_capacity",
    "run_scenario",
    "run_stored_scenario",
    "service_level",
    "solve_lp",
    "solve_roster",
    "staffing_from_warehouse",
]
