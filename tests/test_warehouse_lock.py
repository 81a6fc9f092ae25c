"""Another process holding the DuckDB file: a command waits for it, then says so.

`obeya serve` opens the warehouse read-only for the length of each request (and its
warm-up); a load started from a shell at that moment waits for the hold to end
instead of failing (`OBEYA_LOCK_WAIT` seconds, 10 by default).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from obeya.errors import WarehouseError
from obeya.warehouse import Warehouse

HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


@contextmanager
def held(path: Path, seconds: float) -> Iterator[subprocess.Popen[str]]:
    """Another process with the file open read-only for ``seconds``."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "holding"
        yield proc
    finally:
        proc.kill()
        proc.wait()


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "w.duckdb"
    Warehouse.open(str(path)).close()
    return path


def test_a_writer_waits_for_a_short_read(warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OBEYA_LOCK_WAIT", raising=False)
    with held(warehouse, 1.0), Warehouse.open(str(warehouse)) as wh:
        # the open above got through only because the reader let go within 10 s
        wh.duckdb.execute(
            "INSERT INTO sites (site_id, name, type, country) VALUES ('DAL', 'Dallas', 'dc', 'US')"
        )
        assert wh.row_count("sites") == 1


def test_a_hold_longer_than_the_wait_is_a_clear_error(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OBEYA_LOCK_WAIT", "0.3")
    with held(warehouse, 60), pytest.raises(WarehouseError) as info:
        Warehouse.open(str(warehouse))
    message = str(info.value)
    assert f"the warehouse {warehouse} is in use by another program" in message
    assert "stayed so for 0.3 s" in message
    assert "set OBEYA_LOCK_WAIT to wait longer" in message


@pytest.mark.parametrize("value", ["soon", "-1", "7200"])
def test_a_bad_wait_is_refused_by_name(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("OBEYA_LOCK_WAIT", value)
    with pytest.raises(WarehouseError, match=r"OBEYA_LOCK_WAIT=.* is not a number of seconds"):
        Warehouse.open(str(warehouse))
