"""The rules file and environment the alert tests share."""

from __future__ import annotations

SMTP_USER, SMTP_PASSWORD = "obeya", "s3cret-from-env"


def rules_text(smtp_port: int, hook_url: str, level: float = 0.8) -> str:
    """A rules file with both channels; credentials named, never written."""
    return f"""\
version: 1
base_url: https://obeya.example.com
channels:
  ops-mail:
    type: email
    host: 127.0.0.1
    port: {smtp_port}
    starttls: false
    username_env: TEST_SMTP_USER
    password_env: TEST_SMTP_PASSWORD
    sender: obeya@example.com
    to: [ops@example.com, director@example.com]
  ops-hook:
    type: webhook
    url: {hook_url}
    headers_env: {{Authorization: TEST_HOOK_AUTH}}
rules:
  - id: otd-red
    kind: kpi_red
    kpis: [otd]
    by: site
    channels: [ops-mail, ops-hook]
  - id: late-suppliers
    kind: supplier_otd_below
    level: {level}
    channels: [ops-mail, ops-hook]
"""


ENV = {
    "TEST_SMTP_USER": SMTP_USER,
    "TEST_SMTP_PASSWORD": SMTP_PASSWORD,
    "TEST_HOOK_AUTH": "Bearer hook-token",
}
