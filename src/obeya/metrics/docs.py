"""``docs/kpis.md``, generated from the catalog so that the docs cannot drift.

Regenerate with ``uv run python -m obeya.metrics.docs > docs/kpis.md``; a test fails
when the committed file differs from :func:`render_kpi_docs` of the shipped catalog.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from obeya.metrics.catalog import Catalog
from obeya.metrics.expressions import FUNCTIONS
from obeya.metrics.formulas import PERIOD_DAYS, formula_alternatives, formula_measures
from obeya.metrics.spec import (
    Aggregation,
    Area,
    Direction,
    FormulaSpec,
    KpiSpec,
    MeasureKind,
    MeasureSpec,
    Thresholds,
    Unit,
)

__all__ = [
    "attributed_by",
    "describe_measure",
    "formula_text",
    "main",
    "render_kpi",
    "render_kpi_docs",
]

_UNIT_WORDS = {
    Unit.RATIO: "ratio (a share stored as a fraction, shown as a percentage)",
    Unit.DAYS: "days",
    Unit.CURRENCY: "currency (the reporting currency)",
    Unit.UNITS: "units",
    Unit.UNITS_PER_DAY: "units per day",
    Unit.UNITS_PER_HOUR: "units per labour hour",
    Unit.CURRENCY_PER_UNIT: "currency per unit",
    Unit.TIMES_PER_YEAR: "times per year",
    Unit.PER_200K_HOURS: "cases per 200,000 hours worked",
    Unit.PPM: "parts per million",
    Unit.SCORE: "score from -100 to 100",
    Unit.KG: "kg",
    Unit.KG_PER_UNIT: "kg CO2e per unit",
    Unit.KWH_PER_UNIT: "kWh per unit",
}

_INTRO = """\
# KPI catalog

Generated from `src/obeya/metrics/catalog.yaml` by
`uv run python -m obeya.metrics.docs > docs/kpis.md`: do not edit by hand (a test
compares this file with the catalog). A company adds or overrides KPIs and targets
in a `kpis.yaml` beside its warehouse, checked by the same rules.

## Conventions

- **as_of** is the date the figures are taken at; by default the latest event date in
  the tables a KPI reads (promised and planned dates are commitments, not events).
- A row counts in a period when its **attribution date** falls in the period and on
  or before as_of. "Due in the period" therefore means `promised_date` in the period
  and `promised_date <= as_of`. Cancelled order lines never count.
- The current period is partial up to as_of: `period_days` is the number of calendar
  days of the period up to as_of (all of them for a past period).
- A ratio is `numerator / denominator` of sums. A roll-up (all sites, a quarter)
  re-divides the sums; ratios are never averaged. Every ratio reports its numerator
  and denominator next to its value.
- An empty denominator gives no value (null) and a reason, never an error or a zero.
- Percentiles interpolate linearly between the observations at ranks floor(h) and
  floor(h) + 1, h = (n - 1) q: the definition of `quantile_cont` (DuckDB) and
  `percentile_cont` (PostgreSQL), computed from counts of distinct values.
- Weeks are ISO weeks starting on Monday (2024-12-30 opens 2025-W01).
- Status: for a higher-is-better KPI green at or above the amber level (the target
  unless set apart), amber down to the red level, red below; mirrored when lower is
  better.
"""


def _fmt(unit: Unit, value: float) -> str:
    return unit.show(value)


def _target_text(kpi: KpiSpec) -> str:
    t = kpi.target
    if t is None:
        return "none"
    worse = "below" if kpi.direction is Direction.HIGHER else "above"

    def one(levels: Thresholds) -> str:
        return (
            f"{_fmt(kpi.unit, levels.value)} (amber {worse} {_fmt(kpi.unit, levels.amber_level)}, "
            f"red {worse} {_fmt(kpi.unit, levels.red)})"
        )

    text = one(t)
    if t.sites:
        text += "; per site: " + "; ".join(
            f"{site} {one(v)}" for site, v in sorted(t.sites.items())
        )
    return text


def describe_measure(catalog: Catalog, m: MeasureSpec) -> str:
    """A measure in symbols: its aggregate, table, filters and attribution date."""
    source = catalog.sources[m.source]
    where = [f"`{w}`" for w in (source.filter, m.filter) if w]
    table = source.table_name
    match m.kind:
        case MeasureKind.AGGREGATE:
            what = (
                f"count of {table} rows"
                if m.agg is Aggregation.COUNT
                else f"{m.agg.value}(`{m.expr}`) over {table}"
            )
        case MeasureKind.PERCENTILE:
            what = f"percentile {m.quantile:g} (linear interpolation) of `{m.expr}` over {table}"
        case MeasureKind.ENTITY_COUNT:
            what = f"count of {m.entity} (each once) in {table}, dated by the {m.entity_date.value} of its rows"
            if m.every:
                what += f", whose every row has `{m.every}`"
            if m.none_in:
                keys = m.none_in.column
                what += (
                    f", with no {catalog.sources[m.none_in.source].table_name} row (matched on {keys}, "
                    f"dated by `{m.none_in.date}` up to as_of)"
                )
        case MeasureKind.SNAPSHOT_LATEST:
            agg = "count of rows" if m.agg is Aggregation.COUNT else f"{m.agg.value}(`{m.expr}`)"
            what = f"{agg} of {table} at the latest snapshot date of the period"
            if m.recent:
                keys = ", ".join(m.recent.keys)
                what += (
                    f", only ({keys}) with {catalog.sources[m.recent.source].table_name} rows dated "
                    f"by `{m.recent.date}` in the {m.recent.days} days up to the snapshot"
                )
        case MeasureKind.SNAPSHOT_MEAN:
            what = f"sum(`{m.expr}`) over {table} for all snapshot dates of the period / number of those dates"
    text = what + (" where " + " and ".join(where) if where else "")
    return text + f"; dated by `{m.date}`"


def formula_text(kpi: KpiSpec, formula: FormulaSpec | None = None) -> str:
    f = formula or kpi.formula
    if f.is_ratio:
        return f"`{kpi.id} = ({f.numerator}) / ({f.denominator})`"
    return f"`{kpi.id} = {f.value}`"


def attributed_by(catalog: Catalog, kpi: KpiSpec) -> str:
    """The attribution dates of the KPI's measures, in order of use."""
    dates: list[str] = []
    for alt in formula_alternatives(kpi.formula):
        for mid in formula_measures(alt):
            d = catalog.measures[mid].date
            if d not in dates:
                dates.append(d)
    return " / ".join(f"`{d}`" for d in dates)


def _kpi_section(catalog: Catalog, kpi: KpiSpec) -> list[str]:
    lines = [f"### `{kpi.id}`: {kpi.label}", "", kpi.description, ""]
    formulas = formula_alternatives(kpi.formula)
    lines.append(f"- **Formula**: {formula_text(kpi)}")
    lines += [
        f"- **Else** (where the above has no data): {formula_text(kpi, alt)}"
        for alt in formulas[1:]
    ]
    lines += [
        f"- **Unit**: {_UNIT_WORDS[kpi.unit]}",
        f"- **Direction**: {kpi.direction.value} is better",
        f"- **Dimensions**: {', '.join(d.value for d in kpi.dimensions) or 'none'}",
        f"- **Attributed by**: {attributed_by(catalog, kpi)}",
        f"- **Target**: {_target_text(kpi)}",
        f"- **Owner**: {kpi.owner or 'unassigned'}",
        f"- **No value when**: {kpi.empty_reason}",
    ]
    if kpi.references:
        lines.append(f"- **Reference**: {kpi.references}")
    lines += ["", "| measure | definition |", "|---|---|"]
    seen: list[str] = []
    for alt in formulas:
        seen += [m for m in formula_measures(alt) if m not in seen]
    lines += [f"| `{m}` | {describe_measure(catalog, catalog.measures[m])} |" for m in seen]
    if any(PERIOD_DAYS in (t or "") for _, t in kpi.formula.expressions()):
        lines.append(f"| `{PERIOD_DAYS}` | calendar days of the period up to as_of |")
    return [*lines, ""]


def render_kpi(catalog: Catalog, kpi_id: str) -> str:
    """One KPI's section of the docs (for ``obeya kpi show``)."""
    return "\n".join(_kpi_section(catalog, catalog.kpi(kpi_id))).rstrip() + "\n"


def _sources(catalog: Catalog) -> list[str]:
    lines = [
        "## Sources and dimensions",
        "",
        "| source | base filter | lookup joins | dimensions |",
        "|---|---|---|---|",
    ]
    for s in catalog.sources.values():
        joins = (
            "; ".join(
                f"{j.name}: {j.table} on {', '.join(f'{a}={b}' for a, b in j.keys.items())}"
                + (f" (first by {', '.join(j.first_by)})" if j.first_by else "")
                for j in s.joins
            )
            or "-"
        )
        dims = "; ".join(f"{d.value} = `{e}`" for d, e in s.dimensions.items()) or "-"
        lines.append(
            f"| `{s.table_name}` | {f'`{s.filter}`' if s.filter else '-'} | {joins} | {dims} |"
        )
    return [*lines, ""]


def _factors(catalog: Catalog) -> list[str]:
    ef = catalog.emission_factors
    if ef is None:
        return []
    lines = [
        "## Emission factors",
        "",
        f"{ef.unit}; {ef.basis}.",
        "",
        f"Source ({ef.year}): {ef.source}",
        "",
        "| mode | factor | note |",
        "|---|---|---|",
    ]
    lines += [f"| {mode} | {f.value:g} | {f.note} |" for mode, f in ef.factors.items()]
    return [*lines, ""]


def _functions() -> list[str]:
    lines = [
        "## Expression language",
        "",
        "Row expressions (a measure's `expr`, `filter` and `date`, a source's filter and "
        "dimensions) are Python-like: columns, `join.column`, numbers, quoted text, "
        "`+ - * /` (x / 0 is null), one comparison at a time, `in (...)`, `and`/`or`/`not`, "
        "`as_of`, and these functions:",
        "",
    ]
    lines += [f"- `{text.split(':')[0]}`:{text.split(':', 1)[1]}" for text in FUNCTIONS.values()]
    lines += [
        "",
        "Formulas (a KPI's numerator, denominator or value) are arithmetic over measure "
        f"ids, numbers and `{PERIOD_DAYS}`.",
        "",
    ]
    return lines


def _slug(kpi: KpiSpec) -> str:
    """The GitHub anchor of a KPI's heading."""
    heading = f"{kpi.id}: {kpi.label}".lower()
    kept = "".join(c for c in heading if c.isalnum() or c in " -_")
    return kept.replace(" ", "-")


def render_kpi_docs(catalog: Catalog) -> str:
    """The Markdown reference of every KPI of ``catalog``."""
    lines = [
        _INTRO,
        "## Contents",
        "",
        "| id | label | unit | direction | area |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| [`{k.id}`](#{_slug(k)}) | {k.label} | {k.unit.value} | {k.direction.value} | "
        f"{k.area.value} |"
        for k in catalog.kpis.values()
    ]
    lines.append("")
    for area in Area:
        kpis = [k for k in catalog.kpis.values() if k.area is area]
        if not kpis:
            continue
        lines += [f"## {area.value.capitalize()}", ""]
        for kpi in kpis:
            lines += _kpi_section(catalog, kpi)
    lines += _sources(catalog) + _factors(catalog) + _functions()
    return "\n".join(lines).rstrip() + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Print the docs of the shipped catalog (plus any files given) to stdout."""
    from obeya.metrics.loader import load_catalog

    args = list(sys.argv[1:] if argv is None else argv)
    sys.stdout.write(render_kpi_docs(load_catalog(args)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
