"""``generate``: the whole demo company, table by table, in load order.

Reference tables come first, then the facts, each table complete before the next
begins (``obeya.model.load_order()``). The order stream is drawn twice, chunk by
chunk, so memory stays bounded at any scale: the first pass yields the order lines
and sums them for the ledger; the second yields the shipments and keeps the much
smaller returns, survey answers, tickets and event log until their turn.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cached_property

import pyarrow as pa

from obeya.demo.config import DemoConfig
from obeya.demo.events import process_events_table
from obeya.demo.finance import (
    Energy,
    OrderTotals,
    SalesPlan,
    energy,
    energy_table,
    ledger,
    sales_budget_table,
    sales_plan,
    waste_table,
)
from obeya.demo.inventory import inventory_tables
from obeya.demo.master import reference_tables
from obeya.demo.orders import order_chunks, order_lines_table, shipments_table
from obeya.demo.people import Labour, incidents_table, labor_hours_table, labour
from obeya.demo.plan import Plan, build_plan
from obeya.demo.production import work_orders_table
from obeya.demo.purchasing import Purchases, purchase_order_lines_table, purchases
from obeya.demo.quality import inspections_table, quality_samples_table
from obeya.demo.service import nps_table, returns_table, tickets_table
from obeya.model import load_order

__all__ = ["Progress", "generate"]

Progress = Callable[[str, int, int], None]
"""Called as ``progress(table, rows_done, rows_expected)`` while a table is made."""

Chunks = Iterator[tuple[str, pa.Table]]


class _Company:
    """One generation run: the plan and what later tables reuse, each made once."""

    def __init__(self, plan: Plan, progress: Progress | None) -> None:
        self.plan = plan
        self.progress = progress

    def report(self, name: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(name, done, total)

    @cached_property
    def reference(self) -> dict[str, pa.Table]:
        return reference_tables(self.plan)

    @cached_property
    def labour(self) -> Labour:
        return labour(self.plan)

    @cached_property
    def purchases(self) -> Purchases:
        return purchases(self.plan)

    @cached_property
    def sales_plan(self) -> SalesPlan:
        return sales_plan(self.plan)

    @cached_property
    def energy(self) -> Energy:
        return energy(self.plan, self.totals)

    @cached_property
    def ledger(self) -> tuple[pa.Table, pa.Table]:
        return ledger(self.plan, self.totals, self.labour, self.energy, self.sales_plan)

    @cached_property
    def totals(self) -> OrderTotals:
        """Sums of the order stream; the order-lines pass fills them on its way."""
        for _ in self.order_lines():
            pass
        return self.totals

    @cached_property
    def held(self) -> dict[str, list[pa.Table]]:
        """The order-derived small tables; the shipments pass fills them on its way."""
        for _ in self.shipments():
            pass
        return self.held

    def order_lines(self) -> Chunks:
        plan = self.plan
        totals = OrderTotals.empty(plan.ref.n_sites, len(plan.cal.month_keys))
        expected, done = plan.config.total_lines, 0
        for chunk in order_chunks(plan):
            totals.add(plan, chunk)
            table = order_lines_table(plan, chunk)
            done += table.num_rows
            self.report("order_lines", done, max(expected, done))
            yield "order_lines", table
        self.report("order_lines", done, done)
        self.__dict__["totals"] = totals

    def shipments(self) -> Chunks:
        plan = self.plan
        held: dict[str, list[pa.Table]] = {
            "returns": [], "nps_responses": [], "tickets": [], "process_events": []
        }  # fmt: skip
        expected, done = round(plan.config.total_lines / plan.demand.mean_lines), 0
        for chunk in order_chunks(plan):
            table = shipments_table(plan, chunk)
            done += table.num_rows
            self.report("shipments", done, max(expected, done))
            yield "shipments", table
            held["returns"].append(returns_table(plan, chunk))
            held["nps_responses"].append(nps_table(plan, chunk))
            held["tickets"].append(tickets_table(plan, chunk))
            held["process_events"].append(process_events_table(plan, chunk))
        self.report("shipments", done, done)
        self.__dict__["held"] = held

    def chunks(self, name: str) -> list[pa.Table]:
        """The chunks of a table made in one piece (or held from the order stream)."""
        plan = self.plan
        if name in self.reference:
            return [self.reference[name]]
        match name:
            case "returns" | "nps_responses" | "tickets" | "process_events":
                return self.held.pop(name)
            case "inventory_snapshots":
                return list(inventory_tables(plan.ref, plan.cal, plan.supply))
            case "purchase_order_lines":
                return [purchase_order_lines_table(plan, self.purchases)]
            case "work_orders":
                return [work_orders_table(plan.ref, plan.production)]
            case "labor_hours":
                return [labor_hours_table(plan, self.labour)]
            case "incidents":
                return [incidents_table(plan, self.labour)]
            case "quality_samples":
                return [quality_samples_table(plan)]
            case "inspections":
                return [inspections_table(plan, self.purchases)]
            case "gl_actuals":
                return [self.ledger[0]]
            case "budget":
                return [self.ledger[1]]
            case "sales_budget":
                return [sales_budget_table(plan, self.sales_plan)]
            case "energy":
                return [energy_table(plan, self.energy)]
            case "waste":
                return [waste_table(plan, self.totals)]
            case _:
                raise AssertionError(f"the demo generator has no recipe for table {name!r}")


def generate(config: DemoConfig, progress: Progress | None = None) -> Chunks:
    """Yield ``(table name, chunk)`` for every table of the data model, in load order.

    A table may come in several chunks (the order stream in one per about
    ``config.chunk_lines`` order lines); every chunk has exactly the model's columns
    and Arrow types. ``progress`` is told ``(table, rows done, rows expected)``.
    """
    company = _Company(build_plan(config), progress)
    for name in load_order():
        if name == "order_lines":
            yield from company.order_lines()
        elif name == "shipments":
            yield from company.shipments()
        else:
            chunks = company.chunks(name)
            rows = sum(c.num_rows for c in chunks)
            done = 0
            for chunk in chunks:
                done += chunk.num_rows
                company.report(name, done, rows)
                yield name, chunk
