"""The memory at /predict: batch pre-annotation from learned patterns, and suggestions the annotator deleted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from spansuggest import labelstudio
from spansuggest.matchers.exact import LITERAL, ExactMatcher
from spansuggest.memory import GRACE_SECONDS, Memory, PatternStore

from .test_memory_store import CONFIG, annotation_event, capture

TEXT = "Ann met Bob. Later Ann and Bob met Ann again; Annabel stayed."


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def memory(tmp_path: Path, clock: Clock) -> Memory:
    return Memory(PatternStore(tmp_path / "memory.sqlite3"), clock=clock)


def region(rid: str, start: int, end: int, label: str = "PER") -> dict[str, Any]:
    return {"id": rid, "from_name": "label", "to_name": "text", "type": "labels", "origin": "manual",
            "value": {"start": start, "end": end, "text": TEXT[start:end], "labels": [label]}}


def body(context: list[dict[str, Any]] | None, text: str = TEXT, annotations: list | None = None) -> dict[str, Any]:
    task = {"id": 5, "data": {"text": text}, "annotations": annotations or [], "drafts": [], "predictions": []}
    return {"tasks": [task], "project": "7.1718000000", "label_config": CONFIG,
            "params": {"login": None, "password": None, "context": None if context is None else {"result": context}}}


def interact(memory: Memory, context: list[dict[str, Any]]) -> list[dict[str, Any]]:
    request = body(context)
    outcome = labelstudio.predict(request, ExactMatcher(**LITERAL), "v")
    return memory.predict(request, outcome, "v").results[0]["result"]


def spans(results: list[dict[str, Any]]) -> list[tuple[int, int]]:
    return [(r["value"]["start"], r["value"]["end"]) for r in results]


def test_memory_batch_predicts_learned_patterns(memory: Memory) -> None:
    memory.learn(annotation_event("ANNOTATION_CREATED", 1, TEXT, [(0, 3, "PER")]))
    outcome = memory.predict(body(None), labelstudio.predict(body(None), ExactMatcher(**LITERAL), "v"), "v")
    (prediction,) = outcome.results
    assert prediction["model_version"] == "v+m1" == memory.model_version("v", "7.1")
    assert spans(prediction["result"]) == [(0, 3), (19, 22), (35, 38)]  # whole words: not in "Annabel"
    assert all(r["value"]["labels"] == ["PER"] and "#" not in r["id"] for r in prediction["result"])


def test_memory_batch_skips_saved_regions(memory: Memory) -> None:
    memory.learn(annotation_event("ANNOTATION_CREATED", 1, TEXT, [(0, 3, "PER")]))
    saved = [{"id": 9, "result": [region("abc", 19, 22)]}]
    request = body(None, annotations=saved)
    prediction = memory.predict(request, labelstudio.predict(request, ExactMatcher(**LITERAL), "v"), "v").results[0]
    assert spans(prediction["result"]) == [(0, 3), (35, 38)]


def test_memory_batch_before_learning_is_empty(memory: Memory) -> None:
    request = capture("predict_batch_task_open.json")
    outcome = memory.predict(request, labelstudio.predict(request, ExactMatcher(**LITERAL), "v"), "v")
    assert outcome.results == [{"result": [], "score": 0.0, "model_version": "v"}]


def test_memory_batch_capture_probe(memory: Memory) -> None:
    request = capture("predict_batch_task_open.json")
    text = request["tasks"][0]["data"]["text"]
    memory.learn(annotation_event("ANNOTATION_CREATED", 1, text, [(0, 3, "PER")], project=1))
    result = memory.predict(request, labelstudio.predict(request, ExactMatcher(**LITERAL), "v"), "v").results[0]["result"]
    assert [(r["value"]["start"], r["value"]["text"]) for r in result] == [(0, "Ann"), (20, "Ann"), (61, "Ann")]


def test_memory_deleted_suggestion_not_suggested_again(memory: Memory, clock: Clock) -> None:
    first = interact(memory, [region("seed1", 0, 3)])
    assert spans(first) == [(19, 22), (35, 38)]
    clock.now += 5
    # the annotator deletes the suggestion at 35: LS sends the remaining same-label regions
    kept = [r for r in first if r["value"]["start"] != 35]
    assert interact(memory, [region("seed1", 0, 3), *kept]) == []
    assert memory.store.rejected("7", "5") == {("label", "text", 35, 38)}
    # a new seed of the same label later: the deleted span stays away, in batch predictions too
    clock.now += 5
    memory.learn(annotation_event("ANNOTATION_CREATED", 1, TEXT, [(0, 3, "PER")]))
    batch = memory.predict(body(None), labelstudio.predict(body(None), ExactMatcher(**LITERAL), "v"), "v").results[0]
    assert (35, 38) not in spans(batch["result"])


def test_memory_empty_context_judges_nothing(memory: Memory, clock: Clock) -> None:
    first = interact(memory, [region("seed1", 0, 3)])
    clock.now += 5
    for _ in range(3):  # after Submit: one call per region, each with an empty context
        assert interact(memory, []) == []
    assert memory.store.rejected("7", "5") == set()
    clock.now += 5
    assert interact(memory, [region("seed1", 0, 3), *first]) == []
    assert memory.store.rejected("7", "5") == set()


def test_memory_other_label_context_judges_nothing(memory: Memory, clock: Clock) -> None:
    interact(memory, [region("seed1", 0, 3)])
    clock.now += 5
    interact(memory, [region("org1", 8, 11, "ORG")])  # only ORG regions are sent: PER ones are not gone
    assert memory.store.rejected("7", "5") == set()


def test_memory_context_within_grace_judges_nothing(memory: Memory, clock: Clock) -> None:
    interact(memory, [region("seed1", 0, 3)])
    clock.now += GRACE_SECONDS / 2  # sent while the first response was in flight: the UI may drop it
    interact(memory, [region("seed1", 0, 3), region("seed2", 8, 11)])
    assert memory.store.rejected("7", "5") == set()


def test_memory_resized_suggestion_is_not_deleted(memory: Memory, clock: Clock) -> None:
    first = interact(memory, [region("seed1", 0, 3)])
    clock.now += 5
    moved = {**first[0], "value": {**first[0]["value"], "start": 18}}  # same id, new span
    interact(memory, [region("seed1", 0, 3), moved, first[1]])
    assert memory.store.rejected("7", "5") == set()


def test_memory_relabeled_span_is_not_deleted(memory: Memory, clock: Clock) -> None:
    first = interact(memory, [region("seed1", 0, 3)])
    clock.now += 5
    redrawn = region("manual9", 35, 38)  # deleted, then drawn again by hand: same span, new id
    interact(memory, [region("seed1", 0, 3), first[0], redrawn])
    assert memory.store.rejected("7", "5") == set()


def test_memory_rejections_are_per_task(memory: Memory, clock: Clock) -> None:
    first = interact(memory, [region("seed1", 0, 3)])
    clock.now += 5
    interact(memory, [region("seed1", 0, 3), first[0]])
    assert memory.store.rejected("7", "6") == set()
    memory.learn({"action": "TASKS_DELETED", "tasks": [{"id": 5}], "project": {"id": 7}})
    assert memory.store.rejected("7", "5") == set()
