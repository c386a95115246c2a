"""The test side of the fork server: spawn `flexledger` commands, wait, kill."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True, slots=True)
class Spawned:
    """A running command: its pid and where its output goes."""

    pid: int
    out: Path
    err: Path


@dataclass(frozen=True, slots=True)
class Finished:
    """How a command ended (returncode negative for a signal) and what it said."""

    returncode: int
    stdout: str
    stderr: str


class ForkServer:
    """One warm server process; `spawn` forks a fresh CLI process from it."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._lock = threading.Lock()
        self._process = subprocess.Popen(
            [sys.executable, "-m", "tests.crash.forkserver"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def spawn(self, argv: list[str], env: dict[str, str], cwd: Path) -> Spawned:
        """Start `flexledger <argv>` in a new process."""
        name = uuid.uuid4().hex[:12]
        out, err = self._folder / f"{name}.out", self._folder / f"{name}.err"
        answer = self._ask(
            {
                "op": "spawn",
                "argv": argv,
                "env": env,
                "cwd": str(cwd),
                "out": str(out),
                "err": str(err),
            }
        )
        return Spawned(int(answer["pid"]), out, err)

    def wait(self, spawned: Spawned) -> Finished:
        """Wait for the command to end."""
        answer = self._ask({"op": "wait", "pid": spawned.pid})
        return Finished(
            int(answer["returncode"]),
            spawned.out.read_text(errors="replace"),
            spawned.err.read_text(errors="replace"),
        )

    def run(self, argv: list[str], env: dict[str, str], cwd: Path) -> Finished:
        """Start a command and wait for its end."""
        return self.wait(self.spawn(argv, env, cwd))

    def close(self) -> None:
        """Stop the server (its children have all been waited for)."""
        stdin = self._process.stdin
        if stdin is not None:
            stdin.close()
        self._process.wait(timeout=30)
        stdout = self._process.stdout
        if stdout is not None:
            stdout.close()

    def _ask(self, request: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            stdin: IO[str] | None = self._process.stdin
            stdout: IO[str] | None = self._process.stdout
            assert stdin is not None
            assert stdout is not None
            stdin.write(json.dumps(request) + "\n")
            stdin.flush()
            line = stdout.readline()
            if not line:
                raise RuntimeError("the fork server died")
            answer: dict[str, Any] = json.loads(line)
            return answer
