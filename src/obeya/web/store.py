"""The web app's own records: users, sessions, API tokens and the audit log.

They live in a small SQLite file of their own (``obeya-web.sqlite`` beside a DuckDB
warehouse, or the ``store`` setting), not in the warehouse: the server opens the
warehouse only for the length of a request (so the CLI can load data while the
server runs), the records must work the same for a DuckDB or a PostgreSQL
warehouse, and a user table has no place among the operations data. Every
statement is parameterised; only hashes of passwords, session ids and tokens are
kept.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from obeya.errors import ConfigError

__all__ = ["AuditEntry", "Store", "StoredToken", "StoredUser"]

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS web_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS web_users (
        name TEXT PRIMARY KEY,
        role TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        active INTEGER NOT NULL DEFAULT 1)""",
    """CREATE TABLE IF NOT EXISTS web_sessions (
        id_hash TEXT PRIMARY KEY,
        user_name TEXT NOT NULL REFERENCES web_users(name),
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS web_tokens (
        token_id TEXT PRIMARY KEY,
        user_name TEXT NOT NULL REFERENCES web_users(name),
        secret_hash TEXT NOT NULL,
        label TEXT NOT NULL,
        created_at TEXT NOT NULL,
        last_used_at TEXT)""",
    """CREATE TABLE IF NOT EXISTS audit_log (
        entry_id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        user_name TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        detail TEXT NOT NULL)""",
)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


@dataclass(frozen=True, slots=True)
class StoredUser:
    name: str
    role: str
    password_hash: str
    created_at: datetime
    active: bool


@dataclass(frozen=True, slots=True)
class StoredToken:
    token_id: str
    user_name: str
    secret_hash: str
    label: str
    created_at: datetime
    last_used_at: datetime | None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    entry_id: int
    at: datetime
    user: str
    action: str
    target: str
    detail: str


class Store:
    """The SQLite file of users, sessions, tokens and the audit log."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if not path.parent.exists():
            raise ConfigError(
                f"cannot create the web store {path}: folder {path.parent} does not exist"
            )
        plain = sqlite3.connect(path, timeout=10)
        try:
            plain.execute("PRAGMA journal_mode=WAL")
        finally:
            plain.close()
        with self._connect() as con:
            for ddl in _SCHEMA:
                con.execute(ddl)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        con = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        try:
            con.execute("PRAGMA foreign_keys=ON")
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")
        finally:
            con.close()

    # ------------------------------------------------------------------ meta
    def meta(self, key: str) -> str | None:
        with self._connect() as con:
            row = con.execute("SELECT value FROM web_meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def meta_or_set(self, key: str, value: str) -> str:
        """The stored value of ``key``; ``value`` is stored first when there is none."""
        with self._connect() as con:
            con.execute("INSERT OR IGNORE INTO web_meta VALUES (?, ?)", (key, value))
            row = con.execute("SELECT value FROM web_meta WHERE key = ?", (key,)).fetchone()
        return str(row[0])

    # ------------------------------------------------------------------ users
    def add_user(self, name: str, role: str, password_hash: str) -> None:
        with self._connect() as con:
            if con.execute("SELECT 1 FROM web_users WHERE name = ?", (name,)).fetchone():
                raise ConfigError(
                    f"user {name!r} already exists; choose another name, or change the user's "
                    "role or password on the users page"
                )
            con.execute(
                "INSERT INTO web_users VALUES (?, ?, ?, ?, 1)",
                (name, role, password_hash, _now().isoformat()),
            )

    def user(self, name: str) -> StoredUser | None:
        with self._connect() as con:
            row = con.execute(
                "SELECT name, role, password_hash, created_at, active FROM web_users WHERE name = ?",
                (name,),
            ).fetchone()
        return None if row is None else _user(row)

    def users(self) -> list[StoredUser]:
        with self._connect() as con:
            rows = con.execute(
                "SELECT name, role, password_hash, created_at, active FROM web_users ORDER BY name"
            ).fetchall()
        return [_user(r) for r in rows]

    def update_user(
        self,
        name: str,
        *,
        role: str | None = None,
        password_hash: str | None = None,
        active: bool | None = None,
    ) -> None:
        with self._connect() as con:
            if role is not None:
                con.execute("UPDATE web_users SET role = ? WHERE name = ?", (role, name))
            if password_hash is not None:
                con.execute(
                    "UPDATE web_users SET password_hash = ? WHERE name = ?", (password_hash, name)
                )
            if active is not None:
                con.execute("UPDATE web_users SET active = ? WHERE name = ?", (int(active), name))
                if not active:  # a disabled user is logged out everywhere
                    con.execute("DELETE FROM web_sessions WHERE user_name = ?", (name,))

    # ------------------------------------------------------------------ sessions
    def add_session(self, id_hash: str, user: str, hours: int) -> None:
        now = _now()
        with self._connect() as con:
            con.execute("DELETE FROM web_sessions WHERE expires_at < ?", (now.isoformat(),))
            con.execute(
                "INSERT INTO web_sessions VALUES (?, ?, ?, ?)",
                (id_hash, user, now.isoformat(), (now + timedelta(hours=hours)).isoformat()),
            )

    def session_user(self, id_hash: str) -> str | None:
        with self._connect() as con:
            row = con.execute(
                "SELECT user_name FROM web_sessions WHERE id_hash = ? AND expires_at >= ?",
                (id_hash, _now().isoformat()),
            ).fetchone()
        return None if row is None else str(row[0])

    def drop_session(self, id_hash: str) -> None:
        with self._connect() as con:
            con.execute("DELETE FROM web_sessions WHERE id_hash = ?", (id_hash,))

    # ------------------------------------------------------------------ tokens
    def add_token(self, token_id: str, user: str, secret_hash: str, label: str) -> None:
        with self._connect() as con:
            con.execute(
                "INSERT INTO web_tokens VALUES (?, ?, ?, ?, ?, NULL)",
                (token_id, user, secret_hash, label, _now().isoformat()),
            )

    def token(self, token_id: str) -> StoredToken | None:
        with self._connect() as con:
            row = con.execute(
                "SELECT token_id, user_name, secret_hash, label, created_at, last_used_at "
                "FROM web_tokens WHERE token_id = ?",
                (token_id,),
            ).fetchone()
        return None if row is None else _token(row)

    def tokens(self, user: str | None = None) -> list[StoredToken]:
        sql = (
            "SELECT token_id, user_name, secret_hash, label, created_at, last_used_at "
            "FROM web_tokens"
        )
        with self._connect() as con:
            if user is None:
                rows = con.execute(sql + " ORDER BY created_at, token_id").fetchall()
            else:
                rows = con.execute(
                    sql + " WHERE user_name = ? ORDER BY created_at, token_id", (user,)
                ).fetchall()
        return [_token(r) for r in rows]

    def touch_token(self, token_id: str) -> None:
        with self._connect() as con:
            con.execute(
                "UPDATE web_tokens SET last_used_at = ? WHERE token_id = ?",
                (_now().isoformat(), token_id),
            )

    def drop_token(self, token_id: str) -> bool:
        with self._connect() as con:
            cur = con.execute("DELETE FROM web_tokens WHERE token_id = ?", (token_id,))
        return cur.rowcount > 0

    # ------------------------------------------------------------------ audit
    def add_audit(self, user: str, action: str, target: str, detail: str) -> AuditEntry:
        at = _now()
        with self._connect() as con:
            cur = con.execute(
                "INSERT INTO audit_log (at, user_name, action, target, detail) VALUES (?, ?, ?, ?, ?)",
                (at.isoformat(), user, action, target, detail),
            )
            entry_id = int(cur.lastrowid or 0)
        return AuditEntry(entry_id, at, user, action, target, detail)

    def audit(self, limit: int = 200, user: str | None = None) -> list[AuditEntry]:
        sql = "SELECT entry_id, at, user_name, action, target, detail FROM audit_log"
        with self._connect() as con:
            if user is None:
                rows = con.execute(sql + " ORDER BY entry_id DESC LIMIT ?", (limit,)).fetchall()
            else:
                rows = con.execute(
                    sql + " WHERE user_name = ? ORDER BY entry_id DESC LIMIT ?", (user, limit)
                ).fetchall()
        return [
            AuditEntry(int(r[0]), datetime.fromisoformat(r[1]), r[2], r[3], r[4], r[5])
            for r in rows
        ]


def _user(row: tuple[str, str, str, str, int]) -> StoredUser:
    return StoredUser(row[0], row[1], row[2], datetime.fromisoformat(row[3]), bool(row[4]))


def _token(row: tuple[str, str, str, str, str, str | None]) -> StoredToken:
    return StoredToken(
        row[0],
        row[1],
        row[2],
        row[3],
        datetime.fromisoformat(row[4]),
        None if row[5] is None else datetime.fromisoformat(row[5]),
    )
