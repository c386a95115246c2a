"""The signed session cookie and the CSRF token derived from it.

Every browser gets a session, signed in or not: its random id is what the CSRF
token of its forms is bound to (a synchronizer token, RELIABILITY C "CSRF"). The
cookie holds only ``{"sid": …, "auth": bool}``, signed and timestamped by
itsdangerous; nothing secret is in it and nothing is stored server-side.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE_NAME = "flexledger_session"
_SALT = "flexledger.session.v1"


@dataclass(frozen=True, slots=True)
class Session:
    """One browser's session.

    Attributes:
        sid: a random id; a new one on sign-in and sign-out (no fixation).
        authenticated: whether this browser signed in.
        from_cookie: the browser sent it (a new session cannot pass a CSRF check).
    """

    sid: str
    authenticated: bool = False
    from_cookie: bool = False

    @classmethod
    def new(cls, *, authenticated: bool = False) -> Session:
        """A fresh session with a new random id."""
        return cls(sid=secrets.token_urlsafe(24), authenticated=authenticated)


class SessionCodec:
    """Signs and checks session cookies, and derives CSRF tokens, with one secret."""

    def __init__(self, secret: bytes, *, max_age_seconds: int) -> None:
        self._secret = secret
        self._serializer = URLSafeTimedSerializer(secret, salt=_SALT)
        self.max_age_seconds = max_age_seconds

    def dumps(self, session: Session) -> str:
        """The cookie value for `session`."""
        return self._serializer.dumps(
            {"sid": session.sid, "auth": session.authenticated}
        )

    def loads(self, value: str) -> Session | None:
        """The session in a cookie value; None if forged, expired or malformed."""
        try:
            data = self._serializer.loads(value, max_age=self.max_age_seconds)
        except BadSignature:  # SignatureExpired is one too
            return None
        if not isinstance(data, dict):
            return None
        sid, auth = data.get("sid"), data.get("auth")
        if not isinstance(sid, str) or not sid or not isinstance(auth, bool):
            return None
        return Session(sid=sid, authenticated=auth, from_cookie=True)

    def csrf_token(self, session: Session) -> str:
        """The token every form of this session carries."""
        digest = hmac.new(
            self._secret, b"csrf:" + session.sid.encode(), hashlib.sha256
        ).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def csrf_matches(self, session: Session, supplied: str | None) -> bool:
        """Whether `supplied` is this session's token (constant-time)."""
        if not supplied or not session.from_cookie:
            return False
        return hmac.compare_digest(
            self.csrf_token(session).encode(), supplied.encode("utf-8", "replace")
        )
