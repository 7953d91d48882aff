"""A ``spansuggest serve`` subprocess for tests: free port on 127.0.0.1, log in a file, stopped by its PID."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

SPANSUGGEST = Path(sys.executable).parent / "spansuggest"
START_DEADLINE_S = 90.0


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children(pid: int) -> list[int]:
    """The PIDs of a process's live children (gunicorn's workers), read from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry.name))
    return sorted(found)


class ServeProcess:
    """``spansuggest serve ARGS --host 127.0.0.1 --port P``, memory in ``tmp``, no Basic auth unless ``env`` says."""

    def __init__(self, tmp: Path, *args: str, env: dict[str, str] | None = None) -> None:
        assert SPANSUGGEST.exists(), f"console script missing: {SPANSUGGEST} (is the package installed?)"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tmp / f"serve-{self.port}.log"
        environ = {k: v for k, v in os.environ.items() if k not in ("BASIC_AUTH_USER", "BASIC_AUTH_PASS")}
        environ.update(PYTHONUNBUFFERED="1", SPANSUGGEST_STORE=str(tmp / f"memory-{self.port}.sqlite3"), **(env or {}))
        command = [str(SPANSUGGEST), "serve", *args, "--host", "127.0.0.1", "--port", str(self.port)]
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=environ)

    def text(self) -> str:
        """The server's log so far."""
        return self.log.read_text(errors="replace")

    def wait_ready(self) -> None:
        """Wait until ``/health`` answers (any status), failing with the log if the process exits or is slow."""
        deadline = time.monotonic() + START_DEADLINE_S
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"server exited early:\n{self.text()}"
            try:
                requests.get(f"{self.url}/health", timeout=2)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        pytest.fail(f"server not up after {START_DEADLINE_S} s:\n{self.text()}")

    def workers(self) -> list[int]:
        """gunicorn's worker PIDs (empty under --dev)."""
        return children(self.process.pid)

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM, wait, and return the exit code (SIGKILL and raise if it does not stop in time)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise


@contextmanager
def serving(tmp: Path, *args: str, env: dict[str, str] | None = None) -> Iterator[ServeProcess]:
    """A ready :class:`ServeProcess`, stopped on exit whatever happened."""
    server = ServeProcess(tmp, *args, env=env)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()
