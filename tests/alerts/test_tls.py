"""Alerts by e-mail over TLS, for real: STARTTLS and implicit TLS against local SMTP
servers (aiosmtpd) whose certificates come from a throwaway CA made at test time with
the ``openssl`` command line, as a plant's own CA would sign its mail relay's.

What is shown: an alert reaches the inbox over STARTTLS and over implicit TLS, with
its subject, text and link, and the login happens only under TLS; a server whose
certificate another CA signed, or that names another host, is refused with the host
and the TLS reason, the alert stays unnotified and the password is never sent; a
server that does not offer STARTTLS gets nothing (no fallback to plain text); the
rules file's ``tls``/``starttls``/``ca_file`` are checked at load, each problem with
its file and line.

The company is the hand-made one of tests/review/company.py: in November 2025 site
DAL has 2 of 2 lines on time with carrier K1 and 1 of 4 with K2, so OTD = 3 / 6 =
50.0%, red, and the rule ``otd-red`` below has exactly one condition to send.
"""

from __future__ import annotations

import re
import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from obeya.alerts import (
    AlertRules,
    EmailChannel,
    Message,
    RunReport,
    SmtpTls,
    history,
    load_rules,
    parse_rules,
    run_alerts,
    send_email,
)
from obeya.alerts.send import DeliveryError
from obeya.errors import SpecError
from obeya.ingest import load_arrow
from obeya.warehouse import Warehouse
from tests.review.company import company_tables

# aiosmtpd cannot tell that a connection it accepted under implicit TLS is encrypted
# (aio-libs/aiosmtpd#281), so that server runs with auth_require_tls=False and warns;
# its authenticator below refuses any login that did not arrive under TLS instead.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")

USER, PASSWORD = "plant-relay", "from-the-environment"
ENV = {"PLANT_SMTP_USER": USER, "PLANT_SMTP_PASSWORD": PASSWORD}
T1 = datetime(2025, 12, 1, 8)
SUBJECT = "[obeya] otd-red: On-time delivery is red at site DAL: 50.0%"
LINK = (
    "What explains it: https://obeya.example.com/kpis/otd/rows?period=2025-11&grain=month"
    "&by=site&member=DAL"
)

# ------------------------------------------------------------------ certificates

_CA_CONFIG = """\
[req]
distinguished_name = dn
prompt = no
x509_extensions = ca_ext
[dn]
CN = {name}
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
"""

_SERVER_CONFIG = """\
[req]
distinguished_name = dn
prompt = no
[dn]
CN = {cn}
[server_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = {names}
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""

_EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]


def _openssl(*args: str | Path) -> None:
    subprocess.run(["openssl", *map(str, args)], check=True, capture_output=True, timeout=30)


def _make_ca(folder: Path, name: str) -> tuple[Path, Path]:
    """A self-signed CA: (certificate PEM, key PEM)."""
    config = folder / f"{name}.cnf"
    config.write_text(_CA_CONFIG.format(name=f"obeya test {name}"), encoding="utf-8")
    cert, key = folder / f"{name}.pem", folder / f"{name}.key"
    _openssl(
        "req", "-x509", "-new", *_EC, "-keyout", key, "-out", cert, "-days", "2", "-config", config
    )
    return cert, key


def _make_server(
    folder: Path, name: str, ca: tuple[Path, Path], names: str, serial: int
) -> tuple[Path, Path]:
    """A server certificate for ``names`` (subjectAltName) signed by ``ca``."""
    config = folder / f"{name}.cnf"
    config.write_text(_SERVER_CONFIG.format(cn=name, names=names), encoding="utf-8")
    cert, key, csr = folder / f"{name}.pem", folder / f"{name}.key", folder / f"{name}.csr"
    _openssl("req", "-new", *_EC, "-keyout", key, "-out", csr, "-config", config)
    _openssl(
        "x509", "-req", "-in", csr, "-CA", ca[0], "-CAkey", ca[1], "-set_serial", str(serial),
        "-days", "2", "-extfile", config, "-extensions", "server_ext", "-out", cert,
    )  # fmt: skip
    return cert, key


@dataclass(frozen=True)
class Pki:
    """The plant's CA and three server certificates for the local test servers."""

    plant_ca: Path  # what the rules' ca_file names
    relay: tuple[Path, Path]  # 127.0.0.1 and localhost, signed by the plant CA
    rogue: tuple[Path, Path]  # the same names, signed by another CA
    elsewhere: tuple[Path, Path]  # signed by the plant CA, for another host only


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    folder = tmp_path_factory.mktemp("pki")
    plant = _make_ca(folder, "plant-ca")
    other = _make_ca(folder, "other-ca")
    local = "DNS:localhost, IP:127.0.0.1"
    return Pki(
        plant[0],
        _make_server(folder, "relay", plant, local, 2),
        _make_server(folder, "rogue", other, local, 3),
        _make_server(folder, "elsewhere", plant, "DNS:mail.plant.example", 4),
    )


def _server_context(cert: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert[0], cert[1])
    return context


# ------------------------------------------------------------------ SMTP servers


@dataclass
class Inbox:
    """What a server received: each message, the cipher it came under, the logins."""

    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    ciphers: list[Any] = field(default_factory=list)  # None: the message came in clear
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        mail = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(mail, EmailMessage)
        self.messages.append(mail)
        assert server.transport is not None
        self.ciphers.append(server.transport.get_extra_info("cipher"))
        return "250 OK"

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        """Accept the plant's login, and only under TLS (STARTTLS or implicit)."""
        under_tls = (
            server.transport is not None
            and server.transport.get_extra_info("ssl_object") is not None
        )
        ok = (
            under_tls
            and isinstance(data, LoginPassword)
            and (data.login, data.password) == (USER.encode(), PASSWORD.encode())
        )
        if ok:
            self.logins.append(USER)
        return AuthResult(success=ok, handled=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


Mode = Literal["starttls", "implicit", "plain"]


@contextmanager
def smtp_server(mode: Mode, cert: tuple[Path, Path] | None = None) -> Iterator[Inbox]:
    """A local server: STARTTLS required, implicit TLS, or plain (no STARTTLS offered)."""
    inbox = Inbox(_free_port())
    options: dict[str, Any]
    if mode == "starttls":
        assert cert is not None
        options = {
            "tls_context": _server_context(cert),
            "require_starttls": True,
            "authenticator": inbox.authenticate,
            "auth_required": True,
        }
    elif mode == "implicit":
        assert cert is not None
        options = {
            "ssl_context": _server_context(cert),
            "authenticator": inbox.authenticate,
            "auth_required": True,
            "auth_require_tls": False,  # see pytestmark: the authenticator checks TLS
        }
    else:
        options = {}  # no login either: a fallback to plain text would deliver
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port, **options)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


# ------------------------------------------------------------------ rules and warehouse


def rules_yaml(port: int, security: str, *, login: bool = True) -> str:
    """A rules file with one e-mail channel; ``security`` is its tls/starttls/ca_file lines."""
    login_lines = "    username_env: PLANT_SMTP_USER\n    password_env: PLANT_SMTP_PASSWORD\n"
    return f"""\
version: 1
base_url: https://obeya.example.com
channels:
  plant-mail:
    type: email
    host: 127.0.0.1
    port: {port}
{security}{login_lines if login else ""}    sender: obeya@plant.example
    to: [ops@plant.example]
    timeout_seconds: 10
rules:
  - id: otd-red
    kind: kpi_red
    kpis: [otd]
    by: site
    channels: [plant-mail]
"""


def _load(folder: Path, text: str) -> AlertRules:
    path = folder / "alerts.yaml"
    path.write_text(text, encoding="utf-8")
    return load_rules(path)


@pytest.fixture(scope="module")
def company_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("alerts-tls") / "company.duckdb"
    with Warehouse.open(str(path)) as wh:
        load_arrow(wh, company_tables(), label="company")
    return path


@pytest.fixture
def wh(company_file: Path, tmp_path: Path) -> Iterator[Warehouse]:
    """A fresh copy of the company for one test (the alerts write their state)."""
    path = tmp_path / "w.duckdb"
    shutil.copy(company_file, path)
    with Warehouse.open(str(path)) as opened:
        yield opened


def _assert_the_alert_arrived_under_tls(inbox: Inbox, wh: Warehouse, report: RunReport) -> None:
    assert report.ok, report.outcomes
    assert report.outcomes[0].sent == ("otd|site=DAL",)
    assert len(inbox.messages) == 1
    mail = inbox.messages[0]
    assert mail["Subject"] == SUBJECT
    assert mail["To"] == "ops@plant.example"
    body = mail.get_content().replace("\r\n", "\n")  # SMTP carries CRLF line ends
    assert body.startswith("On-time delivery is red at site DAL: 50.0%\n")
    assert LINK in body
    assert inbox.ciphers[0] is not None  # the message travelled encrypted
    assert inbox.logins == [USER]  # the server only takes a login under TLS
    assert [r["notified_at"] for r in history(wh)] == [T1]


# ------------------------------------------------------------------ delivery


@pytest.mark.parametrize(
    "security",
    [
        "    tls: starttls\n    ca_file: certs/plant-ca.pem\n",
        "    starttls: true\n    ca_file: certs/plant-ca.pem\n",
    ],
    ids=["tls-starttls", "older-starttls-true"],
)
def test_an_alert_is_delivered_over_starttls(
    pki: Pki, wh: Warehouse, tmp_path: Path, security: str
) -> None:
    (tmp_path / "certs").mkdir()
    shutil.copy(pki.plant_ca, tmp_path / "certs" / "plant-ca.pem")  # relative to the rules
    with smtp_server("starttls", pki.relay) as inbox:
        rules = _load(tmp_path, rules_yaml(inbox.port, security))
        report = run_alerts(wh, rules, now=T1, env=ENV)
    _assert_the_alert_arrived_under_tls(inbox, wh, report)


def test_an_alert_is_delivered_over_implicit_tls(pki: Pki, wh: Warehouse, tmp_path: Path) -> None:
    with smtp_server("implicit", pki.relay) as inbox:
        security = f"    tls: implicit\n    ca_file: {pki.plant_ca}\n"
        rules = _load(tmp_path, rules_yaml(inbox.port, security))
        report = run_alerts(wh, rules, now=T1, env=ENV)
    _assert_the_alert_arrived_under_tls(inbox, wh, report)


@pytest.mark.parametrize("mode", ["starttls", "implicit"])
def test_a_certificate_from_another_ca_is_refused(
    pki: Pki, wh: Warehouse, tmp_path: Path, mode: Literal["starttls", "implicit"]
) -> None:
    with smtp_server(mode, pki.rogue) as inbox:
        security = f"    tls: {mode}\n    ca_file: {pki.plant_ca}\n"
        rules = _load(tmp_path, rules_yaml(inbox.port, security))
        report = run_alerts(wh, rules, now=T1, env=ENV)
    assert not report.ok
    assert report.outcomes[0].sent == ()
    (failure,) = report.outcomes[0].failures
    # the rogue CA is not in the bundle, so OpenSSL finds no issuer for the certificate
    assert failure.startswith(
        f"channel 'plant-mail': SMTP 127.0.0.1:{inbox.port} failed: TLS certificate of "
        "127.0.0.1 refused: unable to get local issuer certificate; the server's certificate "
        f"must name 127.0.0.1 and be signed by a CA in the CA bundle {pki.plant_ca}"
    )
    assert (inbox.messages, inbox.logins) == ([], [])  # nothing sent, the password kept
    assert [r["notified_at"] for r in history(wh)] == [None]  # the next run tries again


def _channel(folder: Path, port: int, security: str) -> EmailChannel:
    mail = _load(folder, rules_yaml(port, security)).spec.channels["plant-mail"]
    assert isinstance(mail, EmailChannel)
    return mail


TEST_MESSAGE = Message("test message", "a test", {"kind": "test"})


def test_the_system_cas_do_not_trust_a_private_ca(pki: Pki, tmp_path: Path) -> None:
    """Without ca_file the system's trusted CAs apply, and the plant's CA is not one."""
    with smtp_server("starttls", pki.relay) as inbox:
        channel = _channel(tmp_path, inbox.port, "    tls: starttls\n")
        with pytest.raises(
            DeliveryError,
            match=re.escape(
                "TLS certificate of 127.0.0.1 refused: unable to get local issuer certificate; "
                "the server's certificate must name 127.0.0.1 and be signed by a CA in the "
                "system's trusted CAs (set ca_file to the PEM bundle of your company's CA)"
            ),
        ):
            send_email("plant-mail", channel, TEST_MESSAGE, ENV)
    assert (inbox.messages, inbox.logins) == ([], [])


def test_a_certificate_for_another_host_is_refused(pki: Pki, tmp_path: Path) -> None:
    """The plant CA signed it, but for mail.plant.example: the host name is checked too."""
    with smtp_server("implicit", pki.elsewhere) as inbox:
        security = f"    tls: implicit\n    ca_file: {pki.plant_ca}\n"
        channel = _channel(tmp_path, inbox.port, security)
        with pytest.raises(
            DeliveryError,
            match=re.escape(
                f"channel 'plant-mail': SMTP 127.0.0.1:{inbox.port} failed: TLS certificate of "
                "127.0.0.1 refused: IP address mismatch, certificate is not valid for '127.0.0.1'"
            ),
        ):
            send_email("plant-mail", channel, TEST_MESSAGE, ENV)
    assert (inbox.messages, inbox.logins) == ([], [])


@pytest.mark.parametrize(
    "security",
    ["    tls: starttls\n", "    starttls: true\n", ""],
    ids=["tls-starttls", "older-starttls-true", "default"],
)
def test_a_server_without_starttls_gets_nothing(
    wh: Warehouse, tmp_path: Path, security: str
) -> None:
    """No login is configured, so a fallback to plain text would be delivered: it is not."""
    with smtp_server("plain") as inbox:
        rules = _load(tmp_path, rules_yaml(inbox.port, security, login=False))
        report = run_alerts(wh, rules, now=T1, env=ENV)
    assert report.outcomes[0].failures == (
        f"channel 'plant-mail': SMTP 127.0.0.1:{inbox.port} failed: 127.0.0.1 does not offer "
        "STARTTLS, which this channel requires (its tls is starttls); nothing was sent in plain "
        "text. Use the server's STARTTLS port, or tls: implicit for an SMTPS port",
    )
    assert report.outcomes[0].sent == ()
    assert inbox.messages == []
    assert [r["notified_at"] for r in history(wh)] == [None]


def test_implicit_tls_against_a_plain_server_is_refused(pki: Pki, tmp_path: Path) -> None:
    with smtp_server("plain") as inbox:
        security = f"    tls: implicit\n    ca_file: {pki.plant_ca}\n"
        channel = _channel(tmp_path, inbox.port, security)
        with pytest.raises(
            DeliveryError,
            match=re.escape(
                f"channel 'plant-mail': SMTP 127.0.0.1:{inbox.port} failed: TLS handshake with "
                "127.0.0.1 failed: "
            ),
        ):
            send_email("plant-mail", channel, TEST_MESSAGE, ENV)
    assert inbox.messages == []


# ------------------------------------------------------------------ the rules file


@pytest.mark.parametrize(
    ("security", "mode", "port"),
    [
        ({}, SmtpTls.STARTTLS, 587),  # neither key: STARTTLS, as before
        ({"starttls": True}, SmtpTls.STARTTLS, 587),
        ({"starttls": False}, SmtpTls.NONE, 587),
        ({"tls": "starttls"}, SmtpTls.STARTTLS, 587),
        ({"tls": "none"}, SmtpTls.NONE, 587),
        ({"tls": "implicit"}, SmtpTls.IMPLICIT, 465),  # SMTPS's port when none is given
        ({"tls": "implicit", "port": 2465}, SmtpTls.IMPLICIT, 2465),
    ],
)
def test_tls_and_its_older_spelling(security: dict[str, Any], mode: SmtpTls, port: int) -> None:
    channel = {"type": "email", "host": "mail.plant.example", **security}
    rules = parse_rules(
        {
            "channels": {"m": {**channel, "sender": "a@b.example", "to": ["c@d.example"]}},
            "rules": [{"id": "r", "kind": "kpi_red", "kpis": ["otd"], "channels": ["m"]}],
        },
        "inline",
    )
    mail = rules.spec.channels["m"]
    assert isinstance(mail, EmailChannel)
    assert (mail.tls_mode, mail.port) == (mode, port)


def test_ca_file_is_relative_to_the_rules_file(
    pki: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    conf = tmp_path / "conf"
    (conf / "certs").mkdir(parents=True)
    shutil.copy(pki.plant_ca, conf / "certs" / "plant-ca.pem")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # not where the rules file is
    rules = _load(conf, rules_yaml(2525, "    tls: starttls\n    ca_file: certs/plant-ca.pem\n"))
    mail = rules.spec.channels["plant-mail"]
    assert isinstance(mail, EmailChannel)
    assert mail.ca_file == conf / "certs" / "plant-ca.pem"
    assert mail.ca_file.is_absolute()


BROKEN_SCHEMA = """\
version: 1
channels:
  missing-ca:
    type: email
    host: mail.plant.example
    tls: starttls
    ca_file: certs/nowhere.pem
    sender: obeya@plant.example
    to: [ops@plant.example]
  not-pem:
    type: email
    host: mail.plant.example
    ca_file: notes.txt
    sender: obeya@plant.example
    to: [ops@plant.example]
  typo:
    type: email
    host: mail.plant.example
    tls: ssl
    sender: obeya@plant.example
    to: [ops@plant.example]
rules:
  - id: otd-red
    kind: kpi_red
    kpis: [otd]
    channels: [missing-ca, not-pem, typo]
"""

CA_FIX = (
    "give the PEM file holding the CA certificate(s) that signed the mail server's "
    "certificate, absolute or relative to the rules file"
)


def test_a_ca_file_that_is_missing_or_not_pem_is_refused_with_its_line(
    tmp_path: Path,
) -> None:
    (tmp_path / "notes.txt").write_text("the relay's CA is on the wiki\n", encoding="utf-8")
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN_SCHEMA, encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        load_rules(path)
    lines = str(caught.value).splitlines()
    assert lines[0] == f"alert rules {path} have 3 problems"
    assert lines[1] == (
        f"{path}:7: channel 'missing-ca'.ca_file: the CA bundle {tmp_path}/certs/nowhere.pem "
        f"does not exist; {CA_FIX} (got 'certs/nowhere.pem')"
    )
    assert lines[2].startswith(
        f"{path}:13: channel 'not-pem'.ca_file: the CA bundle {tmp_path}/notes.txt holds no "
        "usable PEM certificate ("
    )
    assert lines[2].endswith(f"); {CA_FIX} (got 'notes.txt')")
    assert lines[3] == (
        f"{path}:19: channel 'typo'.tls: Input should be 'starttls', 'implicit' or 'none' "
        "(got 'ssl')"
    )


BROKEN_SEMANTICS = """\
version: 1
channels:
  both:
    type: email
    host: mail.plant.example
    tls: implicit
    starttls: true
    sender: obeya@plant.example
    to: [ops@plant.example]
  unused-ca:
    type: email
    host: mail.plant.example
    starttls: false
    ca_file: plant-ca.pem
    sender: obeya@plant.example
    to: [ops@plant.example]
  plain-with-ca:
    type: email
    host: mail.plant.example
    tls: none
    ca_file: plant-ca.pem
    sender: obeya@plant.example
    to: [ops@plant.example]
rules:
  - id: otd-red
    kind: kpi_red
    kpis: [otd]
    channels: [both, unused-ca, plain-with-ca]
"""


def test_tls_settings_that_contradict_are_refused_with_their_line(pki: Pki, tmp_path: Path) -> None:
    shutil.copy(pki.plant_ca, tmp_path / "plant-ca.pem")
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN_SEMANTICS, encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        load_rules(path)
    unused = "so it would never be used; set tls: starttls or tls: implicit, or remove ca_file"
    assert str(caught.value).splitlines() == [
        f"alert rules {path} have 3 problems",
        f"{path}:7: channel 'both'.starttls: both tls (implicit) and its older spelling "
        "starttls (true) are given; keep tls only",
        f"{path}:14: channel 'unused-ca'.ca_file: a CA bundle is given but the channel sends "
        f"in plain text (starttls: false), {unused}",
        f"{path}:21: channel 'plain-with-ca'.ca_file: a CA bundle is given but the channel "
        f"sends in plain text (tls: none), {unused}",
    ]


def test_the_docs_example_loads(pki: Pki, tmp_path: Path) -> None:
    """The TLS example of docs/alerts.md is a valid rules file once its CA bundle exists."""
    docs = Path(__file__).resolve().parents[2] / "docs" / "alerts.md"
    text = docs.read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, flags=re.DOTALL)
    (example,) = [b for b in blocks if "ca_file:" in b]
    (tmp_path / "certs").mkdir()
    shutil.copy(pki.plant_ca, tmp_path / "certs" / "plant-ca.pem")
    rules = _load(tmp_path, example)
    modes = {
        name: c.tls_mode for name, c in rules.spec.channels.items() if isinstance(c, EmailChannel)
    }
    assert modes == {"plant-relay": SmtpTls.STARTTLS, "group-relay": SmtpTls.IMPLICIT}
    for name in EmailChannel.model_fields:  # every key of an e-mail channel is documented
        assert f"`{name}`" in text, name
