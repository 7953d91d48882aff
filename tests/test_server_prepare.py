"""New tasks are prepared in the background when the matcher can do per-document work ahead of a click."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from spansuggest import Selection, Suggestion, get_matcher
from spansuggest.labelstudio import task_texts
from spansuggest.server import create_app
from tests.conftest import LS_CONFIG


class PreparingMatcher:
    """An exact matcher that records what it was asked to prepare (and can be made to wait or fail)."""

    name = "preparing"

    def __init__(self, fail: bool = False) -> None:
        self.inner = get_matcher("exact")
        self.options = self.inner.options
        self.prepared: list[str] = []
        self.fail = fail
        self.release = threading.Event()
        self.release.set()

    def prepare(self, text: str) -> None:
        self.release.wait(10)
        if self.fail:
            raise RuntimeError("cannot prepare")
        self.prepared.append(text)

    def match(self, text: str, selections: Sequence[Selection], *, exclude: Iterable[tuple[int, int]] = ()) -> list[Suggestion]:
        return self.inner.match(text, selections, exclude=exclude)


def tasks_created(*texts: Any) -> dict[str, Any]:
    return {"action": "TASKS_CREATED", "tasks": [{"id": i, "data": {"text": t}} for i, t in enumerate(texts)],
            "project": {"id": 1, "label_config": LS_CONFIG}}


def test_task_texts_reads_configured_text_fields(capture: Callable[[str], dict[str, Any]]) -> None:
    body = capture("webhook_TASKS_CREATED.json")["request"]["body"]
    assert task_texts(body) == [t["data"]["text"] for t in body["tasks"]]


def test_task_texts_ignores_malformed_payloads() -> None:
    assert task_texts(tasks_created("a", 3, None, "")) == ["a"]
    assert task_texts({"action": "TASKS_CREATED", "tasks": [{"data": {"text": "a"}}], "project": {}}) == []
    assert task_texts({"tasks": "x"}) == [] and task_texts(None) == []
    assert task_texts({**tasks_created("a"), "project": {"label_config": "<View><"}}) == []


def test_server_prepares_created_tasks_in_the_background() -> None:
    matcher = PreparingMatcher()
    matcher.release.clear()  # the webhook must answer while preparation is still waiting
    app = create_app(matcher)
    response = app.test_client().post("/webhook", json=tasks_created("Ann met Bob.", "Acme Corp"))
    assert response.status_code == 200 and matcher.prepared == []
    matcher.release.set()
    app.extensions["spansuggest.preparer"].join()
    assert matcher.prepared == ["Ann met Bob.", "Acme Corp"]


def test_server_prepare_failure_is_logged_not_raised(caplog: Any) -> None:
    app = create_app(PreparingMatcher(fail=True))
    assert app.test_client().post("/webhook", json=tasks_created("x")).status_code == 200
    app.extensions["spansuggest.preparer"].join()
    assert "preparing a new task's document failed" in caplog.text
    assert app.test_client().get("/health").status_code == 200


def test_server_without_prepare_has_no_preparer() -> None:
    app = create_app(get_matcher("exact"))
    assert app.extensions["spansuggest.preparer"] is None
    assert app.test_client().post("/webhook", json=tasks_created("x")).status_code == 200
