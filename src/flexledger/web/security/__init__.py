"""Web security: optional authentication, CSRF, security headers, Host allowlist.

`guard` holds the credentials and the login throttle, `middleware` applies them
to every request, `csrf` checks the UI forms' tokens, `sessions` signs the
session cookie and `throttle` counts failed logins.
"""
