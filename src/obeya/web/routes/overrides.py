"""Planner overrides entered in the war room: one SKU x site x period of a stored run.

The CSV of ``obeya forecast run --overrides`` applies a planner's judgement when a
run is made; here an analyst overrides a run already stored, one figure at a time,
from the forecast page or ``POST /api/v1/forecasts/{run_id}/overrides``. The same
rules hold: the entry goes through :func:`obeya.demand.overrides.validate_overrides`
(``who`` is the signed-in user, ``why`` is required) and
:func:`~obeya.demand.overrides.apply_overrides` (the SKU x site x period must be one
the run forecasts), and nothing is written when a rule is broken.

The override applies to the figure in force (the run's ``adjusted`` value, which an
earlier override may have set): ``value`` replaces it, ``percent`` scales it. The
run's ``adjusted`` value is updated and the override kept in ``forecast_overrides``
beside the run's CSV overrides, in one transaction; its ``source`` is ``web:`` and
the UTC time it was entered (that table has no column of its own for the time). It
lands in the audit log as ``override``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pyarrow as pa
from fastapi import APIRouter, Path, Query
from pydantic import Field

from obeya.demand.overrides import (
    OverrideKind,
    Overrides,
    OverridesRefused,
    apply_overrides,
    validate_overrides,
)
from obeya.demand.series import Grain
from obeya.demand.store import ensure_forecast_tables
from obeya.demand.stored import RunInfo, run_info, stored_forecast
from obeya.errors import DataError, Problem, WarehouseError
from obeya.warehouse import Backend, Warehouse
from obeya.web.context import AS_ANALYST, AS_VIEWER, Ctx
from obeya.web.errors import ApiError
from obeya.web.routes._common import UtcDatetime, View, cached

__all__ = [
    "WEB_SOURCE",
    "NewOverride",
    "OverrideEntry",
    "OverrideView",
    "add_override_routes",
    "list_overrides",
    "record_override",
    "refusal_lines",
]

WEB_SOURCE = "web"  # the source of an override entered in the war room: ``web:<UTC time>``
RUN_PATTERN = r"^[0-9a-f]{1,32}$"
RunId = Path(pattern=RUN_PATTERN, description="A forecast run id (GET /api/v1/forecasts).")
_FIELD = {"value": "amount", "percent": "amount"}  # the CSV's columns as the form names them


class OverrideView(View):
    """One override of a run: what it changed, by whom, why and when."""

    run_id: str
    sku: str
    site_id: str
    period_start: dt.date
    kind: OverrideKind
    amount: float
    before: float | None
    after: float | None
    who: str
    why: str
    source: str = Field(description="file:row of a CSV override, web:<UTC time> of a web one")
    at: UtcDatetime | None = Field(
        description="when: the time a web override was entered, the run's creation for a CSV one"
    )


class NewOverride(View):
    """An override of one SKU x site x period (the body of the POST)."""

    sku: str = Field(max_length=64)
    site_id: str = Field(max_length=64)
    period: str = Field(
        max_length=32,
        description="the first day of the period: YYYY-MM-DD, a Monday for a weekly run; "
        "the 1st (or YYYY-MM) for a monthly run",
    )
    kind: OverrideKind = Field(
        description="value: the forecast becomes amount; percent: it is scaled by "
        "1 + amount / 100 (-20 is 20 % less)"
    )
    amount: float = Field(allow_inf_nan=False)
    why: str = Field(max_length=1000, description="required: the reason for the override")


@dataclass(frozen=True, slots=True)
class OverrideEntry:
    """An override as typed (form fields are text; the rules judge them, not the parser)."""

    sku: str = ""
    site_id: str = ""
    period: str = ""
    kind: str = OverrideKind.PERCENT.value
    amount: str = ""
    why: str = ""

    @classmethod
    def of(cls, body: NewOverride) -> OverrideEntry:
        text = repr(body.amount)
        return cls(
            sku=body.sku,
            site_id=body.site_id,
            period=body.period,
            kind=body.kind.value,
            amount=text[:-2] if text.endswith(".0") else text,
            why=body.why,
        )


def refusal_lines(exc: OverridesRefused) -> list[str]:
    """Each problem as ``field: value: rule``, naming the form's fields."""
    lines = []
    for p in exc.problems:
        field = _FIELD.get(p.column or "", p.column or "override")
        value = "" if p.value is None else f"{p.value!r}: "
        lines.append(f"{field}: {value}{p.rule}")
    return lines


def _refusal_error(exc: OverridesRefused) -> ApiError:
    lines = refusal_lines(exc)
    return ApiError(
        422,
        "override refused (nothing was written): " + "; ".join(lines),
        "override_refused",
        details=lines,
    )


def _run(wh: Warehouse, run_id: str) -> RunInfo:
    """The stored run, or a 404 naming the latest runs."""
    try:
        return run_info(wh, run_id)
    except WarehouseError as exc:
        raise ApiError(404, str(exc)) from exc


def _grain(run: RunInfo) -> Grain:
    try:
        return Grain(str(run.grain).lower())
    except ValueError:
        raise DataError(
            f"forecast run {run.run_id!r} has grain {run.grain!r}; overrides need a run "
            "of grain week or month"
        ) from None


def list_overrides(ctx: Ctx, run_id: str, limit: int = 500) -> list[OverrideView]:
    """The overrides of a run, newest first (a CSV's are dated with the run)."""

    def build(wh: Warehouse) -> list[OverrideView]:
        run = _run(wh, run_id)
        if "forecast_overrides" not in wh.existing_tables():
            return []
        table = wh.sql_arrow(
            "SELECT run_id, sku, site_id, period_start, kind, amount, before, after, who, why, "
            "source, CASE WHEN source LIKE 'web:%' THEN CAST(substr(source, 5) AS TIMESTAMP) "
            'ELSE CAST(? AS TIMESTAMP) END AS "at" FROM forecast_overrides WHERE run_id = ? '
            'ORDER BY "at" DESC, source DESC, sku, site_id, period_start LIMIT ?',
            [run.created_at, run_id, limit],
        )
        return [OverrideView.model_validate(r) for r in table.to_pylist()]

    return cached(ctx, ("overrides", run_id, limit), build)


def _validated(entry: OverrideEntry, who: str, grain: Grain) -> Overrides:
    """The entry as one validated override (:class:`OverridesRefused` when a rule fails)."""
    source = "override"
    if entry.kind not in {k.value for k in OverrideKind}:
        kinds = " or ".join(k.value for k in OverrideKind)
        raise OverridesRefused([Problem(source, 1, "kind", entry.kind, f"kind must be {kinds}")])
    is_value = entry.kind == OverrideKind.VALUE.value
    row = pa.table(
        {
            "sku": [entry.sku],
            "site_id": [entry.site_id],
            "period": [entry.period],
            "value": [entry.amount if is_value else ""],
            "percent": ["" if is_value else entry.amount],
            "who": [who],
            "why": [entry.why],
        }
    )
    return validate_overrides(row, source=source, grain=grain)


def _sql(wh: Warehouse, text: str) -> str:
    return text if wh.backend is Backend.DUCKDB else text.replace("?", "%s")


def record_override(ctx: Ctx, run_id: str, entry: OverrideEntry) -> OverrideView:
    """Check ``entry`` by the CSV's rules, apply it to the run and keep it; audited.

    Raises :class:`OverridesRefused` (nothing written) when a rule is broken and
    :class:`ApiError` 404 when there is no such run.
    """
    gate = ctx.state.gate
    who = ctx.user.user
    with gate.lock:  # checked and written with no other change of this app in between
        with gate.read() as wh:
            run = _run(wh, run_id)
            overrides = _validated(entry, who, _grain(run))
            # the one figure in force (the planner's where set, else the statistical
            # one); when the run does not forecast it, the whole run goes to
            # apply_overrides, whose refusal says which periods the run covers
            (target,) = overrides.table.select(["sku", "site_id", "period_start"]).to_pylist()
            rows = stored_forecast(wh, run_id).select("sku", "site_id", "period_start", "forecast")
            in_force = rows.filter(
                rows.sku == target["sku"],
                rows.site_id == target["site_id"],
                rows.period_start == target["period_start"],
            ).to_pyarrow()
            if in_force.num_rows == 0:
                in_force = rows.to_pyarrow()
            _adjusted, log = apply_overrides(in_force, overrides)
        done = log.to_pylist()[0]
        at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        source = f"{WEB_SOURCE}:{at.isoformat(timespec='microseconds')}"
        with gate.write() as wh:
            ensure_forecast_tables(wh)
            with wh.transaction() as cur:
                cur.execute(
                    _sql(
                        wh,
                        "UPDATE forecasts SET adjusted = ? WHERE run_id = ? AND sku = ? "
                        "AND site_id = ? AND period_start = ?",
                    ),
                    [done["after"], run_id, done["sku"], done["site_id"], done["period_start"]],
                )
                cur.execute(
                    _sql(
                        wh,
                        "INSERT INTO forecast_overrides (run_id, sku, site_id, period_start, "
                        "kind, amount, before, after, who, why, source) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    ),
                    [
                        run_id,
                        done["sku"],
                        done["site_id"],
                        done["period_start"],
                        done["kind"],
                        done["amount"],
                        done["before"],
                        done["after"],
                        who,
                        done["why"],
                        source,
                    ],
                )
    ctx.state.data_changed()
    sign = "+" if done["kind"] == OverrideKind.PERCENT.value and done["amount"] >= 0 else ""
    unit = " %" if done["kind"] == OverrideKind.PERCENT.value else ""
    ctx.audit(
        "override",
        run_id,
        f"{done['sku']} at {done['site_id']} for {done['period_start']}: {done['kind']} "
        f"{sign}{done['amount']:g}{unit}, {done['before']:g} -> {done['after']:g}; "
        f"why: {done['why']}",
    )
    return OverrideView(
        run_id=run_id,
        sku=done["sku"],
        site_id=done["site_id"],
        period_start=done["period_start"],
        kind=OverrideKind(done["kind"]),
        amount=done["amount"],
        before=done["before"],
        after=done["after"],
        who=who,
        why=done["why"],
        source=source,
        at=at,
    )


def add_override_routes(router: APIRouter) -> None:
    """Add the override API (``/api/v1/forecasts/{run_id}/overrides``) to ``router``."""

    @router.get(
        "/api/v1/forecasts/{run_id}/overrides",
        response_model=list[OverrideView],
        tags=["forecasts"],
        summary="The planner overrides of a forecast run, newest first",
    )
    def api_overrides(
        run_id: str = RunId,
        limit: int = Query(500, ge=1, le=10_000),
        ctx: Ctx = AS_VIEWER,
    ) -> list[OverrideView]:
        return list_overrides(ctx, run_id, limit)

    @router.post(
        "/api/v1/forecasts/{run_id}/overrides",
        response_model=OverrideView,
        status_code=201,
        tags=["forecasts"],
        summary="Override one SKU x site x period of a forecast run (analyst)",
    )
    def api_override(body: NewOverride, run_id: str = RunId, ctx: Ctx = AS_ANALYST) -> OverrideView:
        try:
            return record_override(ctx, run_id, OverrideEntry.of(body))
        except OverridesRefused as exc:
            raise _refusal_error(exc) from None
