"""DuckDB's memory limit: 3 GB unless OBEYA_MEMORY_LIMIT says otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from obeya.warehouse import DEFAULT_MEMORY_LIMIT, Warehouse
from tests.clirun import run


def _limit(wh: Warehouse) -> str:
    row = wh.duckdb.execute("SELECT current_setting('memory_limit')").fetchone()
    assert row is not None
    return str(row[0])


def test_the_default_keeps_duckdb_at_3_gb(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OBEYA_MEMORY_LIMIT", raising=False)
    assert DEFAULT_MEMORY_LIMIT == "3GB"
    with Warehouse.open(":memory:") as wh:
        # 3 GB = 3e9 bytes = 3e9 / 2**30 GiB = 2.79 GiB, which DuckDB shows truncated
        assert _limit(wh) == "2.7 GiB"


def test_the_environment_sets_another_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OBEYA_MEMORY_LIMIT", "512MB")
    with Warehouse.open(":memory:") as wh:
        # 512 MB = 512e6 bytes = 512e6 / 2**20 MiB = 488.28 MiB
        assert _limit(wh) == "488.2 MiB"


def test_a_bad_limit_is_refused_by_name(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("OBEYA_MEMORY_LIMIT", "50%")
    code, _, err = run(capsys, "init", "--warehouse", str(tmp_path / "w.duckdb"))
    assert code != 0
    assert "OBEYA_MEMORY_LIMIT='50%' is not an amount of memory" in err
    assert "3GB" in err
    assert "Traceback" not in err
    assert not (tmp_path / "w.duckdb").exists()


def test_the_sql_console_is_held_to_the_same_limit(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from obeya.warehouse.console import run_readonly_query

    path = tmp_path / "w.duckdb"
    Warehouse.open(str(path)).close()
    monkeypatch.setenv("OBEYA_MEMORY_LIMIT", "512MB")
    table, _ = run_readonly_query("SELECT current_setting('memory_limit') AS m", str(path))
    assert table.column("m").to_pylist() == ["488.2 MiB"]
