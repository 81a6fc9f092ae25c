"""Users, roles, passwords, sessions, CSRF tokens, API tokens and login rate limits.

- Passwords are hashed with Argon2id (``argon2-cffi``'s defaults, RFC 9106); a
  hash made with older parameters is replaced at the next good login.
- A session is a random id; the cookie holds it signed with the app's secret
  (``itsdangerous``), the store keeps only its SHA-256, so a stolen store cannot be
  replayed as cookies. The cookie is HttpOnly, SameSite=Lax and Secure when served
  over https (setting ``cookie_secure``).
- Every form carries a CSRF token: an HMAC of the session id (or, before login, of
  a random pre-session id held in its own cookie), checked on every unsafe request
  that a cookie authenticates. Requests with an API token carry no ambient
  credential and need none.
- An API token is ``obeya_<id>_<secret>``; the store keeps the id and the SHA-256 of
  the secret (a 256-bit random secret needs no slow hash) and the token is shown
  once.
- Failed logins are counted per user name and client address in a sliding window;
  past the limit the login answers 429 until the window has passed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import assert_never

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, URLSafeSerializer

from obeya.errors import ConfigError
from obeya.web.store import Store, StoredUser

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "Auth",
    "LoginLimiter",
    "Principal",
    "Role",
    "check_user_name",
]

MIN_PASSWORD_LENGTH = 10
TOUCH_EVERY = timedelta(minutes=1)
API_KEY_PREFIX = "obeya_"
_hasher = PasswordHasher()


class Role(StrEnum):
    """What a user may do; each role may do everything the roles below it may."""

    VIEWER = "viewer"  # read every page and the API
    ANALYST = "analyst"  # run forecasts, plans and scenarios; the SQL console
    ADMIN = "admin"  # loads, targets and users

    @property
    def rank(self) -> int:
        match self:
            case Role.VIEWER:
                return 1
            case Role.ANALYST:
                return 2
            case Role.ADMIN:
                return 3
            case _:
                assert_never(self)

    def allows(self, needed: Role) -> bool:
        return self.rank >= needed.rank

    @classmethod
    def parse(cls, value: str) -> Role:
        try:
            return cls(value)
        except ValueError:
            known = ", ".join(r.value for r in cls)
            raise ConfigError(f"unknown role {value!r}; use one of {known}") from None


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is making a request, and how they proved it."""

    user: str
    role: Role
    via: str  # "session" or "token"
    session_id: str | None = None


def check_user_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned or len(cleaned) > 64 or not all(c.isalnum() or c in "._-@" for c in cleaned):
        raise ConfigError(
            f"user name {name!r} is not allowed; use 1 to 64 letters, digits and . _ - @"
        )
    return cleaned


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ConfigError(
            f"the password has {len(password)} characters; use at least {MIN_PASSWORD_LENGTH}"
        )


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class LoginLimiter:
    """Failed logins per (user, client) in a sliding window; thread-safe, in memory."""

    def __init__(self, attempts: int, window_seconds: int) -> None:
        self.attempts = attempts
        self.window = float(window_seconds)
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and now - times[0] >= self.window:
            times.popleft()
        return times

    def retry_after(self, user: str, client: str) -> int | None:
        """Seconds until a new try is allowed, or None when the client may try now."""
        now = time.monotonic()
        with self._lock:
            times = self._recent((user.lower(), client), now)
            if len(times) < self.attempts:
                return None
            return max(1, int(self.window - (now - times[0])) + 1)

    def failed(self, user: str, client: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._recent((user.lower(), client), now).append(now)

    def succeeded(self, user: str, client: str) -> None:
        with self._lock:
            self._failures.pop((user.lower(), client), None)


class Auth:
    """Authentication over a :class:`Store`: users, sessions, CSRF and API tokens."""

    def __init__(self, store: Store, session_hours: int) -> None:
        self.store = store
        self.session_hours = session_hours
        secret = store.meta_or_set("secret_key", secrets.token_urlsafe(48))
        self._secret = secret.encode()
        self._cookies = URLSafeSerializer(secret, salt="obeya-session")

    # ------------------------------------------------------------------ users
    def add_user(self, name: str, role: Role, password: str) -> StoredUser:
        name = check_user_name(name)
        _check_password(password)
        self.store.add_user(name, role.value, _hasher.hash(password))
        user = self.store.user(name)
        assert user is not None
        return user

    def set_password(self, name: str, password: str) -> None:
        _check_password(password)
        self._existing(name)
        self.store.update_user(name, password_hash=_hasher.hash(password))

    def set_role(self, name: str, role: Role) -> None:
        self._existing(name)
        self.store.update_user(name, role=role.value)

    def set_active(self, name: str, active: bool) -> None:
        self._existing(name)
        self.store.update_user(name, active=active)

    def _existing(self, name: str) -> StoredUser:
        user = self.store.user(name)
        if user is None:
            raise ConfigError(
                f"no user {name!r}; create it with `obeya users add {name} --role ROLE`"
            )
        return user

    def verify(self, name: str, password: str) -> StoredUser | None:
        """The user when the password is right and the user active, else None."""
        user = self.store.user(name)
        if user is None or not user.active:
            # hash anyway so a wrong name costs as long as a wrong password
            _hasher.hash(password)
            return None
        try:
            _hasher.verify(user.password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if _hasher.check_needs_rehash(user.password_hash):
            self.store.update_user(name, password_hash=_hasher.hash(password))
        return user

    # ------------------------------------------------------------------ sessions
    def start_session(self, user: str) -> str:
        """A new session for ``user``; returns the signed cookie value."""
        session_id = secrets.token_urlsafe(32)
        self.store.add_session(_sha256(session_id), user, self.session_hours)
        return self._cookies.dumps(session_id)

    def session_id(self, cookie: str | None) -> str | None:
        """The session id inside a signed cookie value (None when absent or forged)."""
        if not cookie:
            return None
        try:
            value = self._cookies.loads(cookie)
        except BadSignature:
            return None
        return value if isinstance(value, str) else None

    def session_principal(self, cookie: str | None) -> Principal | None:
        session_id = self.session_id(cookie)
        if session_id is None:
            return None
        name = self.store.session_user(_sha256(session_id))
        if name is None:
            return None
        user = self.store.user(name)
        if user is None or not user.active:
            return None
        return Principal(user.name, Role(user.role), "session", session_id)

    def end_session(self, cookie: str | None) -> None:
        session_id = self.session_id(cookie)
        if session_id is not None:
            self.store.drop_session(_sha256(session_id))

    # ------------------------------------------------------------------ CSRF
    def csrf_token(self, bound_to: str) -> str:
        """The CSRF token for a session id (or a pre-session id before login)."""
        return hmac.new(self._secret, b"csrf:" + bound_to.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, bound_to: str | None, token: str | None) -> bool:
        if not bound_to or not token:
            return False
        return hmac.compare_digest(self.csrf_token(bound_to), token)

    def sign(self, value: str, salt: str) -> str:
        return URLSafeSerializer(self._secret.decode(), salt=salt).dumps(value)

    def unsign(self, value: str | None, salt: str) -> str | None:
        if not value:
            return None
        try:
            out = URLSafeSerializer(self._secret.decode(), salt=salt).loads(value)
        except BadSignature:
            return None
        return out if isinstance(out, str) else None

    # ------------------------------------------------------------------ API tokens
    def new_token(self, user: str, label: str = "") -> str:
        """A new API token for ``user``; the only time its secret is seen."""
        self._existing(user)
        token_id = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        self.store.add_token(token_id, user, _sha256(secret), label or "api token")
        return f"{API_KEY_PREFIX}{token_id}_{secret}"

    def token_principal(self, token: str | None) -> Principal | None:
        if not token or not token.startswith(API_KEY_PREFIX):
            return None
        token_id, _, secret = token[len(API_KEY_PREFIX) :].partition("_")
        stored = self.store.token(token_id)
        if stored is None or not hmac.compare_digest(stored.secret_hash, _sha256(secret)):
            return None
        user = self.store.user(stored.user_name)
        if user is None or not user.active:
            return None
        now = datetime.now(UTC).replace(tzinfo=None)
        if stored.last_used_at is None or now - stored.last_used_at > TOUCH_EVERY:
            self.store.touch_token(token_id)  # at most once a minute: a write per call is costly
        return Principal(user.name, Role(user.role), "token")
