"""Same seed, same company; chunking at scale; progress reports; Parquet output."""

from __future__ import annotations

import itertools
from dataclasses import replace
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pytest

from obeya.demo import DemoConfig, generate, write_parquet
from obeya.errors import ConfigError
from obeya.model import TABLES, load_order

TINY = DemoConfig(order_lines=3_000, skus=60, customers=30, suppliers=6)


def _tables(config: DemoConfig) -> dict[str, pa.Table]:
    parts: dict[str, list[pa.Table]] = {}
    for name, table in generate(config):
        parts.setdefault(name, []).append(table)
    return {name: pa.concat_tables(chunks) for name, chunks in parts.items()}


def test_the_same_seed_gives_the_same_company() -> None:
    first, second = _tables(TINY), _tables(TINY)
    assert list(first) == list(second) == load_order()
    for name in first:
        assert first[name].equals(second[name]), name


def test_another_seed_gives_another_company() -> None:
    base, other = _tables(TINY), _tables(replace(TINY, seed=8))
    for name in ("order_lines", "customers", "inventory_snapshots", "quality_samples"):
        assert not base[name].equals(other[name]), name
    # the design does not move: the same SKUs, sites and columns
    assert base["products"].column("sku").equals(other["products"].column("sku"))
    assert base["sites"].equals(other["sites"])


def test_chunks_at_scale_keep_keys_unique_and_time_ordered() -> None:
    config = DemoConfig(order_lines=4_000, scale=2.5, chunk_lines=2_000, skus=60, customers=30)
    chunks = [t for name, t in generate(config) if name == "order_lines"]
    assert len(chunks) == 5  # 10,000 expected lines in chunks of about 2,000
    schema = chunks[0].schema
    assert all(c.schema.equals(schema) for c in chunks)
    for before, after in itertools.pairwise(chunks):
        # chunks are consecutive runs of days and of order numbers
        assert (
            pc.max(before.column("order_date")).as_py() < pc.min(after.column("order_date")).as_py()
        )
        assert pc.max(before.column("order_id")).as_py() < pc.min(after.column("order_id")).as_py()
    lines = pa.concat_tables(chunks)
    keys = pc.binary_join_element_wise(
        lines.column("order_id"), pc.cast(lines.column("line_no"), pa.string()), "/"
    )
    assert pc.count_distinct(keys).as_py() == lines.num_rows
    assert 9_000 < lines.num_rows < 11_000


def test_progress_reports_every_table_up_to_its_rows() -> None:
    seen: dict[str, list[tuple[int, int]]] = {}
    rows: dict[str, int] = {}
    config = DemoConfig(order_lines=3_000, chunk_lines=1_000, skus=60, customers=30)
    for name, table in generate(
        config, progress=lambda t, d, n: seen.setdefault(t, []).append((d, n))
    ):
        rows[name] = rows.get(name, 0) + table.num_rows
    assert list(seen) == load_order()
    for name, calls in seen.items():
        done = [d for d, _ in calls]
        assert done == sorted(done), name
        assert calls[-1] == (rows[name], rows[name]), name
        assert all(d <= n for d, n in calls), name


def test_write_parquet_writes_one_folder_per_table(tmp_path: Path) -> None:
    config = DemoConfig(order_lines=3_000, chunk_lines=1_000, skus=60, customers=30)
    rows = write_parquet(config, tmp_path)
    assert list(rows) == load_order()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(TABLES)
    assert len(list((tmp_path / "order_lines").glob("part-*.parquet"))) == 3
    for name, count in rows.items():
        dataset = ds.dataset(tmp_path / name, format="parquet")
        assert dataset.count_rows() == count, name
        assert dataset.schema.names == list(TABLES[name].column_names), name
    # writing again replaces the parts of the earlier run
    write_parquet(DemoConfig(order_lines=3_000, skus=60, customers=30), tmp_path)
    assert len(list((tmp_path / "order_lines").glob("part-*.parquet"))) == 1


def test_write_parquet_refuses_a_file_as_folder(tmp_path: Path) -> None:
    target = tmp_path / "company.parquet"
    target.write_text("not a folder")
    with pytest.raises(ConfigError, match=r"is a file; give a folder"):
        write_parquet(TINY, target)
