"""``spansuggest serve`` under gunicorn: several workers, metrics summed over them, a killed worker replaced,
SIGTERM letting a request in flight finish, the memory shared through SQLite, and the options' validation."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import time
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from spansuggest.cli import main

from .serving import serving
from .test_memory_predict import TEXT, body
from .test_memory_store import annotation_event

pytestmark = pytest.mark.slow

ARGS = ("--matcher", "exact", "--case-sensitive", "false")
SEED = {"id": "Ab3dE5gH1j", "from_name": "label", "to_name": "text", "type": "labels", "origin": "manual",
        "value": {"start": 0, "end": 3, "text": "Ann", "labels": ["PER"]}}


def metric(text: str, line: str) -> float:
    """The value of one sample line (``name{labels}``) in a Prometheus scrape; 0 when absent."""
    found = re.search(rf"^{re.escape(line)} (\S+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def wait_for(condition, what: str, timeout: float = 30.0):  # type: ignore[no-untyped-def]
    """Poll ``condition()`` until it is truthy; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


def test_gunicorn_workers_sum_metrics_and_log_latency(tmp_path: Path) -> None:
    with serving(tmp_path, *ARGS, "--workers", "2", "--threads", "2") as srv:
        wait_for(lambda: len(srv.workers()) == 2, "two workers")
        with requests.Session() as first, requests.Session() as second:  # two connections: both workers may answer
            for session in (first, second) * 10:
                reply = session.post(f"{srv.url}/predict", json=body([SEED]), timeout=10)
                assert reply.status_code == 200 and len(reply.json()["results"][0]["result"]) == 2
        scrape = requests.get(f"{srv.url}/metrics", timeout=10)
        assert scrape.status_code == 200 and scrape.headers["Content-Type"].startswith("text/plain")
        text = scrape.text
        assert metric(text, 'spansuggest_requests_total{method="POST",route="/predict",status="200"}') == 20
        assert metric(text, 'spansuggest_request_seconds_count{route="/predict"}') == 20
        assert metric(text, "spansuggest_suggestions_total") == 40
        assert metric(text, "spansuggest_document_cache_hits_total") + metric(
            text, "spansuggest_document_cache_misses_total"
        ) >= 20
    assert re.search(r'"POST /predict HTTP/1.1" 200 \d+ bytes \d+ ms "python-requests/', srv.text()), srv.text()


def test_gunicorn_replaces_killed_worker(tmp_path: Path) -> None:
    with serving(tmp_path, *ARGS, "--workers", "2", "--threads", "2") as srv:
        before = wait_for(lambda: (pids := srv.workers()) and len(pids) == 2 and pids, "two workers")
        os.kill(before[0], signal.SIGKILL)
        after = wait_for(lambda: (pids := srv.workers()) and len(pids) == 2 and before[0] not in pids and pids,
                         "a replacement worker")
        assert before[1] in after
        for _ in range(10):
            reply = requests.post(f"{srv.url}/predict", json=body([SEED]), timeout=10)
            assert reply.status_code == 200 and len(reply.json()["results"][0]["result"]) == 2
        assert f"(pid:{before[0]})" in srv.text() or str(before[0]) in srv.text()


def test_gunicorn_sigterm_lets_request_in_flight_finish(tmp_path: Path) -> None:
    with serving(tmp_path, *ARGS, "--workers", "1", "--threads", "2", "--graceful-timeout", "20") as srv:
        payload = json.dumps(body([SEED])).encode()
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
        conn.request("GET", "/health")  # the worker has accepted this connection once it answers
        assert conn.getresponse().read()
        conn.putrequest("POST", "/predict")
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Content-Length", str(len(payload)))
        conn.endheaders()
        conn.send(payload[:10])  # the request is now in flight: the worker waits for the rest of its body
        time.sleep(1.0)
        srv.process.send_signal(signal.SIGTERM)
        time.sleep(1.0)
        assert srv.process.poll() is None, srv.text()  # still draining
        conn.send(payload[10:])
        reply = conn.getresponse()
        assert reply.status == 200 and len(json.loads(reply.read())["results"][0]["result"]) == 2
        assert srv.process.wait(timeout=30) == 0
        with pytest.raises(requests.ConnectionError):
            requests.get(f"{srv.url}/health", timeout=2)


def test_gunicorn_workers_share_memory(tmp_path: Path) -> None:
    with serving(tmp_path, *ARGS, "--workers", "2", "--threads", "1") as srv:
        wait_for(lambda: len(srv.workers()) == 2, "two workers")
        event = annotation_event("ANNOTATION_CREATED", 1, TEXT, [(0, 3, "PER")])
        assert requests.post(f"{srv.url}/webhook", json=event, timeout=10).json()["status"] == "ok"
        for _ in range(6):  # fresh connections: both workers answer some of these
            versions = requests.post(f"{srv.url}/setup", json={"project": "7.1718000000"}, timeout=10).json()
            assert versions["model_version"].endswith("+m1")
            (prediction,) = requests.post(f"{srv.url}/predict", json=body(None), timeout=10).json()["results"]
            assert [(r["value"]["start"], r["value"]["end"]) for r in prediction["result"]] == [(0, 3), (19, 22), (35, 38)]


def test_gunicorn_no_memory_leaves_no_store(tmp_path: Path) -> None:
    with serving(tmp_path, *ARGS, "--no-memory") as srv:
        event = annotation_event("ANNOTATION_CREATED", 1, TEXT, [(0, 3, "PER")])
        assert requests.post(f"{srv.url}/webhook", json=event, timeout=10).json() == {
            "status": "ok", "action": "ANNOTATION_CREATED"
        }
        (prediction,) = requests.post(f"{srv.url}/predict", json=body(None), timeout=10).json()["results"]
        assert prediction["result"] == []
    assert not list(tmp_path.glob("memory-*.sqlite3"))


@pytest.mark.parametrize(
    "args, env, message",
    [
        (["--dev", "--workers", "2"], {}, "--workers configure gunicorn; --dev runs the development server"),
        (["--dev", "--threads", "8", "--timeout", "5"], {}, "--threads, --timeout configure gunicorn"),
        (["--basic-auth-user", "ann"], {}, "Basic auth needs both a user and a password"),
        ([], {"BASIC_AUTH_PASS": "s3cret"}, "Basic auth needs both a user and a password"),
        (["--workers", "0"], {}, "Invalid value for '--workers'"),
        (["--max-body-mb", "0"], {}, "Invalid value for '--max-body-mb'"),
        (["--store", "/proc/version/memory.sqlite3"], {}, "cannot open the pattern store"),
    ],
)
def test_serve_rejects_bad_configuration(args: list[str], env: dict[str, str], message: str) -> None:
    result = CliRunner().invoke(main, ["serve", *args], env={"BASIC_AUTH_USER": None, "BASIC_AUTH_PASS": None, **env})
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_serve_reads_configuration_from_environment(tmp_path: Path) -> None:
    env = {"SPANSUGGEST_WORKERS": "2", "SPANSUGGEST_THREADS": "3", "SPANSUGGEST_ACCESS_LOG": "false",
           "BASIC_AUTH_USER": "ann", "BASIC_AUTH_PASS": "s3cret"}
    with serving(tmp_path, *ARGS, env=env) as srv:
        assert requests.get(f"{srv.url}/health", timeout=5).status_code == 401
        assert requests.get(f"{srv.url}/health", auth=("ann", "s3cret"), timeout=5).status_code == 200
        wait_for(lambda: len(srv.workers()) == 2, "two workers")
    assert "gunicorn, 2 worker(s) x 3 thread(s)" in srv.text()
    assert "GET /health" not in srv.text()
