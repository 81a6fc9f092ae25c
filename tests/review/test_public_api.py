"""The packages' public surfaces: ``__all__`` lists exactly what the modules export."""

from __future__ import annotations

import importlib

import pytest

import obeya.alerts as alerts
import obeya.review as review

REVIEW_MODULES = ("actions", "assemble", "context", "links", "model", "movers", "write")
ALERT_MODULES = ("evaluate", "rules", "run", "send", "state")


@pytest.mark.parametrize(
    ("package", "modules"), [(review, REVIEW_MODULES), (alerts, ALERT_MODULES)]
)
def test_all_names_exist_once(package: object, modules: tuple[str, ...]) -> None:
    names = package.__all__  # type: ignore[attr-defined]
    assert len(set(names)) == len(names)
    assert [n for n in names if not hasattr(package, n)] == []
    exported = set(names)
    for module_name in modules:
        module = importlib.import_module(f"{package.__name__}.{module_name}")  # type: ignore[attr-defined]
        public = set(module.__all__) & exported
        for name in public:
            assert getattr(package, name) is getattr(module, name), name


def test_the_review_facade_names_every_module_export() -> None:
    for module_name in ("model", "links", "write"):
        module = importlib.import_module(f"obeya.review.{module_name}")
        assert set(module.__all__) - {"page_css", "parse_formats"} <= set(review.__all__), (
            module_name
        )
