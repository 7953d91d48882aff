"""The real Label Studio server against ``spansuggest serve`` (gunicorn, 2 workers), both on 127.0.0.1.

Label Studio 1.23.2 runs from its own virtual environment (``scripts/labelstudio-venv.sh``, cached in
``.cache/ls-venv``) with SQLite in a temporary directory and a pre-created user and legacy API token. Through its
REST API the test creates an NER project, imports tasks, connects the backend as an interactive ML backend,
clicks the way the browser does (``POST /api/ml/{id}/interactive-annotating``), submits an annotation (whose
webhook teaches the pattern memory) and retrieves batch predictions. Both servers are stopped by PID.

Skips only when the Label Studio environment cannot be created (no network); under ``CI`` it fails instead.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from .serving import ServeProcess, free_port, serving

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1500)]

ROOT = Path(__file__).resolve().parent.parent
VENV_SCRIPT = ROOT / "scripts" / "labelstudio-venv.sh"
TOKEN = "spansuggest0e2e0token0000000000000000000"
START_DEADLINE_S = 420.0

CONFIG = (
    '<View><Labels name="label" toName="text"><Label value="PER"/><Label value="ORG"/></Labels>'
    '<Text name="text" value="$text"/></View>'
)
PARAGRAPH = (
    "Acme Corporation hired Bob Smith in spring. The board of Globex met twice; minutes were kept.\n"
    "Nobody at the harbour mentioned the merger, and the weather stayed mild. "
)
LONG = PARAGRAPH * 2000  # ~336,000 code points, 2,000 occurrences of each name
ACCENTS = "Café ☕ avec 👩\u200d👩\u200d👧 et Zoë: José Müller arrive. Plus tard, José Müller part; JOSÉ MÜLLER reste."
PLAIN = "The minutes say José Müller signed for Globex."

LS_ENV = {
    "ML_BLOCK_LOCAL_IP": "false",  # LS >= 1.23 refuses loopback backends otherwise (protocol §2)
    "SSRF_PROTECTION_ENABLED": "false",  # ... and the backend's /webhook URL (both are needed)
    "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",  # `Authorization: Token <key>` (protocol §15)
    "COLLECT_ANALYTICS": "false",
    "LATEST_VERSION_CHECK": "false",
}


def occurrences(text: str, needle: str) -> list[tuple[int, int]]:
    """Every (start, end) of ``needle`` in ``text``, in code points."""
    return [(m.start(), m.end()) for m in re.finditer(re.escape(needle), text)]


def region(text: str, span: tuple[int, int], label: str, rid: str, **extra: Any) -> dict[str, Any]:
    """A region result exactly as the Label Studio UI serializes it (captures: predict_interactive_*.json)."""
    start, end = span
    value = {"start": start, "end": end, "text": text[start:end], "labels": [label]}
    return {"value": value, "id": rid, "from_name": "label", "to_name": "text", "type": "labels", "origin": "manual",
            **extra}


@pytest.fixture(scope="module")
def ls_venv() -> Path:
    """The Label Studio virtual environment (created once, then cached)."""
    try:
        done = subprocess.run(["bash", str(VENV_SCRIPT)], capture_output=True, text=True, timeout=1200, check=True)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        reason = f"cannot create the Label Studio venv with {VENV_SCRIPT}: {str(exc.stderr or '')[-1500:]}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return Path(done.stdout.strip().splitlines()[-1])


class LabelStudio:
    """``label-studio start`` on 127.0.0.1 with SQLite in ``tmp``; a session authenticated with the legacy token."""

    def __init__(self, venv: Path, tmp: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tmp / "label-studio.log"
        env = {**os.environ, **LS_ENV, "LABEL_STUDIO_BASE_DATA_DIR": str(tmp / "ls-data"), "PYTHONUNBUFFERED": "1"}
        for name in ("BASIC_AUTH_USER", "BASIC_AUTH_PASS", "PROMETHEUS_MULTIPROC_DIR", "VIRTUAL_ENV"):
            env.pop(name, None)
        command = [str(venv / "bin" / "label-studio"), "start", "--no-browser", "--internal-host", "127.0.0.1",
                   "--port", str(self.port), "--username", "e2e@example.com", "--password", "e2e-s3cret-pass",
                   "--user-token", TOKEN, "--enable-legacy-api-token"]
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=tmp)
        self.api = requests.Session()
        self.api.headers["Authorization"] = f"Token {TOKEN}"

    def wait_ready(self) -> None:
        """Wait until the API answers with the token (first start runs the migrations: about a minute)."""
        deadline = time.monotonic() + START_DEADLINE_S
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"Label Studio exited:\n{self.log.read_text()[-5000:]}"
            try:
                if self.api.get(f"{self.url}/api/projects", timeout=5).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(1)
        pytest.fail(f"Label Studio not up after {START_DEADLINE_S} s:\n{self.log.read_text()[-5000:]}")

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """One REST call; the JSON reply, after checking the status is 2xx."""
        reply = self.api.request(method, f"{self.url}{path}", timeout=120, **kwargs)
        assert reply.ok, f"{method} {path} -> {reply.status_code}: {reply.text[:2000]}"
        return reply.json()

    def stop(self) -> None:
        """SIGTERM by PID, then SIGKILL if it lingers."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    args = ("--matcher", "exact", "--case-sensitive", "true", "--workers", "2", "--threads", "4")
    with serving(tmp_path_factory.mktemp("backend"), *args) as srv:
        yield srv


@pytest.fixture(scope="module")
def label_studio(ls_venv: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabelStudio]:
    ls = LabelStudio(ls_venv, tmp_path_factory.mktemp("label-studio"))
    try:
        ls.wait_ready()
        yield ls
    finally:
        ls.stop()


@pytest.fixture(scope="module")
def project(label_studio: LabelStudio, backend: ServeProcess) -> dict[str, Any]:
    """An NER project with three tasks and the backend connected as an interactive ML backend."""
    ls = label_studio
    pid = ls.call("POST", "/api/projects", json={"title": "spansuggest e2e", "label_config": CONFIG})["id"]
    ls.call("POST", f"/api/projects/{pid}/import", json=[{"text": LONG}, {"text": ACCENTS}, {"text": PLAIN}])
    tasks = ls.call("GET", f"/api/tasks?project={pid}&page_size=10")["tasks"]
    ids = {task["data"]["text"]: task["id"] for task in tasks}
    ml = ls.call("POST", "/api/ml", json={"url": backend.url, "project": pid, "title": "spansuggest",
                                          "is_interactive": True})
    assert ml["state"] == "CO", ml
    return {"id": pid, "ml": ml["id"], "long": ids[LONG], "accents": ids[ACCENTS], "plain": ids[PLAIN]}


def click(ls: LabelStudio, project: dict[str, Any], task: str, context: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The browser's auto-annotation call; the suggested regions Label Studio hands back to it."""
    reply = ls.call("POST", f"/api/ml/{project['ml']}/interactive-annotating",
                    json={"task": project[task], "context": {"result": context}})
    assert "errors" not in reply, reply
    return reply["data"]["result"]


def check_regions(regions: list[dict[str, Any]], text: str, label: str, context: list[dict[str, Any]]) -> set:
    """Every region is well formed for Label Studio; returns their (start, end)."""
    ids = [r["id"] for r in regions]
    assert len(set(ids)) == len(ids) and not any("#" in i for i in ids)
    assert not set(ids) & {r["id"] for r in context}
    for r in regions:
        assert (r["from_name"], r["to_name"], r["type"]) == ("label", "text", "labels")
        value = r["value"]
        assert type(value["start"]) is int and type(value["end"]) is int
        assert text[value["start"] : value["end"]] == value["text"] and value["labels"] == [label]
    return {(r["value"]["start"], r["value"]["end"]) for r in regions}


def test_labelstudio_interactive_emoji_and_accents(label_studio: LabelStudio, project: dict[str, Any]) -> None:
    first, *others = occurrences(ACCENTS, "José Müller")
    seed = region(ACCENTS, first, "PER", "Zq8mW2xYp0")
    got = check_regions(click(label_studio, project, "accents", [seed]), ACCENTS, "PER", [seed])
    assert first not in got  # no duplicate of the seed
    assert set(others) <= got  # code-point offsets after an emoji and a ZWJ family
    assert got <= set(others) | {(m.start(), m.end()) for m in re.finditer("JOSÉ MÜLLER", ACCENTS)}


def test_labelstudio_interactive_long_text_then_second_label(label_studio: LabelStudio, project: dict[str, Any]) -> None:
    acme = occurrences(LONG, "Acme Corporation")
    seed = region(LONG, acme[0], "ORG", "aC1meSeed0")
    suggested = click(label_studio, project, "long", [seed])
    assert check_regions(suggested, LONG, "ORG", [seed]) == set(acme[1:])
    # the UI accepts them at once and sends them back with the next same-label region (new seed last)
    accepted = [{**r, "origin": "manual"} for r in suggested]
    globex = occurrences(LONG, "Globex")
    context = [seed, *accepted, region(LONG, globex[5], "ORG", "gL0bexSeed")]
    assert check_regions(click(label_studio, project, "long", context), LONG, "ORG", context) == (
        set(globex) - {globex[5]}
    )


def test_labelstudio_submitted_annotation_feeds_batch_predictions(
    label_studio: LabelStudio, project: dict[str, Any], backend: ServeProcess
) -> None:
    ls = label_studio
    spans = occurrences(ACCENTS, "José Müller")
    result = [region(ACCENTS, span, "PER", f"sUbmit{i:04d}") for i, span in enumerate(spans)]
    ls.call("POST", f"/api/tasks/{project['accents']}/annotations", json={"result": result, "lead_time": 3.5})

    def learned() -> str | None:  # the ANNOTATION_CREATED webhook reaches the backend's memory
        version = ls.call("GET", f"/api/ml/{project['ml']}")["model_version"]
        return version if version.endswith("+m1") else None

    deadline = time.monotonic() + 60
    while (version := learned()) is None:
        assert time.monotonic() < deadline, f"the memory never learned:\n{backend.text()[-3000:]}"
        time.sleep(1)
    reply = ls.call("POST", f"/api/dm/actions?id=retrieve_tasks_predictions&project={project['id']}",
                    json={"selectedItems": {"all": True, "excluded": []}})
    assert "error" not in str(reply).lower(), reply
    for task in ("long", "accents", "plain"):
        predictions = ls.call("GET", f"/api/predictions?task={project[task]}")
        assert [p["model_version"] for p in predictions] == [version], predictions
    (plain,) = ls.call("GET", f"/api/predictions?task={project['plain']}")
    assert check_regions(plain["result"], PLAIN, "PER", []) == set(occurrences(PLAIN, "José Müller"))
    assert "POST /predict" in backend.text() and "POST /webhook" in backend.text()
