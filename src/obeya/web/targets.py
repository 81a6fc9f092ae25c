"""Editing a KPI's company-wide target: the ``targets`` section of ``kpis.yaml``.

The company's KPI file beside the warehouse is where targets live (see
``docs/kpis.md``); an edit rewrites that section, checks the whole catalog with the
new file before replacing it (so a bad target never lands) and keeps the file's
other sections. Comments in the file are not kept by the rewrite.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from obeya.errors import ConfigError
from obeya.metrics import KpiSpec, load_catalog
from obeya.warehouse import WarehouseUrl

__all__ = ["TargetEdit", "write_target"]

COMPANY_FILE = "kpis.yaml"


class TargetEdit(BaseModel):
    """A new company-wide target: the goal, the red level and optionally the amber level."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: float = Field(allow_inf_nan=False)
    red: float = Field(allow_inf_nan=False)
    amber: float | None = Field(default=None, allow_inf_nan=False)

    @model_validator(mode="after")
    def _finite(self) -> TargetEdit:
        for v in (self.value, self.red, self.amber):
            if v is not None and abs(v) > 1e15:
                raise ValueError("a target level must be below 1e15 in size")
        return self


def _ordered(spec: KpiSpec, edit: TargetEdit) -> None:
    amber = edit.value if edit.amber is None else edit.amber
    higher = spec.direction.value == "higher"
    ok = edit.red <= amber <= edit.value if higher else edit.value <= amber <= edit.red
    if not ok:
        order = "red <= amber <= value" if higher else "value <= amber <= red"
        raise ConfigError(
            f"target of {spec.id}: value={edit.value}, amber={amber}, red={edit.red} are out of "
            f"order; {spec.id} is {spec.direction.value}-is-better, so give {order}"
        )


def write_target(url: WarehouseUrl, spec: KpiSpec, edit: TargetEdit) -> Path:
    """Set ``spec``'s target in the company KPI file; return the file's path."""
    folder = url.folder
    if folder is None:
        raise ConfigError(
            "targets are kept in kpis.yaml beside a DuckDB warehouse; with a PostgreSQL "
            "warehouse edit the company KPI file given to the catalog instead"
        )
    _ordered(spec, edit)
    path = folder / COMPANY_FILE
    document: dict[str, Any] = {}
    if path.exists():
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError(f"{path} is not a mapping; fix the file by hand first")
        document = dict(loaded or {})
    document.setdefault("version", 1)
    targets = dict(document.get("targets") or {})
    entry: dict[str, Any] = dict(targets.get(spec.id) or {})
    if not entry and spec.target is not None and spec.target.sites:
        entry["sites"] = {s: t.model_dump(exclude_none=True) for s, t in spec.target.sites.items()}
    entry.update({"value": edit.value, "red": edit.red})
    if edit.amber is None:
        entry.pop("amber", None)
    else:
        entry["amber"] = edit.amber
    targets[spec.id] = entry
    document["targets"] = targets
    text = yaml.safe_dump(document, sort_keys=False)
    fd, tmp = tempfile.mkstemp(prefix=".kpis-", suffix=".yaml", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        load_catalog([tmp])  # refuses the edit, with every problem, before it lands
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
