"""Batch pre-annotation of a Label Studio tasks file, in one process or over a Dask cluster.

Tasks are read one at a time (a JSON array or JSON Lines, see :func:`read_tasks`), each gets one
prediction from an :class:`Annotator`, and they are written back in input order, so memory stays bounded
by a window of tasks whatever the file's size. The Dask engine ships the annotator to every worker once and
batches of tasks to whichever worker is free, keeping a bounded number of batches in flight; its output is
identical to the single-process run.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import IO, Any, NamedTuple

from .labelstudio import Control, known_ids, prediction, saved_regions, to_result
from .matchers.base import Matcher
from .matchers.exact import ExactMatcher
from .matchers.gazetteer import Gazetteer, Pattern
from .memory import gazetteer_options
from .types import Selection

__all__ = ["Annotator", "TaskError", "TaskWriter", "annotate_dask", "annotate_tasks", "read_patterns", "read_tasks"]

CHUNK = 1 << 20
_WS = re.compile(r"[ \t\r\n]*")


class TaskError(ValueError):
    """A malformed task or pattern; the message names the line where it starts."""


class Annotator:
    """One prediction per task: patterns (a gazetteer) and the task's own labeled regions as seeds.

    Patterns go through a :class:`Gazetteer` with the matcher's options when the matcher is the exact
    one, else to the matcher as pattern seeds. A pattern applies to every control that lists its label.
    The task's saved regions (annotations) seed the matcher too and are never suggested over.
    """

    def __init__(
        self, controls: Sequence[Control], matcher: Matcher, patterns: Sequence[Pattern], model_version: str
    ) -> None:
        self.controls = tuple(controls)
        self.matcher = matcher
        self.model_version = model_version
        self.patterns: dict[tuple[str, str], list[Pattern]] = {}
        for control in self.controls:
            chosen = [p for p in patterns if not control.labels or p.label in control.labels]
            self.patterns[(control.from_name, control.to_name)] = chosen
        self.gazetteers: dict[tuple[str, str], Gazetteer] = {}
        if isinstance(matcher, ExactMatcher):
            options = gazetteer_options(matcher)
            self.gazetteers = {pair: Gazetteer(p, **options) for pair, p in self.patterns.items() if p}

    def predict(self, task: Mapping[str, Any]) -> dict[str, Any]:
        """The prediction for one task (``{"model_version", "score", "result"}``)."""
        data = task.get("data")
        taken = known_ids([], task)
        results = []
        for control in self.controls:
            text = data.get(control.value_key) if isinstance(data, Mapping) else None
            if not isinstance(text, str):
                continue
            pair = (control.from_name, control.to_name)
            saved = list(saved_regions(task, control, text))
            exclude = [(r.start, r.end) for r in saved]
            gazetteer = self.gazetteers.get(pair)
            suggestions = gazetteer.match(text, exclude=exclude) if gazetteer is not None else []
            seeds = [Selection(r.start, r.end, r.labels[0]) for r in saved if r.labels]
            if gazetteer is None:
                seeds += [Selection.pattern(p.text, p.label) for p in self.patterns[pair]]
            if seeds:
                exclude += [(s.start, s.end) for s in suggestions]
                suggestions += self.matcher.match(text, seeds, exclude=exclude)
            for s in sorted(suggestions, key=lambda s: (s.start, s.end, s.label)):
                result = to_result(s, control, text, {}, taken)
                if result is not None:
                    results.append(result)
        return prediction(results, self.model_version)

    def annotate(self, task: Mapping[str, Any]) -> dict[str, Any]:
        """The task with this prediction appended to its ``predictions`` (a bare data object gets wrapped)."""
        out = dict(task) if "data" in task else {"data": dict(task)}
        out["predictions"] = [*(out.get("predictions") or []), self.predict(out)]
        return out

    def annotate_batch(self, tasks: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """:meth:`annotate` for each task of a batch (the unit of work sent to a Dask worker)."""
        return [self.annotate(t) for t in tasks]


def _json_lines(lines: Iterable[str], name: str) -> Iterator[tuple[int, Any, str]]:
    """``(line number, value, line)`` for each non-blank line of JSON Lines; a line that is not JSON is named."""
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError as exc:
            raise TaskError(f"{name} line {number}: not JSON ({exc})") from None
        yield number, value, line


def read_patterns(stream: IO[str], name: str = "patterns") -> list[Pattern]:
    """Patterns from JSON Lines ``{"label": ..., "pattern": "..."}`` (spaCy EntityRuler / Prodigy format).

    Token patterns (a list in ``pattern``) are refused with the line named: only literal strings are read.
    """
    patterns = []
    for number, entry, _ in _json_lines(stream, name):
        label = entry.get("label") if isinstance(entry, dict) else None
        pattern = entry.get("pattern") if isinstance(entry, dict) else None
        if not isinstance(label, str) or not label or not isinstance(pattern, str):
            raise TaskError(f'{name} line {number}: expected {{"label": "...", "pattern": "..."}} with string values')
        patterns.append(Pattern(label, pattern))
    return patterns


class Task(NamedTuple):
    """A task read from a file, with the line it starts on and the bytes of input it spans (UTF-8)."""

    task: dict[str, Any]
    line: int
    nbytes: int


def _nbytes(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _checked(value: Any, name: str, line: int) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TaskError(f"{name} line {line}: a task must be a JSON object, not {type(value).__name__}")
    data = value.get("data", value)
    if not isinstance(data, dict):
        raise TaskError(f"{name} line {line}: the task's data must be a JSON object, not {type(data).__name__}")
    return value


def read_tasks(stream: IO[str], name: str = "tasks") -> tuple[str, Iterator[Task]]:
    """The file's format (``"json"`` for an array, ``"jsonl"``) and its tasks, read incrementally."""
    head = stream.read(CHUNK)
    first = head.lstrip()[:1]
    if first == "[":
        return "json", _read_array(stream, head, name)
    return "jsonl", _read_lines(stream, head, name)


def _lines(stream: IO[str], head: str) -> Iterator[str]:
    """The lines of a stream whose first ``head`` characters were already read."""
    *complete, tail = head.split("\n")
    yield from (line + "\n" for line in complete)
    first = tail + stream.readline()
    if first:
        yield first
    yield from stream


def _read_lines(stream: IO[str], head: str, name: str) -> Iterator[Task]:
    for number, value, line in _json_lines(_lines(stream, head), name):
        yield Task(_checked(value, name, number), number, _nbytes(line))


class _ArrayReader:
    """Reads the elements of a top-level JSON array from a stream, holding about one element in memory."""

    def __init__(self, stream: IO[str], head: str, name: str) -> None:
        self.stream, self.name = stream, name
        start = head.index("[")
        self.buffer, self.pos, self.line, self.eof = head, start + 1, 1 + head.count("\n", 0, start), False

    def error(self, message: str) -> TaskError:
        return TaskError(f"{self.name} line {self.line}: {message}")

    def refill(self) -> bool:
        """Append more input (at least as much as is pending: a huge task is re-parsed O(log n) times)."""
        if self.eof:
            return False
        more = self.stream.read(max(CHUNK, len(self.buffer) - self.pos))
        self.eof = not more
        self.buffer, self.pos = self.buffer[self.pos :] + more, 0
        return bool(more)

    def peek(self) -> str:
        """The next non-whitespace character ('' at the end of input), counting the lines skipped."""
        while True:
            end = _WS.match(self.buffer, self.pos).end()
            self.line += self.buffer.count("\n", self.pos, end)
            self.pos = end
            if self.pos < len(self.buffer):
                return self.buffer[self.pos]
            if not self.refill():
                return ""

    def value(self) -> tuple[Any, int, int]:
        """The next JSON value, the line it starts on, and its length in characters."""
        decoder = json.JSONDecoder()
        if not self.peek():
            raise self.error("the JSON array is not closed")
        while True:
            try:
                value, end = decoder.raw_decode(self.buffer, self.pos)
            except ValueError as exc:
                if self.refill():
                    continue
                raise self.error(f"not JSON ({exc.args[0]})") from None
            line, size = self.line, _nbytes(self.buffer[self.pos : end])
            self.line += self.buffer.count("\n", self.pos, end)
            self.pos = end
            return value, line, size

    def __iter__(self) -> Iterator[Task]:
        if self.peek() == "]":
            self.pos += 1
        else:
            while True:
                value, line, size = self.value()
                yield Task(_checked(value, self.name, line), line, size)
                ch = self.peek()
                self.pos += 1
                if ch == "]":
                    break
                if ch != ",":
                    raise self.error("expected ',' or ']' after a task" if ch else "the JSON array is not closed")
        if self.peek():
            raise self.error("unexpected data after the JSON array")


def _read_array(stream: IO[str], head: str, name: str) -> Iterator[Task]:
    return iter(_ArrayReader(stream, head, name))


class TaskWriter:
    """Writes annotated tasks as JSON Lines or as a JSON array mirroring the input."""

    def __init__(self, stream: IO[str], fmt: str) -> None:
        self.stream = stream
        self.fmt = fmt
        self.count = 0

    def write(self, task: Mapping[str, Any]) -> None:
        encoded = json.dumps(task, ensure_ascii=False)
        if self.fmt == "jsonl":
            self.stream.write(encoded + "\n")
        else:
            self.stream.write(("[\n" if self.count == 0 else ",\n") + encoded)
        self.count += 1

    def close(self) -> None:
        if self.fmt == "json":
            self.stream.write("[]\n" if self.count == 0 else "\n]\n")
        self.stream.flush()


def annotate_tasks(tasks: Iterable[Task], annotator: Annotator) -> Iterator[tuple[Task, dict[str, Any]]]:
    """Annotate tasks one by one in this process, in order."""
    for item in tasks:
        yield item, annotator.annotate(item.task)


def _batches(tasks: Iterable[Task], max_tasks: int, max_bytes: int) -> Iterator[list[Task]]:
    batch: list[Task] = []
    size = 0
    for item in tasks:
        batch.append(item)
        size += item.nbytes
        if len(batch) >= max_tasks or size >= max_bytes:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def annotate_dask(
    tasks: Iterable[Task],
    annotator: Annotator,
    client: Any,
    *,
    batch_tasks: int = 256,
    batch_bytes: int = 4 * CHUNK,
    in_flight: int | None = None,
) -> Iterator[tuple[Task, dict[str, Any]]]:
    """Annotate tasks on a Dask cluster: batches go to free workers, results come back in input order.

    At most ``in_flight`` batches (default: four per worker thread) are submitted at once, so memory stays
    bounded on both sides.
    """
    shipped = client.scatter(annotator, broadcast=True, hash=False)  # a key of its own: runs never share it
    limit = in_flight or max(2, 4 * sum(client.nthreads().values()))
    window: deque[tuple[list[Task], Any]] = deque()

    def drain(keep: int) -> Iterator[tuple[Task, dict[str, Any]]]:
        while len(window) > keep:
            batch, future = window.popleft()
            yield from zip(batch, future.result())
            future.release()

    for batch in _batches(tasks, batch_tasks, batch_bytes):
        window.append((batch, client.submit(_annotate_batch, shipped, [t.task for t in batch], pure=False)))
        yield from drain(limit)
    yield from drain(0)


def _annotate_batch(annotator: Annotator, tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Worker-side entry point (module level, so Dask can import it)."""
    return annotator.annotate_batch(tasks)

