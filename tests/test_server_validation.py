"""Hostile requests over HTTP: clear 4xx JSON or an empty 200, never a 500, and the app keeps answering."""

from __future__ import annotations

import base64
import json
import logging
from types import MappingProxyType

import pytest

EMPTY_TEXT_BODY = {"tasks": [{"id": 1, "data": {"text": "Ann"}}]}


def auth_header(user, password):
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def assert_json_error(response, status, message):
    assert response.status_code == status and response.is_json
    body = response.get_json()
    assert body["status"] == status and message in body["error"]


def assert_still_up(client):
    assert client.get("/health").get_json()["status"] == "UP"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"data": "not json at all", "content_type": "application/json"}, "not valid JSON"),
        ({"data": b"\xff\xfe\x00", "content_type": "application/json"}, "not valid JSON"),
        ({"data": "[" * 100_000 + "]" * 100_000, "content_type": "application/json"}, "not valid JSON"),
        ({"data": json.dumps(EMPTY_TEXT_BODY), "content_type": "text/plain"}, "Content-Type: application/json"),
        ({"data": "tasks=1", "content_type": "application/x-www-form-urlencoded"}, "Content-Type: application/json"),
        ({}, "Content-Type: application/json"),
        ({"json": [EMPTY_TEXT_BODY]}, "must be a JSON object"),
        ({"data": "null", "content_type": "application/json"}, "must be a JSON object"),
        ({"json": "tasks"}, "must be a JSON object"),
        ({"json": {"tasks": "all"}}, "tasks must be a non-empty list"),
        ({"json": {"tasks": []}}, "tasks must be a non-empty list"),
        ({"json": {"label_config": "<View/>"}}, "tasks must be a non-empty list"),
        ({"json": {"tasks": ["task 1"]}}, r"tasks[0] is a str"),
        ({"json": {**EMPTY_TEXT_BODY, "params": ["context"]}}, "params must be an object"),
    ],
)
def test_predict_malformed_body_400(make_client, kwargs, message):
    client = make_client()
    assert_json_error(client.post("/predict", **kwargs), 400, message)
    assert_still_up(client)


@pytest.mark.parametrize(
    "config, message",
    [
        ("<View><Labels", "label_config is not XML"),
        (
            '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><View>&b;</View>',
            "DTD or entities",
        ),
        (None, "label_config must be a string"),
    ],
)
def test_predict_bad_label_config_400(make_client, predict_body, labels_item, config, message):
    client = make_client()
    assert_json_error(
        client.post("/predict", json=predict_body("Ann met Ann.", [labels_item(0, 3)], config=config)), 400, message
    )
    assert_still_up(client)


@pytest.mark.parametrize(
    "data, value",
    [
        ({}, {"start": 0, "end": 3}),
        ({"text": 12345}, {"start": 0, "end": 3}),
        ({"text": "Ann met Ann."}, {"start": -3, "end": 3}),
        ({"text": "Ann met Ann."}, {"start": 3, "end": 0}),
        ({"text": "Ann met Ann."}, {"start": 0, "end": 300}),
        ({"text": "Ann met Ann."}, {"start": 0.25, "end": 3}),
        ({"text": "Ann met Ann."}, {"start": False, "end": True}),
        ({"text": "Ann met Ann."}, {"start": 0, "end": 3, "labels": []}),
    ],
)
def test_predict_unusable_task_or_region_empty_200(make_client, predict_body, labels_item, data, value):
    item = labels_item(0, 3)
    item["value"].update(value)
    client = make_client()
    response = client.post("/predict", json=predict_body(None, [item], data=data))
    assert response.status_code == 200 and response.get_json()["results"][0]["result"] == []
    assert_still_up(client)


def test_predict_lone_surrogates_answered_as_json(make_client, predict_body, labels_item):
    body = predict_body("Ann \ud800 met Ann \udfff.", [labels_item(0, 3, ["P\udc00"])])
    response = make_client().post("/predict", json=body)
    assert response.status_code == 200
    (result,) = json.loads(response.get_data())["results"][0]["result"]
    assert result["value"] == {"start": 10, "end": 13, "text": "Ann", "labels": ["P\udc00"]}


def test_predict_unknown_from_name_empty_200(make_client, predict_body, labels_item):
    response = make_client().post("/predict", json=predict_body("Ann met Ann.", [labels_item(0, 3, from_name="nope")]))
    assert response.status_code == 200 and response.get_json()["results"][0]["result"] == []


def test_predict_100k_region_context(make_client, predict_body, labels_item):
    text = "ab " * 100_000
    context = [labels_item(3 * i, 3 * i + 2, id=f"r{i:09d}") for i in range(100_000)]
    client = make_client()
    response = client.post("/predict", json=predict_body(text, context))
    assert response.status_code == 200 and response.get_json()["results"][0]["result"] == []
    assert_still_up(client)


def test_predict_huge_selection(make_client, predict_body, labels_item):
    text = "Acme Corporation and friends. " * 100_000
    client = make_client()
    response = client.post("/predict", json=predict_body(text, [labels_item(0, len(text), ["ORG"])]))
    assert response.status_code == 200 and response.get_json()["results"][0]["result"] == []
    assert_still_up(client)


def test_predict_oversize_body_413(make_client, predict_body, labels_item):
    client = make_client(max_content_length=1000)
    response = client.post("/predict", json=predict_body("Ann met Ann. " * 200, [labels_item(0, 3)]))
    assert_json_error(response, 413, "")
    assert client.post("/predict", json=predict_body("Ann met Ann.", [labels_item(0, 3)])).status_code == 200
    assert client.post("/webhook", json={"action": "TASKS_CREATED", "tasks": ["x" * 2000]}).status_code == 200
    assert_still_up(client)


@pytest.mark.parametrize(
    "method, path, status", [("GET", "/nowhere", 404), ("GET", "/predict", 405), ("DELETE", "/health", 405)]
)
def test_unknown_route_or_method_json(make_client, method, path, status):
    response = make_client().open(path, method=method)
    assert response.status_code == status and response.is_json and response.get_json()["status"] == status


class _BuggyMatcher:
    name = "buggy"
    options = MappingProxyType({})

    def match(self, text, selections, *, exclude=()):
        raise RuntimeError("a genuine bug")


def test_genuine_bug_500_json_with_traceback_logged(make_client, predict_body, labels_item, caplog):
    client = make_client(_BuggyMatcher())
    with caplog.at_level(logging.ERROR, logger="spansuggest.server"):
        response = client.post("/predict", json=predict_body("Ann met Ann.", [labels_item(0, 3)]))
    assert_json_error(response, 500, "RuntimeError")
    (record,) = [r for r in caplog.records if r.name == "spansuggest.server"]
    assert record.exc_info and "a genuine bug" in str(record.exc_info[1])
    assert_still_up(client)


@pytest.mark.parametrize("path", ["/", "/health", "/versions", "/metrics"])
def test_basic_auth_required_on_every_route(make_client, path):
    client = make_client(basic_auth=("ls", "s3cret"))
    for headers in ({}, auth_header("ls", "wrong"), auth_header("other", "s3cret"), {"Authorization": "Bearer s3cret"}):
        response = client.get(path, headers=headers)
        assert_json_error(response, 401, "authentication required")
        assert response.headers["WWW-Authenticate"] == 'Basic realm="Login required"'
    assert client.get(path, headers=auth_header("ls", "s3cret")).status_code == 200


def test_basic_auth_on_post_routes(make_client, predict_body, labels_item):
    client = make_client(basic_auth=("ls", "s3cret"))
    body = predict_body("Ann met Ann.", [labels_item(0, 3)])
    assert client.post("/predict", json=body).status_code == 401
    assert client.post("/setup", json={}).status_code == 401
    assert client.post("/webhook", json={"action": "START_TRAINING"}).status_code == 401
    response = client.post("/predict", json=body, headers=auth_header("ls", "s3cret"))
    assert response.status_code == 200 and len(response.get_json()["results"][0]["result"]) == 1


def test_basic_auth_from_environment(make_client, monkeypatch):
    monkeypatch.setenv("BASIC_AUTH_USER", "envuser")
    monkeypatch.setenv("BASIC_AUTH_PASS", "envpass")
    client = make_client()
    assert client.get("/health").status_code == 401
    assert client.get("/health", headers=auth_header("envuser", "envpass")).status_code == 200


def test_basic_auth_needs_both_variables(make_client, monkeypatch):
    monkeypatch.setenv("BASIC_AUTH_USER", "envuser")
    monkeypatch.delenv("BASIC_AUTH_PASS", raising=False)
    assert make_client().get("/health").status_code == 200
