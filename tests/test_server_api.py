"""The HTTP routes Label Studio calls, driven with real Label Studio 1.23.2 request bodies."""

from __future__ import annotations

import logging
import re

import pytest

from spansuggest import get_matcher
from spansuggest.labelstudio import model_version_for
from spansuggest.matchers.exact import LITERAL

from .conftest import INTERACTIVE_COMPLETE, INTERACTIVE_TRUNCATED

WEBHOOKS = [
    "webhook_START_TRAINING.json",
    "webhook_TASKS_CREATED.json",
    "webhook_TASKS_DELETED.json",
    "webhook_ANNOTATION_CREATED.json",
    "webhook_ANNOTATION_UPDATED.json",
    "webhook_ANNOTATIONS_DELETED.json",
    "webhook_PROJECT_UPDATED.json",
]


def regions(results):
    """Each prediction's regions as (start, end, text), for comparing answers."""
    return [[(r["value"]["start"], r["value"]["end"], r["value"]["text"]) for r in p["result"]] for p in results]


def replay(client, exchange):
    """Send a captured request (method, path, body) to the app."""
    request = exchange["request"]
    if request["body"] is None:
        return client.open(request["path"], method=request["method"])
    return client.open(request["path"], method=request["method"], json=request["body"])


@pytest.mark.parametrize("path", ["/", "/health"])
def test_health_up(make_client, path):
    response = make_client().get(path)
    assert response.status_code == 200 and response.is_json
    body = response.get_json()
    assert body["status"] == "UP" and body["model_class"] == "spansuggest:exact"
    assert body["model_version"] == model_version_for(get_matcher("exact", **LITERAL))


def test_health_capture(make_client, capture):
    response = replay(make_client(), capture("health.json"))
    assert response.status_code == 200 and response.get_json()["status"] == "UP"


def test_setup_capture_returns_model_version(make_client, capture):
    response = replay(make_client(), capture("setup.json"))
    assert response.status_code == 200
    assert response.get_json() == {"model_version": model_version_for(get_matcher("exact", **LITERAL))}


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"data": "", "content_type": "application/json"},
        {"data": "not json", "content_type": "application/json"},
        {"json": [1, 2]},
        {"json": {"project": "3.1718000000", "schema": "<View/>", "extra_params": {"a": 1}, "odd": True}},
        {"data": "project=1", "content_type": "application/x-www-form-urlencoded"},
    ],
)
def test_setup_odd_bodies_still_answered(make_client, kwargs):
    response = make_client().post("/setup", **kwargs)
    assert response.status_code == 200 and "model_version" in response.get_json()


def test_versions_capture_lists_the_setup_version(make_client, capture):
    client = make_client()
    version = client.post("/setup", json={}).get_json()["model_version"]
    response = replay(client, capture("versions.json"))
    assert response.status_code == 200 and response.get_json() == {"versions": [version]}


def test_model_version_override_used_everywhere(make_client, capture):
    client = make_client(model_version="my-model-7")
    assert client.post("/setup", json={}).get_json()["model_version"] == "my-model-7"
    assert client.get("/versions").get_json()["versions"] == ["my-model-7"]
    predictions = replay(client, capture("predict_interactive_probe.json")).get_json()["results"]
    assert predictions[0]["model_version"] == "my-model-7"


@pytest.mark.parametrize("name", INTERACTIVE_COMPLETE)
def test_predict_capture_complete(make_client, capture, name):
    exchange = capture(name)
    response = replay(make_client(), exchange)
    assert response.status_code == 200 and response.is_json
    got, expected = response.get_json()["results"], exchange["response"]["body"]["results"]
    assert regions(got) == regions(expected)


@pytest.mark.parametrize("name", INTERACTIVE_TRUNCATED)
def test_predict_capture_truncated(make_client, capture, name):
    exchange = capture(name)
    response = replay(make_client(), exchange)
    assert response.status_code == 200
    (prediction,) = response.get_json()["results"]
    text = exchange["request"]["body"]["tasks"][0]["data"]["text"]
    assert all(text[r["value"]["start"] : r["value"]["end"]] == r["value"]["text"] for r in prediction["result"])


@pytest.mark.parametrize("name", ["predict_batch_task_open.json", "predict_batch_retrieve.json"])
def test_predict_batch_capture_same_version_as_setup(make_client, capture, name):
    client = make_client()
    version = client.post("/setup", json=capture("setup.json")["request"]["body"]).get_json()["model_version"]
    exchange = capture(name)
    response = replay(client, exchange)
    assert response.status_code == 200
    expected = [{"result": [], "score": 0.0, "model_version": version}] * len(exchange["request"]["body"]["tasks"])
    assert response.get_json() == {"results": expected}


def test_predict_emoji_example(make_client, predict_body, labels_item):
    text = "Apple hired Tim Cook 🍎. Apple stock rose; a pineapple is not APPLE."
    body = predict_body(text, [labels_item(0, 5, ["ORG"], text="Apple", id="wF5n3kX1aB")])
    client = make_client(get_matcher("exact", case_sensitive=False))
    (prediction,) = client.post("/predict", json=body).get_json()["results"]
    assert [(r["value"]["start"], r["value"]["end"]) for r in prediction["result"]] == [(24, 29), (61, 66)]


def test_predict_logged_once_at_info(make_client, capture, caplog):
    with caplog.at_level(logging.INFO, logger="spansuggest.server"):
        replay(make_client(), capture("predict_interactive_probe.json"))
    (line,) = [r.getMessage() for r in caplog.records if r.name == "spansuggest.server"]
    assert re.fullmatch(r"predict task=3 seeds=1 suggestions=2 ms=\d+\.\d", line)


@pytest.mark.parametrize("name", WEBHOOKS)
def test_webhook_capture_answered(make_client, capture, name):
    exchange = capture(name)
    response = replay(make_client(), exchange)
    assert 200 <= response.status_code < 300 and response.is_json
    assert response.get_json() == {"status": "ok", "action": exchange["request"]["body"]["action"]}


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"data": "{{{", "content_type": "application/json"},
        {"json": ["START_TRAINING"]},
        {"json": {"action": 5}},
        {"json": {"project": {"id": 1}}},
        {"data": b"\xff\xfe", "content_type": "text/plain"},
    ],
)
def test_webhook_malformed_body_still_2xx(make_client, kwargs):
    response = make_client().post("/webhook", **kwargs)
    assert response.status_code == 200 and response.get_json() == {"status": "ok", "action": None}


def test_metrics_prometheus_text(make_client, capture):
    client = make_client()
    replay(client, capture("predict_interactive_probe.json"))
    client.get("/nothing-here")
    response = client.get("/metrics")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert 'spansuggest_requests_total{method="POST",route="/predict",status="200"} 1.0' in text
    assert 'spansuggest_requests_total{method="GET",route="<unmatched>",status="404"} 1.0' in text
    assert 'spansuggest_request_seconds_count{route="/predict"} 1.0' in text
    assert "spansuggest_suggestions_total 2.0" in text and "spansuggest_seeds_total 1.0" in text
    assert re.search(r"^spansuggest_document_cache_hits_total \d+\.0$", text, re.MULTILINE)
    assert re.search(r"^spansuggest_document_cache_misses_total \d+\.0$", text, re.MULTILINE)


def test_metrics_per_app(make_client):
    first, second = make_client(), make_client()
    first.get("/health")
    assert 'route="/health"' in first.get("/metrics").get_data(as_text=True)
    assert 'route="/health"' not in second.get("/metrics").get_data(as_text=True)


def test_metrics_document_cache_counts(make_client, capture):
    client = make_client(get_matcher("exact", case_sensitive=False))

    def scrape(name):
        text = client.get("/metrics").get_data(as_text=True)
        return float(re.search(rf"^spansuggest_document_cache_{name}_total (\S+)$", text, re.MULTILINE).group(1))

    exchange = capture("predict_interactive_one_region.json")
    replay(client, exchange)
    hits = scrape("hits")
    replay(client, exchange)
    assert scrape("hits") > hits
