"""Production serving: the ML backend under gunicorn (threaded workers), started from Python by ``spansuggest serve``.

The app is built inside each worker after the fork (gunicorn's ``preload_app`` stays off), so every worker
loads its own matcher or model and opens its own SQLite connection; a worker that dies (a crash, SIGKILL, the
``timeout`` watchdog) is replaced by a fresh one while the others keep answering. SIGTERM to the master is a
graceful stop: listening ends, requests in flight finish (up to ``graceful_timeout`` seconds), then it exits 0.

Metrics: :func:`multiprocess_metrics` sets ``PROMETHEUS_MULTIPROC_DIR`` before ``prometheus_client`` is
imported, so ``/metrics`` on any worker reports every worker's counts; dead workers' live gauges are dropped.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication

__all__ = ["ACCESS_LOG_FORMAT", "GunicornServer", "gunicorn_settings", "multiprocess_metrics"]

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"

ACCESS_LOG_FORMAT = '%(h)s "%(r)s" %(s)s %(B)s bytes %(M)s ms "%(a)s"'
"""One line per request: client, request line, status, response bytes, latency in milliseconds, user agent."""


def _worker_exited(server: Any, worker: Any) -> None:
    """gunicorn ``child_exit`` hook: drop the dead worker's live gauges from the shared metrics directory."""
    from prometheus_client import multiprocess

    if os.environ.get(MULTIPROCESS_ENV):
        multiprocess.mark_process_dead(worker.pid)


def gunicorn_settings(
    *,
    bind: str,
    workers: int,
    threads: int,
    timeout: int,
    graceful_timeout: int,
    keepalive: int,
    log_level: str,
    access_log: bool,
) -> dict[str, Any]:
    """gunicorn's settings for the ML backend: threaded workers, no preload, logs on stderr."""
    return {
        "bind": [bind],
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "preload_app": False,
        "timeout": timeout,
        "graceful_timeout": graceful_timeout,
        "keepalive": keepalive,
        "loglevel": log_level,
        "errorlog": "-",
        "accesslog": "-" if access_log else None,
        "access_log_format": ACCESS_LOG_FORMAT,
        "child_exit": _worker_exited,
        "proc_name": "spansuggest",
    }


class GunicornServer(BaseApplication):  # type: ignore[misc]
    """gunicorn configured from a dict (not from its command line), serving the WSGI app ``build()`` returns."""

    def __init__(self, build: Callable[[], Any], settings: Mapping[str, Any]) -> None:
        self.build = build
        self.settings = dict(settings)
        super().__init__()

    def load_config(self) -> None:
        """Apply the settings; an unknown name is a programming error."""
        for name, value in self.settings.items():
            self.cfg.set(name, value)

    def load(self) -> Any:
        """Called in each worker after the fork: build this worker's app."""
        return self.build()

    def run(self) -> None:
        """Run the master until SIGTERM/SIGINT; gunicorn parses no command line of its own."""
        argv, sys.argv = sys.argv, sys.argv[:1]
        try:
            super().run()
        finally:
            sys.argv = argv


@contextmanager
def multiprocess_metrics(directory: str | os.PathLike[str] | None) -> Iterator[Path]:
    """Prometheus multiprocess mode for the duration: ``directory`` (emptied of old ``*.db`` files first), else a
    temporary one removed afterwards. Must be entered before ``prometheus_client`` is imported."""
    if "prometheus_client" in sys.modules:
        raise RuntimeError("prometheus_client was imported before its multiprocess directory was set")
    owned = directory is None
    path = Path(tempfile.mkdtemp(prefix="spansuggest-metrics-") if owned else directory)  # type: ignore[arg-type]
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()
    previous = os.environ.get(MULTIPROCESS_ENV)
    os.environ[MULTIPROCESS_ENV] = str(path)
    try:
        yield path
    finally:
        if previous is None:
            os.environ.pop(MULTIPROCESS_ENV, None)
        else:
            os.environ[MULTIPROCESS_ENV] = previous
        if owned:
            shutil.rmtree(path, ignore_errors=True)
