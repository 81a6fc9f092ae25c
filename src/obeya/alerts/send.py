"""Delivering alerts: e-mail over SMTP (smtplib) and webhooks (httpx).

An e-mail channel encrypts as its ``tls`` says: STARTTLS (the server must offer it:
there is no silent fallback to plain text), implicit TLS, or none. The server's
certificate is always verified, host name included, against the channel's
``ca_file`` or else the system's trusted CAs; there is no switch to turn that off.

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

from obeya.alerts.rules import EmailChannel, SmtpTls, WebhookChannel
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


def _tls_context(channel: EmailChannel) -> ssl.SSLContext:
    """A verifying client context: the channel's CA bundle, or the system's CAs."""
    cafile = str(channel.ca_file) if channel.ca_file is not None else None
    return ssl.create_default_context(cafile=cafile)


def _connect(channel: EmailChannel, context: ssl.SSLContext | None) -> smtplib.SMTP:
    """An open SMTP session, already under TLS for implicit TLS."""
    match channel.tls_mode:
        case SmtpTls.IMPLICIT:
            return smtplib.SMTP_SSL(
                channel.host, channel.port, timeout=channel.timeout_seconds, context=context
            )
        case SmtpTls.STARTTLS | SmtpTls.NONE:
            return smtplib.SMTP(channel.host, channel.port, timeout=channel.timeout_seconds)
        case _:
            assert_never(channel.tls_mode)


def _tls_failure(channel: EmailChannel, exc: ssl.SSLError) -> str:
    """What a failed TLS handshake means, and what to check."""
    trusted = (
        f"the CA bundle {channel.ca_file}"
        if channel.ca_file is not None
        else "the system's trusted CAs (set ca_file to the PEM bundle of your company's CA)"
    )
    if isinstance(exc, ssl.SSLCertVerificationError):
        return (
            f"TLS certificate of {channel.host} refused: {exc.verify_message}; the server's "
            f"certificate must name {channel.host} and be signed by a CA in {trusted}"
        )
    hint = (
        "is the port one that speaks TLS from the first byte (SMTPS, usually 465)?"
        if channel.tls_mode is SmtpTls.IMPLICIT
        else "does the server speak TLS with a current protocol version?"
    )
    return f"TLS handshake with {channel.host} failed: {exc}; {hint}"


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
    where = f"channel {name!r}: SMTP {channel.host}:{channel.port} failed"
    mode = channel.tls_mode
    try:
        context = None if mode is SmtpTls.NONE else _tls_context(channel)
    except OSError as exc:  # the bundle was checked at load, and changed since
        raise DeliveryError(
            f"{where}: the CA bundle {channel.ca_file} cannot be used: {exc}"
        ) from exc
    try:
        with _connect(channel, context) as smtp:
            smtp.ehlo()
            if mode is SmtpTls.STARTTLS:
                if not smtp.has_extn("starttls"):
                    raise DeliveryError(
                        f"{where}: {channel.host} does not offer STARTTLS, which this channel "
                        "requires (its tls is starttls); nothing was sent in plain text. Use the "
                        "server's STARTTLS port, or tls: implicit for an SMTPS port"
                    )
                smtp.starttls(context=context)
                smtp.ehlo()
            if user is not None:
                smtp.login(user, password or "")
            smtp.send_message(mail)
    except ssl.SSLError as exc:
        raise DeliveryError(f"{where}: {_tls_failure(channel, exc)}") from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"{where}: {exc}") from exc


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
