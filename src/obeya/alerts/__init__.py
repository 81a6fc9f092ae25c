"""Alerts: YAML rules over the engines, sent by e-mail (SMTP) and webhook, once per
condition until it clears. See ``docs/alerts.md``.

``load_rules(path)`` checks a rules file; ``run_alerts(wh, rules)`` evaluates every
rule, keeps the ``alert_state`` table and sends what is new; ``send_test(rules)``
checks every channel; :class:`AlertScheduler` repeats runs inside ``obeya serve``.
"""

from obeya.alerts.evaluate import Condition, evaluate_rule
from obeya.alerts.rules import (
    AlertKind,
    AlertRules,
    Channel,
    ChannelKind,
    EmailChannel,
    KpiRedRule,
    Rule,
    RulesFile,
    SmtpTls,
    SpcSignalRule,
    StockoutWithinRule,
    SupplierOtdBelowRule,
    WebhookChannel,
    load_rules,
    parse_rules,
)
from obeya.alerts.run import (
    AlertScheduler,
    RuleOutcome,
    RunReport,
    message_for,
    run_alerts,
    send_test,
)
from obeya.alerts.send import DeliveryError, Message, deliver, send_email, send_webhook
from obeya.alerts.state import (
    STATE_TABLE,
    Episode,
    Transition,
    ensure_state_table,
    history,
    mark_notified,
    open_episodes,
    plan,
    reconcile,
)

__all__ = [
    "STATE_TABLE",
    "AlertKind",
    "AlertRules",
    "AlertScheduler",
    "Channel",
    "ChannelKind",
    "Condition",
    "DeliveryError",
    "EmailChannel",
    "Episode",
    "KpiRedRule",
    "Message",
    "Rule",
    "RuleOutcome",
    "RulesFile",
    "RunReport",
    "SmtpTls",
    "SpcSignalRule",
    "StockoutWithinRule",
    "SupplierOtdBelowRule",
    "Transition",
    "WebhookChannel",
    "deliver",
    "ensure_state_table",
    "evaluate_rule",
    "history",
    "load_rules",
    "mark_notified",
    "message_for",
    "open_episodes",
    "parse_rules",
    "plan",
    "reconcile",
    "run_alerts",
    "send_email",
    "send_test",
    "send_webhook",
]
