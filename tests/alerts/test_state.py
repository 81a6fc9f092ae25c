"""The alert_state table on both backends: episodes open, extend, clear and reopen."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from obeya.alerts import AlertKind, Condition, history, mark_notified, reconcile
from obeya.warehouse import Warehouse

T = [datetime(2025, 12, d, 8) for d in range(1, 6)]


def _c(key: str) -> Condition:
    return Condition("r1", AlertKind.KPI_RED, key, f"title {key}", "detail", f"/kpis/{key}")


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest) -> Iterator[Warehouse]:
    url = ":memory:" if request.param == "duckdb" else request.getfixturevalue("pg_url")
    with Warehouse.open(url) as wh:
        yield wh


def test_episodes(store: Warehouse) -> None:
    first = reconcile(store, "r1", [_c("a"), _c("b")], T[0])
    assert (first.new, [c.key for c in first.to_send]) == (("a", "b"), ["a", "b"])
    mark_notified(store, "r1", "a", T[0])  # b's channel failed: not notified
    second = reconcile(store, "r1", [_c("a"), _c("b")], T[1])
    assert (second.new, second.ongoing) == ((), ("a", "b"))
    assert [c.key for c in second.to_send] == ["b"]  # retried, a is not sent again
    mark_notified(store, "r1", "b", T[1])
    third = reconcile(store, "r1", [_c("b")], T[2])
    assert (third.cleared, third.to_send) == (("a",), ())
    fourth = reconcile(store, "r1", [_c("a"), _c("b")], T[3])
    assert (fourth.new, [c.key for c in fourth.to_send]) == (("a",), ["a"])  # a came back
    rows = [
        (r["condition_key"], r["first_seen"], r["last_seen"], r["cleared_at"], r["notified_at"])
        for r in history(store)
    ]
    assert rows == [
        ("a", T[0], T[1], T[2], T[0]),
        ("b", T[0], T[3], None, T[1]),
        ("a", T[3], T[3], None, None),
    ]
    # another rule's conditions are its own
    assert reconcile(store, "r2", [_c("a")], T[4]).new == ("a",)
