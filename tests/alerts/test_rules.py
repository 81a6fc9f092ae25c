"""Alert rules files: three stages of checks, every problem reported with file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from obeya.alerts import AlertKind, EmailChannel, KpiRedRule, load_rules
from obeya.errors import ConfigError, SpecError
from obeya.metrics import Dimension
from tests.alerts.helpers import rules_text


def test_a_valid_file(tmp_path: Path) -> None:
    path = tmp_path / "alerts.yaml"
    path.write_text(rules_text(2525, "http://127.0.0.1:9/x"), encoding="utf-8")
    rules = load_rules(path)
    assert rules.spec.base_url == "https://obeya.example.com"
    mail = rules.spec.channels["ops-mail"]
    assert isinstance(mail, EmailChannel)
    assert (mail.port, mail.starttls, mail.password_env) == (2525, False, "TEST_SMTP_PASSWORD")
    first = rules.rule("otd-red")
    assert isinstance(first, KpiRedRule)
    assert (first.kind, first.kpis, first.by) == (AlertKind.KPI_RED, ("otd",), Dimension.SITE)
    assert rules.where("otd-red") == f"{path}:18"  # the line of the rule's first key
    assert rules.where("late-suppliers") == f"{path}:23"


BROKEN = """\
version: 1
channels:
  mail:
    type: email
    host: smtp.example.com
    sender: obeya@example.com
    to: [ops@example.com]
    password: hunter2
  hook:
    type: webhok
    url: https://hooks.example.com/x
rules:
  - id: otd-red
    kind: kpi_red
    kpis: [otd]
    channels: [mail]
  - id: stock
    kind: stockout_within
    channels: [mail]
  - id: spc
    kind: spc_signl
    channels: [mail]
"""


def test_every_problem_at_once_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        load_rules(path)
    assert str(caught.value).splitlines() == [
        f"alert rules {path} have 4 problems",
        # a secret written in the file is refused: credentials come from the environment
        f"{path}:8: channel 'mail'.password: unknown key (not allowed here); check the spelling or remove it",
        f"{path}:10: channel 'hook'.type: 'webhok' is not known; use one of email, webhook",
        f"{path}:17: rule 'stock'.weeks: required key is missing; add it",
        f"{path}:21: rule 'spc'.kind: 'spc_signl' is not known; use one of "
        "kpi_red, spc_signal, stockout_within, supplier_otd_below",
    ]


def test_semantic_rules(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text(
        "channels:\n  mail: {type: webhook, url: 'https://h.example.com'}\nrules:\n"
        "  - {id: a, kind: kpi_red, kpis: [otd], channels: [mail]}\n"
        "  - {id: a, kind: kpi_red, kpis: [otif], channels: [pager]}\n",
        encoding="utf-8",
    )
    with pytest.raises(SpecError) as caught:
        load_rules(path)
    assert str(caught.value).splitlines()[1:] == [
        f"{path}:5: rule 'a'.id: id 'a' is used by rule #1 too; ids must be unique",
        f"{path}:5: rule 'a'.channels.0: channel 'pager' is not defined under channels (defined: mail)",
    ]


def test_syntax_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("rules: [\n", encoding="utf-8")
    with pytest.raises(SpecError, match=rf"^{path}:2: invalid YAML"):
        load_rules(path)
    with pytest.raises(ConfigError, match="cannot read the alert rules"):
        load_rules(tmp_path / "missing.yaml")
