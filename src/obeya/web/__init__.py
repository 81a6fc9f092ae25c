"""The web war room: server-rendered pages, the REST API under /api/v1, users and roles.

``create_app(Settings.build(warehouse=...))`` builds the app; ``obeya serve`` runs
it. Parts of the war room register through :class:`Registry` (built-ins and
extensions alike); see ``docs/web.md``.
"""

from obeya.web.app import create_app
from obeya.web.auth import Auth, LoginLimiter, Principal, Role
from obeya.web.registry import NavItem, Part, Registry
from obeya.web.settings import SETTINGS, CookieSecure, Setting, Settings, settings_table
from obeya.web.store import AuditEntry, Store

__all__ = [
    "SETTINGS",
    "AuditEntry",
    "Auth",
    "CookieSecure",
    "LoginLimiter",
    "NavItem",
    "Part",
    "Principal",
    "Registry",
    "Role",
    "Setting",
    "Settings",
    "Store",
    "create_app",
    "settings_table",
]
