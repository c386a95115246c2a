"""The one exception tree for conditions that stop an operation.

Row-level problems are data (diagnostics), not exceptions. Everything that aborts an
operation raises a subclass of `FlexLedgerError`, which carries a stable upper-case
`code` (the API and CLI show it; SPEC §12 style), a `message` and a `hint` saying
what the user can do next::

    FlexLedgerError                 code, message, hint
    ├── ConfigError                 a setting is missing or invalid
    ├── DatabaseError
    │   ├── DatabaseUnavailableError    the database cannot be reached
    │   └── SchemaNotCurrentError       migrations are not at head
    ├── NotFoundError
    └── ConflictError

Later layers add their branches here (AdapterError, MappingContractError, LedgerError).
The web layer maps classes to HTTP statuses and the CLI maps them to exit codes; the
domain never knows about either. Messages never contain the Flex token.
"""

from __future__ import annotations

from typing import ClassVar


class FlexLedgerError(Exception):
    """Something went wrong in flexledger."""

    code: ClassVar[str] = "FLEXLEDGER_ERROR"
    default_hint: ClassVar[str] = ""

    def __init__(self, message: str | None = None, *, hint: str | None = None) -> None:
        self.message = message or (self.__doc__ or self.code).strip()
        self.hint = hint if hint is not None else self.default_hint
        super().__init__(self.message)

    def __str__(self) -> str:
        return f"{self.message}\nHint: {self.hint}" if self.hint else self.message


class ConfigError(FlexLedgerError):
    """A setting is missing or invalid."""

    code = "CONFIG_INVALID"
    default_hint = (
        "Set the variable in the environment or in a .env file "
        "(see .env.example and the README's configuration table)."
    )


class DatabaseError(FlexLedgerError):
    """The database cannot be used."""

    code = "DATABASE_ERROR"


class DatabaseUnavailableError(DatabaseError):
    """The database cannot be reached."""

    code = "DATABASE_UNAVAILABLE"
    default_hint = (
        "Check DATABASE_URL and that the database server is running and accepts "
        "connections."
    )


class SchemaNotCurrentError(DatabaseError):
    """The database schema is not at the version this flexledger release needs."""

    code = "SCHEMA_NOT_CURRENT"
    default_hint = "Run `flexledger db upgrade` (back up a production database first)."


class NotFoundError(FlexLedgerError):
    """The requested item does not exist."""

    code = "NOT_FOUND"


class ConflictError(FlexLedgerError):
    """The request conflicts with the current state."""

    code = "CONFLICT"
