"""The public surface of obeya.quality is what ``__all__`` says, and it imports."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import obeya.quality as quality

MODULES = (
    "batch", "capability", "charts", "constants", "flow", "kaizen", "pareto", "plot",
    "results", "rules", "timeweighted", "xes",
)  # fmt: skip


def test_all_names_resolve() -> None:
    for name in quality.__all__:
        assert getattr(quality, name) is not None, name


def test_every_public_name_of_every_module_is_exported() -> None:
    exported = set(quality.__all__)
    for module_name in MODULES:
        module = importlib.import_module(f"obeya.quality.{module_name}")
        missing = set(module.__all__) - exported
        assert not missing, (module_name, missing)
    assert sorted(quality.__all__) == list(quality.__all__)


def test_every_public_function_is_documented() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "quality.md").read_text(encoding="utf-8")
    functions = [n for n in quality.__all__ if callable(getattr(quality, n)) and n.islower()]
    undocumented = [n for n in functions if f"`{n}(" not in docs and f"`{n}`" not in docs]
    assert not undocumented


def test_every_result_is_strict_json() -> None:
    from tests.quality.published import CUSUM_9_1, LOAN_COSTS, ORANGE_JUICE, piston_rings_long

    series = {"subgroup": list(range(1, 31)), "value": CUSUM_9_1}
    loans = {"subgroup": list(range(1, 21)), "value": LOAN_COSTS}
    juice = {"subgroup": list(range(1, 31)), "defectives": ORANGE_JUICE, "size": [50] * 30}
    log = {
        "case_id": ["a", "a", "b"],
        "activity": ["in", "out", "in"],
        "timestamp": ["2026-01-01T08:00:00", "2026-01-01T09:00:00", "2026-01-01T08:30:00"],
    }
    results = [
        quality.xbar_r_chart(piston_rings_long()),
        quality.imr_chart(loans),
        quality.p_chart(juice),
        quality.ewma_chart(series),
        quality.cusum_chart(series),
        quality.capability(piston_rings_long(), usl=74.05),
        quality.pareto({"category": ["x", "y", "x"]}),
        quality.dpmo(0, 10),
        quality.analyse_flow(log),
        quality.verify_improvement(
            [1.0, 2.0, 3.0],
            [2.0, 3.0, 4.0],
            kind=quality.KpiKind.MEAN,
            better=quality.Better.HIGHER,
        ),
    ]
    for result in results:
        text = json.dumps(result.to_dict(), allow_nan=False)
        assert json.loads(text) == result.to_dict()
