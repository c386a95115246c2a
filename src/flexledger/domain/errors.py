"""The one exception tree for conditions that stop an operation.

Row-level problems are data (diagnostics), not exceptions. Everything that aborts an
operation raises a subclass of `FlexLedgerError`, which carries a stable upper-case
`code` (the API and CLI show it; SPEC §12 style), a `message` and a `hint` saying
what the user can do next::

    FlexLedgerError                 code, message, hint
    ├── ConfigError                 a setting is missing or invalid
    ├── AdapterError                IBKR data could not be fetched or read
    │   ├── FlexServiceError            the Flex Web Service refused or failed
    │   │   ├── FlexRequestError            SendRequest failed (query, account, 1001…)
    │   │   ├── FlexTokenExpiredError       1012
    │   │   ├── FlexTokenInvalidError       1015
    │   │   ├── FlexStatementError          GetStatement failed
    │   │   ├── FlexThrottledError          1018 twice in one run
    │   │   ├── FlexTimeoutError            never ready in time, or timeouts
    │   │   └── FlexConnectionError         network errors, HTTP errors, non-Flex bodies
    │   └── StatementReadError          the bytes are not a usable Flex statement
    │       ├── MalformedStatementError     not well-formed XML, bad encoding, empty
    │       ├── StatementTruncatedError     the document ends early
    │       ├── UnsafeXmlError              DOCTYPE, entities, absurd nesting or sizes
    │       ├── NotAFlexStatementError      HTML page, CSV/TEXT, error envelope
    │       └── StatementTooLargeError      over the configured size cap
    ├── DatabaseError
    │   ├── DatabaseUnavailableError    the database cannot be reached
    │   └── SchemaNotCurrentError       migrations are not at head
    ├── IngestionError              a run stopped for a reason in the data
    │   ├── MissingRequiredSectionError the query lacks sections the ledger needs
    │   ├── AccountMismatchError        the statement is for another account
    │   └── BaseCurrencyMismatchError   the base currency disagrees with the ledger's
    ├── InvalidRequestError         a request parameter is invalid (code per case)
    │   └── CaseNoteRequiredError       a case is closed without a note
    ├── NotFoundError               unknown id (a run, a case…): always NOT_FOUND
    ├── ExportContractError         a row breaks its CSV export contract (SPEC §13)
    ├── ConflictError
    │   ├── RunAlreadyActiveError       another run holds the run lock
    │   ├── CaseAlreadyClosedError      the case was resolved or dismissed before
    │   └── DuplicateLabelError         a label has that name already (any case)
    └── AccessError                 the web request is refused before it runs
        ├── AuthenticationRequiredError no valid session or bearer token
        ├── CrossSiteRequestError       CSRF: foreign Origin/Sec-Fetch-Site, bad token
        ├── LoginThrottledError         too many failed logins; wait
        └── HostNotAllowedError         the Host header is not one of ours

Later issues add their branches here (FlexServiceError, MappingContractError,
LedgerError).
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


class AdapterError(FlexLedgerError):
    """IBKR data could not be fetched or read."""

    code = "ADAPTER_ERROR"


class FlexServiceError(AdapterError):
    """The Flex Web Service refused or failed the request.

    Attributes:
        flex_code: IBKR's ErrorCode (e.g. "1012"), None for transport failures.
        error_type: the kind of failure for the timeline (e.g. ``TimeoutError``).
    """

    code = "FLEX_SERVICE_ERROR"

    def __init__(
        self,
        message: str | None = None,
        *,
        hint: str | None = None,
        flex_code: str | None = None,
        error_type: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.flex_code = flex_code
        self.error_type = error_type or type(self).__name__


class FlexRequestError(FlexServiceError):
    """IBKR could not start generating the statement."""

    code = "INGESTION_REQUEST_ERROR"


class FlexTokenExpiredError(FlexServiceError):
    """The Flex token has expired."""

    code = "INGESTION_TOKEN_EXPIRED_ERROR"
    default_hint = (
        "Generate a new token in Client Portal → Settings → Account Settings → "
        "Reporting → Flex Web Service, then update IBKR_FLEX_TOKEN (the new token "
        "invalidates the old one)."
    )


class FlexTokenInvalidError(FlexServiceError):
    """The Flex token is not valid."""

    code = "INGESTION_TOKEN_INVALID_ERROR"
    default_hint = (
        "Copy the current token from Client Portal → Reporting → Flex Web Service "
        "into IBKR_FLEX_TOKEN again."
    )


class FlexStatementError(FlexServiceError):
    """IBKR could not deliver the generated statement."""

    code = "INGESTION_STATEMENT_ERROR"


class FlexThrottledError(FlexServiceError):
    """IBKR throttled this token (1018) more than once in one run."""

    code = "INGESTION_THROTTLED_ERROR"
    default_hint = (
        "Wait at least 10 minutes before the next run, and don't run the query in "
        "Client Portal at the same time: both count against the token's limit."
    )


class FlexTimeoutError(FlexServiceError):
    """The statement was not ready, or IBKR did not answer, within the time allowed."""

    code = "INGESTION_TIMEOUT_ERROR"
    default_hint = (
        "IBKR is slow to generate large or weekend statements; run again later. "
        "The wait is bounded so unattended runs never hang."
    )


class FlexConnectionError(FlexServiceError):
    """The Flex Web Service could not be reached or answered with something else."""

    code = "INGESTION_CONNECTION_ERROR"
    default_hint = (
        "Check the network and IBKR_FLEX_BASE_URL; IBKR may be down for maintenance."
    )


class StatementReadError(AdapterError):
    """The bytes are not a usable Flex statement."""

    code = "STATEMENT_READ_ERROR"


class MalformedStatementError(StatementReadError):
    """The statement is not well-formed XML."""

    code = "MALFORMED_STATEMENT"
    default_hint = (
        "Download the statement again from Client Portal; if it still fails, the "
        "file was changed by hand or by another program."
    )


class StatementTruncatedError(StatementReadError):
    """The statement ends before its closing tags: the download was cut short."""

    code = "STATEMENT_TRUNCATED"
    default_hint = "Fetch or download the statement again; nothing was stored."


class UnsafeXmlError(StatementReadError):
    """The document uses XML features Flex statements never use (DOCTYPE, entities)."""

    code = "UNSAFE_XML"
    default_hint = (
        "Real Flex statements have no DOCTYPE or entity declarations; use the file "
        "exactly as IBKR produced it."
    )


class NotAFlexStatementError(StatementReadError):
    """The body is not a Flex statement (an HTML page, CSV or an error envelope)."""

    code = "NOT_A_FLEX_STATEMENT"


class StatementTooLargeError(StatementReadError):
    """The statement is larger than the configured limit."""

    code = "STATEMENT_TOO_LARGE"


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


class IngestionError(FlexLedgerError):
    """The run stopped because of what the statement contains."""

    code = "INGESTION_CONTRACT_ERROR"


class MissingRequiredSectionError(IngestionError):
    """The statement lacks sections the ledger needs."""

    code = "MISSING_REQUIRED_SECTION"
    default_hint = (
        "In Client Portal, edit the Flex Query, tick the missing sections, save, and "
        "run again. For a hand-downloaded file, `flexledger import "
        "--allow-missing-sections` imports it anyway and marks what depends on them "
        "provisional."
    )


class AccountMismatchError(IngestionError):
    """The statement belongs to an account this ledger does not hold."""

    code = "ACCOUNT_MISMATCH"


class BaseCurrencyMismatchError(IngestionError):
    """The statement's base currency differs from the one this ledger uses."""

    code = "BASE_CURRENCY_MISMATCH"
    default_hint = (
        "A ledger keeps one base currency and never converts silently. Check "
        "BASE_CURRENCY, or start a new database for the other account."
    )


class InvalidRequestError(FlexLedgerError):
    """The request is not valid."""

    code = "INVALID_REQUEST"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        hint: str = "",
        fields: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message, hint=hint)
        # The body fields at fault: the API answers 422 naming them.
        self.fields = fields
        if code is not None:
            # SPEC §12 names each case (INVALID_PAGINATION, INVALID_SORT_FIELD…).
            self.code = code  # type: ignore[misc]


class CaseNoteRequiredError(InvalidRequestError):
    """A case is resolved or dismissed only with a note saying why."""

    code = "CASE_NOTE_REQUIRED"

    def __init__(self) -> None:
        super().__init__(
            (self.__doc__ or self.code).strip(),
            hint="Write what was decided, e.g. how the basis carries to the new line.",
            fields=("resolution_note",),
        )


class ExportContractError(FlexLedgerError):
    """A row does not fit its CSV export contract; the export is aborted."""

    code = "EXPORT_CONTRACT_VIOLATION"
    default_hint = "This is a bug: the report rows and the CSV v1 contract disagree."


class NotFoundError(FlexLedgerError):
    """The requested item does not exist."""

    code = "NOT_FOUND"


class ConflictError(FlexLedgerError):
    """The request conflicts with the current state."""

    code = "CONFLICT"


class RunAlreadyActiveError(ConflictError):
    # SPEC §5.2 fixes this exact message, lower case and without a full stop.
    """run already active"""  # noqa: D415

    code = "RUN_ALREADY_ACTIVE"
    default_hint = (
        "Wait for the active run to finish; a crashed run is cleared on the next start."
    )


class CaseAlreadyClosedError(ConflictError):
    """The case is already closed; a closed case stays closed."""

    code = "CASE_ALREADY_CLOSED"
    default_hint = (
        "Its note and time are kept as they were; nothing was changed. Reprocess "
        "never reopens a closed case."
    )


class DuplicateLabelError(ConflictError):
    """A label with that name exists already; names are unique whatever their case."""

    code = "DUPLICATE_LABEL"
    default_hint = (
        "Pick another name, or use the existing label (`flexledger labels list` or "
        "GET /labels shows them)."
    )


class AccessError(FlexLedgerError):
    """The request was refused before it ran."""

    code = "ACCESS_DENIED"


class AuthenticationRequiredError(AccessError):
    """Sign in first: this server requires authentication."""

    code = "AUTHENTICATION_REQUIRED"
    default_hint = (
        "Sign in at /ui/login, or send `Authorization: Bearer <FLEXLEDGER_API_TOKEN>`."
    )


class CrossSiteRequestError(AccessError):
    """The request was refused as a possible cross-site request forgery."""

    code = "CSRF_REJECTED"
    default_hint = (
        "Reload the page and submit the form again. Scripts: send no Origin header "
        "(or this server's own), and no cross-site Sec-Fetch-Site."
    )


class LoginThrottledError(AccessError):
    """Too many failed sign-in attempts; sign-in is paused for a while."""

    code = "LOGIN_THROTTLED"

    def __init__(self, retry_after_seconds: int) -> None:
        self.retry_after_seconds = retry_after_seconds
        super().__init__(
            hint=f"Wait {retry_after_seconds} s before trying again; the pause "
            "doubles with each further failure."
        )


class HostNotAllowedError(AccessError):
    """The request's Host is not one this server answers to."""

    code = "HOST_NOT_ALLOWED"
    default_hint = (
        "Add the host name to FLEXLEDGER_ALLOWED_HOSTS (comma-separated); it guards "
        "against DNS rebinding."
    )
