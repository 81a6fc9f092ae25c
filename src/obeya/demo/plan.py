"""Everything the tables are drawn from, built once per company.

The plan holds the config, calendar, stories, master data, demand plan, the
stock simulation and the production design; each table's generator reads it and
nothing else, so a table can be regenerated on its own and comes out the same.
"""

from __future__ import annotations

from dataclasses import dataclass

from obeya.demo.config import Calendar, DemoConfig
from obeya.demo.demand import Demand, build_demand
from obeya.demo.inventory import Supply, simulate_supply
from obeya.demo.production import LineDesign, Production, design_lines, make_production
from obeya.demo.reference import Reference, build_reference
from obeya.demo.stories import Stories, stories

__all__ = ["Plan", "build_plan"]


@dataclass(frozen=True)
class Plan:
    config: DemoConfig
    cal: Calendar
    story: Stories
    ref: Reference
    demand: Demand
    supply: Supply
    lines: LineDesign
    production: Production


def build_plan(config: DemoConfig) -> Plan:
    """Master data, demand plan, stock simulation, lines and work orders of the company."""
    cal = Calendar.of(config)
    story = stories(config)
    ref = build_reference(config, story)
    demand = build_demand(config, cal, ref, story)
    supply = simulate_supply(config, cal, ref, demand, story)
    lines = design_lines(cal, ref, supply, story)
    production = make_production(config, cal, ref, supply, lines, story)
    return Plan(config, cal, story, ref, demand, supply, lines, production)
