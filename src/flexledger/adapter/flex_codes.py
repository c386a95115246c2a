"""IBKR Flex Web Service error codes: what each means for us (FLEX_WEB_SERVICE §5).

IBKR gives no retry contract; the classes and policies below are ours, informed by
the wording ("Please try again shortly") and by what other clients ran into. Decide by
`ErrorCode`, never by the message text (IBKR's messages have typos).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from flexledger.domain.errors import (
    FlexRequestError,
    FlexServiceError,
    FlexStatementError,
    FlexThrottledError,
    FlexTokenExpiredError,
    FlexTokenInvalidError,
)


class CodeClass(enum.StrEnum):
    """How the client reacts to a code."""

    IN_PROGRESS = "in_progress"  # keep polling the same reference code
    TRANSIENT = "transient"  # retry the same call with backoff
    DATA_NOT_READY = "data_not_ready"  # IBKR's end-of-day data is not ready yet
    THROTTLE = "throttle"  # back off >= 60 s; a second one aborts the run
    RETRY_ONCE = "retry_once"  # 1020: retry once after 60 s
    RESTART = "restart"  # 1017: start again from SendRequest once
    FATAL = "fatal"  # credentials or configuration: fail fast with a hint


@dataclass(frozen=True, slots=True)
class CodeRule:
    """The client's policy for one IBKR code.

    Attributes:
        code_class: how to react.
        error: the error class raised when the code ends the fetch.
        hint: what the user should do.
        floor_seconds: the least wait before the next call after this code.
        max_retries: retries of the same call before giving up.
    """

    code_class: CodeClass
    error: type[FlexServiceError]
    hint: str
    floor_seconds: float = 0.0
    max_retries: int = 0


_TRY_LATER = "IBKR says to try again shortly; the next scheduled run will."
_DATA_LATE = (
    "IBKR's end-of-day data is not ready; daily statements are generally available "
    "by 05:00 US Eastern. Run again later."
)

RULES: dict[str, CodeRule] = {
    "1001": CodeRule(
        CodeClass.TRANSIENT,
        FlexRequestError,
        "IBKR could not generate the statement. If every run gets 1001, "
        "IBKR_FLEX_BASE_URL may point at a retired legacy endpoint: use "
        "https://ndcdyn.interactivebrokers.com/AccountManagement/FlexWebService.",
        floor_seconds=15,
        max_retries=3,
    ),
    "1003": CodeRule(
        CodeClass.FATAL,
        FlexRequestError,
        "No statement is available for that period yet; try an earlier end date.",
    ),
    "1004": CodeRule(CodeClass.DATA_NOT_READY, FlexStatementError, _DATA_LATE),
    "1005": CodeRule(CodeClass.DATA_NOT_READY, FlexRequestError, _DATA_LATE),
    "1006": CodeRule(CodeClass.DATA_NOT_READY, FlexRequestError, _DATA_LATE),
    "1007": CodeRule(CodeClass.DATA_NOT_READY, FlexRequestError, _DATA_LATE),
    "1008": CodeRule(CodeClass.DATA_NOT_READY, FlexRequestError, _DATA_LATE),
    "1009": CodeRule(
        CodeClass.TRANSIENT,
        FlexRequestError,
        _TRY_LATER,
        floor_seconds=15,
        max_retries=3,
    ),
    "1010": CodeRule(
        CodeClass.FATAL,
        FlexRequestError,
        "Legacy Flex Queries are no longer supported: rebuild it as an Activity Flex "
        "Query in Client Portal and use its id in IBKR_FLEX_QUERY_ID.",
    ),
    "1011": CodeRule(
        CodeClass.FATAL,
        FlexRequestError,
        "The Flex Web Service is not active for this account: enable it in Client "
        "Portal → Settings → Account Settings → Reporting → Flex Web Service.",
    ),
    "1012": CodeRule(
        CodeClass.FATAL, FlexTokenExpiredError, FlexTokenExpiredError.default_hint
    ),
    "1013": CodeRule(
        CodeClass.FATAL,
        FlexRequestError,
        "The token is restricted to other IP addresses: add this server's public IP "
        "to the token in Client Portal, or remove the restriction.",
    ),
    "1014": CodeRule(
        CodeClass.FATAL,
        FlexRequestError,
        "IBKR does not know this query: check IBKR_FLEX_QUERY_ID (a query belongs to "
        "the user who created it).",
    ),
    "1015": CodeRule(
        CodeClass.FATAL, FlexTokenInvalidError, FlexTokenInvalidError.default_hint
    ),
    "1016": CodeRule(
        CodeClass.FATAL,
        FlexRequestError,
        "IBKR says the account is invalid: check ACCOUNT_ID.",
    ),
    "1017": CodeRule(
        CodeClass.RESTART,
        FlexStatementError,
        "IBKR did not recognise the reference code; the statement was requested again.",
    ),
    "1018": CodeRule(
        CodeClass.THROTTLE,
        FlexThrottledError,
        FlexThrottledError.default_hint,
        floor_seconds=60,
    ),
    "1019": CodeRule(
        CodeClass.IN_PROGRESS,
        FlexStatementError,
        "IBKR is still generating the statement.",
    ),
    "1020": CodeRule(
        CodeClass.RETRY_ONCE,
        FlexRequestError,
        "IBKR could not validate the request: check IBKR_FLEX_TOKEN and "
        "IBKR_FLEX_QUERY_ID; right after editing a query, wait a few minutes.",
        floor_seconds=60,
        max_retries=1,
    ),
    "1021": CodeRule(
        CodeClass.TRANSIENT,
        FlexStatementError,
        _TRY_LATER,
        floor_seconds=30,
        max_retries=2,
    ),
}


def rule_for(code: str) -> CodeRule:
    """The rule for `code`; unknown codes fail with IBKR's message kept verbatim."""
    return RULES.get(
        code,
        CodeRule(
            CodeClass.FATAL,
            FlexServiceError,
            "IBKR answered with a code flexledger does not know; its message is above.",
        ),
    )
