"""A warm `flexledger` that forks a fresh CLI process per request (a zygote).

Starting the console script costs about a second of imports on this machine, and
the crash suite kills well over a hundred processes; this server imports the app
once and forks a child per command, so a kill costs what the work before the
crash point costs. The child is a separate process running the real entry point
(`flexledger.main.run`) with its own environment, working directory, database
connections and transactions; nothing is connected before the fork. The crash
point module is re-read in the child, as a fresh process would read it.

Some crash-point trials still exec the installed console script, so the binary
itself is killed too (test_crash_points.py, tests/cli/test_import.py).

Protocol (JSON lines on stdin/stdout): ``{"op": "spawn", "argv", "env", "cwd",
"out", "err"}`` answers ``{"pid"}``; ``{"op": "wait", "pid"}`` answers
``{"returncode"}`` (negative for a signal, as `subprocess` reports it).
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from typing import Any


def _child(request: dict[str, Any]) -> None:
    code = 1
    try:
        out = os.open(request["out"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        err = os.open(request["err"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(out, 1)
        os.dup2(err, 2)
        os.close(0)
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        sys.argv = ["flexledger", *request["argv"]]
        from flexledger.jobs import crashpoint  # noqa: PLC0415

        # Re-executes the module in its own namespace, so the functions other
        # modules imported from it see the child's FLEXLEDGER_CRASHPOINT.
        importlib.reload(crashpoint)
        import flexledger.main  # noqa: PLC0415

        try:
            flexledger.main.run()
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def serve() -> None:
    """Answer spawn and wait requests until stdin closes."""
    import flexledger.main  # noqa: F401, PLC0415  (the warm-up this server exists for)

    for line in sys.stdin:
        request = json.loads(line)
        if request["op"] == "spawn":
            pid = os.fork()
            if pid == 0:
                _child(request)
            answer: dict[str, Any] = {"pid": pid}
        else:
            _, status = os.waitpid(request["pid"], 0)
            answer = {"returncode": os.waitstatus_to_exitcode(status)}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    serve()
