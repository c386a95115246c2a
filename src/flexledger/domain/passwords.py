"""The admin password hash: scrypt from the standard library.

Why scrypt and not argon2id: scrypt is memory-hard, on OWASP's list of password
hashes, and ships with Python (`hashlib.scrypt`, OpenSSL underneath), so the one
admin password of a self-hosted ledger needs no compiled dependency. The cost
parameters are OWASP's 32 MiB variant (N=2**15, r=8, p=3), about 0.1 s per check.

A hash reads ``scrypt:n=32768,r=8,p=3:<salt>:<key>`` (base64url, no padding). It
has no ``$``, so it survives `.env` files and docker compose interpolation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

SCHEME = "scrypt"
DEFAULT_N = 2**15
DEFAULT_R = 8
DEFAULT_P = 3
_SALT_BYTES = 16
_KEY_BYTES = 32
# Upper bounds on what a stored hash may ask for, so a malformed setting cannot
# make each login attempt allocate gigabytes.
_MAX_N = 2**20
_MAX_RP = 64


@dataclass(frozen=True, slots=True)
class PasswordHash:
    """A parsed hash: the scrypt cost parameters, the salt and the derived key."""

    n: int
    r: int
    p: int
    salt: bytes
    key: bytes

    def encode(self) -> str:
        """The text form stored in `FLEXLEDGER_ADMIN_PASSWORD_HASH`."""
        return (
            f"{SCHEME}:n={self.n},r={self.r},p={self.p}:"
            f"{_b64(self.salt)}:{_b64(self.key)}"
        )


def hash_password(
    password: str, *, n: int = DEFAULT_N, r: int = DEFAULT_R, p: int = DEFAULT_P
) -> str:
    """Hash `password` with a fresh random salt.

    Args:
        password: the password in clear; never stored or logged.
        n: scrypt CPU/memory cost (a power of two).
        r: scrypt block size.
        p: scrypt parallelism.

    Returns:
        The encoded hash.

    Raises:
        ValueError: an empty password or cost parameters out of range.
    """
    if not password:
        raise ValueError("the password is empty")
    _check_costs(n, r, p)
    salt = secrets.token_bytes(_SALT_BYTES)
    return PasswordHash(n, r, p, salt, _derive(password, salt, n, r, p)).encode()


def parse_hash(text: str) -> PasswordHash:
    """Read an encoded hash.

    Raises:
        ValueError: the text is not a hash this module made.
    """
    parts = text.strip().split(":")
    if len(parts) != 4 or parts[0] != SCHEME:
        raise ValueError(
            "is not a password hash made by `flexledger auth hash-password`"
        )
    try:
        costs = dict(item.split("=", 1) for item in parts[1].split(","))
        n, r, p = int(costs["n"]), int(costs["r"]), int(costs["p"])
        salt, key = _unb64(parts[2]), _unb64(parts[3])
    except (KeyError, ValueError) as exc:
        raise ValueError(
            "is not a password hash made by `flexledger auth hash-password`"
        ) from exc
    _check_costs(n, r, p)
    if len(salt) < 8 or len(key) < 16:
        raise ValueError("has a salt or key too short to be one of ours")
    return PasswordHash(n, r, p, salt, key)


def verify_password(password: str, stored: PasswordHash) -> bool:
    """Whether `password` matches `stored` (constant-time comparison)."""
    derived = _derive(password, stored.salt, stored.n, stored.r, stored.p)
    return hmac.compare_digest(derived, stored.key)


def _check_costs(n: int, r: int, p: int) -> None:
    if n < 2 or n & (n - 1) or n > _MAX_N:
        raise ValueError(f"scrypt n must be a power of two up to {_MAX_N}")
    if not (1 <= r <= _MAX_RP and 1 <= p <= _MAX_RP):
        raise ValueError(f"scrypt r and p must be between 1 and {_MAX_RP}")


def _derive(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    # OpenSSL refuses above `maxmem` (32 MiB by default): allow what n and r need.
    memory = 128 * n * r * 2
    return hashlib.scrypt(
        password.encode("utf-8"),
        salt=salt,
        n=n,
        r=r,
        p=p,
        maxmem=memory,
        dklen=_KEY_BYTES,
    )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    if not text or any(c not in _B64_ALPHABET for c in text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


_B64_ALPHABET = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
)
