"""Delivering alerts: e-mail over SMTP (smtplib, optional STARTTLS) and webhooks (httpx).

Credentials never live in the rules file: a channel names the environment variables
that hold them (``username_env``, ``password_env``, ``headers_env``), read when the
message is sent; a variable that is named but not set is refused with its name.
Every alert carries the link to the war-room page that explains it. A failed
delivery raises :class:`DeliveryError` naming the channel and the reason.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, assert_never

import httpx

from obeya.alerts.rules import EmailChannel, WebhookChannel
from obeya.errors import ConfigError, ObeyaError

__all__ = ["DeliveryError", "Message", "deliver", "send_email", "send_webhook"]


class DeliveryError(RuntimeError, ObeyaError):
    """An alert could not be delivered on a channel (server down, refused, timed out)."""


@dataclass(frozen=True, slots=True)
class Message:
    """One alert as text (e-mail) and as a JSON object (webhook)."""

    subject: str
    text: str
    payload: Mapping[str, Any]


def _env(env: Mapping[str, str], name: str | None, channel: str, field: str) -> str | None:
    if name is None:
        return None
    value = env.get(name)
    if value is None:
        raise ConfigError(
            f"channel {channel!r}: {field} names the environment variable {name}, which is not set; "
            f"export {name} before running the alerts"
        )
    return value


def send_email(name: str, channel: EmailChannel, message: Message, env: Mapping[str, str]) -> None:
    """Send ``message`` to every recipient of the channel through its SMTP server."""
    user = _env(env, channel.username_env, name, "username_env")
    password = _env(env, channel.password_env, name, "password_env")
    mail = EmailMessage()
    mail["Subject"] = f"{channel.subject_prefix} {message.subject}".strip()
    mail["From"] = channel.sender
    mail["To"] = ", ".join(channel.to)
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain=channel.sender.split("@", 1)[1])
    mail.set_content(message.text)
    try:
        with smtplib.SMTP(channel.host, channel.port, timeout=channel.timeout_seconds) as smtp:
            smtp.ehlo()
            if channel.starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if user is not None:
                smtp.login(user, password or "")
            smtp.send_message(mail)
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(
            f"channel {name!r}: SMTP {channel.host}:{channel.port} failed: {exc}"
        ) from exc


def send_webhook(
    name: str, channel: WebhookChannel, message: Message, env: Mapping[str, str]
) -> None:
    """POST ``message.payload`` as JSON to the channel's URL; a 2xx answer is success."""
    headers = {
        h: _env(env, var, name, f"headers_env.{h}") or "" for h, var in channel.headers_env.items()
    }
    try:
        answer = httpx.post(
            channel.url,
            json=dict(message.payload),
            headers=headers,
            timeout=channel.timeout_seconds,
        )
        answer.raise_for_status()
    except httpx.HTTPError as exc:
        raise DeliveryError(f"channel {name!r}: POST {channel.url} failed: {exc}") from exc


def deliver(
    name: str, channel: EmailChannel | WebhookChannel, message: Message, env: Mapping[str, str]
) -> None:
    """Send ``message`` on one channel."""
    match channel:
        case EmailChannel():
            send_email(name, channel, message, env)
        case WebhookChannel():
            send_webhook(name, channel, message, env)
        case _:
            assert_never(channel)
