"""Any valid config gives a company that keeps every rule of the data model."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from obeya.demo import DemoConfig, generate
from tests.demo.integrity import register, violations

configs = st.builds(
    DemoConfig,
    seed=st.integers(0, 2**32),
    sites=st.integers(2, 8),
    skus=st.integers(30, 90),
    customers=st.integers(10, 40),
    suppliers=st.integers(3, 12),
    years=st.integers(1, 3),
    end_date=st.dates(date(2010, 1, 1), date(2040, 12, 31)),
    order_lines=st.integers(1_000, 3_000),
    chunk_lines=st.integers(1_000, 2_000),
)


@given(config=configs)
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_every_config_keeps_every_rule(config: DemoConfig) -> None:
    tables: dict[str, list[pa.Table]] = {}
    for name, table in generate(config):
        tables.setdefault(name, []).append(table)
    assert violations(register(tables), tables) == []
