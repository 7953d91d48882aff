"""Hostile requests against the real production process (gunicorn): each gets a clear 4xx JSON or an empty 200
as LABEL_STUDIO_PROTOCOL.md prescribes, and the server answers /health right after.

The Flask-level cases are also covered through the test client in ``test_server_validation.py``; here the
HTTP layer is gunicorn's own (body limits, chunked bodies, big uploads answered early)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from .conftest import LS_CONFIG
from .serving import ServeProcess, serving

pytestmark = pytest.mark.slow

TEXT = "Ann met Ann. Ann left."
MB = 2**20


def region(start: Any, end: Any, text: Any = None, *, from_name: str = "label", rid: str = "Ab3dE5gH1j") -> dict:
    """A region result as the Label Studio UI serializes it."""
    value = {"start": start, "end": end, "labels": ["PER"]}
    if text is not None:
        value["text"] = text
    return {"id": rid, "from_name": from_name, "to_name": "text", "type": "labels", "origin": "manual", "value": value}


def predict(context: list[Any], *, task: Any = None, config: Any = LS_CONFIG) -> dict[str, Any]:
    """An interactive /predict body for one task."""
    return {
        "tasks": [{"id": 1, "data": {"text": TEXT}} if task is None else task],
        "project": "1.1718000000",
        "label_config": config,
        "params": {"login": None, "password": None, "context": {"result": context}},
    }


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    args = ("--matcher", "exact", "--case-sensitive", "true", "--workers", "1", "--threads", "2", "--no-access-log")
    with serving(tmp_path_factory.mktemp("hostile"), *args) as srv:
        yield srv


def post(server: ServeProcess, data: Any, content_type: str | None = "application/json", **kwargs: Any):  # type: ignore[no-untyped-def]
    """POST raw ``data`` to /predict (a fresh connection, as Label Studio's retries would make)."""
    headers = {"Content-Type": content_type} if content_type else {}
    return requests.post(f"{server.url}/predict", data=data, headers=headers, timeout=120, **kwargs)


def assert_error(response: requests.Response, status: int, message: str) -> None:
    assert response.status_code == status, response.text[:500]
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == status and message in body["error"]


def assert_healthy(server: ServeProcess) -> None:
    reply = requests.get(f"{server.url}/health", timeout=10)
    assert reply.status_code == 200 and reply.json()["status"] == "UP"


def suggested(response: requests.Response) -> list[tuple[int, int]]:
    assert response.status_code == 200, response.text[:500]
    (prediction,) = response.json()["results"]
    return [(r["value"]["start"], r["value"]["end"]) for r in prediction["result"]]


@pytest.mark.parametrize(
    "data, content_type, message",
    [
        (b"not json at all", "application/json", "not valid JSON"),
        (json.dumps(predict([region(0, 3)])), "text/plain", "Content-Type: application/json"),
        (json.dumps(predict([region(0, 3)])), None, "Content-Type: application/json"),
        (b"[" * 200_000 + b"]" * 200_000, "application/json", "not valid JSON"),
        (b'{"tasks": [{"id": 1, "data": {"text": ' + b"[" * 200_000 + b"]" * 200_000 + b"}}]}", "application/json",
         "not valid JSON"),
        (json.dumps({"tasks": ["a task", 2]}), "application/json", "tasks[0] is a str"),
        (json.dumps(predict([region(0, 3)], config="<View><Labels")), "application/json", "label_config is not XML"),
        (json.dumps(predict([region(0, 3)], config='<!DOCTYPE v [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
                                                    "<View>&b;</View>")), "application/json", "DTD or entities"),
    ],
    ids=["not-json", "text-plain", "no-content-type", "deep-nesting", "deep-nesting-in-task", "tasks-not-objects",
         "config-not-xml", "config-entities"],
)
def test_hostile_body_400(server: ServeProcess, data: Any, content_type: str | None, message: str) -> None:
    assert_error(post(server, data, content_type), 400, message)
    assert_healthy(server)


@pytest.mark.parametrize(
    "body",
    [
        predict([region(0, 3)], task={"id": 1}),
        predict([region(0, 3)], task={"id": 1, "data": {"text": 12345}}),
        predict([region(-3, 3)]),
        predict([region(3, 0)]),
        predict([region(0, 300)]),
        predict([region(0.5, 3)]),
        predict([region(0, 3, from_name="unknown")]),
    ],
    ids=["missing-data", "text-not-string", "negative", "reversed", "out-of-range", "float", "unknown-from-name"],
)
def test_hostile_region_empty_200(server: ServeProcess, body: dict[str, Any]) -> None:
    assert suggested(post(server, json.dumps(body))) == []
    assert_healthy(server)


def test_hostile_value_text_disagreeing_seed_read_from_task(server: ServeProcess) -> None:
    assert suggested(post(server, json.dumps(predict([region(0, 3, "Bob")])))) == [(8, 11), (13, 16)]
    assert_healthy(server)


def test_hostile_50mb_body_413(server: ServeProcess) -> None:
    big = b'{"tasks": [{"id": 1, "data": {"text": "' + b"Ann " * (50 * MB // 4) + b'"}}]}'
    assert_error(post(server, big), 413, "")
    assert_healthy(server)


def test_hostile_50mb_chunked_body_413(server: ServeProcess) -> None:
    chunk = b"Ann " * (MB // 4)
    pieces = iter([b'{"tasks": [{"id": 1, "data": {"text": "', *([chunk] * 50), b'"}}]}'])
    assert_error(post(server, pieces), 413, "")
    assert_healthy(server)


def test_hostile_10mb_selection(server: ServeProcess) -> None:
    text = "Acme Corporation and friends. " * (10 * MB // 30)
    body = predict([region(0, len(text), text)], task={"id": 1, "data": {"text": text}})
    assert suggested(post(server, json.dumps(body))) == []
    assert_healthy(server)


def test_hostile_100k_regions_in_context(server: ServeProcess) -> None:
    text = "Ann " * 100_001
    context = [region(4 * i, 4 * i + 3, "Ann", rid=f"r{i:09d}") for i in range(100_000)]
    body = predict(context, task={"id": 1, "data": {"text": text}})
    assert suggested(post(server, json.dumps(body))) == [(400_000, 400_003)]
    assert_healthy(server)
