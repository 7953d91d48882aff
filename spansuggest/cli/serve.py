"""``spansuggest serve``: the Label Studio ML backend over HTTP, with one matcher built at start-up.

Runs werkzeug's threaded server. Basic auth is on when ``BASIC_AUTH_USER`` and ``BASIC_AUTH_PASS`` are
both set (read by :func:`spansuggest.server.create_app`). SIGTERM stops the server cleanly (exit 0).
"""

from __future__ import annotations

import logging
import signal

import click
from werkzeug.serving import run_simple

from ..matchers import Matcher
from .options import matcher_command

LOG_LEVELS = ("debug", "info", "warning", "error")

log = logging.getLogger("spansuggest.serve")


@matcher_command()
@click.option("--host", default="0.0.0.0", envvar="SPANSUGGEST_HOST", show_default=True, show_envvar=True,
              help="Interface to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=9090, envvar="SPANSUGGEST_PORT", show_default=True,
              show_envvar=True, help="Port to listen on.")
@click.option("--log-level", type=click.Choice(LOG_LEVELS, case_sensitive=False), default="info", show_default=True,
              help="Logging threshold.")
def serve(matcher: Matcher, host: str, port: int, log_level: str) -> None:
    """Serve the matcher as a Label Studio ML backend (/health, /setup, /predict, /webhook, ...)."""
    from ..server import create_app  # Flask app import deferred: other commands need not load it

    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app(matcher)
    options = ", ".join(f"{k}={v!r}" for k, v in matcher.options.items()) or "none"
    shown = f"[{host}]" if ":" in host else host
    local = f" (from this machine: http://localhost:{port})" if host in ("0.0.0.0", "::") else ""
    log.info("starting: matcher %s (options: %s) at http://%s:%d%s", matcher.name, options, shown, port, local)
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # werkzeug stops cleanly on KeyboardInterrupt
    run_simple(host, port, app, threaded=True)
    log.info("stopped")
