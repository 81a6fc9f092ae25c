"""The web app's settings, as data: each one a name, a default, a type and a help text.

Settings are listed in :data:`SETTINGS` (one place) so they can be shown by the
app, checked when the app starts and documented in ``docs/web.md`` without a
second copy that could drift (datasette's ``SETTINGS`` habit). :class:`Settings`
holds the values; :meth:`Settings.build` checks them and names the bad one.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum
from pathlib import Path
from typing import Any

from obeya.errors import ConfigError
from obeya.warehouse import Backend, WarehouseUrl, resolve_url

__all__ = ["SETTINGS", "CookieSecure", "Setting", "Settings", "settings_table"]

STORE_FILE = "obeya-web.sqlite"


class CookieSecure(StrEnum):
    """When the session cookie carries the ``Secure`` flag."""

    AUTO = "auto"  # when the request came over https (directly or via the proxy's scheme)
    ALWAYS = "always"
    NEVER = "never"


@dataclass(frozen=True, slots=True)
class Setting:
    """One setting: its name, default, Python type and what it is for."""

    name: str
    default: Any
    kind: type
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "warehouse",
        None,
        str,
        "DuckDB file or postgresql:// URL (default: OBEYA_WAREHOUSE, then ./obeya.duckdb).",
    ),
    Setting(
        "store",
        None,
        str,
        f"SQLite file holding users, sessions, tokens and the audit log (default: {STORE_FILE} beside a DuckDB warehouse, else in the current folder).",
    ),
    Setting(
        "briefings_dir",
        None,
        str,
        "Folder of the briefing archive (default: briefings/ beside the warehouse).",
    ),
    Setting("session_hours", 12, int, "Hours a login stays valid."),
    Setting(
        "cookie_secure",
        CookieSecure.AUTO,
        CookieSecure,
        "Secure flag of the session cookie: auto (when served over https), always or never.",
    ),
    Setting(
        "login_attempts",
        5,
        int,
        "Failed logins allowed per user and client address within the window.",
    ),
    Setting("login_window_seconds", 300, int, "The login rate-limit window, in seconds."),
    Setting("max_upload_mb", 200, int, "Largest upload accepted on the data loads page, in MB."),
    Setting("sql_max_rows", 10_000, int, "Rows the SQL console returns at most."),
    Setting("drill_max_rows", 500, int, "Rows a drill-down returns at most."),
    Setting(
        "prewarm",
        True,
        bool,
        "Compute the default scorecard in the background at start and after each change, so the first viewer does not wait.",
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}


@dataclass(frozen=True)
class Settings:
    """The settings of one app; build with :meth:`build` so the values are checked."""

    warehouse: str | None = None
    store: str | None = None
    briefings_dir: str | None = None
    session_hours: int = 12
    cookie_secure: CookieSecure = CookieSecure.AUTO
    login_attempts: int = 5
    login_window_seconds: int = 300
    max_upload_mb: int = 200
    sql_max_rows: int = 10_000
    drill_max_rows: int = 500
    prewarm: bool = True

    @classmethod
    def build(cls, **values: Any) -> Settings:
        """Settings from keyword values (strings are converted); unknown names are refused."""
        converted: dict[str, Any] = {}
        for name, value in values.items():
            if name not in _BY_NAME:
                known = ", ".join(_BY_NAME)
                raise ConfigError(f"unknown web setting {name!r}; known settings: {known}")
            if value is None:
                continue
            converted[name] = _convert(_BY_NAME[name], value)
        settings = cls(**converted)
        settings.check()
        return settings

    def with_values(self, **values: Any) -> Settings:
        return Settings.build(**{**self.as_dict(), **values})

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name in _BY_NAME}

    def check(self) -> None:
        for name in ("session_hours", "login_attempts", "login_window_seconds", "max_upload_mb"):
            if getattr(self, name) < 1:
                raise ConfigError(
                    f"web setting {name} is {getattr(self, name)}; it must be 1 or more"
                )
        for name in ("sql_max_rows", "drill_max_rows"):
            if getattr(self, name) < 1:
                raise ConfigError(
                    f"web setting {name} is {getattr(self, name)}; it must be 1 or more"
                )
        url = self.warehouse_url
        if url.backend is Backend.DUCKDB and url.target == ":memory:":
            raise ConfigError(
                "the web app needs a warehouse file or server, not :memory: "
                "(it opens the warehouse for each request); give a DuckDB file path"
            )

    # ------------------------------------------------------------------ derived paths
    @property
    def warehouse_url(self) -> WarehouseUrl:
        return resolve_url(self.warehouse)

    @property
    def store_path(self) -> Path:
        if self.store:
            return Path(self.store)
        folder = self.warehouse_url.folder
        return (folder if folder is not None else Path.cwd()) / STORE_FILE

    @property
    def briefings_path(self) -> Path:
        if self.briefings_dir:
            return Path(self.briefings_dir)
        folder = self.warehouse_url.folder
        return (folder if folder is not None else Path.cwd()) / "briefings"


def _convert(setting: Setting, value: Any) -> Any:
    if isinstance(value, bool) and setting.kind is not bool:
        raise ConfigError(
            f"web setting {setting.name}: {value!r} is not a valid {setting.kind.__name__}"
        )
    if isinstance(value, setting.kind):
        return value
    try:
        if setting.kind is bool and isinstance(value, str):
            lowered = value.strip().lower()
            if lowered in ("true", "1", "yes", "on"):
                return True
            if lowered in ("false", "0", "no", "off"):
                return False
            raise ValueError(value)
        if setting.kind is int and isinstance(value, str):
            return int(value)
        if issubclass(setting.kind, StrEnum):
            return setting.kind(value)
        if setting.kind is str:
            return str(value)
    except ValueError:
        pass
    raise ConfigError(
        f"web setting {setting.name}: {value!r} is not a valid {setting.kind.__name__}"
    )


def settings_table() -> list[dict[str, str]]:
    """Every setting as name, default and help (for the docs and the about page)."""
    return [
        {
            "name": s.name,
            "default": "" if s.default is None else str(s.default),
            "help": s.help,
        }
        for s in SETTINGS
    ]
