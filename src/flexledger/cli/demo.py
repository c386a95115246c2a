"""`flexledger demo`: build the sample account in a fresh database and serve it.

Without `--data-dir` every run builds a new demo in a new temporary folder. With
it, a folder that already holds a finished demo is reused as it is (nothing is
imported again), and a folder holding any other flexledger database is refused.
"""

from __future__ import annotations

import socket
import tempfile
import threading
import time
import webbrowser
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from flexledger.cli.output import reported_errors
from flexledger.config import Settings
from flexledger.demo.build import build_demo
from flexledger.mapping.registry import MapperRegistry

HOST = "127.0.0.1"
BROWSER_WAIT_SECONDS = 15.0

ServeFn = Callable[[Settings, str, int], None]


def free_port() -> int:
    """A port nothing listens on now, for `--port 0` (the URL must name the port)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
    return port


def open_when_listening(url: str, port: int) -> threading.Thread:
    """Open `url` in the browser once the server accepts connections (background)."""

    def wait_then_open() -> None:
        deadline = time.monotonic() + BROWSER_WAIT_SECONDS
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((HOST, port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            return
        webbrowser.open(url)

    thread = threading.Thread(target=wait_then_open, name="demo-browser", daemon=True)
    thread.start()
    return thread


def register(app: typer.Typer, serve: ServeFn, registry: MapperRegistry) -> None:
    """Add `demo` to `app`; `serve` runs the web app as `flexledger serve` does."""

    @app.command("demo")
    def demo(
        port: Annotated[
            int,
            typer.Option(min=0, max=65535, help="Port on 127.0.0.1 (0: any free one)."),
        ] = 8000,
        data_dir: Annotated[
            Path | None,
            typer.Option(
                file_okay=False,
                help="Folder for the demo database and statements "
                "[default: a new temporary folder]. A finished demo there is reused.",
            ),
        ] = None,
        no_browser: Annotated[
            bool, typer.Option("--no-browser", help="Do not open a browser.")
        ] = False,
    ) -> None:
        """Serve a realistic sample portfolio (made-up data) in a fresh database."""
        with reported_errors():
            folder = data_dir or Path(tempfile.mkdtemp(prefix="flexledger-demo-"))
            result = build_demo(folder, registry, report=typer.echo)
            chosen = port or free_port()
            url = f"http://{HOST}:{chosen}/"
            typer.echo(f"Demo data: {result.data_dir}")
            typer.echo(f"  reuse it with: flexledger demo --data-dir {result.data_dir}")
            typer.echo(f"Serving the demo at {url} (Ctrl+C to stop)")
            if not no_browser:
                open_when_listening(url, chosen)
            serve(result.settings, HOST, chosen)
