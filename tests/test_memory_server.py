"""The memory wired into the server: /webhook learns, /setup and batch /predict carry its version.

These run once ``create_app`` takes ``memory=`` (see the wiring in ``spansuggest/memory.py``'s docstring).
"""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from spansuggest.matchers.exact import ExactMatcher
from spansuggest.memory import Memory, PatternStore
from spansuggest.server import create_app

from .test_memory_predict import TEXT, Clock, body, region
from .test_memory_store import annotation_event, capture

pytestmark = pytest.mark.skipif(
    "memory" not in inspect.signature(create_app).parameters, reason="the server does not take memory= yet"
)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(tmp_path: Path, clock: Clock):  # type: ignore[no-untyped-def]
    memory = Memory(PatternStore(tmp_path / "memory.sqlite3"), clock=clock)
    app = create_app(ExactMatcher(), model_version="v", memory=memory)  # type: ignore[call-arg]
    return app.test_client()


def test_memory_server_webhook_then_batch_predict(client) -> None:  # type: ignore[no-untyped-def]
    assert client.post("/setup", json={"project": "7.1718000000"}).get_json()["model_version"] == "v"
    reply = client.post("/webhook", json=annotation_event("ANNOTATION_CREATED", 1, TEXT, [(0, 3, "PER")]))
    assert reply.status_code in (200, 201) and reply.get_json()["status"] == "ok"
    version = client.post("/setup", json={"project": "7.1718000000"}).get_json()["model_version"]
    assert version == "v+m1"
    (prediction,) = client.post("/predict", json=body(None)).get_json()["results"]
    assert prediction["model_version"] == version
    assert [(r["value"]["start"], r["value"]["end"]) for r in prediction["result"]] == [(0, 3), (19, 22), (35, 38)]


def test_memory_server_batch_with_unreadable_config_answers_like_without_memory(client) -> None:  # type: ignore[no-untyped-def]
    # the adapter never reads the config of a batch call: the memory must not turn that 200 into a 400
    reply = client.post("/predict", json={**body(None), "label_config": "<View><"})
    assert reply.status_code == 200
    assert reply.get_json()["results"] == [{"result": [], "score": 0.0, "model_version": "v"}]


def test_memory_server_captured_webhooks_answer_json(client) -> None:  # type: ignore[no-untyped-def]
    for name in ("ANNOTATION_CREATED", "ANNOTATION_UPDATED", "ANNOTATIONS_DELETED", "START_TRAINING", "TASKS_CREATED",
                 "TASKS_DELETED", "PROJECT_UPDATED"):
        reply = client.post("/webhook", json=capture(f"webhook_{name}.json"))
        assert 200 <= reply.status_code < 300 and reply.get_json()["action"] == name
    assert client.post("/webhook", data="not json", content_type="application/json").status_code < 300


def test_memory_server_deleted_suggestion_stays_deleted(client, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    first = client.post("/predict", json=body([region("seed1", 0, 3)])).get_json()["results"][0]["result"]
    assert [r["value"]["start"] for r in first] == [19, 35]
    clock.now += 5
    after = client.post("/predict", json=body([region("seed1", 0, 3), first[0]])).get_json()["results"][0]["result"]
    assert after == []
    for _ in range(2):  # after Submit: empty contexts
        assert client.post("/predict", json=body([])).get_json()["results"][0]["result"] == []
    clock.now += 5
    again = client.post("/predict", json=body([region("seed1", 0, 3), first[0], region("n", 8, 11)]))
    assert 35 not in [r["value"]["start"] for r in again.get_json()["results"][0]["result"]]
