"""Every setting, spec key, scenario kind and metric of the warehouse-based plans is
documented in docs/planning.md."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel

from obeya.planning import CalendarSpec, OverrideKind, PlanningConfig, RosterSpec
from obeya.planning.calendar_spec import SiteCalendar
from obeya.planning.scenario_spec import _MODELS
from obeya.planning.scenarios import METRICS

DOC = (Path(__file__).resolve().parents[2] / "docs" / "planning.md").read_text()


def _keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    out: list[str] = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            out += _keys(annotation, f"{prefix}{name}.")
        else:
            out.append(f"{prefix}{name}")
    return out


def test_every_planning_config_key_has_a_row() -> None:
    for key in _keys(PlanningConfig):
        assert f"| `{key}` |" in DOC, key


def test_every_calendar_and_roster_key_is_documented() -> None:
    for key in set(CalendarSpec.model_fields) - {"sites"}:
        assert f"| `{key}` |" in DOC, key
    for key in SiteCalendar.model_fields:
        assert f"| `sites.<site>.{key}` |" in DOC, key
    for key in RosterSpec.model_fields:
        assert re.search(rf"\| `{key}(\.<name>\.\w+)?` \|", DOC), key


def test_every_scenario_kind_its_keys_and_every_metric_are_documented() -> None:
    for kind in OverrideKind:
        assert f"| `{kind.value}`" in DOC, kind
    for model in set(_MODELS.values()):
        for name, field in model.model_fields.items():
            assert f"`{field.alias or name}`" in DOC, (model.__name__, name)
    for metric, unit, _ in METRICS:
        assert f"| `{metric}` | {unit} |" in DOC, metric
