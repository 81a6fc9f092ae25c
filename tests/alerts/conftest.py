"""Local receivers for the alerts: an SMTP server (aiosmtpd, with a login) and an HTTP
receiver (http.server in a thread), both on 127.0.0.1; and a writable copy of the
hand-made company of tests/review/company.py for each test."""

from __future__ import annotations

import json
import shutil
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from obeya.ingest import load_arrow
from obeya.warehouse import Warehouse
from tests.alerts.helpers import SMTP_PASSWORD, SMTP_USER
from tests.review.company import company_tables


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Inbox:
    """What the SMTP server received: one parsed e-mail per message, and its envelope."""

    port: int
    messages: list[Message] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"


def _authenticate(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        SMTP_USER.encode(),
        SMTP_PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)  # not handled: the server answers 535


@pytest.fixture
def smtp() -> Iterator[Inbox]:
    inbox = Inbox(_free_port())
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=inbox.port,
        authenticator=_authenticate,
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    yield inbox
    controller.stop()


@dataclass
class Hook:
    """What the HTTP receiver got (JSON bodies and headers); ``status`` is its answer."""

    url: str
    bodies: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    status: int = 200


@pytest.fixture
def hook() -> Iterator[Hook]:
    received = Hook("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            received.bodies.append(json.loads(self.rfile.read(length)))
            received.headers.append(dict(self.headers.items()))
            self.send_response(received.status)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    received.url = f"http://127.0.0.1:{server.server_address[1]}/obeya"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield received
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture(scope="package")
def company_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("alerts") / "company.duckdb"
    with Warehouse.open(str(path)) as wh:
        load_arrow(wh, company_tables(), label="company")
    return path


@pytest.fixture
def warehouse_path(company_file: Path, tmp_path: Path) -> Path:
    """A fresh copy of the company for one test (the alerts write their state)."""
    path = tmp_path / "w.duckdb"
    shutil.copy(company_file, path)
    return path


@pytest.fixture
def wh(warehouse_path: Path) -> Iterator[Warehouse]:
    with Warehouse.open(str(warehouse_path)) as opened:
        yield opened
