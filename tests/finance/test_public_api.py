"""The package's public surface: ``__all__`` lists exactly what the modules export."""

from __future__ import annotations

import importlib

import obeya.finance as finance

MODULES = (
    "bridge",
    "capex",
    "capex_spec",
    "cashflow",
    "depreciation",
    "evaluation",
    "montecarlo",
    "pnl",
    "portfolio",
)


def test_all_names_exist() -> None:
    missing = [name for name in finance.__all__ if not hasattr(finance, name)]
    assert missing == []
    assert len(set(finance.__all__)) == len(finance.__all__)


def test_every_module_export_is_public() -> None:
    exported = set(finance.__all__)
    for module_name in MODULES:
        module = importlib.import_module(f"obeya.finance.{module_name}")
        assert set(module.__all__) <= exported, module_name
        for name in module.__all__:
            assert getattr(finance, name) is getattr(module, name)
