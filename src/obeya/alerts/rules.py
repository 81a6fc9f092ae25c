"""Alert rules in YAML: channels, conditions, and where each one is written.

A rules file (see ``docs/alerts.md``)::

    version: 1
    base_url: https://obeya.example.com      # links in alerts point here
    channels:
      ops-mail:
        type: email
        host: smtp.example.com
        port: 587
        tls: starttls                          # or implicit (port 465), or none
        ca_file: certs/plant-ca.pem            # the company CA (relative to this file)
        username_env: OBEYA_SMTP_USER          # the names of environment variables,
        password_env: OBEYA_SMTP_PASSWORD      # never the secrets themselves
        sender: obeya@example.com
        to: [ops@example.com]
      ops-hook:
        type: webhook
        url: https://hooks.example.com/obeya
        headers_env: {Authorization: OBEYA_HOOK_AUTH}
    rules:
      - id: otd-red-by-site
        kind: kpi_red
        kpis: [otd, otif]
        by: site
        channels: [ops-mail, ops-hook]

Checking runs in three stages: the YAML (syntax, duplicate keys), the schema
(Pydantic, frozen models, unknown keys refused, a CA bundle that exists and holds a
certificate) and the semantic rules (ids unique, channels defined, a secret never
written inline, ``tls`` or ``starttls`` but not both, no CA bundle on a plain-text
channel). Every problem of a file is reported at once, each as ``file:line: where:
what is wrong``, in one :class:`~obeya.errors.SpecError`.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from obeya.errors import ConfigError, SpecError
from obeya.metrics import Dimension
from obeya.yamlspec import Loc, line_of, load_yaml

__all__ = [
    "AlertKind",
    "AlertRules",
    "Channel",
    "ChannelKind",
    "EmailChannel",
    "KpiRedRule",
    "Rule",
    "RulesFile",
    "SmtpTls",
    "SpcSignalRule",
    "StockoutWithinRule",
    "SupplierOtdBelowRule",
    "WebhookChannel",
    "load_rules",
    "parse_rules",
]

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)]
EnvName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=128)]
Address = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+$", max_length=320)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AlertKind(StrEnum):
    """The conditions a rule can watch."""

    KPI_RED = "kpi_red"  # a KPI's status is red (company-wide or for a member)
    SPC_SIGNAL = "spc_signal"  # a characteristic signals on its control chart
    STOCKOUT_WITHIN = "stockout_within"  # projected to run out within N weeks
    SUPPLIER_OTD_BELOW = "supplier_otd_below"  # a supplier's on-time delivery below a level


class ChannelKind(StrEnum):
    EMAIL = "email"
    WEBHOOK = "webhook"


class SmtpTls(StrEnum):
    """How an e-mail channel encrypts its connection to the SMTP server."""

    STARTTLS = "starttls"  # plain connect, then STARTTLS before anything else (port 587)
    IMPLICIT = "implicit"  # TLS from the first byte, "SMTPS" (port 465)
    NONE = "none"  # plain text: only for a relay on a trusted network


_IMPLICIT_TLS_PORT = 465
_SUBMISSION_PORT = 587


class EmailChannel(_Frozen):
    """SMTP delivery; credentials come from the environment variables named here.

    ``tls`` chooses the encryption (:class:`SmtpTls`); ``starttls: true/false`` is its
    older spelling, still read (``true`` is ``tls: starttls``, ``false`` is ``tls:
    none``); with neither, STARTTLS. The server's certificate is always verified,
    against ``ca_file`` (a PEM bundle, e.g. the company's own CA) when given, else
    against the system's trusted CAs. A relative ``ca_file`` is resolved against the
    directory of the rules file (the current directory for a document without one)
    and stored absolute; it must exist and hold at least one certificate.
    """

    type: Literal[ChannelKind.EMAIL]
    host: str = Field(min_length=1)
    port: int = Field(default=_SUBMISSION_PORT, ge=1, le=65535)  # 465 with tls: implicit
    tls: SmtpTls | None = None
    starttls: bool | None = None  # the older spelling of tls; give one or the other
    ca_file: Path | None = None
    username_env: EnvName | None = None
    password_env: EnvName | None = None
    sender: Address
    to: tuple[Address, ...] = Field(min_length=1)
    subject_prefix: str = "[obeya]"
    timeout_seconds: float = Field(default=20.0, gt=0, le=300)

    @model_validator(mode="before")
    @classmethod
    def _default_port(cls, data: Any) -> Any:
        """Implicit TLS listens on 465, not on the submission port 587."""
        if isinstance(data, dict) and "port" not in data and data.get("tls") == SmtpTls.IMPLICIT:
            return {**data, "port": _IMPLICIT_TLS_PORT}
        return data

    @field_validator("ca_file")
    @classmethod
    def _check_ca_file(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        if value is None:
            return None
        context = info.context if isinstance(info.context, dict) else {}
        base = Path(context.get("base_dir") or Path.cwd()).absolute()
        path = value.expanduser()
        path = path if path.is_absolute() else base / path
        fix = (
            "give the PEM file holding the CA certificate(s) that signed the mail server's "
            "certificate, absolute or relative to the rules file"
        )
        if not path.exists():
            raise ValueError(f"the CA bundle {path} does not exist; {fix}")
        if not path.is_file():
            raise ValueError(f"the CA bundle {path} is not a file; {fix}")
        try:
            ssl.create_default_context(cafile=str(path))
        except ssl.SSLError as exc:
            raise ValueError(
                f"the CA bundle {path} holds no usable PEM certificate ({exc.reason or exc}); {fix}"
            ) from None
        except OSError as exc:
            raise ValueError(
                f"the CA bundle {path} cannot be read: {exc.strerror}; {fix}"
            ) from None
        return path

    @property
    def tls_mode(self) -> SmtpTls:
        """The encryption in force: ``tls``, else ``starttls`` read as before."""
        if self.tls is not None:
            return self.tls
        return SmtpTls.NONE if self.starttls is False else SmtpTls.STARTTLS


class WebhookChannel(_Frozen):
    """An HTTP POST of the alert as JSON; header values come from environment variables."""

    type: Literal[ChannelKind.WEBHOOK]
    url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")]
    headers_env: dict[str, EnvName] = Field(default_factory=dict)
    timeout_seconds: float = Field(default=10.0, gt=0, le=300)


Channel = Annotated[EmailChannel | WebhookChannel, Field(discriminator="type")]


class _RuleBase(_Frozen):
    id: Identifier
    channels: tuple[Identifier, ...] = Field(min_length=1)
    description: str = ""


class KpiRedRule(_RuleBase):
    """Red status of KPIs in the period holding the latest data (to date)."""

    kind: Literal[AlertKind.KPI_RED]
    kpis: tuple[Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")], ...] = Field(
        min_length=1
    )
    by: Dimension | None = None
    grain: Literal["week", "month"] = "month"


class SpcSignalRule(_RuleBase):
    """Signals in the last ``within_days`` days, against limits from a year earlier."""

    kind: Literal[AlertKind.SPC_SIGNAL]
    characteristics: tuple[str, ...] = ()  # empty: every characteristic
    within_days: int = Field(default=7, ge=1, le=366)
    reference_weeks: int = Field(default=13, ge=2, le=104)


class StockoutWithinRule(_RuleBase):
    """Series projected to run out within ``weeks`` weeks (per site, or per SKU x site)."""

    kind: Literal[AlertKind.STOCKOUT_WITHIN]
    weeks: int = Field(ge=1, le=52)
    per: Literal["site", "item"] = "site"
    min_revenue_at_risk: float = Field(default=0.0, ge=0)
    sites: tuple[str, ...] = ()


class SupplierOtdBelowRule(_RuleBase):
    """Suppliers whose on-time delivery in the latest period is below ``level``."""

    kind: Literal[AlertKind.SUPPLIER_OTD_BELOW]
    level: float = Field(gt=0, le=1)
    grain: Literal["week", "month"] = "month"
    min_lines: int = Field(default=1, ge=1)
    suppliers: tuple[str, ...] = ()


Rule = Annotated[
    KpiRedRule | SpcSignalRule | StockoutWithinRule | SupplierOtdBelowRule,
    Field(discriminator="kind"),
]


class RulesFile(_Frozen):
    version: Literal[1] = 1
    base_url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")] | None = None
    channels: dict[Identifier, Channel] = Field(min_length=1)
    rules: tuple[Rule, ...] = Field(min_length=1)


@dataclass(frozen=True)
class AlertRules:
    """A checked rules file and the line of every rule (for messages)."""

    spec: RulesFile
    source: str
    lines: Mapping[str, int]

    def where(self, rule_id: str) -> str:
        line = self.lines.get(rule_id)
        return f"{self.source}:{line}" if line is not None else self.source

    def rule(
        self, rule_id: str
    ) -> KpiRedRule | SpcSignalRule | StockoutWithinRule | SupplierOtdBelowRule:
        for r in self.spec.rules:
            if r.id == rule_id:
                return r
        raise ConfigError(f"no rule {rule_id!r} in {self.source}")


# ------------------------------------------------------------------ loading


def _data_loc(data: Any, loc: tuple[Any, ...]) -> Loc:
    """The part of a Pydantic error location that walks the document: union tags are
    dropped, a missing or unknown last key is kept (the message is about it)."""
    out: list[str | int] = []
    here = data
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(here, dict) and part in here:
            out.append(str(part))
            here = here[part]
        elif isinstance(here, list) and isinstance(part, int) and 0 <= part < len(here):
            out.append(part)
            here = here[part]
        elif isinstance(here, dict) and last:
            out.append(str(part))
        elif not isinstance(here, dict):
            break
    return tuple(out)


def _describe(data: Any, loc: Loc) -> str:
    if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
        rules = data.get("rules") if isinstance(data, dict) else None
        rid = (
            rules[loc[1]].get("id")
            if isinstance(rules, list) and isinstance(rules[loc[1]], dict)
            else None
        )
        head = f"rule {rid!r}" if rid else f"rule #{loc[1] + 1}"
        return ".".join([head, *(str(p) for p in loc[2:])])
    if len(loc) >= 2 and loc[0] == "channels":
        return ".".join([f"channel {loc[1]!r}", *(str(p) for p in loc[2:])])
    return ".".join(str(p) for p in loc)


def _channel_problems(spec: RulesFile) -> list[tuple[Loc, str]]:
    problems: list[tuple[Loc, str]] = []
    for name, channel in spec.channels.items():  # a few channels
        if not isinstance(channel, EmailChannel):
            continue
        if channel.tls is not None and channel.starttls is not None:
            problems.append(
                (
                    ("channels", name, "starttls"),
                    f"both tls ({channel.tls.value}) and its older spelling starttls "
                    f"({str(channel.starttls).lower()}) are given; keep tls only",
                )
            )
        elif channel.ca_file is not None and channel.tls_mode is SmtpTls.NONE:
            said = "tls: none" if channel.tls is not None else "starttls: false"
            problems.append(
                (
                    ("channels", name, "ca_file"),
                    f"a CA bundle is given but the channel sends in plain text ({said}), "
                    "so it would never be used; set tls: starttls or tls: implicit, or remove ca_file",
                )
            )
    return problems


def _semantic(spec: RulesFile) -> list[tuple[Loc, str]]:
    problems = _channel_problems(spec)
    seen: dict[str, int] = {}
    for i, rule in enumerate(spec.rules):  # a handful of rules
        if rule.id in seen:
            problems.append(
                (
                    ("rules", i, "id"),
                    f"id {rule.id!r} is used by rule #{seen[rule.id] + 1} too; ids must be unique",
                )
            )
        seen.setdefault(rule.id, i)
        for j, name in enumerate(rule.channels):
            if name not in spec.channels:
                known = ", ".join(sorted(spec.channels))
                problems.append(
                    (
                        ("rules", i, "channels", j),
                        f"channel {name!r} is not defined under channels (defined: {known})",
                    )
                )
    return problems


def parse_rules(
    data: Any,
    source: str,
    lines: Mapping[Loc, int] | None = None,
    dups: list[Loc] | None = None,
    base_dir: str | Path | None = None,
) -> AlertRules:
    """Validate parsed YAML (``lines`` maps key paths to lines) into :class:`AlertRules`.

    ``base_dir`` is where relative paths of the document (``ca_file``) start: the
    rules file's directory; the current directory when not given.
    """
    lines = lines or {}
    if not isinstance(data, dict):
        raise SpecError(f"{source}:1: an alert rules file is a mapping with channels and rules")
    problems: list[tuple[Loc, str]] = [
        (loc, "duplicate key; each key may appear once") for loc in dups or []
    ]
    spec: RulesFile | None = None
    try:
        spec = RulesFile.model_validate(data, context={"base_dir": base_dir})
    except ValidationError as exc:
        for err in exc.errors():
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown key (not allowed here); check the spelling or remove it"
            elif err["type"] == "missing":
                msg = "required key is missing; add it"
            elif err["type"] == "union_tag_invalid":
                ctx = err.get("ctx") or {}
                codes = ChannelKind if err["loc"][:1] == ("channels",) else AlertKind
                msg = (
                    f"{ctx.get('tag')!r} is not known; "
                    f"use one of {', '.join(c.value for c in codes)}"
                )
                key = str(ctx.get("discriminator", "")).strip("'")
                problems.append(((*_data_loc(data, tuple(err["loc"])), key), msg))
                continue
            elif not isinstance(err.get("input"), dict | list):
                msg += f" (got {err.get('input')!r})"
            problems.append((_data_loc(data, tuple(err["loc"])), msg))
    if spec is not None:
        problems += _semantic(spec)
    if problems:
        problems.sort(key=lambda p: line_of(lines, p[0]) or 0)
        out = []
        for loc, msg in problems:
            line = line_of(lines, loc)
            where = f"{source}:{line}" if line is not None else source
            name = _describe(data, loc)
            out.append(f"{where}: {name}: {msg}" if name else f"{where}: {msg}")
        head = f"alert rules {source} have {len(out)} problem{'s' if len(out) != 1 else ''}"
        raise SpecError("\n".join([head, *out]))
    assert spec is not None
    rule_lines = {
        r.id: lines[("rules", i)] for i, r in enumerate(spec.rules) if ("rules", i) in lines
    }
    return AlertRules(spec, source, rule_lines)


def load_rules(path: str | Path) -> AlertRules:
    """Read and check an alert rules file (see the module doc)."""
    p = Path(path)
    data, lines, dups = load_yaml(p, "the alert rules")
    return parse_rules(data, str(p), lines, dups, base_dir=p.parent)
