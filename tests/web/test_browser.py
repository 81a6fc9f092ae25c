"""The war room in a real headless Chromium (Debian's, driven by Playwright) against a
uvicorn server on 127.0.0.1, on the hand-made company of tests/metrics/company.py."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, expect, sync_playwright

from obeya.planning.scenario_store import Metric, ensure_base, save_results, save_scenario
from obeya.warehouse import Warehouse
from tests.web.conftest import PASSWORDS, Site, make_site

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _stored_scenarios(path: Path) -> None:
    """Two scenarios with results as `obeya scenario run` stores them (figures made up)."""
    with Warehouse.open(str(path)) as wh:
        ensure_base(wh)
        for name in ("peak", "line-down"):
            save_scenario(
                wh,
                name,
                spec_yaml="drivers: []\n",
                spec_json={"drivers": []},
                description=f"the {name} case",
            )
        save_results(
            wh,
            "base",
            [
                Metric("total_cost", 1000.0, "currency", {}),
                Metric("expected_fill_rate", 0.97, "share", {}),
            ],
        )
        save_results(
            wh,
            "peak",
            [
                Metric("total_cost", 1250.0, "currency", {}),
                Metric("expected_fill_rate", 0.93, "share", {}),
            ],
        )
        save_results(
            wh,
            "line-down",
            [
                Metric("total_cost", 1100.0, "currency", {}),
                Metric("expected_fill_rate", 0.90, "share", {}),
            ],
        )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, company_file: Path
) -> Iterator[tuple[Site, str]]:
    site = make_site(tmp_path_factory.mktemp("browser"), company_file)
    _stored_scenarios(site.warehouse)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(site.app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield site, f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def _signed_in(browser: Browser, base: str, user: str) -> Page:
    page = browser.new_page(base_url=base)
    page.goto("/scorecard")
    expect(page).to_have_url(f"{base}/login?next=%2Fscorecard")
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password").fill(PASSWORDS[user])
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/scorecard")
    return page


def test_login_with_a_wrong_password_then_the_right_one(
    served: tuple[Site, str], browser: Browser
) -> None:
    _, base = served
    page = browser.new_page(base_url=base)
    page.goto("/login")
    page.get_by_label("User name").fill("vic")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("wrong user name or password")
    page.get_by_label("User name").fill("vic")
    page.get_by_label("Password").fill(PASSWORDS["vic"])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Scorecard")).to_be_visible()
    expect(page.locator(".who")).to_have_text("vic (viewer)")
    page.close()


def test_scorecard_to_kpi_to_drill_down_rows(served: tuple[Site, str], browser: Browser) -> None:
    _, base = served
    page = _signed_in(browser, base, "vic")
    page.get_by_label("Period").fill("2025-01")
    page.get_by_role("button", name="Show").click()
    row = page.locator('tr[data-kpi="otd"]')
    expect(row.locator("td").nth(1)).to_have_text("66.7%")  # January: 4 of 6 lines on time
    row.get_by_role("link", name="On-time delivery").click()
    expect(page.get_by_role("heading", name="On-time delivery")).to_be_visible()
    expect(page.locator(".chart[data-rendered=true] svg").first).to_be_visible()
    breakdown = page.locator("#breakdown tbody tr", has_text="ATL")
    expect(breakdown.locator("td").nth(1)).to_have_text("0.0%")
    breakdown.get_by_role("link", name="rows").click()
    expect(page.locator("#rows tbody tr")).to_have_count(2)  # L3 (O2) and L4 (O3)
    expect(page.locator("#rows tbody")).to_contain_text("O2")
    expect(page.locator("#rows tbody")).to_contain_text("O3")
    expect(page.locator("#measures")).to_contain_text("lines_due")
    page.close()


def test_upload_with_a_bad_row_shows_it_and_writes_nothing(
    served: tuple[Site, str], browser: Browser, tmp_path: Path
) -> None:
    site, base = served
    bad = tmp_path / "sites.csv"
    bad.write_text("site_id,name,type,country\nMEM,Memphis DC,dc,US\n,No id,dc,US\n")
    page = _signed_in(browser, base, "ada")
    page.goto("/loads")
    page.get_by_label("Files").set_input_files(str(bad))
    page.get_by_role("button", name="Load").click()
    refused = page.locator("#refused")
    expect(refused).to_contain_text("nothing was written")
    expect(refused).to_contain_text("sites.csv:3:site_id")
    with Warehouse.open(str(site.warehouse), read_only=True) as wh:
        sites = wh.sql_arrow("SELECT site_id FROM sites ORDER BY 1").column("site_id").to_pylist()
    assert sites == ["ATL", "DAL"]
    page.close()


def test_scenarios_side_by_side(served: tuple[Site, str], browser: Browser) -> None:
    _, base = served
    page = _signed_in(browser, base, "vic")
    page.get_by_role("link", name="Scenarios").click()
    page.get_by_label("compare peak").check()
    page.get_by_label("compare line-down").check()
    page.get_by_role("button", name="Compare side by side").click()
    table = page.locator("#comparison")
    # the base first, then the scenarios in the order of the list (by name here)
    expect(table.locator("thead th")).to_have_text(["Metric", "Unit", "base", "line-down", "peak"])
    expect(table.locator('tr[data-metric="total_cost"] td')).to_have_text(
        ["total_cost", "currency", "1,000.00", "1,100.00", "1,250.00"]
    )
    expect(page.get_by_role("button", name="Run")).to_have_count(0)  # viewers cannot run
    page.close()
