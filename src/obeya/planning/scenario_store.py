"""Scenarios and their results, kept in the warehouse under their names.

Two tables (created on first use, on DuckDB and PostgreSQL alike):

* ``scenarios`` (name, created_at, description, spec_yaml, spec_json, status,
  ran_at): the spec as written and as validated; ``status`` is ``new`` until the
  first run, then ``ran``;
* ``scenario_results`` (name, metric, value, unit, detail): one row per metric of the
  latest run, ``detail`` a JSON text with what lies behind it (the cost breakdown,
  the bottleneck, ...). The base is stored under the reserved name ``base``.

A run replaces the scenario's results in one transaction.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import pandas as pd
import pyarrow as pa

from obeya.errors import SpecError
from obeya.warehouse import Backend, Warehouse

__all__ = [
    "BASE",
    "RESULTS_TABLE",
    "SCENARIOS_TABLE",
    "Metric",
    "ScenarioStatus",
    "StoredScenario",
    "check_name",
    "ensure_base",
    "get_scenario",
    "list_scenarios",
    "read_results",
    "save_results",
    "save_scenario",
]

SCENARIOS_TABLE = "scenarios"
RESULTS_TABLE = "scenario_results"
BASE = "base"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")

_DDL = (
    f"""CREATE TABLE IF NOT EXISTS {SCENARIOS_TABLE} (
  name VARCHAR,
  created_at TIMESTAMP,
  description VARCHAR,
  spec_yaml VARCHAR,
  spec_json VARCHAR,
  status VARCHAR,
  ran_at TIMESTAMP
)""",
    f"""CREATE TABLE IF NOT EXISTS {RESULTS_TABLE} (
  name VARCHAR,
  metric VARCHAR,
  value DOUBLE PRECISION,
  unit VARCHAR,
  detail VARCHAR
)""",
)


class ScenarioStatus(StrEnum):
    NEW = "new"
    RAN = "ran"


@dataclass(frozen=True, slots=True)
class Metric:
    """One result of a run: a named number, its unit and what lies behind it."""

    metric: str
    value: float
    unit: str
    detail: dict[str, Any]


@dataclass(frozen=True, slots=True)
class StoredScenario:
    name: str
    created_at: dt.datetime
    description: str | None
    spec_yaml: str
    spec_json: dict[str, Any]
    status: ScenarioStatus
    ran_at: dt.datetime | None


def check_name(name: str, *, allow_base: bool = False) -> str:
    """A scenario name: letters, digits, ``_ . -``, at most 64; ``base`` is reserved."""
    if not _NAME.match(name):
        raise SpecError(
            f"scenario name {name!r}: use letters, digits, '_', '.' and '-' (at most 64, "
            "starting with a letter or digit), e.g. peak-plus-10"
        )
    if name == BASE and not allow_base:
        raise SpecError("scenario name 'base' is reserved for the plan without overrides")
    return name


@contextmanager
def _cursor(wh: Warehouse) -> Iterator[Any]:
    with wh.transaction() as cur:
        for ddl in _DDL:
            cur.execute(ddl)
        yield cur


def _sql(wh: Warehouse, text: str) -> str:
    return text if wh.backend is Backend.DUCKDB else text.replace("?", "%s")


def _ensure(wh: Warehouse) -> None:
    with _cursor(wh):
        pass


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def save_scenario(
    wh: Warehouse,
    name: str,
    *,
    spec_yaml: str,
    spec_json: dict[str, Any],
    description: str | None,
    replace: bool = False,
) -> None:
    """Store a new scenario (or replace one, dropping its results, with ``replace``)."""
    check_name(name)
    _ensure(wh)
    exists = wh.sql_arrow(f"SELECT count(*) AS n FROM {SCENARIOS_TABLE} WHERE name = ?", [name])
    if exists.column("n")[0].as_py() and not replace:
        raise SpecError(
            f"scenario {name!r} exists already; pick another name, or pass --replace to "
            "overwrite it (its results are dropped)"
        )
    with _cursor(wh) as cur:
        cur.execute(_sql(wh, f"DELETE FROM {SCENARIOS_TABLE} WHERE name = ?"), [name])
        cur.execute(_sql(wh, f"DELETE FROM {RESULTS_TABLE} WHERE name = ?"), [name])
        cur.execute(
            _sql(wh, f"INSERT INTO {SCENARIOS_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?)"),
            [
                name,
                _now(),
                description,
                spec_yaml,
                json.dumps(spec_json, sort_keys=True),
                ScenarioStatus.NEW.value,
                None,
            ],
        )


def ensure_base(wh: Warehouse) -> None:
    """Record the base (no drivers) as a scenario row once, so its results have a row."""
    _ensure(wh)
    exists = wh.sql_arrow(f"SELECT count(*) AS n FROM {SCENARIOS_TABLE} WHERE name = ?", [BASE])
    if exists.column("n")[0].as_py():
        return
    with _cursor(wh) as cur:
        cur.execute(
            _sql(wh, f"INSERT INTO {SCENARIOS_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?)"),
            [
                BASE,
                _now(),
                "the plan without overrides",
                "drivers: []\n",
                json.dumps({"drivers": []}),
                ScenarioStatus.NEW.value,
                None,
            ],
        )


def list_scenarios(wh: Warehouse) -> pa.Table:
    """name, created_at, status, ran_at, drivers, description, oldest first."""
    _ensure(wh)
    table = wh.sql_arrow(
        f"SELECT name, created_at, status, ran_at, spec_json, description FROM {SCENARIOS_TABLE} "
        "ORDER BY created_at, name"
    )
    drivers = [len(json.loads(t).get("drivers", [])) for t in table.column("spec_json").to_pylist()]
    return table.drop_columns(["spec_json"]).add_column(4, "drivers", pa.array(drivers, pa.int64()))


def get_scenario(wh: Warehouse, name: str) -> StoredScenario:
    """The stored scenario ``name``; refused with the list of names when absent."""
    _ensure(wh)
    rows = wh.sql_arrow(
        f"SELECT name, created_at, description, spec_yaml, spec_json, status, ran_at "
        f"FROM {SCENARIOS_TABLE} WHERE name = ?",
        [name],
    ).to_pylist()
    if not rows:
        names = wh.sql_arrow(f"SELECT name FROM {SCENARIOS_TABLE} ORDER BY name").column("name")
        known = ", ".join(names.to_pylist()) or "none yet"
        raise SpecError(
            f"no scenario named {name!r} (scenarios: {known}); create it with "
            f"obeya scenario new {name} --from FILE.yaml"
        )
    r = rows[0]
    return StoredScenario(
        name=r["name"],
        created_at=r["created_at"],
        description=r["description"],
        spec_yaml=r["spec_yaml"],
        spec_json=json.loads(r["spec_json"]),
        status=ScenarioStatus(r["status"]),
        ran_at=r["ran_at"],
    )


def save_results(wh: Warehouse, name: str, metrics: Sequence[Metric]) -> dt.datetime:
    """Replace the results of ``name`` (the base too) and mark the scenario as run."""
    ran_at = _now()
    rows = [
        (name, m.metric, float(m.value), m.unit, json.dumps(m.detail, sort_keys=True, default=str))
        for m in metrics
    ]
    with _cursor(wh) as cur:
        cur.execute(_sql(wh, f"DELETE FROM {RESULTS_TABLE} WHERE name = ?"), [name])
        cur.executemany(_sql(wh, f"INSERT INTO {RESULTS_TABLE} VALUES (?, ?, ?, ?, ?)"), rows)
        cur.execute(
            _sql(wh, f"UPDATE {SCENARIOS_TABLE} SET status = ?, ran_at = ? WHERE name = ?"),
            [ScenarioStatus.RAN.value, ran_at, name],
        )
    return ran_at


def read_results(wh: Warehouse, names: Sequence[str]) -> pd.DataFrame:
    """name, metric, value, unit, detail (parsed) of the given scenarios' latest runs."""
    _ensure(wh)
    marks = ", ".join("?" for _ in names)
    table = wh.sql_arrow(
        f"SELECT name, metric, value, unit, detail FROM {RESULTS_TABLE} WHERE name IN ({marks})",
        list(names),
    )
    frame = table.to_pandas()
    frame["detail"] = [json.loads(t) if t else {} for t in frame["detail"]]
    return frame
