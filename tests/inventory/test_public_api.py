"""The package's public surface: every name in __all__ exists, and nothing public hides."""

from __future__ import annotations

import enum

import obeya.inventory as inventory


def test_all_names_exist() -> None:
    missing = [name for name in inventory.__all__ if not hasattr(inventory, name)]
    assert missing == []


def test_all_is_sorted_and_unique() -> None:
    assert list(inventory.__all__) == sorted(set(inventory.__all__))


def test_every_public_module_name_is_exported() -> None:
    modules = [
        "classify",
        "gsm",
        "models",
        "network",
        "policy",
        "projection",
        "seasonal",
        "simulate",
    ]
    exported = set(inventory.__all__)
    for name in modules:
        module = getattr(inventory, name)
        assert set(module.__all__) <= exported, name


def test_domain_codes_are_enums() -> None:
    for name in [
        "AbcClass",
        "XyzClass",
        "RQMethod",
        "ReviewPolicy",
        "ServiceTarget",
        "ShortageModel",
    ]:
        assert issubclass(getattr(inventory, name), enum.Enum)
