"""The pattern memory's storage: learning from webhooks, versions, several writers, a kill mid-write."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from spansuggest.matchers.gazetteer import Pattern
from spansuggest.memory import LearnedSpan, Memory, PatternStore, default_store_path, project_key

CAPTURES = Path(__file__).resolve().parents[1].parent / "shared" / "label-studio-captures"
CONFIG = '<View><Labels name="label" toName="text"><Label value="PER"/><Label value="ORG"/></Labels><Text name="text" value="$text"/></View>'


def capture(name: str) -> dict:
    path = CAPTURES / name
    if not path.exists():
        pytest.skip(f"Label Studio captures not found at {CAPTURES}")
    return json.loads(path.read_text(encoding="utf-8"))["request"]["body"]


def annotation_event(action: str, annotation_id: int, text: str, regions: list[tuple[int, int, str]], project: int = 7) -> dict:
    result = [
        {"id": f"r{i}", "from_name": "label", "to_name": "text", "type": "labels",
         "value": {"start": s, "end": e, "text": text[s:e], "labels": [label]}}
        for i, (s, e, label) in enumerate(regions)
    ]
    return {
        "action": action,
        "annotation": {"id": annotation_id, "result": result, "task": 1, "was_cancelled": False},
        "task": {"id": 1, "data": {"text": text}},
        "project": {"id": project, "label_config": CONFIG},
    }


@pytest.fixture
def memory(tmp_path: Path) -> Memory:
    return Memory(PatternStore(tmp_path / "memory.sqlite3"))


def test_memory_learns_from_captured_webhooks(memory: Memory) -> None:
    assert memory.learn(capture("webhook_ANNOTATION_CREATED.json"))["changed"] is True
    assert memory.store.patterns("1") == [("label", "text", Pattern("PER", "José Müller", 1))]
    memory.learn(capture("webhook_ANNOTATION_UPDATED.json"))
    assert [p for _, _, p in memory.store.patterns("1")] == [Pattern("ORG", "Société Générale", 1), Pattern("PER", "José Müller", 1)]
    assert memory.store.version("1") == 2
    reply = memory.learn(capture("webhook_ANNOTATIONS_DELETED.json"))
    assert reply["changed"] is True and reply["memory_version"] == 3
    assert memory.store.patterns("1") == []


def test_memory_start_training_reports_version(memory: Memory) -> None:
    memory.learn(capture("webhook_ANNOTATION_CREATED.json"))
    assert memory.learn(capture("webhook_START_TRAINING.json")) == {
        "status": "ok", "action": "START_TRAINING", "memory_version": 1,
    }


def test_memory_unchanged_update_keeps_version(memory: Memory) -> None:
    text = "Ann met Bob. Ann left."
    memory.learn(annotation_event("ANNOTATION_CREATED", 1, text, [(0, 3, "PER"), (8, 11, "PER")]))
    reply = memory.learn(annotation_event("ANNOTATION_UPDATED", 1, text, [(8, 11, "PER"), (0, 3, "PER")]))
    assert reply["changed"] is False and memory.store.version("7") == 1


def test_memory_counts_per_annotation(memory: Memory) -> None:
    text = "Ann met Ann and Bob."
    memory.learn(annotation_event("ANNOTATION_CREATED", 1, text, [(0, 3, "PER"), (8, 11, "PER")]))
    memory.learn(annotation_event("ANNOTATION_CREATED", 2, text, [(0, 3, "ORG"), (16, 19, "PER")]))
    assert [p for _, _, p in memory.store.patterns("7")] == [Pattern("ORG", "Ann", 1), Pattern("PER", "Ann", 2), Pattern("PER", "Bob", 1)]
    memory.learn({"action": "ANNOTATIONS_DELETED", "annotations": [{"id": 1}], "project": {"id": 7}})
    assert [p for _, _, p in memory.store.patterns("7")] == [Pattern("ORG", "Ann", 1), Pattern("PER", "Bob", 1)]


def test_memory_cancelled_annotation_teaches_nothing(memory: Memory) -> None:
    event = annotation_event("ANNOTATION_CREATED", 1, "Ann met Bob.", [(0, 3, "PER")])
    event["annotation"]["was_cancelled"] = True
    assert memory.learn(event)["changed"] is False
    assert memory.store.patterns("7") == []


@pytest.mark.parametrize(
    "body",
    [None, [], {"action": 3}, {"action": "ANNOTATION_CREATED"}, {"action": "ANNOTATION_CREATED", "project": {"id": 1}},
     {"action": "ANNOTATION_CREATED", "project": {"id": 1, "label_config": "<View"}, "annotation": {"id": 1}},
     {"action": "ANNOTATIONS_DELETED", "project": {"id": 1}, "annotations": "x"},
     {"action": "TASKS_DELETED", "project": "1.5", "tasks": [{"id": None}]}],
)
def test_memory_webhook_malformed_is_answered(memory: Memory, body: object) -> None:
    reply = memory.learn(body)
    assert reply["status"] in ("ok", "ignored")


def test_memory_model_version_suffix(memory: Memory) -> None:
    assert memory.model_version("base", "7.1718000000") == "base"
    memory.learn(annotation_event("ANNOTATION_CREATED", 1, "Ann met Bob.", [(0, 3, "PER")]))
    assert memory.model_version("base", "7.1718000000") == "base+m1"
    assert memory.model_version("base", None) == "base"


def test_memory_project_key_forms() -> None:
    assert project_key("3.1718000000") == "3"
    assert project_key({"id": 3}) == "3"
    assert project_key(3) == "3"
    assert project_key(True) is None and project_key("") is None and project_key({"id": None}) is None


def test_memory_default_store_path_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SPANSUGGEST_STORE", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_store_path() == tmp_path / "spansuggest" / "memory.sqlite3"
    monkeypatch.setenv("SPANSUGGEST_STORE", str(tmp_path / "x.db"))
    assert default_store_path() == tmp_path / "x.db"


def test_memory_store_uses_wal(tmp_path: Path) -> None:
    store = PatternStore(tmp_path / "m.sqlite3")
    assert store.read().execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def _writer(path: str, worker: int, count: int) -> None:
    store = PatternStore(path, busy_timeout=60)
    for i in range(count):
        store.replace_annotation("1", f"{worker}-{i}", [LearnedSpan("label", "text", "PER", f"name{i % 5}")])
    store.close()


def _forked_writer(store: PatternStore) -> None:
    store.replace_annotation("1", "child", [LearnedSpan("label", "text", "PER", "child")])


def test_memory_store_forked_worker_opens_own_connection(tmp_path: Path) -> None:
    store = PatternStore(tmp_path / "m.sqlite3")  # the parent's connection exists before the fork
    child = multiprocessing.get_context("fork").Process(target=_forked_writer, args=(store,))
    child.start()
    child.join(30)
    assert child.exitcode == 0
    assert [p.text for _, _, p in store.patterns("1")] == ["child"]


def test_memory_store_several_writer_processes(tmp_path: Path) -> None:
    path = str(tmp_path / "m.sqlite3")
    PatternStore(path)
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_writer, args=(path, w, 40)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    store = PatternStore(path)
    assert store.version("1") == 160
    assert sorted(p.count for _, _, p in store.patterns("1")) == [32] * 5


KILLED_WRITER = """
import sys
from spansuggest.memory import LearnedSpan, PatternStore
store = PatternStore(sys.argv[1])
i = 0
while True:
    store.replace_annotation("1", str(i), [LearnedSpan("label", "text", "PER", "x" * 1000 + str(j)) for j in range(50)])
    print(i, flush=True)
    i += 1
"""


def test_memory_store_survives_kill_mid_write(tmp_path: Path) -> None:
    path = tmp_path / "m.sqlite3"
    proc = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(path)], stdout=subprocess.PIPE, text=True)
    acknowledged = -1
    assert proc.stdout is not None
    deadline = time.monotonic() + 30
    while acknowledged < 20 and time.monotonic() < deadline:
        acknowledged = int(proc.stdout.readline())
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    annotations = [int(a) for (a,) in db.execute("SELECT DISTINCT annotation FROM spans")]
    assert set(range(acknowledged + 1)) <= set(annotations)
    counts = db.execute("SELECT annotation, COUNT(*) FROM spans GROUP BY annotation").fetchall()
    assert all(n == 50 for _, n in counts)  # no annotation half-written
    assert db.execute("SELECT version FROM meta").fetchone()[0] == len(annotations)
