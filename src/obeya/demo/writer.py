"""Writing the demo company as Parquet part files, one folder per table.

``out_dir/<table>/part-00000.parquet``, ``part-00001.parquet``, ... one part per
chunk, written as it comes, so memory stays bounded however big the company.
The loader reads a folder of part files as one table.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from obeya.demo.config import DemoConfig
from obeya.demo.generate import Progress, generate
from obeya.errors import ConfigError
from obeya.model import TABLES

__all__ = ["write_parquet"]


def write_parquet(
    config: DemoConfig, out_dir: Path | str, progress: Progress | None = None
) -> dict[str, int]:
    """Generate the company into ``out_dir`` and return the rows written per table.

    Part files left in a table's folder by an earlier run are replaced.
    """
    root = Path(out_dir)
    if root.exists() and not root.is_dir():
        raise ConfigError(f"demo output {root} is a file; give a folder to write the tables into")
    root.mkdir(parents=True, exist_ok=True)
    for name in TABLES:
        folder = root / name
        if folder.is_dir():
            for old in folder.glob("part-*.parquet"):
                old.unlink()
    rows: dict[str, int] = {}
    parts: dict[str, int] = {}
    for name, table in generate(config, progress):
        folder = root / name
        folder.mkdir(exist_ok=True)
        part = parts.get(name, 0)
        pq.write_table(table, folder / f"part-{part:05d}.parquet", compression="zstd")
        parts[name] = part + 1
        rows[name] = rows.get(name, 0) + table.num_rows
    return rows
