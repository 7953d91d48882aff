"""``spansuggest serve`` as a real process, spoken to over HTTP the way Label Studio does."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from spansuggest import Selection, get_matcher

from .serving import ServeProcess, serving

pytestmark = pytest.mark.slow

CAPTURES = Path(__file__).resolve().parent.parent.parent / "shared" / "label-studio-captures"

CONFIG = (
    '<View><Labels name="label" toName="text"><Label value="ORG"/><Label value="PER"/></Labels>'
    '<Text name="text" value="$text"/></View>'
)
# LABEL_STUDIO_PROTOCOL.md §7: 67 code points; the second Apple comes after an emoji.
TEXT = "Apple hired Tim Cook 🍎. Apple stock rose; a pineapple is not APPLE."
SEED = {"id": "wF5n3kX1aB", "from_name": "label", "to_name": "text", "type": "labels", "origin": "manual",
        "value": {"start": 0, "end": 5, "text": "Apple", "labels": ["ORG"]}}
PREDICT = {
    "tasks": [{"id": 42, "data": {"text": TEXT}, "annotations": [], "drafts": [], "predictions": [], "meta": {},
               "project": 3, "inner_id": 42}],
    "project": "3.1718000000",
    "label_config": CONFIG,
    "params": {"login": None, "password": None, "context": {"result": [SEED]}},
}
SETUP = {"project": "3.1718000000", "schema": CONFIG, "hostname": "http://localhost:8080",
         "access_token": "token", "extra_params": None}
ARGS = ("--matcher", "exact", "--case-sensitive", "false")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    with serving(tmp_path_factory.mktemp("serve"), *ARGS) as srv:
        yield srv


def spans(prediction: dict, text: str) -> list[tuple[int, int, str]]:
    """(start, end, label) of each region, after checking it round-trips against the text."""
    out = []
    for region in prediction["result"]:
        value = region["value"]
        assert region["from_name"] == "label" and region["to_name"] == "text" and region["type"] == "labels"
        assert isinstance(value["start"], int) and isinstance(value["end"], int)
        assert text[value["start"] : value["end"]] == value["text"]
        (label,) = value["labels"]
        out.append((value["start"], value["end"], label))
    return out


def test_serve_health_and_setup(server: ServeProcess) -> None:
    health = requests.get(f"{server.url}/health", timeout=5)
    assert health.status_code == 200 and health.json()["status"] == "UP"
    setup = requests.post(f"{server.url}/setup", json=SETUP, timeout=5)
    assert setup.status_code == 200 and isinstance(setup.json()["model_version"], str)


def test_serve_predicts_protocol_example(server: ServeProcess) -> None:
    reply = requests.post(f"{server.url}/predict", json=PREDICT, timeout=10)
    assert reply.status_code == 200
    (prediction,) = reply.json()["results"]
    # whole-word and case-insensitive (--case-sensitive false): not the seed, not "pineapple"
    assert spans(prediction, TEXT) == [(24, 29, "ORG"), (61, 66, "ORG")]


def test_serve_predicts_real_capture(server: ServeProcess) -> None:
    capture = CAPTURES / "predict_interactive_one_region.json"
    if not capture.exists():
        pytest.skip(f"{capture} absent (needs ../shared next to the repository)")
    body = json.loads(capture.read_text(encoding="utf-8"))["request"]["body"]
    text = body["tasks"][0]["data"]["text"]
    (seed,) = body["params"]["context"]["result"]
    start, end = seed["value"]["start"], seed["value"]["end"]
    reply = requests.post(f"{server.url}/predict", json=body, timeout=10)
    assert reply.status_code == 200
    (prediction,) = reply.json()["results"]
    got = spans(prediction, text)
    assert (start, end, "PER") not in got  # no duplicate of the seed
    assert {(189, 200, "PER"), (423, 434, "PER")} <= set(got)  # the two exact repeats, after emoji and CRLF
    expected = get_matcher("exact", case_sensitive=False).match(text, [Selection(start, end, "PER")])
    assert got == [(s.start, s.end, s.label) for s in expected]  # the server is a thin shell over the matcher


def test_serve_basic_auth_from_environment(tmp_path: Path) -> None:
    with serving(tmp_path, *ARGS, env={"BASIC_AUTH_USER": "ann", "BASIC_AUTH_PASS": "s3cret"}) as srv:
        assert requests.get(f"{srv.url}/health", timeout=5).status_code == 401
        assert requests.get(f"{srv.url}/health", auth=("ann", "wrong"), timeout=5).status_code == 401
        assert requests.post(f"{srv.url}/predict", json=PREDICT, timeout=5).status_code == 401
        reply = requests.post(f"{srv.url}/predict", json=PREDICT, auth=("ann", "s3cret"), timeout=10)
        assert reply.status_code == 200
        assert spans(reply.json()["results"][0], TEXT) == [(24, 29, "ORG"), (61, 66, "ORG")]


@pytest.mark.parametrize("mode, server", [((), "gunicorn, 1 worker(s) x 4 thread(s)"), (("--dev",), "development server")])
def test_serve_logs_matcher_and_stops_on_sigterm(tmp_path: Path, mode: tuple[str, ...], server: str) -> None:
    srv = ServeProcess(tmp_path, *ARGS, *mode)
    try:
        srv.wait_ready()
        assert requests.get(f"{srv.url}/health", timeout=5).json()["status"] == "UP"
    finally:
        code = srv.stop()
    log = srv.text()
    assert code == 0, log
    assert "starting: matcher exact (options: " in log and "case_sensitive=False" in log
    assert f"http://127.0.0.1:{srv.port}" in log and server in log
    assert log.rstrip().endswith("spansuggest.serve: stopped"), log
