"""What the web app's security needs to know, built once from the settings."""

from __future__ import annotations

import hmac
import logging
import secrets
from dataclasses import dataclass, field
from typing import Literal

from flexledger.config import Settings
from flexledger.domain.passwords import PasswordHash, parse_hash, verify_password
from flexledger.web.security.sessions import Session, SessionCodec
from flexledger.web.security.throttle import LoginThrottle

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Guard:
    """The app's credentials, session codec and login throttle.

    Attributes:
        codec: signs session cookies and derives CSRF tokens.
        throttle: counts failed logins.
        password: the admin password hash, when configured.
        api_token: the bearer token for scripts, when configured.
        allowed_hosts: Host names answered (``*`` for any).
        cookie_secure: when the session cookie is marked Secure.
    """

    codec: SessionCodec
    throttle: LoginThrottle = field(default_factory=LoginThrottle)
    password: PasswordHash | None = None
    api_token: str | None = None
    allowed_hosts: frozenset[str] = frozenset({"*"})
    cookie_secure: Literal["auto", "always", "never"] = "auto"

    @classmethod
    def from_settings(cls, settings: Settings) -> Guard:
        """The guard for `settings` (a random session secret when none is set)."""
        secret = (
            settings.flexledger_session_secret.get_secret_value().encode()
            if settings.flexledger_session_secret
            else secrets.token_bytes(32)
        )
        password = settings.flexledger_admin_password_hash
        token = settings.flexledger_api_token
        guard = cls(
            codec=SessionCodec(
                secret, max_age_seconds=int(settings.flexledger_session_hours * 3600)
            ),
            password=parse_hash(password.get_secret_value()) if password else None,
            api_token=token.get_secret_value() if token else None,
            allowed_hosts=settings.allowed_hosts,
            cookie_secure=settings.flexledger_cookie_secure,
        )
        _log.info(
            "web authentication %s (password: %s, API token: %s)",
            "on" if guard.auth_enabled else "off",
            "set" if guard.password else "unset",
            "set" if guard.api_token else "unset",
        )
        return guard

    @property
    def auth_enabled(self) -> bool:
        """Whether every route but /health needs a session or the token."""
        return self.password is not None or self.api_token is not None

    def bearer_matches(self, supplied: str) -> bool:
        """Whether `supplied` is the API token (constant-time)."""
        if self.api_token is None:
            return False
        return hmac.compare_digest(
            self.api_token.encode(), supplied.encode("utf-8", "replace")
        )

    def password_matches(self, supplied: str) -> bool:
        """Whether `supplied` signs in: the admin password, or else the API token.

        With only a token configured, the login page takes the token, so the UI
        stays usable without a password.
        """
        if not supplied:
            return False
        if self.password is not None and verify_password(supplied, self.password):
            return True
        return self.bearer_matches(supplied)


@dataclass(slots=True)
class RequestSecurity:
    """What the middleware found out about one request; pages read and change it.

    Attributes:
        guard: the app's guard.
        session: the browser's session (a new one when it sent none).
        bearer: the request carried the right API token.
        session_changed: the response must set the session cookie.
    """

    guard: Guard
    session: Session
    bearer: bool = False
    session_changed: bool = False

    @property
    def authenticated(self) -> bool:
        """Signed in, by session or by token (always true with auth off)."""
        return not self.guard.auth_enabled or self.bearer or self.session.authenticated

    @property
    def csrf_token(self) -> str:
        """The token this session's forms carry."""
        return self.guard.codec.csrf_token(self.session)

    def replace_session(self, session: Session) -> None:
        """Start a new session (sign-in, sign-out): a new id, a new CSRF token."""
        self.session = session
        self.session_changed = True
