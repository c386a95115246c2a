"""The Flex token's configured expiry date: days left and the warning to show.

IBKR's Flex Web Service tokens expire (Client Portal lets you choose up to a
year), and an expired token fails every fetch with a Flex error that says
nothing about expiry. IBKR offers no API to read the date, so the operator
copies it into `IBKR_FLEX_TOKEN_EXPIRES`; `flexledger config check`, each
fetch run's timeline and `/metrics` then warn from `WARNING_DAYS` before it.
"""

from __future__ import annotations

import datetime as dt

from flexledger.config import Settings
from flexledger.domain.clock import utc_now
from flexledger.jobs.ingest import business_date

# Two weeks spans a holiday and leaves time for a Client Portal login.
WARNING_DAYS = 14

_WHAT_TO_DO = (
    "Generate a new Flex Web Service token in Client Portal (Settings > Account "
    "Settings > Reporting > Flex Web Service Configuration), set it as "
    "IBKR_FLEX_TOKEN and its new expiry date as IBKR_FLEX_TOKEN_EXPIRES (YYYY-MM-DD)."
)


def token_days_left(settings: Settings, today: dt.date | None = None) -> int | None:
    """Days until the token expires (negative once past), None if not configured.

    `today` defaults to the business date (SPEC §4): the date an operator reads.
    """
    expires = settings.ibkr_flex_token_expires
    if expires is None:
        return None
    current = today or business_date(utc_now(), settings.business_timezone)
    return (expires - current).days


def token_expiry_warning(
    settings: Settings, today: dt.date | None = None
) -> str | None:
    """The warning to show when the token expires within `WARNING_DAYS` or has.

    Returns None when no expiry is configured or it is further away.
    """
    days = token_days_left(settings, today)
    if days is None or days > WARNING_DAYS:
        return None
    expires = settings.ibkr_flex_token_expires
    if days < 0:
        when = f"expired on {expires} ({-days} day(s) ago): fetches will fail"
    elif days == 0:
        when = f"expires today ({expires})"
    else:
        when = f"expires on {expires}, in {days} day(s)"
    return f"The IBKR Flex token {when}. {_WHAT_TO_DO}"
