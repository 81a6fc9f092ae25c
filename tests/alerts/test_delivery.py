"""Alerts end to end against a local SMTP server (aiosmtpd, with a login) and a local
HTTP receiver: one alert per condition until it clears, again when it comes back,
a failed channel retried on the next run, credentials from the environment only.

The company (tests/review/company.py) has two conditions for the rules of
tests/alerts/helpers.py: OTD red at site DAL (50.0%) and supplier S2 on time 25.0%
(below the level 0.8).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from obeya.alerts import history, load_rules, parse_rules, run_alerts, send_test
from obeya.cli import main
from obeya.errors import ConfigError
from obeya.warehouse import Warehouse
from tests.alerts.conftest import Hook, Inbox
from tests.alerts.helpers import ENV, rules_text

# the local server takes a login without TLS on purpose (STARTTLS is off in these rules)
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")

T1, T2, T3, T4 = (datetime(2025, 12, 1, h) for h in (8, 9, 10, 11))


def _rules(tmp_path: Path, smtp: Inbox, hook: Hook, level: float = 0.8) -> object:
    path = tmp_path / f"alerts-{level}.yaml"
    path.write_text(rules_text(smtp.port, hook.url, level), encoding="utf-8")
    return load_rules(path)


def test_one_alert_per_condition_until_it_clears(
    wh: Warehouse, smtp: Inbox, hook: Hook, tmp_path: Path
) -> None:
    rules = _rules(tmp_path, smtp, hook)
    first = run_alerts(wh, rules, now=T1, env=ENV)  # type: ignore[arg-type]
    assert first.ok
    assert [(o.rule_id, o.new, o.sent) for o in first.outcomes] == [
        ("otd-red", ("otd|site=DAL",), ("otd|site=DAL",)),
        ("late-suppliers", ("S2",), ("S2",)),
    ]
    assert len(smtp.messages) == 2
    assert smtp.recipients[0] == ["ops@example.com", "director@example.com"]
    mail = smtp.messages[0]
    assert mail["Subject"] == "[obeya] otd-red: On-time delivery is red at site DAL: 50.0%"
    assert isinstance(mail, EmailMessage)
    body = mail.get_content()
    assert (
        "What explains it: https://obeya.example.com/kpis/otd/rows?period=2025-11&grain=month"
        "&by=site&member=DAL"
    ) in body
    assert [b["condition"] for b in hook.bodies] == ["otd|site=DAL", "S2"]
    assert hook.bodies[1]["link"] == (
        "https://obeya.example.com/kpis/supplier_otd/rows?period=2025-11&grain=month"
        "&by=supplier&member=S2"
    )
    assert hook.bodies[1]["first_seen"] == "2025-12-01T08:00:00"
    assert hook.headers[0]["Authorization"] == "Bearer hook-token"  # from the environment

    second = run_alerts(wh, rules, now=T2, env=ENV)  # type: ignore[arg-type]
    assert [o.sent for o in second.outcomes] == [(), ()]  # nothing again while it holds
    assert (len(smtp.messages), len(hook.bodies)) == (2, 2)

    cleared = run_alerts(wh, _rules(tmp_path, smtp, hook, level=0.2), now=T3, env=ENV)  # type: ignore[arg-type]
    assert cleared.outcomes[1].cleared == ("S2",)  # 25.0% is not below 20.0%
    assert (len(smtp.messages), len(hook.bodies)) == (2, 2)

    again = run_alerts(wh, rules, now=T4, env=ENV)  # type: ignore[arg-type]
    assert again.outcomes[1].sent == ("S2",)  # it came back: a new episode, alerted again
    assert again.outcomes[0].sent == ()
    assert [b["condition"] for b in hook.bodies] == ["otd|site=DAL", "S2", "S2"]
    assert len(smtp.messages) == 3

    episodes = [
        (r["rule_id"], r["condition_key"], r["first_seen"], r["cleared_at"]) for r in history(wh)
    ]
    assert episodes == [
        ("late-suppliers", "S2", T1, T3),
        ("otd-red", "otd|site=DAL", T1, None),
        ("late-suppliers", "S2", T4, None),
    ]


def test_a_failed_channel_is_retried(
    wh: Warehouse, smtp: Inbox, hook: Hook, tmp_path: Path
) -> None:
    rules = _rules(tmp_path, smtp, hook)
    hook.status = 500
    first = run_alerts(wh, rules, now=T1, env=ENV)  # type: ignore[arg-type]
    assert not first.ok
    assert first.outcomes[0].sent == ()
    assert first.outcomes[0].failures[0].startswith(f"channel 'ops-hook': POST {hook.url} failed:")
    assert all(r["notified_at"] is None for r in history(wh))
    hook.status = 200
    second = run_alerts(wh, rules, now=T2, env=ENV)  # type: ignore[arg-type]
    assert second.ok
    assert [o.sent for o in second.outcomes] == [("otd|site=DAL",), ("S2",)]
    assert all(r["notified_at"] == T2 for r in history(wh))
    third = run_alerts(wh, rules, now=T3, env=ENV)  # type: ignore[arg-type]
    assert [o.sent for o in third.outcomes] == [(), ()]


def test_credentials_come_from_the_environment(
    wh: Warehouse, smtp: Inbox, hook: Hook, tmp_path: Path
) -> None:
    rules = _rules(tmp_path, smtp, hook)
    env = {k: v for k, v in ENV.items() if k != "TEST_SMTP_PASSWORD"}
    with pytest.raises(
        ConfigError,
        match="password_env names the environment variable TEST_SMTP_PASSWORD, which is not set",
    ):
        run_alerts(wh, rules, now=T1, env=env)  # type: ignore[arg-type]
    wrong = {**ENV, "TEST_SMTP_PASSWORD": "wrong"}
    report = run_alerts(wh, rules, now=T2, env=wrong)  # type: ignore[arg-type]
    assert "channel 'ops-mail': SMTP 127.0.0.1" in report.outcomes[0].failures[0]
    assert smtp.messages == []


def test_dry_run_sends_and_records_nothing(
    wh: Warehouse, smtp: Inbox, hook: Hook, tmp_path: Path
) -> None:
    report = run_alerts(wh, _rules(tmp_path, smtp, hook), dry_run=True, env=ENV)  # type: ignore[arg-type]
    assert [o.sent for o in report.outcomes] == [("otd|site=DAL",), ("S2",)]
    assert (smtp.messages, hook.bodies, history(wh)) == ([], [], [])


def test_test_message_on_every_channel(smtp: Inbox, hook: Hook, tmp_path: Path) -> None:
    lines = send_test(_rules(tmp_path, smtp, hook), env=ENV)  # type: ignore[arg-type]
    assert lines == ["ops-mail: ok", "ops-hook: ok"]
    assert smtp.messages[0]["Subject"] == "[obeya] test message"
    assert hook.bodies == [
        {"rule": None, "kind": "test", "channel": "ops-hook", "title": "test message"}
    ]


def test_cli(
    capsys: pytest.CaptureFixture[str],
    warehouse_path: Path,
    smtp: Inbox,
    hook: Hook,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    path = tmp_path / "alerts.yaml"
    path.write_text(rules_text(smtp.port, hook.url), encoding="utf-8")

    def run(*args: str) -> tuple[int, str, str]:
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    code, out, _ = run("alerts", "run", str(path), "--dry-run", "-w", str(warehouse_path))
    assert (code, out.splitlines()) == (
        0,
        [
            "otd-red: 1 active, 1 new, 0 cleared; would send 1: otd|site=DAL",
            "late-suppliers: 1 active, 1 new, 0 cleared; would send 1: S2",
        ],
    )
    code, out, _ = run("alerts", "run", str(path), "-w", str(warehouse_path))
    assert out.splitlines()[0] == "otd-red: 1 active, 1 new, 0 cleared; sent 1: otd|site=DAL"
    assert len(smtp.messages) == 2
    code, out, _ = run("alerts", "check", str(path))
    assert out.splitlines() == [
        f"{path}:18: otd-red (kpi_red) -> ops-mail, ops-hook",
        f"{path}:23: late-suppliers (supplier_otd_below) -> ops-mail, ops-hook",
    ]
    hook.status = 503
    code, out, _ = run("alerts", "test", str(path))
    assert code == 1
    assert out.splitlines()[0] == "ops-mail: ok"
    assert out.splitlines()[1].startswith("ops-hook: channel 'ops-hook': POST")
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules: []\n", encoding="utf-8")
    code, _, err = run("alerts", "check", str(bad))
    assert code == 2
    assert err.startswith(f"error: alert rules {bad} have 2 problems")


def test_rules_from_a_mapping() -> None:
    rules = parse_rules(
        {
            "channels": {"h": {"type": "webhook", "url": "http://x.example"}},
            "rules": [{"id": "a", "kind": "kpi_red", "kpis": ["otd"], "channels": ["h"]}],
        },
        "inline",
    )
    assert rules.where("a") == "inline"


def test_the_scheduler_runs_in_the_background(
    warehouse_path: Path, smtp: Inbox, hook: Hook, tmp_path: Path
) -> None:
    """What ``obeya serve`` runs: a daemon thread that evaluates the rules, stopped cleanly."""
    import threading
    from contextlib import contextmanager

    from obeya.alerts import AlertScheduler, RunReport

    @contextmanager
    def opened() -> Iterator[Warehouse]:
        with Warehouse.open(str(warehouse_path)) as w:
            yield w

    reports: list[RunReport] = []
    done = threading.Event()

    def seen(report: RunReport) -> None:
        reports.append(report)
        done.set()

    scheduler = AlertScheduler(opened, _rules(tmp_path, smtp, hook), 3600, seen, ENV)  # type: ignore[arg-type]
    scheduler.start()
    assert done.wait(60)
    scheduler.stop()
    assert [o.sent for o in reports[0].outcomes] == [("otd|site=DAL",), ("S2",)]
    assert len(hook.bodies) == 2
