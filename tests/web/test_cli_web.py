"""``obeya users`` and ``obeya serve`` through the real command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from obeya.cli import app
from obeya.errors import ConfigError
from obeya.web import Store

runner = CliRunner()


def _args(tmp_path: Path, *args: str) -> list[str]:
    return [*args, "--warehouse", str(tmp_path / "wh.duckdb")]


def test_users_add_reads_the_password_from_stdin(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        _args(tmp_path, "users", "add", "ada", "--role", "admin", "--password-stdin"),
        input="a-long-password\n",
    )
    assert result.exit_code == 0, result.output
    assert "user ada added with role admin" in result.output
    user = Store(tmp_path / "obeya-web.sqlite").user("ada")
    assert user is not None
    assert (user.role, user.password_hash.startswith("$argon2id$")) == ("admin", True)


def test_users_add_prompts_twice_and_refuses_a_mismatch(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        _args(tmp_path, "users", "add", "bob", "--role", "viewer"),
        input="first-password\nsecond-password\nfirst-password\nfirst-password\n",
    )
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output


def test_users_add_refuses_a_short_password(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        _args(tmp_path, "users", "add", "cy", "--role", "viewer", "--password-stdin"),
        input="short\n",
    )
    assert isinstance(result.exception, ConfigError)
    assert "the password has 5 characters; use at least 10" in str(result.exception)
    assert Store(tmp_path / "obeya-web.sqlite").user("cy") is None


def test_unknown_role_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from obeya.cli import main

    with pytest.raises(SystemExit) as exc:
        main(_args(tmp_path, "users", "add", "cy", "--role", "boss", "--password-stdin"))
    assert exc.value.code == 2
    assert "unknown role 'boss'; use one of viewer, analyst, admin" in capsys.readouterr().err


def test_users_list_and_token(tmp_path: Path) -> None:
    runner.invoke(
        app,
        _args(tmp_path, "users", "add", "ann", "--role", "analyst", "--password-stdin"),
        input="a-long-password\n",
    )
    listed = runner.invoke(app, _args(tmp_path, "users", "list", "--format", "csv"))
    assert listed.output.splitlines()[:2] == [
        '"name","role","active","created_at"',
        listed.output.splitlines()[1],
    ]
    assert listed.output.splitlines()[1].startswith('"ann","analyst",true')
    token = runner.invoke(app, _args(tmp_path, "users", "token", "ann"))
    assert token.exit_code == 0
    text = token.stdout.strip()
    assert text.startswith("obeya_")
    stored = Store(tmp_path / "obeya-web.sqlite").tokens("ann")
    assert len(stored) == 1
    assert text.split("_", 2)[2] not in stored[0].secret_hash


def test_serve_binds_to_localhost_by_default() -> None:
    import typer

    command = typer.main.get_command(app)
    serve = command.commands["serve"]  # type: ignore[attr-defined]
    options = {p.name: p.default for p in serve.params}
    assert (options["host"], options["port"]) == ("127.0.0.1", 8000)
