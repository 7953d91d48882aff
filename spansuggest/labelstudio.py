"""The Label Studio adapter: label configs, ``/predict`` bodies and region results.

It reads a ``/predict`` body (see ``LABEL_STUDIO_PROTOCOL.md``), turns the regions of the interactive
context into seeds and every existing region (context, drafts, annotations) into exclusions for each
``<Labels>``→``<Text>`` pair of the label config, asks a matcher, and writes its suggestions back as
Label Studio region results. It knows nothing of HTTP (the server is a thin shell over :func:`predict`)
nor of how a matcher finds its spans.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Container, Iterator, Mapping, Sequence
from functools import lru_cache
from numbers import Integral, Real
from typing import Any, NamedTuple

import defusedxml
import defusedxml.ElementTree as SafeET

from . import __version__
from .matchers.base import Matcher
from .types import Selection, Suggestion

__all__ = [
    "Control",
    "LabelConfigError",
    "PredictOutcome",
    "Region",
    "RequestError",
    "addresses",
    "empty_prediction",
    "known_ids",
    "model_version_for",
    "parse_label_config",
    "predict",
    "prediction",
    "read_region",
    "region_id",
    "saved_regions",
    "task_texts",
    "to_result",
]

log = logging.getLogger(__name__)

ID_PREFIX = "ss-"
"""Every region id this backend emits starts with it (Label Studio's own ids are 10 random characters)."""


class LabelConfigError(ValueError):
    """A label config that is not a string of plain XML (a DTD or entities are refused)."""


class RequestError(ValueError):
    """A ``/predict`` body whose shape breaks the protocol; the message names the problem."""


class Control(NamedTuple):
    """One ``<Labels>`` control and the ``<Text>`` object it labels, whose text is ``task.data[value_key]``."""

    from_name: str
    to_name: str
    value_key: str
    labels: tuple[str, ...]


class Region(NamedTuple):
    """A labeled span read from a Label Studio result item (``labels`` is empty when they are unusable)."""

    id: str | None
    start: int
    end: int
    labels: tuple[str, ...]


class PredictOutcome(NamedTuple):
    """What :func:`predict` returns: the reply's ``results`` (one prediction per task) and counts for logs."""

    results: list[dict[str, Any]]
    task_ids: list[Any]
    seeds: int
    suggestions: int


@lru_cache(maxsize=64)
def parse_label_config(config: str) -> tuple[Control, ...]:
    """Every ``<Labels>``→``<Text>`` pair of a label config, in document order; cached per config string.

    Controls pointing at other objects (``HyperText``, ``Paragraphs``, …) and ``<Text>`` objects whose
    text is not inline task data (a literal value, ``valueType="url"``) are ignored.
    """
    try:
        root = SafeET.fromstring(config, forbid_dtd=True)
    except defusedxml.DefusedXmlException as exc:
        raise LabelConfigError(f"label_config must not use a DTD or entities ({type(exc).__name__})") from None
    except (ET.ParseError, ValueError) as exc:
        raise LabelConfigError(f"label_config is not XML: {exc}") from None
    texts: dict[str, str] = {}
    for el in root.iter():
        name, value = el.get("name"), el.get("value", "")
        if el.tag.lower() != "text" or not name:
            continue
        if len(value) > 1 and value.startswith("$") and el.get("valueType", "").lower() != "url":
            texts[name] = value[1:]
        else:
            log.debug("ignoring <Text name=%r value=%r>: its text is not inline task data", name, value)
    controls = []
    for el in root.iter():
        name, targets = el.get("name"), el.get("toName")
        if el.tag.lower() != "labels" or not name or not targets:
            continue
        labels = tuple(v for lab in el.iter() if lab.tag.lower() == "label" and (v := lab.get("value")) is not None)
        for target in (t.strip() for t in targets.split(",")):
            if target in texts:
                controls.append(Control(name, target, texts[target], labels))
            else:
                log.debug("ignoring <Labels name=%r> -> %r: not a <Text> object with task data", name, target)
    return tuple(controls)


def _offset(value: Any) -> int:
    """An integer offset; an integral float (``5.0``) passes, a boolean or a fraction does not."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise ValueError("offsets are not integers")


def read_region(item: Any, text: str) -> Region:
    """The span of a ``labels`` result item, checked against ``text``; ``ValueError`` says why it is unusable."""
    if not isinstance(item, dict):
        raise ValueError("item is not an object")  # noqa: TRY004 (one error type: "unusable")
    value = item.get("value")
    if not isinstance(value, dict):
        raise ValueError("value is not an object")  # noqa: TRY004
    start, end = _offset(value.get("start")), _offset(value.get("end"))
    if not 0 <= start < end <= len(text):
        raise ValueError("offsets are reversed, empty or outside the text")
    labels = value.get("labels")
    usable = isinstance(labels, list) and all(isinstance(x, str) and x for x in labels)
    rid = item.get("id")
    return Region(rid if isinstance(rid, str) else None, start, end, tuple(labels) if usable else ())


def addresses(item: Any, control: Control) -> bool:
    """Whether a result item is a ``labels`` region of ``control``."""
    return (
        isinstance(item, dict)
        and item.get("type") == "labels"
        and item.get("from_name") == control.from_name
        and item.get("to_name") == control.to_name
    )


def _saved_items(task: Mapping[str, Any]) -> Iterator[Any]:
    """Result items of the task's annotations (cancelled ones skipped) and of the requesting user's drafts."""
    for key in ("annotations", "drafts"):
        entries = task.get(key)
        if not isinstance(entries, list):
            continue
        for entry in entries:
            if not isinstance(entry, dict) or entry.get("was_cancelled") is True:
                continue
            results = entry.get("result")
            if isinstance(results, list):
                yield from results


def saved_regions(task: Mapping[str, Any], control: Control, text: str) -> Iterator[Region]:
    """Regions of ``control`` already saved in the task's annotations and drafts; malformed ones are skipped."""
    for item in _saved_items(task):
        if not addresses(item, control):
            continue
        try:
            yield read_region(item, text)
        except ValueError as exc:
            log.debug("task %s: saved region %r skipped: %s", task.get("id"), item.get("id"), exc)


def region_id(from_name: str, to_name: str, start: int, end: int, label: str, *, avoid: Container[str] = ()) -> str:
    """A deterministic region id without ``#`` for a suggestion, never one in ``avoid`` (ids already in use).

    Label Studio merges results sharing an id into one region and lets a suggestion replace the region
    whose id it carries, so on a clash the next salted hash is taken.
    """
    key = "\x1f".join(map(str, (from_name, to_name, start, end, label))).encode("utf-8", "surrogatepass")
    salt = 0
    while True:
        digest = hashlib.blake2b(key + b"\x1f%d" % salt if salt else key, digest_size=6).hexdigest()
        rid = ID_PREFIX + digest
        if rid not in avoid:
            return rid
        salt += 1


def known_ids(items: Sequence[Any], task: Mapping[str, Any]) -> set[str]:
    """Every region id of the context and of the task's saved results: ids a suggestion must not take."""
    ids = set()
    for source in (items, _saved_items(task)):
        for item in source:
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                ids.add(item["id"])
    return ids


def task_texts(payload: Any) -> list[str]:
    """The texts of a ``TASKS_CREATED`` webhook's tasks, for every ``<Text>`` its project's config labels.

    Anything malformed (no tasks, no readable config, non-string data) yields fewer texts, never an error.
    """
    if not isinstance(payload, dict) or not isinstance(payload.get("tasks"), list):
        return []
    project = payload.get("project")
    config = project.get("label_config") if isinstance(project, dict) else None
    try:
        keys = dict.fromkeys(c.value_key for c in parse_label_config(config)) if isinstance(config, str) else {}
    except LabelConfigError:
        return []
    texts = []
    for task in payload["tasks"]:
        data = task.get("data") if isinstance(task, dict) else None
        if isinstance(data, dict):
            texts += [text for key in keys if isinstance(text := data.get(key), str) and text]
    return texts


def prediction(results: Sequence[dict[str, Any]], model_version: str) -> dict[str, Any]:
    """One task's prediction: its region results, their mean score (0 when none) and the model version."""
    score = sum(r["score"] for r in results) / len(results) if results else 0.0
    return {"result": list(results), "score": score, "model_version": model_version}


def empty_prediction(model_version: str) -> dict[str, Any]:
    """The prediction of a task with nothing to suggest (LS's error path avoided, model_version kept)."""
    return prediction([], model_version)


def model_version_for(matcher: Matcher) -> str:
    """The model version of a matcher: stable per spansuggest version, matcher name and options."""
    options = json.dumps(dict(matcher.options), sort_keys=True, default=repr)
    digest = hashlib.sha256(options.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"spansuggest-{__version__}-{matcher.name}-{digest}"


class _Seeds(NamedTuple):
    """What the context gives one control: the seeds, each seed label's full label list, and spans to skip."""

    selections: list[Selection]
    labels_of: dict[str, list[str]]
    exclude: list[tuple[int, int]]


def _skip(skipped: Counter[str], task_id: Any, index: int, reason: str) -> None:
    skipped[reason] += 1
    log.debug("task %s: context item %d skipped: %s", task_id, index, reason)


def _group_context(
    items: Sequence[Any], controls: Sequence[Control], task_id: Any, skipped: Counter[str]
) -> dict[Control, list[tuple[int, dict[str, Any]]]]:
    """The context items addressed to each control (with their index); the others are counted as skipped."""
    by_pair = {(c.from_name, c.to_name): c for c in controls}
    grouped: dict[Control, list[tuple[int, dict[str, Any]]]] = {}
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            _skip(skipped, task_id, index, "item is not an object")
        elif item.get("type") != "labels":
            _skip(skipped, task_id, index, "type is not 'labels'")
        else:
            pair = (item.get("from_name"), item.get("to_name"))
            control = by_pair.get(pair) if all(isinstance(x, str) for x in pair) else None
            if control is None:
                _skip(skipped, task_id, index, "from_name/to_name match no <Labels>-><Text> pair of the config")
            else:
                grouped.setdefault(control, []).append((index, item))
    return grouped


def _read_seeds(items: Sequence[tuple[int, dict[str, Any]]], text: str, task_id: Any, skipped: Counter[str]) -> _Seeds:
    """Seeds (text from the task data, first label) and exclusions from one control's context items."""
    seeds = _Seeds([], {}, [])
    for index, item in items:
        try:
            region = read_region(item, text)
        except ValueError as exc:
            _skip(skipped, task_id, index, str(exc))
            continue
        seeds.exclude.append((region.start, region.end))
        if not region.labels:
            _skip(skipped, task_id, index, "labels are not a non-empty list of strings")
            continue
        surface = text[region.start : region.end]
        if surface.isspace():
            _skip(skipped, task_id, index, "the seed is only whitespace")
            continue
        hint = item["value"].get("text")
        if hint is not None and hint != surface:
            log.debug(
                "task %s: context item %d: value.text %r differs from the task text %r", task_id, index, hint, surface
            )
        seeds.selections.append(Selection(region.start, region.end, region.labels[0]))
        seeds.labels_of[region.labels[0]] = list(region.labels)  # the newest seed of a label decides
    return seeds


def to_result(
    s: Suggestion, control: Control, text: str, labels_of: Mapping[str, list[str]], taken: set[str]
) -> dict[str, Any] | None:
    """One Label Studio region result for a suggestion, or ``None`` (logged) when the matcher broke a rule."""
    valid = all(isinstance(x, Integral) and not isinstance(x, bool) for x in (s.start, s.end))
    valid = valid and 0 <= s.start < s.end <= len(text) and isinstance(s.score, Real) and math.isfinite(s.score)
    if not valid:
        log.error("matcher returned an invalid suggestion %r (text length %d); dropped", s, len(text))
        return None
    start, end, score = int(s.start), int(s.end), float(s.score)
    rid = region_id(control.from_name, control.to_name, start, end, s.label, avoid=taken)
    taken.add(rid)
    return {
        "id": rid,
        "from_name": control.from_name,
        "to_name": control.to_name,
        "type": "labels",
        "origin": "prediction",
        "value": {
            "start": start,
            "end": end,
            "text": text[start:end],
            "labels": list(labels_of.get(s.label, [s.label])),
        },
        "score": score,
    }


def _predict_task(
    task: dict[str, Any], items: Sequence[Any], controls: Sequence[Control], matcher: Matcher, model_version: str
) -> tuple[dict[str, Any], int]:
    """The prediction for one task of an interactive call, and how many seeds it used."""
    task_id = task.get("id")
    data = task.get("data")
    skipped: Counter[str] = Counter()
    taken = known_ids(items, task)
    results: list[dict[str, Any]] = []
    nseeds = 0
    for control, group in _group_context(items, controls, task_id, skipped).items():
        text = data.get(control.value_key) if isinstance(data, dict) else None
        if not isinstance(text, str):
            log.info(
                "task %s: data[%r] is not a string; no suggestions for %r",
                task_id,
                control.value_key,
                control.from_name,
            )
            continue
        seeds = _read_seeds(group, text, task_id, skipped)
        if not seeds.selections:
            continue
        nseeds += len(seeds.selections)
        exclude = seeds.exclude + [(r.start, r.end) for r in saved_regions(task, control, text)]
        try:
            suggestions = matcher.match(text, seeds.selections, exclude=exclude)
        except ValueError as exc:
            log.warning(
                "task %s: matcher %r refused the seeds of %r: %s", task_id, matcher.name, control.from_name, exc
            )
            continue
        for s in suggestions:
            result = to_result(s, control, text, seeds.labels_of, taken)
            if result is not None:
                results.append(result)
    if skipped:
        log.info(
            "task %s: skipped %d context item(s): %s",
            task_id,
            sum(skipped.values()),
            "; ".join(f"{reason} (x{count})" for reason, count in skipped.most_common()),
        )
    return prediction(results, model_version), nseeds


def _context_items(context: Any) -> list[Any] | None:
    """The regions of an interactive context, or ``None`` for a batch call (or an unusable context)."""
    if context is None:
        return None
    if not isinstance(context, dict):
        log.info("params.context is a %s, not an object; answering empty predictions", type(context).__name__)
        return None
    items = context.get("result")
    if items is not None and not isinstance(items, list):
        log.info("params.context.result is a %s, not a list; answering empty predictions", type(items).__name__)
        return None
    return items


def predict(body: Any, matcher: Matcher, model_version: str) -> PredictOutcome:
    """Answer a ``/predict`` body: one prediction per task, in order.

    An interactive call (``params.context.result`` present) suggests, for every ``<Labels>``→``<Text>``
    pair its regions address, the matcher's spans for those seeds, skipping every region that already
    exists. A batch call (no context) gets one empty prediction per task. Raises :class:`RequestError`
    for a body of the wrong shape and :class:`LabelConfigError` for a label config that cannot be read;
    unusable regions or task data only make predictions empty.
    """
    if not isinstance(body, dict):
        raise RequestError(f"the body must be a JSON object, not {type(body).__name__}")
    tasks = body.get("tasks")
    if not isinstance(tasks, list) or not tasks:
        raise RequestError("tasks must be a non-empty list of objects")
    for index, task in enumerate(tasks):
        if not isinstance(task, dict):
            raise RequestError(f"tasks must be a list of objects; tasks[{index}] is a {type(task).__name__}")
    params = body.get("params")
    if params is not None and not isinstance(params, dict):
        raise RequestError(f"params must be an object or null, not {type(params).__name__}")
    items = _context_items((params or {}).get("context"))
    task_ids = [task.get("id") for task in tasks]
    if not items:
        return PredictOutcome([empty_prediction(model_version) for _ in tasks], task_ids, 0, 0)
    config = body.get("label_config")
    if not isinstance(config, str):
        raise LabelConfigError("label_config must be a string of XML")
    controls = parse_label_config(config)
    if not controls:
        log.info("the label config has no <Labels> control on a <Text> object; nothing to suggest")
    results, seeds = [], 0
    for task in tasks:
        prediction, nseeds = _predict_task(task, items, controls, matcher, model_version)
        results.append(prediction)
        seeds += nseeds
    return PredictOutcome(results, task_ids, seeds, sum(len(p["result"]) for p in results))
