"""The package's public names are the ones ``__all__`` lists, and they all exist."""

from __future__ import annotations

import importlib

import pytest

MODULES = [
    "obeya.web",
    "obeya.web.app",
    "obeya.web.auth",
    "obeya.web.context",
    "obeya.web.errors",
    "obeya.web.registry",
    "obeya.web.settings",
    "obeya.web.store",
    "obeya.web.xlsx",
]


@pytest.mark.parametrize("name", MODULES)
def test_all_names_exist(name: str) -> None:
    module = importlib.import_module(name)
    exported = module.__all__
    assert exported == sorted(exported, key=lambda n: (not n.isupper(), n))
    for attr in exported:
        assert hasattr(module, attr), f"{name}.{attr}"


def test_builtin_parts_use_the_registry() -> None:
    from obeya.web.registry import Part, Registry
    from obeya.web.routes import builtin_parts

    registry = Registry()
    for part in builtin_parts():
        assert isinstance(part, Part)
        registry.register(part)
    names = [p.name for p in registry.parts]
    assert len(names) == len(set(names))
    assert {"scorecard", "kpis", "loads", "sql", "admin", "plans", "finance", "quality"} <= set(
        names
    )
