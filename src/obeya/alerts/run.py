"""One run of the alerts: evaluate every rule, update the state, send what is new.

For each rule: its conditions are evaluated (:mod:`obeya.alerts.evaluate`), the
state table opens, extends or clears episodes (:mod:`obeya.alerts.state`), and each
condition to alert goes to every channel of the rule. An episode is marked
notified only when all its channels took it; otherwise the next run tries again.
A dry run evaluates and reports what it would send, and writes and sends nothing.
:class:`AlertScheduler` repeats runs in a background thread (``obeya serve``).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from obeya.alerts.evaluate import Condition, evaluate_rule
from obeya.alerts.rules import AlertRules
from obeya.alerts.send import DeliveryError, Message, deliver
from obeya.alerts.state import mark_notified, open_episodes, plan, reconcile
from obeya.errors import ObeyaError
from obeya.warehouse import Warehouse

__all__ = ["AlertScheduler", "RuleOutcome", "RunReport", "message_for", "run_alerts", "send_test"]

Deliver = Callable[[str, Any, Message, Mapping[str, str]], None]


@dataclass(frozen=True, slots=True)
class RuleOutcome:
    rule_id: str
    active: tuple[str, ...]
    new: tuple[str, ...]
    cleared: tuple[str, ...]
    sent: tuple[str, ...]  # condition keys delivered on every channel
    failures: tuple[str, ...]  # one line per failed delivery
    error: str | None = None  # the rule could not be evaluated


@dataclass(frozen=True, slots=True)
class RunReport:
    at: datetime
    dry_run: bool
    outcomes: tuple[RuleOutcome, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return all(not o.failures and o.error is None for o in self.outcomes)


def message_for(rules: AlertRules, condition: Condition, first_seen: datetime) -> Message:
    """The alert of one condition: subject, text with the link, and the JSON payload."""
    rule = rules.rule(condition.rule_id)
    text = "\n".join(
        [
            condition.title,
            "",
            condition.detail,
            "",
            f"What explains it: {condition.link}",
            "",
            f"Rule {rule.id} ({rule.kind.value}) in {rules.where(rule.id)}. This alert is sent once; "
            "you will hear again only if the condition clears and comes back.",
        ]
    )
    payload = {
        **condition.to_dict(),
        "first_seen": first_seen.isoformat(timespec="seconds"),
        "status": "open",
    }
    return Message(f"{rule.id}: {condition.title}", text, payload)


def run_alerts(
    wh: Warehouse,
    rules: AlertRules,
    *,
    dry_run: bool = False,
    now: datetime | None = None,
    env: Mapping[str, str] | None = None,
    send: Deliver = deliver,
) -> RunReport:
    """Evaluate every rule once (see the module doc)."""
    at = (now or datetime.now(UTC)).replace(tzinfo=None, microsecond=0)
    environment = os.environ if env is None else env
    outcomes = []
    for rule in rules.spec.rules:  # a handful of rules
        try:
            active = evaluate_rule(wh, rules, rule)
        except ObeyaError as exc:
            outcomes.append(
                RuleOutcome(rule.id, (), (), (), (), (), f"{rules.where(rule.id)}: {exc}")
            )
            continue
        if dry_run:
            change = plan(open_episodes(wh, rule.id), active)
        else:
            change = reconcile(wh, rule.id, active, at)
        sent, failures = [], []
        episodes = {} if dry_run else open_episodes(wh, rule.id)
        for condition in change.to_send:  # the new conditions of one rule
            if dry_run:
                sent.append(condition.key)
                continue
            first = episodes[condition.key].first_seen if condition.key in episodes else at
            message = message_for(rules, condition, first)
            failed = False
            for name in rule.channels:
                try:
                    send(name, rules.spec.channels[name], message, environment)
                except DeliveryError as exc:
                    failures.append(str(exc))
                    failed = True
            if not failed:
                mark_notified(wh, rule.id, condition.key, at)
                sent.append(condition.key)
        outcomes.append(
            RuleOutcome(
                rule.id,
                tuple(c.key for c in active),
                change.new,
                change.cleared,
                tuple(sent),
                tuple(failures),
            )
        )
    return RunReport(at, dry_run, tuple(outcomes))


def send_test(
    rules: AlertRules, *, env: Mapping[str, str] | None = None, send: Deliver = deliver
) -> list[str]:
    """Send a test message on every channel; one line per channel (``ok`` or the error)."""
    environment = os.environ if env is None else env
    lines = []
    for name, channel in rules.spec.channels.items():  # a few channels
        message = Message(
            "test message",
            f"This is a test of the channel {name!r} of {rules.source}. If you read it, alerts reach you.\n"
            f"Links in alerts point to {rules.spec.base_url or '(no base_url set: paths only)'}.",
            {"rule": None, "kind": "test", "channel": name, "title": "test message"},
        )
        try:
            send(name, channel, message, environment)
            lines.append(f"{name}: ok")
        except (DeliveryError, ObeyaError) as exc:
            lines.append(f"{name}: {exc}")
    return lines


class AlertScheduler:
    """Run the alerts every ``every_seconds`` in a daemon thread until :meth:`stop`.

    ``open_warehouse`` returns a context manager yielding a writable warehouse (the
    web app passes its own, so the DuckDB file is opened the way the app opens it);
    ``on_report`` receives each run's report (for logging).
    """

    def __init__(
        self,
        open_warehouse: Callable[[], AbstractContextManager[Warehouse]],
        rules: AlertRules,
        every_seconds: float,
        on_report: Callable[[RunReport], None] | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        if every_seconds < 1:
            raise ValueError("every_seconds must be at least 1")
        self._open = open_warehouse
        self._rules = rules
        self._every = every_seconds
        self._on_report = on_report
        self._env = env
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="obeya-alerts", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def run_once(self) -> RunReport:
        with self._open() as wh:
            report = run_alerts(wh, self._rules, env=self._env)
        if self._on_report is not None:
            self._on_report(report)
        return report

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except ObeyaError as exc:  # a bad warehouse must not kill the server's thread
                if self._on_report is not None:
                    self._on_report(
                        RunReport(
                            datetime.now(UTC).replace(tzinfo=None),
                            False,
                            (RuleOutcome("*", (), (), (), (), (), str(exc)),),
                        )
                    )
            self._stop.wait(self._every)
