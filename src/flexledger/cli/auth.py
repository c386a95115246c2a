"""`flexledger auth …`: make the secrets that turn on the web app's authentication.

Neither command takes the secret as an argument: arguments end up in shell
history and in /proc/<pid>/cmdline. The password is typed at a hidden prompt (or
piped on standard input), and only the hash is printed.
"""

from __future__ import annotations

import secrets
import sys

import typer

from flexledger.cli.output import EXIT_ERROR
from flexledger.domain.passwords import hash_password

MIN_PASSWORD_LENGTH = 12
TOKEN_BYTES = 32


def auth_commands() -> typer.Typer:
    """The `auth` command group."""
    auth = typer.Typer(
        help="Secrets for the web app's built-in authentication.",
        no_args_is_help=True,
    )

    @auth.command("hash-password")
    def hash_password_command() -> None:
        """Hash an admin password for FLEXLEDGER_ADMIN_PASSWORD_HASH.

        Type the password twice at the prompt, or pipe it on standard input
        (one line). Prints only the hash.
        """
        if sys.stdin.isatty():
            password = typer.prompt(
                "Admin password", hide_input=True, confirmation_prompt=True
            )
        else:
            password = sys.stdin.readline().rstrip("\r\n")
        if len(password) < MIN_PASSWORD_LENGTH:
            typer.echo(
                f"The password must be at least {MIN_PASSWORD_LENGTH} characters.",
                err=True,
            )
            raise typer.Exit(EXIT_ERROR)
        typer.echo(hash_password(password))
        typer.echo(
            "Set FLEXLEDGER_ADMIN_PASSWORD_HASH to the line above (in .env or the "
            "environment) and restart `flexledger serve`.",
            err=True,
        )

    @auth.command("new-token")
    def new_token() -> None:
        """Print a random secret (FLEXLEDGER_API_TOKEN, FLEXLEDGER_SESSION_SECRET)."""
        typer.echo(secrets.token_urlsafe(TOKEN_BYTES))

    return auth
