"""The operations finance modules export through ``obeya.finance``; every command shows an example."""

from __future__ import annotations

import importlib

import typer.main

import obeya.finance as finance
from obeya.cli import app

MODULES = (
    "bridge_sources",
    "cost_to_serve",
    "drivers",
    "forecast_source",
    "history",
    "rolling",
    "scenario",
    "volatility",
    "whale",
)


def test_module_exports_are_public() -> None:
    exported = set(finance.__all__)
    for module_name in MODULES:
        module = importlib.import_module(f"obeya.finance.{module_name}")
        assert set(module.__all__) <= exported, module_name
        for name in module.__all__:
            assert getattr(finance, name) is getattr(module, name)


def test_every_finance_subcommand_shows_an_example() -> None:
    root = typer.main.get_command(app)
    groups = {name: root.commands[name] for name in ("pnl", "capex")}  # type: ignore[attr-defined]
    found = []
    for group_name, group in groups.items():
        assert "Example" in (group.epilog or ""), group_name
        for name, cmd in group.commands.items():
            assert "Example" in (cmd.epilog or ""), f"{group_name} {name}"
            found.append(f"{group_name} {name}")
    assert sorted(found) == [
        "capex evaluate", "capex portfolio", "capex tornado",
        "pnl bridge", "pnl forecast", "pnl scenario",
    ]  # fmt: skip
    assert "Example" in root.commands["cost-to-serve"].epilog  # type: ignore[attr-defined]


def test_cli_choices_are_the_engines_codes() -> None:
    # The CLI restates the engines' codes so that their imports stay off its start-up path.
    from obeya.cli import finance as cli

    for name in ("PnlMode", "Comparison", "BridgeBy", "BridgeMeasure", "CostToServeBy",
                 "ScenarioBaseKind"):  # fmt: skip
        ours, theirs = getattr(cli, name), getattr(finance, name)
        assert [m.value for m in ours] == [m.value for m in theirs], name
