"""Measure a matcher against gold annotations: the seed protocol and the simulated annotation session.

**Seed protocol** (``../shared/corpora/README.md``). In each document, mentions form *entity groups*: the
same ``entity_id``, or else (no ``entity_id``) the same label and lower-cased surface. Every group with more
than ``seeds_per_entity`` distinct mention spans is one *trial*: its first ``seeds_per_entity`` mentions in
reading order (``seed="first"``) or that many drawn at random (``seed="random"``, reproducible from
``rng_seed`` and the document id, so every matcher sees the same seeds) are the annotator's selections,
labeled with the first seed's label, and the matcher is asked once: ``matcher.match(text, seeds)``.
A suggestion *hits* a span when its offsets are exactly equal. Per trial:

- same-entity recall: hit share of the group's other mentions (the group's spans minus the seeds);
- same-type recall: hit share of every other gold mention with the trial's label (minus the seeds);
- precision: share of suggestions equal to a gold span with the suggestion's (= the trial's) label;
- clicks saved: correct suggestions (each is a mention the annotator no longer labels by hand) minus
  wrong ones (each is a region the annotator must delete); ``suggestions`` and ``clicks_saved`` are means
  per trial (per seed when ``seeds_per_entity`` is 1).

**Averaging.** *Micro* (the ``overall`` scores and every per-label score): counts are pooled over all
trials before dividing (entity recall = all hits / all other mentions), so a trial weighs by its size.
*Macro*: the unweighted mean of the per-label micro scores, so each label weighs the same. The per-label
scores group trials by the trial's label. The micro figures are the README's reference figures.

**Simulated session** (:func:`simulate`). An annotator labels a document in reading order (by start, the
longer of two spans first). At the first gold mention not yet labeled they label it (one click) and the
matcher is called the way Label Studio calls it: the selections are every region with that label (the
new one last), every existing region is excluded. Suggestions are accepted at once (Label Studio accepts
text suggestions immediately); a suggestion equal to a gold span with its label stays, any other is
deleted (one click). A deleted span suggested again later is ignored at no cost, as a backend that
remembers deletions would. Repeat until every gold (span, label) is labeled.
``clicks`` = manual labels + deletions; without the matcher every gold mention is one click, so
``clicks_saved`` = mentions - clicks (negative when the matcher costs more than it saves).
"""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from .matchers.base import Matcher
from .types import Selection, Suggestion

__all__ = [
    "FIRST_SEED",
    "SEED_CHOICES",
    "DocumentOutcome",
    "GoldDocument",
    "GoldFormatError",
    "GoldSpan",
    "Protocol",
    "Report",
    "Scores",
    "SessionOutcome",
    "SessionReport",
    "SessionScores",
    "Trial",
    "entity_groups",
    "evaluate",
    "plan_trials",
    "read_gold",
    "simulate",
    "simulate_document",
]

Span = tuple[int, int]

SEED_CHOICES = ("first", "random")
"""``first``: the group's earliest mentions are the seeds; ``random``: a reproducible random draw."""

AVERAGING = {
    "micro": "counts pooled over all trials, then divided (overall and per-label scores)",
    "macro": "unweighted mean of the per-label micro scores",
}


# --- gold documents -----------------------------------------------------------------------------------


class GoldSpan(NamedTuple):
    """One gold mention: offsets into the document text (end exclusive), its label, its entity if known."""

    start: int
    end: int
    label: str
    entity_id: str | None = None


class GoldDocument(NamedTuple):
    """A document and its gold mentions (sorted in reading order)."""

    id: str
    text: str
    entities: tuple[GoldSpan, ...]

    def labeled_spans(self) -> frozenset[tuple[int, int, str]]:
        """Every gold ``(start, end, label)``: a suggestion is right when it equals one of them."""
        return frozenset((g.start, g.end, g.label) for g in self.entities)


class GoldFormatError(ValueError):
    """A gold file that cannot be read; the message names the file and the line or task."""


def read_gold(
    path: str | Path, *, text_key: str | None = None, mention_type: str | None = None
) -> Iterator[GoldDocument]:
    """Yield the documents of a gold file: JSONL gold (the corpora format) or a Label Studio JSON export.

    JSONL: one object per line, either ``{"text", "entities": [{"start", "end", "label", "entity_id"?}]}``
    or a Label Studio task. A file whose first character is ``[`` is a Label Studio JSON export (a list of
    tasks). A task's text is ``data[text_key]`` (default: ``data["text"]``, else its only string value); its
    gold is the first non-cancelled annotation's ``labels`` results; tasks without one are skipped.
    ``mention_type`` keeps only JSONL entities with that ``mention_type`` (LitBank: ``PROP``, ``NOM``).
    Raises :class:`GoldFormatError` naming the line (or task) for anything malformed.
    """
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise GoldFormatError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    if raw.lstrip().startswith("["):
        try:
            tasks = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise GoldFormatError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}") from None
        for number, task in enumerate(tasks, 1):
            doc = _document(task, f"{path}: task {number}", f"task-{number}", text_key, mention_type)
            if doc is not None:
                yield doc
        return
    for number, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise GoldFormatError(f"{where}: not valid JSON: {exc.msg} (column {exc.colno})") from None
        doc = _document(obj, where, f"line-{number}", text_key, mention_type)
        if doc is not None:
            yield doc


def _document(
    obj: Any, where: str, default_id: str, text_key: str | None, mention_type: str | None = None
) -> GoldDocument | None:
    """A gold document from one parsed object (gold or Label Studio task), or ``None`` for a task not done."""
    if not isinstance(obj, dict):
        raise GoldFormatError(f"{where}: expected a JSON object, got {type(obj).__name__}")
    if "data" in obj:
        return _task_document(obj, where, default_id, text_key)
    text, entities = obj.get("text"), obj.get("entities")
    if not isinstance(text, str):
        raise GoldFormatError(f'{where}: needs a string "text" (or a Label Studio task with "data")')
    if not isinstance(entities, list):
        raise GoldFormatError(f'{where}: needs an "entities" list')
    spans = []
    for k, ent in enumerate(entities):
        at = f"{where}: entity {k}"
        if not isinstance(ent, dict):
            raise GoldFormatError(f"{at}: expected an object, got {type(ent).__name__}")
        if mention_type is not None and ent.get("mention_type") != mention_type:
            continue
        span = _gold_span(ent.get("start"), ent.get("end"), ent.get("label"), text, at, ent.get("entity_id"))
        if "text" in ent and ent["text"] != text[span.start : span.end]:
            raise GoldFormatError(
                f'{at}: "text" {ent["text"]!r} differs from the document at [{span.start}, {span.end}): '
                f"{text[span.start : span.end]!r} (offsets must be Python str indices)"
            )
        spans.append(span)
    return GoldDocument(str(obj.get("id", default_id)), text, _sorted(spans))


def _task_document(task: dict, where: str, default_id: str, text_key: str | None) -> GoldDocument | None:
    """A gold document from a Label Studio task with a completed annotation (``None`` when it has none)."""
    data = task["data"]
    if not isinstance(data, dict):
        raise GoldFormatError(f'{where}: task "data" must be an object')
    if text_key is None:
        strings = [k for k, v in data.items() if isinstance(v, str)]
        key = "text" if "text" in data else strings[0] if len(strings) == 1 else None
        if key is None:
            raise GoldFormatError(f"{where}: cannot tell which of data's keys {sorted(data)} holds the text; name it")
    else:
        key = text_key
    text = data.get(key)
    if not isinstance(text, str):
        raise GoldFormatError(f"{where}: task data has no string {key!r}")
    annotations = task.get("annotations") or []
    if not isinstance(annotations, list):
        raise GoldFormatError(f'{where}: "annotations" must be a list')
    done = [a for a in annotations if isinstance(a, dict) and not a.get("was_cancelled")]
    if not done:
        return None
    results = done[0].get("result") or []
    if not isinstance(results, list):
        raise GoldFormatError(f'{where}: annotation "result" must be a list')
    spans = []
    for k, result in enumerate(results):
        if not isinstance(result, dict) or result.get("type") != "labels":
            continue
        value, at = result.get("value"), f"{where}: result {k}"
        if not isinstance(value, dict) or not isinstance(value.get("labels"), list):
            raise GoldFormatError(f'{at}: a labels result needs "value" with "start", "end", "labels"')
        spans += [_gold_span(value.get("start"), value.get("end"), label, text, at) for label in value["labels"]]
    return GoldDocument(str(task.get("id", default_id)), text, _sorted(spans))


def _gold_span(start: Any, end: Any, label: Any, text: str, where: str, entity_id: Any = None) -> GoldSpan:
    """A validated gold span: integer offsets inside the text, non-empty, a non-empty string label."""
    if not all(isinstance(x, int) and not isinstance(x, bool) for x in (start, end)):
        raise GoldFormatError(f'{where}: "start" and "end" must be integers, got {start!r}, {end!r}')
    if not 0 <= start < end <= len(text):
        raise GoldFormatError(f"{where}: span [{start}, {end}) is empty or outside the text (length {len(text)})")
    if not isinstance(label, str) or not label:
        raise GoldFormatError(f'{where}: "label" must be a non-empty string, got {label!r}')
    return GoldSpan(start, end, label, None if entity_id is None else str(entity_id))


def _sorted(spans: Iterable[GoldSpan]) -> tuple[GoldSpan, ...]:
    """Reading order: by start, the longer (outer) of two spans first."""
    return tuple(sorted(spans, key=lambda g: (g.start, -g.end, g.label)))


# --- the seed protocol --------------------------------------------------------------------------------


class Protocol(NamedTuple):
    """How seeds are chosen: ``seed`` (one of :data:`SEED_CHOICES`), how many per group, the random seed."""

    seed: str = "first"
    seeds_per_entity: int = 1
    rng_seed: int = 0


class Trial(NamedTuple):
    """One matcher call of the protocol: an entity group's seeds, its other mentions, the suggestions."""

    label: str
    seeds: tuple[GoldSpan, ...]
    others: frozenset[Span]
    suggestions: tuple[Suggestion, ...]


class DocumentOutcome(NamedTuple):
    """A document and the trials run on it."""

    document: GoldDocument
    trials: tuple[Trial, ...]


class _Tally(NamedTuple):
    """Raw counts behind :class:`Scores` (summed over trials)."""

    groups: int = 0
    entity_hits: int = 0
    entity_total: int = 0
    type_hits: int = 0
    type_total: int = 0
    correct: int = 0
    suggested: int = 0

    def __add__(self, other: tuple) -> _Tally:  # type: ignore[override]
        return _Tally(*(a + b for a, b in zip(self, other)))


class Scores(NamedTuple):
    """Suggestion quality for a set of trials; ``None`` where nothing was there to divide by."""

    entity_recall: float | None
    type_recall: float | None
    precision: float | None
    suggestions: float | None
    clicks_saved: float | None
    groups: int

    @classmethod
    def of(cls, t: _Tally) -> Scores:
        """Micro-averaged scores from pooled counts."""

        def ratio(a: int, b: int) -> float | None:
            return a / b if b else None

        return cls(
            ratio(t.entity_hits, t.entity_total),
            ratio(t.type_hits, t.type_total),
            ratio(t.correct, t.suggested),
            ratio(t.suggested, t.groups),
            ratio(2 * t.correct - t.suggested, t.groups),
            t.groups,
        )

    @classmethod
    def mean(cls, scores: Sequence[Scores]) -> Scores:
        """Macro average: the unweighted mean of each score over ``scores`` (ignoring undefined ones)."""
        fields = []
        for k in range(5):
            values = [s[k] for s in scores if s[k] is not None]
            fields.append(sum(values) / len(values) if values else None)
        return cls(*fields, sum(s.groups for s in scores))


@dataclass(frozen=True)
class Report:
    """The result of :func:`evaluate`: micro scores overall and per label, the macro average, every trial."""

    matcher: str
    options: Mapping[str, Any]
    protocol: Protocol
    overall: Scores
    macro: Scores
    labels: Mapping[str, Scores]
    documents: tuple[DocumentOutcome, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (no per-trial detail)."""
        return {
            "matcher": self.matcher,
            "options": dict(self.options),
            "protocol": self.protocol._asdict(),
            "documents": len(self.documents),
            "averaging": AVERAGING,
            "overall": self.overall._asdict(),
            "macro": self.macro._asdict(),
            "labels": {label: s._asdict() for label, s in self.labels.items()},
        }


FIRST_SEED = Protocol()
"""The corpora README's protocol: one seed per entity group, its first mention."""


def entity_groups(doc: GoldDocument) -> list[list[GoldSpan]]:
    """The document's entity groups, each a list of distinct-span mentions in reading order."""
    groups: dict[tuple, dict[Span, GoldSpan]] = {}
    for g in doc.entities:
        key = (
            ("id", g.entity_id) if g.entity_id is not None else ("surface", g.label, doc.text[g.start : g.end].lower())
        )
        groups.setdefault(key, {}).setdefault((g.start, g.end), g)
    return [list(spans.values()) for spans in groups.values()]


def plan_trials(
    doc: GoldDocument, protocol: Protocol = FIRST_SEED
) -> list[tuple[tuple[GoldSpan, ...], frozenset[Span]]]:
    """Each trial's seeds and the group's other mention spans in ``doc``: the same for every matcher."""
    rng = random.Random(f"{protocol.rng_seed}\0{doc.id}")
    n = protocol.seeds_per_entity
    plans = []
    for group in entity_groups(doc):
        if len(group) <= n:
            continue
        seeds = tuple(group[:n] if protocol.seed == "first" else sorted(rng.sample(group, n), key=group.index))
        plans.append((seeds, frozenset((g.start, g.end) for g in group) - {(g.start, g.end) for g in seeds}))
    return plans


def evaluate(
    docs: Iterable[GoldDocument], matcher: Matcher, *, seed: str = "first", seeds_per_entity: int = 1, rng_seed: int = 0
) -> Report:
    """Run the seed protocol (module docstring) of ``matcher`` over ``docs`` and score it."""
    if seed not in SEED_CHOICES:
        raise ValueError(f"seed must be one of {', '.join(SEED_CHOICES)}; got {seed!r}")
    if isinstance(seeds_per_entity, bool) or not isinstance(seeds_per_entity, int) or seeds_per_entity < 1:
        raise ValueError(f"seeds_per_entity must be an integer >= 1; got {seeds_per_entity!r}")
    protocol = Protocol(seed, seeds_per_entity, rng_seed)
    tallies: dict[str, _Tally] = defaultdict(_Tally)
    outcomes = []
    for doc in docs:
        gold = doc.labeled_spans()
        by_label: dict[str, set[Span]] = defaultdict(set)
        for s, e, label in gold:
            by_label[label].add((s, e))
        trials = []
        for seeds, others in plan_trials(doc, protocol):
            label = seeds[0].label
            found = tuple(matcher.match(doc.text, [Selection(g.start, g.end, label) for g in seeds]))
            hit = {(s.start, s.end) for s in found if s.label == label}
            type_others = by_label[label] - {(g.start, g.end) for g in seeds}
            tallies[label] += _Tally(
                1,
                len(hit & others),
                len(others),
                len(hit & type_others),
                len(type_others),
                sum((s.start, s.end, s.label) in gold for s in found),
                len(found),
            )
            trials.append(Trial(label, seeds, others, found))
        outcomes.append(DocumentOutcome(doc, tuple(trials)))
    labels = {label: Scores.of(tallies[label]) for label in sorted(tallies)}
    return Report(
        matcher=matcher.name,
        options=dict(matcher.options),
        protocol=protocol,
        overall=Scores.of(sum(tallies.values(), _Tally())),
        macro=Scores.mean(list(labels.values())),
        labels=labels,
        documents=tuple(outcomes),
    )


# --- simulated annotation session ----------------------------------------------------------------------


class SessionScores(NamedTuple):
    """Clicks to reach the gold annotation with and without the matcher (see the module docstring)."""

    mentions: int
    clicks: int
    clicks_saved: int
    manual: int
    accepted: int
    deleted: int

    @classmethod
    def of(cls, mentions: int, manual: int, accepted: int, deleted: int) -> SessionScores:
        """Scores from the counts of one label or of everything."""
        clicks = manual + deleted
        return cls(mentions, clicks, mentions - clicks, manual, accepted, deleted)


class SessionOutcome(NamedTuple):
    """How one document's session went: the spans labeled by hand, accepted, and deleted."""

    document: GoldDocument
    manual: tuple[GoldSpan, ...]
    accepted: tuple[Suggestion, ...]
    deleted: tuple[Suggestion, ...]
    calls: int


@dataclass(frozen=True)
class SessionReport:
    """The result of :func:`simulate`: session clicks overall and per label, and every document's session."""

    matcher: str
    options: Mapping[str, Any]
    overall: SessionScores
    labels: Mapping[str, SessionScores]
    documents: tuple[SessionOutcome, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (no per-document detail)."""
        return {
            "matcher": self.matcher,
            "options": dict(self.options),
            "documents": len(self.documents),
            "calls": sum(d.calls for d in self.documents),
            "overall": self.overall._asdict(),
            "labels": {label: s._asdict() for label, s in self.labels.items()},
        }


def simulate_document(doc: GoldDocument, matcher: Matcher) -> SessionOutcome:
    """Replay one document's annotation session with ``matcher`` (module docstring)."""
    gold = list(dict.fromkeys((g.start, g.end, g.label) for g in doc.entities))
    gold_set = set(gold)
    regions: dict[tuple[int, int, str], None] = {}  # insertion order = creation order
    rejected: set[tuple[int, int, str]] = set()
    manual, accepted, deleted = [], [], []
    calls = 0
    for key in gold:
        if key in regions:
            continue
        regions[key] = None
        manual.append(GoldSpan(*key))
        label = key[2]
        selections = [Selection(s, e, lab) for s, e, lab in regions if lab == label]
        exclude = [(s, e) for s, e, lab in regions if lab != label]
        calls += 1
        for sug in matcher.match(doc.text, selections, exclude=exclude):
            found = (sug.start, sug.end, sug.label)
            if found in regions or found in rejected:
                continue
            if found in gold_set:
                regions[found] = None
                accepted.append(sug)
            else:
                rejected.add(found)
                deleted.append(sug)
    return SessionOutcome(doc, tuple(manual), tuple(accepted), tuple(deleted), calls)


def simulate(docs: Iterable[GoldDocument], matcher: Matcher) -> SessionReport:
    """Replay every document's annotation session with ``matcher`` and count the clicks (module docstring)."""
    outcomes = [simulate_document(doc, matcher) for doc in docs]
    counts: dict[str, Counter] = defaultdict(Counter)
    for out in outcomes:
        for _, _, label in out.document.labeled_spans():
            counts[label]["mentions"] += 1
        for kind in ("manual", "accepted", "deleted"):
            for span in getattr(out, kind):
                counts[span.label][kind] += 1
    labels = {
        label: SessionScores.of(**{k: c[k] for k in ("mentions", "manual", "accepted", "deleted")})
        for label, c in sorted(counts.items())
    }
    total = sum(counts.values(), Counter())
    return SessionReport(
        matcher=matcher.name,
        options=dict(matcher.options),
        overall=SessionScores.of(**{k: total[k] for k in ("mentions", "manual", "accepted", "deleted")}),
        labels=labels,
        documents=tuple(outcomes),
    )
