"""Settings are data: one list, checked when the app is built, documented in docs/web.md."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from obeya.errors import ConfigError
from obeya.web import SETTINGS, Settings, settings_table

DOCS = Path(__file__).resolve().parents[2] / "docs" / "web.md"


def test_every_setting_is_a_field_with_the_listed_default() -> None:
    defaults = {f.name: f.default for f in fields(Settings)}
    assert [s.name for s in SETTINGS] == list(defaults)
    for setting in SETTINGS:
        assert defaults[setting.name] == setting.default, setting.name


def test_strings_are_converted_and_checked() -> None:
    settings = Settings.build(
        warehouse="/tmp/x.duckdb", session_hours="8", prewarm="false", cookie_secure="always"
    )
    assert (settings.session_hours, settings.prewarm, settings.cookie_secure.value) == (
        8,
        False,
        "always",
    )
    assert settings.store_path == Path("/tmp/obeya-web.sqlite")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"sesion_hours": 1}, "unknown web setting 'sesion_hours'"),
        ({"session_hours": "eight"}, "session_hours: 'eight' is not a valid int"),
        ({"session_hours": 0}, "session_hours is 0; it must be 1 or more"),
        ({"cookie_secure": "sometimes"}, "cookie_secure: 'sometimes' is not a valid CookieSecure"),
        ({"login_attempts": True}, "login_attempts: True is not a valid int"),
        ({"warehouse": ":memory:"}, "needs a warehouse file or server"),
    ],
)
def test_bad_settings_are_refused_by_name(values: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.build(**{"warehouse": "/tmp/x.duckdb", **values})


def test_every_setting_is_documented() -> None:
    text = DOCS.read_text()
    for row in settings_table():
        assert f"`{row['name']}`" in text, f"docs/web.md does not document {row['name']}"
