"""``obeya brief`` as a user runs it: the paths written, exit codes and error lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.clirun import run


def test_brief_prints_the_paths_written(
    capsys: pytest.CaptureFixture[str], company_path: Path, tmp_path: Path
) -> None:
    out_dir = tmp_path / "out"
    code, out, err = run(
        capsys, "brief", "--period", "2025-11", "--format", "html,json", "--out", str(out_dir),
        "--warehouse", str(company_path),
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        str(out_dir / "briefing-2025-11.html"),
        str(out_dir / "briefing-2025-11.json"),
    ]
    data = json.loads((out_dir / "briefing-2025-11.json").read_text(encoding="utf-8"))
    assert data["period"] == "2025-11"
    assert not list(out_dir.glob(".*.tmp"))  # written atomically, no leftovers


def test_brief_refuses_bad_input(
    capsys: pytest.CaptureFixture[str], company_path: Path, tmp_path: Path
) -> None:
    code, _, err = run(
        capsys, "brief", "--period", "2026-01", "-w", str(company_path), "-o", str(tmp_path)
    )
    assert code == 2
    assert err.strip() == (
        "error: period 2026-01 starts after the latest data (2025-11-30); pick 2025-11 or earlier"
    )
    code, _, err = run(
        capsys, "brief", "--format", "docx", "-w", str(company_path), "-o", str(tmp_path)
    )
    assert code == 2
    assert (
        err.strip()
        == "error: unknown briefing format 'docx'; use one or more of html, pdf, pptx, json"
    )
    code, _, err = run(
        capsys, "brief", "--paper", "a3", "-w", str(company_path), "-o", str(tmp_path)
    )
    assert code == 2
    assert err.strip() == "error: unknown paper 'a3'; use a4 or letter"
