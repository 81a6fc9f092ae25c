"""The operations data model (contract version 1) as typed schemas.

This module is the single source of table and column truth: the loader validates
against it, the warehouse creates its tables from it, ``docs/data-model.md`` is
generated from it and the demo generator fills it. Names follow
``shared/spec/data-model.md`` exactly.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = [
    "MODEL_VERSION",
    "TABLES",
    "Column",
    "ColumnType",
    "RowRule",
    "Table",
    "TableKind",
    "load_order",
    "table",
]

MODEL_VERSION = 1


class ColumnType(StrEnum):
    """Logical column types; each maps to one SQL type on every backend."""

    STRING = "string"
    DATE = "date"
    TIMESTAMP = "timestamp"
    DECIMAL = "decimal"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    PERIOD = "period"  # a month, 'YYYY-MM', stored as text

    @property
    def sql(self) -> str:
        """The SQL type used by DuckDB and PostgreSQL alike."""
        return _SQL_TYPES[self]


_SQL_TYPES = {
    ColumnType.STRING: "VARCHAR",
    ColumnType.DATE: "DATE",
    ColumnType.TIMESTAMP: "TIMESTAMP",
    ColumnType.DECIMAL: "DOUBLE PRECISION",
    ColumnType.INTEGER: "BIGINT",
    ColumnType.BOOLEAN: "BOOLEAN",
    ColumnType.PERIOD: "VARCHAR",
}


class TableKind(StrEnum):
    REFERENCE = "reference"
    FACT = "fact"


@dataclass(frozen=True, slots=True)
class Column:
    """One column of the model.

    ``optional`` columns (``?`` in the spec) may be absent from a file or empty;
    ``nullable`` columns must be present but may be empty. ``references`` names the
    reference table whose key this column must match. ``nonnegative`` applies to
    quantities; ``values`` lists the allowed codes; ``minimum``/``maximum`` bound a
    number; ``pattern`` is a regular expression a text value must match in full.
    """

    name: str
    type: ColumnType
    description: str = ""
    optional: bool = False
    nullable: bool = False
    references: str | None = None
    nonnegative: bool = False
    values: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None
    pattern_help: str = ""
    default: str | None = None  # SQL literal filled in when an optional column is absent

    @property
    def required(self) -> bool:
        """The column must be present in a file."""
        return not self.optional

    @property
    def may_be_empty(self) -> bool:
        return self.optional or self.nullable


@dataclass(frozen=True, slots=True)
class RowRule:
    """A rule across columns of one row, as a SQL predicate that holds for good rows.

    ``predicate`` refers to the typed columns; NULL results count as good (SQL's
    three-valued logic), so write it for the rows it should refuse.  ``column`` is
    the column named in a refusal; ``option`` names a load option that lifts it.
    """

    name: str
    column: str
    predicate: str
    option: str | None = None


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    kind: TableKind
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    description: str
    date_column: str | None = None
    rules: tuple[RowRule, ...] = ()
    _by_name: Mapping[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {c.name: c for c in self.columns})
        missing = [k for k in self.key if k not in self._by_name]
        if missing:
            raise AssertionError(f"{self.name}: key columns {missing} are not columns")

    def column(self, name: str) -> Column:
        return self._by_name[name]

    def has(self, name: str) -> bool:
        return name in self._by_name

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def foreign_keys(self) -> Iterator[Column]:
        return (c for c in self.columns if c.references)

    def ddl(self) -> str:
        cols = ",\n  ".join(f"{c.name} {c.type.sql}" for c in self.columns)
        return f"CREATE TABLE IF NOT EXISTS {self.name} (\n  {cols}\n)"


# --- column helpers: short, so the tables below read like the spec -----------------

S, D, TS, N, INT, B, P = (
    ColumnType.STRING,
    ColumnType.DATE,
    ColumnType.TIMESTAMP,
    ColumnType.DECIMAL,
    ColumnType.INTEGER,
    ColumnType.BOOLEAN,
    ColumnType.PERIOD,
)

_COUNTRY = {"pattern": "[A-Z]{2}", "pattern_help": "an ISO 3166-1 alpha-2 code such as DE"}
_CURRENCY = {"pattern": "[A-Z]{3}", "pattern_help": "an ISO 4217 code such as EUR"}
_PERIOD = {"pattern": "[0-9]{4}-(0[1-9]|1[0-2])", "pattern_help": "a month as YYYY-MM"}


def key(name: str, description: str = "", **kw: object) -> Column:
    return Column(name, S, description, **kw)  # type: ignore[arg-type]


def fk(name: str, table: str, description: str = "", **kw: object) -> Column:
    return Column(name, S, description, references=table, **kw)  # type: ignore[arg-type]


def qty(name: str, description: str = "", **kw: object) -> Column:
    return Column(name, N, description, nonnegative=True, **kw)  # type: ignore[arg-type]


def money(name: str, description: str = "", **kw: object) -> Column:
    return Column(name, N, description, **kw)  # type: ignore[arg-type]


def col(name: str, type_: ColumnType, description: str = "", **kw: object) -> Column:
    return Column(name, type_, description, **kw)  # type: ignore[arg-type]


def opt(c: Column) -> Column:
    """The same column, optional (``?`` in the spec)."""
    from dataclasses import replace

    return replace(c, optional=True)


def codes(name: str, values: tuple[str, ...], description: str = "", **kw: object) -> Column:
    return Column(name, S, description, values=values, **kw)  # type: ignore[arg-type]


PL_LINES = (
    "revenue",
    "cogs_material",
    "cogs_labor",
    "cogs_overhead",
    "freight",
    "warehousing",
    "sga",
    "other",
)
ORDER_STATUSES = ("open", "shipped", "delivered", "cancelled")
SITE_TYPES = ("plant", "dc", "store", "office")
CARRIER_MODES = ("truck", "ltl", "parcel", "rail", "ocean", "air")
RESOURCE_KINDS = ("line", "machine", "cell", "dock", "labor")
INCIDENT_TYPES = ("injury", "illness", "near_miss", "environmental", "property")
LIFECYCLES = ("new", "active", "phase_out")

_TABLES: tuple[Table, ...] = (
    # ---------------------------------------------------------------- reference
    Table(
        "sites",
        TableKind.REFERENCE,
        ("site_id",),
        (
            key("site_id", "Site code"),
            col("name", S, "Site name"),
            codes("type", SITE_TYPES, "What the site is"),
            col("country", S, "Country, ISO 3166-1 alpha-2", **_COUNTRY),
            opt(col("region", S, "Sales or operations region")),
            opt(col("lat", N, "Latitude in degrees", minimum=-90, maximum=90)),
            opt(col("lon", N, "Longitude in degrees", minimum=-180, maximum=180)),
        ),
        "Plants, distribution centres, stores and offices.",
    ),
    Table(
        "products",
        TableKind.REFERENCE,
        ("sku",),
        (
            key("sku", "Stock-keeping unit"),
            col("description", S),
            col("family", S, "Product family (the planning level above the SKU)"),
            opt(col("category", S)),
            opt(col("uom", S, "Unit of measure")),
            qty("unit_cost", "Standard cost per unit"),
            qty("unit_price", "List price per unit"),
            opt(qty("weight_kg", "Weight per unit in kg")),
            opt(col("hs_code", S, "Harmonised System customs code")),
            opt(codes("lifecycle", LIFECYCLES)),
        ),
        "The product master.",
    ),
    Table(
        "customers",
        TableKind.REFERENCE,
        ("customer_id",),
        (
            key("customer_id"),
            col("name", S),
            opt(col("segment", S)),
            opt(col("channel", S)),
            opt(col("country", S, **_COUNTRY)),
            opt(col("region", S)),
            opt(qty("payment_terms_days", "Agreed days to pay")),
        ),
        "Customers (ship-to or sold-to parties).",
    ),
    Table(
        "suppliers",
        TableKind.REFERENCE,
        ("supplier_id",),
        (
            key("supplier_id"),
            col("name", S),
            col("country", S, **_COUNTRY),
            opt(col("category", S)),
            opt(qty("payment_terms_days")),
            opt(qty("contract_lead_time_days", "Lead time agreed in the contract")),
        ),
        "Suppliers (vendors).",
    ),
    Table(
        "carriers",
        TableKind.REFERENCE,
        ("carrier_id",),
        (key("carrier_id"), col("name", S), codes("mode", CARRIER_MODES)),
        "Transport carriers.",
    ),
    Table(
        "resources",
        TableKind.REFERENCE,
        ("resource_id",),
        (
            key("resource_id"),
            fk("site_id", "sites"),
            col("name", S),
            codes("kind", RESOURCE_KINDS),
            qty("hours_per_day", "Hours available per working day", maximum=24),
            opt(qty("ideal_units_per_hour", "Ideal (nameplate) rate")),
        ),
        "Production lines, machines, cells, docks and labour pools.",
    ),
    Table(
        "routings",
        TableKind.REFERENCE,
        ("sku", "resource_id"),
        (fk("sku", "products"), fk("resource_id", "resources"), qty("hours_per_unit")),
        "Hours a unit of a SKU takes on a resource.",
    ),
    Table(
        "accounts",
        TableKind.REFERENCE,
        ("account",),
        (key("account", "General-ledger account"), col("name", S), codes("pl_line", PL_LINES)),
        "The chart of accounts mapped to P&L lines.",
    ),
    Table(
        "characteristics",
        TableKind.REFERENCE,
        ("characteristic_id",),
        (
            key("characteristic_id"),
            col("name", S),
            opt(fk("site_id", "sites")),
            opt(fk("resource_id", "resources")),
            opt(col("unit", S)),
            opt(money("lsl", "Lower specification limit")),
            opt(money("usl", "Upper specification limit")),
            opt(money("target", "Nominal value")),
        ),
        "Measured quality characteristics and their specification limits.",
        rules=(RowRule("lsl < usl", "usl", "lsl IS NOT NULL AND usl IS NOT NULL AND usl <= lsl"),),
    ),
    # ---------------------------------------------------------------- facts
    Table(
        "order_lines",
        TableKind.FACT,
        ("order_id", "line_no"),
        (
            key("order_id"),
            col("line_no", INT, "Line number within the order"),
            fk("customer_id", "customers"),
            fk("sku", "products"),
            fk("site_id", "sites", "Ship-from site"),
            opt(col("channel", S)),
            col("order_date", D),
            opt(col("requested_date", D, "Date the customer asked for")),
            col("promised_date", D, "Date promised to the customer"),
            col("ship_date", D, nullable=True),
            col("delivery_date", D, nullable=True),
            qty("qty_ordered"),
            qty("qty_shipped", "0 until shipped"),
            qty("unit_price"),
            qty("unit_cost"),
            codes("status", ORDER_STATUSES),
        ),
        "Customer order lines: the demand and the service delivered.",
        date_column="order_date",
        rules=(
            RowRule(
                "qty_shipped <= qty_ordered",
                "qty_shipped",
                "qty_shipped > qty_ordered",
                option="allow_overship",
            ),
            RowRule("ship_date >= order_date", "ship_date", "ship_date < order_date"),
            RowRule("delivery_date >= ship_date", "delivery_date", "delivery_date < ship_date"),
            RowRule(
                "a delivered line has a delivery_date",
                "delivery_date",
                "status = 'delivered' AND delivery_date IS NULL",
            ),
            RowRule(
                "a cancelled line ships nothing",
                "qty_shipped",
                "status = 'cancelled' AND (qty_shipped > 0 OR ship_date IS NOT NULL)",
            ),
        ),
    ),
    Table(
        "shipments",
        TableKind.FACT,
        ("shipment_id",),
        (
            key("shipment_id"),
            fk("site_id", "sites", "Origin site"),
            fk("carrier_id", "carriers"),
            codes("mode", CARRIER_MODES),
            col("ship_date", D),
            col("delivery_date", D, nullable=True),
            opt(col("dest_country", S, **_COUNTRY)),
            opt(col("dest_region", S)),
            qty("units"),
            qty("weight_kg"),
            qty("distance_km"),
            qty("freight_cost"),
            opt(col("order_id", S, "The order shipped, where one shipment carries one order")),
        ),
        "Outbound shipments and their freight cost.",
        date_column="ship_date",
        rules=(
            RowRule("delivery_date >= ship_date", "delivery_date", "delivery_date < ship_date"),
        ),
    ),
    Table(
        "inventory_snapshots",
        TableKind.FACT,
        ("snapshot_date", "site_id", "sku"),
        (
            col("snapshot_date", D),
            fk("site_id", "sites"),
            fk("sku", "products"),
            qty("qty_on_hand"),
            opt(qty("qty_on_order")),
            opt(qty("qty_allocated")),
            qty("unit_cost"),
        ),
        "Stock on hand per site and SKU at snapshot dates.",
        date_column="snapshot_date",
    ),
    Table(
        "purchase_order_lines",
        TableKind.FACT,
        ("po_id", "line_no"),
        (
            key("po_id"),
            col("line_no", INT),
            fk("supplier_id", "suppliers"),
            fk("sku", "products"),
            fk("site_id", "sites", "Receiving site"),
            col("order_date", D),
            col("promised_date", D),
            col("receipt_date", D, nullable=True),
            qty("qty_ordered"),
            qty("qty_received"),
            opt(qty("qty_rejected")),
            qty("unit_price"),
            opt(qty("contract_price")),
        ),
        "Purchase order lines and their receipts.",
        date_column="order_date",
        rules=(
            RowRule("receipt_date >= order_date", "receipt_date", "receipt_date < order_date"),
            RowRule("qty_rejected <= qty_received", "qty_rejected", "qty_rejected > qty_received"),
        ),
    ),
    Table(
        "work_orders",
        TableKind.FACT,
        ("work_order_id",),
        (
            key("work_order_id"),
            fk("site_id", "sites"),
            fk("resource_id", "resources"),
            fk("sku", "products"),
            col("planned_start", TS),
            opt(col("planned_end", TS)),
            col("actual_start", TS, nullable=True),
            col("actual_end", TS, nullable=True),
            qty("qty_planned"),
            qty("qty_good"),
            qty("qty_scrap"),
            qty("run_hours"),
            qty("downtime_hours"),
            opt(qty("ideal_units_per_hour", "Falls back to the resource's rate")),
        ),
        "Production work orders with output, scrap and hours.",
        date_column="planned_start",
        rules=(
            RowRule("actual_end >= actual_start", "actual_end", "actual_end < actual_start"),
            RowRule("planned_end >= planned_start", "planned_end", "planned_end < planned_start"),
        ),
    ),
    Table(
        "labor_hours",
        TableKind.FACT,
        ("work_date", "site_id", "department"),
        (
            col("work_date", D),
            fk("site_id", "sites"),
            col("department", S),
            qty("headcount"),
            qty("regular_hours"),
            qty("overtime_hours"),
            opt(qty("temp_hours")),
            qty("labor_cost"),
        ),
        "Hours worked and labour cost per day, site and department.",
        date_column="work_date",
    ),
    Table(
        "returns",
        TableKind.FACT,
        ("return_id",),
        (
            key("return_id"),
            col("order_id", S),
            fk("sku", "products"),
            fk("customer_id", "customers"),
            col("return_date", D),
            qty("qty"),
            col("reason", S),
            opt(qty("refund_amount")),
        ),
        "Customer returns.",
        date_column="return_date",
    ),
    Table(
        "nps_responses",
        TableKind.FACT,
        ("response_id",),
        (
            key("response_id"),
            opt(fk("customer_id", "customers")),
            col("response_date", D),
            col("score", INT, "0 to 10", minimum=0, maximum=10),
            opt(col("comment", S)),
        ),
        "Net Promoter Score survey responses.",
        date_column="response_date",
    ),
    Table(
        "tickets",
        TableKind.FACT,
        ("ticket_id",),
        (
            key("ticket_id"),
            opt(fk("customer_id", "customers")),
            col("opened_at", TS),
            col("first_response_at", TS, nullable=True),
            col("resolved_at", TS, nullable=True),
            col("priority", S),
            qty("sla_hours", "Hours allowed to resolve"),
            col("escalated", B),
            opt(col("category", S)),
        ),
        "Customer service tickets.",
        date_column="opened_at",
        rules=(
            RowRule(
                "first_response_at >= opened_at",
                "first_response_at",
                "first_response_at < opened_at",
            ),
            RowRule("resolved_at >= opened_at", "resolved_at", "resolved_at < opened_at"),
        ),
    ),
    Table(
        "incidents",
        TableKind.FACT,
        ("incident_id",),
        (
            key("incident_id"),
            fk("site_id", "sites"),
            col("incident_date", D),
            codes("type", INCIDENT_TYPES),
            col("recordable", B),
            qty("lost_days"),
            qty("restricted_days"),
            opt(col("description", S)),
        ),
        "Safety and environmental incidents.",
        date_column="incident_date",
    ),
    Table(
        "quality_samples",
        TableKind.FACT,
        ("characteristic_id", "subgroup", "sample_no"),
        (
            fk("characteristic_id", "characteristics"),
            col("subgroup", INT, "Subgroup number, in time order"),
            col("sample_no", INT, "Sample within the subgroup"),
            col("measured_at", TS),
            money("value", "The measurement"),
        ),
        "Measurements of quality characteristics in rational subgroups.",
        date_column="measured_at",
    ),
    Table(
        "inspections",
        TableKind.FACT,
        ("inspection_id",),
        (
            key("inspection_id"),
            fk("site_id", "sites"),
            opt(fk("sku", "products")),
            opt(fk("supplier_id", "suppliers")),
            col("inspected_at", TS),
            qty("qty_inspected"),
            qty("qty_defective"),
            opt(col("defect_code", S)),
        ),
        "Inspections: units inspected and found defective.",
        date_column="inspected_at",
        rules=(
            RowRule(
                "qty_defective <= qty_inspected", "qty_defective", "qty_defective > qty_inspected"
            ),
        ),
    ),
    Table(
        "process_events",
        TableKind.FACT,
        ("case_id", "activity", "timestamp"),
        (
            col("case_id", S),
            col("activity", S),
            col("timestamp", TS),
            col("process", S),
            opt(col("resource", S)),
            opt(fk("site_id", "sites")),
        ),
        "An event log: one row per activity of a case.",
        date_column="timestamp",
    ),
    Table(
        "gl_actuals",
        TableKind.FACT,
        ("period", "site_id", "account"),
        (
            col("period", P, "Month, YYYY-MM", **_PERIOD),
            fk("site_id", "sites"),
            fk("account", "accounts"),
            money("amount", "Revenue positive, costs positive"),
            opt(col("currency", S, **_CURRENCY)),
        ),
        "General-ledger actuals per month, site and account.",
        date_column="period",
    ),
    Table(
        "budget",
        TableKind.FACT,
        ("period", "site_id", "account"),
        (
            col("period", P, **_PERIOD),
            fk("site_id", "sites"),
            fk("account", "accounts"),
            money("amount"),
            opt(col("version", S, "Budget version")),
        ),
        "The budget per month, site and account.",
        date_column="period",
    ),
    Table(
        "sales_budget",
        TableKind.FACT,
        ("period", "site_id", "family"),
        (
            col("period", P, **_PERIOD),
            fk("site_id", "sites"),
            col("family", S),
            qty("units"),
            money("revenue"),
            money("cogs"),
            opt(col("version", S)),
        ),
        "The volume and price plan behind the budget.",
        date_column="period",
    ),
    Table(
        "energy",
        TableKind.FACT,
        ("period", "site_id", "source"),
        (
            col("period", P, **_PERIOD),
            fk("site_id", "sites"),
            col("source", S, "Electricity, gas, ..."),
            qty("kwh"),
            opt(qty("cost")),
        ),
        "Energy use per month, site and source.",
        date_column="period",
    ),
    Table(
        "waste",
        TableKind.FACT,
        ("period", "site_id", "stream"),
        (
            col("period", P, **_PERIOD),
            fk("site_id", "sites"),
            col("stream", S),
            qty("kg"),
            qty("diverted_kg", "Recycled, reused or recovered"),
        ),
        "Waste per month, site and stream.",
        date_column="period",
        rules=(RowRule("diverted_kg <= kg", "diverted_kg", "diverted_kg > kg"),),
    ),
)

TABLES: Mapping[str, Table] = {t.name: t for t in _TABLES}


def table(name: str) -> Table:
    """The table called ``name``; a clear error for an unknown one."""
    from obeya.errors import DataError

    try:
        return TABLES[name]
    except KeyError:
        known = ", ".join(TABLES)
        raise DataError(f"unknown table {name!r}; the model's tables are: {known}") from None


def load_order(names: list[str] | None = None) -> list[str]:
    """Table names in an order where every referenced table comes first."""
    wanted = set(TABLES if names is None else names)
    done: list[str] = []

    def visit(name: str) -> None:
        if name in done:
            return
        for c in TABLES[name].foreign_keys:
            if c.references and c.references != name:
                visit(c.references)
        done.append(name)

    for name in TABLES:
        visit(name)
    return [n for n in done if n in wanted]
