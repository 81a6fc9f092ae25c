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


def render_data_model() -> str:
    """The data-model reference as Markdown."""
    lines = [
        "# The data model",
        "",
        "<!-- Generated from src/obeya/model/schema.py by `obeya docs`; do not edit. -->",
        "",
        f"Contract version {MODEL_VERSION}. Every capability of obeya reads these tables. A file",
        "for table T is named `T.csv`, `T.parquet` or `T.xlsx` (first sheet), or sits in a",
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
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover - `python -m obeya.model.docs`
    print(render_data_model())  # noqa: T201
