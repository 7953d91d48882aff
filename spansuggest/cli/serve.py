"""``spansuggest serve``: the Label Studio ML backend over HTTP.

By default gunicorn (:mod:`spansuggest.wsgi`) with ``--workers`` processes of ``--threads`` threads, each worker
building its own matcher and memory after the fork; ``--dev`` runs werkzeug's development server in this
process instead. Every option also reads an environment variable (``--help`` names them); Basic auth follows
Label Studio's convention, ``BASIC_AUTH_USER`` and ``BASIC_AUTH_PASS``. SIGTERM stops either server cleanly
(exit 0; gunicorn lets requests in flight finish first).
"""

from __future__ import annotations

import logging
import signal
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..matchers import Matcher, get_matcher
from ..memory import Memory, PatternStore, default_store_path, gazetteer_options
from .options import matcher_command

LOG_LEVELS = ("debug", "info", "warning", "error")

GUNICORN_ONLY = ("workers", "threads", "timeout", "graceful_timeout", "keepalive", "metrics_dir")
"""Options that configure gunicorn, refused with ``--dev``."""

log = logging.getLogger("spansuggest.serve")


def _open_store(store: Path) -> PatternStore:
    """The pattern store at ``store``, or a usage error saying why it cannot be opened."""
    try:
        return PatternStore(store)
    except (OSError, sqlite3.Error, RuntimeError) as exc:
        raise click.BadParameter(f"cannot open the pattern store {store}: {exc}", param_hint="'--store'") from None


def _app_factory(
    store: Path | None, max_body_mb: int, basic_auth: tuple[str, str] | None
) -> Callable[[Matcher], Any]:
    """A function building the Flask app around a matcher (with its own memory connection when ``store``)."""
    from ..server import create_app  # Flask and prometheus_client imported only now (see wsgi.multiprocess_metrics)

    def build(served: Matcher) -> Any:
        memory = Memory(_open_store(store), **gazetteer_options(served)) if store is not None else None
        return create_app(served, memory=memory, max_content_length=max_body_mb * 2**20, basic_auth=basic_auth)

    return build


@matcher_command()
@click.option("--host", default="0.0.0.0", envvar="SPANSUGGEST_HOST", show_default=True, show_envvar=True,
              help="Interface to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=9090, envvar="SPANSUGGEST_PORT", show_default=True,
              show_envvar=True, help="Port to listen on.")
@click.option("--dev", is_flag=True, envvar="SPANSUGGEST_DEV", show_envvar=True,
              help="Run werkzeug's development server in this process instead of gunicorn.")
@click.option("--workers", type=click.IntRange(1, 128), default=1, envvar="SPANSUGGEST_WORKERS", show_default=True,
              show_envvar=True, help="gunicorn worker processes, each with its own matcher (CPU parallelism).")
@click.option("--threads", type=click.IntRange(1, 256), default=4, envvar="SPANSUGGEST_THREADS", show_default=True,
              show_envvar=True, help="Threads per worker (concurrent requests per worker).")
@click.option("--timeout", type=click.IntRange(0), default=120, envvar="SPANSUGGEST_TIMEOUT", show_default=True,
              show_envvar=True, help="Seconds a silent (hung) worker lives before it is killed and replaced; 0: never.")
@click.option("--graceful-timeout", type=click.IntRange(0), default=30, envvar="SPANSUGGEST_GRACEFUL_TIMEOUT",
              show_default=True, show_envvar=True,
              help="Seconds requests in flight may take to finish after SIGTERM.")
@click.option("--keepalive", type=click.IntRange(0), default=5, envvar="SPANSUGGEST_KEEPALIVE", show_default=True,
              show_envvar=True, help="Seconds an idle keep-alive connection stays open.")
@click.option("--max-body-mb", type=click.IntRange(1), default=32, envvar="SPANSUGGEST_MAX_BODY_MB",
              show_default=True, show_envvar=True, help="Request bodies over this many MiB get 413.")
@click.option("--access-log/--no-access-log", default=True, envvar="SPANSUGGEST_ACCESS_LOG", show_default=True,
              show_envvar=True, help="One log line per request with its latency (gunicorn).")
@click.option("--metrics-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              envvar="PROMETHEUS_MULTIPROC_DIR", show_envvar=True,
              help="Directory the workers share their Prometheus metrics in (emptied at start) "
                   "[default: a temporary directory].")
@click.option("--basic-auth-user", default=None, envvar="BASIC_AUTH_USER", show_envvar=True,
              help="Require HTTP Basic auth with this user (and --basic-auth-pass) on every route.")
@click.option("--basic-auth-pass", default=None, envvar="BASIC_AUTH_PASS", show_envvar=True,
              help="The Basic auth password (prefer the environment variable: flags show in `ps`).")
@click.option("--store", type=click.Path(dir_okay=False, path_type=Path), default=default_store_path,
              envvar="SPANSUGGEST_STORE", show_envvar=True, show_default="$XDG_DATA_HOME/spansuggest/memory.sqlite3",
              help="SQLite file of the pattern memory (what each project learned from submitted annotations).")
@click.option("--memory/--no-memory", default=True, envvar="SPANSUGGEST_MEMORY", show_default=True, show_envvar=True,
              help="Learn from Label Studio's webhooks and answer batch predictions from what was learned.")
@click.option("--log-level", type=click.Choice(LOG_LEVELS, case_sensitive=False), default="info", show_default=True,
              envvar="SPANSUGGEST_LOG_LEVEL", show_envvar=True, help="Logging threshold.")
@click.pass_context
def serve(
    ctx: click.Context,
    matcher: Matcher,
    host: str,
    port: int,
    dev: bool,
    workers: int,
    threads: int,
    timeout: int,
    graceful_timeout: int,
    keepalive: int,
    max_body_mb: int,
    access_log: bool,
    metrics_dir: Path | None,
    basic_auth_user: str | None,
    basic_auth_pass: str | None,
    store: Path,
    memory: bool,
    log_level: str,
) -> None:
    """Serve the matcher as a Label Studio ML backend (/health, /setup, /predict, /webhook, /metrics, ...)."""
    if dev:
        given = [f"--{name.replace('_', '-')}" for name in GUNICORN_ONLY
                 if ctx.get_parameter_source(name) is click.core.ParameterSource.COMMANDLINE]
        if given:
            raise click.UsageError(f"{', '.join(given)} configure gunicorn; --dev runs the development server")
    if bool(basic_auth_user) != bool(basic_auth_pass):
        raise click.UsageError("Basic auth needs both a user and a password (BASIC_AUTH_USER and BASIC_AUTH_PASS)")
    basic_auth = (basic_auth_user, basic_auth_pass) if basic_auth_user and basic_auth_pass else None
    if memory:
        _open_store(store).close()  # fail before binding when the store cannot be opened
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    options = ", ".join(f"{k}={v!r}" for k, v in matcher.options.items()) or "none"
    shown = f"[{host}]" if ":" in host else host
    local = f" (from this machine: http://localhost:{port})" if host in ("0.0.0.0", "::") else ""
    server = "development server" if dev else f"gunicorn, {workers} worker(s) x {threads} thread(s)"
    log.info("starting: matcher %s (options: %s) at http://%s:%d%s; %s; memory %s", matcher.name, options, shown,
             port, local, server, store if memory else "off")
    if dev:
        _serve_dev(_app_factory(store if memory else None, max_body_mb, basic_auth)(matcher), host, port)
    else:
        _serve_gunicorn(matcher, store if memory else None, max_body_mb, basic_auth, metrics_dir, {
            "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}", "workers": workers, "threads": threads,
            "timeout": timeout, "graceful_timeout": graceful_timeout, "keepalive": keepalive,
            "log_level": log_level.lower(), "access_log": access_log,
        })
    log.info("stopped")


def _serve_dev(app: Any, host: str, port: int) -> None:
    """werkzeug's threaded development server, stopped by SIGTERM like by Ctrl-C."""
    from werkzeug.serving import run_simple

    signal.signal(signal.SIGTERM, signal.default_int_handler)  # werkzeug stops cleanly on KeyboardInterrupt
    run_simple(host, port, app, threaded=True)


def _serve_gunicorn(
    matcher: Matcher,
    store: Path | None,
    max_body_mb: int,
    basic_auth: tuple[str, str] | None,
    metrics_dir: Path | None,
    settings: dict[str, Any],
) -> None:
    """gunicorn until SIGTERM; each worker builds its own matcher from the validated name and options."""
    try:
        from ..wsgi import GunicornServer, gunicorn_settings, multiprocess_metrics
    except ImportError as exc:
        raise click.ClickException(
            f"gunicorn cannot be imported ({exc}; it does not run on Windows): pip install gunicorn, or run the "
            "development server with --dev"
        ) from None
    name, options = matcher.name, dict(matcher.options)
    with multiprocess_metrics(metrics_dir):
        build = _app_factory(store, max_body_mb, basic_auth)
        server = GunicornServer(lambda: build(get_matcher(name, **options)), gunicorn_settings(**settings))
        try:
            server.run()
        except SystemExit as stop:
            if stop.code not in (0, None):
                raise
