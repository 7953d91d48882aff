"""The Label Studio ML backend over HTTP: a thin Flask shell around :func:`spansuggest.labelstudio.predict`.

Routes: ``GET /`` and ``/health``, ``POST /setup``, ``POST /predict``, ``POST /webhook``, ``GET /versions``,
``GET /metrics`` (Prometheus) and ``GET /openapi.json`` (:mod:`spansuggest.openapi`). Every reply is JSON except
``/metrics``, errors included; user input never causes a 500. Optional Basic auth covers every route.

Metrics live in a registry of the app's own; when ``PROMETHEUS_MULTIPROC_DIR`` is set before
``prometheus_client`` is imported (``spansuggest serve`` does it for gunicorn), every worker process writes its
values there and ``/metrics`` reports the sum over all workers, dead ones included.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, current_app, g, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from . import __version__, labelstudio
from .matchers.base import Matcher
from .memory import Memory
from .openapi import openapi_spec
from .text import DocumentCache, default_cache

__all__ = ["DEFAULT_MAX_BODY", "ServerMetrics", "create_app"]

log = logging.getLogger(__name__)

AUTH_ENV = ("BASIC_AUTH_USER", "BASIC_AUTH_PASS")


DEFAULT_MAX_BODY = 32 * 2**20
"""Bodies over this many bytes get 413: ten times the largest real request seen (a 1,284-region context on a
200 KB text is 469 KB), with room for a 10 MB document and a 100,000-region context."""


class ServerMetrics:
    """The Prometheus metrics of one app, in their own registry (several apps never share counters).

    The document cache's counters live in the text layer and are copied into counters here after every request
    (by difference), so that in multiprocess mode each worker adds its own share.
    """

    def __init__(self, cache: DocumentCache = default_cache) -> None:
        self.registry = CollectorRegistry()
        self.multiprocess_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")  # as prometheus_client reads it
        self.requests = Counter(
            "spansuggest_requests",
            "HTTP requests by route, method and status",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "spansuggest_request_seconds", "Time spent answering a request, by route", ["route"], registry=self.registry
        )
        self.seeds = Counter(
            "spansuggest_seeds", "Seeds read from interactive /predict contexts", registry=self.registry
        )
        self.suggestions = Counter(
            "spansuggest_suggestions", "Suggested regions returned by /predict", registry=self.registry
        )
        self.cache_hits = Counter(
            "spansuggest_document_cache_hits", "Document-cache lookups answered from the cache", registry=self.registry
        )
        self.cache_misses = Counter(
            "spansuggest_document_cache_misses", "Document-cache lookups that built the value", registry=self.registry
        )
        self.cache_entries = Gauge(
            "spansuggest_document_cache_entries",
            "Entries in the document cache (summed over live workers)",
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self.cache = cache
        self._seen = (cache.hits, cache.misses)
        self._lock = threading.Lock()

    def observe_cache(self) -> None:
        """Add the document cache's hits and misses since the last call to the counters."""
        with self._lock:
            hits, misses = self.cache.hits, self.cache.misses
            new_hits, new_misses = hits - self._seen[0], misses - self._seen[1]
            self._seen = (hits, misses)
        self.cache_hits.inc(new_hits)
        self.cache_misses.inc(new_misses)
        self.cache_entries.set(len(self.cache))

    def render(self) -> bytes:
        """The metrics in the Prometheus text format (all workers' in multiprocess mode)."""
        self.observe_cache()
        if self.multiprocess_dir is None:
            return generate_latest(self.registry)
        merged = CollectorRegistry()
        MultiProcessCollector(merged, path=self.multiprocess_dir)
        return generate_latest(merged)


def _error(status: int, message: str) -> Response:
    """A JSON error reply: ``{"error": message, "status": status}``."""
    response = jsonify(error=message, status=status)
    response.status_code = status
    return response


def _credentials_from_env() -> tuple[str, str] | None:
    """``(BASIC_AUTH_USER, BASIC_AUTH_PASS)`` when both are set and non-empty, else ``None`` (no auth)."""
    user, password = (os.environ.get(name, "") for name in AUTH_ENV)
    return (user, password) if user and password else None


def _same(given: str | None, expected: str) -> bool:
    """Constant-time string comparison."""
    return hmac.compare_digest(
        (given or "").encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")
    )


def _json_body() -> Any:
    """The request body parsed as JSON; :class:`RequestError` when it is not JSON."""
    if not request.is_json:
        raise labelstudio.RequestError("the body must be JSON sent with Content-Type: application/json")
    data = request.get_data(cache=False)
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if request.content_length is None and limit is not None and len(data) >= limit:
        raise RequestEntityTooLarge()  # werkzeug silently cuts a chunked body at the limit
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise labelstudio.RequestError(f"the body is not valid JSON: {exc}") from None


def _json_body_or_none() -> Any:
    """The request body parsed as JSON, or ``None`` whatever is wrong with it (for routes that must not fail)."""
    try:
        return _json_body()
    except (labelstudio.RequestError, HTTPException):
        return None


class Preparer:
    """Per-document work for new tasks, done in one background thread so the webhook answers at once.

    A matcher with a ``prepare(text)`` method (the transformer encodes the document) gets the texts of the tasks
    Label Studio reports as created, so the annotator's first click is as fast as a repeat click. The queue is
    bounded: texts beyond it are skipped with a log line (their first click just does the work).
    """

    def __init__(self, prepare: Callable[[str], None], capacity: int = 64) -> None:
        self._prepare = prepare
        self._queue: queue.Queue[str] = queue.Queue(maxsize=capacity)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, texts: list[str]) -> None:
        """Queue texts for preparation (never blocks)."""
        skipped = 0
        for text in texts:
            try:
                self._queue.put_nowait(text)
            except queue.Full:
                skipped += 1
        if skipped:
            log.info("prepare queue full: %d new task text(s) will be prepared at their first click", skipped)
        with self._lock:
            if texts and (self._thread is None or not self._thread.is_alive()):
                self._thread = threading.Thread(target=self._run, name="spansuggest-prepare", daemon=True)
                self._thread.start()

    def join(self) -> None:
        """Wait until every queued text is prepared (for tests and orderly shutdown)."""
        self._queue.join()

    def _run(self) -> None:
        while True:
            text = self._queue.get()
            try:
                started = time.perf_counter()
                self._prepare(text)
                log.info("prepared a new task's document (%d chars) in %.1f s", len(text), time.perf_counter() - started)
            except Exception:  # a document the matcher cannot prepare is prepared (or refused) at its first click
                log.exception("preparing a new task's document failed")
            finally:
                self._queue.task_done()


def create_app(
    matcher: Matcher,
    *,
    model_version: str | None = None,
    max_content_length: int = DEFAULT_MAX_BODY,
    basic_auth: tuple[str, str] | None = None,
    memory: Memory | None = None,
) -> Flask:
    """The ML backend app serving ``matcher``.

    With a ``memory``, every labeled span reported by ``/webhook`` is learned per project, batch predictions
    come from what was learned, the model version carries the memory's version, and suggestions the
    annotator deleted are not suggested again in that task (see :mod:`spansuggest.memory`).

    ``model_version`` defaults to :func:`~spansuggest.labelstudio.model_version_for` the matcher.
    ``basic_auth`` is ``(user, password)``; when ``None`` it is read from ``BASIC_AUTH_USER`` and
    ``BASIC_AUTH_PASS`` and enforced only when both are set. Bodies over ``max_content_length`` bytes get 413.
    A matcher with a ``prepare(text)`` method gets the texts of newly created tasks (``TASKS_CREATED``) in a
    background thread (:class:`Preparer`).
    """
    version = model_version or labelstudio.model_version_for(matcher)
    credentials = basic_auth if basic_auth is not None else _credentials_from_env()
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = max_content_length
    app.json.sort_keys = False  # type: ignore[attr-defined]
    prepare = getattr(matcher, "prepare", None)
    preparer = Preparer(prepare) if callable(prepare) else None
    app.extensions["spansuggest.preparer"] = preparer
    metrics = ServerMetrics()

    @app.before_request
    def _start_clock() -> None:
        g.started = time.perf_counter()

    @app.before_request
    def _check_auth() -> Response | None:
        if credentials is None:
            return None
        auth = request.authorization
        user_ok = _same(auth.username if auth else None, credentials[0])
        pass_ok = _same(auth.password if auth else None, credentials[1])
        if auth is not None and auth.type == "basic" and user_ok and pass_ok:
            return None
        response = _error(401, "authentication required: send the backend's Basic auth credentials")
        response.headers["WWW-Authenticate"] = 'Basic realm="Login required"'
        return response

    @app.after_request
    def _count(response: Response) -> Response:
        route = request.url_rule.rule if request.url_rule is not None else "<unmatched>"
        metrics.requests.labels(route, request.method, str(response.status_code)).inc()
        if "started" in g:
            metrics.latency.labels(route).observe(time.perf_counter() - g.started)
        metrics.observe_cache()
        return response

    @app.errorhandler(labelstudio.RequestError)
    @app.errorhandler(labelstudio.LabelConfigError)
    def _bad_request(exc: ValueError) -> Response:
        log.info("%s %s -> 400: %s", request.method, request.path, exc)
        return _error(400, str(exc))

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        response = exc.get_response()
        response.data = json.dumps({"error": exc.description or exc.name, "status": exc.code})
        response.content_type = "application/json"
        return response

    @app.errorhandler(Exception)
    def _internal_error(exc: Exception) -> Response:
        log.exception("%s %s failed", request.method, request.path)
        return _error(500, f"internal error: {type(exc).__name__}")

    def health() -> Response:
        return jsonify(
            status="UP",
            model_class=f"spansuggest:{matcher.name}",
            model_version=version,
            spansuggest_version=__version__,
        )

    app.add_url_rule("/", "index", health)
    app.add_url_rule("/health", "health", health)

    @app.post("/setup")
    def setup() -> Response:
        body = _json_body_or_none()
        project = body.get("project") if isinstance(body, dict) else None
        log.debug("setup for project %r", project)
        return jsonify(model_version=memory.model_version(version, project) if memory is not None else version)

    @app.post("/predict")
    def predict() -> Response:
        body = _json_body()
        started = time.perf_counter()
        outcome = labelstudio.predict(body, matcher, version)
        if memory is not None:
            outcome = memory.predict(body, outcome, version)
        elapsed_ms = (time.perf_counter() - started) * 1000
        ids = outcome.task_ids
        log.info(
            "predict task=%s seeds=%d suggestions=%d ms=%.1f",
            ids[0] if len(ids) == 1 else f"{len(ids)} tasks {ids[:5]}",
            outcome.seeds,
            outcome.suggestions,
            elapsed_ms,
        )
        metrics.seeds.inc(outcome.seeds)
        metrics.suggestions.inc(outcome.suggestions)
        return jsonify(results=outcome.results)

    @app.post("/webhook")
    def webhook() -> Response:
        body = _json_body_or_none()
        action = body.get("action") if isinstance(body, dict) else None
        log.debug("webhook %r", action)
        if action == "TASKS_CREATED" and preparer is not None:
            preparer.submit(labelstudio.task_texts(body))
        if memory is not None:
            return jsonify(memory.learn(body))
        return jsonify(status="ok", action=action if isinstance(action, str) else None)

    @app.get("/versions")
    def versions() -> Response:
        return jsonify(versions=[version])

    @app.get("/metrics")
    def prometheus() -> Response:
        return Response(metrics.render(), content_type=CONTENT_TYPE_LATEST)

    spec = openapi_spec(__version__)

    @app.get("/openapi.json")
    def openapi() -> Response:
        return jsonify(spec)

    return app
