"""What the backend learns from a labeling session: a pattern memory per project, in SQLite.

Three things are remembered, per Label Studio project:

- **patterns**: every span an annotator labeled and submitted, as (control, label, surface) with the
  annotation it came from, so a later update replaces that annotation's spans and a deletion removes them.
  The project's gazetteer is their sum (surface -> label, with counts); every change bumps the project's
  version, which becomes a suffix of the ``model_version`` so Label Studio re-predicts stored tasks.
- **suggested**: the regions the backend returned in interactive calls, per task, with when.
- **rejected**: suggested regions the annotator deleted, per task; never suggested again in that task.

The rejection rule (Label Studio sends, on every create, resize or delete of a region, the regions of the
annotation that share its first label on that object; protocol §4.3): a suggestion of label L is judged
deleted when a later interactive context of the same task holds at least one region of L on the same
control, holds none with the suggestion's id or span, and arrived at least :data:`GRACE_SECONDS` after the
suggestion was sent (a context sent while a response was still in flight, whose response the UI drops,
must not count). An empty context judges nothing: Label Studio sends one after Submit for every region
(protocol §15), as well as when the last region of a label is deleted, and the two cannot be told apart.

Storage: one SQLite file (WAL, ``synchronous=FULL``, ``BEGIN IMMEDIATE`` write transactions, a busy
timeout), shared safely by several worker processes; each change is one transaction, so a process killed
mid-write loses nothing it had committed and leaves nothing half-written.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

from .labelstudio import (
    Control,
    LabelConfigError,
    PredictOutcome,
    addresses,
    empty_prediction,
    known_ids,
    parse_label_config,
    prediction,
    read_region,
    saved_regions,
    to_result,
)
from .matchers.base import Matcher
from .matchers.exact import LITERAL, ExactMatcher
from .matchers.gazetteer import Gazetteer, Pattern

__all__ = [
    "GRACE_SECONDS",
    "LEARNING_ACTIONS",
    "LearnedSpan",
    "Memory",
    "PatternStore",
    "annotation_spans",
    "default_store_path",
    "gazetteer_options",
    "project_key",
]

log = logging.getLogger(__name__)

LEARNING_ACTIONS = ("ANNOTATION_CREATED", "ANNOTATION_UPDATED", "ANNOTATIONS_DELETED", "START_TRAINING")
"""Webhook actions that change (or report) what a project learned; ``TASKS_DELETED`` only cleans up."""

GRACE_SECONDS = 1.0
"""A suggestion younger than this is never judged deleted (its response may not have reached the UI yet)."""

SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    project TEXT PRIMARY KEY,
    version INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS spans (
    project TEXT NOT NULL, annotation TEXT NOT NULL, from_name TEXT NOT NULL, to_name TEXT NOT NULL,
    label TEXT NOT NULL, surface TEXT NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (project, annotation, from_name, to_name, label, surface)
);
CREATE INDEX IF NOT EXISTS spans_by_pattern ON spans (project, from_name, to_name, label, surface);
CREATE TABLE IF NOT EXISTS suggested (
    project TEXT NOT NULL, task TEXT NOT NULL, from_name TEXT NOT NULL, to_name TEXT NOT NULL,
    label TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, region_id TEXT NOT NULL,
    sent_at REAL NOT NULL,
    PRIMARY KEY (project, task, from_name, to_name, label, start, "end")
);
CREATE TABLE IF NOT EXISTS rejected (
    project TEXT NOT NULL, task TEXT NOT NULL, from_name TEXT NOT NULL, to_name TEXT NOT NULL,
    label TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, surface TEXT NOT NULL,
    PRIMARY KEY (project, task, from_name, to_name, start, "end", label)
);
"""


def default_store_path() -> Path:
    """``$SPANSUGGEST_STORE``, else ``$XDG_DATA_HOME/spansuggest/memory.sqlite3`` (``~/.local/share/...``)."""
    explicit = os.environ.get("SPANSUGGEST_STORE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "spansuggest" / "memory.sqlite3"


def project_key(project: Any) -> str | None:
    """The project id as a string, from ``"<id>.<created ts>"`` (/setup, /predict) or ``{"id": …}`` (webhooks)."""
    if isinstance(project, Mapping):
        project = project.get("id")
    if isinstance(project, bool) or project is None:
        return None
    if isinstance(project, int):
        return str(project)
    if isinstance(project, str) and project.split(".", 1)[0].strip():
        return project.split(".", 1)[0].strip()
    return None


class LearnedSpan(NamedTuple):
    """A labeled span taken from an annotation: which control, which label, which surface."""

    from_name: str
    to_name: str
    label: str
    surface: str


def annotation_spans(annotation: Mapping[str, Any], task: Any, controls: Sequence[Control]) -> list[LearnedSpan]:
    """The labeled spans of one annotation (empty when cancelled), surfaces read from the task's text."""
    data = task.get("data") if isinstance(task, Mapping) else None
    found = []
    for control in controls:
        text = data.get(control.value_key) if isinstance(data, Mapping) else None
        if not isinstance(text, str):
            continue
        for region in saved_regions({"annotations": [annotation], "id": annotation.get("task")}, control, text):
            surface = text[region.start : region.end].strip()
            if surface and region.labels:
                found.append(LearnedSpan(control.from_name, control.to_name, region.labels[0], surface))
    return found


GAZETTEER_OPTIONS = ("case_sensitive", "whole_word", "normalize", "overlaps")
"""The served matcher's options a gazetteer applies to its literal patterns (others keep the literal default)."""


def gazetteer_options(matcher: Matcher) -> dict[str, Any]:
    """The served matcher's options that a gazetteer applies (explicit case sensitivity, whole words, overlaps)."""
    return {k: v for k, v in matcher.options.items() if k in GAZETTEER_OPTIONS and v is not None}


class PatternStore:
    """The SQLite file behind a :class:`Memory`: one connection per thread, one transaction per change."""

    def __init__(self, path: str | os.PathLike[str], *, busy_timeout: float = 30.0) -> None:
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        self._local = threading.local()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.write() as db:
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            found = db.execute("PRAGMA user_version").fetchone()[0]
            if found not in (0, SCHEMA_VERSION):
                raise RuntimeError(f"{self.path}: schema version {found}, this spansuggest reads {SCHEMA_VERSION}")
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _connection(self) -> sqlite3.Connection:
        """This thread's connection; a forked worker (gunicorn ``--preload``) opens its own, never its parent's."""
        db = getattr(self._local, "db", None)
        if db is None or self._local.pid != os.getpid():
            db = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute(f"PRAGMA busy_timeout={int(self.busy_timeout * 1000)}")
            self._local.db, self._local.pid = db, os.getpid()
        return db

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE``): committed on success, rolled back on error."""
        db = self._connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def read(self) -> sqlite3.Connection:
        """A connection for reads (each statement sees a committed snapshot)."""
        return self._connection()

    def close(self) -> None:
        """Close this thread's connection."""
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    # -- patterns -----------------------------------------------------------------------------------------

    def version(self, project: str) -> int:
        """How many times the project's patterns changed (0: nothing learned yet)."""
        row = self.read().execute("SELECT version FROM meta WHERE project = ?", (project,)).fetchone()
        return int(row[0]) if row else 0

    @staticmethod
    def _bump(db: sqlite3.Connection, project: str) -> None:
        db.execute(
            "INSERT INTO meta (project, version) VALUES (?, 1) "
            "ON CONFLICT (project) DO UPDATE SET version = version + 1",
            (project,),
        )

    def replace_annotation(self, project: str, annotation: str, spans: Iterable[LearnedSpan]) -> bool:
        """Set the spans learned from one annotation (created or updated); True when that changed anything."""
        new = Counter(spans)
        with self.write() as db:
            rows = db.execute(
                "SELECT from_name, to_name, label, surface, n FROM spans WHERE project = ? AND annotation = ?",
                (project, annotation),
            ).fetchall()
            if Counter({LearnedSpan(*r[:4]): r[4] for r in rows}) == new:
                return False
            db.execute("DELETE FROM spans WHERE project = ? AND annotation = ?", (project, annotation))
            db.executemany(
                "INSERT INTO spans VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(project, annotation, *span, n) for span, n in new.items()],
            )
            self._bump(db, project)
        return True

    def forget_annotations(self, project: str, annotations: Sequence[str]) -> int:
        """Remove what deleted annotations taught; returns how many distinct spans went."""
        if not annotations:
            return 0
        with self.write() as db:
            marks = ",".join("?" * len(annotations))
            gone = db.execute(
                f"DELETE FROM spans WHERE project = ? AND annotation IN ({marks})", (project, *annotations)
            ).rowcount
            if gone:
                self._bump(db, project)
        return gone

    def patterns(self, project: str) -> list[tuple[str, str, Pattern]]:
        """The project's gazetteer: ``(from_name, to_name, Pattern(label, surface, count))``, sorted."""
        rows = self.read().execute(
            "SELECT from_name, to_name, label, surface, SUM(n) FROM spans WHERE project = ? "
            "GROUP BY from_name, to_name, label, surface ORDER BY 1, 2, 3, 4",
            (project,),
        )
        return [(f, t, Pattern(label, surface, int(n))) for f, t, label, surface, n in rows]

    # -- suggestions and rejections --------------------------------------------------------------------------

    def rejected(self, project: str, task: str) -> set[tuple[str, str, int, int]]:
        """Spans deleted by the annotator in this task: ``(from_name, to_name, start, end)``."""
        rows = self.read().execute(
            'SELECT from_name, to_name, start, "end" FROM rejected WHERE project = ? AND task = ?', (project, task)
        )
        return {tuple(r) for r in rows}  # type: ignore[misc]

    def observe(
        self,
        project: str,
        task: str,
        present: Mapping[tuple[str, str, str], tuple[set[str], set[tuple[int, int]]]],
        text_of: Mapping[tuple[str, str], str],
        sent: Sequence[tuple[str, str, str, int, int, str]],
        now: float,
    ) -> int:
        """Judge earlier suggestions against a context and record the new ones, in one transaction.

        ``present`` maps ``(from_name, to_name, label)`` to the ids and spans of that label's context regions;
        ``sent`` lists the suggestions returned now as ``(from_name, to_name, label, start, end, id)``.
        Returns how many suggestions were judged deleted.
        """
        rejected = 0
        with self.write() as db:
            for (from_name, to_name, label), (ids, spans) in present.items():
                rows = db.execute(
                    'SELECT start, "end", region_id, sent_at FROM suggested WHERE project = ? AND task = ? '
                    "AND from_name = ? AND to_name = ? AND label = ?",
                    (project, task, from_name, to_name, label),
                ).fetchall()
                for start, end, region_id, sent_at in rows:
                    if region_id in ids or (start, end) in spans or now - sent_at < GRACE_SECONDS:
                        continue
                    text = text_of.get((from_name, to_name), "")
                    db.execute(
                        "INSERT OR IGNORE INTO rejected VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (project, task, from_name, to_name, label, start, end, text[start:end]),
                    )
                    db.execute(
                        'DELETE FROM suggested WHERE project = ? AND task = ? AND from_name = ? AND to_name = ? '
                        'AND label = ? AND start = ? AND "end" = ?',
                        (project, task, from_name, to_name, label, start, end),
                    )
                    rejected += 1
            db.executemany(
                "INSERT OR REPLACE INTO suggested VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(project, task, f, t, label, s, e, rid, now) for f, t, label, s, e, rid in sent],
            )
        return rejected

    def forget_tasks(self, project: str, tasks: Sequence[str]) -> None:
        """Drop the suggestion and rejection records of deleted tasks."""
        if not tasks:
            return
        marks = ",".join("?" * len(tasks))
        with self.write() as db:
            for table in ("suggested", "rejected"):
                db.execute(f"DELETE FROM {table} WHERE project = ? AND task IN ({marks})", (project, *tasks))


def _ids(entries: Any) -> list[str]:
    """The ``id`` of each object in a webhook's list (``annotations`` / ``tasks``), as strings."""
    if not isinstance(entries, list):
        return []
    return [str(e["id"]) for e in entries if isinstance(e, Mapping) and isinstance(e.get("id"), (int, str))]


class Memory:
    """The learning side of the ML backend: webhooks in, batch predictions and rejection filtering out.

    Server wiring: ``/webhook`` answers :meth:`learn`; ``/setup`` answers :meth:`model_version`;
    ``/predict`` passes the adapter's outcome through :meth:`predict`.
    """

    def __init__(
        self, store: PatternStore, *, cache_size: int = 8, clock: Callable[[], float] = time.time, **options: Any
    ) -> None:
        self.store = store
        self.clock = clock
        self.options = ExactMatcher(**{**LITERAL, **options}).options  # validated once, at start-up
        self.cache_size = cache_size
        self._gazetteers: OrderedDict[tuple[str, int], dict[tuple[str, str], Gazetteer]] = OrderedDict()
        self._lock = threading.Lock()

    # -- webhooks ----------------------------------------------------------------------------------------

    def learn(self, payload: Any) -> dict[str, Any]:
        """Handle one webhook body; never raises on a malformed body (the reply says what happened)."""
        action = payload.get("action") if isinstance(payload, Mapping) else None
        reply: dict[str, Any] = {"status": "ok", "action": action if isinstance(action, str) else None}
        project = project_key(payload.get("project")) if isinstance(payload, Mapping) else None
        if project is None:
            return reply if action not in LEARNING_ACTIONS else {**reply, "status": "ignored", "reason": "no project id"}
        if action in ("ANNOTATION_CREATED", "ANNOTATION_UPDATED"):
            annotation = payload.get("annotation")
            config = payload["project"].get("label_config") if isinstance(payload["project"], Mapping) else None
            if not isinstance(annotation, Mapping) or not isinstance(annotation.get("id"), (int, str)):
                return {**reply, "status": "ignored", "reason": "no annotation id"}
            if not isinstance(config, str):
                return {**reply, "status": "ignored", "reason": "no project.label_config"}
            try:
                controls = parse_label_config(config)
            except ValueError as exc:
                return {**reply, "status": "ignored", "reason": str(exc)}
            spans = annotation_spans(annotation, payload.get("task"), controls)
            reply["changed"] = self.store.replace_annotation(project, str(annotation["id"]), spans)
            reply["spans"] = len(spans)
        elif action == "ANNOTATIONS_DELETED":
            reply["changed"] = self.store.forget_annotations(project, _ids(payload.get("annotations"))) > 0
        elif action == "TASKS_DELETED":
            self.store.forget_tasks(project, _ids(payload.get("tasks")))
        if action in LEARNING_ACTIONS:
            reply["memory_version"] = self.store.version(project)
        return reply

    def model_version(self, base: str, project: Any) -> str:
        """``base`` with the project's memory version (``base+m3``); ``base`` alone before anything is learned."""
        key = project_key(project)
        return _versioned(base, self.store.version(key) if key is not None else 0)

    # -- predictions -------------------------------------------------------------------------------------

    def gazetteers(self, project: str) -> tuple[int, dict[tuple[str, str], Gazetteer]]:
        """The project's memory version and one gazetteer per ``(from_name, to_name)``, built once per version."""
        version = self.store.version(project)
        key = (project, version)
        with self._lock:
            built = self._gazetteers.get(key)
            if built is not None:
                self._gazetteers.move_to_end(key)
                return version, built
        grouped: dict[tuple[str, str], list[Pattern]] = {}
        for from_name, to_name, pattern in self.store.patterns(project):
            grouped.setdefault((from_name, to_name), []).append(pattern)
        built = {pair: Gazetteer(patterns, **self.options) for pair, patterns in grouped.items()}
        with self._lock:
            self._gazetteers[key] = built
            while len(self._gazetteers) > self.cache_size:
                self._gazetteers.popitem(last=False)
        return version, built

    def predict(self, body: Any, outcome: PredictOutcome, base_version: str) -> PredictOutcome:
        """Add memory to the adapter's answer: gazetteer predictions for a batch call, rejections for an interactive one.

        ``body`` is the ``/predict`` body the adapter already validated and answered with ``outcome``.
        """
        params = body.get("params") if isinstance(body, Mapping) else None
        context = params.get("context") if isinstance(params, Mapping) else None
        project = project_key(body.get("project")) if isinstance(body, Mapping) else None
        config = body.get("label_config") if isinstance(body, Mapping) else None
        if project is None or not isinstance(config, str):
            return outcome
        try:
            controls = parse_label_config(config)
        except LabelConfigError as err:  # the adapter answered this (batch) call without reading the config
            log.info("project %s: label config unreadable (%s); no predictions from memory", project, err)
            return outcome
        if context is None:
            return self._predict_batch(project, body["tasks"], controls, base_version)
        items = context.get("result") if isinstance(context, Mapping) else None
        if not isinstance(items, list) or not items:
            return outcome  # an empty context (after Submit, or the last region deleted) judges nothing
        return self._observe(project, body["tasks"][0], items, controls, outcome)

    def _predict_batch(
        self, project: str, tasks: Sequence[Mapping[str, Any]], controls: Sequence[Control], base_version: str
    ) -> PredictOutcome:
        """One prediction per task from the project's gazetteers (empty ones before anything is learned)."""
        version, gazetteers = self.gazetteers(project)
        model_version = _versioned(base_version, version)
        results = []
        for task in tasks:
            task_id = task.get("id")
            rejected = self.store.rejected(project, str(task_id)) if gazetteers else set()
            results.append(predict_task(task, controls, gazetteers, model_version, rejected))
        return PredictOutcome(results, [t.get("id") for t in tasks], 0, sum(len(r["result"]) for r in results))

    def _observe(
        self,
        project: str,
        task: Mapping[str, Any],
        items: Sequence[Any],
        controls: Sequence[Control],
        outcome: PredictOutcome,
    ) -> PredictOutcome:
        """Judge earlier suggestions against this context, drop rejected spans, record what is sent now."""
        task_key = str(task.get("id"))
        data = task.get("data")
        present: dict[tuple[str, str, str], tuple[set[str], set[tuple[int, int]]]] = {}
        text_of: dict[tuple[str, str], str] = {}
        for control in controls:
            text = data.get(control.value_key) if isinstance(data, Mapping) else None
            if not isinstance(text, str):
                continue
            text_of[(control.from_name, control.to_name)] = text
            for item in items:
                if not addresses(item, control):
                    continue
                try:
                    region = read_region(item, text)
                except ValueError:
                    continue
                if region.labels:
                    ids, spans = present.setdefault((control.from_name, control.to_name, region.labels[0]), (set(), set()))
                    spans.add((region.start, region.end))
                    if region.id is not None:
                        ids.add(region.id)
        rejected = self.store.rejected(project, task_key)
        answer = outcome.results[0]
        kept = [
            r
            for r in answer.get("result", [])
            if (r["from_name"], r["to_name"], r["value"]["start"], r["value"]["end"]) not in rejected
        ]
        sent = [
            (r["from_name"], r["to_name"], r["value"]["labels"][0], r["value"]["start"], r["value"]["end"], r["id"])
            for r in kept
        ]
        if present or sent:
            judged = self.store.observe(project, task_key, present, text_of, sent, self.clock())
            if judged:
                log.info("project %s task %s: %d suggestion(s) judged deleted by the annotator", project, task_key, judged)
                rejected = self.store.rejected(project, task_key)
                kept = [
                    r for r in kept if (r["from_name"], r["to_name"], r["value"]["start"], r["value"]["end"]) not in rejected
                ]
        if len(kept) == len(answer.get("result", [])):
            return outcome
        results = [prediction(kept, answer["model_version"]), *outcome.results[1:]]
        return outcome._replace(results=results, suggestions=outcome.suggestions - len(answer["result"]) + len(kept))


def _versioned(base: str, version: int) -> str:
    """A model version with the memory's version: ``base+m3``; ``base`` alone before anything is learned."""
    return f"{base}+m{version}" if version else base


def predict_task(
    task: Mapping[str, Any],
    controls: Sequence[Control],
    gazetteers: Mapping[tuple[str, str], Gazetteer],
    model_version: str,
    rejected: set[tuple[str, str, int, int]] = frozenset(),  # type: ignore[assignment]
) -> dict[str, Any]:
    """A task's prediction from gazetteers: every match not overlapping a saved region nor a rejected span."""
    data = task.get("data")
    if not isinstance(data, Mapping):
        return empty_prediction(model_version)
    taken = known_ids([], task)
    results = []
    for control in controls:
        gazetteer = gazetteers.get((control.from_name, control.to_name))
        text = data.get(control.value_key)
        if gazetteer is None or not isinstance(text, str):
            continue
        exclude = [(r.start, r.end) for r in saved_regions(task, control, text)]
        for s in gazetteer.match(text, exclude=exclude):
            if (control.from_name, control.to_name, s.start, s.end) in rejected:
                continue
            result = to_result(s, control, text, {}, taken)
            if result is not None:
                results.append(result)
    return prediction(results, model_version)
