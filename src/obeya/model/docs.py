"""``docs/data-model.md``, generated from the typed schemas (never edited by hand)."""

from __future__ import annotations

from obeya.model.schema import MODEL_VERSION, TABLES, Column, ColumnType, TableKind

__all__ = ["render_data_model"]

_TYPE_WORDS = {
    ColumnType.STRING: "text",
    ColumnType.DATE: "date (YYYY-MM-DD)",
    ColumnType.TIMESTAMP: "timestamp (ISO 8601)",
    ColumnType.DECIMAL: "number",
    ColumnType.INTEGER: "whole number",
    ColumnType.BOOLEAN: "true/false",
    ColumnType.PERIOD: "month (YYYY-MM)",
}


def _presence(c: Column) -> str:
    if c.optional:
        return "optional"
    if c.nullable:
        return "required, may be empty"
    return "required"


def _rules(c: Column) -> str:
    parts = []
    if c.references:
        parts.append(f"must exist in `{c.references}`")
    if c.nonnegative:
        parts.append(">= 0")
    if c.minimum is not None:
        parts.append(f">= {c.minimum:g}")
    if c.maximum is not None:
        parts.append(f"<= {c.maximum:g}")
    if c.values:
        parts.append("one of " + ", ".join(f"`{v}`" for v in c.values))
    if c.pattern:
        parts.append(c.pattern_help or f"matches `{c.pattern}`")
    if c.type is ColumnType.DECIMAL:
        parts.append("finite")
    return "; ".join(parts)


# Tables obeya itself writes into the warehouse, beside the model's; each is owned by
# one engine, which creates it on first use and documents its columns.
ADDED_TABLES: tuple[tuple[str, str, str], ...] = (
    (
        "obeya_load_log",
        "architecture.md",
        "one row per table per load: time, source, rows inserted and replaced, checksum",
    ),
    (
        "forecast_runs",
        "forecasting.md",
        "one row per forecast run: grain, horizon, as-of, parameters",
    ),
    (
        "forecasts",
        "forecasting.md",
        "a run's forecast per SKU, site and period, with 80/95% intervals and the adjusted value",
    ),
    ("forecast_backtests", "forecasting.md", "a run's backtest: actual and forecast per cutoff"),
    (
        "forecast_overrides",
        "forecasting.md",
        "planner overrides applied to a run: before, after, who, why",
    ),
    ("scenarios", "planning.md", "named what-if scenarios and their override specs"),
    (
        "scenario_results",
        "planning.md",
        "each scenario's results, metric by metric, beside the base",
    ),
    (
        "kaizen_projects",
        "quality.md",
        "the improvement register: projects, their KPI, windows, owner, status",
    ),
    (
        "kaizen_verifications",
        "quality.md",
        "each verification: before, after, test, p-value, annual saving",
    ),
    (
        "alert_state",
        "alerts.md",
        "one row per alert condition: first and last seen, cleared, notified",
    ),
)


def render_data_model() -> str:
    """The data-model reference as Markdown."""
    lines = [
        "# The data model",
        "",
        "<!-- Generated from src/obeya/model/schema.py by `obeya docs`; do not edit. -->",
        "",
        f"Contract version {MODEL_VERSION}. Every capability of obeya reads these tables. A file",
        "for table T is named `T.csv`, `T.csv.gz`, `T.parquet` or `T.xlsx` (first sheet), or sits in a",
        "folder `T/` as part files; a mapping file maps a foreign schema onto them",
        "(see [mappings](mappings.md)).",
        "",
        "Conventions: keys are text; dates are `YYYY-MM-DD`; timestamps ISO 8601; quantities",
        "and money are numbers (money in the reporting currency unless a `currency` column is",
        "given). *Optional* columns may be absent from a file or empty; *may be empty* columns",
        "must be present but can be blank.",
        "",
        "## Loading rules",
        "",
        "A load is refused whole (nothing written) when any rule breaks. Each problem is printed",
        "as `file:row:column: value: rule`, the header being row 1, the first 50 problems and the",
        "total. Rules: required columns present and no unknown column; values parse as their type;",
        "required values present; keys unique within the load; foreign keys exist in their",
        "reference table (in the warehouse or the same load); numbers finite; quantities not",
        "negative; codes from their list; and the row rules of each table below. Rows whose key",
        "is already in the warehouse replace it, so a load can be repeated safely.",
        "",
    ]
    for kind, title in ((TableKind.REFERENCE, "Reference tables"), (TableKind.FACT, "Fact tables")):
        lines += [f"## {title}", ""]
        for t in (t for t in TABLES.values() if t.kind is kind):
            lines += [f"### `{t.name}`", "", t.description, "", f"Key: ({', '.join(t.key)})."]
            if t.date_column:
                lines.append(f"Dated by `{t.date_column}`.")
            lines += ["", "| column | type | presence | rules | meaning |", "|---|---|---|---|---|"]
            lines += [
                f"| `{c.name}` | {_TYPE_WORDS[c.type]} | {_presence(c)} | {_rules(c)} | {c.description} |"
                for c in t.columns
            ]
            if t.rules:
                lines += ["", "Row rules:"]
                lines += [
                    f"- {r.name}"
                    + (f" (lifted by `--{r.option.replace('_', '-')}`)" if r.option else "")
                    for r in t.rules
                ]
            lines.append("")
    lines += [
        "## Tables obeya adds",
        "",
        "obeya writes these into the warehouse itself; they are not loaded from files. Their",
        "columns are documented with the engine that owns them. The web app keeps its users,",
        "sessions, API tokens and audit log in a separate SQLite file beside the warehouse",
        "(see [web](web.md)).",
        "",
        "| table | written by | holds |",
        "|---|---|---|",
    ]
    lines += [f"| `{name}` | [{doc[:-3]}]({doc}) | {what} |" for name, doc, what in ADDED_TABLES]
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover - `python -m obeya.model.docs`
    print(render_data_model())  # noqa: T201
